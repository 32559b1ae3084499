// libs/roomlog against a real PostgreSQL and Redis: no holes, idempotent
// retries, batching, publish after commit.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "colibri/json/value.hpp"
#include "colibri/pg/migrate.hpp"
#include "colibri/roomlog/room_log.hpp"
#include "colibri/schema/migrations.hpp"
#include "colibri/test/servers.hpp"

using namespace colibri;
using namespace colibri::test;

namespace {

class RoomLog : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = shared_postgres().create_database();
    pqxx::connection c(url_);
    pg::migrate(c, schema::migrations());
    pqxx::work w(c);
    for (int i = 1; i <= 3; ++i)
      w.exec_params("INSERT INTO users (email, handle, password_hash) VALUES ($1, $2, 'x')",
                    "u" + std::to_string(i) + "@example.fr", "Membre " + std::to_string(i));
    w.commit();
  }
  std::int64_t scalar(const std::string& sql) {
    pqxx::connection c(url_);
    pqxx::work w(c);
    return w.exec(sql)[0][0].as<std::int64_t>();
  }
  roomlog::append_request msg(std::string room, std::int64_t author, std::string cmid, std::string body = "Bonjour") {
    roomlog::append_request r;
    r.room = std::move(room);
    r.kind = "message";
    r.author_id = author;
    r.client_msg_id = std::move(cmid);
    r.body = std::move(body);
    return r;
  }
  std::string url_;
};

// Runs `n` appends concurrently on `io` through `log`, recording (room, seq).
void spawn_appends(asio::io_context& io, std::shared_ptr<roomlog::room_log> log,
                   std::vector<roomlog::append_request> reqs, std::vector<roomlog::append_result>& out,
                   std::atomic<int>& failures) {
  out.resize(reqs.size());
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    auto task = [log, r = reqs[i], &out, i, &failures]() mutable -> awaitable<void> {
      auto res = co_await log->append(std::move(r));
      if (res)
        out[i] = *res;
      else
        ++failures;
    };
    asio::co_spawn(io, std::move(task), [&failures](std::exception_ptr ep) {
      if (ep) ++failures;
    });
  }
}

TEST_F(RoomLog, TwoWritersManyRoomsNoHolesAndEveryAckIsARow) {
  pg::pool db_a({url_, 4, 100000, 2}), db_b({url_, 4, 100000, 2});
  asio::io_context io_a, io_b;
  auto a = roomlog::room_log::create(io_a.get_executor(), db_a, nullptr);
  auto b = roomlog::room_log::create(io_b.get_executor(), db_b, nullptr);
  std::vector<roomlog::append_request> ra, rb;
  for (int i = 0; i < 1500; ++i) {
    ra.push_back(msg("group:" + std::to_string(1 + i % 3), 1, "a" + std::to_string(i)));
    rb.push_back(msg("group:" + std::to_string(1 + i % 3), 2, "b" + std::to_string(i)));
  }
  std::vector<roomlog::append_result> oa, ob;
  std::atomic<int> failures{0};
  auto commits_before = scalar("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
  spawn_appends(io_a, a, ra, oa, failures);
  spawn_appends(io_b, b, rb, ob, failures);
  std::thread ta([&] { io_a.run_for(std::chrono::seconds(60)); });
  std::thread tb([&] { io_b.run_for(std::chrono::seconds(60)); });
  ta.join();
  tb.join();
  EXPECT_EQ(failures.load(), 0);

  std::set<std::pair<std::string, std::int64_t>> acked;
  for (auto* v : {&oa, &ob})
    for (auto& r : *v) {
      EXPECT_FALSE(r.duplicate);
      EXPECT_TRUE(acked.insert({r.ev.room, r.ev.seq}).second) << r.ev.room << " " << r.ev.seq;
    }
  EXPECT_EQ(acked.size(), 3000u);
  for (int g = 1; g <= 3; ++g) {
    std::string room = "'group:" + std::to_string(g) + "'";
    // seq runs 1..N without a hole, N is the row count and the rooms counter.
    EXPECT_EQ(scalar("SELECT count(*) FROM room_events WHERE room = " + room), 1000);
    EXPECT_EQ(scalar("SELECT max(seq) FROM room_events WHERE room = " + room), 1000);
    EXPECT_EQ(scalar("SELECT min(seq) FROM room_events WHERE room = " + room), 1);
    EXPECT_EQ(scalar("SELECT last_seq FROM rooms WHERE name = " + room), 1000);
  }
  // What batching buys: far fewer commits than messages.
  auto commits = scalar("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()") - commits_before;
  EXPECT_LT(commits, 1000) << "3000 appends should share commits";
  db_a.stop();
  db_b.stop();
}

// A socket's pipelined sends queue in order; with several small batches in
// flight, one author's appends in a room must still get their seqs in the
// order queued (the batcher never runs one author's room in two batches at
// once), while other authors' batches run beside them.
TEST_F(RoomLog, OneAuthorsAppendsInARoomCommitInTheOrderQueuedWithBatchesInFlight) {
  pg::pool db({url_, 4, 100000, 2});
  asio::io_context io;
  roomlog::options o;
  o.batch_max = 2;
  o.batch_delay = std::chrono::microseconds(0);
  o.max_inflight = 4;
  auto log = roomlog::room_log::create(io.get_executor(), db, nullptr, o);
  std::vector<roomlog::append_request> reqs;
  for (int i = 0; i < 600; ++i) reqs.push_back(msg("group:1", 1 + i % 3, "o" + std::to_string(i)));
  std::vector<roomlog::append_result> out;
  std::atomic<int> failures{0};
  spawn_appends(io, log, reqs, out, failures);
  io.run_for(std::chrono::seconds(60));
  EXPECT_EQ(failures.load(), 0);
  std::map<std::int64_t, std::int64_t> last;  // author -> last seq seen
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto author = 1 + static_cast<std::int64_t>(i % 3);
    EXPECT_GT(out[i].ev.seq, last[author]) << "request " << i << " of author " << author;
    last[author] = out[i].ev.seq;
  }
  EXPECT_EQ(scalar("SELECT max(seq) FROM room_events WHERE room = 'group:1'"), 600);
  db.stop();
}

