#include "colibri/test/servers.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "colibri/test/client.hpp"

#ifndef COLIBRI_DEFAULT_BIN_DIR
#define COLIBRI_DEFAULT_BIN_DIR ""
#endif

namespace colibri::test {

using namespace std::chrono_literals;

namespace {
const std::string k_pg_bin = "/usr/lib/postgresql/15/bin/";
}

postgres_server::postgres_server(commits c) : postgres_server(no_initdb{}, c) {
  run_checked(as_run_user({k_pg_bin + "initdb", "-D", dir_.path() + "/data", "-U", "colibri", "-A", "trust", "-E",
                           "UTF8", "--locale=C.UTF-8", "--no-sync"}));
  start();
}

postgres_server::postgres_server(no_initdb, commits c) : port_(free_port()), commits_(c) {}

std::unique_ptr<postgres_server> postgres_server::standby_of(const postgres_server& primary) {
  std::unique_ptr<postgres_server> s(new postgres_server(no_initdb{}, primary.commits_));
  // initdb's pg_hba.conf trusts replication connections from 127.0.0.1.
  run_checked(
      as_run_user({k_pg_bin + "pg_basebackup", "-D", s->dir_.path() + "/data", "-h", "127.0.0.1", "-p",
                   std::to_string(primary.port_), "-U", "colibri", "-X", "stream", "-R", "-c", "fast", "--no-sync"}));
  s->start();
  return s;
}

void postgres_server::promote() {
  run_checked(as_run_user({k_pg_bin + "pg_ctl", "-D", dir_.path() + "/data", "-w", "-t", "60", "promote"}));
}

postgres_server::~postgres_server() {
  try {
    stop();
  } catch (...) {
  }
}

void postgres_server::start() {
  // fsync off: a throwaway server; durability is PostgreSQL's job, not the
  // tests'. A killed server's writes stay in the page cache, so a failover
  // test keeps fsync off too, but its commits wait for the standby.
  std::string commit = commits_ == commits::throwaway ? " -c synchronous_commit=off" : "";
  run_checked(as_run_user({k_pg_bin + "pg_ctl", "-D", dir_.path() + "/data", "-l", dir_.path() + "/postgresql.log",
                           "-w", "-t", "60", "-o",
                           "-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) + " -k " + dir_.path() +
                               " -c fsync=off" + commit + " -c full_page_writes=off -c max_connections=300",
                           "start"}));
  running_ = true;
}

void postgres_server::stop() {
  if (!running_) return;
  run_checked(as_run_user({k_pg_bin + "pg_ctl", "-D", dir_.path() + "/data", "-m", "fast", "-w", "stop"}));
  running_ = false;
}

std::string postgres_server::url(const std::string& db) const {
  return "postgresql://colibri@127.0.0.1:" + std::to_string(port_) + "/" + db;
}

std::string postgres_server::psql(const std::string& db, const std::string& sql) const {
  return run_checked({"psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", url(db), "-c", sql});
}

std::string postgres_server::create_database() {
  std::string name = "t";  // built in steps: g++ 12 warns falsely (-Wrestrict) on "t" + std::string
  name += std::to_string(::getpid());
  name += "_";
  name += std::to_string(next_db_++);
  psql("postgres", "CREATE DATABASE " + name);
  return url(name);
}

redis_server::redis_server() : port_(free_port()) { start(); }

redis_server::~redis_server() { proc_.stop(15, std::chrono::seconds(5)); }

void redis_server::start() {
  proc_ = process({"redis-server", "--bind", "127.0.0.1", "--port", std::to_string(port_), "--dir", dir_.path(),
                   "--save", "", "--appendonly", "no"},
                  {}, dir_.path() + "/redis.log");
  for (int i = 0; i < 200; ++i) {
    if (tcp_port_open(port_)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  throw std::runtime_error("redis did not start: " + proc_.log_tail());
}

void redis_server::stop() { proc_.stop(15); }
void redis_server::kill_hard() { proc_.stop(9); }
void redis_server::pause() { ::kill(proc_.pid(), SIGSTOP); }
void redis_server::resume() { ::kill(proc_.pid(), SIGCONT); }

redis_cluster::redis_cluster(std::chrono::milliseconds node_timeout) {
  nodes_.resize(6);
  std::vector<std::string> create{"redis-cli", "--cluster", "create"};
  std::set<unsigned short> taken;  // twelve ports, none twice
  auto pick = [&] {
    for (int i = 0; i < 1000; ++i)
      if (auto p = free_port(); taken.insert(p).second) return p;
    throw std::runtime_error("no free port left for a redis cluster node");
  };
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    auto& n = nodes_[i];
    auto dir = dir_.path() + "/" + std::to_string(i);
    std::filesystem::create_directories(dir);
    // A port free when picked may be taken by another test's server before
    // this node binds it: the node then exits, and starts again on others.
    bool up = false;
    for (int attempt = 0; attempt < 5 && !up; ++attempt) {
      n.port = pick();
      n.bus = pick();
      std::filesystem::remove(dir + "/nodes.conf");
      // Loopback only; no persistence (a killed node comes back empty, as a replica's would).
      n.proc = process({"redis-server", "--bind", "127.0.0.1", "--port", std::to_string(n.port), "--cluster-enabled",
                        "yes", "--cluster-port", std::to_string(n.bus), "--cluster-config-file", dir + "/nodes.conf",
                        "--cluster-node-timeout", std::to_string(node_timeout.count()), "--dir", dir, "--save", "",
                        "--appendonly", "no"},
                       {}, dir + "/redis.log");
      for (int t = 0; t < 200 && n.proc.running() && !(up = tcp_port_open(n.port)); ++t)
        std::this_thread::sleep_for(25ms);
    }
    if (!up) throw std::runtime_error("redis cluster node did not start: " + n.proc.log_tail());
    n.alive = true;
    create.push_back("127.0.0.1:" + std::to_string(n.port));
  }
  create.insert(create.end(), {"--cluster-replicas", "1", "--cluster-yes"});
  run_checked(create, std::chrono::seconds(60));
  wait_ok();
  // Every replica has caught up with its primary: a failover can happen.
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    for (int t = 0; t < 400; ++t) {
      auto info = cli(i, {"INFO", "replication"});
      if (info.find("role:master") != std::string::npos || info.find("master_link_status:up") != std::string::npos)
        break;
      std::this_thread::sleep_for(25ms);
    }
  }
}

redis_cluster::~redis_cluster() {
  for (auto& n : nodes_) n.proc.stop(15, std::chrono::seconds(5));
}

std::string redis_cluster::seeds() const {
  std::string out;
  for (auto& n : nodes_) out += (out.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(n.port);
  return out;
}

std::string redis_cluster::cli(std::size_t i, const std::vector<std::string>& args) const {
  std::vector<std::string> argv{"redis-cli", "-h", "127.0.0.1", "-p", std::to_string(nodes_.at(i).port)};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_checked(argv, std::chrono::seconds(30));
}

std::uint16_t redis_cluster::slot_of(const std::string& key) const {
  return static_cast<std::uint16_t>(std::stoi(cli(any_alive(), {"CLUSTER", "KEYSLOT", key})));
}

std::size_t redis_cluster::any_alive() const {
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].alive) return i;
  throw std::runtime_error("no redis cluster node alive");
}

