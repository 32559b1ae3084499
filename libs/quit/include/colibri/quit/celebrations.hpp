#pragma once
// "Les fêtés du jour" of a group: its members who share their quit with
// their groups and are celebrated on a local date (a day 1..120 of their
// current attempt, or a milestone falling that day). Private quitters never
// appear. Shared by the REST list (volunteers) and the scheduler's daily
// post in the group's room.
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace colibri::quit {

struct celebrated {
  std::int64_t id = 0;  // the celebration, marked congratulated by a volunteer
  std::int64_t user_id = 0;
  std::string handle;
  std::int64_t day = 0;
  std::optional<std::string> milestone;  // catalogue key
  std::optional<std::int64_t> congratulated_by;
  std::string congratulated_by_handle;
  std::optional<std::int64_t> congratulated_ms;
};

// Makes the day's rows (first reader wins; later readers see the same ids)
// and returns them, by day then handle. `date` is YYYY-MM-DD.
std::vector<celebrated> celebrations_of(pqxx::work& w, std::int64_t group_id, const std::string& date);

}  // namespace colibri::quit
