#pragma once
// Real PostgreSQL and Redis for tests, on free loopback ports in a temporary
// folder, stopped and removed afterwards; and the Colibri service binaries.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

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

// A Redis Cluster of six nodes (three primaries, each with a replica) on
// loopback, made with redis-cli --cluster create; stopped and removed
// afterwards. Failures are detected after node_timeout.
class redis_cluster {
 public:
  explicit redis_cluster(std::chrono::milliseconds node_timeout = std::chrono::milliseconds(1000));
  ~redis_cluster();
  redis_cluster(const redis_cluster&) = delete;
  redis_cluster& operator=(const redis_cluster&) = delete;
  // "127.0.0.1:P1,127.0.0.1:P2,...": the services' COLIBRI_REDIS.
  std::string seeds() const;
  std::size_t size() const { return nodes_.size(); }
  unsigned short port(std::size_t i) const { return nodes_.at(i).port; }
  // redis-cli against node i; its output.
  std::string cli(std::size_t i, const std::vector<std::string>& args) const;
  // The cluster's own slot of a key (CLUSTER KEYSLOT).
  std::uint16_t slot_of(const std::string& key) const;
  // The node serving a slot as primary, as a live node sees it.
  std::size_t primary_of(std::uint16_t slot) const;
  std::vector<std::size_t> primaries() const;
  // SIGKILL to node i (a machine lost); waits until its replica serves its
  // slots and every live node agrees.
  void kill_hard(std::size_t i);
  // Moves a slot and its keys to primary `to` (CLUSTER SETSLOT IMPORTING,
  // MIGRATING, MIGRATE, SETSLOT NODE); waits until every live node agrees.
  void move_slot(std::uint16_t slot, std::size_t to);
  // Every live node reports cluster_state:ok and the same primaries' slots.
  void wait_ok(std::chrono::seconds timeout = std::chrono::seconds(30)) const;

 private:
  struct node {
    unsigned short port = 0, bus = 0;
    process proc;
    bool alive = false;
  };
  std::size_t any_alive() const;
  // "port slots..." of each primary that is not failed, sorted: one node's view.
  std::string view(std::size_t i) const;
  temp_dir dir_;
  std::vector<node> nodes_;
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
