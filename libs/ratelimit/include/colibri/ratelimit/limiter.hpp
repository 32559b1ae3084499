#pragma once
// One rate limiter for every door (REST writes, socket frames, logins and
// registrations), shared by every instance of every service through Redis.
//
// A token bucket per subject and bucket name: `rl:{u:42}:write` for a person,
// `rl:{a:203.0.113.7}:register` for an address before login. The braces are
// a Redis Cluster hash tag, so one subject's keys stay on one shard. The
// bucket is refilled continuously and read, refilled and taken from in one
// Lua script (atomic on the server, whatever the number of gateways). When
// Redis is away or slow, a local bucket in this process decides instead:
// each instance then enforces the limit on its own, never none at all.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "colibri/core/config.hpp"
#include "colibri/core/result.hpp"
#include "colibri/net/asio.hpp"

namespace colibri::redis {
class publisher;
}

namespace colibri::ratelimit {

// A bucket: `capacity` tokens, refilled at `per_second`.
struct bucket_rule {
  double capacity = 20;
  double per_second = 2;
};

// What a request costs, in which bucket. Every action that writes (or reads
// expensively) is listed here with its cost, so that the policy reads in one
// place (docs/architecture.md, "Rate limits").
enum class action {
  post,              // a message (socket send, REST post, thread post): write, 1
  edit,              // edit, delete: write, 1
  react,             // write, 1
  report,            // write, 3 (each notifies every moderator)
  join,              // join, leave, join request: write, 3 (notifications, room events)
  create,            // a thread or a conversation: write, 5
  quit_profile,      // a quit-date change: write, 5 (badges computed)
  history,           // socket history page: history bucket (10 per 10 s), 1
  expensive_read,    // export, listing every group, celebrations: history bucket, 2
  subscribe,         // socket subscribe/unsubscribe: subscribe bucket (30, 3/s), 1
  mark_read,         // notifications marked read: subscribe bucket, 1
  typing,            // per room: 1 per 3 s; extra ones are dropped silently
  register_account,  // per address: register bucket, 1
  login,             // per address: login bucket (anonymous), 1
  mail,              // a mail sent at someone's request (verification, reset,
                     // email change): mail bucket, 1, per person and per
                     // recipient address (hashed), so nobody floods an inbox
  anonymous_read,    // per address: a read without a session (a calendar
                     // feed by its token): anonymous_read bucket, 1
  upload,            // a document version (up to the upload limit, hashed and
                     // stored): upload bucket (30 in a burst, 30 an hour), 1
  download,          // a document's content (up to the upload limit read from
                     // PostgreSQL): history bucket, 3
};

struct settings {
  bucket_rule write{20, 2};    // 20 in a burst, 20 per 10 s
  bucket_rule history{10, 1};  // 10 per 10 s
  bucket_rule subscribe{30, 3};
  bucket_rule typing{1, 1.0 / 3};  // once per 3 s per room
  // Per address: sized for carrier-grade NAT, hundreds of phones behind one
  // address at night.
  bucket_rule register_account{60, 60.0 / 3600};  // 60 in a burst, 60 an hour
  bucket_rule login{300, 5};
  bucket_rule mail{5, 5.0 / 3600};  // 5 in a burst, 5 an hour
  // Calendar providers poll many people's feeds from few addresses.
  bucket_rule anonymous_read{120, 2};
  bucket_rule upload{30, 30.0 / 3600};
  std::chrono::milliseconds redis_timeout{50};
  // Local buckets kept at most (when Redis is away); past it the oldest half goes.
  std::size_t local_max = 100000;
};

settings read_settings(core::config& cfg);

struct decision {
  bool allowed = true;
  int retry_after_ms = 0;
  // rate_limited with Retry-After (seconds, rounded up).
  core::error error() const;
};

// The subject for a person.
std::string user_subject(std::int64_t user_id);
// The subject for a recipient address: a hash, never the address (Redis
// keys are not a place for it).
std::string recipient_subject(std::string_view email);
// The subject for a client address: IPv4 as is, IPv6 by its /64 (one
// customer's prefix), an IPv4-mapped IPv6 address as IPv4.
std::string address_subject(std::string_view remote_address);

class limiter {
 public:
  // pub may be null: local buckets only (tests, tools).
  limiter(redis::publisher* pub, settings s);
  // Takes the action's cost from subject's bucket; `scope` narrows the bucket
  // (the room, for typing).
  awaitable<decision> take(std::string subject, action a, std::string scope = {});
  // Without Redis: what the local bucket says (exposed for tests).
  decision take_local(const std::string& key, const bucket_rule& rule, double cost);
  const settings& config() const { return s_; }

  // The bucket and cost of an action (for the contract and tests).
  struct cost {
    std::string_view bucket;
    bucket_rule rule;
    double tokens;
  };
  cost cost_of(action a) const;

 private:
  redis::publisher* pub_;
  settings s_;
  struct local_bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, local_bucket> local_;
  // Redis holds the script (an EVAL answered): EVALSHA sends its digest
  // instead of its text. Cleared when EVALSHA gets no answer (a restarted
  // Redis has an empty script cache): the next call sends the text again.
  std::atomic<bool> script_loaded_{false};
};

}  // namespace colibri::ratelimit
