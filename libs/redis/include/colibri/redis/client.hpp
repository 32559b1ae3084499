#pragma once
// Redis as the doorbell: at-most-once pub/sub, never the record.
//
// A publisher and a subscriber each own one hiredis async connection driven
// by Asio (the socket's fd wrapped in a stream_descriptor; every hiredis call
// on one strand). Both reconnect by themselves with backoff. The subscriber
// remembers its channels, subscribes again after a reconnect, and tells its
// user when it was disconnected and when it is back, so the user can backfill
// from PostgreSQL whatever was published meanwhile.
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
};

namespace detail {
class connection;
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

 private:
  std::shared_ptr<detail::connection> conn_;
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
  std::shared_ptr<detail::connection> conn_;
};

}  // namespace colibri::redis
