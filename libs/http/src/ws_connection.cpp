#include "ws_connection.hpp"

#include <algorithm>
#include <vector>

#include "colibri/core/utf8.hpp"

namespace colibri::http::detail {

namespace {

constexpr std::uint8_t op_continuation = 0x0, op_text = 0x1, op_binary = 0x2, op_close = 0x8, op_ping = 0x9,
                       op_pong = 0xA;
constexpr std::size_t k_read_chunk = 4096;
constexpr std::size_t k_max_buffers_per_write = 128;

bool valid_close_code(unsigned c) {
  return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
}

void unmask(char* p, std::size_t n, const unsigned char* key) {
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<char>(static_cast<unsigned char>(p[i]) ^ key[i & 3]);
}

std::shared_ptr<const std::string> close_payload(std::uint16_t code, std::string_view reason) {
  std::string p;
  p.push_back(static_cast<char>(code >> 8));
  p.push_back(static_cast<char>(code & 0xFF));
  // A control frame holds 125 bytes; cut the reason on a character boundary.
  auto r = reason.substr(0, 123);
  while (!r.empty() && !core::valid_utf8(r)) r.remove_suffix(1);
  p.append(r);
  return std::make_shared<const std::string>(std::move(p));
}

}  // namespace

ws_connection::ws_connection(tcp::socket s, std::string already_read, ws_limits lim)
    : sock_(std::move(s)), lim_(lim), keepalive_(sock_.get_executor()), in_(std::move(already_read)) {
  boost::system::error_code ec;
  sock_.non_blocking(true, ec);
  sock_.set_option(tcp::no_delay(true), ec);
}

void ws_connection::start() { arm_keepalive(); }

void ws_connection::arm_keepalive() {
  keepalive_.expires_after(lim_.idle_timeout / 2);
  keepalive_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->dead_) return;
    if (self->heard_) {
      self->heard_ = false;
      self->ping_outstanding_ = false;
    } else if (self->ping_outstanding_) {
      self->finish();  // silent for idle_timeout, even to a ping
      return;
    } else if (!self->close_queued_) {
      self->ping_outstanding_ = true;
      self->enqueue(op_ping, std::make_shared<const std::string>());
    }
    self->arm_keepalive();
  });
}

awaitable<std::optional<ws_frame>> ws_connection::read() {
  for (;;) {
    if (dead_ || close_received_) co_return std::nullopt;
    ws_frame f;
    auto s = discard_input_ ? step::need_more : parse(f);
    if (s == step::message) co_return f;
    if (s == step::ended) co_return std::nullopt;
    if (s == step::progressed) continue;
    // Need more bytes. An idle socket waits without a buffer.
    if (in_pos_ == in_.size()) {
      std::string().swap(in_);  // an idle socket keeps no buffer
      in_pos_ = 0;
      auto [ec] = co_await sock_.async_wait(tcp::socket::wait_read, asio::as_tuple(asio::use_awaitable));
      if (ec || dead_) {
        finish();
        co_return std::nullopt;
      }
    } else if (in_pos_ > 0) {
      in_.erase(0, in_pos_);
      in_pos_ = 0;
    }
    auto old = in_.size();
    in_.resize(old + std::max(k_read_chunk, old));  // doubles for a large frame
    boost::system::error_code ec;
    auto n = sock_.read_some(asio::buffer(in_.data() + old, in_.size() - old), ec);
    in_.resize(old + n);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      auto [wec] = co_await sock_.async_wait(tcp::socket::wait_read, asio::as_tuple(asio::use_awaitable));
      if (wec || dead_) {
        finish();
        co_return std::nullopt;
      }
      continue;
    }
    if (ec) {  // EOF or reset: the peer is gone, with or without a close frame
      finish();
      co_return std::nullopt;
    }
    heard_ = true;
    if (discard_input_) {
      in_.clear();
      in_pos_ = 0;
    }
  }
}

