#include "colibri/chat/service.hpp"

#include <atomic>

#include "colibri/auth/password.hpp"
#include "colibri/auth/sessions.hpp"
#include "colibri/core/log.hpp"
#include "colibri/http/health.hpp"

namespace colibri::chat {

service_settings read_service_settings(core::config& cfg) {
  service_settings s;
  s.common = service::read_common(cfg, "chat", "127.0.0.1:8082");
  s.common.http.allowed_origins = cfg.list("COLIBRI_ALLOWED_ORIGINS", "http://127.0.0.1:8080,http://localhost:8080");
  s.common.http.require_origin = cfg.boolean("COLIBRI_WS_REQUIRE_ORIGIN", false);
  s.common.http.ws_idle_timeout = std::chrono::seconds(cfg.integer("COLIBRI_WS_IDLE_SECONDS", 60, 5, 3600));
  s.common.http.ws_close_timeout = std::chrono::seconds(cfg.integer("COLIBRI_WS_CLOSE_SECONDS", 5, 1, 600));
  s.gateway = read_gateway_settings(cfg);
  s.rate = ratelimit::read_settings(cfg);
  s.common.http.ws_max_message = s.gateway.max_frame_bytes;
  s.log.batch_max = static_cast<std::size_t>(cfg.integer("COLIBRI_LOG_BATCH_MAX", 256, 1, 10000));
  s.log.batch_delay = std::chrono::microseconds(cfg.integer("COLIBRI_LOG_BATCH_DELAY_US", 2000, 0, 100000));
  s.log.max_inflight = static_cast<std::size_t>(cfg.integer("COLIBRI_LOG_MAX_INFLIGHT", 2, 1, 64));
  s.log.max_body_code_points = s.gateway.max_body_code_points;
  s.presence.ttl = std::chrono::seconds(cfg.integer("COLIBRI_PRESENCE_TTL_SECONDS", 60, 2, 3600));
  s.presence.refresh_every = s.presence.ttl / 3;
  s.presence.fanout_per_second = cfg.integer("COLIBRI_PRESENCE_FANOUT_PER_SECOND", 2000, 1, 1000000);
  return s;
}

namespace {

// A channel's message, by channel: a revocation closes sockets, a person's
// channel reaches their sockets, a room's feeds the hub.
void dispatch(gateway& gw, hub* h, std::string_view channel, std::string_view msg) {
  try {
    if (channel == auth::k_revoked_channel) {
      gw.revoke(std::stoll(std::string(msg)));
    } else if (channel.starts_with(roomlog::k_user_channel_prefix)) {
      gw.on_user_message(std::stoll(std::string(channel.substr(roomlog::k_user_channel_prefix.size()))), msg);
    } else if (h) {
      h->on_message(channel, msg);
    }
  } catch (const std::exception&) {
    log::warn("malformed pub/sub message", {{"channel", std::string(channel)}});
  }
}

void spawn_logged(asio::io_context& io, awaitable<void> loop, const char* what) {
  asio::co_spawn(io, std::move(loop), [what](std::exception_ptr ep) {
    if (ep) log::error("background loop ended", {{"loop", what}});
  });
}

}  // namespace

int run(service_settings s) {
  auth::init_crypto();
  service::runtime rt(s.common);
  rt.migrate();
  auto log = roomlog::room_log::create(rt.io().get_executor(), rt.db(), &rt.publisher(), s.log);
  ratelimit::limiter limits(&rt.publisher(), s.rate);
  auto gw = std::make_shared<gateway>(rt.io().get_executor(), rt.db(), log, rt.publisher(), limits, s.gateway);

  std::shared_ptr<hub> the_hub;  // set below, before the subscriber starts
  std::atomic<bool> missed{false};
  redis::subscriber subscriber(
      rt.io().get_executor(), s.common.redis,
      {[&](std::string_view channel, std::string_view msg) { dispatch(*gw, the_hub.get(), channel, msg); },
       [&] {
         missed = true;
         if (the_hub) the_hub->on_redis_lost();
       },
       [&] {
         if (!missed.exchange(false) || !the_hub) return;
         the_hub->on_redis_back();
         asio::co_spawn(rt.io(), gw->recheck_sessions(), [](std::exception_ptr ep) {
           if (ep) log::warn("session recheck failed; will retry at the next reconnect");
         });
       }});
  the_hub = std::make_shared<hub>(rt.io().get_executor(),
                                  std::make_shared<redis_room_source>(log, subscriber, rt.publisher()), s.presence);
  gw->set_hub(the_hub);
  gw->set_subscriber(&subscriber);
  subscriber.subscribe(auth::k_revoked_channel);
  subscriber.start();
  // Revocations and removals reach open sockets within recheck_every even
  // when a Redis message was lost.
  spawn_logged(rt.io(), gw->recheck_loop(), "recheck");
  spawn_logged(rt.io(), the_hub->presence_loop(), "presence");

  using k = core::metrics::kind;
  auto& m = rt.metrics();
  m.add(k::gauge, "colibri_chat_connections", "WebSocket connections open.",
        [&] { return static_cast<double>(gw->connections()); });
  m.add(k::counter, "colibri_chat_frames_sent_total", "Frames queued for clients (events, acks, errors, presence).",
        [&] { return static_cast<double>(gw->frames_sent()); });
  m.add(k::counter, "colibri_chat_acks_total", "Posts acked (committed).",
        [&] { return static_cast<double>(gw->counted().acks.load()); });
  m.add(k::counter, "colibri_chat_slow_consumers_total", "Sockets closed for not reading their frames (4008).",
        [&] { return static_cast<double>(gw->counted().slow_consumers.load()); });

  http::router routes;
  http::add_health_routes(routes, "chat", rt.readiness(true));
  http::server server(rt.io(), s.common.http, routes, gw->handler());
  return rt.run(
      server,
      [&] {
        gw->shutdown();
        subscriber.stop();
      },
      [&] { return gw->connections() == 0; });
}

}  // namespace colibri::chat
