#pragma once
// RFC 6455 framing on the server side, after Beast has done the handshake.
//
// Why not Beast's websocket::stream for the frames: it writes one message per
// system call through a composed operation, and keeps per-stream buffers
// alive for the connection's whole life. A gateway delivering a burst to a
// socket wants every queued frame in one sendmsg, and an idle socket should
// hold no buffer at all (docs/adr/0003-own-websocket-framing.md).
//
// Reads (ws_reader.hpp): a complete message at a time (continuation frames
// joined), with pings answered, the close handshake, and the failures RFC
// 6455 asks for: 1002 protocol errors (unmasked frame, reserved bits, bad
// opcode, bad control frame, bad fragmentation), 1007 text that is not
// UTF-8, 1009 a message over the limit. The receive buffer exists only while bytes are
// pending. Writes: queued, gathered, written without waiting when the socket
// takes them. Keep-alive: a ping after idle_timeout/2 of silence, the
// connection dropped after idle_timeout.
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "colibri/http/websocket.hpp"
#include "ws_reader.hpp"

namespace colibri::http::detail {

struct ws_limits {
  std::size_t max_message = 64 * 1024;
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds close_timeout{5000};
};

class ws_connection final : public websocket, public std::enable_shared_from_this<ws_connection> {
 public:
  using tcp = asio::ip::tcp;
  // already_read: bytes that arrived after the upgrade request.
  ws_connection(tcp::socket s, std::string already_read, ws_limits lim);
  // Arms the keep-alive; once, on executor().
  void start();

  asio::any_io_executor executor() override { return sock_.get_executor(); }
  awaitable<std::optional<ws_frame>> read() override;
  void async_read(frame_callback cb) override;
  void send(std::shared_ptr<const std::string> text) override;
  void cork() override { corked_ = true; }
  void uncork() override {
    corked_ = false;
    flush();
  }
  std::size_t queued_frames() const override { return queued_data_frames_; }
  std::size_t queued_bytes() const override { return queued_bytes_; }
  void close(std::uint16_t code, std::string reason, bool drop_queued) override;
  void abort() override { finish(); }

 private:
  struct out_frame {
    std::array<unsigned char, 10> head{};
    std::uint8_t head_len = 0;
    std::uint8_t opcode = 0;
    std::shared_ptr<const std::string> payload;
    std::size_t size() const { return head_len + payload->size(); }
  };

  // The next message or the end (an empty inner optional) from what is
  // buffered; nullopt when more bytes are needed (the buffer then made ready
  // for them).
  std::optional<std::optional<ws_frame>> poll();
  // Bytes read into first_ moved into the reader, with what else is waiting;
  // false when the connection has ended.
  bool took(boost::system::error_code ec, std::size_t n);
  void wait_bytes(frame_callback cb);
  void on_ping(std::string payload);
  // The peer's close: echoed (or the handshake completed); reading ends.
  void on_close(std::uint16_t code);
  void enqueue(std::uint8_t opcode, std::shared_ptr<const std::string> payload);
  void schedule_flush();
  void flush();
  bool out_empty() const { return out_head_ == out_.size(); }
  void clear_out();
  void on_close_written();
  void finish();
  void arm_keepalive();

  tcp::socket sock_;
  ws_limits lim_;
  asio::steady_timer keepalive_;
  std::unique_ptr<asio::steady_timer> close_timer_;
  ws_reader reader_;
  std::array<char, 256> first_;  // where a read waits (see poll())
  std::vector<out_frame> out_;   // from out_head_: queued; a deque would allocate even when empty
  std::size_t out_head_ = 0;
  std::size_t out_offset_ = 0;  // bytes of out_[out_head_] already written
  // Every ping gets its pong while few are waiting to leave; past
  // k_max_pongs queued, a later ping replaces the payload of the last pong
  // not yet started (RFC 6455 5.5.3 allows answering only the latest), so a
  // ping flood from a peer that never reads queues a bounded number.
  static constexpr std::size_t k_none = ~std::size_t{0};
  static constexpr std::size_t k_max_pongs = 16;
  std::size_t pong_at_ = k_none;  // the last queued pong, if it has not left
  std::size_t queued_pongs_ = 0;
  std::size_t queued_bytes_ = 0;
  std::size_t queued_data_frames_ = 0;
  bool flush_posted_ = false;
  bool corked_ = false;
  bool waiting_writable_ = false;
  bool close_queued_ = false;    // ours: queued or written
  bool close_received_ = false;  // theirs
  bool heard_ = false;           // bytes received since the last keep-alive tick
  bool ping_outstanding_ = false;
  bool dead_ = false;
};

}  // namespace colibri::http::detail
