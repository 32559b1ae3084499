// End-to-end: rooms over real sockets on two gateway processes, with a real
// PostgreSQL and Redis. Every client must see exactly the table's rows for its
// room, once each, in seq order, whatever happens to Redis.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "chat_fixture.hpp"

using namespace colibri;
using namespace colibri::test;

namespace {

class ChatRooms : public chat_fixture {};

TEST_F(ChatRooms, FiftyClientsFiveRoomsTwoGatewaysTenThousandMessages) {
  auto seen = load(5, 10, 200, std::chrono::microseconds(0));
  expect_every_event(seen, 10, 2000);
}

TEST_F(ChatRooms, RedisKilledForFiveSecondsDuringLoadLosesAndDoublesNothing) {
  auto seen = load(2, 5, 200, std::chrono::microseconds(10000), [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    redis_.kill_hard();
    std::this_thread::sleep_for(std::chrono::seconds(5));
    redis_.start();
  });
  expect_every_event(seen, 5, 1000);
  for (auto& g : gateways_) EXPECT_TRUE(g->proc().running());
}

TEST_F(ChatRooms, ARetriedSendAfterADroppedConnectionIsStoredOnce) {
  auto gid = group("retry");
  auto u = user("retry");
  member(gid, u.second);
  std::string send = R"({"type":"send","room":"group:)" + gid + R"(","body":"Je tiens bon","client_msg_id":"once-1"})";
  frame_info first;
  {
    auto c = connect(gateways_[0]->port(), u.first);
    c->send(send);
    first = info(c->read().value_or(""));
    ASSERT_EQ(first.type, "ack");
  }  // the connection drops
  auto c = connect(gateways_[1]->port(), u.first);
  c->send(send);
  auto again = c->read().value_or("");
  EXPECT_EQ(info(again).type, "ack");
  EXPECT_EQ(info(again).seq, first.seq);
  EXPECT_EQ(info(again).event_id, first.event_id);
  EXPECT_EQ(json_at(again, "duplicate"), "true");
  EXPECT_EQ(sql("SELECT count(*) FROM room_events"), "1\n");
}

// A socket does not wait for one send's ack before the next is read: its
// sends are in flight together (pipeline.hpp). What the client sees must not
// change: each room's seqs in the order sent, the answers in the order of the
// frames (errors included), a retry answered with its first event, and a
// frame of another type handled after the sends before it.
TEST_F(ChatRooms, PipelinedSendsAreStoredAndAnsweredInTheOrderSent) {
  auto ga = group("pipeline a");
  auto gb = group("pipeline b");
  auto gc = group("pas membre");
  auto writer = user("pipewriter");
  auto reader = user("pipereader");
  member(ga, writer.second);
  member(gb, writer.second);
  member(ga, reader.second);
  std::string a = "group:" + ga, b = "group:" + gb, c = "group:" + gc;
  auto r = connect(gateways_[1]->port(), reader.first);
  r->send(R"({"type":"subscribe","room":")" + a + R"(","since":0})");
  ASSERT_EQ(info(r->read().value_or("")).type, "subscribed");

  auto w = connect(gateways_[0]->port(), writer.first);
  constexpr int n = 300;
  std::vector<std::string> expect(n + 1);  // per id: "ack a", "ack b", "dup", "body", "forbidden"
  std::vector<int> sent_to_a;              // the ids of the messages stored in a, in order
  std::string batch;
  for (int id = 1; id <= n; ++id) {
    std::string room = id % 2 ? a : b, body = "m" + std::to_string(id), cmid = "p" + std::to_string(id);
    if (id % 25 == 0) {
      body.clear();
      expect[id] = "body";
    } else if (id % 40 == 0) {
      room = c;
      expect[id] = "forbidden";
    } else if (id % 33 == 0) {
      cmid = "p" + std::to_string(id - 2);  // a retry of a message two frames earlier, same room
      expect[id] = "dup";
    } else {
      expect[id] = room == a ? "ack a" : "ack b";
      if (room == a) sent_to_a.push_back(id);
    }
    w->send(R"({"type":"send","id":)" + std::to_string(id) + R"(,"room":")" + room + R"(","body":")" + body +
            R"(","client_msg_id":")" + cmid + "\"}");
  }
  w->send(R"({"type":"history","id":"h","room":")" + a + R"(","limit":200})");

