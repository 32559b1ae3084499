#pragma once
// What every Colibri service does the same way: read and log its settings,
// own the io_context and its threads, the PostgreSQL pool, the Redis
// publisher, apply migrations, answer /healthz and /readyz, and stop
// gracefully on SIGTERM/SIGINT.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "colibri/core/config.hpp"
#include "colibri/core/metrics.hpp"
#include "colibri/http/health.hpp"
#include "colibri/http/server.hpp"
#include "colibri/net/asio.hpp"
#include "colibri/pg/pool.hpp"
#include "colibri/redis/client.hpp"

namespace colibri::service {

struct common_settings {
  std::string name;
  int threads = 2;
  pg::pool_options pg;
  int pg_startup_wait_s = 30;
  redis::options redis;
  http::server_options http;
  // COLIBRI_METRICS_LISTEN: /metrics (Prometheus' text format) on its own
  // address, for the operator's scraper only; off when empty.
  std::optional<http::server_options> metrics;
};

// Reads the settings every service shares. `default_listen` is host:port.
common_settings read_common(core::config& cfg, std::string name, std::string_view default_listen);

class runtime {
 public:
  explicit runtime(common_settings s);
  ~runtime();

  asio::io_context& io() { return io_; }
  pg::pool& db() { return *db_; }
  redis::publisher& publisher() { return *publisher_; }
  const common_settings& settings() const { return settings_; }
  // What /metrics shows: the pool and Redis here, the service adds its own.
  core::metrics& metrics() { return metrics_; }

  // Waits (bounded) for PostgreSQL, then applies pending migrations.
  void migrate();
  // What /readyz reports: only what the service cannot serve without
  // (PostgreSQL always; Redis for the gateway, whose live delivery needs it).
  std::vector<http::readiness_check> readiness(bool needs_redis);

  // Starts the server and blocks until a stop signal; then stops accepting,
  // calls on_stop (close sockets, flush), lets requests in flight finish and
  // waits for drained() (both bounded to 5 s), and returns the exit code.
  int run(http::server& server, std::function<void()> on_stop = {}, std::function<bool()> drained = {});

 private:
  common_settings settings_;
  core::metrics metrics_;
  asio::io_context io_;
  std::unique_ptr<pg::pool> db_;
  std::unique_ptr<redis::publisher> publisher_;
};

// Reports every configuration problem at once (config_error), then logs
// the settings in force, secrets redacted.
void finish_config(core::config& cfg);

// Parses argv/env, logs the settings (secrets redacted), and turns a bad
// configuration into a clear message and exit code 2.
int guarded_main(const char* name, int argc, char** argv, const std::function<int(core::config&)>& body);

}  // namespace colibri::service
