#pragma once
// The badge scheduler: among all running instances, the one holding the
// leader lock (a PostgreSQL advisory lock on its own connection) runs the
// daily pass (daily.hpp), the posts (posts.hpp) and the meeting reminders
// (reminders.hpp) every `tick`; the
// others stand by and take over within seconds if it dies. Both are
// exactly-once by their unique keys, so an overlap during a takeover doubles
// nothing.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "colibri/badges/daily.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/config.hpp"
#include "colibri/pg/leader.hpp"
#include "colibri/redis/client.hpp"

namespace colibri::badges {

// The advisory-lock key that elects the scheduler leader.
inline constexpr long long k_leader_key = 0x636f6c6962726902;  // "colibri\x02"

struct scheduler_settings {
  std::chrono::milliseconds tick{30000};
  daily_settings daily;
  // Tests and demonstrations only: a clock that starts at this instant and
  // runs clock_factor times faster (unset: the real time).
  std::optional<core::time_point> clock_start;
  double clock_factor = 1;
  // The web client's origin, for links in reminders (COLIBRI_PUBLIC_URL).
  std::string public_url = "http://127.0.0.1:8080";
};

// COLIBRI_BADGES_TICK_MS, COLIBRI_CONGRATS_LOCAL_MINUTE, COLIBRI_CLOCK_START,
// COLIBRI_CLOCK_FACTOR.
scheduler_settings read_scheduler_settings(core::config& cfg);

class scheduler {
 public:
  // pub may be null (no live push; notifications are still stored).
  scheduler(std::string pg_url, redis::publisher* pub, const core::clock& clock, scheduler_settings s = {});
  ~scheduler();
  void start();
  void stop();
  bool leader() const { return lock_.held(); }
  std::uint64_t passes() const { return passes_; }

 private:
  void loop();
  std::string url_;
  redis::publisher* pub_;
  const core::clock& clock_;
  scheduler_settings s_;
  pg::leader_lock lock_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> passes_{0};
  std::thread thread_;
};

}  // namespace colibri::badges
