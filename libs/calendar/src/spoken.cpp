#include "colibri/calendar/spoken.hpp"

#include <chrono>

#include "colibri/core/clock.hpp"

namespace colibri::calendar {

namespace {

constexpr const char* k_days_fr[] = {"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"};
constexpr const char* k_days_en[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
constexpr const char* k_months_fr[] = {"janvier", "février", "mars",      "avril",   "mai",      "juin",
                                       "juillet", "août",    "septembre", "octobre", "novembre", "décembre"};
constexpr const char* k_months_en[] = {"January", "February", "March",     "April",   "May",      "June",
                                       "July",    "August",   "September", "October", "November", "December"};

void replace_all(std::string& s, std::string_view from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

}  // namespace

std::string spoken(std::string_view local, std::string_view tz, core::lang l) {
  if (local.size() < 16) return std::string(local);
  auto date = core::parse_date(local.substr(0, 10));
  if (!date) return std::string(local);
  unsigned wd = std::chrono::weekday(std::chrono::sys_days(*date)).c_encoding();
  auto m = unsigned(date->month()) - 1;
  auto d = std::to_string(unsigned(date->day()));
  auto y = std::to_string(int(date->year()));
  std::string hhmm(local.substr(11, 5));
  bool en = l == core::lang::en;
  std::string out = std::string(en ? k_days_en[wd] : k_days_fr[wd]) + " " + d + " " +
                    (en ? k_months_en[m] : k_months_fr[m]) + " " + y + ", " + hhmm;
  return out + " (" + std::string(tz) + ")";
}

core::text spoken(std::string_view local, std::string_view tz) {
  return {spoken(local, tz, core::lang::fr), spoken(local, tz, core::lang::en)};
}

core::text with_when(core::text t, const core::text& when) {
  replace_all(t.fr, "{when}", when.fr);
  replace_all(t.en, "{when}", when.en);
  return t;
}

}  // namespace colibri::calendar
