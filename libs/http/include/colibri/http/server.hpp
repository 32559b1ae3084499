#pragma once
// The HTTP/1.1 + WebSocket listener every service uses (after Beast's
// advanced server): one acceptor, one coroutine per connection on its own
// strand, a body limit, timeouts, the error contract of docs/protocol.md, and the
// WebSocket upgrade with an Origin allow-list.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "colibri/http/router.hpp"
#include "colibri/http/websocket.hpp"
#include "colibri/net/asio.hpp"

namespace colibri::http {

struct server_options {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port (tests)
  std::size_t body_limit = 64 * 1024;
  std::chrono::seconds request_timeout{30};
  // Peers whose X-Real-IP / X-Forwarded-For we believe (the local nginx).
  std::vector<std::string> trusted_proxies{"127.0.0.1"};

  std::string ws_path = "/ws";
  // Browser origins allowed to open /ws ("http://127.0.0.1:8080").
  std::vector<std::string> allowed_origins;
  // Refuse upgrades that carry no Origin at all (non-browser clients send none).
  bool require_origin = false;
  std::size_t ws_max_message = 64 * 1024;
  std::chrono::seconds ws_idle_timeout{60};
  // How long a closing socket waits for the peer's close frame (and for its
  // own to leave) before the connection is dropped.
  std::chrono::seconds ws_close_timeout{5};
};

class server {
 public:
  server(asio::io_context& io, server_options opts, const router& routes, ws_handler ws = {});
  ~server();
  // Binds and listens; throws std::system_error when the address is taken.
  void start();
  // Stops accepting; requests in flight finish, keep-alive ends after them.
  void stop();
  std::uint16_t port() const;
  std::size_t in_flight() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace colibri::http
