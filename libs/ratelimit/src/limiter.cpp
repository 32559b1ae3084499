#include "colibri/ratelimit/limiter.hpp"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

#include "colibri/redis/client.hpp"

namespace colibri::ratelimit {

namespace {

// KEYS[1] the bucket; ARGV: capacity, tokens per millisecond, cost.
// Returns 0 when granted, else the milliseconds until the cost is available.
// Time comes from the Redis server, so that every instance agrees.
constexpr std::string_view k_script = R"lua(
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 't', 'ts')
local tokens = tonumber(b[1]) or cap
local ts = tonumber(b[2]) or now
if now > ts then tokens = math.min(cap, tokens + (now - ts) * rate) end
local wait = 0
if tokens >= cost then tokens = tokens - cost else wait = math.ceil((cost - tokens) / rate) end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate) + 1000)
return wait
)lua";

// The script's SHA-1 in hex, as Redis names it in its script cache.
const std::string& script_digest() {
  static const std::string hex = [] {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(k_script.data(), k_script.size(), md, &n, EVP_sha1(), nullptr);
    std::string out;
    for (unsigned int i = 0; i < n; ++i) {
      char b[3];
      std::snprintf(b, sizeof b, "%02x", md[i]);
      out += b;
    }
    return out;
  }();
  return hex;
}

std::string format_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// "N/S": N tokens in a burst, N per S seconds.
bucket_rule read_rule(core::config& cfg, std::string_view name, bucket_rule def) {
  auto d = std::to_string(static_cast<long long>(def.capacity)) + "/" +
           std::to_string(static_cast<long long>(std::llround(def.capacity / def.per_second)));
  auto v = cfg.str(name, d);
  auto slash = v.find('/');
  long long n = 0, s = 0;
  bool ok = slash != std::string::npos && std::from_chars(v.data(), v.data() + slash, n).ec == std::errc{} &&
            std::from_chars(v.data() + slash + 1, v.data() + v.size(), s).ec == std::errc{} && n >= 1 && n <= 1000000 &&
            s >= 1 && s <= 86400;
  if (!ok) {
    cfg.fail(name, "expected N/S: N requests in a burst, N per S seconds (1..1000000 / 1..86400)");
    return def;
  }
  return {static_cast<double>(n), static_cast<double>(n) / static_cast<double>(s)};
}

}  // namespace

settings read_settings(core::config& cfg) {
  settings s;
  // The write bucket keeps the gateway's historical settings.
  auto events = cfg.integer("COLIBRI_RATE_EVENTS", 20, 1, 100000);
  auto window = cfg.integer("COLIBRI_RATE_WINDOW_SECONDS", 10, 1, 3600);
  s.write = {static_cast<double>(events), static_cast<double>(events) / static_cast<double>(window)};
  s.history = read_rule(cfg, "COLIBRI_RATE_HISTORY", s.history);
  s.subscribe = read_rule(cfg, "COLIBRI_RATE_SUBSCRIBE", s.subscribe);
  s.typing = read_rule(cfg, "COLIBRI_RATE_TYPING", s.typing);
  s.register_account = read_rule(cfg, "COLIBRI_RATE_REGISTER_PER_ADDRESS", s.register_account);
  s.login = read_rule(cfg, "COLIBRI_RATE_LOGIN_PER_ADDRESS", s.login);
  s.anonymous_read = read_rule(cfg, "COLIBRI_RATE_ANONYMOUS_READ_PER_ADDRESS", s.anonymous_read);
  s.mail = read_rule(cfg, "COLIBRI_RATE_MAIL", s.mail);
  s.upload = read_rule(cfg, "COLIBRI_RATE_UPLOAD", s.upload);
  s.redis_timeout = std::chrono::milliseconds(cfg.integer("COLIBRI_RATE_REDIS_TIMEOUT_MS", 50, 1, 5000));
  return s;
}

core::error decision::error() const {
  auto e = core::default_error(core::errc::rate_limited);
  e.retry_after_s = std::max(1, (retry_after_ms + 999) / 1000);
  return e;
}

std::string user_subject(std::int64_t user_id) { return "u:" + std::to_string(user_id); }

