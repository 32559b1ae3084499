#pragma once
// Two chat gateways and the groups service on a real PostgreSQL and this
// fixture's own Redis (tests may kill it), with helpers to create users,
// groups and memberships directly in the tables.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "colibri/json/value.hpp"
#include "colibri/test/client.hpp"
#include "colibri/test/servers.hpp"

namespace colibri::test {

struct frame_info {
  std::string type, room;
  std::int64_t seq = 0, event_id = 0;
};

frame_info info(const std::string& text) {
  frame_info out;
  auto v = json::parse(text);
  if (!v || !v->as_object()) return out;
  if (auto t = v->find("type"); t && t->as_string()) out.type = *t->as_string();
  if (auto r = v->find("room"); r && r->as_string()) out.room = *r->as_string();
  if (auto s = v->find("seq"); s && s->as_int()) out.seq = *s->as_int();
  if (auto e = v->find("event_id"); e && e->as_int()) out.event_id = *e->as_int();
  return out;
}

class chat_fixture : public ::testing::Test {
 protected:
  // Settings of a test suite, before the services start.
  virtual void configure(std::map<std::string, std::string>&) {}

  void SetUp() override {
    db_ = shared_postgres().create_database();
    env_ = service_env(db_, redis_.port());
    env_["COLIBRI_OUTBOX_MAX_FRAMES"] = "100000";  // clients here read only after sending
    // These gateways carry load tests from a few users; the rate limit has
    // its own test (RateLimitThenClose4029AndASocketCapPerUser).
    env_["COLIBRI_RATE_EVENTS"] = "100000";
    env_["COLIBRI_RATE_WINDOW_SECONDS"] = "1";
    configure(env_);
    groups_ = std::make_unique<service_process>("groups", env_, free_port());
    groups_->wait_healthy();
    for (int i = 0; i < 2; ++i) {
      gateways_.push_back(std::make_unique<service_process>("chat", env_, free_port()));
      gateways_.back()->wait_healthy();
    }
  }

  std::string db_name() const { return db_.substr(db_.rfind('/') + 1); }
  std::string sql(const std::string& q) { return shared_postgres().psql(db_name(), q); }

  // Registers a user; returns {token, id}.
  std::pair<std::string, std::string> user(const std::string& name) {
    auto r =
        http_call(groups_->port(), "POST", "/api/v1/auth/register",
                  R"({"email":")" + name + R"(@example.fr","password":"un mot de passe","handle":")" + name + R"("})");
    EXPECT_EQ(r.status, 201) << r.body;
    return {json_at(r.body, "token").value_or(""), json_at(r.body, "user.id").value_or("0")};
  }
  std::string group(const std::string& name) {
    auto id = sql("INSERT INTO groups (name) VALUES ('" + name + "') RETURNING id");
    while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
    return id;
  }
  void member(const std::string& gid, const std::string& uid, const std::string& extra = "") {
    sql("INSERT INTO memberships (group_id, user_id" + std::string(extra.empty() ? "" : ", muted_until") +
        ") VALUES (" + gid + ", " + uid + (extra.empty() ? "" : ", " + extra) + ")");
  }

  // Presence frames are skipped unless the test is about them.
  std::unique_ptr<ws_client> connect(unsigned short port, const std::string& token, bool presence = false) {
    auto c = std::make_unique<ws_client>(port);
    if (!presence) c->ignore_type("presence");
    EXPECT_TRUE(c->open());
    c->send(R"({"type":"hello","token":")" + token + R"("})");
    EXPECT_EQ(info(c->read().value_or("")).type, "welcome");
    return c;
  }
  std::vector<std::int64_t> table_seqs(const std::string& room) {
    auto out = sql("SELECT string_agg(seq::text, ',' ORDER BY seq) FROM room_events WHERE room = '" + room + "'");
    std::vector<std::int64_t> v;
    std::size_t pos = 0;
    while (pos < out.size() && out[pos] != '\n') {
      auto comma = out.find_first_of(",\n", pos);
      v.push_back(std::stoll(out.substr(pos, comma - pos)));
      pos = comma == std::string::npos ? out.size() : comma + 1;
      if (comma != std::string::npos && out[comma] == '\n') break;
    }
    return v;
  }

  // What a client's seqs lack or hold twice, against the table's, for a
  // failure message that says which events and where.
  static std::string seq_differences(const std::vector<std::int64_t>& seen, const std::vector<std::int64_t>& expected) {
    std::map<std::int64_t, int> count;
    for (auto s : seen) ++count[s];
    std::string missing, doubled, foreign;
    int n_missing = 0;
    for (auto e : expected)
      if (!count.count(e) && ++n_missing <= 20) missing += " " + std::to_string(e);
    for (auto& [s, n] : count) {
      if (n > 1) doubled += " " + std::to_string(s) + "x" + std::to_string(n);
      if (!std::binary_search(expected.begin(), expected.end(), s)) foreign += " " + std::to_string(s);
    }
    std::size_t out_of_order = 0;
    for (std::size_t i = 1; i < seen.size(); ++i) out_of_order += seen[i] <= seen[i - 1];
    return "got " + std::to_string(seen.size()) + " of " + std::to_string(expected.size()) + "; missing " +
           std::to_string(n_missing) + ":" + missing + "; doubled:" + doubled + "; not in the table:" + foreign +
           "; out of order: " + std::to_string(out_of_order);
  }