ws_connection::step ws_connection::parse(ws_frame& out) {
  const auto* b = reinterpret_cast<const unsigned char*>(in_.data() + in_pos_);
  std::size_t have = in_.size() - in_pos_;
  if (have < 2) return step::need_more;
  bool fin = b[0] & 0x80;
  unsigned rsv = b[0] & 0x70, opcode = b[0] & 0x0F;
  bool masked = b[1] & 0x80;
  std::uint64_t len = b[1] & 0x7F;
  std::size_t head = 2;
  if (len == 126) {
    if (have < 4) return step::need_more;
    len = (std::uint64_t{b[2]} << 8) | b[3];
    head = 4;
  } else if (len == 127) {
    if (have < 10) return step::need_more;
    len = 0;
    for (int i = 2; i < 10; ++i) len = (len << 8) | b[i];
    head = 10;
    if (len >> 63) return fail(1002, "bad frame length");
  }
  if (rsv) return fail(1002, "reserved bits set");
  if (!masked) return fail(1002, "client frames must be masked");
  bool control = opcode & 0x8;
  if (control) {
    if (!fin || len > 125) return fail(1002, "bad control frame");
    if (opcode != op_close && opcode != op_ping && opcode != op_pong) return fail(1002, "unknown opcode");
  } else {
    if (opcode != op_continuation && opcode != op_text && opcode != op_binary) return fail(1002, "unknown opcode");
    if ((opcode == op_continuation) != (msg_op_ != 0)) return fail(1002, "bad fragmentation");
    if (len > lim_.max_message || msg_.size() + len > lim_.max_message) return fail(1009, "message too big");
  }
  if (have < head + 4 + len) return step::need_more;
  const unsigned char* key = b + head;
  const char* payload = in_.data() + in_pos_ + head + 4;
  in_pos_ += head + 4 + len;
  if (control) {
    std::string p(payload, len);
    unmask(p.data(), p.size(), key);
    return on_control(opcode, std::move(p));
  }
  if (opcode != op_continuation) msg_op_ = static_cast<std::uint8_t>(opcode);
  auto at = msg_.size();
  msg_.append(payload, len);
  unmask(msg_.data() + at, len, key);
  if (!fin) return step::progressed;
  bool text = msg_op_ == op_text;
  msg_op_ = 0;
  if (close_queued_) {  // closing: what the peer still sends is not acted on
    msg_.clear();
    return step::progressed;
  }
  if (text && !core::valid_utf8(msg_)) return fail(1007, "text frames must be UTF-8");
  out.text = text;
  out.data = std::move(msg_);
  msg_.clear();
  return step::message;
}

ws_connection::step ws_connection::on_control(unsigned opcode, std::string payload) {
  if (opcode == op_ping) {
    if (close_queued_) return step::progressed;
    auto p = std::make_shared<const std::string>(std::move(payload));
    bool started = pong_at_ == out_head_ && out_offset_ > 0;
    if (pong_at_ != k_none && !started) {
      auto& f = out_[pong_at_];
      queued_bytes_ -= f.payload->size();
      queued_bytes_ += p->size();
      f.head[1] = static_cast<unsigned char>(p->size());  // <= 125: one length byte
      f.payload = std::move(p);
      return step::progressed;
    }
    enqueue(op_pong, std::move(p));
    pong_at_ = out_.size() - 1;
    return step::progressed;
  }
  if (opcode == op_pong) return step::progressed;
  // Close: echo their code (RFC 6455 5.5.1), unless we already sent ours.
  std::uint16_t code = 1000;
  if (payload.size() == 1) return fail(1002, "bad close frame");
  if (payload.size() >= 2) {
    unsigned c = (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
    if (!valid_close_code(c)) return fail(1002, "bad close code");
    if (!core::valid_utf8(std::string_view(payload).substr(2))) return fail(1007, "close reason must be UTF-8");
    code = static_cast<std::uint16_t>(c);
  }
  close_received_ = true;
  if (!close_queued_) {
    close_queued_ = true;
    enqueue(op_close, payload.empty() ? std::make_shared<const std::string>() : close_payload(code, ""));
  } else if (out_empty()) {
    finish();  // ours was written already: the handshake is complete
  }
  return step::ended;
}

ws_connection::step ws_connection::fail(std::uint16_t code, std::string_view reason) {
  discard_input_ = true;
  in_.clear();
  in_pos_ = 0;
  msg_.clear();
  close(code, std::string(reason), false);
  return step::need_more;  // keep reading (and discarding) until the peer leaves or the close times out
}

void ws_connection::send(std::shared_ptr<const std::string> text) {
  if (dead_ || close_queued_) return;
  enqueue(op_text, std::move(text));
}

void ws_connection::close(std::uint16_t code, std::string reason, bool drop_queued) {
  if (dead_ || close_queued_) return;
  if (drop_queued && !out_empty()) {
    // A frame partly written must be finished, or the stream is garbage.
    auto keep = out_head_ + (out_offset_ > 0 ? 1 : 0);
    while (out_.size() > keep) {
      if (pong_at_ == out_.size() - 1) pong_at_ = k_none;
      auto& f = out_.back();
      queued_bytes_ -= f.size();
      if (f.opcode == op_text) --queued_data_frames_;
      out_.pop_back();
    }
  }
  close_queued_ = true;
  enqueue(op_close, close_payload(code, reason));
  close_timer_ = std::make_unique<asio::steady_timer>(sock_.get_executor(), lim_.close_timeout);
  close_timer_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->finish();
  });
}

