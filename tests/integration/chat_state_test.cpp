// End-to-end: what a socket learns besides room events — presence counts,
// unread counts and notifications — on two gateway processes with a real
// PostgreSQL and Redis.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "chat_fixture.hpp"
#include "colibri/notify/notifications.hpp"

using namespace colibri;
using namespace colibri::test;

namespace {

class ChatState : public chat_fixture {
 protected:
  void configure(std::map<std::string, std::string>& env) override {
    env["COLIBRI_PRESENCE_TTL_SECONDS"] = "3";  // a crashed gateway's users stop counting within seconds
  }

  // Reads presence frames for `room` until one says `n` (bounded).
  static bool sees_count(ws_client& c, const std::string& room, int n) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      auto f = c.read_until("\"presence\"", std::chrono::seconds(15));
      if (!f) return false;
      if (json_at(*f, "room") == room && json_at(*f, "online_count") == std::to_string(n)) return true;
    }
    return false;
  }
  static void subscribe(ws_client& c, const std::string& room) {
    c.send(R"({"type":"subscribe","room":")" + room + R"("})");
    auto f = c.read_until("\"subscribed\"");
    ASSERT_TRUE(f);
  }
  // The gateways have subscribed the user's Redis channel (bounded wait).
  void user_channel_held(const std::string& uid, int gateways) {
    std::string want = std::to_string(gateways);
    want.insert(want.begin(), '\n');
    want.push_back('\n');
    for (int i = 0; i < 100; ++i) {
      auto out =
          run_checked({"redis-cli", "-p", std::to_string(redis_.port()), "PUBSUB", "NUMSUB", "colibri:user:" + uid});
      if (out.find(want) != std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "user channel not subscribed";
  }
  notify::notification store(const std::string& uid, const std::string& title) {
    pqxx::connection c(db_);
    pqxx::work w(c);
    auto n = notify::insert(w, std::stoll(uid), "welcome", title, "Les règles du groupe", R"({"group_id":1})");
    w.commit();
    return n;
  }
  void ring(const notify::notification& n) {
    run_checked({"redis-cli", "-p", std::to_string(redis_.port()), "PUBLISH",
                 "colibri:user:" + std::to_string(n.user_id), notify::notification_frame(n)});
  }
};

TEST_F(ChatState, PresenceCountsDistinctUsersAcrossGatewaysAndForgetsACrashedOne) {
  auto gid = group("présence");
  std::string room = "group:" + gid;
  auto ana = user("ana"), ben = user("ben"), cy = user("cy");
  for (auto* u : {&ana, &ben, &cy}) member(gid, u->second);

  auto a1 = connect(gateways_[0]->port(), ana.first, true);
  subscribe(*a1, room);
  EXPECT_TRUE(sees_count(*a1, room, 1));
  // A second socket of the same person does not count twice, and learns the count.
  auto a2 = connect(gateways_[0]->port(), ana.first, true);
  subscribe(*a2, room);
  EXPECT_TRUE(sees_count(*a2, room, 1));
  auto b = connect(gateways_[1]->port(), ben.first, true);
  subscribe(*b, room);
  EXPECT_TRUE(sees_count(*b, room, 2));
  EXPECT_TRUE(sees_count(*a1, room, 2));
  // Presence frames name no one: only the count.
  auto f = a2->read_until("\"presence\"");
  ASSERT_TRUE(f);
  EXPECT_FALSE(json_at(*f, "user_id"));

  a2.reset();
  a1.reset();  // ana's last socket
  EXPECT_TRUE(sees_count(*b, room, 1));

  // A gateway that dies without saying goodbye: its entries expire.
  service_process doomed("chat", env_, free_port());
  doomed.wait_healthy();
  auto c = connect(doomed.port(), cy.first, true);
  subscribe(*c, room);
  EXPECT_TRUE(sees_count(*b, room, 2));
  doomed.proc().kill_hard();
  EXPECT_TRUE(sees_count(*b, room, 1));
}

// A budget of one presence frame per second: a count of n goes out at least
// n seconds after the room's previous one, across both gateways, and the
// last change of a held-back series still goes out.
class ChatPresenceBudget : public ChatState {
 protected:
  void configure(std::map<std::string, std::string>& env) override {
    ChatState::configure(env);
    env["COLIBRI_PRESENCE_FANOUT_PER_SECOND"] = "1";
  }
};

TEST_F(ChatPresenceBudget, ArrivalsInABusyRoomAreCountedTogetherAndTheLastCountStillComes) {
  auto gid = group("budget");
  std::string room = "group:" + gid;
  auto ana = user("ana"), ben = user("ben"), cy = user("cy"), dan = user("dan");
  for (auto* u : {&ana, &ben, &cy, &dan}) member(gid, u->second);
  // Everyone connected first: only the subscriptions below must fall
  // within the 3 s a count of 3 waits.
  auto a = connect(gateways_[0]->port(), ana.first, true);
  auto b = connect(gateways_[1]->port(), ben.first, true);
  auto c = connect(gateways_[1]->port(), cy.first, true);
  auto d = connect(gateways_[0]->port(), dan.first, true);
  subscribe(*a, room);
  subscribe(*b, room);
  // Both gateways have heard a count (a gateway's first arrival in a room is
  // published at once, to learn it).
  ASSERT_TRUE(sees_count(*a, room, 2));
  ASSERT_TRUE(sees_count(*b, room, 2));
  // Two arrivals, one per gateway, within the 3 s a count of 3 must wait
  // after the previous one: ana's socket hears 4, never 3.
  subscribe(*c, room);
  subscribe(*d, room);
  std::vector<std::string> counts;
  while (counts.empty() || counts.back() != "4") {
    auto f = a->read_until("\"presence\"", std::chrono::seconds(15));
    ASSERT_TRUE(f) << "the held-back count never came";
    counts.push_back(json_at(*f, "online_count").value_or("?"));
  }
  EXPECT_EQ(counts, std::vector<std::string>{"4"});
}

TEST_F(ChatState, UnreadCountsFollowMessagesAndReadMarkersOnEverySocketOfTheReader) {
  auto gid = group("lus");
  std::string room = "group:" + gid;
  auto ana = user("ana"), ben = user("ben");
  member(gid, ana.second);
  member(gid, ben.second);
  auto b2 = connect(gateways_[1]->port(), ben.first);  // ben's other device, not subscribed
  auto a = connect(gateways_[0]->port(), ana.first);
  auto b1 = connect(gateways_[0]->port(), ben.first);
  auto say = [&](ws_client& c, const std::string& frame) {
    c.send(frame);
    return c.read_until("\"ack\"").value_or("");
  };
  for (int i = 1; i <= 3; ++i)
    EXPECT_EQ(json_at(say(*a, R"({"type":"send","room":")" + room + R"(","body":"message )" + std::to_string(i) +
                                  R"(","client_msg_id":"a)" + std::to_string(i) + "\"}"),
                      "seq"),
              std::to_string(i));
  say(*b1, R"({"type":"send","room":")" + room + R"(","body":"le mien","client_msg_id":"b1"})");  // seq 4
  say(*a, R"({"type":"delete","room":")" + room + R"(","seq":2})");                               // seq 5
  user_channel_held(ben.second, 2);

  // Unread for ben: ana's messages 1 and 3 (2 is deleted, 4 is his own).
  b1->send(R"({"type":"subscribe","room":")" + room + R"("})");
  auto sub = b1->read_until("\"subscribed\"").value_or("");
  EXPECT_EQ(json_at(sub, "read_seq"), "0");
  EXPECT_EQ(json_at(sub, "unread"), "2");
  EXPECT_EQ(json_at(sub, "last_seq"), "5");

  auto read_state = [&](ws_client& c) {
    auto f = c.read_until("\"unread\"").value_or("");
    return json_at(f, "read_seq").value_or("?") + "/" + json_at(f, "unread").value_or("?");
  };
  b1->send(R"({"type":"read","room":")" + room + R"(","seq":1})");
  EXPECT_EQ(read_state(*b1), "1/1");
  EXPECT_EQ(read_state(*b2), "1/1");                                // the other device follows
  b1->send(R"({"type":"read","room":")" + room + R"(","seq":0})");  // markers never go back
  EXPECT_EQ(read_state(*b1), "1/1");
  b1->send(R"({"type":"read","room":")" + room + R"(","seq":1000000000})");  // never past the last event
  EXPECT_EQ(read_state(*b1), "5/0");
  EXPECT_EQ(read_state(*b2), "1/1");
  EXPECT_EQ(read_state(*b2), "5/0");
  EXPECT_EQ(sql("SELECT seq FROM read_markers WHERE user_id = " + ben.second), "5\n");

  // A new message from ana is unread again on the next subscribe.
  say(*a, R"({"type":"send","room":")" + room + R"(","body":"encore","client_msg_id":"a4"})");
  auto b3 = connect(gateways_[1]->port(), ben.first);
  b3->send(R"({"type":"subscribe","room":")" + room + R"("})");
  auto sub3 = b3->read_until("\"subscribed\"").value_or("");
  EXPECT_EQ(json_at(sub3, "read_seq"), "5");
  EXPECT_EQ(json_at(sub3, "unread"), "1");

  // Bad input: an error, the marker untouched, the socket usable.
  b1->send(R"({"type":"read","room":")" + room + R"(","seq":"x"})");
  EXPECT_EQ(json_at(b1->read_until("\"error\"").value_or(""), "field"), "seq");
  b1->send(R"({"type":"read","room":")" + room + R"(","seq":-1})");
  EXPECT_EQ(json_at(b1->read_until("\"error\"").value_or(""), "field"), "seq");
  auto other = group("ailleurs");
  b1->send(R"({"type":"read","room":"group:)" + other + R"(","seq":1})");
  EXPECT_EQ(json_at(b1->read_until("\"error\"").value_or(""), "code"), "forbidden");
  EXPECT_EQ(sql("SELECT count(*) FROM read_markers WHERE user_id = " + ben.second), "1\n");
  b1->send(R"({"type":"read","room":")" + room + R"(","seq":6})");
  EXPECT_EQ(read_state(*b1), "6/0");
}

