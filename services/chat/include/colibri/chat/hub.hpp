#pragma once
// Per room, the sessions of this gateway that hold it, and the last seq
// handed to them. Events come from Redis (the doorbell) and may arrive late,
// twice, out of order or not at all: the hub delivers each seq once and in
// order, buffering what comes early and reading what is missing from
// PostgreSQL (the record). After a Redis outage every room catches up from
// PostgreSQL. Each frame is serialised once and shared by every recipient.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "colibri/net/asio.hpp"
#include "colibri/redis/client.hpp"
#include "colibri/roomlog/room_log.hpp"

namespace colibri::chat {

// Who the hub delivers a room's events to (a socket's session; a test's
// recorder). post_event may be called from any thread.
class room_listener {
 public:
  virtual ~room_listener() = default;
  virtual std::int64_t user_id() const = 0;
  // A room event (seq > 0) or an ephemeral frame (seq 0); the room name and
  // the frame are shared by every recipient.
  virtual void post_event(std::shared_ptr<const std::string> room, std::int64_t seq,
                          std::shared_ptr<const std::string> frame) = 0;
  // The user may no longer read this room (removed from the group).
  virtual void post_lose_room(std::string room) = 0;
};

// Where a room's events come from: the record (PostgreSQL, through the room
// log), the doorbell (a Redis channel per room) and the presence script.
// redis_room_source is the real one; the hub's unit tests use a fake.
class room_source {
 public:
  virtual ~room_source() = default;
  virtual awaitable<std::int64_t> last_seq(std::string room) = 0;
  virtual awaitable<roomlog::page> read_after(std::string room, std::int64_t after_seq, int limit) = 0;
  // on_live runs once whatever is published on the room's channel from then
  // on reaches hub::on_message (or at once while the doorbell is down).
  virtual void subscribe(const std::string& room, std::function<void()> on_live) = 0;
  virtual void unsubscribe(const std::string& room) = 0;
  // The presence script: its integer reply, nullopt when Redis did not answer.
  virtual awaitable<std::optional<std::int64_t>> call(std::vector<std::string> args) = 0;
  // Redis Cluster: channels are sharded and a room's keys share its channel's slot.
  virtual bool sharded() const { return false; }
};

class redis_room_source : public room_source {
 public:
  redis_room_source(std::shared_ptr<roomlog::room_log> log, redis::subscriber& sub, redis::publisher& pub)
      : log_(std::move(log)), sub_(sub), pub_(pub) {}
  awaitable<std::int64_t> last_seq(std::string room) override;
  awaitable<roomlog::page> read_after(std::string room, std::int64_t after_seq, int limit) override;
  void subscribe(const std::string& room, std::function<void()> on_live) override;
  void unsubscribe(const std::string& room) override;
  awaitable<std::optional<std::int64_t>> call(std::vector<std::string> args) override;
  bool sharded() const override;

 private:
  std::shared_ptr<roomlog::room_log> log_;
  redis::subscriber& sub_;
  redis::publisher& pub_;
};

// Presence: how many distinct users hold a room open, across gateways. Each
// gateway keeps, per room, a Redis sorted set of "gateway|user" entries that
// expire unless refreshed (a crashed gateway's entries vanish within
// presence_ttl); a script updates the set and publishes `presence {room,
// online_count}` on the room's channel when the count changes. Each count
// published is a frame to every member online: a count of n goes out at
// least n / fanout_per_second seconds after the room's previous one, across
// gateways (the script keeps the time), the last change of a held-back
// series included; and a gateway calls the script for a room at most that
// often, its changes of the meantime together (at most refresh_every
// apart). Small rooms see every change at once; a 20,000-member room a count
// every 10 s, instead of 20,000 frames for every arrival.
struct presence_settings {
  std::chrono::milliseconds ttl{60000};
  std::chrono::milliseconds refresh_every{20000};
  std::int64_t fanout_per_second = 2000;
  // While Redis is lost: how often each room is read from PostgreSQL.
  std::chrono::milliseconds poll_every{1000};
  // How long a join waits for the room's state read by another join.
  std::chrono::milliseconds join_deadline{5000};
};

class hub : public std::enable_shared_from_this<hub> {
 public:
  hub(asio::any_io_executor ex, std::shared_ptr<room_source> source, presence_settings ps = {});

