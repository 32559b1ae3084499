#include "colibri/chat/gateway.hpp"

#include <set>

#include "colibri/auth/sessions.hpp"
#include "colibri/chat/hub.hpp"
#include "colibri/chat/session.hpp"
#include "colibri/core/lasting.hpp"
#include "colibri/core/log.hpp"
#include "colibri/notify/notifications.hpp"
#include "colibri/pg/sql_array.hpp"

namespace colibri::chat {

gateway_settings read_gateway_settings(core::config& cfg) {
  gateway_settings s;
  s.hello_timeout = std::chrono::seconds(cfg.integer("COLIBRI_HELLO_TIMEOUT_SECONDS", 10, 1, 300));
  s.max_frame_bytes = static_cast<std::size_t>(cfg.integer("COLIBRI_WS_MAX_FRAME_BYTES", 64 * 1024, 1024, 16 << 20));
  s.max_body_code_points = static_cast<std::size_t>(cfg.integer("COLIBRI_MAX_BODY_CODE_POINTS", 4000, 1, 100000));
  s.outbox_max_frames = static_cast<std::size_t>(cfg.integer("COLIBRI_OUTBOX_MAX_FRAMES", 1024, 16, 1 << 20));
  s.outbox_max_bytes = static_cast<std::size_t>(cfg.integer("COLIBRI_OUTBOX_MAX_BYTES", 4 << 20, 64 << 10, 1 << 30));
  s.access_ttl = std::chrono::milliseconds(cfg.integer("COLIBRI_ACCESS_CACHE_MS", 2000, 0, 5000));
  s.max_sockets_per_user = static_cast<int>(cfg.integer("COLIBRI_MAX_SOCKETS_PER_USER", 10, 1, 1000));
  s.max_anonymous = static_cast<std::size_t>(cfg.integer("COLIBRI_WS_MAX_ANONYMOUS", 2000, 1, 1000000));
  s.max_anonymous_per_address =
      static_cast<std::size_t>(cfg.integer("COLIBRI_WS_MAX_ANONYMOUS_PER_ADDRESS", 200, 1, 1000000));
  s.max_subscriptions = static_cast<std::size_t>(cfg.integer("COLIBRI_WS_MAX_SUBSCRIPTIONS", 100, 1, 10000));
  s.backfill_max_bytes =
      static_cast<std::size_t>(cfg.integer("COLIBRI_WS_BACKFILL_MAX_BYTES", 1 << 20, 16 << 10, 64 << 20));
  s.recheck_every = std::chrono::milliseconds(cfg.integer("COLIBRI_RECHECK_MS", 2000, 100, 5000));
  return s;
}

namespace {

std::vector<std::optional<identity>> identify_batch(pqxx::connection& c, const std::vector<std::string>& tokens) {
  pqxx::work w(c);
  auto sessions = auth::find_sessions(w, tokens);
  std::vector<std::optional<std::int64_t>> users;
  for (const auto& s : sessions)
    if (s) users.push_back(s->user_id);
  std::unordered_map<std::int64_t, identity> by_user;
  if (!users.empty())
    for (auto row :
         w.exec_params("SELECT id, handle, locale, timezone, is_admin FROM users WHERE id = ANY($1::bigint[])",
                       pg::bigint_array(users)))
      by_user[row[0].as<std::int64_t>()] = identity{0,
                                                    row[0].as<std::int64_t>(),
                                                    row[1].as<std::string>(),
                                                    row[2].as<std::string>(),
                                                    row[3].as<std::string>(),
                                                    row[4].as<bool>()};
  w.commit();
  std::vector<std::optional<identity>> out(tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (!sessions[i]) continue;
    auto it = by_user.find(sessions[i]->user_id);
    if (it == by_user.end()) continue;
    out[i] = it->second;
    out[i]->session_id = sessions[i]->id;
  }
  return out;
}

// The (user, room) pairs of a batch as two arrays.
template <class Q>
std::pair<std::vector<std::int64_t>, std::vector<std::string>> users_and_rooms(const std::vector<Q>& qs) {
  std::pair<std::vector<std::int64_t>, std::vector<std::string>> out;
  for (const auto& q : qs) {
    out.first.push_back(q.user_id);
    out.second.push_back(q.room);
  }
  return out;
}

}  // namespace

gateway::gateway(asio::any_io_executor ex, pg::pool& db, std::shared_ptr<roomlog::room_log> log, redis::publisher& pub,
                 ratelimit::limiter& limits, gateway_settings s)
    : db_(db),
      log_(std::move(log)),
      pub_(pub),
      s_(std::move(s)),
      identities_(pg::batcher<std::string, std::optional<identity>>::create(ex, db, identify_batch)),
      limits_(limits) {
  access_ =
      pg::batcher<room_query, room_access>::create(ex, db, [](pqxx::connection& c, const std::vector<room_query>& qs) {
        pqxx::work w(c);
        auto [users, rooms] = users_and_rooms(qs);
        auto out = check_access_many(w, users, rooms);
        w.commit();
        return out;
      });
  int page_max = s_.history_max;
  backfills_ = pg::batcher<room_query, backfill>::create(
      ex, db, [page_max](pqxx::connection& c, const std::vector<room_query>& qs) {
        pqxx::work w(c);
        auto [users, rooms] = users_and_rooms(qs);
        std::vector<std::int64_t> since;
        for (const auto& q : qs) since.push_back(q.since);
        auto pages = roomlog::read_after_many(w, rooms, since, page_max);
        auto reads = roomlog::read_states_of(w, users, rooms);
        w.commit();
        std::vector<backfill> out(qs.size());
        for (std::size_t i = 0; i < qs.size(); ++i) out[i] = {std::move(pages[i]), reads[i]};
        return out;
      });
}

awaitable<room_access> gateway::check_access(std::int64_t user_id, std::string room) {
  room_query q{user_id, std::move(room), 0};
  co_return co_await access_->run(std::move(q));
}

awaitable<backfill> gateway::backfill_of(std::int64_t user_id, std::string room, std::int64_t since) {
  room_query q{user_id, std::move(room), since};
  co_return co_await backfills_->run(std::move(q));
}

awaitable<gateway::watched_rules> gateway::watched_words(std::int64_t group_id) {
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lk(mutex_);
    if (auto it = watched_.find(group_id); it != watched_.end() && it->second.expires > now) co_return it->second.rules;
  }
  auto load = [group_id](pqxx::nontransaction& w) { return moderation::load_watched(w, group_id); };
  watched_rules rules =
      std::make_shared<const std::vector<moderation::watched_hit>>(co_await db_.read(std::move(load)));
  std::lock_guard lk(mutex_);
  if (watched_.size() > 10000) watched_.clear();  // bounded: one entry per group written in
  watched_[group_id] = {now + s_.access_ttl, rules};
  co_return rules;
}