  std::map<std::string, std::int64_t> last_seq{{a, 0}, {b, 0}};
  std::map<int, std::int64_t> seq_of;
  w->ignore_type("event");
  for (int id = 1; id <= n; ++id) {
    auto f = w->read().value_or("");
    ASSERT_EQ(json_at(f, "id"), std::to_string(id)) << f;
    auto type = json_at(f, "type").value_or("");
    if (expect[id] == "body" || expect[id] == "forbidden") {
      EXPECT_EQ(type, "error") << f;
      EXPECT_EQ(json_at(f, expect[id] == "body" ? "field" : "code"), expect[id]) << f;
      continue;
    }
    ASSERT_EQ(type, "ack") << f;
    auto seq = std::stoll(json_at(f, "seq").value_or("0"));
    if (expect[id] == "dup") {
      EXPECT_EQ(json_at(f, "duplicate"), "true") << f;
      EXPECT_EQ(seq, seq_of[id - 2]) << f;
      continue;
    }
    auto room = json_at(f, "room").value_or("");
    EXPECT_EQ(room, expect[id] == "ack a" ? a : b) << f;
    EXPECT_EQ(seq, last_seq[room] + 1) << "id " << id << ": " << f;
    last_seq[room] = seq;
    seq_of[id] = seq;
  }
  auto h = w->read().value_or("");
  ASSERT_EQ(json_at(h, "id"), "h") << h.substr(0, 200);
  ASSERT_EQ(json_at(h, "type"), "history");
  for (std::size_t k = 0; k < sent_to_a.size(); ++k)
    EXPECT_EQ(json_at(h, "events." + std::to_string(k) + ".body"), "m" + std::to_string(sent_to_a[k])) << k;
  EXPECT_FALSE(json_at(h, "events." + std::to_string(sent_to_a.size()) + ".body"));

  // The member on the other gateway: every event of a once, in the order sent.
  for (std::size_t k = 0; k < sent_to_a.size(); ++k) {
    auto f = r->read().value_or("");
    EXPECT_EQ(json_at(f, "seq"), std::to_string(k + 1)) << f;
    EXPECT_EQ(json_at(f, "body"), "m" + std::to_string(sent_to_a[k])) << f;
  }
}

TEST_F(ChatRooms, NonMembersAndMutedMembersAreRefusedAndTheSocketStaysUsable) {
  auto gid = group("privé");
  auto other = group("autre");
  auto insider = user("insider");
  auto outsider = user("outsider");
  auto muted = user("muted");
  member(gid, insider.second);
  member(other, outsider.second);
  member(gid, muted.second, "now() + interval '1 hour'");
  auto c = connect(gateways_[0]->port(), outsider.first);
  std::string room = "group:" + gid;
  for (auto req : {R"({"type":"subscribe","room":")" + room + R"("})",
                   R"({"type":"send","room":")" + room + R"(","body":"x","client_msg_id":"a"})",
                   R"({"type":"history","room":")" + room + R"("})"}) {
    c->send(req);
    auto f = c->read().value_or("");
    EXPECT_EQ(json_at(f, "type"), "error") << f;
    EXPECT_EQ(json_at(f, "code"), "forbidden") << f;
  }
  c->send(R"({"type":"subscribe","room":"group:x1"})");
  EXPECT_EQ(json_at(c->read().value_or(""), "code"), "validation_failed");
  c->send(R"({"type":"send","room":"group:)" + other + R"(","body":"","client_msg_id":"a"})");
  EXPECT_EQ(json_at(c->read().value_or(""), "field"), "body");
  c->send(R"({"type":"send","room":"group:)" + other + R"(","body":"ok","client_msg_id":"a","reply_to":"x"})");
  EXPECT_EQ(json_at(c->read().value_or(""), "field"), "reply_to");
  // Still usable: a send in a group the person belongs to is acked.
  c->send(R"({"type":"send","room":"group:)" + other + R"(","body":"ok","client_msg_id":"b"})");
  EXPECT_EQ(json_at(c->read().value_or(""), "type"), "ack");

  auto m = connect(gateways_[1]->port(), muted.first);
  m->send(R"({"type":"send","room":")" + room + R"(","body":"x","client_msg_id":"m"})");
  auto f = m->read().value_or("");
  EXPECT_EQ(json_at(f, "code"), "forbidden") << f;
  EXPECT_EQ(sql("SELECT count(*) FROM room_events WHERE room = '" + room + "'"), "0\n");
}

