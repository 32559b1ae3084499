#include "repo/reports.hpp"

#include "colibri/pg/field.hpp"

namespace colibri::groups::repo {

std::optional<std::optional<std::int64_t>> author_of(pqxx::transaction_base& w, const std::string& room,
                                                     std::int64_t seq) {
  auto r = w.exec_params("SELECT author_id FROM room_events WHERE room = $1 AND seq = $2", room, seq);
  if (r.empty()) return std::nullopt;
  return pg::opt<std::int64_t>(r[0][0]);
}

std::int64_t insert_report(pqxx::transaction_base& w, const new_report& r) {
  return w
      .exec_params1(
          "INSERT INTO reports (group_id, reporter_id, room, seq, target_user_id, reason, note) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
          r.group_id, r.reporter_id, r.room, r.seq, r.target_user_id, r.reason, r.note)[0]
      .as<std::int64_t>();
}

std::vector<report_row> list_reports(pqxx::transaction_base& w, std::int64_t group_id, const std::string& state,
                                     int limit) {
  std::vector<report_row> out;
  for (auto r :
       w.exec_params("SELECT r.id, r.room, r.seq, r.reason, r.note, r.state, coalesce(r.action, ''), "
                     "(extract(epoch FROM r.created_at) * 1000)::bigint, r.reporter_id, coalesce(ru.handle, ''), "
                     "r.target_user_id, coalesce(tu.handle, ''), e.kind, coalesce(r.evidence, e.body) "
                     "FROM reports r LEFT JOIN users ru ON ru.id = r.reporter_id "
                     "LEFT JOIN users tu ON tu.id = r.target_user_id "
                     "LEFT JOIN room_events e ON e.room = r.room AND e.seq = r.seq "
                     "WHERE r.group_id = $1 AND r.state = $2 ORDER BY r.id LIMIT $3",
                     group_id, state, limit))
    out.push_back({r[0].as<std::int64_t>(), pg::opt<std::string>(r[1]), pg::opt<std::int64_t>(r[2]),
                   r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<std::string>(), r[6].as<std::string>(),
                   r[7].as<std::int64_t>(), pg::opt<std::int64_t>(r[8]), r[9].as<std::string>(),
                   pg::opt<std::int64_t>(r[10]), r[11].as<std::string>(), pg::opt<std::string>(r[12]),
                   pg::opt<std::string>(r[13])});
  return out;
}

std::optional<locked_report> lock_report(pqxx::transaction_base& w, std::int64_t report_id) {
  auto r = w.exec_params("SELECT group_id, room, seq, target_user_id, state FROM reports WHERE id = $1 FOR UPDATE",
                         report_id);
  if (r.empty()) return std::nullopt;
  return locked_report{r[0][0].as<std::int64_t>(), pg::opt<std::string>(r[0][1]), pg::opt<std::int64_t>(r[0][2]),
                       pg::opt<std::int64_t>(r[0][3]), r[0][4].as<std::string>()};
}

void close_report(pqxx::transaction_base& w, std::int64_t report_id, const std::string& action,
                  std::int64_t moderator_id) {
  w.exec_params(
      "UPDATE reports SET state = 'resolved', action = $2, resolved_by = $3, resolved_at = now() WHERE id = $1",
      report_id, action, moderator_id);
}

void keep_evidence(pqxx::transaction_base& w, const std::string& room, std::int64_t seq) {
  w.exec_params(
      "UPDATE reports r SET evidence = e.body FROM room_events e WHERE e.room = $1 AND e.seq = $2 "
      "AND r.room = $1 AND r.seq = $2 AND r.evidence IS NULL",
      room, seq);
}

std::optional<std::int64_t> mute_for(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id,
                                     int minutes) {
  auto r = w.exec_params(
      "UPDATE memberships SET muted_until = now() + make_interval(mins => $3) "
      "WHERE group_id = $1 AND user_id = $2 RETURNING (extract(epoch FROM muted_until) * 1000)::bigint",
      group_id, user_id, minutes);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::int64_t>();
}

bool mute_until(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id, std::int64_t until_ms) {
  return !w.exec_params(
               "UPDATE memberships SET muted_until = to_timestamp($3::double precision / 1000) "
               "WHERE group_id = $1 AND user_id = $2 RETURNING 1",
               group_id, user_id, until_ms)
              .empty();
}

bool unmute(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id) {
  return !w.exec_params("UPDATE memberships SET muted_until = NULL WHERE group_id = $1 AND user_id = $2 RETURNING 1",
                        group_id, user_id)
              .empty();
}

}  // namespace colibri::groups::repo
