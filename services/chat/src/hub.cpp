#include "colibri/chat/hub.hpp"

#include <algorithm>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <chrono>
#include <cstdio>
#include <random>

#include "colibri/core/log.hpp"
#include "colibri/json/value.hpp"

namespace colibri::chat {

using namespace std::chrono_literals;

namespace {
// KEYS: the room's presence set and its last published count ("count:ms").
// ARGV: channel, room, ttl ms, force ("1" publishes even an unchanged count,
// at once), the publishing command (PUBLISH, or SPUBLISH in a cluster, where
// the keys share the channel's slot), the fan-out budget (frames per second:
// a count of n is published at least n / budget seconds after the previous
// one), how many of the members that follow are present (added or renewed;
// the others are removed), then the members ("gateway|user"). Returns 0, or
// in how many ms a changed count held back by the budget may be published
// (the caller calls again then).
// The script's arguments before the members: EVAL, the script, the key
// count, the 2 keys and ARGV[1..7]; the last of them is how many are present.
constexpr std::size_t k_presence_fixed_args = 12;
constexpr const char* k_presence_script = R"lua(
local key, countkey = KEYS[1], KEYS[2]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
local present = 7 + tonumber(ARGV[7])
for i = 8, #ARGV do
  if i > present then redis.call('ZREM', key, ARGV[i]) else redis.call('ZADD', key, now + ttl, ARGV[i]) end
end
local seen, n = {}, 0
for _, m in ipairs(redis.call('ZRANGE', key, 0, -1)) do
  local u = string.match(m, '[^|]*$')
  if not seen[u] then seen[u] = true; n = n + 1 end
end
local prev, sent = -1, 0
local v = redis.call('GET', countkey)
if v then
  local a, b = string.match(v, '^(%d+):(%d+)$')
  if a then prev, sent = tonumber(a), tonumber(b) end
end
local wait = 0
if n ~= prev or ARGV[4] == '1' then
  local gap = math.floor(n * 1000 / tonumber(ARGV[6]))
  if ARGV[4] == '1' or now - sent >= gap then
    redis.call(ARGV[5], ARGV[1], '{"type":"presence","room":"' .. ARGV[2] .. '","online_count":' .. n .. '}')
    prev, sent = n, now
  else
    wait = sent + gap - now
  end
end
if n == 0 and wait == 0 then
  redis.call('DEL', key, countkey)
else
  redis.call('PEXPIRE', key, ttl * 2)
  redis.call('SET', countkey, prev .. ':' .. sent, 'PX', ttl * 2)
end
return wait
)lua";

std::string random_id() {
  std::random_device rd;
  std::uniform_int_distribution<std::uint64_t> d;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(d(rd)));
  return buf;
}
}  // namespace

awaitable<std::int64_t> redis_room_source::last_seq(std::string room) { return log_->last_seq(std::move(room)); }

awaitable<roomlog::page> redis_room_source::read_after(std::string room, std::int64_t after_seq, int limit) {
  return log_->read_after(std::move(room), after_seq, limit);
}

void redis_room_source::subscribe(const std::string& room, std::function<void()> on_live) {
  sub_.subscribe(roomlog::room_channel(room), std::move(on_live));
}

void redis_room_source::unsubscribe(const std::string& room) { sub_.unsubscribe(roomlog::room_channel(room)); }

awaitable<std::optional<std::int64_t>> redis_room_source::call(std::vector<std::string> args) {
  return pub_.call(std::move(args), std::chrono::seconds(2));
}

bool redis_room_source::sharded() const { return pub_.sharded(); }

hub::hub(asio::any_io_executor ex, std::shared_ptr<room_source> source, presence_settings ps)
    : ex_(std::move(ex)), source_(std::move(source)), presence_(ps), gateway_id_(random_id()) {}

void hub::presence_send_locked(const std::string& room, const std::vector<std::int64_t>& present,
                               const std::vector<std::int64_t>& absent, bool force) {
  auto channel = roomlog::room_channel(room);
  bool sharded = source_->sharded();
  // In a cluster the keys carry the channel as their hash tag: one slot, one shard.
  auto key = sharded ? "{" + channel + "}:presence" : "colibri:presence:" + room;
  std::vector<std::string> args{"EVAL",
                                k_presence_script,
                                "2",
                                key,
                                key + ":n",
                                channel,
                                room,
                                std::to_string(presence_.ttl.count()),
                                force ? "1" : "0",
                                sharded ? "SPUBLISH" : "PUBLISH",
                                std::to_string(presence_.fanout_per_second),
                                std::to_string(present.size())};
  for (auto u : present) args.push_back(gateway_id_ + "|" + std::to_string(u));
  for (auto u : absent) args.push_back(gateway_id_ + "|" + std::to_string(u));
  asio::co_spawn(ex_, presence_call(room, std::move(args)), asio::detached);
}

