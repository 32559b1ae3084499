#include "colibri/http/message.hpp"

#include <gtest/gtest.h>

using namespace colibri;
using namespace colibri::http;

TEST(Message, ErrorBodyFollowsTheContract) {
  auto e = core::error::validation("email", {"Adresse e-mail invalide.", "Invalid email address."});
  auto r = response::error(e, core::lang::fr);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"error":{"code":"validation_failed","message":"Adresse e-mail invalide.","field":"email"}})");
  auto en = response::error(e, core::lang::en);
  EXPECT_NE(en.body.find("Invalid email address."), std::string::npos);
}

TEST(Message, UnavailableCarriesRetryAfter) {
  auto r = response::error(core::errc::unavailable, core::lang::fr);
  EXPECT_EQ(r.status, 503);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Retry-After");
}

TEST(Message, QueryAndPercentDecoding) {
  auto q = parse_query("postcode=75011&near=48.85%2C2.35&q=a+b&bad=%zz");
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[1].second, "48.85,2.35");
  EXPECT_EQ(q[2].second, "a b");
  EXPECT_FALSE(percent_decode("%4", false));
  EXPECT_EQ(percent_decode("a%2Fb", false), "a/b");
}

TEST(Message, BearerToken) {
  request r;
  r.headers = {{"authorization", "Bearer abc.DEF-123"}};
  EXPECT_EQ(r.bearer_token(), "abc.DEF-123");
  r.headers = {{"authorization", "bearer  xyz "}};
  EXPECT_EQ(r.bearer_token(), "xyz");
  r.headers = {{"authorization", "Basic Zm9v"}};
  EXPECT_EQ(r.bearer_token(), "");
}
