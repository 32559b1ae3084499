#include "ws_connection.hpp"

#include <algorithm>
#include <boost/asio/bind_allocator.hpp>
#include <vector>

#include "colibri/core/lasting.hpp"
#include "colibri/core/utf8.hpp"

namespace colibri::http::detail {

namespace {

constexpr std::uint8_t op_text = 0x1, op_close = 0x8, op_ping = 0x9, op_pong = 0xA;
constexpr std::size_t k_read_chunk = 4096;
constexpr std::size_t k_max_buffers_per_write = 128;

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
    : sock_(std::move(s)), lim_(lim), keepalive_(sock_.get_executor()), reader_(lim.max_message) {
  if (!already_read.empty()) {
    std::copy(already_read.begin(), already_read.end(), reader_.reserve(already_read.size()));
    reader_.commit(already_read.size());
  }
  boost::system::error_code ec;
  sock_.non_blocking(true, ec);
  sock_.set_option(tcp::no_delay(true), ec);
}

void ws_connection::start() { arm_keepalive(); }

void ws_connection::arm_keepalive() {
  keepalive_.expires_after(lim_.idle_timeout / 2);
  keepalive_.async_wait(
      asio::bind_allocator(core::lasting_allocator<void>{}, [self = shared_from_this()](boost::system::error_code ec) {
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
      }));
}

std::optional<std::optional<ws_frame>> ws_connection::poll() {
  using kind = ws_reader::event::kind;
  for (;;) {
    if (dead_ || close_received_) return std::optional<ws_frame>{};
    auto e = reader_.next();
    switch (e.k) {
      case kind::message:
        return std::optional<ws_frame>{ws_frame{std::move(e.data), e.text}};
      case kind::progressed:
      case kind::pong:
        continue;
      case kind::ping:
        on_ping(std::move(e.data));
        continue;
      case kind::close:
        on_close(e.code);  // the read side is done
        return std::optional<ws_frame>{};
      case kind::fail:
        // Keep reading (and dropping) until the peer leaves or the close times out.
        close(e.code, std::move(e.data), false);
        continue;
      case kind::need_more:
        break;
    }
    // Need more bytes. The wait is a read into the connection's own small
    // buffer: an idle socket holds no heap buffer, and unlike a readiness
    // wait (an epoll_ctl each time in Asio) a pending read costs no system
    // call to arm; a client's frame usually fits, and is all of it.
    if (reader_.empty())
      reader_.release();
    else
      reader_.compact();
    return std::nullopt;
  }
}

bool ws_connection::took(boost::system::error_code ec, std::size_t n) {
  if (ec || dead_) {  // EOF or reset: the peer is gone, with or without a close frame
    finish();
    return false;
  }
  heard_ = true;
  std::copy_n(first_.data(), n, reader_.reserve(n));
  reader_.commit(n);
  if (n < first_.size()) return true;
  // More may be waiting: the rest in one system call (doubling for a large frame).
  auto want = std::max(k_read_chunk, reader_.buffered());
  boost::system::error_code rec;
  auto m = sock_.read_some(asio::buffer(reader_.reserve(want), want), rec);
  reader_.commit(rec ? 0 : m);
  if (rec && rec != asio::error::would_block && rec != asio::error::try_again) {
    finish();
    return false;
  }
  return true;
}

awaitable<std::optional<ws_frame>> ws_connection::read() {
  for (;;) {
    if (auto r = poll()) co_return std::move(*r);
    auto [ec, n] = co_await sock_.async_read_some(asio::buffer(first_), asio::as_tuple(asio::use_awaitable));
    if (!took(ec, n)) co_return std::nullopt;
  }
}

void ws_connection::async_read(frame_callback cb) {
  if (auto r = poll()) {
    asio::post(sock_.get_executor(), [cb = std::move(cb), f = std::move(*r)]() mutable { cb(std::move(f)); });
    return;
  }
  wait_bytes(std::move(cb));
}

void ws_connection::wait_bytes(frame_callback cb) {
  // The pending read of an idle socket: its memory is the connection's
  // (colibri/core/lasting.hpp), not a block recycled from the handshake.
  auto on_bytes = [self = shared_from_this(), cb = std::move(cb)](boost::system::error_code ec, std::size_t n) mutable {
    if (!self->took(ec, n)) return cb(std::nullopt);
    auto r = self->poll();
    if (!r) return self->wait_bytes(std::move(cb));
    cb(std::move(*r));
  };
  sock_.async_read_some(asio::buffer(first_),
                        asio::bind_allocator(core::lasting_allocator<void>{}, std::move(on_bytes)));
}

void ws_connection::on_ping(std::string payload) {
  if (close_queued_) return;
  auto p = std::make_shared<const std::string>(std::move(payload));
  bool started = pong_at_ == out_head_ && out_offset_ > 0;
  if (queued_pongs_ >= k_max_pongs && pong_at_ != k_none && !started) {
    auto& f = out_[pong_at_];
    queued_bytes_ -= f.payload->size();
    queued_bytes_ += p->size();
    f.head[1] = static_cast<unsigned char>(p->size());  // <= 125: one length byte
    f.payload = std::move(p);
    return;
  }
  enqueue(op_pong, std::move(p));
  pong_at_ = out_.size() - 1;
}

void ws_connection::on_close(std::uint16_t code) {
  // Echo their code (RFC 6455 5.5.1), unless we already sent ours.
  close_received_ = true;
  reader_.set_closing();
  if (!close_queued_) {
    close_queued_ = true;
    enqueue(op_close, code == 1005 ? std::make_shared<const std::string>() : close_payload(code, ""));
  } else if (out_empty()) {
    finish();  // ours was written already: the handshake is complete
  }
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
      if (f.opcode == op_pong) --queued_pongs_;
      queued_bytes_ -= f.size();
      if (f.opcode == op_text) --queued_data_frames_;
      out_.pop_back();
    }
  }
  close_queued_ = true;
  reader_.set_closing();
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
  if (opcode == op_pong) ++queued_pongs_;
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
      if (out_[out_head_].opcode == op_pong) --queued_pongs_;
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
  queued_pongs_ = 0;
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
  reader_.release();
}

}  // namespace colibri::http::detail
