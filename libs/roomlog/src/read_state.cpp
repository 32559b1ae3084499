#include "colibri/roomlog/read_state.hpp"

#include "colibri/json/writer.hpp"
#include "colibri/pg/prepared.hpp"
#include "colibri/pg/sql_array.hpp"

namespace colibri::roomlog {

std::vector<read_state> read_states_of(pqxx::transaction_base& w, const std::vector<std::int64_t>& users,
                                       const std::vector<std::string>& rooms) {
  std::vector<std::optional<std::int64_t>> u(users.begin(), users.end());
  std::vector<std::optional<std::string>> r(rooms.begin(), rooms.end());
  static const std::string sql =
      "SELECT k.i, coalesce(m.seq, 0), (SELECT count(*) FROM (SELECT 1 FROM room_events e "
      "  WHERE e.room = k.room AND e.seq > coalesce(m.seq, 0) AND e.kind = 'message' "
      "  AND e.author_id IS DISTINCT FROM k.user_id AND NOT EXISTS (SELECT 1 FROM room_events d "
      "  WHERE d.room = e.room AND d.kind = 'delete' AND d.target_seq = e.seq) LIMIT $3) x) "
      "FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS k(user_id, room, i) "
      "LEFT JOIN read_markers m ON m.user_id = k.user_id AND m.room = k.room";
  auto res = pg::exec_prepared(w, "colibri_read_states", sql, pg::bigint_array(u), pg::text_array(r), k_unread_cap);
  std::vector<read_state> out(users.size());
  for (auto row : res) out[row[0].as<std::size_t>() - 1] = {row[1].as<std::int64_t>(), row[2].as<std::int64_t>()};
  return out;
}

read_state read_state_of(pqxx::transaction_base& w, std::int64_t user_id, const std::string& room) {
  return read_states_of(w, {user_id}, {room}).front();
}

read_state mark_read(pqxx::work& w, std::int64_t user_id, const std::string& room, std::int64_t seq) {
  // Never past the room's last event: a marker in the future would hide
  // messages not yet written.
  w.exec_params(
      "INSERT INTO read_markers (user_id, room, seq) "
      "SELECT $1, $2, least($3, coalesce((SELECT last_seq FROM rooms WHERE name = $2), 0)) "
      "ON CONFLICT (user_id, room) DO UPDATE SET seq = greatest(read_markers.seq, EXCLUDED.seq)",
      user_id, room, seq);
  // A thread remembers how many of its messages were read, so that thread
  // listings compute unread counts without counting (see groups' threads).
  if (room.rfind("thread:", 0) == 0)
    w.exec_params(
        "UPDATE read_markers m SET read_count = greatest(0, t.post_count - (SELECT count(*) FROM room_events e "
        "  WHERE e.room = m.room AND e.seq > m.seq AND e.kind = 'message' AND NOT EXISTS (SELECT 1 FROM room_events d "
        "  WHERE d.room = e.room AND d.kind = 'delete' AND d.target_seq = e.seq))) "
        "FROM threads t WHERE m.user_id = $1 AND m.room = $2 AND t.id = split_part($2, ':', 2)::bigint",
        user_id, room);
  return read_state_of(w, user_id, room);
}

std::string unread_frame(const std::string& room, const read_state& s) {
  json::writer w;
  w.begin_object().field("type", "unread").field("room", room).field("read_seq", s.read_seq);
  w.field("unread", s.unread).end_object();
  return w.release();
}

}  // namespace colibri::roomlog