std::string recipient_subject(std::string_view email) {
  std::string folded(email);
  for (auto& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  unsigned char digest[crypto_generichash_BYTES_MIN];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(folded.data()), folded.size(),
                     nullptr, 0);
  char hex[sizeof digest * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string("m:") + hex;
}

std::string address_subject(std::string_view remote_address) {
  std::string a(remote_address);
  unsigned char b[16];
  if (a.find(':') != std::string::npos && inet_pton(AF_INET6, a.c_str(), b) == 1) {
    static constexpr unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    char out[INET6_ADDRSTRLEN];
    if (std::equal(mapped, mapped + 12, b)) {
      inet_ntop(AF_INET, b + 12, out, sizeof out);
      return std::string("a:") + out;
    }
    std::fill(b + 8, b + 16, 0);
    inet_ntop(AF_INET6, b, out, sizeof out);
    return std::string("a:") + out + "/64";
  }
  return "a:" + a;
}

limiter::limiter(redis::publisher* pub, settings s) : pub_(pub), s_(std::move(s)) {}

limiter::cost limiter::cost_of(action a) const {
  switch (a) {
    case action::post:
      return {"write", s_.write, 1};
    case action::edit:
      return {"write", s_.write, 1};
    case action::react:
      return {"write", s_.write, 1};
    case action::report:
      return {"write", s_.write, 3};
    case action::join:
      return {"write", s_.write, 3};
    case action::create:
      return {"write", s_.write, 5};
    case action::quit_profile:
      return {"write", s_.write, 5};
    case action::history:
      return {"history", s_.history, 1};
    case action::expensive_read:
      return {"history", s_.history, 2};
    case action::subscribe:
      return {"subscribe", s_.subscribe, 1};
    case action::mark_read:
      return {"subscribe", s_.subscribe, 1};
    case action::typing:
      return {"typing", s_.typing, 1};
    case action::register_account:
      return {"register", s_.register_account, 1};
    case action::login:
      return {"login", s_.login, 1};
    case action::mail:
      return {"mail", s_.mail, 1};
    case action::anonymous_read:
      return {"anonymous_read", s_.anonymous_read, 1};
    case action::upload:
      return {"upload", s_.upload, 1};
    case action::download:
      return {"history", s_.history, 3};
  }
  return {"write", s_.write, 1};
}

decision limiter::take_local(const std::string& key, const bucket_rule& rule, double cost) {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lk(mutex_);
  if (local_.size() >= s_.local_max && !local_.count(key)) {
    // Full buckets carry no information: drop them; if that frees too little, start over.
    std::erase_if(local_, [&](const auto& kv) {
      return kv.second.tokens + rule.per_second * std::chrono::duration<double>(now - kv.second.at).count() >=
             rule.capacity;
    });
    if (local_.size() >= s_.local_max) local_.clear();
  }
  auto [it, fresh] = local_.try_emplace(key, local_bucket{rule.capacity, now});
  auto& b = it->second;
  if (!fresh) {
    b.tokens = std::min(rule.capacity, b.tokens + rule.per_second * std::chrono::duration<double>(now - b.at).count());
    b.at = now;
  }
  if (b.tokens >= cost) {
    b.tokens -= cost;
    return {};
  }
  return {false, static_cast<int>(std::ceil((cost - b.tokens) / rule.per_second * 1000))};
}

awaitable<decision> limiter::take(std::string subject, action a, std::string scope) {
  auto c = cost_of(a);
  std::string key = "rl:{" + subject + "}:" + std::string(c.bucket);
  if (!scope.empty()) (key += ':') += scope;
  if (pub_ && pub_->healthy()) {
    bool by_digest = script_loaded_.load(std::memory_order_relaxed);
    std::vector<std::string> args{by_digest ? "EVALSHA" : "EVAL",
                                  by_digest ? script_digest() : std::string(k_script),
                                  "1",
                                  key,
                                  format_double(c.rule.capacity),
                                  format_double(c.rule.per_second / 1000.0),
                                  format_double(c.tokens)};
    auto wait = co_await pub_->call(std::move(args), s_.redis_timeout);
    script_loaded_.store(wait.has_value(), std::memory_order_relaxed);
    if (wait) {
      if (*wait > 0) co_return decision{false, static_cast<int>(std::min<std::int64_t>(*wait, 86400000))};
      // What Redis allowed is charged here too: when Redis is slow or gone,
      // the local bucket decides from what this process let through, not
      // from a full bucket (a slow answer was a fresh allowance).
      take_local(key, c.rule, c.tokens);
      co_return decision{};
    }
  }
  co_return take_local(key, c.rule, c.tokens);
}

}  // namespace colibri::ratelimit
