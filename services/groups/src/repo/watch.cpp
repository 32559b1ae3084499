#include "repo/watch.hpp"

#include "colibri/pg/field.hpp"

namespace colibri::groups::repo {

std::vector<watched_rule> watched_words(pqxx::transaction_base& w, std::int64_t group_id) {
  std::vector<watched_rule> out;
  for (auto r :
       w.exec_params("SELECT pattern, action FROM watched_words WHERE group_id = $1 ORDER BY pattern", group_id))
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>()});
  return out;
}

void replace_watched_words(pqxx::transaction_base& w, std::int64_t group_id, const std::vector<watched_rule>& rules) {
  w.exec_params("DELETE FROM watched_words WHERE group_id = $1", group_id);
  for (const auto& r : rules)
    w.exec_params(
        "INSERT INTO watched_words (group_id, pattern, action) VALUES ($1, $2, $3) "
        "ON CONFLICT (group_id, pattern) DO UPDATE SET action = EXCLUDED.action",
        group_id, r.pattern, r.action);
}

std::vector<held_row> list_held(pqxx::transaction_base& w, std::int64_t group_id, int limit) {
  std::vector<held_row> out;
  for (auto r :
       w.exec_params("SELECT h.id, h.room, h.author_id, u.handle, h.body, h.pattern, "
                     "(extract(epoch FROM h.created_at) * 1000)::bigint "
                     "FROM held_posts h JOIN users u ON u.id = h.author_id WHERE h.group_id = $1 AND h.state = 'held' "
                     "ORDER BY h.id LIMIT $2",
                     group_id, limit))
    out.push_back({r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::int64_t>(), r[3].as<std::string>(),
                   r[4].as<std::string>(), r[5].as<std::string>(), r[6].as<std::int64_t>()});
  return out;
}

std::optional<held_post> lock_held(pqxx::transaction_base& w, std::int64_t held_id) {
  auto r = w.exec_params(
      "SELECT group_id, room, author_id, client_msg_id, body, reply_to, structure_id FROM held_posts "
      "WHERE id = $1 AND state = 'held' FOR UPDATE",
      held_id);
  if (r.empty()) return std::nullopt;
  return held_post{r[0][0].as<std::int64_t>(),    r[0][1].as<std::string>(), r[0][2].as<std::int64_t>(),
                   pg::opt<std::string>(r[0][3]), r[0][4].as<std::string>(), pg::opt<std::int64_t>(r[0][5]),
                   pg::opt<std::int64_t>(r[0][6])};
}

void decide_held(pqxx::transaction_base& w, std::int64_t held_id, bool approve, std::int64_t moderator_id) {
  w.exec_params("UPDATE held_posts SET state = $2, decided_by = $3, decided_at = now() WHERE id = $1", held_id,
                approve ? "approved" : "rejected", moderator_id);
}

void held_published_as(pqxx::transaction_base& w, std::int64_t held_id, std::int64_t seq) {
  w.exec_params("UPDATE held_posts SET seq = $2 WHERE id = $1", held_id, seq);
}

}  // namespace colibri::groups::repo
