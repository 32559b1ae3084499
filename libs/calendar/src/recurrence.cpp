#include "colibri/calendar/recurrence.hpp"

namespace colibri::calendar {

using namespace std::chrono;

std::optional<unsigned> parse_weekday(std::string_view s) {
  static constexpr std::string_view names[] = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};
  for (unsigned i = 0; i < 7; ++i)
    if (s == names[i]) return i;
  return std::nullopt;
}

std::vector<year_month_day> expand(const recurrence& r) {
  std::vector<year_month_day> out;
  if (r.count <= 0 || r.interval <= 0 || !r.start.ok()) return out;
  auto start = sys_days(r.start);
  if (r.freq == "weekly") {
    auto first = start;
    if (r.weekday) first += (weekday(*r.weekday) - weekday(start));
    for (int i = 0; i < r.count; ++i) out.emplace_back(first + days(7 * r.interval * i));
    return out;
  }
  if (r.freq != "monthly") return out;
  year_month ym = r.start.year() / r.start.month();
  // Bounded: a month without the date (the 31st) is skipped, at most a few times per year.
  for (int k = 0; static_cast<int>(out.size()) < r.count && k < r.count * 4 + 12; ++k, ym += months(r.interval)) {
    std::optional<year_month_day> d;
    if (r.weekday && r.setpos) {
      weekday wd(*r.weekday);
      if (*r.setpos > 0) {
        year_month_day x(sys_days(ym / wd[static_cast<unsigned>(*r.setpos)]));
        if (x.ok() && x.month() == ym.month()) d = x;
      } else {
        d = year_month_day(sys_days(ym / wd[last]));
      }
    } else {
      year_month_day x = ym / r.start.day();
      if (x.ok()) d = x;
    }
    if (d && sys_days(*d) >= start) out.push_back(*d);
  }
  return out;
}

}  // namespace colibri::calendar
