#include "colibri/chat/pipeline.hpp"

namespace colibri::chat {

pipeline::pipeline(asio::any_io_executor ex, std::size_t max_in_flight, std::function<void(answer)> out)
    : changed_(std::move(ex)), max_(max_in_flight == 0 ? 1 : max_in_flight), out_(std::move(out)) {
  changed_.expires_at(asio::steady_timer::time_point::max());
}

awaitable<void> pipeline::changed() {
  // Woken by cancel(): the expiry is never reset, so that a waiter going
  // back to sleep does not wake the others.
  co_await changed_.async_wait(asio::as_tuple(asio::use_awaitable));
}

awaitable<std::uint64_t> pipeline::start() {
  while (in_flight() >= max_) co_await changed();
  co_return next_++;
}

awaitable<void> pipeline::drained() {
  while (in_flight() > 0) co_await changed();
}

awaitable<void> pipeline::turn(std::uint64_t t) {
  while (turn_ < t) co_await changed();
}

void pipeline::pass(std::uint64_t t) {
  if (t < turn_ || t >= next_) return;
  passed_.insert(t);
  bool moved = false;
  for (auto it = passed_.begin(); it != passed_.end() && *it == turn_; it = passed_.erase(it)) {
    ++turn_;
    moved = true;
  }
  if (moved) changed_.cancel();
}

void pipeline::finish(std::uint64_t t, answer a) {
  if (t < answered_ || t >= next_) return;
  pass(t);
  early_[t] = std::move(a);
  bool moved = false;
  for (auto it = early_.begin(); it != early_.end() && it->first == answered_; it = early_.erase(it)) {
    if (it->second) out_(std::move(it->second));
    ++answered_;
    moved = true;
  }
  if (moved) changed_.cancel();
}

}  // namespace colibri::chat