TEST_F(RoomLog, ARetriedSendIsStoredOnceWhereverItIsRetried) {
  pg::pool db_a({url_, 2, 1000, 2}), db_b({url_, 2, 1000, 2});
  asio::io_context io;
  auto a = roomlog::room_log::create(io.get_executor(), db_a, nullptr);
  auto b = roomlog::room_log::create(io.get_executor(), db_b, nullptr);
  // Sequential retry, retry inside one batch, and concurrent retries through
  // two writers (two gateways).
  std::vector<roomlog::append_result> out(6);
  auto run = [&](std::shared_ptr<roomlog::room_log> log, roomlog::append_request r, int slot) -> awaitable<void> {
    auto res = co_await log->append(std::move(r));
    if (res) out[slot] = *res;
  };
  asio::co_spawn(io, run(a, msg("group:1", 1, "same-1"), 0), asio::detached);
  io.run_for(std::chrono::seconds(10));
  io.restart();
  asio::co_spawn(io, run(a, msg("group:1", 1, "same-1"), 1), asio::detached);
  asio::co_spawn(io, run(a, msg("group:1", 1, "same-2"), 2), asio::detached);
  asio::co_spawn(io, run(a, msg("group:1", 1, "same-2"), 3), asio::detached);
  asio::co_spawn(io, run(a, msg("group:2", 1, "same-3"), 4), asio::detached);
  asio::co_spawn(io, run(b, msg("group:2", 1, "same-3"), 5), asio::detached);
  io.run_for(std::chrono::seconds(10));
  EXPECT_EQ(out[0].ev.seq, 1);
  EXPECT_TRUE(out[1].duplicate);
  EXPECT_EQ(out[1].ev.id, out[0].ev.id);
  EXPECT_EQ(out[2].ev.id, out[3].ev.id);
  EXPECT_NE(out[2].duplicate, out[3].duplicate);
  EXPECT_EQ(out[4].ev.id, out[5].ev.id);
  EXPECT_EQ(scalar("SELECT count(*) FROM room_events"), 3);
  EXPECT_EQ(scalar("SELECT max(seq) FROM room_events WHERE room = 'group:2'"), 1);
  // The same client_msg_id from another author, or in another room, is a new message.
  io.restart();
  asio::co_spawn(io, run(a, msg("group:1", 2, "same-1"), 0), asio::detached);
  asio::co_spawn(io, run(a, msg("group:3", 1, "same-1"), 1), asio::detached);
  io.run_for(std::chrono::seconds(10));
  EXPECT_FALSE(out[0].duplicate);
  EXPECT_FALSE(out[1].duplicate);
  EXPECT_EQ(scalar("SELECT count(*) FROM room_events"), 5);
  db_a.stop();
  db_b.stop();
}

