// colibri-badges: the scheduler (leader-elected through PostgreSQL).
#include "colibri/badges/scheduler.hpp"
#include "colibri/http/health.hpp"
#include "colibri/json/writer.hpp"
#include "colibri/service/runtime.hpp"

using namespace colibri;

int main(int argc, char** argv) {
  return service::guarded_main("badges", argc, argv, [](core::config& cfg) {
    auto common = service::read_common(cfg, "badges", "127.0.0.1:8083");
    service::finish_config(cfg);

    service::runtime rt(common);
    rt.migrate();
    badges::scheduler sched(common.pg.url);
    sched.start();

    http::router routes;
    http::add_health_routes(routes, "badges", rt.readiness());
    routes.get("/leader", [&sched](http::request&) -> awaitable<http::response> {
      json::writer w;
      w.begin_object().field("leader", sched.leader()).end_object();
      co_return http::response::json(200, w.release());
    });
    http::server server(rt.io(), common.http, routes);
    int rc = rt.run(server, [&] { sched.stop(); });
    sched.stop();
    return rc;
  });
}
