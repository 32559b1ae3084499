#include "colibri/quit/celebrations.hpp"

#include "colibri/pg/field.hpp"

namespace colibri::quit {

std::vector<celebrated> celebrations_of(pqxx::work& w, std::int64_t group_id, const std::string& date) {
  w.exec_params(
      "INSERT INTO celebrations (group_id, user_id, attempt_id, on_date, day, milestone) "
      "SELECT $1, a.user_id, a.id, $2::date, $2::date - a.quit_date, "
      "  (SELECT b.milestone FROM badge_grants b WHERE b.attempt_id = a.id AND b.falls_on = $2::date LIMIT 1) "
      "FROM quit_attempts a JOIN memberships m ON m.user_id = a.user_id AND m.group_id = $1 "
      "JOIN users u ON u.id = a.user_id AND u.deleted_at IS NULL "
      "WHERE a.current AND a.share = 'groups' AND a.quit_date < $2::date AND ($2::date - a.quit_date <= 120 OR EXISTS "
      "  (SELECT 1 FROM badge_grants b WHERE b.attempt_id = a.id AND b.falls_on = $2::date)) "
      "ON CONFLICT DO NOTHING",
      group_id, date);
  // Rows made earlier stay only while the person still shares and belongs.
  auto res = w.exec_params(
      "SELECT c.id, c.user_id, u.handle, c.day, c.milestone, c.congratulated_by, coalesce(v.handle, ''), "
      "(extract(epoch FROM c.congratulated_at) * 1000)::bigint FROM celebrations c JOIN users u ON u.id = c.user_id "
      "JOIN quit_attempts a ON a.id = c.attempt_id AND a.current AND a.share = 'groups' "
      "JOIN memberships m ON m.group_id = c.group_id AND m.user_id = c.user_id "
      "LEFT JOIN users v ON v.id = c.congratulated_by WHERE c.group_id = $1 AND c.on_date = $2::date ORDER BY c.day, "
      "u.handle",
      group_id, date);
  std::vector<celebrated> out;
  for (auto r : res)
    out.push_back({r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), r[2].as<std::string>(), r[3].as<std::int64_t>(),
                   pg::opt<std::string>(r[4]), pg::opt<std::int64_t>(r[5]), r[6].as<std::string>(),
                   pg::opt<std::int64_t>(r[7])});
  return out;
}

}  // namespace colibri::quit
