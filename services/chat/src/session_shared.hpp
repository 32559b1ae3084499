#pragma once
// What the socket session's files share (session.cpp: frames and hello;
// session_rooms.cpp: subscriptions; session_notifications.cpp: replay).
#include <cstdint>

#include "colibri/core/result.hpp"

namespace colibri::chat::detail {

inline const core::error& not_member() {
  static const core::error e =
      core::error::make(core::errc::forbidden,
                        {"Vous ne faites pas partie de ce groupe.", "You are not a member of this group."}, "room");
  return e;
}
inline const core::error& cannot_send() {
  static const core::error e = core::error::make(
      core::errc::forbidden, {"Vous ne pouvez pas écrire ici pour le moment.", "You cannot post here for the moment."},
      "room");
  return e;
}
inline constexpr std::int64_t k_max_id = std::int64_t{1} << 53;
// Missed notifications sent after hello; older ones are listed over REST.
inline constexpr int k_replay_max = 200;

}  // namespace colibri::chat::detail
