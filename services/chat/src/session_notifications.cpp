// A session's notifications: those missed while away, replayed after
// hello, and the live ones of the person's channel, each sent once (live
// ones that arrive during the replay wait for it).
#include "colibri/chat/gateway.hpp"
#include "colibri/chat/session.hpp"
#include "colibri/notify/notifications.hpp"
#include "session_shared.hpp"

namespace colibri::chat {

using namespace detail;

awaitable<void> session::replay_notifications(std::int64_t after) {
  auto uid = user_id_;
  auto job = [uid, after](pqxx::work& w) { return notify::latest_after(w, uid, after, k_replay_max); };
  std::vector<notify::notification> missed;
  try {
    missed = co_await gw_->db().transact(std::move(job));
  } catch (...) {
    // The client is told (unavailable) and may list them over REST.
    release_held_notifications();
    throw;
  }
  for (const auto& n : missed) {
    replay_->replayed.insert(n.id);
    deliver(std::make_shared<const std::string>(notify::notification_frame(n)));
  }
  release_held_notifications();
}

void session::release_held_notifications() {
  replay_->replaying = false;
  auto held = std::move(replay_->held);
  for (auto& [nid, frame] : held) on_user_frame(std::move(frame), nid);
}

void session::post_user_frame(std::shared_ptr<const std::string> frame, std::optional<std::int64_t> notification_id) {
  asio::post(ws_->executor(), [self = shared_from_this(), f = std::move(frame), notification_id]() mutable {
    self->on_user_frame(std::move(f), notification_id);
  });
}

void session::on_user_frame(std::shared_ptr<const std::string> frame, std::optional<std::int64_t> notification_id) {
  if (!notification_id) return deliver(std::move(frame));
  if (replay_ && replay_->replaying) {
    if (replay_->held.size() < k_replay_max) replay_->held.emplace_back(*notification_id, std::move(frame));
    return;
  }
  if (replay_ && replay_->replayed.count(*notification_id)) return;  // already sent by the replay
  deliver(std::move(frame));
}

}  // namespace colibri::chat
