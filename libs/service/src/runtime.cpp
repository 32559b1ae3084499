#include "colibri/service/runtime.hpp"

#include <boost/asio/signal_set.hpp>
#include <iostream>
#include <thread>

#include "colibri/core/log.hpp"
#include "colibri/pg/migrate.hpp"
#include "colibri/schema/migrations.hpp"

namespace colibri::service {

common_settings read_common(core::config& cfg, std::string name, std::string_view default_listen) {
  common_settings s;
  s.name = name;
  std::string upper;
  for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  s.threads = static_cast<int>(cfg.integer("COLIBRI_THREADS", 2, 1, 64));
  s.pg.url = cfg.str("COLIBRI_PG_URL", "postgresql://colibri@127.0.0.1:55432/colibri");
  s.pg.size = static_cast<std::size_t>(cfg.integer("COLIBRI_PG_POOL_SIZE", 4, 1, 64));
  s.pg.queue_max = static_cast<std::size_t>(cfg.integer("COLIBRI_PG_QUEUE_MAX", 2000, 1, 1000000));
  s.pg_startup_wait_s = static_cast<int>(cfg.integer("COLIBRI_PG_STARTUP_WAIT_SECONDS", 30, 0, 3600));
  s.pg.statement_timeout_ms = static_cast<int>(cfg.integer("COLIBRI_PG_STATEMENT_TIMEOUT_MS", 15000, 0, 3600000));
  s.pg.job_timeout = std::chrono::milliseconds(cfg.integer("COLIBRI_PG_JOB_TIMEOUT_MS", 20000, 0, 3600000));
  // One address: a single Redis. Several: seed nodes of a Redis Cluster.
  auto redis = cfg.endpoints("COLIBRI_REDIS", "127.0.0.1:56379");
  if (redis.size() == 1) {
    s.redis.host = redis.front().first;
    s.redis.port = redis.front().second;
  } else {
    s.redis.cluster = std::move(redis);
  }
  auto [host, port] = cfg.endpoint("COLIBRI_" + upper + "_LISTEN", default_listen);
  s.http.address = host;
  s.http.port = port;
  s.http.body_limit = static_cast<std::size_t>(cfg.integer("COLIBRI_BODY_LIMIT_BYTES", 64 * 1024, 1024, 16 << 20));
  s.http.trusted_proxies = cfg.list("COLIBRI_TRUSTED_PROXIES", "127.0.0.1");
  if (auto m = cfg.optional_endpoint("COLIBRI_METRICS_LISTEN")) {
    s.metrics.emplace();
    s.metrics->address = m->first;
    s.metrics->port = m->second;
  }
  std::string level = cfg.str("COLIBRI_LOG_LEVEL", "info");
  log::level l;
  if (log::parse_level(level, l))
    log::set_level(l);
  else
    cfg.fail("COLIBRI_LOG_LEVEL", "must be debug, info, warn or error");
  return s;
}

runtime::runtime(common_settings s)
    : settings_(std::move(s)),
      io_(settings_.threads),
      db_(std::make_unique<pg::pool>(settings_.pg, "colibri-" + settings_.name)),
      publisher_(std::make_unique<redis::publisher>(io_.get_executor(), settings_.redis)) {
  publisher_->start();
  using k = core::metrics::kind;
  metrics_.add(k::gauge, "colibri_pg_up", "1 while PostgreSQL answers (what /readyz reports), else 0.",
               [this] { return db_->available() ? 1.0 : 0.0; });
  metrics_.add(k::gauge, "colibri_pg_pool_size", "PostgreSQL connections of the pool.",
               [this] { return static_cast<double>(db_->size()); });
  metrics_.add(k::gauge, "colibri_pg_pool_busy", "Pool connections running a job now.",
               [this] { return static_cast<double>(db_->busy_workers()); });
  metrics_.add(k::gauge, "colibri_pg_pool_queued", "Jobs waiting for a pool connection.",
               [this] { return static_cast<double>(db_->queued()); });
  metrics_.add(k::gauge, "colibri_redis_up", "1 while the Redis connection is up, else 0.",
               [this] { return publisher_->healthy() ? 1.0 : 0.0; });
}

runtime::~runtime() {
  publisher_->stop();
  db_->stop();
}

void runtime::migrate() {
  auto url = pg::with_connect_timeout(settings_.pg.url, 2, "colibri-" + settings_.name + "-migrate");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(settings_.pg_startup_wait_s);
  for (int attempt = 1;; ++attempt) {
    try {
      pqxx::connection c(url);
      int n = pg::migrate(c, schema::migrations());
      log::info("database schema up to date", {{"applied_now", n}});
      return;
    } catch (const pqxx::broken_connection& e) {
      if (std::chrono::steady_clock::now() >= deadline) throw;
      if (attempt == 1) log::warn("waiting for postgresql", {{"error", e.what()}});
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }
}

std::vector<http::readiness_check> runtime::readiness(bool needs_redis) {
  // Answered from the dependencies' state, at once: a blackholed database
  // must not make /readyz hang behind it.
  std::vector<http::readiness_check> checks{
      {"postgresql", [this]() -> awaitable<bool> { co_return db_->available(); }}};
  if (needs_redis) checks.push_back({"redis", [this]() -> awaitable<bool> { co_return publisher_->healthy(); }});
  return checks;
}

int runtime::run(http::server& server, std::function<void()> on_stop, std::function<bool()> drained) {
  metrics_.add(core::metrics::kind::gauge, "colibri_http_in_flight", "HTTP requests being answered now.",
               [&server] { return static_cast<double>(server.in_flight()); });
  server.start();
  log::info("listening", {{"address", settings_.http.address}, {"port", static_cast<int>(server.port())}});
  http::router metric_routes;
  metric_routes.get("/metrics", [this](http::request&) -> awaitable<http::response> {
    http::response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_.render();
    co_return r;
  });
  std::unique_ptr<http::server> metrics_server;
  if (settings_.metrics) {
    metrics_server = std::make_unique<http::server>(io_, *settings_.metrics, metric_routes);
    metrics_server->start();
    log::info("metrics", {{"address", settings_.metrics->address}, {"port", static_cast<int>(metrics_server->port())}});
  }
  asio::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log::info("stopping", {{"signal", sig}});
    server.stop();
    if (metrics_server) metrics_server->stop();
    if (on_stop) on_stop();
    // Requests in flight get up to 5 s to finish, then the loop ends.
    auto timer = std::make_shared<asio::steady_timer>(io_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    auto poll = std::make_shared<std::function<void()>>();
    *poll = [this, &server, timer, deadline, poll, drained] {
      bool idle = server.in_flight() == 0 && (!drained || drained());
      if (idle || std::chrono::steady_clock::now() >= deadline) {
        publisher_->stop();
        // Let the close frames and the Redis disconnect go out.
        timer->expires_after(std::chrono::milliseconds(200));
        timer->async_wait([this, poll](auto) {
          io_.stop();
          *poll = nullptr;
        });
        return;
      }
      timer->expires_after(std::chrono::milliseconds(20));
      timer->async_wait([poll](auto) {
        if (*poll) (*poll)();
      });
    };
    (*poll)();
  });
  std::vector<std::thread> threads;
  for (int i = 1; i < settings_.threads; ++i) threads.emplace_back([this] { io_.run(); });
  io_.run();
  for (auto& t : threads) t.join();
  log::info("stopped");
  return 0;
}

void finish_config(core::config& cfg) {
  cfg.finish();
  for (const auto& s : cfg.settings())
    log::info("setting", {{"name", s.name}, {"value", s.value}, {"default", s.from_default}});
}

int guarded_main(const char* name, int argc, char** argv, const std::function<int(core::config&)>& body) {
  log::set_service(name);
  try {
    core::config cfg(argc, argv);
    return body(cfg);
  } catch (const core::config_error& e) {
    std::cerr << name << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    log::error("fatal", {{"error", e.what()}});
    return 1;
  }
}

}  // namespace colibri::service
