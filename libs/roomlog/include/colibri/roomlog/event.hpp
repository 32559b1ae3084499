#pragma once
// Rooms and their events: the vocabulary shared by every writer (gateway,
// groups service, scheduler) and every reader.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace colibri::roomlog {

enum class room_kind { group, thread, dm };

struct room_ref {
  room_kind kind;
  std::int64_t id;
  std::string name() const;  // "group:12"
};

// "group:12", "thread:7", "dm:3"; ids 1..2^53.
std::optional<room_ref> parse_room(std::string_view name);

// What a writer asks to append. kind: message, edit, delete, reaction, join,
// leave, system.
struct append_request {
  std::string room;
  std::string kind;
  std::optional<std::int64_t> author_id;
  std::optional<std::string> client_msg_id;  // makes a retry idempotent
  std::optional<std::string> body;
  std::optional<std::int64_t> target_seq;    // edit, delete, reaction
  std::optional<std::string> emoji;          // reaction
  std::optional<bool> on;                    // reaction added / removed
  std::optional<std::int64_t> reply_to;      // message replying to a seq
  std::optional<std::int64_t> structure_id;  // a message orienting to a care structure
};

// A care structure's card, as a message carrying it shows it (read from the
// directory whenever the event is read).
struct structure_card {
  std::int64_t id = 0;
  std::string name, kind, city, department;
  std::optional<std::string> phone, website;
};

struct event {
  std::int64_t id = 0;
  std::string room;
  std::int64_t seq = 0;
  std::string kind;
  std::optional<std::int64_t> author_id;
  std::string author_handle;
  std::optional<std::string> body;
  std::optional<std::int64_t> target_seq;
  std::optional<std::string> emoji;
  std::optional<bool> on;
  std::optional<std::int64_t> reply_to;
  std::optional<structure_card> structure;
  std::int64_t at_ms = 0;
};

// The socket's `event` frame (docs/protocol.md), serialised once per event and
// shared by every recipient.
std::string event_frame(const event& e);
// The event as a JSON object without "type" (REST lists).
std::string event_json(const event& e);

// Redis channel announcing a room's new events.
std::string room_channel(std::string_view room);
// Redis channel carrying a user's notification frames to every gateway that
// holds one of their sockets ("colibri:user:42").
std::string user_channel(std::int64_t user_id);
inline constexpr std::string_view k_user_channel_prefix = "colibri:user:";

}  // namespace colibri::roomlog