awaitable<void> hub::presence_call(std::string room, std::vector<std::string> args) {
  // Spawned under mutex_: runs once the caller has let it go.
  co_await asio::post(ex_, asio::use_awaitable);
  auto wait = co_await source_->call(args);
  if (!wait || *wait <= 0) co_return;
  // The count changed but the room's budget held it back: this gateway asks
  // again when it may go out (the last change may be nobody's but ours).
  {
    std::lock_guard lk(mutex_);
    if (auto it = rooms_.find(room); it != rooms_.end()) {
      auto& r = it->second;
      r.presence_nudge = true;
      if (r.presence_timer) co_return;  // that flush sends the nudge
      r.presence_timer = true;
      asio::co_spawn(ex_, presence_later(room, std::chrono::milliseconds(*wait)), asio::detached);
      co_return;
    }
  }
  // This gateway's last member left: it still sends the held-back count,
  // with no entries of its own (a few calls at most: each one comes when the
  // last count may go out).
  args.resize(k_presence_fixed_args);
  args.back() = "0";
  for (int i = 0; i < 10 && wait && *wait > 0; ++i) {
    asio::steady_timer t(ex_);
    t.expires_after(std::chrono::milliseconds(*wait));
    co_await t.async_wait(asio::use_awaitable);
    wait = co_await source_->call(args);
  }
}

std::chrono::milliseconds hub::presence_interval(const room_state& r) const {
  // Each call of the script counts the room's entries: a gateway calls it
  // for a room at most once per online / fanout_per_second seconds, the
  // changes of that time together (joins into a 20,000-member room would
  // otherwise cost a count of 20,000 entries each). The script applies the
  // same budget to what it publishes, for all gateways together.
  auto online = r.online_count.value_or(0);
  auto ms = online * 1000 / std::max<std::int64_t>(1, presence_.fanout_per_second);
  return std::min(std::chrono::milliseconds(ms), presence_.refresh_every);
}

void hub::presence_changed_locked(const std::string& room, room_state& r, std::int64_t uid, bool force) {
  r.presence_changed.insert(uid);
  r.presence_force = r.presence_force || force;
  if (r.presence_timer) return;  // the pending flush takes this one too
  auto due = r.presence_sent + presence_interval(r);
  auto now = std::chrono::steady_clock::now();
  if (due <= now) {
    presence_flush_locked(room, r, false);
    return;
  }
  r.presence_timer = true;
  asio::co_spawn(ex_, presence_later(room, std::chrono::ceil<std::chrono::milliseconds>(due - now)), asio::detached);
}

awaitable<void> hub::presence_later(std::string room, std::chrono::milliseconds delay) {
  asio::steady_timer t(ex_);
  t.expires_after(delay);
  co_await t.async_wait(asio::use_awaitable);
  std::lock_guard lk(mutex_);
  auto it = rooms_.find(room);
  if (it == rooms_.end()) co_return;  // flushed when the room was dropped
  it->second.presence_timer = false;
  presence_flush_locked(room, it->second, false);
}

void hub::presence_flush_locked(const std::string& room, room_state& r, bool everyone) {
  std::vector<std::int64_t> present, absent;
  for (auto uid : r.presence_changed)
    if (!r.users.contains(uid)) absent.push_back(uid);
  if (everyone) {
    for (auto& [u, n] : r.users) present.push_back(u);
  } else {
    for (auto uid : r.presence_changed)
      if (r.users.contains(uid)) present.push_back(uid);
  }
  bool force = r.presence_force, nudge = r.presence_nudge;
  r.presence_changed.clear();
  r.presence_force = false;
  r.presence_nudge = false;
  if (present.empty() && absent.empty() && !nudge) return;
  r.presence_sent = std::chrono::steady_clock::now();
  presence_send_locked(room, present, absent, force);
}

