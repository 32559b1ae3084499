#include "colibri/chat/access.hpp"

namespace colibri::chat {

awaitable<room_access> check_access(pg::pool& db, std::int64_t user_id, roomlog::room_ref room) {
  auto job = [user_id, room](pqxx::connection& c) {
    pqxx::work w(c);
    room_access a;
    pqxx::result r;
    switch (room.kind) {
      case roomlog::room_kind::group:
        r = w.exec_params(
            "SELECT role, coalesce(muted_until > now(), false), false FROM memberships "
            "WHERE group_id = $1 AND user_id = $2",
            room.id, user_id);
        break;
      case roomlog::room_kind::thread:
        r = w.exec_params(
            "SELECT m.role, coalesce(m.muted_until > now(), false), t.locked FROM threads t "
            "JOIN memberships m ON m.group_id = t.group_id AND m.user_id = $2 WHERE t.id = $1",
            room.id, user_id);
        break;
      case roomlog::room_kind::dm:
        r = w.exec_params(
            "SELECT 'member', false, false FROM conversation_members WHERE conversation_id = $1 AND user_id = $2",
            room.id, user_id);
        break;
    }
    w.commit();
    if (!r.empty()) {
      a.member = true;
      auto role = r[0][0].as<std::string>();
      a.moderator = role == "moderator" || role == "owner";
      bool muted = r[0][1].as<bool>();
      bool locked = r[0][2].as<bool>();
      a.can_send = !muted && (!locked || a.moderator);
    }
    return a;
  };
  co_return co_await db.run(std::move(job));
}

}  // namespace colibri::chat
