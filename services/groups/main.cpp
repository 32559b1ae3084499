// colibri-groups: the REST service: accounts, groups, threads, moderation,
// notifications and the caller's data.
#include <malloc.h>

#include <boost/asio/thread_pool.hpp>

#include "colibri/auth/password.hpp"
#include "colibri/groups/accounts.hpp"
#include "colibri/groups/community.hpp"
#include "colibri/http/health.hpp"
#include "colibri/service/runtime.hpp"

using namespace colibri;

int main(int argc, char** argv) {
  // Document chunks pass through buffers of 256 KiB to 512 KiB (a chunk, its
  // hex text from libpq). A fixed mmap threshold gives those back to the
  // system when freed; glibc's default threshold rises after the first such
  // free and keeps them in the heap of each pool thread for good
  // (docs/benchmarks.md, "Documents").
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  return service::guarded_main("groups", argc, argv, [](core::config& cfg) {
    auto common = service::read_common(cfg, "groups", "127.0.0.1:8081");
    auto account_settings = groups::read_account_settings(cfg);
    auto community_settings = groups::read_community_settings(cfg);
    auto rate_settings = ratelimit::read_settings(cfg);
    auto cpu_threads = cfg.integer("COLIBRI_CPU_THREADS", 2, 1, 64);
    bool seed = cfg.boolean("COLIBRI_SEED_GROUPS", true);
    roomlog::options lo;
    lo.max_body_code_points = static_cast<std::size_t>(cfg.integer("COLIBRI_MAX_BODY_CODE_POINTS", 4000, 1, 100000));
    service::finish_config(cfg);

    auth::init_crypto();
    service::runtime rt(common);
    rt.migrate();
    asio::thread_pool cpu(static_cast<std::size_t>(cpu_threads));
    auto log = roomlog::room_log::create(rt.io().get_executor(), rt.db(), &rt.publisher(), lo);
    ratelimit::limiter limits(&rt.publisher(), rate_settings);
    groups::accounts accounts(rt.db(), rt.publisher(), log, cpu.get_executor(), limits, account_settings);
    {
      pqxx::connection c(pg::with_connect_timeout(common.pg.url, 2, "colibri-groups-start"));
      if (seed) groups::community::seed(c);
    }
    groups::community community(rt.db(), rt.publisher(), log, limits, community_settings);
    http::router routes;
    http::add_health_routes(routes, "groups", rt.readiness(false));
    accounts.add_routes(routes);
    community.add_routes(routes);
    http::server server(rt.io(), common.http, routes);
    int rc = rt.run(server);
    cpu.join();
    return rc;
  });
}
