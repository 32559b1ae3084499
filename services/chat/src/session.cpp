#include "colibri/chat/session.hpp"

#include <algorithm>
#include <cmath>

#include "colibri/chat/gateway.hpp"
#include "colibri/chat/hub.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/log.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/json/writer.hpp"
#include "colibri/notify/notifications.hpp"
#include "colibri/roomlog/read_state.hpp"

namespace colibri::chat {

using asio::as_tuple;
using asio::use_awaitable;

namespace {
const core::error& not_member() {
  static const core::error e =
      core::error::make(core::errc::forbidden,
                        {"Vous ne faites pas partie de ce groupe.", "You are not a member of this group."}, "room");
  return e;
}
const core::error& cannot_send() {
  static const core::error e = core::error::make(
      core::errc::forbidden, {"Vous ne pouvez pas écrire ici pour le moment.", "You cannot post here for the moment."},
      "room");
  return e;
}
constexpr std::int64_t k_max_id = std::int64_t{1} << 53;
// Missed notifications sent after hello; older ones are listed over REST.
constexpr int k_replay_max = 200;
}  // namespace

session::session(std::shared_ptr<gateway> gw, std::shared_ptr<http::websocket> ws, std::string address)
    : gw_(std::move(gw)), ws_(std::move(ws)), address_(std::move(address)) {}

void session::stop_being_anonymous() {
  if (!anonymous_) return;
  anonymous_ = false;
  gw_->release_anonymous(address_);
}

void session::post_close(std::uint16_t code, std::string reason) {
  asio::post(ws_->executor(),
             [self = shared_from_this(), code, r = std::move(reason)]() mutable { self->close(code, std::move(r)); });
}

void session::deliver(std::shared_ptr<const std::string> frame) {
  if (done_ || closing_) return;
  const auto& s = gw_->settings();
  if (ws_->queued_frames() + 1 > s.outbox_max_frames || ws_->queued_bytes() + frame->size() > s.outbox_max_bytes) {
    log::warn("slow consumer closed",
              {{"user_id", user_id_}, {"queued", static_cast<std::int64_t>(ws_->queued_frames())}});
    close(close_code::slow_consumer, "slow consumer: reconnect and resume with since");
    return;
  }
  ws_->send(std::move(frame));
}

void session::close(std::uint16_t code, std::string reason) {
  if (done_ || closing_) return;
  closing_ = true;
  // A slow consumer's queue cannot be delivered in time anyway: the client
  // resumes with since. The connection drops a peer that does not answer the
  // close within 5 s.
  ws_->close(code, std::move(reason), /*drop_queued=*/code == close_code::slow_consumer);
}

awaitable<void> session::run() {
  asio::steady_timer hello_timer(ws_->executor());
  hello_timer.expires_after(gw_->settings().hello_timeout);
  hello_timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) return;
    if (auto s = weak.lock(); s && s->user_id_ == 0) s->close(close_code::no_hello, "hello expected");
  });
  for (;;) {
    auto frame = co_await ws_->read();
    if (!frame) break;
    if (closing_) continue;  // closing: the peer's last frames are not acted on
    if (!frame->text) {
      send_error(nullptr, core::error::make(core::errc::invalid_json, {"Seuls les messages texte (JSON) sont acceptés.",
                                                                       "Only text (JSON) frames are accepted."}));
      continue;
    }
    try {
      co_await handle(frame->data);
    } catch (const core::dependency_unavailable&) {
      send_error(nullptr, core::default_error(core::errc::unavailable));
    } catch (const std::exception& e) {
      log::error("frame handling failed", {{"error", e.what()}, {"user_id", user_id_}});
      send_error(nullptr, core::default_error(core::errc::internal));
    }
  }
  hello_timer.cancel();
  stop_being_anonymous();
  done_ = true;
  leave_all();
  gw_->forget(this, session_id_, user_id_);
}

void session::leave_all() {
  for (auto& [room, sub] : subs_) gw_->rooms().leave(room, this);
  subs_.clear();
}

