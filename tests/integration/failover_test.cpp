// The record survives the loss of its machine (issue 22): PostgreSQL
// failover under load, and a backup restored.
//
// Failover. A primary with a synchronous
// standby (synchronous_standby_names = '*': a commit returns once the standby
// has the WAL); the services connect with a multi-host URL and
// target_session_attrs=read-write. Members send while the primary is killed
// (SIGKILL: a machine lost) and the standby promoted. Every acked message must
// be on the new primary, none twice, each room's seqs without a gap, and the
// services carry on without a restart.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "chat_fixture.hpp"
#include "colibri/test/client.hpp"
#include "colibri/test/servers.hpp"

using namespace colibri::test;
using namespace std::chrono_literals;

namespace {

// Sends `count` messages one at a time; each is sent again (same
// client_msg_id) after an error or a lost connection until it is acked,
// within `patience`. Returns client_msg_id -> event id of the acks.
std::map<std::string, std::int64_t> send_until_acked(const std::vector<unsigned short>& gateways,
                                                     const std::string& token, const std::string& room,
                                                     const std::string& prefix, int count,
                                                     std::chrono::seconds patience, std::atomic<int>& acks,
                                                     std::atomic<int>& errors_seen) {
  std::map<std::string, std::int64_t> acked;
  std::unique_ptr<ws_client> c;
  std::size_t gw = 0;
  auto deadline = std::chrono::steady_clock::now() + patience;
  for (int m = 0; m < count && std::chrono::steady_clock::now() < deadline; ++m) {
    std::string cmid = prefix + "-" + std::to_string(m);
    while (std::chrono::steady_clock::now() < deadline) {
      if (!c) {
        c = std::make_unique<ws_client>(gateways[gw++ % gateways.size()]);
        c->ignore_type("presence");
        if (!c->open()) {
          c.reset();
          std::this_thread::sleep_for(100ms);
          continue;
        }
        c->send(R"({"type":"hello","token":")" + token + R"("})");
        auto w = c->read(5s);
        if (!w || info(*w).type != "welcome") {
          ++errors_seen;
          c.reset();
          std::this_thread::sleep_for(200ms);
          continue;
        }
      }
      c->send(R"({"type":"send","room":")" + room + R"(","body":"Je tiens bon, message )" + cmid +
              R"(","client_msg_id":")" + cmid + "\"}");
      auto f = c->read(10s);
      if (!f) {  // closed or silent: another connection, the same message
        ++errors_seen;
        c.reset();
        continue;
      }
      auto fi = info(*f);
      if (fi.type == "ack") {
        acked[cmid] = fi.event_id;
        ++acks;
        std::this_thread::sleep_for(5ms);  // a member's pace, so that the failover falls mid-conversation
        break;
      }
      ++errors_seen;  // unavailable while there is no primary: try again
      std::this_thread::sleep_for(200ms);
    }
  }
  return acked;
}

}  // namespace