TEST_F(ChatState, NotificationsArriveLiveAndMissedOnesAreReplayedOnceAfterHello) {
  auto ana = user("ana"), ben = user("ben");
  auto hello = [&](ws_client& c, const std::string& extra) {
    c.send(R"({"type":"hello","token":")" + ana.first + "\"" + extra + "}");
    return c.read().value_or("");
  };
  auto b = connect(gateways_[1]->port(), ben.first);
  std::int64_t seen = 0;
  {
    ws_client a1(gateways_[0]->port());
    EXPECT_EQ(json_at(hello(a1, R"(,"notifications_after":0)"), "type"), "welcome");
    EXPECT_FALSE(a1.read(std::chrono::milliseconds(300)));  // nothing missed yet
    user_channel_held(ana.second, 1);
    auto n1 = store(ana.second, "Bienvenue dans le groupe");
    ring(n1);
    auto live = a1.read().value_or("");
    EXPECT_EQ(json_at(live, "type"), "notification");
    EXPECT_EQ(json_at(live, "notification.title"), "Bienvenue dans le groupe");
    EXPECT_EQ(json_at(live, "notification.data.group_id"), "1");
    seen = std::stoll(json_at(live, "notification.id").value_or("0"));
  }  // ana goes offline
  auto n2 = store(ana.second, "Deuxième");
  ring(n2);  // nobody of hers listens
  auto n3 = store(ana.second, "Troisième");

  ws_client a2(gateways_[0]->port());
  // Bad input first: a clear error, and the socket can still say hello.
  auto bad = hello(a2, R"(,"notifications_after":"x")");
  EXPECT_EQ(json_at(bad, "code"), "validation_failed");
  EXPECT_EQ(json_at(bad, "field"), "notifications_after");
  EXPECT_EQ(json_at(hello(a2, R"(,"notifications_after":)" + std::to_string(seen)), "type"), "welcome");
  EXPECT_EQ(json_at(a2.read().value_or(""), "notification.id"), std::to_string(n2.id));
  EXPECT_EQ(json_at(a2.read().value_or(""), "notification.id"), std::to_string(n3.id));
  // A late doorbell for one already replayed is not delivered twice; a new one is.
  user_channel_held(ana.second, 1);
  ring(n3);
  auto n4 = store(ana.second, "Quatrième");
  ring(n4);
  EXPECT_EQ(json_at(a2.read().value_or(""), "notification.id"), std::to_string(n4.id));
  EXPECT_FALSE(a2.read(std::chrono::milliseconds(300)));
  // Someone else's notifications never reach ben.
  EXPECT_FALSE(b->read(std::chrono::milliseconds(100)));
}

}  // namespace
