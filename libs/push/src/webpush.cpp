// OpenSSL 3 deprecates the EC_KEY interface in favour of EVP_PKEY parameter
// builders; EC_KEY stays supported through 3.x and keeps this file short.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "colibri/push/webpush.hpp"

#include <curl/curl.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <cstring>
#include <stdexcept>

#include "colibri/pg/server_keys.hpp"

namespace colibri::push {

namespace {

constexpr std::string_view k_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct ec_key_deleter {
  void operator()(EC_KEY* k) const { EC_KEY_free(k); }
};
using ec_key_ptr = std::unique_ptr<EC_KEY, ec_key_deleter>;
struct bn_deleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using bn_ptr = std::unique_ptr<BIGNUM, bn_deleter>;
struct point_deleter {
  void operator()(EC_POINT* p) const { EC_POINT_free(p); }
};
using point_ptr = std::unique_ptr<EC_POINT, point_deleter>;

[[noreturn]] void fail(const char* what) { throw std::invalid_argument(what); }

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// A P-256 key from its private scalar, with the public point computed.
ec_key_ptr key_from_scalar(std::string_view scalar) {
  if (scalar.size() != 32) return nullptr;
  ec_key_ptr k(EC_KEY_new_by_curve_name(NID_X9_62_prime256v1));
  bn_ptr d(BN_bin2bn(bytes(scalar), 32, nullptr));
  if (!k || !d || BN_is_zero(d.get())) return nullptr;
  const EC_GROUP* g = EC_KEY_get0_group(k.get());
  if (BN_cmp(d.get(), EC_GROUP_get0_order(g)) >= 0) return nullptr;
  point_ptr pub(EC_POINT_new(g));
  if (!pub || EC_POINT_mul(g, pub.get(), d.get(), nullptr, nullptr, nullptr) != 1) return nullptr;
  if (EC_KEY_set_private_key(k.get(), d.get()) != 1 || EC_KEY_set_public_key(k.get(), pub.get()) != 1) return nullptr;
  return k;
}

std::string public_of(const EC_KEY* k) {
  std::string out(65, '\0');
  auto n = EC_POINT_point2oct(EC_KEY_get0_group(k), EC_KEY_get0_public_key(k), POINT_CONVERSION_UNCOMPRESSED,
                              reinterpret_cast<unsigned char*>(out.data()), out.size(), nullptr);
  if (n != 65) fail("public key");
  return out;
}

std::string scalar_of(const EC_KEY* k) {
  std::string out(32, '\0');
  if (BN_bn2binpad(EC_KEY_get0_private_key(k), reinterpret_cast<unsigned char*>(out.data()), 32) != 32)
    fail("private key");
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes(data), data.size(),
            reinterpret_cast<unsigned char*>(out.data()), &len) ||
      len != 32)
    fail("hmac");
  return out;
}

// HKDF-Expand for one block (every length here is at most 32): T(1) cut to `len`.
std::string hkdf_expand(std::string_view prk, std::string_view info, std::size_t len) {
  std::string in(info);
  in.push_back('\x01');
  return hmac_sha256(prk, in).substr(0, len);
}

// An uncompressed point of the group (65 octets) that is on the curve; null otherwise.
point_ptr point_of(const EC_GROUP* g, std::string_view octets) {
  point_ptr p(EC_POINT_new(g));
  if (octets.size() != 65 || octets[0] != '\x04' || !p ||
      EC_POINT_oct2point(g, p.get(), bytes(octets), octets.size(), nullptr) != 1 ||
      EC_POINT_is_on_curve(g, p.get(), nullptr) != 1)
    return nullptr;
  return p;
}

std::string ecdh(const EC_KEY* mine, std::string_view their_public) {
  auto p = point_of(EC_KEY_get0_group(mine), their_public);
  if (!p) fail("p256dh: not an uncompressed P-256 point");
  std::string secret(32, '\0');
  if (ECDH_compute_key(secret.data(), secret.size(), p.get(), mine, nullptr) != 32) fail("ecdh");
  return secret;
}

std::string aes128gcm(std::string_view key, std::string_view nonce, std::string_view plain) {
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> c(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out(plain.size() + 16, '\0');
  int len = 0, tail = 0;
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (!c || EVP_EncryptInit_ex(c.get(), EVP_aes_128_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) != 1 ||
      EVP_EncryptInit_ex(c.get(), nullptr, nullptr, bytes(key), bytes(nonce)) != 1 ||
      EVP_EncryptUpdate(c.get(), o, &len, bytes(plain), static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(c.get(), o + len, &tail) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_GET_TAG, 16, o + plain.size()) != 1)
    fail("aes-128-gcm");
  return out;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) fail("random");
  return out;
}

}  // namespace

