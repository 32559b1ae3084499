// End-to-end: what one hostile client can make the services do, and the
// bounds that stop it (security audit F5, F17, F18, F19, F20): the shared rate
// limiter across REST and sockets and across gateways, typing and read
// coalescing, subscription and anonymous-socket caps, backfills of large
// messages. Real PostgreSQL, Redis and service binaries.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "chat_fixture.hpp"

using namespace colibri;
using namespace colibri::test;

namespace {

// The services as they ship: default budgets (the shared fixture widens them).
class DefaultLimits : public chat_fixture {
 protected:
  void configure(std::map<std::string, std::string>& env) override {
    for (auto k :
         {"COLIBRI_RATE_EVENTS", "COLIBRI_RATE_WINDOW_SECONDS", "COLIBRI_RATE_HISTORY", "COLIBRI_RATE_SUBSCRIBE"})
      env.erase(k);
  }
  http_result post_event(const std::string& token, const std::string& room, int i) {
    return http_call(groups_->port(), "POST", "/api/v1/rooms/" + room + "/events",
                     R"({"kind":"message","body":"x","client_msg_id":"rest)" + std::to_string(i) + "\"}",
                     {{"Authorization", "Bearer " + token}});
  }
};

// The default bursts (20 writes, 10 history pages), refilled so slowly (per
// hour) that how long a loaded machine takes to send a burst cannot change
// what is counted.
class SlowRefill : public DefaultLimits {
 protected:
  void configure(std::map<std::string, std::string>& env) override {
    DefaultLimits::configure(env);
    env["COLIBRI_RATE_EVENTS"] = "20";
    env["COLIBRI_RATE_WINDOW_SECONDS"] = "3600";
    env["COLIBRI_RATE_HISTORY"] = "10/3600";
  }
};

class Limits : public chat_fixture {};

// Reads frames for `d` and counts those of a type.
int count_frames(ws_client& c, const std::string& type, std::chrono::milliseconds d) {
  int n = 0;
  auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
    auto f = c.read(std::chrono::milliseconds(200));
    if (f && info(*f).type == type) ++n;
  }
  return n;
}

TEST_F(SlowRefill, ARestPostBurstIsCutAtTheSocketsBudgetAndBothDoorsShareIt) {
  // F5: 40 REST posts in a burst were all accepted; the socket stopped at 20.
  auto gid = group("rafale");
  auto u = user("rafale");
  member(gid, u.second);
  int created = 0, limited = 0;
  std::string retry_after;
  for (int i = 0; i < 40; ++i) {
    auto r = post_event(u.first, "group:" + gid, i);
    if (r.status == 201) ++created;
    if (r.status == 429) {
      ++limited;
      retry_after = r.header("retry-after");
      EXPECT_EQ(json_at(r.body, "error.code"), "rate_limited");
    }
  }
  EXPECT_EQ(created, 20);
  EXPECT_EQ(limited, 20);
  EXPECT_FALSE(retry_after.empty());
  EXPECT_EQ(sql("SELECT count(*) FROM room_events WHERE room = 'group:" + gid + "'"), "20\n");
  // The same budget, spent over REST, holds on a socket of another gateway.
  auto c = connect(gateways_[1]->port(), u.first);
  c->send(R"({"type":"send","room":"group:)" + gid + R"(","body":"et ici ?","client_msg_id":"ws1"})");
  EXPECT_EQ(json_at(c->read().value_or(""), "code"), "rate_limited");
}

TEST_F(SlowRefill, WithRedisDownEachInstanceStillEnforcesTheBudgetOnItsOwn) {
  auto gid = group("sans redis");
  auto u = user("sansredis");
  member(gid, u.second);
  redis_.kill_hard();
  int created = 0, limited = 0;
  for (int i = 0; i < 30; ++i) {
    auto r = post_event(u.first, "group:" + gid, i);
    if (r.status == 201) ++created;
    if (r.status == 429) ++limited;
  }
  EXPECT_EQ(created, 20);
  EXPECT_EQ(limited, 10);
  redis_.start();
}

