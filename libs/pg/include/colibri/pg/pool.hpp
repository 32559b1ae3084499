#pragma once
// libpqxx blocks, so it runs on a pool of dedicated threads, one connection
// each; callers co_await run(f) and are resumed on their own executor. The
// queue is bounded: past it, and whenever PostgreSQL cannot be reached,
// run() throws pg::unavailable, which the HTTP layer answers with 503.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <variant>
#include <vector>

#include "colibri/core/result.hpp"
#include "colibri/net/asio.hpp"

namespace colibri::pg {

// PostgreSQL is unreachable, restarting, or the pool is saturated. Nothing
// was committed by the job that got it (unless it was in doubt at commit).
struct unavailable : core::dependency_unavailable {
  using core::dependency_unavailable::dependency_unavailable;
};

struct pool_options {
  std::string url;
  std::size_t size = 4;
  std::size_t queue_max = 1000;
  int connect_timeout_s = 2;
  // A statement running longer is cancelled by the server (0: never).
  int statement_timeout_ms = 15000;
  // A job running longer than this makes the pool unavailable() for
  // readiness, and new jobs fail at once while no worker is free: the
  // server is reachable but does not answer (stalled, blackholed).
  std::chrono::milliseconds stall_after{3000};
  // While PostgreSQL is unreachable, one job per interval tries it; the
  // others fail at once (503) instead of queueing behind connect timeouts.
  std::chrono::milliseconds probe_every{1000};
  // A job running longer than this has its connection cut (the socket shut
  // down, never a cancel: a commit waiting for a synchronous standby would
  // commit locally on a cancel, and an ack could then name what the new
  // primary lacks). The job fails as on a lost connection (retried once on a
  // new connection; the room log's appends are idempotent). What it guards
  // against: a server that still answers TCP but never finishes, such as an
  // old primary cut off from its synchronous standby after a failover
  // (docs/operations.md). 0: never.
  std::chrono::milliseconds job_timeout{20000};
};

// Adds connect_timeout, TCP keepalives and tcp_user_timeout (a blackholed
// server is given up on in ~10 s instead of the kernel's minutes), and a
// fallback application_name, to a libpq URL or conninfo string unless
// already present.
std::string with_connect_timeout(const std::string& url, int seconds, std::string_view application_name);

// True for errors that mean "the server went away" rather than "the SQL failed".
bool is_connection_error(const std::exception& e);

// True once after the server, on this thread's connection, stopped waiting
// for the synchronous standby (a statement timeout or cancel during the
// commit's wait): the commit is on this server only. On a primary that a
// failover left behind, that commit is not on the new primary, so a job that
// saw it fails as unavailable instead of reporting success; the client sends
// again (appends are idempotent) and the new primary decides. Matched on the
// server's English message (lc_messages 'C', as the servers here run).
bool take_unconfirmed_commit() noexcept;

class pool {
 public:
  // What a job tells its worker: done; done but the connection is broken;
  // or "the connection broke before anything was committed: run me again".
  enum class outcome { done, broken, retry };
  // conn is null when pre holds the reason it could not run.
  using job = std::function<outcome(pqxx::connection* conn, std::exception_ptr pre, bool may_retry)>;

  explicit pool(pool_options opts, std::string application_name = "colibri");
  ~pool();
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;

  template <class F>
  awaitable<std::invoke_result_t<F&, pqxx::connection&>> run(F f);

  // The two shapes of a job, so that no caller opens or commits a
  // transaction by hand:
  // read(f): f(pqxx::nontransaction&), statements without BEGIN/COMMIT (one
  // statement, or reads that need no common snapshot).
  template <class F>
  auto read(F f);
  // transact(f): f(pqxx::work&) in one transaction, committed when f
  // returns, rolled back when it throws or returns a failure (see failed()).
  template <class F>
  auto transact(F f);

  void stop();
  std::size_t queued() const;
  // Workers running a job now, of size() (metrics).
  std::size_t busy_workers() const;
  std::size_t size() const { return opts_.size; }
  // PostgreSQL answered lately and no job is stalled: what /readyz reports.
  // Submits a ping when none is in flight, so that an idle pool notices a
  // server that stopped answering; never waits.
  bool available();

 private:
  void submit(job j);
  void worker_loop(std::size_t index);
  void mark_down();
  static std::int64_t now_ms();

