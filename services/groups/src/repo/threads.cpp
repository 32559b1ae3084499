#include "repo/threads.hpp"

#include "colibri/pg/field.hpp"
#include "colibri/pg/prepared.hpp"
#include "colibri/pg/sql_array.hpp"

namespace colibri::groups::repo {

namespace {

// Unread without counting the thread: the messages it holds (post_count,
// kept by a trigger) minus those the reader had read when they last marked it
// (read_markers.read_count) minus their own since; only their own messages
// are counted (the idempotency index finds them). $2 is the reader.
constexpr const char* k_thread_select =
    "SELECT t.id, t.group_id, t.title, t.author_id, coalesce(u.handle, ''), t.locked, t.pinned, "
    "(extract(epoch FROM t.created_at) * 1000)::bigint, (extract(epoch FROM t.last_activity_at) * 1000)::bigint, "
    "t.post_count, coalesce(r.last_seq, 0), coalesce(m.seq, 0), "
    "least(1000, greatest(0, t.post_count - coalesce(m.read_count, 0) - (SELECT count(*) FROM room_events e "
    "  WHERE e.room = 'thread:' || t.id AND e.author_id = $2 AND e.client_msg_id IS NOT NULL AND e.kind = 'message' "
    "  AND e.seq > coalesce(m.seq, 0) AND NOT EXISTS (SELECT 1 FROM room_events d WHERE d.room = e.room "
    "  AND d.kind = 'delete' AND d.target_seq = e.seq)))) "
    "FROM threads t LEFT JOIN users u ON u.id = t.author_id LEFT JOIN rooms r ON r.name = 'thread:' || t.id "
    "LEFT JOIN read_markers m ON m.user_id = $2 AND m.room = 'thread:' || t.id ";

thread_row read_thread(const pqxx::row& r) {
  return {r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), r[2].as<std::string>(),   pg::opt<std::int64_t>(r[3]),
          r[4].as<std::string>(),  r[5].as<bool>(),         r[6].as<bool>(),          r[7].as<std::int64_t>(),
          r[8].as<std::int64_t>(), r[9].as<std::int64_t>(), r[10].as<std::int64_t>(), r[11].as<std::int64_t>(),
          r[12].as<std::int64_t>()};
}

std::vector<std::optional<std::int64_t>> nullable(const std::vector<std::int64_t>& ids) {
  return {ids.begin(), ids.end()};
}

}  // namespace

std::vector<thread_row> list_threads(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t reader_id,
                                     std::optional<std::int64_t> before, int limit) {
  static const std::string sql =
      std::string(k_thread_select) +
      "WHERE t.group_id = $1 AND EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = $1 AND m.user_id = $2) "
      "AND ($3::bigint IS NULL OR (t.last_activity_at, t.id) < "
      "  (SELECT b.last_activity_at, b.id FROM threads b WHERE b.id = $3 AND b.group_id = $1)) "
      "ORDER BY t.last_activity_at DESC, t.id DESC LIMIT $4";
  std::vector<thread_row> out;
  for (auto r : pg::exec_prepared(w, "colibri_list_threads", sql, group_id, reader_id, before, limit))
    out.push_back(read_thread(r));
  return out;
}

thread_row thread_by_id(pqxx::transaction_base& w, std::int64_t thread_id, std::int64_t reader_id) {
  return read_thread(w.exec_params1(std::string(k_thread_select) + "WHERE t.id = $1", thread_id, reader_id));
}

std::optional<std::int64_t> thread_group(pqxx::transaction_base& w, std::int64_t thread_id) {
  auto r = w.exec_params("SELECT group_id FROM threads WHERE id = $1", thread_id);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::int64_t>();
}

std::int64_t insert_thread(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t author_id,
                           const std::string& title) {
  return w
      .exec_params1("INSERT INTO threads (group_id, author_id, title) VALUES ($1, $2, $3) RETURNING id", group_id,
                    author_id, title)[0]
      .as<std::int64_t>();
}

void delete_empty_thread(pqxx::transaction_base& w, std::int64_t thread_id) {
  w.exec_params("DELETE FROM threads WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM room_events WHERE room = $2)",
                thread_id, "thread:" + std::to_string(thread_id));
}

