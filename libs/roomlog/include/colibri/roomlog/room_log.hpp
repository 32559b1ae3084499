#pragma once
// The room log: the only way anything is appended to a room.
//
// append() validates the request, then queues it for the next batch. A batch
// is one PostgreSQL statement, so one transaction: it finds retries (same
// room, author and client_msg_id) and answers them with the first event;
// allocates each room's next seqs by updating its `rooms` row (rooms locked in
// name order, so concurrent writers in other processes neither deadlock nor
// leave holes); inserts every new event; commits; and only then publishes each
// new event's frame, serialised once, on the room's Redis channel. A batch
// leaves when it is full (batch_max) or batch_delay after its first request:
// many messages share one commit.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "colibri/core/result.hpp"
#include "colibri/net/asio.hpp"
#include "colibri/pg/batcher.hpp"
#include "colibri/pg/pool.hpp"
#include "colibri/redis/client.hpp"
#include "colibri/roomlog/event.hpp"

namespace colibri::roomlog {

struct options {
  std::size_t batch_max = 256;
  std::chrono::microseconds batch_delay{2000};
  std::size_t max_inflight = 2;    // batches being written at once
  std::size_t queue_max = 100000;  // past it: unavailable
  std::size_t max_body_code_points = 4000;
};

struct append_result {
  event ev;
  bool duplicate = false;  // a retry: nothing new was stored
  std::string frame;       // event_frame(ev), for the caller's own use
};

struct page {
  std::vector<event> events;  // ascending seq
  bool has_more = false;
};

// Pages of events after each (room, after) pair, at most `limit` each, in one
// statement inside the caller's transaction (a burst of subscribes).
std::vector<page> read_after_many(pqxx::work& w, const std::vector<std::string>& rooms,
                                  const std::vector<std::int64_t>& after, int limit);

// Appends one event inside the caller's transaction, for a writer whose own
// bookkeeping must commit with the event (the scheduler's runs: exactly once
// by their keys). After its commit the caller publishes event_frame() on
// room_channel(); a gateway that misses it fills the hole from PostgreSQL.
core::result<event> append_in(pqxx::work& w, const append_request& r, const options& o = {});
// After the commit of append_in: the event's frame on its room's channel.
void publish(redis::publisher& pub, const event& ev);

class room_log : public std::enable_shared_from_this<room_log> {
 public:
  // pub may be null (tools that only write).
  static std::shared_ptr<room_log> create(asio::any_io_executor ex, pg::pool& db, redis::publisher* pub,
                                          options o = {});

  // validation_failed for a malformed request; otherwise the committed event.
  // Throws pg::unavailable when PostgreSQL cannot take it (nothing stored).
  awaitable<core::result<append_result>> append(append_request r);

  awaitable<page> read_after(std::string room, std::int64_t after_seq, int limit);
  awaitable<page> read_before(std::string room, std::int64_t before_seq, int limit);
  awaitable<std::int64_t> last_seq(std::string room);

  static core::result<void> validate(const append_request& r, const options& o);
  const options& opts() const { return opts_; }

 private:
  using appender = pg::batcher<append_request, append_result>;
  room_log(asio::any_io_executor ex, pg::pool& db, redis::publisher* pub, options o);

  pg::pool& db_;
  options opts_;
  std::shared_ptr<appender> batch_;
};

}  // namespace colibri::roomlog
