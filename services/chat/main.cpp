// colibri-chat: the realtime WebSocket gateway (/ws).
#include <atomic>

#include "colibri/auth/password.hpp"
#include "colibri/auth/sessions.hpp"
#include "colibri/chat/gateway.hpp"
#include "colibri/chat/hub.hpp"
#include "colibri/core/log.hpp"
#include "colibri/http/health.hpp"
#include "colibri/roomlog/room_log.hpp"
#include "colibri/service/runtime.hpp"

using namespace colibri;

int main(int argc, char** argv) {
  return service::guarded_main("chat", argc, argv, [](core::config& cfg) {
    auto common = service::read_common(cfg, "chat", "127.0.0.1:8082");
    common.http.allowed_origins = cfg.list("COLIBRI_ALLOWED_ORIGINS", "http://127.0.0.1:8080,http://localhost:8080");
    common.http.require_origin = cfg.boolean("COLIBRI_WS_REQUIRE_ORIGIN", false);
    common.http.ws_idle_timeout = std::chrono::seconds(cfg.integer("COLIBRI_WS_IDLE_SECONDS", 60, 5, 3600));
    auto gs = chat::read_gateway_settings(cfg);
    auto rate_settings = ratelimit::read_settings(cfg);
    common.http.ws_max_message = gs.max_frame_bytes;
    roomlog::options lo;
    lo.batch_max = static_cast<std::size_t>(cfg.integer("COLIBRI_LOG_BATCH_MAX", 256, 1, 10000));
    lo.batch_delay = std::chrono::microseconds(cfg.integer("COLIBRI_LOG_BATCH_DELAY_US", 2000, 0, 100000));
    lo.max_inflight = static_cast<std::size_t>(cfg.integer("COLIBRI_LOG_MAX_INFLIGHT", 2, 1, 64));
    lo.max_body_code_points = gs.max_body_code_points;
    chat::presence_settings presence;
    presence.ttl = std::chrono::seconds(cfg.integer("COLIBRI_PRESENCE_TTL_SECONDS", 60, 2, 3600));
    presence.refresh_every = presence.ttl / 3;
    service::finish_config(cfg);

    auth::init_crypto();
    service::runtime rt(common);
    rt.migrate();
    auto log = roomlog::room_log::create(rt.io().get_executor(), rt.db(), &rt.publisher(), lo);
    ratelimit::limiter limits(&rt.publisher(), rate_settings);
    auto gw = std::make_shared<chat::gateway>(rt.io().get_executor(), rt.db(), log, rt.publisher(), limits, gs);

    // One subscriber connection for the process: room channels feed the hub,
    // revocations close sockets. After an outage, rooms catch up from
    // PostgreSQL and sessions are re-checked there, in case a message was missed.
    auto hub_ref = std::make_shared<std::shared_ptr<chat::hub>>();
    auto missed = std::make_shared<std::atomic<bool>>(false);
    redis::subscriber subscriber(
        rt.io().get_executor(), common.redis,
        {[gw, hub_ref](std::string_view channel, std::string_view msg) {
           if (channel == auth::k_revoked_channel) {
             try {
               gw->revoke(std::stoll(std::string(msg)));
             } catch (const std::exception&) {
               log::warn("malformed revocation message");
             }
             return;
           }
           if (channel.starts_with(roomlog::k_user_channel_prefix)) {
             try {
               gw->on_user_message(std::stoll(std::string(channel.substr(roomlog::k_user_channel_prefix.size()))), msg);
             } catch (const std::exception&) {
               log::warn("malformed user channel");
             }
             return;
           }
           if (*hub_ref) (*hub_ref)->on_message(channel, msg);
         },
         [missed, hub_ref] {
           *missed = true;
           if (*hub_ref) (*hub_ref)->on_redis_lost();
         },
         [gw, missed, hub_ref, &rt] {
           if (!missed->exchange(false)) return;
           if (*hub_ref) (*hub_ref)->on_redis_back();
           asio::co_spawn(rt.io(), gw->recheck_sessions(), [](std::exception_ptr ep) {
             if (ep) log::warn("session recheck failed; will retry at the next reconnect");
           });
         }});
    *hub_ref = std::make_shared<chat::hub>(rt.io().get_executor(), log, subscriber, rt.publisher(), presence);
    gw->set_hub(*hub_ref);
    gw->set_subscriber(&subscriber);
    subscriber.subscribe(auth::k_revoked_channel);
    subscriber.start();
    // Revocations and removals reach open sockets within recheck_every even
    // when a Redis message was lost.
    asio::co_spawn(rt.io(), gw->recheck_loop(), [](std::exception_ptr ep) {
      if (ep) log::error("recheck loop ended");
    });

    asio::co_spawn(rt.io(), (*hub_ref)->presence_loop(), [](std::exception_ptr ep) {
      if (ep) log::error("presence loop ended");
    });

    http::router routes;
    http::add_health_routes(routes, "chat", rt.readiness(true));
    http::server server(rt.io(), common.http, routes, gw->handler());
    return rt.run(
        server,
        [&] {
          gw->shutdown();
          subscriber.stop();
        },
        [&] { return gw->connections() == 0; });
  });
}
