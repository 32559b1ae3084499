#include "ws_reader.hpp"

#include <algorithm>

#include "colibri/core/utf8.hpp"

namespace colibri::http::detail {

namespace {

constexpr unsigned op_continuation = 0x0, op_text = 0x1, op_binary = 0x2, op_close = 0x8, op_ping = 0x9, op_pong = 0xA;

void unmask(char* p, std::size_t n, const unsigned char* key) {
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<char>(static_cast<unsigned char>(p[i]) ^ key[i & 3]);
}

}  // namespace

bool valid_close_code(unsigned c) {
  return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
}

char* ws_reader::reserve(std::size_t n) {
  auto old = in_.size();
  in_.resize(old + n);
  reserved_ = n;
  return in_.data() + old;
}

void ws_reader::commit(std::size_t m) {
  // reserve(n) then commit(m <= n): the tail that was not filled goes.
  in_.resize(in_.size() - reserved_ + std::min(m, reserved_));
  reserved_ = 0;
  if (failed_) release();  // after a failure what arrives is dropped
}

void ws_reader::release() {
  std::string().swap(in_);
  pos_ = 0;
}

void ws_reader::compact() {
  if (pos_ == 0) return;
  in_.erase(0, pos_);
  pos_ = 0;
}

ws_reader::event ws_reader::fail(std::uint16_t code, std::string_view why) {
  failed_ = true;
  release();
  std::string().swap(msg_);
  msg_op_ = 0;
  event e;
  e.k = event::kind::fail;
  e.code = code;
  e.data = std::string(why);
  return e;
}

ws_reader::event ws_reader::control(unsigned opcode, std::string payload) {
  event e;
  if (opcode == op_ping) {
    e.k = event::kind::ping;
    e.data = std::move(payload);
    return e;
  }
  if (opcode == op_pong) {
    e.k = event::kind::pong;
    return e;
  }
  // Close: a code (and a UTF-8 reason) or nothing at all (RFC 6455 5.5.1).
  if (payload.size() == 1) return fail(1002, "bad close frame");
  e.k = event::kind::close;
  e.code = 1005;
  if (payload.size() >= 2) {
    unsigned c = (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
    if (!valid_close_code(c)) return fail(1002, "bad close code");
    if (!core::valid_utf8(std::string_view(payload).substr(2))) return fail(1007, "close reason must be UTF-8");
    e.code = static_cast<std::uint16_t>(c);
    e.data = payload.substr(2);
  }
  return e;
}

ws_reader::event ws_reader::next() {
  if (failed_) {
    release();
    return {};
  }
  const auto* b = reinterpret_cast<const unsigned char*>(in_.data() + pos_);
  std::size_t have = in_.size() - pos_;
  if (have < 2) return {};
  bool fin = b[0] & 0x80;
  unsigned rsv = b[0] & 0x70, opcode = b[0] & 0x0F;
  bool masked = b[1] & 0x80;
  std::uint64_t len = b[1] & 0x7F;
  std::size_t head = 2;
  if (len == 126) {
    if (have < 4) return {};
    len = (std::uint64_t{b[2]} << 8) | b[3];
    head = 4;
  } else if (len == 127) {
    if (have < 10) return {};
    len = 0;
    for (int i = 2; i < 10; ++i) len = (len << 8) | b[i];
    head = 10;
    if (len >> 63) return fail(1002, "bad frame length");
  }
  if (rsv) return fail(1002, "reserved bits set");
  if (!masked) return fail(1002, "client frames must be masked");
  bool is_control = opcode & 0x8;
  if (is_control) {
    if (!fin || len > 125) return fail(1002, "bad control frame");
    if (opcode != op_close && opcode != op_ping && opcode != op_pong) return fail(1002, "unknown opcode");
  } else {
    if (opcode != op_continuation && opcode != op_text && opcode != op_binary) return fail(1002, "unknown opcode");
    if ((opcode == op_continuation) != (msg_op_ != 0)) return fail(1002, "bad fragmentation");
    if (len > max_message_ || msg_.size() + len > max_message_) return fail(1009, "message too big");
  }
  if (have < head + 4 + len) return {};
  const unsigned char* key = b + head;
  const char* payload = in_.data() + pos_ + head + 4;
  pos_ += head + 4 + len;
  if (is_control) {
    std::string p(payload, len);
    unmask(p.data(), p.size(), key);
    return control(opcode, std::move(p));
  }
  if (opcode != op_continuation) msg_op_ = static_cast<std::uint8_t>(opcode);
  auto at = msg_.size();
  msg_.append(payload, len);
  unmask(msg_.data() + at, len, key);
  event e;
  e.k = event::kind::progressed;
  if (!fin) return e;
  bool text = msg_op_ == op_text;
  msg_op_ = 0;
  if (closing_) {  // closing: what the peer still sends is not acted on
    msg_.clear();
    return e;
  }
  if (text && !core::valid_utf8(msg_)) return fail(1007, "text frames must be UTF-8");
  e.k = event::kind::message;
  e.text = text;
  e.data = std::move(msg_);
  msg_.clear();
  return e;
}

}  // namespace colibri::http::detail
