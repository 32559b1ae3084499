#include "colibri/roomlog/read_state.hpp"

#include "colibri/json/writer.hpp"

namespace colibri::roomlog {

namespace {
std::int64_t count_unread(pqxx::work& w, std::int64_t user_id, const std::string& room, std::int64_t after) {
  return w
      .exec_params1(
          "SELECT count(*) FROM (SELECT 1 FROM room_events e WHERE e.room = $1 AND e.seq > $2 AND e.kind = 'message' "
          "AND e.author_id IS DISTINCT FROM $3 AND NOT EXISTS (SELECT 1 FROM room_events d WHERE d.room = e.room "
          "AND d.kind = 'delete' AND d.target_seq = e.seq) LIMIT $4) x",
          room, after, user_id, k_unread_cap)[0]
      .as<std::int64_t>();
}
}  // namespace

read_state read_state_of(pqxx::work& w, std::int64_t user_id, const std::string& room) {
  auto r = w.exec_params("SELECT seq FROM read_markers WHERE user_id = $1 AND room = $2", user_id, room);
  read_state s;
  s.read_seq = r.empty() ? 0 : r[0][0].as<std::int64_t>();
  s.unread = count_unread(w, user_id, room, s.read_seq);
  return s;
}

read_state mark_read(pqxx::work& w, std::int64_t user_id, const std::string& room, std::int64_t seq) {
  // Never past the room's last event: a marker in the future would hide
  // messages not yet written.
  auto r = w.exec_params(
      "INSERT INTO read_markers (user_id, room, seq) "
      "SELECT $1, $2, least($3, coalesce((SELECT last_seq FROM rooms WHERE name = $2), 0)) "
      "ON CONFLICT (user_id, room) DO UPDATE SET seq = greatest(read_markers.seq, EXCLUDED.seq) RETURNING seq",
      user_id, room, seq);
  read_state s;
  s.read_seq = r[0][0].as<std::int64_t>();
  s.unread = count_unread(w, user_id, room, s.read_seq);
  return s;
}

std::string unread_frame(const std::string& room, const read_state& s) {
  json::writer w;
  w.begin_object().field("type", "unread").field("room", room).field("read_seq", s.read_seq);
  w.field("unread", s.unread).end_object();
  return w.release();
}

}  // namespace colibri::roomlog