std::string redis_cluster::view(std::size_t i) const {
  // CLUSTER NODES: id addr@bus flags master ping pong epoch state slots...
  std::istringstream in(cli(i, {"CLUSTER", "NODES"}));
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string id, addr, flags, master, ping, pong, epoch, state, slot;
    f >> id >> addr >> flags >> master >> ping >> pong >> epoch >> state;
    if (flags.find("master") == std::string::npos || flags.find("fail") != std::string::npos) continue;
    std::string entry = addr.substr(0, addr.find('@'));
    bool any = false;
    while (f >> slot) {
      if (slot.front() == '[') continue;  // a slot being migrated
      entry += " " + slot;
      any = true;
    }
    if (any) lines.push_back(entry);
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (auto& l : lines) out += l + "\n";
  return out;
}

std::size_t redis_cluster::primary_of(std::uint16_t slot) const {
  std::istringstream in(view(any_alive()));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string addr, range;
    f >> addr;
    while (f >> range) {
      auto dash = range.find('-');
      int from = std::stoi(range.substr(0, dash));
      int to = dash == std::string::npos ? from : std::stoi(range.substr(dash + 1));
      if (slot < from || slot > to) continue;
      auto port = static_cast<unsigned short>(std::stoi(addr.substr(addr.rfind(':') + 1)));
      for (std::size_t i = 0; i < nodes_.size(); ++i)
        if (nodes_[i].port == port) return i;
    }
  }
  throw std::runtime_error("no primary serves slot " + std::to_string(slot));
}

