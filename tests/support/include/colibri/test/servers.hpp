#pragma once
// Real PostgreSQL and Redis for tests, on free loopback ports in a temporary
// folder, stopped and removed afterwards; and the Colibri service binaries.
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "colibri/test/process.hpp"

namespace colibri::test {

class postgres_server {
 public:
  // A throwaway server (fsync and synchronous commit off) unless
  // `synchronous`: commits then wait for a synchronous standby once
  // synchronous_standby_names names one (failover tests).
  enum class commits { throwaway, synchronous };
  explicit postgres_server(commits c = commits::throwaway);  // initdb + start
  // A hot standby of `primary`, streaming from it (pg_basebackup -R), started.
  static std::unique_ptr<postgres_server> standby_of(const postgres_server& primary);
  ~postgres_server();
  void start();
  void stop();  // fast shutdown: connections are cut
  // SIGSTOP / SIGCONT to the server and its backends: connections stay open
  // and nothing answers (a stalled or partitioned server, seen from libpq).
  void pause();
  void resume();
  // SIGKILL to the server and its backends: a machine lost, as its clients see it.
  void kill_hard();
  // pg_ctl promote: a standby becomes a primary (waits until it is).
  void promote();
  unsigned short port() const { return port_; }
  // A fresh, empty database; its URL.
  std::string create_database();
  std::string url(const std::string& db) const;
  // Runs SQL against a database (psql -v ON_ERROR_STOP=1); returns stdout.
  std::string psql(const std::string& db, const std::string& sql) const;

 private:
  struct no_initdb {};
  postgres_server(no_initdb, commits c);
  temp_dir dir_;
  unsigned short port_;
  commits commits_;
  int next_db_ = 0;
  bool running_ = false;
};

class redis_server {
 public:
  redis_server();
  ~redis_server();
  void start();
  void stop();       // SIGTERM
  void kill_hard();  // SIGKILL
  // SIGSTOP / SIGCONT: the connections stay open and nothing answers.
  void pause();
  void resume();
  unsigned short port() const { return port_; }

 private:
  temp_dir dir_;
  unsigned short port_;
  process proc_;
};

// The folder holding colibri-groups, colibri-chat, colibri-badges.
std::string bin_dir();

// One service process, with its log kept beside the test's servers.
class service_process {
 public:
  service_process(const std::string& name, std::map<std::string, std::string> env, unsigned short port);
  ~service_process();
  unsigned short port() const { return port_; }
  // Waits (bounded) for this service's own /healthz; a port another
  // process took first is traded for a new one (port() changes). Throws with
  // the log tail on failure.
  void wait_healthy(std::chrono::seconds timeout = std::chrono::seconds(30));
  process& proc() { return proc_; }
  std::string log_tail() const { return proc_.log_tail(); }
  // The whole log so far.
  std::string log_text() const { return proc_.log_tail(std::string::npos); }

 private:
  void spawn();
  std::string name_;
  unsigned short port_;
  std::map<std::string, std::string> env_;
  std::string log_path_;
  process proc_;
};

// PostgreSQL and Redis shared by a test binary (started on first use).
postgres_server& shared_postgres();
redis_server& shared_redis();

// The environment every service needs to reach this test's servers.
std::map<std::string, std::string> service_env(const std::string& pg_url, unsigned short redis_port);

}  // namespace colibri::test
