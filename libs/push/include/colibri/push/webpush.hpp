#pragma once
// Web Push, the sending side: payload encryption (RFC 8291, "aes128gcm" of
// RFC 8188), the VAPID claim that identifies us to the push service (RFC
// 8292) and the HTTP request of RFC 8030. The cryptography is OpenSSL's, the
// HTTP libcurl's; what is ours is the key schedule, checked byte for byte
// against RFC 8291's Appendix A (tests/webpush_test.cpp).
//
// Nothing here touches the database: the scheduler's push worker
// (services/badges/src/pushes.cpp) decides what to send, when, and what to do
// with the answer.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

namespace colibri::push {

// base64url without padding (RFC 4648 §5), as Web Push and JWT use it. Decoding
// accepts padding and refuses anything else that is not in the alphabet.
std::string b64url_encode(std::string_view bytes);
std::optional<std::string> b64url_decode(std::string_view text);

// The body of an encrypted push: the aes128gcm header (salt, record size,
// the sender's ephemeral public key) then one record, the plaintext followed
// by the last-record delimiter 0x02. `ua_public`: the subscription's p256dh,
// 65 octets; `auth_secret`: its auth, 16 octets; `as_private`: the ephemeral
// private scalar, 32 octets; `salt`: 16 octets. Throws std::invalid_argument
// on a key of the wrong size or not on the curve.
std::string encrypt(std::string_view plaintext, std::string_view ua_public, std::string_view auth_secret,
                    std::string_view as_private, std::string_view salt, std::uint32_t record_size = 4096);
// The same with a fresh ephemeral key and salt (what is sent).
std::string encrypt(std::string_view plaintext, std::string_view ua_public, std::string_view auth_secret);
// Whether `ua_public` is an uncompressed point of P-256 (65 octets).
bool valid_public_key(std::string_view ua_public);
// The largest plaintext that fits one 4096-octet record.
constexpr std::size_t k_max_plaintext = 4096 - 16 - 1 - 86;

// The application server's long-lived P-256 key (VAPID).
class vapid_key {
 public:
  static vapid_key generate();
  // From the 32-octet private scalar; nullopt when it is not a valid key.
  static std::optional<vapid_key> from_private(std::string_view scalar);
  vapid_key(vapid_key&&) noexcept;
  vapid_key& operator=(vapid_key&&) noexcept;
  ~vapid_key();

  std::string private_bytes() const;  // 32 octets
  std::string public_bytes() const;   // 65 octets, uncompressed: the applicationServerKey
  // "vapid t=<JWT>, k=<public key>" for a request to `endpoint`: the JWT's
  // aud is the endpoint's origin, exp `expires` (at most 24 h ahead), sub
  // `subject` (a mailto: or https: contact). ES256.
  std::string authorization(std::string_view endpoint, std::string_view subject,
                            std::chrono::system_clock::time_point expires) const;

 private:
  struct impl;
  explicit vapid_key(std::unique_ptr<impl> p);
  std::unique_ptr<impl> p_;
};

// "scheme://host[:port]" of an URL; empty when it is not an absolute http(s) URL.
std::string origin_of(std::string_view url);

// Where we agree to send (the server POSTs to a subscription's endpoint, so
// an endpoint is never trusted as given: SSRF). Entries are origins,
// "https://fcm.googleapis.com"; a host may begin with "*." for its
// subdomains. COLIBRI_PUSH_SERVICES replaces the default list.
bool endpoint_allowed(std::string_view endpoint, const std::vector<std::string>& services);
// The browsers' push services: Google (Chrome, Edge on Android), Mozilla,
// Apple, Microsoft.
std::vector<std::string> default_services();
// The server's VAPID key, made once and kept in `server_keys` (name "vapid").
vapid_key server_key(pqxx::transaction_base& w);

struct request {
  std::string endpoint;
  std::string body;           // encrypted (encrypt())
  std::string authorization;  // vapid_key::authorization()
  int ttl_seconds = 86400;
  std::string urgency = "normal";  // very-low | low | normal | high
  std::string topic;               // at most 32 base64url characters; a later push with it replaces this one
  std::chrono::seconds timeout{10};
};

struct response {
  long status = 0;    // 0: no HTTP answer (connection refused, timeout...)
  std::string error;  // curl's description when status is 0
  std::optional<std::chrono::seconds> retry_after;
};

// POSTs one push (RFC 8030 §5). No redirect is followed; only http and https.
response send(const request& r);

}  // namespace colibri::push
