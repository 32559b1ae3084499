#pragma once
// The posting policy, once for every door: a REST post, a thread's first
// post and the socket's send/edit/delete/react all come through post().
//
// In order: the author's rate (the shared limiter), the room (read through
// the door's room_policy: the gateway caches it per socket, REST reads it
// per request), the target of an edit, delete or reaction, the group's
// watched words (block refuses, hold keeps the post for the moderators, flag
// reports it after the append), then the append through the room log.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "colibri/core/result.hpp"
#include "colibri/moderation/watched_words.hpp"
#include "colibri/net/asio.hpp"
#include "colibri/pg/pool.hpp"
#include "colibri/ratelimit/limiter.hpp"
#include "colibri/redis/client.hpp"
#include "colibri/roomlog/access.hpp"
#include "colibri/roomlog/room_log.hpp"

namespace colibri::posting {

using watched_rules = std::shared_ptr<const std::vector<moderation::watched_hit>>;

// What a door knows of a room for a user, with the errors that door answers
// (REST: 404 for a hidden group; the socket: forbidden "room").
class room_policy {
 public:
  virtual ~room_policy() = default;
  // The access when the user may write in the room, else the error.
  virtual awaitable<core::result<roomlog::room_access>> writable(std::int64_t user_id, const std::string& room) = 0;
  virtual awaitable<watched_rules> watched(std::int64_t group_id) = 0;
  // Right before the append, with nothing awaited between its return and
  // the request joining the room log's queue: a door with several posts in
  // flight (the socket's pipeline) waits here for its earlier posts' turns.
  virtual awaitable<void> before_append() { co_return; }
};

enum class kind { message, edit, remove, react };

struct request {
  std::int64_t author_id = 0;
  std::string room;
  posting::kind kind = kind::message;
  std::optional<std::string> body;           // message, edit
  std::optional<std::string> client_msg_id;  // message
  std::optional<std::int64_t> reply_to;      // message: a message of the same room
  std::vector<std::int64_t> mentions;        // message: people named (the client's @ completion)
  std::optional<std::int64_t> structure_id;  // message: a care structure of the directory (its card)
  std::optional<std::int64_t> target_seq;    // edit, remove, react
  std::optional<std::string> emoji;          // react
  std::optional<bool> on;                    // react
};

struct outcome {
  roomlog::event ev;       // when appended
  bool duplicate = false;  // a retry of a stored message: nothing new
  bool held = false;       // kept for the moderators
  std::int64_t held_id = 0;
  std::string frame;  // when appended: the event's frame, as published
};

struct doors {
  pg::pool& db;
  redis::publisher& pub;
  roomlog::room_log& log;
  ratelimit::limiter& limits;
};

awaitable<core::result<outcome>> post(doors d, room_policy& policy, request r);

// The most people one message may mention.
inline constexpr std::size_t k_max_mentions = 20;

// The refusals post() answers, for doors that answer them before (the
// socket's strikes count rate_limited).
core::error target_not_found();
// Why a member may not send in a room (muted, a locked thread, a blocked
// conversation): one refusal for REST and the socket.
core::error cannot_write(const roomlog::room_access& a);

}  // namespace colibri::posting
