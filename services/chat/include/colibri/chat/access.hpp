#pragma once
// Who may read and write a room: members of its group (threads: of the
// thread's group; direct conversations: their participants). Checked in
// PostgreSQL; sessions cache an answer for a short time (access_ttl), which
// bounds how long a removal or a mute takes to reach an open socket.
#include <cstdint>

#include "colibri/net/asio.hpp"
#include "colibri/pg/pool.hpp"
#include "colibri/roomlog/event.hpp"

namespace colibri::chat {

struct room_access {
  bool member = false;
  bool moderator = false;
  bool can_send = false;  // member, not muted, thread not locked (moderators may still post)
};

awaitable<room_access> check_access(pg::pool& db, std::int64_t user_id, roomlog::room_ref room);

}  // namespace colibri::chat