TEST_F(ChatRooms, SubscribeWithSinceBackfillsInOrderThenGoesLive) {
  auto gid = group("reprise");
  auto a = user("writer");
  auto b = user("reader");
  member(gid, a.second);
  member(gid, b.second);
  std::string room = "group:" + gid;
  auto w = connect(gateways_[0]->port(), a.first);
  for (int i = 0; i < 520; ++i) {
    w->send(R"({"type":"send","room":")" + room + R"(","body":"m","client_msg_id":"k)" + std::to_string(i) + "\"}");
    ASSERT_EQ(info(w->read().value_or("")).type, "ack");
  }
  auto r = connect(gateways_[1]->port(), b.first);
  r->send(R"({"type":"subscribe","id":"s","room":")" + room + R"(","since":10})");
  auto sub = r->read().value_or("");
  EXPECT_EQ(json_at(sub, "type"), "subscribed");
  EXPECT_EQ(json_at(sub, "limited"), "true");  // 510 missed: 500 now, the rest through history
  for (int s = 11; s <= 510; ++s) EXPECT_EQ(info(r->read().value_or("")).seq, s);
  r->send(R"({"type":"history","room":")" + room + R"(","after":510,"limit":100})");
  auto h = r->read().value_or("");
  EXPECT_EQ(json_at(h, "type"), "history");
  EXPECT_EQ(json_at(h, "has_more"), "false");
  // Live from here: a new message arrives once.
  w->send(R"({"type":"send","room":")" + room + R"(","body":"live","client_msg_id":"live"})");
  auto live = info(r->read().value_or(""));
  EXPECT_EQ(live.type, "event");
  EXPECT_EQ(live.seq, 521);
  // A reconnect that resumes with since gets exactly what it lacks.
  auto r2 = connect(gateways_[0]->port(), b.first);
  r2->send(R"({"type":"subscribe","room":")" + room + R"(","since":519})");
  EXPECT_EQ(json_at(r2->read().value_or(""), "limited"), "false");
  EXPECT_EQ(info(r2->read().value_or("")).seq, 520);
  EXPECT_EQ(info(r2->read().value_or("")).seq, 521);
  EXPECT_FALSE(r2->read(std::chrono::milliseconds(300)));
}