void ws_connection::enqueue(std::uint8_t opcode, std::shared_ptr<const std::string> payload) {
  out_frame f;
  f.opcode = opcode;
  f.head[0] = static_cast<unsigned char>(0x80 | opcode);
  auto n = payload->size();
  if (n < 126) {
    f.head[1] = static_cast<unsigned char>(n);
    f.head_len = 2;
  } else if (n <= 0xFFFF) {
    f.head[1] = 126;
    f.head[2] = static_cast<unsigned char>(n >> 8);
    f.head[3] = static_cast<unsigned char>(n);
    f.head_len = 4;
  } else {
    f.head[1] = 127;
    for (int i = 0; i < 8; ++i) f.head[2 + i] = static_cast<unsigned char>(std::uint64_t{n} >> (56 - 8 * i));
    f.head_len = 10;
  }
  f.payload = std::move(payload);
  queued_bytes_ += f.size();
  if (opcode == op_text) ++queued_data_frames_;
  out_.push_back(std::move(f));
  schedule_flush();
}

// Frames queued by one handler (a burst of room events) leave together.
void ws_connection::schedule_flush() {
  if (corked_ || flush_posted_ || waiting_writable_) return;
  flush_posted_ = true;
  asio::post(sock_.get_executor(), [self = shared_from_this()] {
    self->flush_posted_ = false;
    self->flush();
  });
}

void ws_connection::flush() {
  if (dead_ || waiting_writable_) return;
  thread_local std::vector<asio::const_buffer> bufs;
  while (!out_empty()) {
    bufs.clear();
    std::size_t skip = out_offset_;
    for (auto it = out_.begin() + static_cast<std::ptrdiff_t>(out_head_); it != out_.end(); ++it) {
      const auto& f = *it;
      if (bufs.size() + 2 > k_max_buffers_per_write) break;
      asio::const_buffer h(f.head.data(), f.head_len), p(f.payload->data(), f.payload->size());
      if (skip >= h.size()) {
        skip -= h.size();
      } else {
        bufs.push_back(h + skip);
        skip = 0;
      }
      if (p.size() > skip) bufs.push_back(p + skip);
      skip = 0;
    }
    boost::system::error_code ec;
    auto n = sock_.write_some(bufs, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      waiting_writable_ = true;
      sock_.async_wait(tcp::socket::wait_write, [self = shared_from_this()](boost::system::error_code wec) {
        self->waiting_writable_ = false;
        if (wec) return self->finish();
        self->flush();
      });
      return;
    }
    if (ec) return finish();
    queued_bytes_ -= n;
    n += out_offset_;
    while (!out_empty() && n >= out_[out_head_].size()) {
      n -= out_[out_head_].size();
      bool was_close = out_[out_head_].opcode == op_close;
      if (out_[out_head_].opcode == op_text) --queued_data_frames_;
      if (pong_at_ == out_head_) pong_at_ = k_none;
      out_[out_head_++].payload.reset();
      if (out_empty()) clear_out();
      if (was_close) {
        out_offset_ = 0;
        return on_close_written();
      }
    }
    out_offset_ = n;
    if (out_head_ > 64 && out_head_ * 2 > out_.size()) {  // a steady stream: drop what was written
      out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(out_head_));
      if (pong_at_ != k_none) pong_at_ -= out_head_;
      out_head_ = 0;
    }
  }
}

void ws_connection::clear_out() {
  std::vector<out_frame>().swap(out_);  // an idle socket keeps no queue storage
  out_head_ = 0;
  pong_at_ = k_none;
}

void ws_connection::on_close_written() {
  clear_out();
  queued_bytes_ = queued_data_frames_ = 0;
  if (close_received_) return finish();
  // Our close is out: the peer answers with its own and sees our end of the
  // stream; read() drains until then (bounded by close_timeout).
  boost::system::error_code ec;
  sock_.shutdown(tcp::socket::shutdown_send, ec);
}

void ws_connection::finish() {
  if (dead_) return;
  dead_ = true;
  boost::system::error_code ec;
  keepalive_.cancel();
  if (close_timer_) close_timer_->cancel();
  sock_.shutdown(tcp::socket::shutdown_both, ec);
  sock_.close(ec);
  clear_out();
  queued_bytes_ = queued_data_frames_ = 0;
  std::string().swap(in_);
  std::string().swap(msg_);
}

}  // namespace colibri::http::detail
