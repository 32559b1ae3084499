// colibri-groups: the REST service (accounts now; groups and threads next).
#include <boost/asio/thread_pool.hpp>

#include "colibri/auth/password.hpp"
#include "colibri/groups/accounts.hpp"
#include "colibri/http/health.hpp"
#include "colibri/service/runtime.hpp"

using namespace colibri;

int main(int argc, char** argv) {
  return service::guarded_main("groups", argc, argv, [](core::config& cfg) {
    auto common = service::read_common(cfg, "groups", "127.0.0.1:8081");
    auto account_settings = groups::read_account_settings(cfg);
    auto cpu_threads = cfg.integer("COLIBRI_CPU_THREADS", 2, 1, 64);
    service::finish_config(cfg);

    auth::init_crypto();
    service::runtime rt(common);
    rt.migrate();
    asio::thread_pool cpu(static_cast<std::size_t>(cpu_threads));
    groups::accounts accounts(rt.db(), rt.publisher(), cpu.get_executor(), account_settings);
    {
      pqxx::connection c(pg::with_connect_timeout(common.pg.url, 2, "colibri-groups-start"));
      accounts.promote_admins(c);
    }
    http::router routes;
    http::add_health_routes(routes, "groups", rt.readiness());
    accounts.add_routes(routes);
    http::server server(rt.io(), common.http, routes);
    int rc = rt.run(server);
    cpu.join();
    return rc;
  });
}