void set_thread_flag(pqxx::transaction_base& w, std::int64_t thread_id, thread_flag flag, bool on) {
  if (flag == thread_flag::locked)
    w.exec_params("UPDATE threads SET locked = $2 WHERE id = $1", thread_id, on);
  else
    w.exec_params("UPDATE threads SET pinned = $2 WHERE id = $1", thread_id, on);
}

std::vector<conversation_row> conversations_of(pqxx::transaction_base& w, std::int64_t uid,
                                               std::optional<std::int64_t> only) {
  std::vector<conversation_row> out;
  for (auto r : w.exec_params(
           "SELECT c.conversation_id, coalesce(r.last_seq, 0), coalesce(m.seq, 0), "
           "  (SELECT (extract(epoch FROM e.created_at) * 1000)::bigint FROM room_events e "
           "    WHERE e.room = 'dm:' || c.conversation_id AND e.seq = r.last_seq), "
           "  (SELECT json_agg(json_build_object('id', u.id, 'handle', u.handle) ORDER BY u.id)::text "
           "    FROM conversation_members o JOIN users u ON u.id = o.user_id WHERE o.conversation_id = "
           "c.conversation_id) "
           "FROM conversation_members c LEFT JOIN rooms r ON r.name = 'dm:' || c.conversation_id "
           "LEFT JOIN read_markers m ON m.user_id = c.user_id AND m.room = 'dm:' || c.conversation_id "
           "WHERE c.user_id = $1 AND ($2::bigint IS NULL OR c.conversation_id = $2) ORDER BY 4 DESC NULLS LAST, 1 DESC "
           "LIMIT 200",
           uid, only))
    out.push_back({r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), r[2].as<std::int64_t>(),
                   pg::opt<std::int64_t>(r[3]), r[4].as<std::string>()});
  return out;
}

std::size_t reachable(pqxx::transaction_base& w, std::int64_t uid, const std::vector<std::int64_t>& others) {
  return w
      .exec_params1(
          "SELECT count(*) FROM unnest($2::bigint[]) AS x(id) JOIN users u ON u.id = x.id AND u.deleted_at IS NULL "
          "WHERE EXISTS (SELECT 1 FROM memberships a JOIN memberships b ON a.group_id = b.group_id "
          "  WHERE a.user_id = $1 AND b.user_id = x.id) "
          "AND NOT EXISTS (SELECT 1 FROM blocks k WHERE (k.blocker_id = $1 AND k.blocked_id = x.id) "
          "  OR (k.blocker_id = x.id AND k.blocked_id = $1))",
          uid, pg::bigint_array(nullable(others)))[0]
      .as<std::size_t>();
}

std::int64_t conversation_of(pqxx::transaction_base& w, std::int64_t uid, const std::vector<std::int64_t>& all) {
  auto all_arr = pg::bigint_array(nullable(all));
  auto existing = w.exec_params(
      "SELECT c.conversation_id FROM conversation_members mine JOIN conversation_members c "
      "  ON c.conversation_id = mine.conversation_id WHERE mine.user_id = $2 GROUP BY c.conversation_id "
      "HAVING array_agg(c.user_id ORDER BY c.user_id) = (SELECT array_agg(x ORDER BY x) FROM unnest($1::bigint[]) x) "
      "LIMIT 1",
      all_arr, uid);
  if (!existing.empty()) return existing[0][0].as<std::int64_t>();
  auto cid = w.exec("INSERT INTO conversations DEFAULT VALUES RETURNING id")[0][0].as<std::int64_t>();
  w.exec_params("INSERT INTO conversation_members (conversation_id, user_id) SELECT $1, unnest($2::bigint[])", cid,
                all_arr);
  return cid;
}

void block(pqxx::transaction_base& w, std::int64_t blocker_id, std::int64_t blocked_id) {
  w.exec_params(
      "INSERT INTO blocks (blocker_id, blocked_id) SELECT $1, id FROM users WHERE id = $2 AND deleted_at IS NULL "
      "ON CONFLICT DO NOTHING",
      blocker_id, blocked_id);
}

void unblock(pqxx::transaction_base& w, std::int64_t blocker_id, std::int64_t blocked_id) {
  w.exec_params("DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2", blocker_id, blocked_id);
}

}  // namespace colibri::groups::repo
