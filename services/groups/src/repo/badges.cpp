#include "repo/badges.hpp"

#include "colibri/pg/field.hpp"

namespace colibri::groups::repo {

std::vector<grant_row> grants_of(pqxx::transaction_base& w, std::int64_t user_id, bool current_only) {
  std::vector<grant_row> out;
  for (auto r : w.exec_params(
           "SELECT g.milestone, to_char(g.falls_on, 'YYYY-MM-DD'), (extract(epoch FROM g.granted_at) * 1000)::bigint, "
           "a.attempt, a.current FROM badge_grants g JOIN quit_attempts a ON a.id = g.attempt_id WHERE g.user_id = $1 "
           "AND (a.current OR NOT $2) ORDER BY a.attempt, g.falls_on, g.id",
           user_id, current_only))
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::int64_t>(), r[3].as<std::int64_t>(),
                   r[4].as<bool>()});
  return out;
}

bool shares_journey_with(pqxx::transaction_base& w, std::int64_t viewer_id, std::int64_t target_id) {
  return !w.exec_params(
               "SELECT 1 FROM quit_attempts a WHERE a.user_id = $2 AND a.current "
               "AND a.share = 'groups' AND EXISTS (SELECT 1 FROM memberships x JOIN "
               "memberships y ON x.group_id = y.group_id WHERE x.user_id = $1 AND y.user_id = $2)",
               viewer_id, target_id)
              .empty();
}

std::optional<locked_celebration> lock_celebration(pqxx::transaction_base& w, std::int64_t celebration_id) {
  auto r = w.exec_params(
      "SELECT c.group_id, c.congratulated_by, coalesce(v.handle, '') FROM celebrations c "
      "LEFT JOIN users v ON v.id = c.congratulated_by WHERE c.id = $1 FOR UPDATE OF c",
      celebration_id);
  if (r.empty()) return std::nullopt;
  return locked_celebration{r[0][0].as<std::int64_t>(), pg::opt<std::int64_t>(r[0][1]), r[0][2].as<std::string>()};
}

void mark_congratulated(pqxx::transaction_base& w, std::int64_t celebration_id, std::int64_t by_id) {
  w.exec_params("UPDATE celebrations SET congratulated_by = $2, congratulated_at = now() WHERE id = $1", celebration_id,
                by_id);
}

}  // namespace colibri::groups::repo
