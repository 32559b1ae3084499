#pragma once
// Badges granted on a quit journey, and "les fêtés du jour".
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace colibri::groups::repo {

struct grant_row {
  std::string milestone, falls_on;  // YYYY-MM-DD
  std::int64_t granted_ms = 0;
  std::int64_t attempt = 0;
  bool current = false;
};
// The grants of every attempt of the user (or of the current one only), by
// attempt and date.
std::vector<grant_row> grants_of(pqxx::transaction_base& w, std::int64_t user_id, bool current_only);
// Whether the target shares their current quit with groups the viewer shares with them.
bool shares_journey_with(pqxx::transaction_base& w, std::int64_t viewer_id, std::int64_t target_id);

struct locked_celebration {
  std::int64_t group_id = 0;
  std::optional<std::int64_t> congratulated_by;
  std::string congratulated_by_handle;
};
std::optional<locked_celebration> lock_celebration(pqxx::transaction_base& w, std::int64_t celebration_id);
void mark_congratulated(pqxx::transaction_base& w, std::int64_t celebration_id, std::int64_t by_id);

}  // namespace colibri::groups::repo
