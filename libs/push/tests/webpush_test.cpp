// RFC 8291's worked example (§5 and Appendix A), byte for byte; the VAPID
// token's shape; keys and encodings that must be refused.
#include "colibri/push/webpush.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace colibri::push {
namespace {

std::string d(std::string_view b64) {
  auto v = b64url_decode(b64);
  EXPECT_TRUE(v.has_value()) << b64;
  return v.value_or("");
}

// RFC 8291 Appendix A.
constexpr std::string_view k_plaintext = "When I grow up, I want to be a watermelon";
constexpr std::string_view k_ua_public =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
constexpr std::string_view k_auth = "BTBZMqHH6r4Tts7J_aSIgg";
constexpr std::string_view k_as_private = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
constexpr std::string_view k_as_public =
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
constexpr std::string_view k_salt = "DGv6ra1nlYgDCS1FRnbzlw";
constexpr std::string_view k_body =
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_"
    "c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_"
    "yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

TEST(WebPush, ReproducesRfc8291AppendixAByteForByte) {
  auto body = encrypt(k_plaintext, d(k_ua_public), d(k_auth), d(k_as_private), d(k_salt));
  EXPECT_EQ(b64url_encode(body), k_body);
  EXPECT_EQ(body.size(), 86u + k_plaintext.size() + 1 + 16);
  // The header alone, as the appendix gives it: salt, rs = 4096, idlen 65, keyid.
  EXPECT_EQ(
      b64url_encode(body.substr(0, 86)),
      "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3"
      "jl7A8");
  EXPECT_EQ(b64url_encode(body.substr(86)),
            "8pfeW0KbunFT06SuDKoJH9Ql87S1QUrdirN6GcG7sFz1y1sqLgVi1VhjVkHsUoEsbI_0LpXMuGvnzQ");
  // The sender's public key is derived from its private scalar.
  auto as = vapid_key::from_private(d(k_as_private));
  ASSERT_TRUE(as);
  EXPECT_EQ(b64url_encode(as->public_bytes()), k_as_public);
}

TEST(WebPush, FreshEncryptionsDifferAndCarryTheirOwnKey) {
  auto a = encrypt(k_plaintext, d(k_ua_public), d(k_auth));
  auto b = encrypt(k_plaintext, d(k_ua_public), d(k_auth));
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), b.size());
  EXPECT_EQ(static_cast<unsigned char>(a[20]), 65);
  EXPECT_EQ(a[21], '\x04');
}

TEST(WebPush, RefusesKeysOfTheWrongShape) {
  auto ua = d(k_ua_public);
  EXPECT_THROW(encrypt("x", ua.substr(0, 64), d(k_auth)), std::invalid_argument);
  auto off_curve = ua;
  off_curve[40] = static_cast<char>(off_curve[40] ^ 1);
  EXPECT_THROW(encrypt("x", off_curve, d(k_auth)), std::invalid_argument);
  EXPECT_THROW(encrypt("x", ua, "short"), std::invalid_argument);
  EXPECT_THROW(encrypt(std::string(5000, 'x'), ua, d(k_auth)), std::invalid_argument);
  EXPECT_TRUE(valid_public_key(ua));
  EXPECT_FALSE(valid_public_key(off_curve));
  EXPECT_FALSE(valid_public_key(ua.substr(1)));
  EXPECT_FALSE(vapid_key::from_private(std::string(32, '\0')));
  EXPECT_FALSE(vapid_key::from_private(std::string(32, '\xff')));  // above the group order
  EXPECT_FALSE(vapid_key::from_private("too short"));
}

TEST(WebPush, Base64UrlRoundTripsAndRefusesOtherAlphabets) {
  for (const std::string& s :
       std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\xff\xfe\x00\x01", 4)})
    EXPECT_EQ(b64url_decode(b64url_encode(s)), s);
  EXPECT_EQ(b64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(b64url_decode("Zm9vYg=="), "foob");
  EXPECT_FALSE(b64url_decode("Zm9v+g"));
  EXPECT_FALSE(b64url_decode("Zm9v/g"));
  EXPECT_FALSE(b64url_decode("Z"));
}

TEST(WebPush, VapidTokenNamesTheEndpointOriginAndOurKey) {
  auto k = vapid_key::generate();
  auto again = vapid_key::from_private(k.private_bytes());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->public_bytes(), k.public_bytes());
  auto h = k.authorization("https://Push.Example.NET:8443/wpush/v2/abc?x=1", "mailto:ops@example.org",
                           std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000)));
  ASSERT_TRUE(h.starts_with("vapid t="));
  auto comma = h.find(", k=");
  ASSERT_NE(comma, std::string::npos);
  EXPECT_EQ(h.substr(comma + 4), b64url_encode(k.public_bytes()));
  auto jwt = h.substr(8, comma - 8);
  auto dot1 = jwt.find('.');
  auto dot2 = jwt.rfind('.');
  EXPECT_EQ(d(jwt.substr(0, dot1)), R"({"typ":"JWT","alg":"ES256"})");
  EXPECT_EQ(d(jwt.substr(dot1 + 1, dot2 - dot1 - 1)),
            R"({"aud":"https://push.example.net:8443","exp":1800000000,"sub":"mailto:ops@example.org"})");
  EXPECT_EQ(d(jwt.substr(dot2 + 1)).size(), 64u);
}

TEST(WebPush, OriginOfAcceptsOnlyAbsoluteHttpUrls) {
  EXPECT_EQ(origin_of("https://fcm.googleapis.com/fcm/send/x"), "https://fcm.googleapis.com");
  EXPECT_EQ(origin_of("http://127.0.0.1:9000"), "http://127.0.0.1:9000");
  EXPECT_EQ(origin_of("ftp://x/y"), "");
  EXPECT_EQ(origin_of("https://user@host/x"), "");
  EXPECT_EQ(origin_of("https:///x"), "");
}

TEST(WebPush, OnlyListedPushServicesAreAllowed) {
  auto services = default_services();
  EXPECT_TRUE(endpoint_allowed("https://fcm.googleapis.com/fcm/send/abc", services));
  EXPECT_TRUE(endpoint_allowed("https://web.push.apple.com/QGx", services));
  EXPECT_FALSE(endpoint_allowed("https://push.apple.com/QGx", services));  // the bare domain is not a subdomain
  EXPECT_FALSE(endpoint_allowed("https://evil.push.apple.com.example.org/x", services));
  EXPECT_FALSE(endpoint_allowed("https://web.push.apple.com:6379/x", services));
  EXPECT_FALSE(endpoint_allowed("http://fcm.googleapis.com/fcm/send/abc", services));
  EXPECT_FALSE(endpoint_allowed("http://127.0.0.1:6379/", services));
  EXPECT_FALSE(endpoint_allowed("https://fcm.googleapis.com@127.0.0.1/x", services));
  EXPECT_TRUE(endpoint_allowed("http://127.0.0.1:9000/push/1", {"http://127.0.0.1:9000"}));
  EXPECT_FALSE(endpoint_allowed("http://127.0.0.1:9001/push/1", {"http://127.0.0.1:9000"}));
}

}  // namespace
}  // namespace colibri::push