awaitable<std::optional<identity>> gateway::identify(std::string token) {
  co_return co_await identities_->run(std::move(token));
}

http::ws_handler gateway::handler() {
  // Not a coroutine itself: the upgrade request is not needed past this point,
  // and a coroutine's parameters would live as long as the socket.
  return [self = shared_from_this()](std::shared_ptr<http::websocket> ws, http::request req) -> awaitable<void> {
    auto address = ratelimit::address_subject(req.remote_address);
    if (!self->admit_anonymous(address))
      return refuse(std::move(ws), close_code::try_again_later, "too many connections");
    auto s = core::make_lasting<session>(self, ws, address);  // apart from the requests' memory
    {
      std::lock_guard lk(self->mutex_);
      if (!self->stopping_) {
        self->all_[s.get()] = s;
        return serve(std::move(s));
      }
    }
    self->release_anonymous(address);
    return refuse(std::move(ws), close_code::going_away, "server shutting down");
  };
}

awaitable<void> gateway::serve(std::shared_ptr<session> s) {
  s->start();  // the session holds itself through its pending read
  co_return;
}

awaitable<void> gateway::refuse(std::shared_ptr<http::websocket> ws, std::uint16_t code, const char* reason) {
  ws->close(code, reason);
  // Named, not tested inside the condition: g++ 12 destroys a co_await's
  // result twice there (ADR 0002).
  for (;;) {
    auto frame = co_await ws->read();
    if (!frame) break;
  }
}

bool gateway::bind(std::int64_t session_id, std::int64_t user_id, const std::shared_ptr<session>& s,
                   std::function<void()> on_channel_ready) {
  std::lock_guard lk(mutex_);
  auto& mine = by_user_[user_id];
  if (static_cast<int>(mine.size()) >= s_.max_sockets_per_user) return false;
  // Already wanted for another socket: only a callback needs adding.
  if (sub_ && (mine.empty() || on_channel_ready))
    sub_->subscribe(roomlog::user_channel(user_id), std::move(on_channel_ready));
  mine.push_back(s);
  by_session_[session_id].push_back(s);
  return true;
}

bool gateway::admit_anonymous(const std::string& address) {
  std::lock_guard lk(mutex_);
  auto& n = anonymous_by_address_[address];
  if (anonymous_ >= s_.max_anonymous || n >= s_.max_anonymous_per_address) {
    if (n == 0) anonymous_by_address_.erase(address);
    return false;
  }
  ++n;
  ++anonymous_;
  return true;
}

void gateway::release_anonymous(const std::string& address) {
  std::lock_guard lk(mutex_);
  auto it = anonymous_by_address_.find(address);
  if (it == anonymous_by_address_.end()) return;
  --anonymous_;
  if (--it->second == 0) anonymous_by_address_.erase(it);
}

