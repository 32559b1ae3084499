#include "colibri/chat/session.hpp"

#include <algorithm>
#include <cmath>

#include "colibri/chat/gateway.hpp"
#include "colibri/chat/hub.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/log.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/json/writer.hpp"
#include "colibri/roomlog/read_state.hpp"
#include "session_shared.hpp"

namespace colibri::chat {

using asio::as_tuple;
using asio::use_awaitable;

using namespace detail;

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
    gw_->counted().slow_consumers.fetch_add(1, std::memory_order_relaxed);
    close(close_code::slow_consumer, "slow consumer: reconnect and resume with since");
    return;
  }
  frames_sent_.store(frames_sent_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);  // one writer
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

void session::start() {
  hello_timer_ = std::make_unique<asio::steady_timer>(ws_->executor(), gw_->settings().hello_timeout);
  hello_timer_->async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) return;
    if (auto s = weak.lock(); s && s->user_id_ == 0) s->close(close_code::no_hello, "hello expected");
  });
  read_next();
}

// The reading is a chain of callbacks, a coroutine only while a frame is
// handled: an idle socket holds no coroutine frame (docs/benchmarks.md,
// "Idle memory").
void session::read_next() {
  ws_->async_read([self = shared_from_this()](std::optional<http::ws_frame> frame) {
    if (!frame) return self->end();
    if (self->closing_) return self->read_next();  // closing: the peer's last frames are not acted on
    if (!frame->text) {
      self->send_error(nullptr,
                       core::error::make(core::errc::invalid_json, core::message(core::msg::text_frames_only)));
      return self->read_next();
    }
    asio::co_spawn(self->ws_->executor(), self->handle_frame(std::move(frame->data)),
                   [self](std::exception_ptr) { self->read_next(); });
  });
}

awaitable<void> session::handle_frame(std::string text) {
  try {
    co_await handle(text);
  } catch (const core::dependency_unavailable&) {
    send_error(nullptr, core::default_error(core::errc::unavailable));
  } catch (const std::exception& e) {
    log::error("frame handling failed", {{"error", e.what()}, {"user_id", user_id_}});
    send_error(nullptr, core::default_error(core::errc::internal));
  }
}

void session::end() {
  hello_timer_.reset();
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

namespace {

bool is_post(std::string_view type) { return type == "send" || type == "edit" || type == "delete" || type == "react"; }

}  // namespace

awaitable<void> session::handle(const std::string& text) {
  auto doc = json::parse(text);
  // A post takes its turn in the pipeline; any other frame is handled once
  // the posts read before it are answered.
  if (pipe_ && pipe_->in_flight() > 0) {
    const json::value* type = doc && user_id_ != 0 ? doc->find("type") : nullptr;
    const std::string* name = type ? type->as_string() : nullptr;
    if (!name || !is_post(*name)) co_await pipe_->drained();
  }
  if (!doc) co_return send_error(nullptr, doc.err());
  if (!doc->as_object())
    co_return send_error(nullptr,
                         core::error::make(core::errc::invalid_json, core::message(core::msg::frame_not_object)));
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
      co_return send_error(nullptr, core::error::validation("id", core::message(core::msg::bad_request_id)));
    }
    id = &id_json;
  }
  json::fields f(*doc);
  auto type = f.text("type", json::required, 1, 32);
  if (!type) co_return send_error(id, *f.error());

  if (user_id_ == 0) {
    if (*type != "hello")
      co_return send_error(id, core::error::make(core::errc::unauthenticated, core::message(core::msg::hello_first)));
    auto token = f.text("token", json::required, 1, 256);
    auto after = f.integer("notifications_after", json::optional, 0, k_max_id);
    if (auto e = f.error()) co_return send_error(id, *e);
    co_return co_await hello(id, *token, after);
  }
  if (*type == "hello")
    co_return send_error(id, core::error::make(core::errc::conflict, core::message(core::msg::already_authenticated)));
  // Every frame type has its budget in the shared limiter (send, edit,
  // delete and react inside posting::post; typing and read below).
  if (*type == "subscribe" || *type == "unsubscribe" || *type == "history") {
    auto a = *type == "history" ? ratelimit::action::history : ratelimit::action::subscribe;
    auto d = co_await gw_->limits().take(ratelimit::user_subject(user_id_), a);
    if (!d.allowed) co_return send_error(id, d.error());
  }
  if (*type == "subscribe") co_return co_await subscribe(id, f);
  if (*type == "unsubscribe") co_return co_await unsubscribe(id, f);
  if (is_post(*type)) co_return co_await start_post(id, *type, f);
  if (*type == "history") co_return co_await history(id, f);
  if (*type == "typing") co_return co_await typing(f);
  if (*type == "read") co_return co_await mark_read(f);
  co_return send_error(id, core::error::validation("type", core::message(core::msg::unknown_frame, {{"type", *type}})));
}

awaitable<core::result<room_access>> session::access(const std::string& room) {
  auto ref = roomlog::parse_room(room);
  if (!ref) co_return core::error::validation("room", core::message(core::msg::room_not_found));
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

awaitable<void> session::hello(const std::string* id, const std::string& token,
                               std::optional<std::int64_t> notifications_after) {
  auto found = co_await gw_->identify(token);
  if (closing_) co_return;  // the hello timer fired meanwhile
  if (!found) {
    send_error(id, core::error::make(core::errc::unauthenticated, core::message(core::msg::session_expired)),
               /*fatal=*/true);
    close(close_code::token_revoked, "invalid or revoked token");
    co_return;
  }
  locale_ = found->locale;
  // Live notifications wait until the missed ones are out (no doubles).
  if (notifications_after) replay_ = std::make_unique<replay_state>();
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
    send_error(id, core::error::make(core::errc::forbidden, core::message(core::msg::too_many_sockets)),
               /*fatal=*/true);
    close(close_code::policy, "too many connections");
    co_return;
  }
  user_id_ = found->user_id;
  session_id_ = found->session_id;
  hello_timer_.reset();  // cancelled
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

void session::send_error(const std::string* id, const core::error& e, bool fatal) {
  deliver(error_frame(id, e, fatal));
}

std::shared_ptr<const std::string> session::error_frame(const std::string* id, const core::error& e, bool fatal) const {
  core::lang l = core::lang::fr;
  core::parse_lang(locale_, l);
  json::writer w;
  w.begin_object().field("type", "error");
  if (id) w.key("id").raw(*id);
  w.field("code", core::code_string(e.code)).field("message", e.message.in(l));
  if (!e.field.empty()) w.field("field", e.field);
  if (fatal) w.field("fatal", true);
  w.end_object();
  return std::make_shared<const std::string>(w.release());
}

}  // namespace colibri::chat
