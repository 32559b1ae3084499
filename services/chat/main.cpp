// colibri-chat: the realtime WebSocket gateway (/ws).
#include <atomic>

#include "colibri/auth/password.hpp"
#include "colibri/chat/gateway.hpp"
#include "colibri/core/log.hpp"
#include "colibri/auth/sessions.hpp"
#include "colibri/http/health.hpp"
#include "colibri/service/runtime.hpp"

using namespace colibri;

int main(int argc, char** argv) {
  return service::guarded_main("chat", argc, argv, [](core::config& cfg) {
    auto common = service::read_common(cfg, "chat", "127.0.0.1:8082");
    common.http.allowed_origins = cfg.list("COLIBRI_ALLOWED_ORIGINS", "http://127.0.0.1:8080,http://localhost:8080");
    common.http.require_origin = cfg.boolean("COLIBRI_WS_REQUIRE_ORIGIN", false);
    common.http.ws_idle_timeout = std::chrono::seconds(cfg.integer("COLIBRI_WS_IDLE_SECONDS", 60, 5, 3600));
    auto gs = chat::read_gateway_settings(cfg);
    common.http.ws_max_message = gs.max_frame_bytes;
    service::finish_config(cfg);

    auth::init_crypto();
    service::runtime rt(common);
    rt.migrate();
    auto gw = std::make_shared<chat::gateway>(rt.db(), gs);

    // Revocations reach every gateway through Redis; after an outage, the
    // sessions held are checked against PostgreSQL in case one was missed.
    auto missed = std::make_shared<std::atomic<bool>>(false);
    redis::subscriber revocations(
        rt.io().get_executor(), common.redis,
        {[gw](std::string_view, std::string_view msg) {
           try {
             gw->revoke(std::stoll(std::string(msg)));
           } catch (const std::exception&) {
             log::warn("malformed revocation message");
           }
         },
         [missed] { *missed = true; },
         [gw, missed, &rt] {
           if (!missed->exchange(false)) return;
           asio::co_spawn(rt.io(), gw->recheck_sessions(), [](std::exception_ptr ep) {
             if (ep) log::warn("session recheck failed; will retry at the next reconnect");
           });
         }});
    revocations.subscribe(auth::k_revoked_channel);
    revocations.start();

    http::router routes;
    http::add_health_routes(routes, "chat", rt.readiness());
    http::server server(rt.io(), common.http, routes, gw->handler());
    return rt.run(
        server,
        [&] {
          gw->shutdown();
          revocations.stop();
        },
        [&] { return gw->connections() == 0; });
  });
}
