#include "colibri/badges/scheduler.hpp"

#include "colibri/badges/digests.hpp"
#include "colibri/badges/posts.hpp"
#include "colibri/badges/reminders.hpp"
#include "colibri/core/log.hpp"
#include "colibri/pg/pool.hpp"
#include "colibri/roomlog/room_log.hpp"

namespace colibri::badges {

scheduler_settings read_scheduler_settings(core::config& cfg) {
  scheduler_settings s;
  s.tick = std::chrono::milliseconds(cfg.integer("COLIBRI_BADGES_TICK_MS", 30000, 100, 3600000));
  s.daily.morning = std::chrono::minutes(cfg.integer("COLIBRI_CONGRATS_LOCAL_MINUTE", 9 * 60, 0, 24 * 60 - 1));
  auto start = cfg.str("COLIBRI_CLOCK_START", "");
  s.clock_factor = static_cast<double>(cfg.integer("COLIBRI_CLOCK_FACTOR", 1, 1, 1000000));
  if (!start.empty()) {
    s.clock_start = core::parse_rfc3339(start);
    if (!s.clock_start) cfg.fail("COLIBRI_CLOCK_START", "must be an RFC 3339 time");
  }
  s.public_url = cfg.str("COLIBRI_PUBLIC_URL", s.public_url);
  while (!s.public_url.empty() && s.public_url.back() == '/') s.public_url.pop_back();
  return s;
}

scheduler::scheduler(std::string pg_url, redis::publisher* pub, const core::clock& clock, scheduler_settings s)
    : url_(pg::with_connect_timeout(pg_url, 2, "colibri-badges-scheduler")),
      pub_(pub),
      clock_(clock),
      s_(s),
      lock_(std::move(pg_url), k_leader_key) {}

scheduler::~scheduler() { stop(); }

void scheduler::start() {
  lock_.start();
  thread_ = std::thread([this] { loop(); });
}

void scheduler::stop() {
  {
    std::lock_guard lk(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  lock_.stop();
}

void scheduler::loop() {
  std::unique_ptr<pqxx::connection> conn;
  for (;;) {
    {
      std::unique_lock lk(mutex_);
      if (cv_.wait_for(lk, s_.tick, [&] { return stopping_; })) return;
    }
    if (!lock_.held()) continue;
    try {
      if (!conn) conn = std::make_unique<pqxx::connection>(url_);
      auto now = clock_.now();
      auto r = run_due(*conn, now, s_.daily);
      if (pub_)
        for (const auto& n : r.notifications) notify::publish(*pub_, n);
      auto posted = run_posts(*conn, now);
      auto reminded = run_reminders(*conn, now, s_.public_url);
      if (pub_)
        for (const auto& n : reminded.notifications) notify::publish(*pub_, n);
      auto reviews = run_case_reviews(*conn, now);
      if (pub_)
        for (const auto& n : reviews) notify::publish(*pub_, n);
      auto digested = run_watch_digests(*conn, now, s_.public_url);
      if (pub_)
        for (const auto& n : digested.notifications) notify::publish(*pub_, n);
      if (digested.weeks > 0)
        log::info("watch digests", {{"weeks", static_cast<std::int64_t>(digested.weeks)},
                                    {"sent", static_cast<std::int64_t>(digested.notifications.size())},
                                    {"mailed", static_cast<std::int64_t>(digested.mailed)}});
      auto away = run_mail_digests(*conn, now, s_.public_url);
      if (away.mailed > 0) log::info("mail digests", {{"mailed", static_cast<std::int64_t>(away.mailed)}});
      purge_evidence(*conn, now);
      if (pub_)
        for (const auto& ev : posted.events) roomlog::publish(*pub_, ev);
      ++passes_;
      if (r.congratulated || r.granted || !posted.events.empty() || !reminded.notifications.empty())
        log::info("daily pass", {{"congratulated", static_cast<std::int64_t>(r.congratulated)},
                                 {"granted", static_cast<std::int64_t>(r.granted)},
                                 {"posted", static_cast<std::int64_t>(posted.events.size())},
                                 {"reminded", static_cast<std::int64_t>(reminded.notifications.size())},
                                 {"mailed", static_cast<std::int64_t>(reminded.mailed)}});
    } catch (const std::exception& e) {
      conn.reset();  // reconnect at the next tick; the pass was rolled back
      log::warn("daily pass failed", {{"error", e.what()}});
    }
  }
}

}  // namespace colibri::badges
