#pragma once
// Per room, the sessions of this gateway that hold it, and the last seq
// handed to them. Events come from Redis (the doorbell) and may arrive late,
// twice, out of order or not at all: the hub delivers each seq once and in
// order, buffering what comes early and reading what is missing from
// PostgreSQL (the record). After a Redis outage every room catches up from
// PostgreSQL. Each frame is serialised once and shared by every recipient.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "colibri/net/asio.hpp"
#include "colibri/redis/client.hpp"
#include "colibri/roomlog/room_log.hpp"

namespace colibri::chat {

class session;

class hub : public std::enable_shared_from_this<hub> {
 public:
  hub(asio::any_io_executor ex, std::shared_ptr<roomlog::room_log> log, redis::subscriber& sub);

  // Registers s for the room's live events (delivered to s->post_event) and
  // returns the last seq the hub has delivered or will deliver next from.
  // Every later event reaches s, in order, once.
  awaitable<std::int64_t> join(std::string room, std::shared_ptr<session> s);
  void leave(const std::string& room, session* s);

  // From the Redis subscriber.
  void on_message(std::string_view channel, std::string_view frame);
  void on_redis_lost();
  void on_redis_back();

  std::size_t rooms() const;

  struct held {
    std::string room;
    std::weak_ptr<session> s;
  };
  // Every (room, session) subscription held on this gateway.
  std::vector<held> subscriptions() const;

 private:
  struct room_state {
    std::shared_ptr<const std::string> name;  // shared by every delivery
    std::map<session*, std::weak_ptr<session>> subs;
    bool ready = false;  // `last` read from PostgreSQL
    std::int64_t last = 0;
    std::map<std::int64_t, std::shared_ptr<const std::string>> early;  // seq > last + 1
    bool filling = false;
  };
  void deliver_locked(const std::string& room, room_state& r, std::int64_t seq, std::shared_ptr<const std::string> frame);
  void drain_locked(const std::string& room, room_state& r);
  void schedule_fill(const std::string& room, std::chrono::milliseconds delay);
  awaitable<void> fill(std::string room, std::chrono::milliseconds delay);
  awaitable<void> init(std::string room);

  asio::any_io_executor ex_;
  std::shared_ptr<roomlog::room_log> log_;
  redis::subscriber& sub_;
  mutable std::mutex mutex_;
  std::map<std::string, room_state> rooms_;
};

}  // namespace colibri::chat
