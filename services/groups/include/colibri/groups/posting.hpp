#pragma once
// Posting in a room from REST: who may read and write it, the group's watched
// words, and the append through the room log (the socket's `send` appends the
// same way).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include "colibri/core/result.hpp"
#include "colibri/net/asio.hpp"
#include "colibri/moderation/watched_words.hpp"
#include "colibri/pg/pool.hpp"
#include "colibri/redis/client.hpp"
#include "colibri/roomlog/access.hpp"
#include "colibri/roomlog/room_log.hpp"

namespace colibri::groups {

struct room_standing {
  roomlog::room_access access;
  bool hidden_group = false;  // the room (or its group) does not exist for the caller: 404, not 403
};

room_standing standing(pqxx::transaction_base& w, std::int64_t user_id, const std::string& room);
core::result<void> may_read(const room_standing& s);   // not_found / forbidden
core::result<void> may_write(const room_standing& s);  // also muted, locked, blocked
core::error room_not_found();

// The group's watched words found in a text (moderation::match_watched).
std::optional<moderation::watched_hit> screen(pqxx::transaction_base& w, std::int64_t group_id, const std::string& text);

struct post_request {
  std::int64_t user_id = 0;
  std::string room;
  std::string body;
  std::string client_msg_id;
  std::optional<std::int64_t> reply_to;
};

struct posted {
  roomlog::event ev;
  bool duplicate = false;
  bool held = false;  // held by a watched word until a moderator approves it
  std::int64_t held_id = 0;
};

// Checks access and watched words, then appends (or holds) the message; a
// flagging word also opens a report for the group's moderators.
awaitable<core::result<posted>> post_message(pg::pool& db, redis::publisher& pub, std::shared_ptr<roomlog::room_log> log,
                                             post_request r);

}  // namespace colibri::groups
