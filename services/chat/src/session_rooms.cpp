// The socket session's room frames: subscribe (with its backfill),
// unsubscribe, send, edit, delete, react, history, typing and read.
#include <algorithm>
#include <cmath>

#include "colibri/chat/gateway.hpp"
#include "colibri/chat/hub.hpp"
#include "colibri/chat/session.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/log.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/json/writer.hpp"
#include "colibri/notify/notifications.hpp"
#include "colibri/roomlog/read_state.hpp"
#include "session_shared.hpp"

namespace colibri::chat {

using asio::as_tuple;
using asio::use_awaitable;
using namespace detail;

awaitable<void> session::subscribe(const std::string* id, json::fields& f) {
  auto room = f.text("room", json::required, 1, 64);
  auto since = f.integer("since", json::optional, 0, k_max_id).value_or(0);
  if (auto e = f.error()) co_return send_error(id, *e);
  if (!subs_.count(*room) && subs_.size() >= gw_->settings().max_subscriptions)
    co_return send_error(id, core::error::validation(
                                 "room", core::message(core::msg::too_many_rooms,
                                                       {{"max", std::to_string(gw_->settings().max_subscriptions)}})));
  auto a = co_await require_member(id, *room);
  if (!a) co_return;

  // Live events are held back until the backfill is out; then those the
  // backfill already carried are skipped: each seq reaches the client once.
  auto generation = next_generation_++;
  subs_[*room] = room_sub{generation, since, true, {}};
  auto self = shared_from_this();
  std::int64_t last = 0;
  std::optional<std::int64_t> online;
  roomlog::read_state reads;
  roomlog::page page;
  try {
    auto joined = co_await gw_->rooms().join(*room, self);
    last = joined.last;
    online = joined.online_count;
    auto b = co_await gw_->backfill_of(user_id_, *room, since);
    page = std::move(b.page);
    reads = b.reads;
  } catch (...) {
    // Not subscribed after all: the client gets an error and may retry.
    if (auto it = subs_.find(*room); it != subs_.end() && it->second.generation == generation) {
      subs_.erase(it);
      gw_->rooms().leave(*room, this);
    }
    throw;
  }
  auto it = subs_.find(*room);
  if (it == subs_.end() || it->second.generation != generation) co_return;  // unsubscribed meanwhile
  // The backfill is cut to what the outbox can hold beside live traffic
  // (large messages): the rest is paged with `history`, never a 4008.
  std::vector<std::shared_ptr<const std::string>> frames;
  std::size_t bytes = 0;
  for (const auto& e : page.events) {
    auto f = std::make_shared<const std::string>(roomlog::event_frame(e));
    if (bytes + f->size() > gw_->settings().backfill_max_bytes) {
      page.has_more = true;
      page.events.resize(frames.size());
      break;
    }
    bytes += f->size();
    frames.push_back(std::move(f));
  }

  json::writer w;
  w.begin_object().field("type", "subscribed");
  if (id) w.key("id").raw(*id);
  w.field("room", *room).field("last_seq", std::max(last, page.events.empty() ? since : page.events.back().seq));
  w.field("read_seq", reads.read_seq).field("unread", reads.unread).field("limited", page.has_more).end_object();
  deliver(std::make_shared<const std::string>(w.release()));
  if (online) {
    json::writer p;
    p.begin_object().field("type", "presence").field("room", *room).field("online_count", *online).end_object();
    deliver(std::make_shared<const std::string>(p.release()));
  }

  auto& sub = it->second;
  for (std::size_t i = 0; i < page.events.size(); ++i) {
    if (page.events[i].seq <= sub.cursor) continue;
    sub.cursor = page.events[i].seq;
    deliver(std::move(frames[i]));
  }
  // More than a page was missed: the client pages the gap with `history`
  // (after = the last seq it got) and receives live events from here on.
  if (page.has_more) sub.cursor = std::max(sub.cursor, last);
  sub.backfilling = false;
  auto early = std::move(sub.early);
  for (auto& [seq, frame] : early) on_event(*room, seq, std::move(frame));
}

awaitable<void> session::unsubscribe(const std::string* id, json::fields& f) {
  auto room = f.text("room", json::required, 1, 64);
  if (auto e = f.error()) co_return send_error(id, *e);
  if (subs_.erase(*room)) gw_->rooms().leave(*room, this);
  json::writer w;
  w.begin_object().field("type", "unsubscribed");
  if (id) w.key("id").raw(*id);
  w.field("room", *room).end_object();
  deliver(std::make_shared<const std::string>(w.release()));
  co_return;
}

core::result<posting::request> session::send_request(json::fields& f) {
  auto room = f.text("room", json::required, 1, 64);
  auto body = f.text("body", json::required, 1, gw_->settings().max_body_code_points);
  auto cmid = f.text("client_msg_id", json::required, 1, 64);
  auto reply_to = f.integer("reply_to", json::optional, 1, k_max_id);
  auto structure_id = f.integer("structure_id", json::optional, 1, k_max_id);
  auto mentions = f.integers("mentions", json::optional, 1, k_max_id, posting::k_max_mentions, 0);
  if (auto e = f.error()) return *e;
  posting::request r;
  r.author_id = user_id_;
  r.room = *room;
  r.kind = posting::kind::message;
  r.body = std::move(body);
  r.client_msg_id = std::move(cmid);
  r.reply_to = reply_to;
  r.structure_id = structure_id;
  r.mentions = mentions.value_or(std::vector<std::int64_t>{});
  return r;
}

core::result<posting::request> session::change_request(const std::string& type, json::fields& f) {
  auto room = f.text("room", json::required, 1, 64);
  auto seq = f.integer("seq", json::required, 1, k_max_id);
  posting::request r;
  r.author_id = user_id_;
  r.kind = type == "edit" ? posting::kind::edit : type == "delete" ? posting::kind::remove : posting::kind::react;
  if (type == "edit") r.body = f.text("body", json::required, 1, gw_->settings().max_body_code_points);
  if (type == "react") {
    r.emoji = f.text("emoji", json::required, 1, 16);
    r.on = f.boolean("on", json::required);
  }
  if (auto e = f.error()) return *e;
  r.room = *room;
  r.target_seq = seq;
  return r;
}

// The session's posting policy for one post: its append waits for the turn
// of every post read before it on this socket.
class session::ticketed : public posting::room_policy {
 public:
  ticketed(session& s, std::uint64_t ticket) : s_(s), ticket_(ticket) {}
  awaitable<core::result<room_access>> writable(std::int64_t user_id, const std::string& room) override {
    return s_.writable(user_id, room);
  }
  awaitable<posting::watched_rules> watched(std::int64_t group_id) override { return s_.watched(group_id); }
  awaitable<void> before_append() override {
    co_await s_.pipe_->turn(ticket_);
    // Passed once this handler has queued the append (posting::post awaits
    // nothing in between), so the next post's append queues after it.
    asio::post(s_.ws_->executor(), [self = s_.shared_from_this(), t = ticket_] { self->pipe_->pass(t); });
  }

