#pragma once
// The realtime gateway: one session per WebSocket, authenticated by the first
// frame (`hello`), a registry of live sessions so that a revoked token closes
// every socket opened with it (4003), on any gateway, and a graceful shutdown
// that closes every socket with 1001.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "colibri/core/config.hpp"
#include "colibri/http/websocket.hpp"
#include "colibri/moderation/watched_words.hpp"
#include "colibri/pg/batcher.hpp"
#include "colibri/pg/pool.hpp"
#include "colibri/posting/post.hpp"
#include "colibri/ratelimit/limiter.hpp"
#include "colibri/redis/client.hpp"
#include "colibri/roomlog/access.hpp"
#include "colibri/roomlog/read_state.hpp"
#include "colibri/roomlog/room_log.hpp"

namespace colibri::chat {

using roomlog::check_access_many;
using roomlog::room_access;

struct gateway_settings {
  std::chrono::seconds hello_timeout{10};
  std::size_t max_frame_bytes = 64 * 1024;
  std::size_t max_body_code_points = 4000;
  std::size_t outbox_max_frames = 1024;
  std::size_t outbox_max_bytes = 4 * 1024 * 1024;
  std::chrono::milliseconds access_ttl{2000};
  int history_max = 500;
  int max_sockets_per_user = 10;
  // Sockets before hello, on this gateway and per address (IPv6 by /64):
  // sized for carrier-grade NAT, hundreds of phones behind one address.
  std::size_t max_anonymous = 2000;
  std::size_t max_anonymous_per_address = 200;
  std::size_t max_subscriptions = 100;  // rooms per socket
  // A subscribe's backfill and a history frame carry at most this much; the
  // rest is paged (limited / has_more), well under the outbox bound.
  std::size_t backfill_max_bytes = 1 << 20;
  std::chrono::milliseconds read_every{1000};  // read markers coalesced per room
  // Refused events in a row, within one rate window, before closing with 4029.
  int rate_strikes_before_close = 10;
  // How often open sockets are re-checked against PostgreSQL (revoked
  // sessions, removed members): the bound on how late a change takes effect.
  std::chrono::milliseconds recheck_every{2000};
};

gateway_settings read_gateway_settings(core::config& cfg);

class session;
class hub;

// What a subscribe reads: the events after `since` (one page) and the
// user's read marker with the unread count.
struct backfill {
  roomlog::page page;
  roomlog::read_state reads;
};

// Who a hello's token belongs to.
struct identity {
  std::int64_t session_id = 0;
  std::int64_t user_id = 0;
  std::string handle, locale, timezone;
  bool is_admin = false;
};

class gateway : public std::enable_shared_from_this<gateway> {
 public:
  gateway(asio::any_io_executor ex, pg::pool& db, std::shared_ptr<roomlog::room_log> log, redis::publisher& pub,
          ratelimit::limiter& limits, gateway_settings s);
  void set_hub(std::shared_ptr<chat::hub> h) { hub_ = std::move(h); }
  // Where per-user channels are subscribed while the user has a socket here.
  void set_subscriber(redis::subscriber* s) { sub_ = s; }
  // A frame published on a user's channel: to every socket of that user here.
  void on_user_message(std::int64_t user_id, std::string_view frame);

  http::ws_handler handler();
  // A session id was revoked (logout, account deleted): close its sockets.
  void revoke(std::int64_t session_id);
  // After a Redis outage revocations may have been missed: ask PostgreSQL.
  awaitable<void> recheck_sessions();
  // Drops subscriptions whose user is no longer a member of the room.
  awaitable<void> recheck_subscriptions();
  void shutdown();
  std::size_t connections() const;
  // Counted for /metrics (service.cpp): acks, sockets closed as slow
  // consumers.
  struct counters {
    std::atomic<std::uint64_t> acks{0}, slow_consumers{0};
  };
  counters& counted() { return counted_; }
  // Frames queued for clients so far: each session counts its own (one
  // shared counter per delivery would bounce between the threads), added up
  // here when scraped and when a session leaves.
  std::uint64_t frames_sent() const;

  // Used by sessions.
  pg::pool& db() { return db_; }
  roomlog::room_log& log() { return *log_; }
  redis::publisher& publisher() { return pub_; }
  ratelimit::limiter& limits() { return limits_; }
  posting::doors doors() { return {db_, pub_, *log_, limits_}; }
  chat::hub& rooms() { return *hub_; }
  const gateway_settings& settings() const { return s_; }
  // The live session and user behind a token, or nullopt. Lookups made at
  // about the same time share one query (a reconnect storm).
  awaitable<std::optional<identity>> identify(std::string token);
  // Likewise batched: a room's access for a user (room: a valid name), and a
  // subscribe's backfill (at most history_max events).
  awaitable<room_access> check_access(std::int64_t user_id, std::string room);
  awaitable<backfill> backfill_of(std::int64_t user_id, std::string room, std::int64_t since);
  // A group's watched words, cached for access_ttl (most sends match none
  // and cost no query), shared rather than copied per message.
  using watched_rules = std::shared_ptr<const std::vector<moderation::watched_hit>>;
  awaitable<watched_rules> watched_words(std::int64_t group_id);
  // false when the user already holds max_sockets_per_user sockets here.
  // on_channel_ready: the user's Redis channel is live (see redis::subscriber).
  bool bind(std::int64_t session_id, std::int64_t user_id, const std::shared_ptr<session>& s,
            std::function<void()> on_channel_ready = {});
  // Every recheck_every: sessions still valid, subscriptions still allowed.
  awaitable<void> recheck_loop();
  void forget(session* s, std::int64_t session_id, std::int64_t user_id);
  // A socket before hello: false (refuse it) past the gateway's or the
  // address's cap. Released at hello or when the socket ends.
  bool admit_anonymous(const std::string& address);
  void release_anonymous(const std::string& address);

 private:
  counters counted_;
  std::uint64_t frames_sent_gone_ = 0;  // by sessions forgotten; under mutex_
  static awaitable<void> serve(std::shared_ptr<session> s);
  // reason: a literal (a coroutine parameter built from one trips g++ 12, ADR 0002).
  static awaitable<void> refuse(std::shared_ptr<http::websocket> ws, std::uint16_t code, const char* reason);

  pg::pool& db_;
  std::shared_ptr<roomlog::room_log> log_;
  redis::publisher& pub_;
  std::shared_ptr<chat::hub> hub_;
  gateway_settings s_;
  struct room_query {
    std::int64_t user_id = 0;
    std::string room;
    std::int64_t since = 0;
  };
  std::shared_ptr<pg::batcher<std::string, std::optional<identity>>> identities_;
  std::shared_ptr<pg::batcher<room_query, room_access>> access_;
  std::shared_ptr<pg::batcher<room_query, backfill>> backfills_;
  mutable std::mutex mutex_;
  std::unordered_map<session*, std::weak_ptr<session>> all_;
  std::unordered_map<std::int64_t, std::vector<std::weak_ptr<session>>> by_session_;
  std::unordered_map<std::int64_t, std::vector<std::weak_ptr<session>>> by_user_;
  redis::subscriber* sub_ = nullptr;
  ratelimit::limiter& limits_;
  // Sockets that have not said hello yet, per address subject (under mutex_).
  std::unordered_map<std::string, std::size_t> anonymous_by_address_;
  std::size_t anonymous_ = 0;
  struct watched_entry {
    std::chrono::steady_clock::time_point expires;
    watched_rules rules;
  };
  std::unordered_map<std::int64_t, watched_entry> watched_;  // under mutex_
  bool stopping_ = false;
};

}  // namespace colibri::chat
