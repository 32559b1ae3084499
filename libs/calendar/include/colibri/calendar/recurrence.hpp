#pragma once
// The local dates of a recurrence (a small subset of RFC 5545 RRULE):
// weekly on a weekday, every `interval` weeks; monthly on the nth weekday
// (setpos 1..4, or -1 for the last) or, without a weekday, on the start
// date's day of the month (months without that day are skipped), every
// `interval` months; `count` dates from the start date on. Dates only: the
// local time is added and converted in the meeting's time zone in SQL.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace colibri::calendar {

struct recurrence {
  std::string freq;  // "weekly" | "monthly"
  int interval = 1;
  std::optional<unsigned> weekday;  // 0 = Sunday .. 6 = Saturday (std::chrono::weekday encoding)
  std::optional<int> setpos;        // monthly with a weekday: 1..4 or -1
  std::chrono::year_month_day start;
  int count = 1;
};

// "MO".."SU" as a weekday (0 = Sunday); nullopt otherwise.
std::optional<unsigned> parse_weekday(std::string_view s);

// The dates, in order; never more than `count`, never before `start`.
std::vector<std::chrono::year_month_day> expand(const recurrence& r);

}  // namespace colibri::calendar