void session::post_event(std::shared_ptr<const std::string> room, std::int64_t seq,
                         std::shared_ptr<const std::string> frame) {
  bool first;
  {
    std::lock_guard lk(inbox_mutex_);
    first = inbox_.empty();
    inbox_.push_back({std::move(room), seq, std::move(frame)});
  }
  if (first) asio::post(ws_->executor(), [self = shared_from_this()] { self->drain_inbox(); });
}

void session::drain_inbox() {
  std::vector<inbound> batch;
  {
    std::lock_guard lk(inbox_mutex_);
    batch.swap(inbox_);
  }
  ws_->cork();
  for (auto& e : batch) on_event(*e.room, e.seq, std::move(e.frame));
  ws_->uncork();
}

void session::post_lose_room(std::string room) {
  asio::post(ws_->executor(), [self = shared_from_this(), room = std::move(room)] {
    self->access_.erase(room);
    if (!self->subs_.erase(room)) return;
    self->gw_->rooms().leave(room, self.get());
    self->send_error(nullptr, not_member());
    json::writer w;
    w.begin_object().field("type", "unsubscribed").field("room", room).end_object();
    self->deliver(std::make_shared<const std::string>(w.release()));
  });
}

void session::on_event(const std::string& room, std::int64_t seq, std::shared_ptr<const std::string> frame) {
  auto it = subs_.find(room);
  if (it == subs_.end()) return;
  auto& sub = it->second;
  if (seq == 0 && !sub.backfilling) {  // ephemeral: typing, presence
    deliver(std::move(frame));
    return;
  }
  if (sub.backfilling) {
    sub.early.emplace_back(seq, std::move(frame));
    if (sub.early.size() > gw_->settings().outbox_max_frames)
      close(close_code::slow_consumer, "slow consumer: reconnect and resume with since");
    return;
  }
  if (seq == 0) return deliver(std::move(frame));  // held back during the backfill
  if (seq <= sub.cursor) return;                   // already sent (backfill overlap)
  sub.cursor = seq;
  deliver(std::move(frame));
}

awaitable<void> session::handle(const std::string& text) {
  auto doc = json::parse(text);
  if (!doc) co_return send_error(nullptr, doc.err());
  if (!doc->as_object())
    co_return send_error(
        nullptr, core::error::make(core::errc::invalid_json,
                                   {"Chaque message doit être un objet JSON.", "Each frame must be a JSON object."}));
  // The reply carries the request's id back, as the client sent it.
  std::string id_json;
  const std::string* id = nullptr;
  if (auto v = doc->find("id"); v && !v->is_null()) {
    if (auto s = v->as_string(); s && s->size() <= 128) {
      json::writer w;
      w.value(*s);
      id_json = w.release();
    } else if (auto i = v->as_int()) {
      id_json = std::to_string(*i);
    } else {
      co_return send_error(
          nullptr, core::error::validation("id", {"L'identifiant de requête doit être un texte court ou un entier.",
                                                  "The request id must be a short string or an integer."}));
    }
    id = &id_json;
  }
  json::fields f(*doc);
  auto type = f.text("type", json::required, 1, 32);
  if (!type) co_return send_error(id, *f.error());

  if (user_id_ == 0) {
    if (*type != "hello")
      co_return send_error(
          id, core::error::make(core::errc::unauthenticated,
                                {"Le premier message doit être « hello ».", "The first frame must be \"hello\"."}));
    auto token = f.text("token", json::required, 1, 256);
    auto after = f.integer("notifications_after", json::optional, 0, k_max_id);
    if (auto e = f.error()) co_return send_error(id, *e);
    co_return co_await hello(id, *token, after);
  }
  if (*type == "hello")
    co_return send_error(id, core::error::make(core::errc::conflict, {"Cette connexion est déjà identifiée.",
                                                                      "This connection is already authenticated."}));
  // Every frame type has its budget in the shared limiter (send, edit,
  // delete and react inside posting::post; typing and read below).
  if (*type == "subscribe" || *type == "unsubscribe" || *type == "history") {
    auto a = *type == "history" ? ratelimit::action::history : ratelimit::action::subscribe;
    auto d = co_await gw_->limits().take(ratelimit::user_subject(user_id_), a);
    if (!d.allowed) co_return send_error(id, d.error());
  }
  if (*type == "subscribe") co_return co_await subscribe(id, f);
  if (*type == "unsubscribe") co_return co_await unsubscribe(id, f);
  if (*type == "send") co_return co_await send(id, f);
  if (*type == "edit" || *type == "delete" || *type == "react") co_return co_await change(id, *type, f);
  if (*type == "history") co_return co_await history(id, f);
  if (*type == "typing") co_return co_await typing(f);
  if (*type == "read") co_return co_await mark_read(f);
  co_return send_error(id, core::error::validation("type", {"Type de message inconnu : " + *type + ".",
                                                            "Unknown frame type: " + *type + "."}));
}