std::vector<std::size_t> redis_cluster::primaries() const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i].alive) continue;
    auto role = cli(i, {"ROLE"});
    if (role.rfind("master", 0) == 0) out.push_back(i);
  }
  return out;
}

void redis_cluster::wait_ok(std::chrono::seconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    bool ok = true;
    std::string first;
    for (std::size_t i = 0; i < nodes_.size() && ok; ++i) {
      if (!nodes_[i].alive) continue;
      auto info = cli(i, {"CLUSTER", "INFO"});
      if (info.find("cluster_state:ok") == std::string::npos) {
        ok = false;
        last = "node " + std::to_string(i) + ": " + info.substr(0, 40);
        break;
      }
      auto v = view(i);
      if (first.empty()) first = v;
      if (v != first) {
        ok = false;
        last = "views differ:\n" + first + "--\n" + v;
      }
    }
    if (ok) return;
    std::this_thread::sleep_for(100ms);
  }
  throw std::runtime_error("redis cluster not ok: " + last);
}

void redis_cluster::kill_hard(std::size_t i) {
  // The first slot of each of its ranges.
  std::vector<std::uint16_t> held;
  std::istringstream in(view(i));
  std::string line, prefix = "127.0.0.1:" + std::to_string(nodes_.at(i).port) + " ";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) != 0) continue;
    std::istringstream f(line.substr(prefix.size()));
    std::string range;
    while (f >> range) held.push_back(static_cast<std::uint16_t>(std::stoi(range.substr(0, range.find('-')))));
  }
  nodes_.at(i).proc.stop(9);
  nodes_[i].alive = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    bool moved = true;
    try {
      for (auto s : held) moved = moved && primary_of(s) != i;
    } catch (const std::exception&) {
      moved = false;
    }
    if (moved) break;
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("no replica took over");
    std::this_thread::sleep_for(100ms);
  }
  wait_ok();
}

void redis_cluster::move_slot(std::uint16_t slot, std::size_t to) {
  auto from = primary_of(slot);
  if (from == to) return;
  auto trim = [](std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  };
  auto from_id = trim(cli(from, {"CLUSTER", "MYID"})), to_id = trim(cli(to, {"CLUSTER", "MYID"}));
  auto s = std::to_string(slot);
  cli(to, {"CLUSTER", "SETSLOT", s, "IMPORTING", from_id});
  cli(from, {"CLUSTER", "SETSLOT", s, "MIGRATING", to_id});
  for (int round = 0; round < 1000; ++round) {
    std::istringstream keys(cli(from, {"CLUSTER", "GETKEYSINSLOT", s, "100"}));
    std::vector<std::string> migrate{"MIGRATE", "127.0.0.1", std::to_string(nodes_[to].port), "", "0", "5000", "KEYS"};
    std::string k;
    while (std::getline(keys, k))
      if (!k.empty()) migrate.push_back(k);
    if (migrate.size() == 7) break;
    cli(from, migrate);
  }
  cli(to, {"CLUSTER", "SETSLOT", s, "NODE", to_id});
  cli(from, {"CLUSTER", "SETSLOT", s, "NODE", to_id});
  for (auto p : primaries())
    if (p != from && p != to) cli(p, {"CLUSTER", "SETSLOT", s, "NODE", to_id});
  wait_ok();
}

