#pragma once
// Who may read and write a room: members of its group (threads: of the
// thread's group; direct conversations: their participants, and nobody
// writes in a conversation where one blocked the other, or to someone they
// no longer share a group with). Checked in
// PostgreSQL by the gateway (sessions cache an answer for a short time, which
// bounds how long a removal or a mute takes to reach an open socket) and by
// the REST service.
#include <cstdint>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace colibri::roomlog {

struct room_access {
  bool member = false;
  bool moderator = false;
  bool can_send = false;  // member, not muted, thread not locked (moderators may still post), not blocked
  bool muted = false;
  bool locked = false;        // a locked thread
  std::int64_t group_id = 0;  // the group of a group or thread room; 0 for a conversation
};

// One answer per (user, room) pair, in order, in one statement. Rooms are
// valid names (roomlog::parse_room).
std::vector<room_access> check_access_many(pqxx::transaction_base& w, const std::vector<std::int64_t>& users,
                                           const std::vector<std::string>& rooms);

}  // namespace colibri::roomlog