std::string b64url_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(in[k]); };
  for (; i + 2 < in.size(); i += 3) {
    std::uint32_t v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    for (int s = 18; s >= 0; s -= 6) out.push_back(k_alphabet[(v >> s) & 63]);
  }
  if (i + 1 == in.size()) {
    std::uint32_t v = at(i) << 16;
    out.push_back(k_alphabet[(v >> 18) & 63]);
    out.push_back(k_alphabet[(v >> 12) & 63]);
  } else if (i + 2 == in.size()) {
    std::uint32_t v = (at(i) << 16) | (at(i + 1) << 8);
    for (int s = 18; s >= 6; s -= 6) out.push_back(k_alphabet[(v >> s) & 63]);
  }
  return out;
}

std::optional<std::string> b64url_decode(std::string_view in) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char ch : in) {
    auto p = k_alphabet.find(ch);
    if (p == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(p);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

std::string encrypt(std::string_view plaintext, std::string_view ua_public, std::string_view auth_secret,
                    std::string_view as_private, std::string_view salt, std::uint32_t record_size) {
  if (auth_secret.size() != 16) fail("auth: must be 16 octets");
  if (salt.size() != 16) fail("salt: must be 16 octets");
  if (plaintext.size() + 17 > record_size || record_size < 18) fail("payload larger than one record");
  auto as = key_from_scalar(as_private);
  if (!as) fail("sender key");
  auto as_public = public_of(as.get());
  // RFC 8291 §3.4: the shared secret, mixed with the auth secret and both
  // public keys, then RFC 8188's content-encryption key and nonce.
  auto ecdh_secret = ecdh(as.get(), ua_public);
  std::string key_info = "WebPush: info";
  key_info.push_back('\0');
  key_info.append(ua_public).append(as_public);
  auto ikm = hkdf_expand(hmac_sha256(auth_secret, ecdh_secret), key_info, 32);
  auto prk = hmac_sha256(salt, ikm);
  auto cek = hkdf_expand(prk, std::string_view("Content-Encoding: aes128gcm\0", 28), 16);
  auto nonce = hkdf_expand(prk, std::string_view("Content-Encoding: nonce\0", 24), 12);
  std::string record(plaintext);
  record.push_back('\x02');  // the last (and only) record; no padding
  std::string out(salt);
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((record_size >> s) & 0xff));
  out.push_back(static_cast<char>(as_public.size()));
  out += as_public;
  out += aes128gcm(cek, nonce, record);
  return out;
}

bool valid_public_key(std::string_view ua_public) {
  ec_key_ptr k(EC_KEY_new_by_curve_name(NID_X9_62_prime256v1));
  return k && point_of(EC_KEY_get0_group(k.get()), ua_public) != nullptr;
}

std::string encrypt(std::string_view plaintext, std::string_view ua_public, std::string_view auth_secret) {
  auto k = vapid_key::generate();  // an ephemeral key, used once
  return encrypt(plaintext, ua_public, auth_secret, k.private_bytes(), random_bytes(16));
}

struct vapid_key::impl {
  ec_key_ptr key;
};

vapid_key::vapid_key(std::unique_ptr<impl> p) : p_(std::move(p)) {}
vapid_key::vapid_key(vapid_key&&) noexcept = default;
vapid_key& vapid_key::operator=(vapid_key&&) noexcept = default;
vapid_key::~vapid_key() = default;

vapid_key vapid_key::generate() {
  for (int i = 0; i < 8; ++i)
    if (auto k = from_private(random_bytes(32))) return std::move(*k);
  fail("could not draw a P-256 key");
}

std::optional<vapid_key> vapid_key::from_private(std::string_view scalar) {
  auto k = key_from_scalar(scalar);
  if (!k) return std::nullopt;
  auto p = std::make_unique<impl>();
  p->key = std::move(k);
  return vapid_key(std::move(p));
}

std::string vapid_key::private_bytes() const { return scalar_of(p_->key.get()); }
std::string vapid_key::public_bytes() const { return public_of(p_->key.get()); }

std::string vapid_key::authorization(std::string_view endpoint, std::string_view subject,
                                     std::chrono::system_clock::time_point expires) const {
  auto aud = origin_of(endpoint);
  if (aud.empty()) fail("endpoint: not an http(s) URL");
  auto exp = std::chrono::duration_cast<std::chrono::seconds>(expires.time_since_epoch()).count();
  // The claims hold no user input but the endpoint's origin and the operator's
  // subject; both are escaped as JSON strings all the same.
  auto quoted = [](std::string_view s) {
    std::string q = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') q.push_back('\\');
      if (static_cast<unsigned char>(c) < 0x20) continue;
      q.push_back(c);
    }
    return q + "\"";
  };
  std::string claims =
      "{\"aud\":" + quoted(aud) + ",\"exp\":" + std::to_string(exp) + ",\"sub\":" + quoted(subject) + "}";
  std::string signing_input = b64url_encode(R"({"typ":"JWT","alg":"ES256"})") + "." + b64url_encode(claims);
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(bytes(signing_input), signing_input.size(), digest.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
      ECDSA_do_sign(digest.data(), static_cast<int>(digest.size()), p_->key.get()), ECDSA_SIG_free);
  if (!sig) fail("ecdsa");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(64, '\0');  // JWS: r and s, 32 octets each (RFC 7518 §3.4)
  auto* o = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, o, 32) != 32 || BN_bn2binpad(s, o + 32, 32) != 32) fail("ecdsa");
  return "vapid t=" + signing_input + "." + b64url_encode(raw) + ", k=" + b64url_encode(public_bytes());
}