  struct joined {
    std::int64_t last = 0;                     // see join()
    std::optional<std::int64_t> online_count;  // last presence count seen here
  };
  // Registers s for the room's live events (delivered to s->post_event) and
  // returns the last seq the hub has delivered or will deliver next from.
  // Every later event reaches s, in order, once. Waits (up to
  // join_deadline) for the room's state when another join is reading it;
  // throws core::dependency_unavailable when it cannot be read.
  awaitable<joined> join(std::string room, std::shared_ptr<room_listener> s);
  void leave(const std::string& room, room_listener* s);
  // Every refresh_every: renews this gateway's presence entries.
  awaitable<void> presence_loop();

  // From the Redis subscriber.
  void on_message(std::string_view channel, std::string_view frame);
  void on_redis_lost();
  void on_redis_back();

  std::size_t rooms() const;

  struct held {
    std::string room;
    std::weak_ptr<room_listener> s;
  };
  // Every (room, session) subscription held on this gateway.
  std::vector<held> subscriptions() const;

 private:
  struct waiter;  // a join waiting for the room's state (hub.cpp)
  struct room_state {
    std::shared_ptr<const std::string> name;  // shared by every delivery
    std::map<room_listener*, std::weak_ptr<room_listener>> subs;
    std::vector<std::shared_ptr<waiter>> waiters;  // woken when ready or dropped
    bool ready = false;                            // `last` read from PostgreSQL
    std::int64_t last = 0;
    std::map<std::int64_t, std::shared_ptr<const std::string>> early;  // seq > last + 1
    bool filling = false;
    bool must_read = false;             // a fill must read PostgreSQL even without a known gap
    std::map<std::int64_t, int> users;  // user id -> sessions here holding the room
    std::optional<std::int64_t> online_count;
    // Presence: users whose entry changed since the last script call, sent
    // together (see presence_settings).
    std::set<std::int64_t> presence_changed;
    bool presence_force = false;  // publish the count even if unchanged
    bool presence_timer = false;  // a flush is scheduled
    bool presence_nudge = false;  // the script asked to be called again
    std::chrono::steady_clock::time_point presence_sent{};
  };
  // One script call: present users added or renewed, absent ones removed;
  // force publishes the count even if unchanged.
  void presence_send_locked(const std::string& room, const std::vector<std::int64_t>& present,
                            const std::vector<std::int64_t>& absent, bool force);
  std::chrono::milliseconds presence_interval(const room_state& r) const;
  void presence_changed_locked(const std::string& room, room_state& r, std::int64_t uid, bool force);
  // Sends the changed entries (everyone: every user here, renewed).
  void presence_flush_locked(const std::string& room, room_state& r, bool everyone);
  awaitable<void> presence_later(std::string room, std::chrono::milliseconds delay);
  awaitable<void> presence_call(std::string room, std::vector<std::string> args);
  void deliver_locked(const std::string& room, room_state& r, std::int64_t seq,
                      std::shared_ptr<const std::string> frame);
  void drain_locked(const std::string& room, room_state& r);
  // gap_only: read only if events are still waiting for a missing seq then.
  void schedule_fill(const std::string& room, std::chrono::milliseconds delay, bool gap_only = false);
  awaitable<void> fill(std::string room, std::chrono::milliseconds delay);
  awaitable<void> init(std::string room);

  void wake_locked(room_state& r);
  // What join returns for a ready room, presence counted.
  joined joined_locked(const std::string& room, room_state& r, std::int64_t uid, bool counted);

  asio::any_io_executor ex_;
  std::shared_ptr<room_source> source_;
  presence_settings presence_;
  std::string gateway_id_;  // random, names this process's presence entries
  mutable std::mutex mutex_;
  std::map<std::string, room_state> rooms_;
  std::uint64_t redis_epoch_ = 0;  // reconnections to Redis so far
  bool redis_lost_ = false;        // polling PostgreSQL meanwhile
  awaitable<void> poll_while_lost();
};

}  // namespace colibri::chat
