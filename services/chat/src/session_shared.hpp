#pragma once
// What the socket session's files share (session.cpp: frames and hello;
// session_rooms.cpp: subscriptions; session_notifications.cpp: replay).
#include <cstddef>
#include <cstdint>

#include "colibri/core/messages.hpp"
#include "colibri/core/result.hpp"

namespace colibri::chat::detail {

inline const core::error& not_member() {
  static const core::error e = core::error::make(core::errc::forbidden, core::message(core::msg::members_only), "room");
  return e;
}
inline constexpr std::int64_t k_max_id = std::int64_t{1} << 53;
// Missed notifications sent after hello; older ones are listed over REST.
inline constexpr int k_replay_max = 200;
// Posts one socket may have in flight (pipeline.hpp); the next frame is read
// once one of them is answered.
inline constexpr std::size_t k_posts_in_flight = 32;

}  // namespace colibri::chat::detail
