#include "colibri/pg/leader.hpp"

#include <pqxx/pqxx>

#include "colibri/core/log.hpp"
#include "colibri/pg/pool.hpp"

namespace colibri::pg {

leader_lock::leader_lock(std::string url, long long key, std::function<void(bool)> on_change)
    : url_(with_connect_timeout(url, 2, "colibri-leader")), key_(key), on_change_(std::move(on_change)) {}

leader_lock::~leader_lock() { stop(); }

void leader_lock::start() {
  thread_ = std::thread([this] { loop(); });
}

void leader_lock::stop() {
  {
    std::lock_guard lk(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void leader_lock::loop() {
  std::unique_ptr<pqxx::connection> conn;
  auto set = [&](bool v) {
    if (held_.exchange(v) != v) {
      log::info(v ? "leader lock acquired" : "leader lock lost", {{"key", static_cast<std::int64_t>(key_)}});
      if (on_change_) on_change_(v);
    }
  };
  for (;;) {
    try {
      if (!conn) conn = std::make_unique<pqxx::connection>(url_);
      pqxx::nontransaction n(*conn);
      if (!held_) {
        set(n.exec("SELECT pg_try_advisory_lock(" + std::to_string(key_) + ")")[0][0].as<bool>());
      } else {
        n.exec("SELECT 1");  // still connected, so still holding
      }
    } catch (const std::exception& e) {
      conn.reset();
      set(false);
      log::warn("leader lock connection failed", {{"error", e.what()}});
    }
    std::unique_lock lk(mutex_);
    if (cv_.wait_for(lk, std::chrono::seconds(2), [&] { return stopping_; })) break;
  }
  conn.reset();  // closing the session releases the lock at once
  set(false);
}

}  // namespace colibri::pg
