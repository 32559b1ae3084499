#pragma once
// What both writers of members' posts (the groups service's REST and the
// chat gateway's socket) share about moderation: the group's watched words,
// holding a post for the moderators, and reporting a flagged one.
//
// Watched words: the most severe rule of the group found in the text (block,
// then hold, then flag), a substring match of folded texts (fold_case: case,
// invisible characters, look-alike letters).
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "colibri/core/result.hpp"
#include "colibri/notify/notifications.hpp"
#include "colibri/roomlog/event.hpp"

namespace colibri::moderation {

struct watched_hit {
  std::string pattern, action;  // action: flag, hold, block
};

std::vector<watched_hit> load_watched(pqxx::transaction_base& w, std::int64_t group_id);
std::optional<watched_hit> match_watched(const std::vector<watched_hit>& rules, const std::string& text);
// Folds UTF-8 text for matching: lower-cases ASCII and the Latin-1 capitals
// (À..Þ but ×, and Œ), drops characters that show nothing (zero-width
// spaces and joiners, soft hyphens, direction marks, variation selectors),
// and reads Cyrillic and Greek look-alikes and full-width forms as the Latin
// letter they pass for.
std::string fold_case(std::string_view text);
// The refusal of a post a blocking word stops.
core::error blocked_word(std::string field);

// The group's moderators and owners (only those on call when asked).
std::vector<std::int64_t> moderators_of(pqxx::transaction_base& w, std::int64_t group_id, bool on_call_only = false);

// A post kept for the moderators: not in the room log, so nobody else sees it
// until one approves it.
struct held_request {
  std::int64_t group_id = 0;
  std::string room;
  std::int64_t author_id = 0;
  std::string client_msg_id;
  std::string body;
  std::optional<std::int64_t> reply_to;
  std::string pattern;
  std::optional<std::int64_t> structure_id;
};
// Returns the held post's id (a retry finds the first) and adds the
// moderators' notifications to `notes` (publish them after the commit).
std::int64_t hold_post(pqxx::work& w, const held_request& r, std::vector<notify::notification>& notes);
// A report raised by a flagging word on a stored event; returns the
// moderators' notifications.
std::vector<notify::notification> flag_report(pqxx::work& w, std::int64_t group_id, const roomlog::event& ev,
                                              const std::string& pattern);

}  // namespace colibri::moderation
