#pragma once
// Read markers and unread counts, per user and room. A marker only moves
// forward and never past the room's last seq. Unread: messages by others
// after the marker, not deleted, counted up to k_unread_cap (clients show
// "999+").
#include <cstdint>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace colibri::roomlog {

inline constexpr std::int64_t k_unread_cap = 1000;

struct read_state {
  std::int64_t read_seq = 0;
  std::int64_t unread = 0;
};

read_state read_state_of(pqxx::transaction_base& w, std::int64_t user_id, const std::string& room);
// The same for many (user, room) pairs in one statement; one answer each, in order.
std::vector<read_state> read_states_of(pqxx::transaction_base& w, const std::vector<std::int64_t>& users,
                                       const std::vector<std::string>& rooms);
// Moves the user's marker to seq (if later) and returns the new state.
read_state mark_read(pqxx::work& w, std::int64_t user_id, const std::string& room, std::int64_t seq);
// The socket's `unread {room, read_seq, unread}` frame.
std::string unread_frame(const std::string& room, const read_state& s);

}  // namespace colibri::roomlog
