#pragma once
// Redis as the doorbell: at-most-once pub/sub, never the record.
//
// A publisher and a subscriber each own one hiredis async connection driven
// by Asio (the socket's fd wrapped in a stream_descriptor; every hiredis call
// on one strand). Both reconnect by themselves with backoff. The subscriber
// remembers its channels, subscribes again after a reconnect, and tells its
// user when it was disconnected and when it is back, so the user can backfill
// from PostgreSQL whatever was published meanwhile.
//
// With a list of cluster seed nodes (options::cluster) both talk to a Redis
// Cluster instead: channels are sharded (SPUBLISH, SSUBSCRIBE) and each
// command goes to the primary that owns its key's slot, over connections of
// our own (Asio, hiredis's RESP reader; hiredis 0.14 knows no cluster and no
// sharded pub/sub). They follow the topology (MOVED, ASK, a shard's
// sunsubscribe, failovers, resharding); whenever a channel's subscription may
// have missed something, the subscriber reports it as a lost connection, so
// the user catches up from PostgreSQL as after any Redis outage.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "colibri/net/asio.hpp"

namespace colibri::redis {

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{2000};
  // A command connection sends PING this often; healthy() needs a recent PONG.
  std::chrono::milliseconds heartbeat{1000};
  // Cluster mode when not empty: the seed nodes (any one that answers gives
  // the topology); host and port above are then unused.
  std::vector<std::pair<std::string, std::uint16_t>> cluster;
  // Cluster mode: how often the slot map is read again without a reason.
  std::chrono::milliseconds topology_refresh{10000};
};

// The cluster hash slot of a key (CRC16 of the key, or of its {hash tag}).
std::uint16_t key_slot(std::string_view key);

namespace detail {
class link;
}

class publisher {
 public:
  publisher(asio::any_io_executor ex, options opts);
  ~publisher();
  void start();
  void stop();
  // Thread-safe. Commands are pipelined: everything queued while a write is
  // in flight leaves in the next write. While disconnected, messages are
  // dropped (and counted): subscribers recover them from PostgreSQL.
  void publish(std::string channel, std::string message);
  // Any other command, fire-and-forget on the same pipeline (e.g. EVAL of a
  // script that updates a key and publishes). Errors are logged.
  void command(std::vector<std::string> args);
  // A command whose integer reply matters (e.g. EVAL of a rate-limit
  // script), on the same pipeline. nullopt when disconnected, on an error or
  // non-integer reply, or when no reply came within `timeout`: the caller
  // decides without Redis then.
  awaitable<std::optional<std::int64_t>> call(std::vector<std::string> args, std::chrono::milliseconds timeout);
  // Connected and answered a PING recently.
  bool healthy() const;
  std::uint64_t dropped() const;
  // Cluster mode: channels are sharded (SPUBLISH), and a script that
  // publishes must use SPUBLISH on a channel of its key's slot.
  bool sharded() const { return sharded_; }

 private:
  bool sharded_ = false;
  std::shared_ptr<detail::link> conn_;
};

class subscriber {
 public:
  struct handlers {
    std::function<void(std::string_view channel, std::string_view message)> on_message;
    // Called once per lost connection; messages may have been missed.
    std::function<void()> on_disconnect;
    // Called after (re)connecting, once every channel is subscribed again.
    std::function<void()> on_connect;
  };
  // Handlers run on the subscriber's strand.
  subscriber(asio::any_io_executor ex, options opts, handlers h);
  ~subscriber();
  void start();
  void stop();
  // Thread-safe; remembered across reconnects. on_ready runs (on the
  // subscriber's strand) once Redis confirmed the subscription, so that
  // whatever is published afterwards arrives; or at once while disconnected,
  // since on_connect reports the reconnect.
  void subscribe(std::string channel, std::function<void()> on_ready = {});
  void unsubscribe(std::string channel);
  bool connected() const;

 private:
  std::shared_ptr<detail::link> conn_;
};

}  // namespace colibri::redis