TEST_F(DefaultLimits, ExpensiveReadsArePagedOrBoundedAndEveryWriteIsCharged) {
  // F19: every group listed at once with a count each; celebrations at any
  // date (a row per date, and a quit date given away); join/leave loops and
  // reports without any limit.
  auto u = user("boucle");
  for (int i = 0; i < 5; ++i) member(group("liste " + std::to_string(i)), u.second);
  auto auth = std::map<std::string, std::string>{{"Authorization", "Bearer " + u.first}};
  auto page = http_get(groups_->port(), "/api/v1/groups?limit=2", auth);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(json_at(page.body, "has_more"), "true");
  EXPECT_TRUE(json_at(page.body, "groups.1.id"));
  EXPECT_FALSE(json_at(page.body, "groups.2.id"));
  auto next = http_get(groups_->port(), "/api/v1/groups?limit=2&after=" + *json_at(page.body, "groups.1.id"), auth);
  EXPECT_NE(json_at(next.body, "groups.0.id"), json_at(page.body, "groups.1.id"));
  auto gid = group("fêtes");
  member(gid, u.second);
  auto far = http_get(groups_->port(), "/api/v1/groups/" + gid + "/celebrations?date=1990-01-01", auth);
  EXPECT_EQ(far.status, 400);
  EXPECT_EQ(json_at(far.body, "error.field"), "date");
  EXPECT_EQ(http_get(groups_->port(), "/api/v1/groups/" + gid + "/celebrations", auth).status, 200);
  EXPECT_EQ(sql("SELECT count(*) FROM celebrations"), "0\n");
  // Joining and leaving an open group costs 3 each from 20.
  sql("UPDATE groups SET join_policy = 'open' WHERE id = " + gid);
  int refused = 0, done = 0;
  for (int i = 0; i < 10 && !refused; ++i) {
    auto leave = http_call(groups_->port(), "DELETE", "/api/v1/groups/" + gid + "/members/me", {}, auth);
    auto join = http_call(groups_->port(), "POST", "/api/v1/groups/" + gid + "/join", "{}", auth);
    for (const auto* r : {&leave, &join}) {
      if (r->status == 429)
        ++refused;
      else
        ++done;
    }
  }
  EXPECT_GE(refused, 1);
  EXPECT_LE(done, 7);  // 6 within the budget, 7 if it refilled meanwhile
}

TEST_F(DefaultLimits, TypingFramesReachAnObserverOncePerThreeSecondsWhateverTheFlood) {
  // F5: 200 typing frames in a burst reached an observer 200 times.
  auto gid = group("frappe");
  auto flooder = user("flooder"), observer = user("observer");
  member(gid, flooder.second);
  member(gid, observer.second);
  std::string room = "group:" + gid;
  auto o = connect(gateways_[0]->port(), observer.first);
  o->send(R"({"type":"subscribe","room":")" + room + R"("})");
  ASSERT_EQ(info(o->read().value_or("")).type, "subscribed");
  // Two sockets of the flooder, on two gateways: one budget.
  auto f1 = connect(gateways_[0]->port(), flooder.first);
  auto f2 = connect(gateways_[1]->port(), flooder.first);
  for (int i = 0; i < 200; ++i) {
    f1->send(R"({"type":"typing","room":")" + room + R"("})");
    f2->send(R"({"type":"typing","room":")" + room + R"("})");
  }
  EXPECT_EQ(count_frames(*o, "typing", std::chrono::milliseconds(1500)), 1);
}

TEST_F(SlowRefill, HistoryIsAnsweredTenTimesThenRateLimited) {
  auto gid = group("histoire");
  auto u = user("lecteur");
  member(gid, u.second);
  auto c = connect(gateways_[0]->port(), u.first);
  int pages = 0, limited = 0;
  for (int i = 0; i < 14; ++i) {
    c->send(R"({"type":"history","room":"group:)" + gid + R"(","limit":10})");
    auto f = c->read().value_or("");
    if (info(f).type == "history") ++pages;
    if (json_at(f, "code") == "rate_limited") ++limited;
  }
  EXPECT_EQ(pages, 10);
  EXPECT_EQ(limited, 4);
}

TEST_F(Limits, ReadMarkersOfABurstAreWrittenOncePerSecondAndTheLatestWins) {
  auto gid = group("lu");
  auto u = user("lectrice");
  member(gid, u.second);
  std::string room = "group:" + gid;
  auto c = connect(gateways_[0]->port(), u.first);
  for (int i = 0; i < 5; ++i)
    c->send(R"({"type":"send","room":")" + room + R"(","body":"m","client_msg_id":"m)" + std::to_string(i) + "\"}");
  for (int acks = 0; acks < 5;) {
    auto f = c->read();
    ASSERT_TRUE(f);
    if (info(*f).type == "ack") ++acks;
  }
  for (int i = 0; i < 100; ++i)
    c->send(R"({"type":"read","room":")" + room + R"(","seq":)" + std::to_string(1 + i % 5) + "}");
  // Each write tells the user's sockets their unread count: 100 frames before.
  int unread_frames = count_frames(*c, "unread", std::chrono::milliseconds(2500));
  EXPECT_GE(unread_frames, 1);
  EXPECT_LE(unread_frames, 3);
  EXPECT_EQ(sql("SELECT seq FROM read_markers WHERE room = '" + room + "'"), "5\n");
}