 private:
  session& s_;
  std::uint64_t ticket_;
};

awaitable<void> session::start_post(const std::string* id, const std::string& type, json::fields& f) {
  if (!pipe_)
    pipe_ = std::make_unique<pipeline>(ws_->executor(), k_posts_in_flight,
                                       [this](pipeline::answer a) { deliver(std::move(a)); });
  // Waits while the socket has as many posts in flight as allowed: reading
  // stops, and the client's own socket buffers hold what it sends next.
  auto ticket = co_await pipe_->start();
  auto r = type == "send" ? send_request(f) : change_request(type, f);
  if (!r) co_return pipe_->finish(ticket, error_frame(id, r.err()));
  std::optional<std::string> id_copy;
  if (id) id_copy = *id;
  asio::co_spawn(ws_->executor(), run_post(ticket, std::move(id_copy), std::move(*r)), asio::detached);
}

awaitable<void> session::run_post(std::uint64_t ticket, std::optional<std::string> id, posting::request r) {
  auto self = shared_from_this();  // alive until answered, even once the socket is gone
  const std::string* idp = id ? &*id : nullptr;
  pipeline::answer a;
  try {
    a = co_await post(idp, ticket, std::move(r));
  } catch (const core::dependency_unavailable&) {
    a = error_frame(idp, core::default_error(core::errc::unavailable));
  } catch (const std::exception& e) {
    log::error("post failed", {{"error", e.what()}, {"user_id", user_id_}});
    a = error_frame(idp, core::default_error(core::errc::internal));
  }
  pipe_->finish(ticket, std::move(a));
}

awaitable<core::result<room_access>> session::writable(std::int64_t, const std::string& room) {
  auto a = co_await access(room);
  if (!a) co_return a.err();
  if (!a->member) co_return not_member();
  if (!a->can_send) {
    auto e = posting::cannot_write(*a);
    e.field = "room";
    co_return e;
  }
  co_return *a;
}

awaitable<posting::watched_rules> session::watched(std::int64_t group_id) {
  co_return co_await gw_->watched_words(group_id);
}

awaitable<std::shared_ptr<const std::string>> session::post(const std::string* id, std::uint64_t ticket,
                                                            posting::request r) {
  auto d = gw_->doors();
  auto room = r.room;
  auto cmid = r.client_msg_id.value_or("");
  ticketed policy(*this, ticket);
  auto res = co_await posting::post(d, policy, std::move(r));
  if (!res) {
    // Refused over the rate limit again and again: the client ignores the
    // errors, and is closed.
    if (res.err().code == core::errc::rate_limited && ++rate_strikes_ > gw_->settings().rate_strikes_before_close) {
      close(close_code::rate_limited, "rate limited");
      co_return nullptr;
    }
    co_return error_frame(id, res.err());
  }
  rate_strikes_ = 0;
  json::writer w;
  if (res->held) {
    w.begin_object().field("type", "held");
    if (id) w.key("id").raw(*id);
    w.field("room", room).field("client_msg_id", cmid);
    w.field("held_post_id", res->held_id).end_object();
    co_return std::make_shared<const std::string>(w.release());
  }
  // The ack means committed. The event reaches the sender's own socket
  // with it, in one write, when it is the next of the room for this socket;
  // otherwise (an earlier event still on its way) it comes like everyone's.
  if (!res->duplicate) own_event(res->ev.room, res->ev.seq, std::move(res->frame));
  gw_->counted().acks.fetch_add(1, std::memory_order_relaxed);
  w.begin_object().field("type", "ack");
  if (id) w.key("id").raw(*id);
  w.field("room", res->ev.room).field("seq", res->ev.seq).field("event_id", res->ev.id);
  w.field("at", core::format_rfc3339_ms(res->ev.at_ms));
  if (res->duplicate) w.field("duplicate", true);
  w.end_object();
  co_return std::make_shared<const std::string>(w.release());
}

void session::own_event(const std::string& room, std::int64_t seq, std::string frame) {
  auto it = subs_.find(room);
  if (it == subs_.end() || it->second.backfilling || it->second.cursor != seq - 1) return;
  it->second.cursor = seq;  // the hub's copy, from Redis, is then skipped
  deliver(std::make_shared<const std::string>(std::move(frame)));
}

awaitable<void> session::history(const std::string* id, json::fields& f) {
  auto room = f.text("room", json::required, 1, 64);
  auto before = f.integer("before", json::optional, 1, k_max_id);
  auto after = f.integer("after", json::optional, 0, k_max_id);
  auto limit = f.integer("limit", json::optional, 1, gw_->settings().history_max).value_or(50);
  if (before && after) f.fail("before", core::message(core::msg::before_or_after));
  if (auto e = f.error()) co_return send_error(id, *e);
  auto a = co_await require_member(id, *room);
  if (!a) co_return;
  roomlog::page page;
  if (after)
    page = co_await gw_->log().read_after(*room, *after, static_cast<int>(limit));
  else
    page = co_await gw_->log().read_before(*room, before.value_or(k_max_id), static_cast<int>(limit));
  // One frame of at most backfill_max_bytes: a page of large messages is cut
  // (has_more), keeping the events nearest to where the client reads from.
  std::vector<std::string> items;
  std::size_t bytes = 0;
  auto n = page.events.size();
  for (std::size_t k = 0; k < n; ++k) {
    const auto& e = page.events[after ? k : n - 1 - k];
    auto j = roomlog::event_json(e);
    if (bytes + j.size() > gw_->settings().backfill_max_bytes) {
      page.has_more = true;
      break;
    }
    bytes += j.size();
    items.push_back(std::move(j));
  }
  if (!after) std::reverse(items.begin(), items.end());
  json::writer w;
  w.begin_object().field("type", "history");
  if (id) w.key("id").raw(*id);
  w.field("room", *room).key("events").begin_array();
  for (const auto& j : items) w.raw(j);
  w.end_array().field("has_more", page.has_more).end_object();
  deliver(std::make_shared<const std::string>(w.release()));
}

awaitable<void> session::typing(json::fields& f) {
  auto room = f.text("room", json::required, 1, 64);
  if (!room) co_return;  // typing is best-effort: no reply, no error
  // At most once per typing interval per room and person: extra frames are
  // dropped silently, here without asking Redis when this socket sent one
  // lately, then by the shared bucket (the person's other sockets).
  auto now = std::chrono::steady_clock::now();
  auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(1.0 / gw_->limits().config().typing.per_second));
  if (auto t = typing_at_.find(*room); t != typing_at_.end() && now - t->second < interval) co_return;
  if (typing_at_.size() >= gw_->settings().max_subscriptions) typing_at_.clear();
  typing_at_[*room] = now;
  auto a = co_await access(*room);
  if (!a || !a->can_send) co_return;
  auto d = co_await gw_->limits().take(ratelimit::user_subject(user_id_), ratelimit::action::typing, *room);
  if (!d.allowed) co_return;
  json::writer w;
  w.begin_object().field("type", "typing").field("room", *room).field("user_id", user_id_).end_object();
  gw_->publisher().publish(roomlog::room_channel(*room), w.release());
}