TEST_F(RoomLog, InvalidRequestsAreRefusedAndStoreNothing) {
  pg::pool db({url_, 1, 100, 2});
  asio::io_context io;
  auto log = roomlog::room_log::create(io.get_executor(), db, nullptr);
  std::vector<std::pair<roomlog::append_request, std::string>> cases;
  cases.push_back({msg("group:1", 1, "x", ""), "body"});
  cases.push_back({msg("group:1", 1, "x", std::string(4001, 'a')), "body"});
  cases.push_back({msg("group:1", 1, "x", std::string("a\0b", 3)), "body"});
  cases.push_back({msg("group:1", 1, "x", "\xC3\x28"), "body"});
  cases.push_back({msg("salon:1", 1, "x"), "room"});
  cases.push_back({msg("group:1", 1, std::string(65, 'c')), "client_msg_id"});
  auto react = msg("group:1", 1, "r");
  react.kind = "reaction";
  react.body.reset();
  react.target_seq = 1;
  react.on = true;
  cases.push_back({react, "emoji"});
  int checked = 0;
  for (auto& [req, field] : cases) {
    auto task = [&, req, field]() -> awaitable<void> {
      auto res = co_await log->append(req);
      EXPECT_FALSE(res.ok());
      if (!res.ok()) {
        EXPECT_EQ(res.err().code, core::errc::validation_failed);
        EXPECT_EQ(res.err().field, field);
      }
      ++checked;
    };
    asio::co_spawn(io, std::move(task), asio::detached);
  }
  // A valid request in the same moment is unaffected by its bad neighbours.
  bool ok = false;
  auto good = [&]() -> awaitable<void> { ok = (co_await log->append(msg("group:1", 1, "fine"))).ok(); };
  asio::co_spawn(io, good(), asio::detached);
  io.run_for(std::chrono::seconds(10));
  EXPECT_EQ(checked, static_cast<int>(cases.size()));
  EXPECT_TRUE(ok);
  EXPECT_EQ(scalar("SELECT count(*) FROM room_events"), 1);
  db.stop();
}

TEST_F(RoomLog, NewEventsArePublishedAfterCommitDuplicatesAreNot) {
  asio::io_context io;
  redis::options ro;
  ro.port = shared_redis().port();
  std::vector<std::string> frames;
  bool subscribed = false;
  redis::subscriber sub(
      io.get_executor(), ro,
      {[&](std::string_view, std::string_view m) { frames.emplace_back(m); }, [] {}, [&] { subscribed = true; }});
  sub.subscribe(roomlog::room_channel("group:7"));
  sub.start();
  redis::publisher pub(io.get_executor(), ro);
  pub.start();
  for (int i = 0; i < 200 && !(subscribed && pub.healthy()); ++i) io.run_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(subscribed && pub.healthy());

  pg::pool db({url_, 2, 100, 2});
  auto log = roomlog::room_log::create(io.get_executor(), db, &pub);
  std::vector<std::int64_t> committed_seq;
  auto task = [&]() -> awaitable<void> {
    for (auto cmid : {"m1", "m2", "m1"}) {
      auto res = co_await log->append(msg("group:7", 3, cmid, "Salut"));
      // Committed before publishing: the row is there when the frame can be seen.
      committed_seq.push_back(res->ev.seq);
    }
  };
  asio::co_spawn(io, task(), asio::detached);
  for (int i = 0; i < 250 && frames.size() < 2; ++i) io.run_for(std::chrono::milliseconds(20));
  io.run_for(std::chrono::milliseconds(200));
  EXPECT_EQ(committed_seq, (std::vector<std::int64_t>{1, 2, 1}));
  ASSERT_EQ(frames.size(), 2u);
  auto f = json::parse(frames[1]);
  ASSERT_TRUE(f);
  EXPECT_EQ(*f->find("type")->as_string(), "event");
  EXPECT_EQ(*f->find("seq")->as_int(), 2);
  EXPECT_EQ(*f->find("author")->find("handle")->as_string(), "Membre 3");

  // Reading pages back, in both directions.
  roomlog::page after, before;
  auto reads = [&]() -> awaitable<void> {
    after = co_await log->read_after("group:7", 0, 1);
    before = co_await log->read_before("group:7", 3, 5);
  };
  asio::co_spawn(io, reads(), asio::detached);
  for (int i = 0; i < 250 && before.events.empty(); ++i) io.run_for(std::chrono::milliseconds(20));
  ASSERT_EQ(after.events.size(), 1u);
  EXPECT_EQ(after.events[0].seq, 1);
  EXPECT_TRUE(after.has_more);
  ASSERT_EQ(before.events.size(), 2u);
  EXPECT_EQ(before.events[0].seq, 1);
  EXPECT_FALSE(before.has_more);
  sub.stop();
  pub.stop();
  db.stop();
  io.run_for(std::chrono::milliseconds(50));
}

}  // namespace