awaitable<void> hub::presence_loop() {
  asio::steady_timer t(ex_);
  for (;;) {
    t.expires_after(presence_.refresh_every);
    co_await t.async_wait(asio::use_awaitable);
    std::lock_guard lk(mutex_);
    // Renews every entry of this gateway, and sends what a pending flush held.
    for (auto& [room, r] : rooms_) presence_flush_locked(room, r, true);
  }
}

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

// A join waiting for the room's state that another coroutine reads: woken
// (from any thread) through a one-slot channel when the state is ready or
// dropped, or by its deadline.
struct hub::waiter {
  explicit waiter(asio::any_io_executor ex) : signal(std::move(ex), 1) {}
  asio::experimental::concurrent_channel<void(boost::system::error_code)> signal;
};

void hub::wake_locked(room_state& r) {
  for (auto& w : r.waiters) w->signal.try_send(boost::system::error_code{});
  r.waiters.clear();
}

awaitable<hub::joined> hub::join(std::string room, std::shared_ptr<room_listener> s) {
  auto uid = s->user_id();
  auto ex = co_await asio::this_coro::executor;
  bool counted = false;
  std::shared_ptr<waiter> w;
  {
    std::lock_guard lk(mutex_);
    auto [it, first] = rooms_.try_emplace(room);
    auto& r = it->second;
    if (first) r.name = std::make_shared<const std::string>(room);
    counted = r.subs.insert_or_assign(s.get(), s).second && ++r.users[uid] == 1;
    if (r.ready) co_return joined_locked(room, r, uid, counted);
    w = std::make_shared<waiter>(ex);
    r.waiters.push_back(w);
    if (first) {
      // The room's last seq is read once Redis has confirmed the
      // subscription: whatever is published after that read arrives here, or
      // leaves a hole that PostgreSQL fills.
      source_->subscribe(
          room, [self = shared_from_this(), room] { asio::co_spawn(self->ex_, self->init(room), asio::detached); });
    }
  }
  // The state is being read (by this join or another one).
  asio::steady_timer deadline(ex);
  deadline.expires_after(presence_.join_deadline);
  deadline.async_wait([w](boost::system::error_code ec) {
    if (!ec) w->signal.cancel();
  });
  co_await w->signal.async_receive(asio::as_tuple(asio::use_awaitable));
  deadline.cancel();
  {
    std::lock_guard lk(mutex_);
    auto it = rooms_.find(room);
    // Dropped meanwhile (PostgreSQL could not be read; a later join may
    // have started again without this one): the next join tries again.
    if (it == rooms_.end() || !it->second.subs.contains(s.get()))
      throw core::dependency_unavailable("room state unavailable");
    if (it->second.ready) co_return joined_locked(room, it->second, uid, counted);
  }
  leave(room, s.get());  // the deadline passed
  throw core::dependency_unavailable("room state not ready");
}

hub::joined hub::joined_locked(const std::string& room, room_state& r, std::int64_t uid, bool counted) {
  // Sent once the room's channel is live here, so this gateway hears the
  // count too; forced when no count was heard yet.
  if (counted) presence_changed_locked(room, r, uid, /*force=*/!r.online_count);
  return joined{r.last, r.online_count};
}

awaitable<void> hub::init(std::string room) {
  std::uint64_t epoch;
  {
    std::lock_guard lk(mutex_);
    epoch = redis_epoch_;
  }
  std::int64_t last = 0;
  try {
    last = co_await source_->last_seq(room);
  } catch (const std::exception& e) {
    log::warn("room state unavailable", {{"room", room}, {"error", e.what()}});
    std::lock_guard lk(mutex_);
    if (auto it = rooms_.find(room); it != rooms_.end()) {
      wake_locked(it->second);  // waiting joins fail (unavailable); the next one tries again
      rooms_.erase(it);
    }
    source_->unsubscribe(room);
    co_return;
  }
  std::lock_guard lk(mutex_);
  auto it = rooms_.find(room);
  if (it == rooms_.end()) co_return;
  auto& r = it->second;
  r.last = last;
  r.ready = true;
  wake_locked(r);
  if (r.subs.empty()) {  // everyone left meanwhile
    rooms_.erase(it);
    source_->unsubscribe(room);
    co_return;
  }
  drain_locked(room, r);
  // Redis came back while the last seq was read: events of the outage may
  // be missing here.
  if (redis_epoch_ != epoch) schedule_fill(room, 0ms);
}