std::string origin_of(std::string_view url) {
  std::string_view scheme;
  if (url.starts_with("https://"))
    scheme = "https://";
  else if (url.starts_with("http://"))
    scheme = "http://";
  else
    return {};
  auto rest = url.substr(scheme.size());
  auto end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, end);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return {};
  std::string out(scheme);
  for (char c : authority) out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  return out;
}

bool endpoint_allowed(std::string_view endpoint, const std::vector<std::string>& services) {
  auto origin = origin_of(endpoint);
  if (origin.empty() || endpoint.size() > 2000) return false;
  for (const auto& allowed : services) {
    auto wild = allowed.find("://*.");
    if (wild == std::string::npos) {
      if (origin == allowed) return true;
      continue;
    }
    // "https://*.push.apple.com": the same scheme, a host ending in
    // ".push.apple.com" (a subdomain, not the bare domain), no other port.
    auto scheme = allowed.substr(0, wild + 3);
    auto suffix = allowed.substr(wild + 4);
    if (origin.starts_with(scheme) && origin.size() > scheme.size() + suffix.size() && origin.ends_with(suffix) &&
        origin.substr(scheme.size(), origin.size() - scheme.size() - suffix.size()).find_first_of(":/") ==
            std::string::npos)
      return true;
  }
  return false;
}

std::vector<std::string> default_services() {
  return {"https://fcm.googleapis.com", "https://updates.push.services.mozilla.com", "https://*.push.apple.com",
          "https://*.notify.windows.com"};
}

vapid_key server_key(pqxx::transaction_base& w) {
  auto stored = pg::server_key(w, "vapid", [] { return vapid_key::generate().private_bytes(); });
  auto k = vapid_key::from_private(stored);
  if (!k) throw std::runtime_error("server_keys: the stored VAPID key is not a P-256 key");
  return std::move(*k);
}

namespace {

struct curl_slist_deleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::size_t discard(char*, std::size_t size, std::size_t n, void*) { return size * n; }

std::size_t header_line(char* data, std::size_t size, std::size_t n, void* user) {
  std::string_view line(data, size * n);
  auto* out = static_cast<response*>(user);
  constexpr std::string_view name = "retry-after:";
  if (line.size() > name.size()) {
    std::string lower;
    for (std::size_t i = 0; i < name.size(); ++i)
      lower.push_back(static_cast<char>(line[i] >= 'A' && line[i] <= 'Z' ? line[i] - 'A' + 'a' : line[i]));
    if (lower == name) {
      long v = 0;
      bool digits = false;
      for (char c : line.substr(name.size())) {
        if (c >= '0' && c <= '9') {
          digits = true;
          v = std::min<long>(v * 10 + (c - '0'), 86400);
        } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
          digits = false;  // an HTTP date: left to our own backoff
          break;
        }
      }
      if (digits) out->retry_after = std::chrono::seconds(v);
    }
  }
  return size * n;
}

}  // namespace

response send(const request& r) {
  response out;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> c(curl_easy_init(), curl_easy_cleanup);
  if (!c) {
    out.error = "curl_easy_init failed";
    return out;
  }
  std::unique_ptr<curl_slist, curl_slist_deleter> headers;
  auto add = [&](const std::string& h) { headers.reset(curl_slist_append(headers.release(), h.c_str())); };
  add("TTL: " + std::to_string(r.ttl_seconds));
  add("Urgency: " + r.urgency);
  if (!r.topic.empty()) add("Topic: " + r.topic);
  add("Content-Encoding: aes128gcm");
  add("Content-Type: application/octet-stream");
  add("Authorization: " + r.authorization);
  add("Expect:");
  curl_easy_setopt(c.get(), CURLOPT_URL, r.endpoint.c_str());
  curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c.get(), CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c.get(), CURLOPT_POST, 1L);
  curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, r.body.data());
  curl_easy_setopt(c.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(r.body.size()));
  curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(c.get(), CURLOPT_HEADERFUNCTION, header_line);
  curl_easy_setopt(c.get(), CURLOPT_HEADERDATA, &out);
  curl_easy_setopt(c.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c.get(), CURLOPT_CONNECTTIMEOUT, 5L);
  curl_easy_setopt(c.get(), CURLOPT_TIMEOUT, static_cast<long>(r.timeout.count()));
  auto rc = curl_easy_perform(c.get());
  if (rc != CURLE_OK) {
    out.error = curl_easy_strerror(rc);
    return out;
  }
  curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &out.status);
  return out;
}

}  // namespace colibri::push
