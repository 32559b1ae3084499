#pragma once
// Rooms seen from REST: who may read and write them, and the REST door of the
// posting policy (the socket's `send` goes through the same posting::post).
#include <cstdint>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "colibri/core/result.hpp"
#include "colibri/moderation/watched_words.hpp"
#include "colibri/net/asio.hpp"
#include "colibri/pg/pool.hpp"
#include "colibri/posting/post.hpp"
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

// The REST door of the one posting policy (colibri/posting/post.hpp): room
// access read per request (404 for a hidden group), the group's watched
// words read in the same round trip.
class rest_room_policy final : public posting::room_policy {
 public:
  explicit rest_room_policy(pg::pool& db) : db_(db) {}
  awaitable<core::result<roomlog::room_access>> writable(std::int64_t user_id, const std::string& room) override;
  awaitable<posting::watched_rules> watched(std::int64_t group_id) override;

 private:
  pg::pool& db_;
  std::int64_t rules_group_ = 0;
  posting::watched_rules rules_;
};

}  // namespace colibri::groups