void hub::leave(const std::string& room, room_listener* s) {
  std::lock_guard lk(mutex_);
  auto it = rooms_.find(room);
  if (it == rooms_.end()) return;
  auto& r = it->second;
  auto found = r.subs.find(s);
  if (found == r.subs.end()) return;
  r.subs.erase(found);
  if (auto u = r.users.find(s->user_id()); u != r.users.end() && --u->second == 0) {
    r.users.erase(u);
    presence_changed_locked(room, r, s->user_id(), false);
  }
  if (r.subs.empty() && r.ready) {
    presence_flush_locked(room, r, false);  // this gateway's last leavers, at once
    rooms_.erase(it);
    source_->unsubscribe(room);
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
    // Ephemeral frames (typing, presence): no order to keep, nothing to recover.
    if (auto n = doc->find("online_count"); n && n->as_int()) r.online_count = *n->as_int();
    for (auto& [p, w] : r.subs)
      if (auto s = w.lock()) s->post_event(r.name, 0, shared);
    return;
  }
  auto n = *seq->as_int();
  if (!r.ready || n > r.last + 1) {
    if (r.early.size() < 10000) r.early.emplace(n, shared);
    if (r.ready) schedule_fill(room, 50ms, true);  // give a late Redis message a moment, then ask PostgreSQL
    return;
  }
  if (n <= r.last) return;  // already delivered
  deliver_locked(room, r, n, shared);
  drain_locked(room, r);
}

void hub::deliver_locked(const std::string&, room_state& r, std::int64_t seq,
                         std::shared_ptr<const std::string> frame) {
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
      schedule_fill(room, 50ms, true);
      return;
    }
    auto frame = it->second;
    auto seq = it->first;
    r.early.erase(it);
    deliver_locked(room, r, seq, frame);
  }
}

// Called with mutex_ held.
void hub::schedule_fill(const std::string& room, std::chrono::milliseconds delay, bool gap_only) {
  auto found = rooms_.find(room);
  if (found == rooms_.end()) return;
  auto& r = found->second;
  if (!gap_only) r.must_read = true;
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
  for (bool first = true;; first = false) {
    std::int64_t from;
    {
      std::lock_guard lk(mutex_);
      auto it = rooms_.find(room);
      if (it == rooms_.end()) co_return;
      if (!it->second.ready) {
        it->second.filling = false;  // init() drains and fills once ready
        co_return;
      }
      // Waiting for a gap that has closed meanwhile (the late message
      // came): nothing to read.
      if (first && !it->second.must_read && it->second.early.empty()) {
        it->second.filling = false;
        co_return;
      }
      it->second.must_read = false;
      from = it->second.last;
    }
    auto page = co_await source_->read_after(room, from, 500);
    std::lock_guard lk(mutex_);
    auto it = rooms_.find(room);
    if (it == rooms_.end()) co_return;
    auto& r = it->second;
    for (const auto& e : page.events)
      if (e.seq == r.last + 1)
        deliver_locked(room, r, e.seq, std::make_shared<const std::string>(roomlog::event_frame(e)));
    // Asked again while this page was read (the doorbell back, a poll): what
    // was committed after the page's snapshot, published before the
    // subscription was live, rings nowhere: read once more.
    if (!page.has_more && !r.must_read) {
      r.filling = false;
      drain_locked(room, r);
      co_return;
    }
  }
}

void hub::on_redis_lost() {
  // Without the doorbell, every room is read from PostgreSQL each
  // poll_every until Redis is back: a partition delays messages, it does not
  // stop them.
  std::lock_guard lk(mutex_);
  if (redis_lost_) return;
  redis_lost_ = true;
  asio::co_spawn(ex_, poll_while_lost(), [](std::exception_ptr ep) {
    if (ep) log::error("polling without redis ended");
  });
}

awaitable<void> hub::poll_while_lost() {
  asio::steady_timer t(ex_);
  for (;;) {
    t.expires_after(presence_.poll_every);
    co_await t.async_wait(asio::use_awaitable);
    std::lock_guard lk(mutex_);
    if (!redis_lost_) co_return;
    for (auto& [room, r] : rooms_)
      if (r.ready) schedule_fill(room, 0ms);
  }
}

void hub::on_redis_back() {
  std::lock_guard lk(mutex_);
  redis_lost_ = false;
  ++redis_epoch_;
  for (auto& [room, r] : rooms_) {
    if (r.ready) schedule_fill(room, 0ms);
    // Redis may have restarted empty: put this gateway's entries back.
    r.presence_force = true;
    presence_flush_locked(room, r, true);
  }
}

}  // namespace colibri::chat