namespace {
// The postmaster (first line of postmaster.pid) and its children.
void signal_postgres(const std::string& data_dir, int sig) {
  std::ifstream f(data_dir + "/postmaster.pid");
  pid_t master = 0;
  f >> master;
  if (master <= 0) return;
  // The children found first, then signalled: once a SIGKILLed master is
  // gone, its backends are no longer its children.
  std::vector<pid_t> children;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::ifstream st(e.path() / "stat");
    std::string line;
    if (!std::getline(st, line)) continue;
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == master) children.push_back(std::stoi(e.path().filename().string()));
  }
  ::kill(master, sig);
  for (auto pid : children) ::kill(pid, sig);
}
}  // namespace

void postgres_server::pause() { signal_postgres(dir_.path() + "/data", SIGSTOP); }
void postgres_server::resume() { signal_postgres(dir_.path() + "/data", SIGCONT); }
void postgres_server::kill_hard() {
  signal_postgres(dir_.path() + "/data", SIGKILL);
  running_ = false;  // nothing left to stop; its folder goes with it
}

std::string bin_dir() {
  const char* d = std::getenv("COLIBRI_BIN_DIR");
  return d && *d ? d : COLIBRI_DEFAULT_BIN_DIR;
}

service_process::service_process(const std::string& name, std::map<std::string, std::string> env, unsigned short port)
    : name_(name), port_(port), env_(std::move(env)) {
  static int counter = 0;
  log_path_ = std::filesystem::temp_directory_path().string() + "/colibri-test-" + name + "-" +
              std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".log";
  spawn();
}

void service_process::spawn() {
  std::string upper;
  for (char c : name_) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto env = env_;
  env["COLIBRI_" + upper + "_LISTEN"] = "127.0.0.1:" + std::to_string(port_);
  proc_ = process({bin_dir() + "/colibri-" + name_}, env, log_path_);
}

service_process::~service_process() {
  proc_.stop(15, std::chrono::seconds(10));
  std::error_code ec;
  std::filesystem::remove(log_path_, ec);
}

// Tests in parallel may be handed the same free port before either binds
// it: the loser exits with "address already in use" while the winner (maybe
// another service) answers /healthz on that port. So healthy means this
// service's own name in /healthz, and a lost port is traded for another.
void service_process::wait_healthy(std::chrono::seconds timeout) {
  for (int attempt = 0;; ++attempt) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    bool respawned = false;
    while (!respawned && std::chrono::steady_clock::now() < deadline) {
      if (!proc_.running()) {
        auto tail = proc_.log_tail();
        if (tail.find("already in use") == std::string::npos || attempt == 4)
          throw std::runtime_error(name_ + " exited:\n" + tail);
        port_ = free_port();
        spawn();
        respawned = true;
        continue;
      }
      try {
        auto r = http_get(port_, "/healthz");
        if (r.status == 200 && json_at(r.body, "service") == name_ && proc_.running()) return;
      } catch (...) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    if (!respawned) throw std::runtime_error(name_ + " not healthy in time:\n" + proc_.log_tail());
  }
}

postgres_server& shared_postgres() {
  static postgres_server pg;
  return pg;
}

redis_server& shared_redis() {
  static redis_server r;
  return r;
}

std::map<std::string, std::string> service_env(const std::string& pg_url, unsigned short redis_port) {
  return {{"COLIBRI_PG_URL", pg_url},
          {"COLIBRI_REDIS", "127.0.0.1:" + std::to_string(redis_port)},
          {"COLIBRI_LOG_LEVEL", "info"},
          {"COLIBRI_PG_STARTUP_WAIT_SECONDS", "30"},
          {"COLIBRI_ALLOWED_ORIGINS", "http://127.0.0.1:8080"},
          // Every test client comes from 127.0.0.1 and many act fast: the
          // limits are wide here; the tests about limits set their own.
          {"COLIBRI_RATE_EVENTS", "100000"},
          {"COLIBRI_RATE_WINDOW_SECONDS", "1"},
          {"COLIBRI_RATE_HISTORY", "100000/1"},
          {"COLIBRI_RATE_SUBSCRIBE", "100000/1"},
          {"COLIBRI_RATE_REGISTER_PER_ADDRESS", "100000/1"},
          {"COLIBRI_RATE_LOGIN_PER_ADDRESS", "100000/1"}};
}

}  // namespace colibri::test
