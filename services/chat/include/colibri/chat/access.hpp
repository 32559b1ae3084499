#pragma once
// Who may read and write a room: members of its group (threads: of the
// thread's group; direct conversations: their participants). Checked in
// PostgreSQL; sessions cache an answer for a short time (access_ttl), which
// bounds how long a removal or a mute takes to reach an open socket.
#include <cstdint>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace colibri::chat {

struct room_access {
  bool member = false;
  bool moderator = false;
  bool can_send = false;  // member, not muted, thread not locked (moderators may still post)
};

// One answer per (user, room) pair, in order, in one statement. Rooms are
// valid names (roomlog::parse_room).
std::vector<room_access> check_access_many(pqxx::work& w, const std::vector<std::int64_t>& users,
                                           const std::vector<std::string>& rooms);

}  // namespace colibri::chat
