#pragma once
// A server-side WebSocket as services see it. Every call is made on
// executor() (the connection's strand); one read() or async_read() at a time.
//
// Writing never waits: send() queues a frame and the connection writes
// everything queued in one system call as soon as the socket takes it. The
// caller bounds the queue (queued_frames / queued_bytes) and closes a peer
// that does not keep up.
#include <cstdint>
#include <functional>
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
  // The next complete message, or nullopt once the connection has ended
  // (closed by either side, failed with 1002/1007/1009, timed out, aborted).
  // While a close is under way, incoming messages are discarded.
  virtual awaitable<std::optional<ws_frame>> read() = 0;
  // The same without a coroutine: cb is called on executor() with the next
  // message or nullopt, never from inside this call. While the peer is
  // silent the connection holds only its pending read and cb: an idle
  // socket keeps no coroutine frame.
  using frame_callback = std::function<void(std::optional<ws_frame>)>;
  virtual void async_read(frame_callback cb) = 0;
  // Queues a text message; ignored once a close was queued.
  virtual void send(std::shared_ptr<const std::string> text) = 0;
  // Frames sent between cork() and uncork() are written at uncork(), in one
  // system call, without the posted flush send() otherwise arranges.
  virtual void cork() = 0;
  virtual void uncork() = 0;
  virtual std::size_t queued_frames() const = 0;
  virtual std::size_t queued_bytes() const = 0;
  // Queues a close frame behind what is queued (or instead of it when
  // drop_queued), then waits for the peer's close; the connection is dropped
  // if it has not finished within 5 s.
  virtual void close(std::uint16_t code, std::string reason, bool drop_queued = false) = 0;
  // Drops the connection at once; a pending read() returns nullopt.
  virtual void abort() = 0;
};

using ws_handler = std::function<awaitable<void>(std::shared_ptr<websocket>, request)>;

}  // namespace colibri::http
