#pragma once
// A quitter's calendar: the milestones of an attempt, the progress on a given
// local day, and the health fact for the current stage. Pure functions (the
// badge scheduler and the REST service share them; unit-tested).
//
// Days are local calendar days: day 0 is the quit date, day 1 the day after.
// Months and years are calendar-based: a milestone of N months falls on the
// same day of the month N months later, or on that month's last day when it
// has no such day (quit on 31 January: one month on the last day of February;
// quit on 29 February: one year on 28 February).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "colibri/core/text.hpp"

namespace colibri::quit {

using date = std::chrono::year_month_day;

struct milestone {
  std::string key;   // "1d", "3d", "1w", "2w", "3w", "1m", "2m", "3m", "100d", "6m", "1y", "2y", "5y", "10y"
  core::text name;   // "1 mois sans tabac"
  std::string span;  // the same as a PostgreSQL interval ("1 month"): date + interval clamps to the month's end too
};

// The catalogue, in the order the milestones fall.
const std::vector<milestone>& catalogue();
// A milestone by key; null when the catalogue has no such key.
const milestone* find_milestone(const std::string& key);
// The day a milestone falls for a quit date (calendar arithmetic, see above).
date falls_on(const std::string& key, date quit_date);
// The milestones reached on `today` (falls_on <= today), in order.
std::vector<const milestone*> reached(date quit_date, date today);

struct profile {
  date quit_date;
  std::optional<int> cigarettes_per_day;
  std::optional<int> pack_price_cents;
  std::optional<int> pack_size;
};

struct progress {
  std::int64_t days = 0;        // local calendar days without tobacco (0 before and on the quit date)
  std::int64_t days_until = 0;  // a countdown when the quit date is ahead
  std::optional<std::int64_t> cigarettes_not_smoked;
  std::optional<std::int64_t> money_saved_cents;
  std::optional<std::int64_t> minutes_regained;  // 11 minutes per cigarette not smoked (Shaw et al., BMJ 2000)
  const milestone* next = nullptr;               // the next milestone, if any is left
  std::optional<date> next_on;
};

progress progress_on(const profile& p, date today);

// What the body has gained at this stage, with its source.
struct health_fact {
  core::text text;
  std::string source;
};
const health_fact& fact_for(std::int64_t days);

// Days between two dates (b - a).
std::int64_t days_between(date a, date b);

}  // namespace colibri::quit