  // Every client's seqs equal the table's, room by room; on a difference,
  // what differs and the gateways' logs.
  void expect_every_event(const std::vector<std::vector<std::int64_t>>& seen, int per_room_clients,
                          std::size_t per_room) {
    bool ok = true;
    for (std::size_t r = 0; r < rooms_.size(); ++r) {
      auto expected = table_seqs(rooms_[r]);
      ASSERT_EQ(expected.size(), per_room) << rooms_[r];
      for (int c = 0; c < per_room_clients; ++c) {
        const auto& got = seen[r * per_room_clients + c];
        if (got == expected) continue;
        ok = false;
        ADD_FAILURE() << "room " << r << " (" << rooms_[r] << ") client " << c << " on gateway "
                      << (r * per_room_clients + c) % 2 << ": " << seq_differences(got, expected);
      }
    }
    if (ok) return;
    for (std::size_t g = 0; g < gateways_.size(); ++g)
      ADD_FAILURE() << "gateway " << g << " log:\n" << gateways_[g]->log_tail();
  }

  // 10 clients per room, alternating gateways; each sends `per_client`
  // messages (pausing `pace` between sends), then reads until it holds every
  // event of its room. Returns each client's event seqs.
  std::vector<std::vector<std::int64_t>> load(int rooms, int per_room_clients, int per_client,
                                              std::chrono::microseconds pace, std::function<void()> during = {}) {
    std::vector<std::string> room_names;
    std::vector<std::pair<std::string, std::string>> users;
    for (int r = 0; r < rooms; ++r) {
      auto gid = group("salon " + std::to_string(r));
      room_names.push_back("group:" + gid);
      for (int c = 0; c < per_room_clients; ++c) {
        auto u = user("m" + std::to_string(r) + "x" + std::to_string(c));
        member(gid, u.second);
        users.push_back(u);
      }
    }
    int clients = rooms * per_room_clients;
    std::vector<std::vector<std::int64_t>> seen(clients);
    std::atomic<int> subscribed{0};
    std::vector<std::thread> threads;
    std::mutex failures_mutex;
    std::vector<std::string> failures;
    for (int i = 0; i < clients; ++i) {
      threads.emplace_back([&, i] {
        // A connection the gateway drops fails the test with its logs, never
        // aborts the test binary from a client thread.
        try {
          auto room = room_names[i / per_room_clients];
          auto c = connect(gateways_[i % 2]->port(), users[i].first);
          c->send(R"({"type":"subscribe","room":")" + room + R"(","since":0})");
          auto sub = info(c->read().value_or(""));
          EXPECT_EQ(sub.type, "subscribed");
          ++subscribed;
          for (int w = 0; w < 6000 && subscribed < clients; ++w)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
          for (int m = 0; m < per_client; ++m) {
            c->send(R"({"type":"send","room":")" + room + R"(","body":"Courage, tiens bon !","client_msg_id":"c)" +
                    std::to_string(i) + "-" + std::to_string(m) + "\"}");
            if (pace.count()) std::this_thread::sleep_for(pace);
          }
          int acks = 0;
          std::size_t expected = static_cast<std::size_t>(per_room_clients * per_client);
          while (seen[i].size() < expected || acks < per_client) {
            auto f = c->read(std::chrono::seconds(30));
            if (!f) {
              std::lock_guard lk(failures_mutex);
              failures.push_back("client " + std::to_string(i) + ": nothing for 30 s, holding " +
                                 std::to_string(seen[i].size()) + " events of " + std::to_string(expected) + " and " +
                                 std::to_string(acks) + " acks of " + std::to_string(per_client));
              break;
            }
            auto fi = info(*f);
            if (fi.type == "event")
              seen[i].push_back(fi.seq);
            else if (fi.type == "ack")
              ++acks;
            else
              ADD_FAILURE() << *f;
          }
          EXPECT_EQ(acks, per_client);
        } catch (const std::exception& e) {
          std::lock_guard lk(failures_mutex);
          failures.push_back("client " + std::to_string(i) + ": " + e.what());
        }
      });
    }
    if (during) during();
    for (auto& t : threads) t.join();
    if (!failures.empty()) {
      std::string logs;
      for (const auto& g : gateways_) logs += g->log_tail() + "\n";
      ADD_FAILURE() << failures.front() << " (" << failures.size() << " clients failed)\n" << logs;
    }
    rooms_ = room_names;
    return seen;
  }

  redis_server redis_;  // this test's own: it may be killed
  std::string db_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<service_process> groups_;
  std::vector<std::unique_ptr<service_process>> gateways_;
  std::vector<std::string> rooms_;
};

}  // namespace colibri::test