TEST_F(Limits, ASocketFollowsAtMostAHundredRooms) {
  // F19: subscriptions per socket were unbounded (each re-checked every 2 s).
  auto u = user("curieux");
  sql("INSERT INTO groups (name) SELECT 'suivi ' || i FROM generate_series(1, 101) i");
  sql("INSERT INTO memberships (group_id, user_id) SELECT id, " + u.second + " FROM groups WHERE name LIKE 'suivi %'");
  auto ids = sql("SELECT string_agg(id::text, ',' ORDER BY id) FROM groups WHERE name LIKE 'suivi %'");
  auto c = connect(gateways_[0]->port(), u.first);
  std::vector<std::string> rooms;
  for (std::size_t p = 0; p < ids.size() && ids[p] != '\n';) {
    auto q = ids.find_first_of(",\n", p);
    rooms.push_back("group:" + ids.substr(p, q - p));
    p = q + (ids[q] == ',' ? 1 : 0);
    if (ids[q] == '\n') break;
  }
  ASSERT_EQ(rooms.size(), 101u);
  int subscribed = 0;
  std::string refusal;
  for (const auto& r : rooms) {
    c->send(R"({"type":"subscribe","room":")" + r + R"("})");
    auto f = c->read().value_or("");
    if (info(f).type == "subscribed")
      ++subscribed;
    else
      refusal = f;
  }
  EXPECT_EQ(subscribed, 100);
  EXPECT_EQ(json_at(refusal, "code"), "validation_failed");
  EXPECT_EQ(json_at(refusal, "field"), "room");
}

TEST_F(Limits, ABackfillOrHistoryOfLargeMessagesIsPagedAndNeverCloses4008) {
  // F18: 300 posts of 4,000 emoji (16 KB each) made every subscribe with
  // since before them close 4008, and the client looped on it.
  auto gid = group("gros");
  auto writer = user("ecrivain"), reader = user("lecteur");
  member(gid, writer.second);
  member(gid, reader.second);
  std::string room = "group:" + gid;
  std::string big;
  for (int i = 0; i < 4000; ++i) big += "\xF0\x9F\x98\x80";
  auto w = connect(gateways_[0]->port(), writer.first);
  for (int i = 0; i < 300; ++i)
    w->send(R"({"type":"send","room":")" + room + R"(","body":")" + big + R"(","client_msg_id":"g)" +
            std::to_string(i) + "\"}");
  for (int acks = 0; acks < 300;) {
    auto f = w->read(std::chrono::seconds(30));
    ASSERT_TRUE(f);
    if (info(*f).type == "ack") ++acks;
  }
  auto r = connect(gateways_[1]->port(), reader.first);
  r->send(R"({"type":"subscribe","room":")" + room + R"(","since":0})");
  auto sub = r->read().value_or("");
  ASSERT_EQ(info(sub).type, "subscribed") << sub;
  EXPECT_EQ(json_at(sub, "limited"), "true");
  std::int64_t last = 0;
  int events = 0;
  while (auto f = r->read(std::chrono::milliseconds(1500))) {
    if (info(*f).type != "event") continue;
    EXPECT_EQ(info(*f).seq, last + 1);
    last = info(*f).seq;
    ++events;
  }
  EXPECT_GT(events, 10);
  EXPECT_LT(events, 300);
  // The client pages the rest; a page of 500 is cut to the frame budget.
  while (last < 300) {
    r->send(R"({"type":"history","room":")" + room + R"(","after":)" + std::to_string(last) + R"(,"limit":500})");
    auto page = r->read(std::chrono::seconds(10));
    ASSERT_TRUE(page);
    ASSERT_EQ(info(*page).type, "history") << page->substr(0, 200);
    ASSERT_LT(page->size(), 1100000u);
    auto v = json::parse(*page);
    ASSERT_TRUE(v);
    auto evs = v->find("events")->as_array();
    ASSERT_FALSE(evs->empty());
    for (const auto& e : *evs) EXPECT_EQ(*e.find("seq")->as_int(), ++last);
  }
  EXPECT_EQ(last, 300);
  EXPECT_FALSE(r->closed());
}

TEST_F(Limits, AnonymousSocketsAreCappedPerAddressAndTheCapFreesAtHello) {
  // F20: the gateway had no cap on sockets before hello.
  auto env = env_;
  env["COLIBRI_WS_MAX_ANONYMOUS_PER_ADDRESS"] = "5";
  service_process gw("chat", env, free_port());
  gw.wait_healthy();
  auto u = user("anonyme");
  std::vector<std::unique_ptr<ws_client>> quiet;
  for (int i = 0; i < 5; ++i) {
    quiet.push_back(std::make_unique<ws_client>(gw.port()));
    ASSERT_TRUE(quiet.back()->open());
  }
  // Let the gateway register the five before the sixth arrives.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ws_client sixth(gw.port());
  EXPECT_EQ(sixth.wait_closed(std::chrono::seconds(5)).code, 1013) << gw.log_tail();
  // One of them says hello: it no longer counts, a new socket is admitted.
  quiet[0]->send(R"({"type":"hello","token":")" + u.first + R"("})");
  auto w = quiet[0]->read().value_or("");
  EXPECT_TRUE(tcp_port_open(gw.port())) << "gateway died";
  ASSERT_EQ(info(w).type, "welcome") << w << " closed " << (quiet[0]->closed() ? quiet[0]->closed()->code : -1)
                                     << gw.log_tail();
  ws_client seventh(gw.port());
  seventh.send(R"({"type":"hello","token":")" + u.first + R"("})");
  EXPECT_EQ(info(seventh.read().value_or("")).type, "welcome");
}

}  // namespace
