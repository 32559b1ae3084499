#include "colibri/roomlog/access.hpp"

#include "colibri/pg/prepared.hpp"
#include "colibri/pg/sql_array.hpp"

namespace colibri::roomlog {

std::vector<room_access> check_access_many(pqxx::transaction_base& w, const std::vector<std::int64_t>& users,
                                           const std::vector<std::string>& rooms) {
  std::vector<std::optional<std::int64_t>> u(users.begin(), users.end());
  std::vector<std::optional<std::string>> r(rooms.begin(), rooms.end());
  static const std::string sql =
      "WITH k AS (SELECT i, user_id, split_part(room, ':', 1) AS kind, split_part(room, ':', 2)::bigint AS id "
      "  FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS x(user_id, room, i)) "
      "SELECT k.i, m.role, coalesce(m.muted_until > now(), false), false, false, m.group_id FROM k "
      "  JOIN memberships m ON k.kind = 'group' AND m.group_id = k.id AND m.user_id = k.user_id "
      "UNION ALL "
      "SELECT k.i, m.role, coalesce(m.muted_until > now(), false), t.locked, false, t.group_id FROM k "
      "  JOIN threads t ON k.kind = 'thread' AND t.id = k.id "
      "  JOIN memberships m ON m.group_id = t.group_id AND m.user_id = k.user_id "
      "UNION ALL "
      // Nobody writes in a conversation where one blocked the other, nor to
      // someone they no longer share a group with (removed for harassment:
      // the victim need not block them too).
      "SELECT k.i, 'member', false, false, EXISTS (SELECT 1 FROM conversation_members o "
      "    WHERE o.conversation_id = k.id AND o.user_id <> k.user_id AND ("
      "      EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = o.user_id AND b.blocked_id = k.user_id) "
      "        OR (b.blocker_id = k.user_id AND b.blocked_id = o.user_id)) "
      "      OR NOT EXISTS (SELECT 1 FROM memberships a JOIN memberships s ON s.group_id = a.group_id "
      "        WHERE a.user_id = k.user_id AND s.user_id = o.user_id))), 0::bigint FROM k "
      "  JOIN conversation_members c ON k.kind = 'dm' AND c.conversation_id = k.id AND c.user_id = k.user_id";
  auto res = pg::exec_prepared(w, "colibri_check_access", sql, pg::bigint_array(u), pg::text_array(r));
  std::vector<room_access> out(users.size());
  for (auto row : res) {
    auto& a = out[row[0].as<std::size_t>() - 1];
    a.member = true;
    auto role = row[1].as<std::string>();
    a.moderator = role == "moderator" || role == "owner";
    a.muted = row[2].as<bool>();
    a.locked = row[3].as<bool>();
    bool blocked = row[4].as<bool>();  // or no group shared with another participant
    a.group_id = row[5].as<std::int64_t>();
    a.can_send = !a.muted && !blocked && (!a.locked || a.moderator);
  }
  return out;
}

}  // namespace colibri::roomlog