void gateway::forget(session* s, std::int64_t session_id, std::int64_t user_id) {
  std::lock_guard lk(mutex_);
  all_.erase(s);
  frames_sent_gone_ += s->frames_sent();
  if (user_id != 0) {
    if (auto it = by_user_.find(user_id); it != by_user_.end()) {
      std::erase_if(it->second, [&](const std::weak_ptr<session>& w) {
        auto p = w.lock();
        return !p || p.get() == s;
      });
      if (it->second.empty()) {
        by_user_.erase(it);
        if (sub_) sub_->unsubscribe(roomlog::user_channel(user_id));
      }
    }
  }
  if (auto it = by_session_.find(session_id); it != by_session_.end()) {
    auto& v = it->second;
    std::erase_if(v, [&](const std::weak_ptr<session>& w) {
      auto p = w.lock();
      return !p || p.get() == s;
    });
    if (v.empty()) by_session_.erase(it);
  }
}

void gateway::on_user_message(std::int64_t user_id, std::string_view frame) {
  auto shared = std::make_shared<const std::string>(frame);
  auto notification_id = notify::frame_notification_id(frame);
  std::lock_guard lk(mutex_);
  if (auto it = by_user_.find(user_id); it != by_user_.end())
    for (auto& w : it->second)
      if (auto s = w.lock()) s->post_user_frame(shared, notification_id);
}

void gateway::revoke(std::int64_t session_id) {
  std::vector<std::shared_ptr<session>> targets;
  {
    std::lock_guard lk(mutex_);
    if (auto it = by_session_.find(session_id); it != by_session_.end())
      for (auto& w : it->second)
        if (auto p = w.lock()) targets.push_back(p);
  }
  for (auto& s : targets) s->post_close(close_code::token_revoked, "session revoked");
  if (!targets.empty())
    log::info("sockets closed after revocation", {{"count", static_cast<std::int64_t>(targets.size())}});
}

awaitable<void> gateway::recheck_sessions() {
  std::string ids = "{";
  {
    std::lock_guard lk(mutex_);
    for (auto& [id, v] : by_session_) {
      if (ids.size() > 1) ids += ',';
      ids += std::to_string(id);
    }
  }
  ids += '}';
  if (ids == "{}") co_return;
  auto find_dead = [ids](pqxx::nontransaction& w) {
    std::vector<std::int64_t> out;
    for (auto row : w.exec_params("SELECT x FROM unnest($1::bigint[]) AS x WHERE NOT EXISTS ("
                                  " SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = x"
                                  " AND s.revoked_at IS NULL AND s.expires_at > now() AND u.deleted_at IS NULL)",
                                  ids))
      out.push_back(row[0].as<std::int64_t>());
    return out;
  };
  auto dead = co_await db_.read(std::move(find_dead));
  for (auto id : dead) revoke(id);
}

awaitable<void> gateway::recheck_subscriptions() {
  auto held = hub_->subscriptions();
  if (held.empty()) co_return;
  std::vector<std::int64_t> users;
  std::vector<std::string> rooms;
  std::vector<std::shared_ptr<room_listener>> sessions;
  for (auto& h : held)
    if (auto s = h.s.lock(); s && s->user_id() != 0) {
      users.push_back(s->user_id());
      rooms.push_back(h.room);
      sessions.push_back(std::move(s));
    }
  auto query = [users, rooms](pqxx::nontransaction& w) { return check_access_many(w, users, rooms); };
  auto access = co_await db_.read(std::move(query));
  for (std::size_t i = 0; i < sessions.size(); ++i)
    if (!access[i].member) sessions[i]->post_lose_room(rooms[i]);
}

awaitable<void> gateway::recheck_loop() {
  asio::steady_timer t(co_await asio::this_coro::executor);
  bool warned = false;
  for (;;) {
    t.expires_after(s_.recheck_every);
    co_await t.async_wait(asio::use_awaitable);
    {
      std::lock_guard lk(mutex_);
      if (stopping_) co_return;
    }
    try {
      co_await recheck_sessions();
      co_await recheck_subscriptions();
      warned = false;
    } catch (const std::exception& e) {
      if (!warned) log::warn("periodic recheck failed; retrying", {{"error", e.what()}});
      warned = true;
    }
  }
}

void gateway::shutdown() {
  std::vector<std::shared_ptr<session>> targets;
  {
    std::lock_guard lk(mutex_);
    stopping_ = true;
    for (auto& [p, w] : all_)
      if (auto s = w.lock()) targets.push_back(s);
  }
  for (auto& s : targets) s->post_close(close_code::going_away, "server shutting down");
}

std::size_t gateway::connections() const {
  std::lock_guard lk(mutex_);
  return all_.size();
}

std::uint64_t gateway::frames_sent() const {
  std::lock_guard lk(mutex_);
  auto n = frames_sent_gone_;
  for (const auto& [p, w] : all_)
    if (auto s = w.lock()) n += s->frames_sent();
  return n;
}

}  // namespace colibri::chat
