#include "repo/audit.hpp"

#include "colibri/pg/field.hpp"

namespace colibri::groups::repo {

void audit(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t actor_id, std::string_view action,
           std::optional<std::int64_t> target_user_id, std::optional<std::string> room, std::optional<std::int64_t> seq,
           std::string_view reason) {
  w.exec_params(
      "INSERT INTO audit_log (group_id, actor_id, action, target_user_id, room, seq, reason) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      group_id, actor_id, std::string(action), target_user_id, room, seq, std::string(reason));
}

std::vector<audit_row> list_audit(pqxx::transaction_base& w, std::int64_t group_id, std::optional<std::int64_t> before,
                                  int limit) {
  std::vector<audit_row> out;
  for (auto r : w.exec_params(
           "SELECT a.id, a.actor_id, coalesce(au.handle, ''), a.action, a.target_user_id, coalesce(tu.handle, ''), "
           "a.room, a.seq, a.reason, (extract(epoch FROM a.created_at) * 1000)::bigint FROM audit_log a "
           "LEFT JOIN users au ON au.id = a.actor_id LEFT JOIN users tu ON tu.id = a.target_user_id "
           "WHERE a.group_id = $1 AND ($2::bigint IS NULL OR a.id < $2) ORDER BY a.id DESC LIMIT $3",
           group_id, before, limit))
    out.push_back({r[0].as<std::int64_t>(), pg::opt<std::int64_t>(r[1]), r[2].as<std::string>(), r[3].as<std::string>(),
                   pg::opt<std::int64_t>(r[4]), r[5].as<std::string>(), pg::opt<std::string>(r[6]),
                   pg::opt<std::int64_t>(r[7]), r[8].as<std::string>(), r[9].as<std::int64_t>()});
  return out;
}

}  // namespace colibri::groups::repo
