#include "colibri/chat/hub.hpp"

#include "colibri/chat/session.hpp"
#include "colibri/core/log.hpp"
#include "colibri/json/value.hpp"

namespace colibri::chat {

using namespace std::chrono_literals;

hub::hub(asio::any_io_executor ex, std::shared_ptr<roomlog::room_log> log, redis::subscriber& sub)
    : ex_(std::move(ex)), log_(std::move(log)), sub_(sub) {}

std::size_t hub::rooms() const {
  std::lock_guard lk(mutex_);
  return rooms_.size();
}

std::vector<hub::held> hub::subscriptions() const {
  std::lock_guard lk(mutex_);
  std::vector<held> out;
  for (const auto& [room, r] : rooms_)
    for (const auto& [p, w] : r.subs) out.push_back({room, w});
  return out;
}

awaitable<std::int64_t> hub::join(std::string room, std::shared_ptr<session> s) {
  bool first = false;
  {
    std::lock_guard lk(mutex_);
    auto [it, inserted] = rooms_.try_emplace(room);
    if (inserted) it->second.name = std::make_shared<const std::string>(room);
    it->second.subs[s.get()] = s;
    first = inserted;
  }
  if (first) {
    // Subscribe before reading the last seq: anything published in between is
    // either at most `last` (dropped) or after it (delivered, or a hole that
    // PostgreSQL fills).
    sub_.subscribe(roomlog::room_channel(room));
    co_await init(room);
  }
  asio::steady_timer wait(co_await asio::this_coro::executor);
  for (int i = 0; i < 1000; ++i) {
    {
      std::lock_guard lk(mutex_);
      auto it = rooms_.find(room);
      if (it == rooms_.end()) break;
      if (it->second.ready) co_return it->second.last;
    }
    // Another session's join is reading the room's state.
    wait.expires_after(5ms);
    co_await wait.async_wait(asio::use_awaitable);
  }
  throw core::dependency_unavailable("room state not ready");
}

awaitable<void> hub::init(std::string room) {
  std::int64_t last = 0;
  try {
    last = co_await log_->last_seq(room);
  } catch (...) {
    std::lock_guard lk(mutex_);
    rooms_.erase(room);  // the next join tries again
    sub_.unsubscribe(roomlog::room_channel(room));
    throw;
  }
  std::lock_guard lk(mutex_);
  auto it = rooms_.find(room);
  if (it == rooms_.end()) co_return;
  it->second.last = last;
  it->second.ready = true;
  drain_locked(room, it->second);
}

void hub::leave(const std::string& room, session* s) {
  std::lock_guard lk(mutex_);
  auto it = rooms_.find(room);
  if (it == rooms_.end()) return;
  it->second.subs.erase(s);
  if (it->second.subs.empty() && it->second.ready) {
    rooms_.erase(it);
    sub_.unsubscribe(roomlog::room_channel(room));
  }
}

void hub::on_message(std::string_view channel, std::string_view frame) {
  constexpr std::string_view prefix = "colibri:room:";
  if (!channel.starts_with(prefix)) return;
  std::string room(channel.substr(prefix.size()));
  auto doc = json::parse(frame);
  if (!doc) return;
  auto seq = doc->find("seq");
  auto shared = std::make_shared<const std::string>(frame);
  std::lock_guard lk(mutex_);
  auto it = rooms_.find(room);
  if (it == rooms_.end()) return;
  auto& r = it->second;
  if (!seq || !seq->as_int()) {
    // Ephemeral frames (typing): no order to keep, nothing to recover.
    for (auto& [p, w] : r.subs)
      if (auto s = w.lock()) s->post_event(r.name, 0, shared);
    return;
  }
  auto n = *seq->as_int();
  if (!r.ready || n > r.last + 1) {
    if (r.early.size() < 10000) r.early.emplace(n, shared);
    if (r.ready) schedule_fill(room, 50ms);  // give a late Redis message a moment, then ask PostgreSQL
    return;
  }
  if (n <= r.last) return;  // already delivered
  deliver_locked(room, r, n, shared);
  drain_locked(room, r);
}

void hub::deliver_locked(const std::string&, room_state& r, std::int64_t seq, std::shared_ptr<const std::string> frame) {
  r.last = seq;
  for (auto& [p, w] : r.subs)
    if (auto s = w.lock()) s->post_event(r.name, seq, frame);
}

void hub::drain_locked(const std::string& room, room_state& r) {
  while (!r.early.empty()) {
    auto it = r.early.begin();
    if (it->first <= r.last) {
      r.early.erase(it);
      continue;
    }
    if (it->first != r.last + 1) {
      schedule_fill(room, 50ms);
      return;
    }
    auto frame = it->second;
    auto seq = it->first;
    r.early.erase(it);
    deliver_locked(room, r, seq, frame);
  }
}

// Called with mutex_ held.
void hub::schedule_fill(const std::string& room, std::chrono::milliseconds delay) {
  auto found = rooms_.find(room);
  if (found == rooms_.end()) return;
  auto& r = found->second;
  if (r.filling) return;
  r.filling = true;
  asio::co_spawn(ex_, fill(room, delay), [self = shared_from_this(), room](std::exception_ptr ep) {
    if (!ep) return;
    log::warn("room catch-up failed; retrying", {{"room", room}});
    std::lock_guard lk(self->mutex_);
    if (auto it = self->rooms_.find(room); it != self->rooms_.end()) {
      it->second.filling = false;
      self->schedule_fill(room, 500ms);
    }
  });
}

awaitable<void> hub::fill(std::string room, std::chrono::milliseconds delay) {
  asio::steady_timer t(ex_);
  t.expires_after(delay);
  co_await t.async_wait(asio::use_awaitable);
  for (;;) {
    std::int64_t from;
    {
      std::lock_guard lk(mutex_);
      auto it = rooms_.find(room);
      if (it == rooms_.end()) co_return;
      if (!it->second.ready) {
        it->second.filling = false;  // init() drains and fills once ready
        co_return;
      }
      from = it->second.last;
    }
    auto page = co_await log_->read_after(room, from, 500);
    std::lock_guard lk(mutex_);
    auto it = rooms_.find(room);
    if (it == rooms_.end()) co_return;
    auto& r = it->second;
    for (const auto& e : page.events)
      if (e.seq == r.last + 1) deliver_locked(room, r, e.seq, std::make_shared<const std::string>(roomlog::event_frame(e)));
    if (!page.has_more) {
      r.filling = false;
      drain_locked(room, r);
      co_return;
    }
  }
}

void hub::on_redis_lost() {
  // Nothing to do yet: what was published meanwhile is read back on reconnect.
}

void hub::on_redis_back() {
  std::lock_guard lk(mutex_);
  for (auto& [room, r] : rooms_)
    if (r.ready) schedule_fill(room, 0ms);
}

}  // namespace colibri::chat