  pool_options opts_;
  std::string url_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  struct queued_job {
    job j;
    std::int64_t since_ms;
  };
  std::deque<queued_job> queue_;
  bool stalled() const;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  // The circuit: false from a connection failure until a job succeeds.
  std::atomic<bool> up_{true};
  std::atomic<std::int64_t> probe_at_ms_{0};
  // When each worker's current job started (0: idle). A job that waited in
  // the queue more than twice stall_after fails with unavailable.
  std::unique_ptr<std::atomic<std::int64_t>[]> busy_since_ms_;
  std::atomic<bool> ping_in_flight_{false};
  // Each worker's connection socket (-1: none), for the watchdog that cuts a
  // job past job_timeout; fds_mutex_ keeps a closed descriptor's number from
  // being shut down after the system gave it to another socket.
  void watch();
  void set_fd(std::size_t index, int fd);
  std::condition_variable watch_cv_;
  std::mutex fds_mutex_;
  std::unique_ptr<int[]> fds_;
  std::unique_ptr<std::int64_t[]> cut_since_ms_;  // the job already cut, by its start
  std::thread watchdog_;
};

// A job's value that says "nothing of this may stay": a core::result in
// error, an outcome whose optional `err` is set, or an optional error that
// is set.
template <class T>
bool failed(const T& v) {
  if constexpr (requires { v.ok(); })
    return !v.ok();
  else if constexpr (requires { v.err.has_value(); })
    return v.err.has_value();
  else if constexpr (requires { v.has_value() && v->retry_after_s; })
    return v.has_value();
  else
    return false;
}

template <class F>
auto pool::read(F f) {
  return run([f = std::move(f)](pqxx::connection& c) mutable {
    pqxx::nontransaction n(c);
    return f(n);
  });
}

template <class F>
auto pool::transact(F f) {
  return run([f = std::move(f)](pqxx::connection& c) mutable {
    pqxx::work w(c);
    if constexpr (std::is_void_v<std::invoke_result_t<F&, pqxx::work&>>) {
      f(w);
      w.commit();
    } else {
      auto out = f(w);
      if (!failed(out)) w.commit();
      return out;
    }
  });
}

template <class F>
awaitable<std::invoke_result_t<F&, pqxx::connection&>> pool::run(F f) {
  using R = std::invoke_result_t<F&, pqxx::connection&>;
  using stored = std::conditional_t<std::is_void_v<R>, std::monostate, R>;
  auto initiate = [this, f = std::move(f)](auto handler) mutable {
    auto ex = asio::get_associated_executor(handler);
    auto h = std::make_shared<decltype(handler)>(std::move(handler));
    auto complete = [h, ex](std::exception_ptr ep, stored v) {
      asio::post(ex, [h, ep, v = std::move(v)]() mutable { std::move (*h)(ep, std::move(v)); });
    };
    try {
      submit([f = std::move(f), complete](pqxx::connection* c, std::exception_ptr pre, bool may_retry) mutable {
        if (pre) {
          complete(pre, stored{});
          return outcome::done;
        }
        try {
          take_unconfirmed_commit();
          auto unconfirmed = [&] {
            if (!take_unconfirmed_commit()) return false;
            complete(std::make_exception_ptr(unavailable("commit not confirmed by the synchronous standby")), stored{});
            return true;
          };
          if constexpr (std::is_void_v<R>) {
            f(*c);
            if (unconfirmed()) return outcome::broken;
            complete(nullptr, stored{});
          } else {
            auto v = f(*c);
            if (unconfirmed()) return outcome::broken;
            complete(nullptr, std::move(v));
          }
          return outcome::done;
        } catch (const pqxx::in_doubt_error&) {
          complete(std::make_exception_ptr(unavailable("database connection lost during commit")), stored{});
          return outcome::broken;
        } catch (const std::exception& e) {
          if (!is_connection_error(e)) {
            complete(std::current_exception(), stored{});
            return outcome::done;
          }
          if (may_retry) return outcome::retry;
          complete(std::make_exception_ptr(unavailable("database connection lost")), stored{});
          return outcome::broken;
        }
      });
    } catch (...) {
      complete(std::current_exception(), stored{});
    }
  };
  if constexpr (std::is_void_v<R>) {
    co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr, stored)>(
        std::move(initiate), asio::use_awaitable);
  } else {
    co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr, stored)>(
        std::move(initiate), asio::use_awaitable);
  }
}

}  // namespace colibri::pg
