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
#include "colibri/notify/notifications.hpp"
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

// Watched words: the most severe rule of the group found in the text (block,
// then hold, then flag), a substring match ignoring case (ASCII and French
// accented capitals). REST posts and socket sends screen alike.
struct watched_hit {
  std::string pattern, action;
};
std::vector<watched_hit> load_watched(pqxx::transaction_base& w, std::int64_t group_id);
std::optional<watched_hit> match_watched(const std::vector<watched_hit>& rules, const std::string& text);
std::optional<watched_hit> screen(pqxx::transaction_base& w, std::int64_t group_id, const std::string& text);
// Lower-cases ASCII and the Latin-1 capitals (À..Þ, Œ) of UTF-8 text.
std::string fold_case(std::string_view text);
core::error blocked_word(std::string field);

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

// Holds a post for the moderators (a retry of a held post finds the first);
// returns its id and adds the moderators' notifications to `notes`.
std::int64_t hold_post(pqxx::work& w, std::int64_t group_id, const post_request& p, const std::string& pattern,
                       std::vector<notify::notification>& notes);
// A report raised by a flagging word on a stored event; returns the
// moderators' notifications (publish them after the commit).
std::vector<notify::notification> flag_report(pqxx::work& w, std::int64_t group_id, const roomlog::event& ev,
                                              const std::string& pattern);

// Checks access and watched words, then appends (or holds) the message; a
// flagging word also opens a report for the group's moderators.
awaitable<core::result<posted>> post_message(pg::pool& db, redis::publisher& pub, std::shared_ptr<roomlog::room_log> log,
                                             post_request r);

}  // namespace colibri::groups