TEST(Failover, PrimaryKilledUnderLoadAndStandbyPromotedKeepsEveryAckedMessage) {
  postgres_server primary(postgres_server::commits::synchronous);
  auto db_url = primary.create_database();
  auto db = db_url.substr(db_url.rfind('/') + 1);
  auto standby = postgres_server::standby_of(primary);
  primary.psql("postgres", "ALTER SYSTEM SET synchronous_standby_names = '*'");
  primary.psql("postgres", "SELECT pg_reload_conf()");
  std::string sync;
  for (int i = 0; i < 200 && sync != "1"; ++i) {
    sync = trimmed(primary.psql("postgres", "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'"));
    if (sync != "1") std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(sync, "1") << "the standby never became synchronous";

  redis_server redis;
  auto url = "postgresql://colibri@127.0.0.1:" + std::to_string(primary.port()) +
             ",127.0.0.1:" + std::to_string(standby->port()) + "/" + db + "?target_session_attrs=read-write";
  auto env = service_env(url, redis.port());
  env["COLIBRI_OUTBOX_MAX_FRAMES"] = "100000";
  service_process groups("groups", env, free_port());
  groups.wait_healthy();
  std::vector<std::unique_ptr<service_process>> gateways;
  std::vector<unsigned short> ports;
  for (int i = 0; i < 2; ++i) {
    gateways.push_back(std::make_unique<service_process>("chat", env, free_port()));
    gateways.back()->wait_healthy();
    ports.push_back(gateways.back()->port());
  }

  constexpr int rooms = 2, per_room = 3, per_client = 120;
  std::vector<std::string> room_names, tokens;
  for (int r = 0; r < rooms; ++r) {
    auto gid =
        trimmed(primary.psql(db, "INSERT INTO groups (name) VALUES ('salon " + std::to_string(r) + "') RETURNING id"));
    room_names.push_back("group:" + gid);
    for (int c = 0; c < per_room; ++c) {
      auto name = "fo" + std::to_string(r) + "x" + std::to_string(c);
      auto res = http_call(
          groups.port(), "POST", "/api/v1/auth/register",
          R"({"email":")" + name + R"(@example.fr","password":"un mot de passe","handle":")" + name + R"("})");
      ASSERT_EQ(res.status, 201) << res.body;
      tokens.push_back(json_at(res.body, "token").value_or(""));
      primary.psql(db, "INSERT INTO memberships (group_id, user_id) VALUES (" + gid + ", " +
                           json_at(res.body, "user.id").value_or("0") + ")");
    }
  }

  std::vector<std::map<std::string, std::int64_t>> acked(rooms * per_room);
  std::atomic<int> errors{0}, acks{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < rooms * per_room; ++i)
    clients.emplace_back([&, i] {
      acked[i] = send_until_acked(ports, tokens[i], room_names[i / per_room], "c" + std::to_string(i), per_client, 120s,
                                  acks, errors);
    });
  // The primary dies once a fifth of the messages are acked.
  for (int i = 0; i < 3000 && acks < rooms * per_room * per_client / 5; ++i) std::this_thread::sleep_for(10ms);
  auto acked_before_kill = acks.load();
  auto killed_at = std::chrono::steady_clock::now();
  primary.kill_hard();
  std::this_thread::sleep_for(1s);
  standby->promote();
  auto acked_at_promotion = acks.load();
  // The first ack after the promotion: deliveries resume.
  for (int i = 0; i < 3000 && acks == acked_at_promotion; ++i) std::this_thread::sleep_for(10ms);
  auto resumed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed_at).count();
  for (auto& t : clients) t.join();

  // The failover fell mid-conversation: acks before the kill, after the promotion, errors between.
  EXPECT_GT(acked_before_kill, 0);
  EXPECT_LT(acked_at_promotion, rooms * per_room * per_client) << "every message was acked before the failover";
  EXPECT_GT(errors.load(), 0) << "the clients never saw the failover";
  for (int i = 0; i < rooms * per_room; ++i)
    EXPECT_EQ(acked[i].size(), static_cast<std::size_t>(per_client)) << "client " << i << " did not finish";
  for (int r = 0; r < rooms; ++r) {
    auto rows = standby->psql(db, "SELECT client_msg_id || ' ' || id || ' ' || seq FROM room_events WHERE room = '" +
                                      room_names[r] + "' AND kind = 'message' ORDER BY seq");
    std::map<std::string, std::int64_t> stored;
    std::vector<std::int64_t> seqs;
    std::istringstream in(rows);
    std::string cmid;
    std::int64_t id = 0, seq = 0;
    while (in >> cmid >> id >> seq) {
      EXPECT_TRUE(stored.emplace(cmid, id).second) << cmid << " stored twice";
      seqs.push_back(seq);
    }
    for (int c = r * per_room; c < (r + 1) * per_room; ++c)
      for (const auto& [k, event_id] : acked[c]) {
        auto it = stored.find(k);
        ASSERT_NE(it, stored.end()) << k << " was acked (event " << event_id << ") and is missing after the failover";
        EXPECT_EQ(it->second, event_id) << k;
      }
    auto all = trimmed(standby->psql(db,
                                     "SELECT string_agg(seq::text, ',' ORDER BY seq) = string_agg(n::text, ',' "
                                     "ORDER BY n) FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM "
                                     "room_events WHERE room = '" +
                                         room_names[r] + "') s"));
    EXPECT_EQ(all, "t") << "room " << room_names[r] << ": its seqs have a gap";
  }
  // The services were not restarted: they serve from the new primary.
  EXPECT_TRUE(groups.proc().running());
  for (auto& g : gateways) EXPECT_TRUE(g->proc().running());
  bool ready = false;
  for (int i = 0; i < 100 && !ready; ++i) {
    ready = http_get(groups.port(), "/readyz").status == 200 && http_get(ports[0], "/readyz").status == 200 &&
            http_get(ports[1], "/readyz").status == 200;
    if (!ready) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(ready);
  RecordProperty("errors_seen_by_clients", errors.load());
  RecordProperty("ms_from_kill_to_the_first_ack_after_promotion", static_cast<int>(resumed_ms));
  std::printf(
      "failover: %d acked before the kill, %d errors seen by clients, first ack %lld ms after the kill "
      "(promotion at 1000 ms)\n",
      acked_before_kill, errors.load(), static_cast<long long>(resumed_ms));
}

// A backup (pg_dump, the custom format) restored into a fresh server
// (pg_restore) holds every acked message, and a service runs on it.
TEST(Backup, ARestoredBackupHoldsEveryAckedMessage) {
  postgres_server origin;
  auto db_url = origin.create_database();
  auto db = db_url.substr(db_url.rfind('/') + 1);
  redis_server redis;
  auto env = service_env(db_url, redis.port());
  service_process groups("groups", env, free_port());
  groups.wait_healthy();
  service_process gateway("chat", env, free_port());
  gateway.wait_healthy();
  auto gid = trimmed(origin.psql(db, "INSERT INTO groups (name) VALUES ('sauvegarde') RETURNING id"));
  auto res = http_call(groups.port(), "POST", "/api/v1/auth/register",
                       R"({"email":"backup@example.fr","password":"un mot de passe","handle":"backup"})");
  ASSERT_EQ(res.status, 201) << res.body;
  origin.psql(db, "INSERT INTO memberships (group_id, user_id) VALUES (" + gid + ", " +
                      json_at(res.body, "user.id").value_or("0") + ")");
  std::atomic<int> acks{0}, errors{0};
  auto acked = send_until_acked({gateway.port()}, json_at(res.body, "token").value_or(""), "group:" + gid, "b", 200,
                                60s, acks, errors);
  ASSERT_EQ(acked.size(), 200u);

  temp_dir dir;
  run_checked({"pg_dump", "-Fc", "-f", dir.path() + "/colibri.dump", db_url});
  postgres_server fresh;
  fresh.psql("postgres", "CREATE DATABASE restored");
  run_checked({"pg_restore", "--exit-on-error", "-d", fresh.url("restored"), dir.path() + "/colibri.dump"});
  auto rows = fresh.psql("restored", "SELECT client_msg_id || ' ' || id FROM room_events WHERE room = 'group:" + gid +
                                         "' AND kind = 'message'");
  std::map<std::string, std::int64_t> stored;
  std::istringstream in(rows);
  std::string cmid;
  std::int64_t id = 0;
  while (in >> cmid >> id) stored[cmid] = id;
  EXPECT_EQ(stored, acked);
  // The restored database serves: a service starts on it, applies nothing, is ready.
  service_process restored("groups", service_env(fresh.url("restored"), redis.port()), free_port());
  restored.wait_healthy();
  EXPECT_EQ(http_get(restored.port(), "/readyz").status, 200);
}
