#include "colibri/pg/pool.hpp"

#include <sys/socket.h>

#include <cstring>
#include <pqxx/errorhandler>
#include <utility>

#include "colibri/core/log.hpp"

namespace colibri::pg {

std::string with_connect_timeout(const std::string& url, int seconds, std::string_view application_name) {
  std::string out = url;
  bool is_url = url.starts_with("postgresql://") || url.starts_with("postgres://");
  auto add = [&](std::string_view key, std::string_view value) {
    if (out.find(std::string(key) + "=") != std::string::npos) return;
    if (is_url) {
      out += out.find('?') == std::string::npos ? '?' : '&';
    } else if (!out.empty()) {
      out += ' ';
    }
    out += key;
    out += '=';
    out += value;
  };
  add("connect_timeout", std::to_string(seconds));
  add("keepalives", "1");
  add("keepalives_idle", "5");
  add("keepalives_interval", "2");
  add("keepalives_count", "3");
  add("tcp_user_timeout", "10000");
  add("application_name", application_name);
  return out;
}

namespace {
thread_local bool t_unconfirmed_commit = false;

// Notices of a worker's connection: the commit that stopped waiting for its
// synchronous standby ("canceling wait for synchronous replication ...").
struct commit_watch final : pqxx::errorhandler {
  using pqxx::errorhandler::errorhandler;
  bool operator()(const char msg[]) noexcept override {
    if (std::strstr(msg, "canceling wait for synchronous replication")) {
      t_unconfirmed_commit = true;
      log::warn("postgresql committed without its synchronous standby; answered as unavailable");
    }
    return true;
  }
};
}  // namespace

bool take_unconfirmed_commit() noexcept { return std::exchange(t_unconfirmed_commit, false); }

bool is_connection_error(const std::exception& e) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e)) return true;
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e)) return true;
  if (auto s = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string& st = s->sqlstate();
    // 08xxx connection exceptions; 57P0x shutdown / cannot connect now; 53300 too many connections.
    return st.starts_with("08") || st.starts_with("57P0") || st == "53300";
  }
  return false;
}

pool::pool(pool_options opts, std::string application_name)
    : opts_(std::move(opts)),
      url_(with_connect_timeout(opts_.url, opts_.connect_timeout_s, application_name)),
      busy_since_ms_(new std::atomic<std::int64_t>[opts_.size]),
      fds_(new int[opts_.size]),
      cut_since_ms_(new std::int64_t[opts_.size]) {
  for (std::size_t i = 0; i < opts_.size; ++i) {
    busy_since_ms_[i] = 0;
    fds_[i] = -1;
    cut_since_ms_[i] = 0;
  }
  for (std::size_t i = 0; i < opts_.size; ++i) threads_.emplace_back([this, i] { worker_loop(i); });
  if (opts_.job_timeout.count() > 0) watchdog_ = std::thread([this] { watch(); });
}

void pool::set_fd(std::size_t index, int fd) {
  std::lock_guard lk(fds_mutex_);
  fds_[index] = fd;
}

void pool::watch() {
  std::unique_lock lk(mutex_);
  while (!stopping_) {
    watch_cv_.wait_for(lk, std::chrono::milliseconds(200));
    auto now = now_ms();
    for (std::size_t i = 0; i < opts_.size; ++i) {
      auto since = busy_since_ms_[i].load();
      if (since == 0 || now - since <= opts_.job_timeout.count() || cut_since_ms_[i] == since) continue;
      cut_since_ms_[i] = since;
      std::lock_guard fl(fds_mutex_);
      if (fds_[i] < 0) continue;
      ::shutdown(fds_[i], SHUT_RDWR);
      log::warn("postgresql job past its deadline; its connection is cut",
                {{"worker", static_cast<std::int64_t>(i)}, {"ms", now - since}});
    }
  }
}

pool::~pool() { stop(); }

void pool::stop() {
  {
    std::lock_guard lk(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  watch_cv_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
  // Jobs still queued are failed, never dropped silently.
  std::deque<queued_job> rest;
  {
    std::lock_guard lk(mutex_);
    rest.swap(queue_);
  }
  for (auto& q : rest) q.j(nullptr, std::make_exception_ptr(unavailable("database pool stopped")), false);
}

std::size_t pool::queued() const {
  std::lock_guard lk(mutex_);
  return queue_.size();
}

std::int64_t pool::now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

void pool::mark_down() {
  up_ = false;
  probe_at_ms_ = now_ms() + opts_.probe_every.count();
  // What waits in the queue would only wait for connect timeouts: 503 now.
  std::deque<queued_job> rest;
  {
    std::lock_guard lk(mutex_);
    rest.swap(queue_);
  }
  for (auto& q : rest) q.j(nullptr, std::make_exception_ptr(unavailable("database unavailable")), false);
}

bool pool::stalled() const {
  auto now = now_ms();
  for (std::size_t i = 0; i < opts_.size; ++i) {
    auto since = busy_since_ms_[i].load();
    if (since != 0 && now - since > opts_.stall_after.count()) return true;
  }
  return false;
}

std::size_t pool::busy_workers() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < opts_.size; ++i) n += busy_since_ms_[i].load() != 0;
  return n;
}