awaitable<core::result<room_access>> session::access(const std::string& room) {
  auto ref = roomlog::parse_room(room);
  if (!ref) co_return core::error::validation("room", {"Ce salon n'existe pas.", "This room does not exist."});
  auto now = std::chrono::steady_clock::now();
  if (auto it = access_.find(room); it != access_.end() && it->second.until > now) co_return it->second.a;
  auto a = co_await gw_->check_access(user_id_, ref->name());
  if (access_.size() > 1000) access_.clear();
  access_[room] = {a, now + gw_->settings().access_ttl};
  co_return a;
}

awaitable<std::optional<room_access>> session::require_member(const std::string* id, const std::string& room) {
  auto a = co_await access(room);
  if (!a) {
    send_error(id, a.err());
    co_return std::nullopt;
  }
  if (!a->member) {
    send_error(id, not_member());
    co_return std::nullopt;
  }
  co_return *a;
}

awaitable<void> session::subscribe(const std::string* id, json::fields& f) {
  auto room = f.text("room", json::required, 1, 64);
  auto since = f.integer("since", json::optional, 0, k_max_id).value_or(0);
  if (auto e = f.error()) co_return send_error(id, *e);
  if (!subs_.count(*room) && subs_.size() >= gw_->settings().max_subscriptions)
    co_return send_error(
        id, core::error::validation("room", {"Trop de salons suivis sur cette connexion (" +
                                                 std::to_string(gw_->settings().max_subscriptions) + " au plus).",
                                             "Too many rooms followed on this connection (at most " +
                                                 std::to_string(gw_->settings().max_subscriptions) + ")."}));
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

awaitable<void> session::send(const std::string* id, json::fields& f) {
  auto room = f.text("room", json::required, 1, 64);
  auto body = f.text("body", json::required, 1, gw_->settings().max_body_code_points);
  auto cmid = f.text("client_msg_id", json::required, 1, 64);
  auto reply_to = f.integer("reply_to", json::optional, 1, k_max_id);
  if (auto e = f.error()) co_return send_error(id, *e);
  posting::request r;
  r.author_id = user_id_;
  r.room = *room;
  r.kind = posting::kind::message;
  r.body = std::move(body);
  r.client_msg_id = std::move(cmid);
  r.reply_to = reply_to;
  co_await post(id, std::move(r));
}

awaitable<void> session::change(const std::string* id, const std::string& type, json::fields& f) {
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
  if (auto e = f.error()) co_return send_error(id, *e);
  r.room = *room;
  r.target_seq = seq;
  co_await post(id, std::move(r));
}

awaitable<core::result<room_access>> session::writable(std::int64_t, const std::string& room) {
  auto a = co_await access(room);
  if (!a) co_return a.err();
  if (!a->member) co_return not_member();
  if (!a->can_send) co_return cannot_send();
  co_return *a;
}

awaitable<posting::watched_rules> session::watched(std::int64_t group_id) {
  co_return co_await gw_->watched_words(group_id);
}

awaitable<void> session::post(const std::string* id, posting::request r) {
  auto d = gw_->doors();
  auto room = r.room;
  auto cmid = r.client_msg_id.value_or("");
  auto res = co_await posting::post(d, *this, std::move(r));
  if (!res) {
    // Refused over the rate limit again and again: the client ignores the
    // errors, and is closed.
    if (res.err().code == core::errc::rate_limited && ++rate_strikes_ > gw_->settings().rate_strikes_before_close) {
      close(close_code::rate_limited, "rate limited");
      co_return;
    }
    co_return send_error(id, res.err());
  }
  rate_strikes_ = 0;
  json::writer w;
  if (res->held) {
    w.begin_object().field("type", "held");
    if (id) w.key("id").raw(*id);
    w.field("room", room).field("client_msg_id", cmid);
    w.field("held_post_id", res->held_id).end_object();
    co_return deliver(std::make_shared<const std::string>(w.release()));
  }
  // The ack means committed; the event itself comes back like everyone's.
  w.begin_object().field("type", "ack");
  if (id) w.key("id").raw(*id);
  w.field("room", res->ev.room).field("seq", res->ev.seq).field("event_id", res->ev.id);
  w.field("at", core::format_rfc3339_ms(res->ev.at_ms));
  if (res->duplicate) w.field("duplicate", true);
  w.end_object();
  deliver(std::make_shared<const std::string>(w.release()));
}

awaitable<void> session::history(const std::string* id, json::fields& f) {
  auto room = f.text("room", json::required, 1, 64);
  auto before = f.integer("before", json::optional, 1, k_max_id);
  auto after = f.integer("after", json::optional, 0, k_max_id);
  auto limit = f.integer("limit", json::optional, 1, gw_->settings().history_max).value_or(50);
  if (before && after)
    f.fail("before", {"Indiquez « before » ou « after », pas les deux.", "Give \"before\" or \"after\", not both."});
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
  auto job = [uid, room, seq](pqxx::connection& c) {
    pqxx::work w(c);
    auto st = roomlog::mark_read(w, uid, room, seq);
    w.commit();
    return st;
  };
  auto st = co_await gw_->db().run(std::move(job));
  // Every socket of the user, on every gateway, updates its count.
  gw_->publisher().publish(roomlog::user_channel(user_id_), roomlog::unread_frame(room, st));
  if (reads_.size() > gw_->settings().max_subscriptions)
    std::erase_if(reads_, [](const auto& kv) { return !kv.second.waiting; });
}

awaitable<void> session::hello(const std::string* id, const std::string& token,
                               std::optional<std::int64_t> notifications_after) {
  auto found = co_await gw_->identify(token);
  if (closing_) co_return;  // the hello timer fired meanwhile
  if (!found) {
    send_error(id,
               core::error::make(core::errc::unauthenticated,
                                 {"Votre session a expiré ou n'est plus valide. Merci de vous reconnecter.",
                                  "Your session has expired or is no longer valid. Please log in again."}),
               /*fatal=*/true);
    close(close_code::token_revoked, "invalid or revoked token");
    co_return;
  }
  locale_ = found->locale;
  // Live notifications wait until the missed ones are out (no doubles).
  replaying_ = notifications_after.has_value();
  // The replay reads PostgreSQL once the user's channel is live, so that a
  // notification is either in the replay or rung live (or both: deduplicated).
  auto channel_ready = std::make_shared<bool>(false);
  auto ready_timer = std::make_shared<asio::steady_timer>(ws_->executor());
  std::function<void()> on_ready;  // only a replay waits for the channel
  if (notifications_after)
    on_ready = [channel_ready, ready_timer, ex = ws_->executor()] {
      asio::post(ex, [channel_ready, ready_timer] {
        *channel_ready = true;
        ready_timer->cancel();
      });
    };
  if (!gw_->bind(found->session_id, found->user_id, shared_from_this(), std::move(on_ready))) {
    send_error(id,
               core::error::make(core::errc::forbidden,
                                 {"Trop de connexions ouvertes pour ce compte. Fermez un autre onglet ou appareil.",
                                  "Too many open connections for this account. Close another tab or device."}),
               /*fatal=*/true);
    close(close_code::policy, "too many connections");
    co_return;
  }
  user_id_ = found->user_id;
  session_id_ = found->session_id;
  stop_being_anonymous();

  const auto& s = gw_->settings();
  json::writer w;
  w.begin_object().field("type", "welcome");
  if (id) w.key("id").raw(*id);
  w.key("user").begin_object().field("id", user_id_).field("handle", found->handle).field("locale", found->locale);
  w.field("timezone", found->timezone).field("is_admin", found->is_admin).end_object();
  w.field("server_time", core::format_rfc3339(std::chrono::system_clock::now()));
  w.key("limits").begin_object();
  w.field("max_frame_bytes", static_cast<std::int64_t>(s.max_frame_bytes));
  w.field("max_body_code_points", static_cast<std::int64_t>(s.max_body_code_points));
  w.field("history_page_max", static_cast<std::int64_t>(s.history_max));
  const auto& write = gw_->limits().config().write;
  w.key("rate_limit").begin_object().field("events", static_cast<std::int64_t>(write.capacity));
  w.field("per_seconds", static_cast<std::int64_t>(std::llround(write.capacity / write.per_second))).end_object();
  w.end_object().end_object();
  deliver(std::make_shared<const std::string>(w.release()));
  if (!notifications_after) co_return;
  if (!*channel_ready) {
    ready_timer->expires_after(std::chrono::seconds(2));
    co_await ready_timer->async_wait(as_tuple(use_awaitable));
  }
  co_await replay_notifications(*notifications_after);
}

awaitable<void> session::replay_notifications(std::int64_t after) {
  auto uid = user_id_;
  auto job = [uid, after](pqxx::connection& c) {
    pqxx::work w(c);
    auto out = notify::latest_after(w, uid, after, k_replay_max);
    w.commit();
    return out;
  };
  std::vector<notify::notification> missed;
  try {
    missed = co_await gw_->db().run(std::move(job));
  } catch (...) {
    // The client is told (unavailable) and may list them over REST.
    release_held_notifications();
    throw;
  }
  for (const auto& n : missed) {
    replayed_.insert(n.id);
    deliver(std::make_shared<const std::string>(notify::notification_frame(n)));
  }
  release_held_notifications();
}

void session::release_held_notifications() {
  replaying_ = false;
  auto held = std::move(held_notifications_);
  for (auto& [nid, frame] : held) on_user_frame(std::move(frame), nid);
}

void session::post_user_frame(std::shared_ptr<const std::string> frame, std::optional<std::int64_t> notification_id) {
  asio::post(ws_->executor(), [self = shared_from_this(), f = std::move(frame), notification_id]() mutable {
    self->on_user_frame(std::move(f), notification_id);
  });
}

void session::on_user_frame(std::shared_ptr<const std::string> frame, std::optional<std::int64_t> notification_id) {
  if (!notification_id) return deliver(std::move(frame));
  if (replaying_) {
    if (held_notifications_.size() < k_replay_max) held_notifications_.emplace_back(*notification_id, std::move(frame));
    return;
  }
  if (replayed_.count(*notification_id)) return;  // already sent by the replay
  deliver(std::move(frame));
}

void session::send_error(const std::string* id, const core::error& e, bool fatal) {
  core::lang l = core::lang::fr;
  core::parse_lang(locale_, l);
  json::writer w;
  w.begin_object().field("type", "error");
  if (id) w.key("id").raw(*id);
  w.field("code", core::code_string(e.code)).field("message", e.message.in(l));
  if (!e.field.empty()) w.field("field", e.field);
  if (fatal) w.field("fatal", true);
  w.end_object();
  deliver(std::make_shared<const std::string>(w.release()));
}

}  // namespace colibri::chat