TEST_F(ChatRooms, AGatewayKilledDuringLoadItsClientsResumeOnTheOtherAndMissNothing) {
  auto gid = group("bascule");
  std::string room = "group:" + gid;
  constexpr int k_clients = 6, k_per_sender = 150;
  std::vector<std::pair<std::string, std::string>> users;
  for (int i = 0; i < k_clients; ++i) {
    users.push_back(user("k" + std::to_string(i)));
    member(gid, users.back().second);
  }
  std::atomic<bool> killed{false};
  std::atomic<int> ready{0};
  std::vector<std::vector<std::int64_t>> seen(k_clients);
  std::vector<std::thread> threads;
  // Clients 0 and 1 send (one per gateway); everyone reads every event.
  for (int i = 0; i < k_clients; ++i) {
    threads.emplace_back([&, i] {
      bool sender = i < 2;
      int gw = i % 2;
      std::set<int> acked;
      int sent = 0;
      std::size_t expected = 2 * k_per_sender;
      bool first = true;
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
      auto unfinished = [&] {
        return std::chrono::steady_clock::now() < deadline &&
               (seen[i].size() < expected || (sender && acked.size() < k_per_sender));
      };
      for (int attempt = 0; attempt < 20 && unfinished(); ++attempt) {
        if (gw == 0 && killed) gw = 1;
        std::unique_ptr<ws_client> c;
        try {
          c = connect(gateways_[gw]->port(), users[i].first);
        } catch (const std::exception&) {
          gw = 1;  // that gateway is gone: like a real client, try the other one
          continue;
        }
        auto since = seen[i].empty() ? 0 : seen[i].back();
        c->send(R"({"type":"subscribe","room":")" + room + R"(","since":)" + std::to_string(since) + "}");
        if (first) {
          ++ready;
          for (int w = 0; w < 6000 && ready < k_clients; ++w) std::this_thread::sleep_for(std::chrono::milliseconds(5));
          first = false;
        }
        auto msg = [&](int m) {
          return R"({"type":"send","room":")" + room + R"(","body":"tiens bon","client_msg_id":"s)" +
                 std::to_string(i) + "-" + std::to_string(m) + "\"}";
        };
        // After a reconnect, whatever was not acked is sent again, same client_msg_id.
        if (sender)
          for (int m = 0; m < sent; ++m)
            if (!acked.count(m)) c->send(msg(m));
        bool dropped = false;
        while (!dropped && unfinished()) {
          if (sender && sent < k_per_sender) {
            try {
              c->send(msg(sent));
            } catch (...) {
              dropped = true;
              break;
            }
            ++sent;
          }
          auto f = c->read(std::chrono::milliseconds(sender && sent < k_per_sender ? 10 : 5000));
          if (!f) {
            if (c->closed()) dropped = true;
            continue;
          }
          auto fi = info(*f);
          if (fi.type == "event") {
            if (fi.seq == (seen[i].empty() ? 0 : seen[i].back()) + 1)
              seen[i].push_back(fi.seq);
            else
              ADD_FAILURE() << "client " << i << " got seq " << fi.seq << " after "
                            << (seen[i].empty() ? 0 : seen[i].back());
          } else if (fi.type == "ack") {
            // Acks come back in send order per connection.
            for (int m = 0; m < sent; ++m)
              if (!acked.count(m)) {
                acked.insert(m);
                break;
              }
          }
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  killed = true;
  gateways_[0]->proc().kill_hard();
  for (auto& t : threads) t.join();
  auto expected = table_seqs(room);
  ASSERT_EQ(expected.size(), static_cast<std::size_t>(2 * k_per_sender));
  for (int i = 0; i < k_clients; ++i) EXPECT_EQ(seen[i], expected) << "client " << i;
}

TEST_F(ChatRooms, ASlowConsumerIsClosedWith4008WhileOthersKeepTheirDelivery) {
  auto small = env_;
  small["COLIBRI_OUTBOX_MAX_FRAMES"] = "64";
  small["COLIBRI_OUTBOX_MAX_BYTES"] = "65536";
  // The slow client reads its close only once the fast one has everything:
  // on a loaded machine that can be more than the default 5 s after it.
  small["COLIBRI_WS_CLOSE_SECONDS"] = "120";
  service_process gw("chat", small, free_port());
  gw.wait_healthy();
  auto gid = group("lent");
  std::string room = "group:" + gid;
  auto slow_u = user("slow"), fast_u = user("fast"), writer_u = user("writer");
  for (auto* u : {&slow_u, &fast_u, &writer_u}) member(gid, u->second);
  ws_client slow(gw.port(), "/ws", {}, 4096);
  slow.send(R"({"type":"hello","token":")" + slow_u.first + R"("})");
  ASSERT_EQ(info(slow.read().value_or("")).type, "welcome");
  slow.send(R"({"type":"subscribe","room":")" + room + R"("})");
  ASSERT_EQ(info(slow.read().value_or("")).type, "subscribed");
  auto fast = connect(gw.port(), fast_u.first);
  fast->send(R"({"type":"subscribe","room":")" + room + R"("})");
  ASSERT_EQ(info(fast->read().value_or("")).type, "subscribed");

  // The slow client reads nothing while 1500 large messages go by.
  std::string body(3900, 'x');
  auto w = connect(gateways_[1]->port(), writer_u.first);
  // The writer keeps 4 sends unacknowledged: the fast reader's outbox (64
  // KiB here) holds 16 of these messages, and a burst of more than that at
  // once would close even a fast reader (the socket pipelines 32 sends).
  std::thread writer([&] {
    int acks = 0;
    for (int m = 0; m < 1500 || acks < 1500;) {
      if (m < 1500 && m - acks < 4) {
        w->send(R"({"type":"send","room":")" + room + R"(","body":")" + body + R"(","client_msg_id":"w)" +
                std::to_string(m++) + "\"}");
        continue;
      }
      auto f = w->read(std::chrono::seconds(30));
      if (!f) break;
      if (info(*f).type == "ack") ++acks;
    }
    EXPECT_EQ(acks, 1500);
  });
  std::int64_t last = 0;
  while (last < 1500) {
    auto f = fast->read(std::chrono::seconds(30));
    if (!f) break;
    auto fi = info(*f);
    if (fi.type == "event") {
      EXPECT_EQ(fi.seq, last + 1);
      last = fi.seq;
    }
  }
  writer.join();
  EXPECT_EQ(last, 1500);  // the fast client got everything
  EXPECT_EQ(slow.wait_closed(std::chrono::seconds(30)).code, 4008);
  // Memory stays bounded: what a slow client would have queued was dropped.
  std::ifstream status("/proc/" + std::to_string(gw.proc().pid()) + "/status");
  std::string line;
  long rss_kib = 0;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) rss_kib = std::stol(line.substr(6));
  EXPECT_GT(rss_kib, 0);
  EXPECT_LT(rss_kib, 200 * 1024);
}

TEST_F(ChatRooms, EditDeleteAndReactFollowAuthorshipAndRoles) {
  auto gid = group("édition");
  std::string room = "group:" + gid;
  auto alice = user("alice"), bob = user("bob"), mod = user("modo");
  member(gid, alice.second);
  member(gid, bob.second);
  member(gid, mod.second);
  sql("UPDATE memberships SET role = 'moderator' WHERE user_id = " + mod.second);
  auto a = connect(gateways_[0]->port(), alice.first);
  auto b = connect(gateways_[1]->port(), bob.first);
  auto m = connect(gateways_[0]->port(), mod.first);
  auto ask = [&](ws_client& c, const std::string& frame) {
    c.send(frame);
    return c.read().value_or("");
  };
  auto msg = ask(*a, R"({"type":"send","room":")" + room + R"(","body":"premier","client_msg_id":"1"})");
  ASSERT_EQ(info(msg).seq, 1);
  EXPECT_EQ(info(ask(*a, R"({"type":"edit","room":")" + room + R"j(","seq":1,"body":"premier (corrigé)"})j")).type,
            "ack");
  auto foreign = ask(*b, R"({"type":"edit","room":")" + room + R"(","seq":1,"body":"pirate"})");
  EXPECT_EQ(json_at(foreign, "code"), "forbidden");
  EXPECT_EQ(json_at(ask(*b, R"({"type":"delete","room":")" + room + R"(","seq":1})"), "code"), "forbidden");
  auto react = ask(*b, R"({"type":"react","room":")" + room + R"(","seq":1,"emoji":"👏","on":true})");
  EXPECT_EQ(info(react).type, "ack");
  EXPECT_EQ(json_at(ask(*b, R"({"type":"react","room":")" + room + R"(","seq":1,"emoji":"👏"})"), "field"), "on");
  EXPECT_EQ(json_at(ask(*a, R"({"type":"edit","room":")" + room + R"(","seq":99,"body":"x"})"), "code"), "not_found");
  EXPECT_EQ(info(ask(*m, R"({"type":"delete","room":")" + room + R"(","seq":1})")).type, "ack");
  EXPECT_EQ(json_at(ask(*a, R"({"type":"edit","room":")" + room + R"(","seq":1,"body":"trop tard"})"), "code"),
            "not_found");
  EXPECT_EQ(sql("SELECT string_agg(kind || ':' || coalesce(target_seq::text, '-'), ',' ORDER BY seq) FROM room_events"),
            "message:-,edit:1,reaction:1,delete:1\n");
}

TEST_F(ChatRooms, ARedisThatStopsAnsweringIsNoticedAndRoomsAreServedFromPostgres) {
  // F24: a silent partition (the socket open, nothing answered) was never
  // noticed: live delivery stopped with no catch-up until TCP gave up.
  auto gid = group("silence");
  std::string room = "group:" + gid;
  auto a = user("parle"), b = user("ecoute");
  member(gid, a.second);
  member(gid, b.second);
  auto wa = connect(gateways_[0]->port(), a.first);
  auto wb = connect(gateways_[1]->port(), b.first);
  wb->send(R"({"type":"subscribe","room":")" + room + R"("})");
  ASSERT_EQ(info(wb->read().value_or("")).type, "subscribed");
  redis_.pause();
  wa->send(R"({"type":"send","room":")" + room + R"(","body":"tu m'entends ?","client_msg_id":"s1"})");
  auto ack = wa->read_until("\"ack\"", std::chrono::seconds(10));
  ASSERT_TRUE(ack);
  auto got = wb->read_until("tu m'entends", std::chrono::seconds(20));
  redis_.resume();
  ASSERT_TRUE(got) << "not delivered while Redis was silent";
  EXPECT_EQ(info(*got).seq, info(*ack).seq);
  // And once Redis answers again, live delivery goes on, once.
  wa->send(R"({"type":"send","room":")" + room + R"(","body":"et maintenant ?","client_msg_id":"s2"})");
  auto second = wb->read_until("et maintenant", std::chrono::seconds(20));
  ASSERT_TRUE(second);
  EXPECT_EQ(info(*second).seq, info(*got).seq + 1);
}

TEST_F(ChatRooms, RateLimitThenClose4029AndASocketCapPerUser) {
  auto tight = env_;
  tight["COLIBRI_RATE_EVENTS"] = "5";
  tight["COLIBRI_RATE_WINDOW_SECONDS"] = "60";
  tight["COLIBRI_MAX_SOCKETS_PER_USER"] = "2";
  service_process gw("chat", tight, free_port());
  gw.wait_healthy();
  auto gid = group("débit");
  auto u = user("bavard");
  member(gid, u.second);
  auto c = connect(gw.port(), u.first);
  int acks = 0, limited = 0;
  for (int i = 0; i < 30 && !c->closed(); ++i) {
    try {
      c->send(R"({"type":"send","room":"group:)" + gid + R"(","body":"encore","client_msg_id":"r)" + std::to_string(i) +
              "\"}");
    } catch (...) {
      break;
    }
    auto f = c->read(std::chrono::seconds(5));
    if (!f) break;
    if (info(*f).type == "ack") ++acks;
    if (json_at(*f, "code") == "rate_limited") ++limited;
  }
  EXPECT_EQ(acks, 5);
  EXPECT_EQ(limited, 10);
  EXPECT_EQ(c->wait_closed().code, 4029);

  auto s1 = connect(gw.port(), u.first);
  auto s2 = connect(gw.port(), u.first);
  ws_client s3(gw.port());
  s3.send(R"({"type":"hello","token":")" + u.first + R"("})");
  EXPECT_EQ(json_at(s3.read().value_or(""), "code"), "forbidden");
  EXPECT_EQ(s3.wait_closed().code, 1008);
}

TEST_F(ChatRooms, RemovalMuteAndRevocationReachOpenSocketsWithinFiveSeconds) {
  auto gid = group("départ");
  std::string room = "group:" + gid;
  auto leaving = user("leaving"), muted = user("tomute"), revoked = user("revoked");
  for (auto* u : {&leaving, &muted, &revoked}) member(gid, u->second);
  auto l = connect(gateways_[0]->port(), leaving.first);
  l->send(R"({"type":"subscribe","room":")" + room + R"("})");
  ASSERT_EQ(info(l->read().value_or("")).type, "subscribed");
  auto m = connect(gateways_[1]->port(), muted.first);
  m->send(R"({"type":"send","room":")" + room + R"(","body":"avant","client_msg_id":"1"})");
  ASSERT_EQ(info(m->read().value_or("")).type, "ack");
  auto r = connect(gateways_[0]->port(), revoked.first);

  // Changed in PostgreSQL only: no Redis message tells the gateways.
  auto changed = std::chrono::steady_clock::now();
  sql("DELETE FROM memberships WHERE user_id = " + leaving.second);
  sql("UPDATE memberships SET muted_until = now() + interval '1 day' WHERE user_id = " + muted.second);
  sql("UPDATE sessions SET revoked_at = now() WHERE user_id = " + revoked.second);

  auto lost = l->read_until("unsubscribed", std::chrono::seconds(5));
  EXPECT_TRUE(lost) << "the removed member still holds the room";
  EXPECT_EQ(r->wait_closed(std::chrono::seconds(5)).code, 4003);
  // Within the 5 s bound, counted from the change (access answers are cached 2 s).
  std::string answer;
  while (std::chrono::steady_clock::now() - changed < std::chrono::seconds(5)) {
    m->send(R"({"type":"send","room":")" + room + R"(","body":"pendant","client_msg_id":"p)" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + "\"}");
    answer = m->read().value_or("");
    if (json_at(answer, "code") == "forbidden") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_EQ(json_at(answer, "code"), "forbidden") << answer;
}

TEST_F(ChatRooms, WhatIsPublishedForAUserReachesEveryOneOfTheirSocketsAndNobodyElse) {
  auto ana = user("ana"), leo = user("leo");
  auto a1 = connect(gateways_[0]->port(), ana.first);
  auto a2 = connect(gateways_[1]->port(), ana.first);
  auto l = connect(gateways_[0]->port(), leo.first);
  std::string frame =
      R"({"type":"notification","notification":{"id":1,"kind":"welcome","title":"Bienvenue","body":"Les règles du groupe","data":{},"at":"2026-11-23T09:00:00.000Z","read":false}})";
  // Publish until both gateways have subscribed the user's channel (bounded).
  std::optional<std::string> got1, got2;
  for (int i = 0; i < 50 && !(got1 && got2); ++i) {
    run_checked({"redis-cli", "-p", std::to_string(redis_.port()), "PUBLISH", "colibri:user:" + ana.second, frame});
    if (!got1) got1 = a1->read(std::chrono::milliseconds(100));
    if (!got2) got2 = a2->read(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(got1 && got2);
  EXPECT_EQ(json_at(*got1, "notification.kind"), "welcome");
  EXPECT_EQ(json_at(*got2, "notification.title"), "Bienvenue");
  EXPECT_FALSE(l->read(std::chrono::milliseconds(300)));
}

}  // namespace
