#pragma once
// Threads, direct conversations and blocks.
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace colibri::groups::repo {

// A thread with the reader's unread count.
struct thread_row {
  std::int64_t id = 0, group_id = 0;
  std::string title;
  std::optional<std::int64_t> author_id;
  std::string author_handle;
  bool locked = false, pinned = false;
  std::int64_t created_ms = 0, last_activity_ms = 0;
  std::int64_t post_count = 0, last_seq = 0, read_seq = 0, unread = 0;
};
// The group's threads by last activity, below the thread `before` when
// given, at most `limit`, for a member; empty for anyone else (one
// statement for the common case: membership and page together).
std::vector<thread_row> list_threads(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t reader_id,
                                     std::optional<std::int64_t> before, int limit);
thread_row thread_by_id(pqxx::transaction_base& w, std::int64_t thread_id, std::int64_t reader_id);
std::optional<std::int64_t> thread_group(pqxx::transaction_base& w, std::int64_t thread_id);
std::int64_t insert_thread(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t author_id,
                           const std::string& title);
// A thread whose first post was refused: removed if it holds no event.
void delete_empty_thread(pqxx::transaction_base& w, std::int64_t thread_id);
enum class thread_flag { locked, pinned };
void set_thread_flag(pqxx::transaction_base& w, std::int64_t thread_id, thread_flag flag, bool on);

struct conversation_row {
  std::int64_t id = 0, last_seq = 0, read_seq = 0;
  std::optional<std::int64_t> last_activity_ms;
  std::string members_json;  // [{"id", "handle"}], by id
};
// The caller's direct conversations (or one of them), most recent first (at most 200).
std::vector<conversation_row> conversations_of(pqxx::transaction_base& w, std::int64_t user_id,
                                               std::optional<std::int64_t> only);
// How many of `others` are live accounts sharing a group with the user, with
// no block either way.
std::size_t reachable(pqxx::transaction_base& w, std::int64_t user_id, const std::vector<std::int64_t>& others);
// The conversation of exactly these people (the user among them), looked
// for among the user's own (by index, never the whole table); a new one
// otherwise.
std::int64_t conversation_of(pqxx::transaction_base& w, std::int64_t user_id, const std::vector<std::int64_t>& all);

// Stores a block of a live account (nothing for others).
void block(pqxx::transaction_base& w, std::int64_t blocker_id, std::int64_t blocked_id);
void unblock(pqxx::transaction_base& w, std::int64_t blocker_id, std::int64_t blocked_id);

}  // namespace colibri::groups::repo
