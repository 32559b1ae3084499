#pragma once
// One client socket: read on the connection's strand, a frame at a time. Frames
// for the client are queued on the connection, which writes them as the
// socket takes them; the queue is bounded: past the bound the client is too
// slow and is closed with 4008.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "colibri/chat/hub.hpp"
#include "colibri/chat/pipeline.hpp"
#include "colibri/core/result.hpp"
#include "colibri/http/websocket.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/net/asio.hpp"
#include "colibri/posting/post.hpp"
#include "colibri/roomlog/access.hpp"
#include "colibri/roomlog/room_log.hpp"

namespace colibri::chat {

using roomlog::room_access;

class gateway;

namespace close_code {
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t policy = 1008;
inline constexpr std::uint16_t server_error = 1011;
inline constexpr std::uint16_t try_again_later = 1013;
inline constexpr std::uint16_t no_hello = 4001;
inline constexpr std::uint16_t token_revoked = 4003;
inline constexpr std::uint16_t slow_consumer = 4008;
inline constexpr std::uint16_t rate_limited = 4029;
}  // namespace close_code

// A session is the socket's door of the posting policy: room access cached
// per socket for access_ttl, watched words cached per gateway.
class session : public std::enable_shared_from_this<session>, public posting::room_policy, public room_listener {
 public:
  // address: the client's address subject, counted as anonymous until hello.
  session(std::shared_ptr<gateway> gw, std::shared_ptr<http::websocket> ws, std::string address);
  // Reads the socket until it ends, then leaves the gateway. Once, on the
  // socket's strand.
  void start();

  // Thread-safe: hop onto the session's strand.
  // A frame from the user's channel; notifications carry their id, so that
  // one replayed after hello is not sent twice.
  void post_user_frame(std::shared_ptr<const std::string> frame, std::optional<std::int64_t> notification_id);
  void post_close(std::uint16_t code, std::string reason);
  // A room event (seq > 0) or an ephemeral frame (seq 0) from the hub.
  // The room name is shared by every recipient, like the frame.
  void post_event(std::shared_ptr<const std::string> room, std::int64_t seq,
                  std::shared_ptr<const std::string> frame) override;
  // Set once, before the session is registered anywhere; read-only after.
  std::int64_t user_id() const override { return user_id_; }
  // The user may no longer read this room (removed from the group).
  void post_lose_room(std::string room) override;
  // Frames queued for the client so far (any thread: /metrics).
  std::uint64_t frames_sent() const { return frames_sent_.load(std::memory_order_relaxed); }

 private:
  void read_next();
  awaitable<void> handle_frame(std::string text);
  void end();
  void deliver(std::shared_ptr<const std::string> frame);
  void close(std::uint16_t code, std::string reason);
  awaitable<void> handle(const std::string& text);
  awaitable<void> hello(const std::string* id_json, const std::string& token,
                        std::optional<std::int64_t> notifications_after);
  awaitable<void> replay_notifications(std::int64_t after);
  void release_held_notifications();
  void on_user_frame(std::shared_ptr<const std::string> frame, std::optional<std::int64_t> notification_id);
  void send_error(const std::string* id_json, const core::error& e, bool fatal = false);
  std::shared_ptr<const std::string> error_frame(const std::string* id_json, const core::error& e,
                                                 bool fatal = false) const;
  void on_event(const std::string& room, std::int64_t seq, std::shared_ptr<const std::string> frame);
  // The room's access for this user, cached for access_ttl; validation_failed
  // for a malformed room name.
  awaitable<core::result<room_access>> access(const std::string& room);
  // The access when the user is a member; otherwise answers the error and
  // returns nullopt.
  awaitable<std::optional<room_access>> require_member(const std::string* id, const std::string& room);
  awaitable<void> subscribe(const std::string* id, json::fields& f);
  awaitable<void> unsubscribe(const std::string* id, json::fields& f);
  awaitable<void> history(const std::string* id, json::fields& f);
  // send, edit, delete, react: read into a request, then posted in the
  // socket's pipeline (several in flight, answered in order).
  core::result<posting::request> send_request(json::fields& f);
  core::result<posting::request> change_request(const std::string& type, json::fields& f);
  awaitable<void> start_post(const std::string* id, const std::string& type, json::fields& f);
  awaitable<void> run_post(std::uint64_t ticket, std::optional<std::string> id, posting::request r);
  // Through the posting policy: `ack` (committed), `held`, or the error;
  // null when the socket is closed for it.
  awaitable<std::shared_ptr<const std::string>> post(const std::string* id, std::uint64_t ticket, posting::request r);
  class ticketed;  // the posting policy of one post: the session's, in its turn
  // The sender's own event, committed here: sent at once if it is the next
  // seq of a room this socket follows.
  void own_event(const std::string& room, std::int64_t seq, std::string frame);
  awaitable<core::result<room_access>> writable(std::int64_t user_id, const std::string& room) override;
  awaitable<posting::watched_rules> watched(std::int64_t group_id) override;
  awaitable<void> typing(json::fields& f);
  awaitable<void> mark_read(json::fields& f);
  awaitable<void> write_read(std::string room);
  void leave_all();

  struct room_sub {
    std::uint64_t generation = 0;
    std::int64_t cursor = 0;  // last seq delivered to the client
    bool backfilling = true;  // live events wait in `early` meanwhile
    std::vector<std::pair<std::int64_t, std::shared_ptr<const std::string>>> early;
  };
  struct cached_access {
    room_access a;
    std::chrono::steady_clock::time_point until;
  };

  std::shared_ptr<gateway> gw_;
  std::shared_ptr<http::websocket> ws_;
  bool closing_ = false;  // a close was queued: the peer's frames are no longer acted on
  bool done_ = false;
  std::atomic<std::uint64_t> frames_sent_{0};        // written on the strand only
  std::unique_ptr<asio::steady_timer> hello_timer_;  // until hello
  // Room events handed over by the hub (any thread), drained on the strand:
  // a burst costs one posted handler, not one per event.
  struct inbound {
    std::shared_ptr<const std::string> room;
    std::int64_t seq;
    std::shared_ptr<const std::string> frame;
  };
  std::mutex inbox_mutex_;
  std::vector<inbound> inbox_;
  void drain_inbox();
  std::int64_t user_id_ = 0;
  std::int64_t session_id_ = 0;
  std::string address_;
  bool anonymous_ = true;  // counted in the gateway's anonymous caps
  void stop_being_anonymous();
  std::string locale_ = "fr";
  std::map<std::string, room_sub> subs_;
  std::map<std::string, cached_access> access_;
  std::uint64_t next_generation_ = 1;
  int rate_strikes_ = 0;
  std::unique_ptr<pipeline> pipe_;  // made at the first post (an idle socket holds none)
  // When this socket last published `typing` per room (a flood stops here).
  std::map<std::string, std::chrono::steady_clock::time_point> typing_at_;
  // Read markers, coalesced per room.
  struct read_mark {
    std::chrono::steady_clock::time_point written_at{};
    std::optional<std::int64_t> pending;
    bool waiting = false;  // a timer will write `pending`
  };
  std::map<std::string, read_mark> reads_;
  // Only after a hello that asked for the missed notifications.
  struct replay_state {
    bool replaying = true;
    std::vector<std::pair<std::int64_t, std::shared_ptr<const std::string>>> held;
    std::set<std::int64_t> replayed;
  };
  std::unique_ptr<replay_state> replay_;
};

}  // namespace colibri::chat