bool pool::available() {
  if (stalled()) return false;
  if (!ping_in_flight_.exchange(true)) {
    try {
      submit([this](pqxx::connection* c, std::exception_ptr pre, bool may_retry) {
        outcome o = outcome::done;
        if (!pre) {
          try {
            pqxx::nontransaction(*c).exec("SELECT 1");
          } catch (const std::exception& e) {
            // A connection that died while idle is replaced and tried once more.
            if (is_connection_error(e)) o = may_retry ? outcome::retry : outcome::broken;
          }
        }
        if (o != outcome::retry) ping_in_flight_ = false;
        return o;
      });
    } catch (...) {
      ping_in_flight_ = false;
    }
  }
  return up_;
}

void pool::submit(job j) {
  {
    std::lock_guard lk(mutex_);
    if (stopping_) throw unavailable("database pool stopped");
    // The circuit is open: fail at once, but let one job through every
    // probe_every to find out whether PostgreSQL is back.
    if (!up_) {
      auto now = now_ms();
      if (now < probe_at_ms_) throw unavailable("database unavailable");
      probe_at_ms_ = now + opts_.probe_every.count();
    }
    if (queue_.size() >= opts_.queue_max) throw unavailable("database queue full");
    // A worker is stuck on a server that does not answer and none is free:
    // nothing new would be served before they are.
    if (stalled() && busy_workers() == opts_.size) throw unavailable("database not answering");
    queue_.push_back({std::move(j), now_ms()});
  }
  cv_.notify_one();
}

void pool::worker_loop(std::size_t index) {
  std::unique_ptr<pqxx::connection> conn;
  std::unique_ptr<commit_watch> watch;  // destroyed before its connection
  bool down = false;                    // log an outage once, not once per job
  auto connect = [&]() -> std::exception_ptr {
    try {
      watch.reset();
      conn = std::make_unique<pqxx::connection>(url_);
      watch = std::make_unique<commit_watch>(*conn);
      set_fd(index, conn->sock());
      // Our prepared statements take arrays whose sizes the planner cannot
      // know: a generic plan is as good, and planning them again on every
      // execution (the server's default after comparing costs) costs more
      // than running them (pg/prepared.hpp).
      pqxx::nontransaction(*conn).exec("SET plan_cache_mode = force_generic_plan; SET statement_timeout = " +
                                       std::to_string(opts_.statement_timeout_ms));
      if (down) log::info("postgresql connection restored", {{"worker", static_cast<std::int64_t>(index)}});
      down = false;
      return nullptr;
    } catch (const std::exception& e) {
      set_fd(index, -1);
      watch.reset();
      conn.reset();
      if (!down)
        log::warn("postgresql connection failed", {{"worker", static_cast<std::int64_t>(index)}, {"error", e.what()}});
      down = true;
      mark_down();
      return std::make_exception_ptr(unavailable("database unreachable"));
    }
  };
  for (;;) {
    job j;
    {
      std::unique_lock lk(mutex_);
      cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      auto q = std::move(queue_.front());
      queue_.pop_front();
      j = std::move(q.j);
      if (now_ms() - q.since_ms > 2 * opts_.stall_after.count()) {
        lk.unlock();
        j(nullptr, std::make_exception_ptr(unavailable("database not answering")), false);
        continue;
      }
    }
    // A job runs at most twice: a connection found broken before anything was
    // committed (say PostgreSQL restarted while this worker idled) is replaced
    // and the job retried once, so a restart costs no request.
    for (bool may_retry = true;; may_retry = false) {
      busy_since_ms_[index] = now_ms();  // each attempt has its own deadline
      if (!conn || !conn->is_open()) {
        if (auto ep = connect()) {
          j(nullptr, ep, false);
          break;
        }
      }
      auto o = j(conn.get(), nullptr, may_retry);
      if (o == outcome::done) {
        up_ = true;
        break;
      }
      set_fd(index, -1);
      watch.reset();
      conn.reset();
      if (o == outcome::broken) {
        mark_down();
        break;
      }
    }
    busy_since_ms_[index] = 0;
  }
}

}  // namespace colibri::pg
