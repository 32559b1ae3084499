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
  auto [rhost, rport] = cfg.endpoint("COLIBRI_REDIS", "127.0.0.1:56379");
  s.redis.host = rhost;
  s.redis.port = rport;
  auto [host, port] = cfg.endpoint("COLIBRI_" + upper + "_LISTEN", default_listen);
  s.http.address = host;
  s.http.port = port;
  s.http.body_limit = static_cast<std::size_t>(cfg.integer("COLIBRI_BODY_LIMIT_BYTES", 64 * 1024, 1024, 16 << 20));
  s.http.trusted_proxies = cfg.list("COLIBRI_TRUSTED_PROXIES", "127.0.0.1");
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
  server.start();
  log::info("listening", {{"address", settings_.http.address}, {"port", static_cast<int>(server.port())}});
  asio::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log::info("stopping", {{"signal", sig}});
    server.stop();
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
