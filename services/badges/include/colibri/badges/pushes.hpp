#pragma once
// The push worker: sends what the `notifications_push` trigger queued
// (migration 0026) as Web Push messages (libs/push).
//
// Every scheduler instance runs one; they share the queue safely: a batch is
// claimed with FOR UPDATE SKIP LOCKED and leased for five minutes, sent, then
// deleted. A worker that dies between a send and its delete leaves the row to
// be sent again after the lease, with the same Topic header ("n" and the
// notification's id), so the push service replaces the first copy and the
// device shows it once. It wakes on the trigger's NOTIFY, so a push leaves
// within a second of its notification.
//
// Quiet hours (preferences.quiet_from/quiet_to, in the person's time zone
// as PostgreSQL's time-zone database says, DST included) defer a push to the
// end of the quiet period, except a `distress` one. A push carries no message
// text unless the person chose it (push_text): a neutral sentence naming the
// group. 404/410 from the push service: the subscription is gone and
// dropped; 429, 5xx or no answer: retried with backoff (Retry-After when
// given) up to max_attempts; any other answer: that push is dropped.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "colibri/core/clock.hpp"
#include "colibri/core/config.hpp"

namespace colibri::badges {

struct push_settings {
  std::vector<std::string> services;     // allowed push-service origins (COLIBRI_PUSH_SERVICES)
  std::string subject;                   // the VAPID contact (COLIBRI_PUSH_SUBJECT)
  std::chrono::milliseconds poll{1000};  // the longest wait without a NOTIFY
  int batch = 20;
  int max_attempts = 10;
};

// COLIBRI_PUSH_SERVICES (comma-separated origins), COLIBRI_PUSH_SUBJECT
// (mailto: or https:, default the public URL when it is https),
// COLIBRI_PUSH_POLL_MS.
push_settings read_push_settings(core::config& cfg, const std::string& public_url);

struct pushes_result {
  int sent = 0, deferred = 0, retried = 0, dropped = 0, gone = 0;
};

// One batch at `now`: what it did.
pushes_result run_pushes(pqxx::connection& c, core::time_point now, const push_settings& s);

class push_worker {
 public:
  push_worker(std::string pg_url, const core::clock& clock, push_settings s);
  ~push_worker();
  void start();
  void stop();

 private:
  void loop();
  std::string url_;
  const core::clock& clock_;
  push_settings s_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace colibri::badges
