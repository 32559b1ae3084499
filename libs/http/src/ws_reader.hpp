#pragma once
// The reading half of RFC 6455 on the server side, without I/O: bytes in,
// one event at a time out. ws_connection feeds it from the socket; the fuzz
// target and the conformance tests feed it directly.
//
// Client frames must be masked; continuation frames are joined into one
// message; a text message must be UTF-8 (checked once it is complete: what
// Autobahn|Testsuite calls NON-STRICT); a message over max_message fails
// from its header alone (1009), before its bytes arrive.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace colibri::http::detail {

class ws_reader {
 public:
  explicit ws_reader(std::size_t max_message) : max_message_(max_message) {}

  struct event {
    enum class kind {
      need_more,   // no complete frame buffered
      progressed,  // a frame was consumed (a fragment), nothing to act on yet
      message,     // text or data: a whole message
      ping,        // data: its payload
      pong,
      close,  // code: the peer's (1005 when it gave none); data: its reason
      fail,   // code: ours (1002, 1007, 1009); data: why
    };
    kind k = kind::need_more;
    bool text = false;
    std::uint16_t code = 0;
    std::string data;
  };

  // The next event of what is buffered. After a fail, the stream means
  // nothing: every later call answers need_more and drops what comes.
  event next();

  // Buffer management for the socket: reserve(n) appends n bytes of room
  // and returns where they start; commit(m) keeps the m bytes actually read.
  char* reserve(std::size_t n);
  void commit(std::size_t m);
  // Nothing pending: an idle socket releases its buffer.
  bool empty() const { return pos_ == in_.size(); }
  void release();
  // Drops what was parsed already, before more is read.
  void compact();
  std::size_t buffered() const { return in_.size() - pos_; }
  // While closing, data messages are consumed without being delivered.
  void set_closing() { closing_ = true; }
  bool failed() const { return failed_; }

 private:
  event fail(std::uint16_t code, std::string_view why);
  event control(unsigned opcode, std::string payload);

  std::size_t max_message_;
  std::string in_;  // received, parsed up to pos_
  std::size_t pos_ = 0;
  std::size_t reserved_ = 0;  // room added by the last reserve()
  std::string msg_;           // the fragmented message being received
  std::uint8_t msg_op_ = 0;   // its opcode; 0 when none is in progress
  bool closing_ = false;
  bool failed_ = false;
};

bool valid_close_code(unsigned code);

}  // namespace colibri::http::detail
