#pragma once
// What publisher and subscriber drive: one Redis (client.cpp) or a Redis
// Cluster (cluster.cpp). Everything runs on the link's strand.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "colibri/redis/client.hpp"

namespace colibri::redis::detail {

class link {
 public:
  enum class mode { command, subscribe };
  virtual ~link() = default;
  subscriber::handlers handlers;  // subscribe mode; set before start()
  virtual void start() = 0;
  virtual void stop() = 0;
  virtual void command(std::vector<std::string> args) = 0;
  // done runs once, on the strand: with the integer reply, or nullopt when
  // disconnected, on an error, or after timeout (a late reply is ignored).
  using reply_fn = std::function<void(std::optional<std::int64_t>)>;
  virtual void call(std::vector<std::string> args, std::chrono::milliseconds timeout, reply_fn done) = 0;
  virtual void subscribe(std::string channel, bool on, std::function<void()> on_ready) = 0;
  virtual bool healthy() const = 0;
  virtual bool connected() const = 0;
  virtual std::uint64_t dropped() const = 0;
};

// A call waiting for its reply or its timeout, whichever comes first.
struct pending_call {
  link::reply_fn done;
  std::unique_ptr<asio::steady_timer> timer;
  void finish(std::optional<std::int64_t> r) {
    if (!done) return;
    auto d = std::move(done);
    done = nullptr;
    timer->cancel();
    d(r);
  }
};

std::shared_ptr<link> make_cluster_link(asio::any_io_executor ex, options opts, link::mode m);

// TCP keepalive on a Redis connection: a dead peer is noticed in ~11 s.
void set_keepalive(int fd);

}  // namespace colibri::redis::detail