awaitable<void> session::mark_read(json::fields& f) {
  auto room = f.text("room", json::required, 1, 64);
  auto seq = f.integer("seq", json::required, 0, k_max_id);
  if (auto e = f.error()) co_return send_error(nullptr, *e);
  auto a = co_await require_member(nullptr, *room);
  if (!a) co_return;
  // Coalesced: at most one write per room per read_every; the latest marker
  // of a burst is written when the interval ends.
  auto now = std::chrono::steady_clock::now();
  auto& r = reads_[*room];
  r.pending = std::max(r.pending.value_or(0), *seq);
  if (r.waiting) co_return;
  if (now - r.written_at < gw_->settings().read_every) {
    r.waiting = true;
    auto t = std::make_shared<asio::steady_timer>(ws_->executor(), r.written_at + gw_->settings().read_every);
    auto self = shared_from_this();
    t->async_wait([self, t, rm = *room](boost::system::error_code ec) {
      if (ec || self->done_) return;
      asio::co_spawn(self->ws_->executor(), self->write_read(rm), [](std::exception_ptr) {});
    });
    co_return;
  }
  co_await write_read(*room);
}

awaitable<void> session::write_read(std::string room) {
  auto it = reads_.find(room);
  if (it == reads_.end() || !it->second.pending) co_return;
  auto seq = *it->second.pending;
  it->second = {std::chrono::steady_clock::now(), std::nullopt, false};
  auto uid = user_id_;
  auto job = [uid, room, seq](pqxx::work& w) { return roomlog::mark_read(w, uid, room, seq); };
  auto st = co_await gw_->db().transact(std::move(job));
  // Every socket of the user, on every gateway, updates its count.
  gw_->publisher().publish(roomlog::user_channel(user_id_), roomlog::unread_frame(room, st));
  if (reads_.size() > gw_->settings().max_subscriptions)
    std::erase_if(reads_, [](const auto& kv) { return !kv.second.waiting; });
}

}  // namespace colibri::chat
