#pragma once
// The scheduler's work, one set-based pass over every current quit attempt
// (never a loop of one query per member), at a given instant (an injectable
// clock: tests move time):
//   - on each of days 1..120, at the member's local morning, a
//     `daily_congrats` notification ("Jour 12 sans tabac !"), once per
//     (attempt, day); a day whose morning was missed (downtime) is not sent
//     late once the day is over: only today's;
//   - each milestone of the catalogue (libs/quit) once per attempt: at the
//     local morning of the day it falls; at once for a quit date just entered
//     or changed; late after downtime. Several granted in one pass make one
//     summary notification, not a flood.
// Local days and mornings come from PostgreSQL's time zone arithmetic
// (`AT TIME ZONE`), DST included. The caller publishes the returned
// notifications after the commit.
#include <chrono>
#include <pqxx/pqxx>
#include <vector>

#include "colibri/core/clock.hpp"
#include "colibri/notify/notifications.hpp"

namespace colibri::badges {

struct daily_settings {
  std::chrono::minutes morning{9 * 60};  // local time of the day's congratulation
};

struct daily_result {
  std::vector<notify::notification> notifications;
  int congratulated = 0;
  int granted = 0;
};

// One pass in its own transaction.
daily_result run_due(pqxx::connection& c, core::time_point now, const daily_settings& s = {});

}  // namespace colibri::badges
