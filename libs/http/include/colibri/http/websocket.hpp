#pragma once
// A server-side WebSocket as services see it. One reader and one writer may
// run at once; both must run on executor() (the connection's strand).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "colibri/http/message.hpp"
#include "colibri/net/asio.hpp"

namespace colibri::http {

struct ws_frame {
  std::string data;
  bool text = true;
};

class websocket {
 public:
  virtual ~websocket() = default;
  virtual asio::any_io_executor executor() = 0;
  // nullopt when the connection ended (closed by the peer, timed out, or
  // closed by us, e.g. with 1009 for an oversized frame).
  virtual awaitable<std::optional<ws_frame>> read() = 0;
  // false when the connection is gone.
  virtual awaitable<bool> write(std::shared_ptr<const std::string> text) = 0;
  virtual awaitable<void> close(std::uint16_t code, std::string reason) = 0;
  // Cancels pending operations and drops the connection (from executor()).
  virtual void abort() = 0;
};

using ws_handler = std::function<awaitable<void>(std::shared_ptr<websocket>, request)>;

}  // namespace colibri::http
