#pragma once
// What moderators watch for: a group's watched words and the posts they hold.
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

namespace colibri::groups::repo {

struct watched_rule {
  std::string pattern, action;
};
std::vector<watched_rule> watched_words(pqxx::transaction_base& w, std::int64_t group_id);
// Replaces the group's list.
void replace_watched_words(pqxx::transaction_base& w, std::int64_t group_id, const std::vector<watched_rule>& rules);

struct held_row {
  std::int64_t id = 0;
  std::string room;
  std::int64_t author_id = 0;
  std::string author_handle, body, pattern;
  std::int64_t created_ms = 0;
};
std::vector<held_row> list_held(pqxx::transaction_base& w, std::int64_t group_id, int limit);

struct held_post {
  std::int64_t group_id = 0;
  std::string room;
  std::int64_t author_id = 0;
  std::optional<std::string> client_msg_id;
  std::string body;
  std::optional<std::int64_t> reply_to;
  std::optional<std::int64_t> structure_id;
};
// A post still held, locked; nullopt when decided or absent.
std::optional<held_post> lock_held(pqxx::transaction_base& w, std::int64_t held_id);
void decide_held(pqxx::transaction_base& w, std::int64_t held_id, bool approve, std::int64_t moderator_id);
void held_published_as(pqxx::transaction_base& w, std::int64_t held_id, std::int64_t seq);

}  // namespace colibri::groups::repo
