// The hub alone, through a fake room source: the record is a vector per
// room, the doorbell is whatever the test hands to on_message, and reading a
// room's state can be held back, made to fail, or never answer.
#include "colibri/chat/hub.hpp"

#include <gtest/gtest.h>

#include <boost/asio/redirect_error.hpp>
#include <map>
#include <stdexcept>

#include "colibri/core/result.hpp"

namespace colibri::chat {
namespace {

using namespace std::chrono_literals;

roomlog::event message(const std::string& room, std::int64_t seq) {
  roomlog::event e;
  e.id = seq;
  e.room = room;
  e.seq = seq;
  e.kind = "message";
  e.author_id = 7;
  e.author_handle = "colibri";
  e.body = "message " + std::to_string(seq);
  e.at_ms = 1700000000000 + seq;
  return e;
}

class fake_source : public room_source {
 public:
  explicit fake_source(asio::io_context& io) : io_(io) {}

  std::map<std::string, std::vector<roomlog::event>> record;
  bool hold_state = false;  // last_seq waits for release()
  bool fail_state = false;  // last_seq throws
  bool hold_reads = false;  // read_after answers what the record held when asked, once release()d
  int last_seq_calls = 0;
  int read_after_calls = 0;
  std::map<std::string, int> subscribed;  // room -> live subscriptions
  std::vector<std::vector<std::string>> commands;

  void release() {
    hold_state = false;
    hold_reads = false;
    for (auto* t : held_) t->cancel();
    held_.clear();
  }

  awaitable<std::int64_t> last_seq(std::string room) override {
    ++last_seq_calls;
    if (hold_state) {
      asio::steady_timer t(io_, std::chrono::hours(1));
      held_.push_back(&t);
      boost::system::error_code ec;
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (fail_state) throw std::runtime_error("postgresql unreachable");
    co_return static_cast<std::int64_t>(record[room].size());
  }
  awaitable<roomlog::page> read_after(std::string room, std::int64_t after_seq, int limit) override {
    ++read_after_calls;
    roomlog::page p;
    for (auto& e : record[room])
      if (e.seq > after_seq && static_cast<int>(p.events.size()) < limit) p.events.push_back(e);
    p.has_more = !p.events.empty() && p.events.back().seq < static_cast<std::int64_t>(record[room].size());
    if (hold_reads) {  // a snapshot taken, its answer slow to come
      asio::steady_timer t(io_, std::chrono::hours(1));
      held_.push_back(&t);
      boost::system::error_code ec;
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return p;
  }
  void subscribe(const std::string& room, std::function<void()> on_live) override {
    ++subscribed[room];
    asio::post(io_, std::move(on_live));
  }
  void unsubscribe(const std::string& room) override { --subscribed[room]; }
  // The presence script's reply: how long until a held-back count may go out.
  std::int64_t presence_wait = 0;
  awaitable<std::optional<std::int64_t>> call(std::vector<std::string> args) override {
    commands.push_back(std::move(args));
    co_return presence_wait;
  }

  // Appends to the record; returns the frame a writer would publish.
  std::string append(const std::string& room) {
    auto& events = record[room];
    events.push_back(message(room, static_cast<std::int64_t>(events.size()) + 1));
    return roomlog::event_frame(events.back());
  }

 private:
  asio::io_context& io_;
  std::vector<asio::steady_timer*> held_;
};

class recorder : public room_listener {
 public:
  explicit recorder(std::int64_t uid) : uid_(uid) {}
  std::int64_t user_id() const override { return uid_; }
  void post_event(std::shared_ptr<const std::string>, std::int64_t seq, std::shared_ptr<const std::string>) override {
    if (seq > 0) seqs.push_back(seq);
  }
  void post_lose_room(std::string room) override { lost.push_back(std::move(room)); }
  std::vector<std::int64_t> seqs;
  std::vector<std::string> lost;

 private:
  std::int64_t uid_;
};

struct join_outcome {
  bool done = false;
  std::optional<hub::joined> joined;
  bool unavailable = false;
};

class HubTest : public ::testing::Test {
 protected:
  HubTest() : source(std::make_shared<fake_source>(io)) {}

  std::shared_ptr<hub> make_hub(presence_settings ps = {}) {
    return std::make_shared<hub>(io.get_executor(), source, ps);
  }

  std::shared_ptr<join_outcome> start_join(std::shared_ptr<hub> h, std::string room, std::shared_ptr<recorder> r) {
    auto out = std::make_shared<join_outcome>();
    asio::co_spawn(io, h->join(std::move(room), std::move(r)), [out](std::exception_ptr ep, hub::joined j) {
      out->done = true;
      if (!ep) {
        out->joined = j;
        return;
      }
      try {
        std::rethrow_exception(ep);
      } catch (const core::dependency_unavailable&) {
        out->unavailable = true;
      } catch (...) {
      }
    });
    return out;
  }

  // Runs ready handlers until pred holds (bounded: at most 2,000 steps of
  // at most 50 ms of simulated idle each).
  template <class P>
  bool run_until(P pred) {
    for (int i = 0; i < 2000 && !pred(); ++i) {
      io.restart();
      io.run_one_for(50ms);
    }
    return pred();
  }
  void settle() {
    io.restart();
    io.poll();
  }

  asio::io_context io;
  std::shared_ptr<fake_source> source;
};

TEST_F(HubTest, JoinsWaitingForARoomsStateShareOneReadAndWakeWhenItArrives) {
  auto h = make_hub({.join_deadline = std::chrono::hours(1)});
  source->append("group:1");
  source->append("group:1");
  source->hold_state = true;
  auto a = start_join(h, "group:1", std::make_shared<recorder>(1));
  auto b = start_join(h, "group:1", std::make_shared<recorder>(2));
  settle();
  EXPECT_FALSE(a->done);
  EXPECT_FALSE(b->done);
  EXPECT_EQ(source->last_seq_calls, 1);
  source->release();
  // Woken by the signal: a single poll of what is ready completes both (a
  // polling join would still be asleep on its timer).
  settle();
  ASSERT_TRUE(a->done && a->joined);
  ASSERT_TRUE(b->done && b->joined);
  EXPECT_EQ(a->joined->last, 2);
  EXPECT_EQ(b->joined->last, 2);
  EXPECT_EQ(source->last_seq_calls, 1);
  EXPECT_EQ(source->subscribed["group:1"], 1);
}

TEST_F(HubTest, AJoinPastItsDeadlineFailsAndLeavesNothingSubscribedForIt) {
  auto h = make_hub({.join_deadline = 20ms});
  source->hold_state = true;
  auto r = std::make_shared<recorder>(1);
  auto a = start_join(h, "group:1", r);
  ASSERT_TRUE(run_until([&] { return a->done; }));
  EXPECT_TRUE(a->unavailable);
  for (auto& held : h->subscriptions()) EXPECT_NE(held.s.lock(), r);
  // The state arrives later: the room, with nobody in it, is let go.
  source->release();
  settle();
  EXPECT_EQ(h->rooms(), 0u);
  EXPECT_EQ(source->subscribed["group:1"], 0);
}

TEST_F(HubTest, WhenTheRoomsStateCannotBeReadWaitingJoinsFailAndTheNextOneReadsAgain) {
  auto h = make_hub({.join_deadline = std::chrono::hours(1)});
  source->append("group:1");
  source->hold_state = true;
  source->fail_state = true;
  auto a = start_join(h, "group:1", std::make_shared<recorder>(1));
  auto b = start_join(h, "group:1", std::make_shared<recorder>(2));
  settle();
  source->release();
  ASSERT_TRUE(run_until([&] { return a->done && b->done; }));
  EXPECT_TRUE(a->unavailable);
  EXPECT_TRUE(b->unavailable);
  EXPECT_EQ(h->rooms(), 0u);
  EXPECT_EQ(source->subscribed["group:1"], 0);
  source->fail_state = false;
  auto c = start_join(h, "group:1", std::make_shared<recorder>(3));
  ASSERT_TRUE(run_until([&] { return c->done; }));
  ASSERT_TRUE(c->joined);
  EXPECT_EQ(c->joined->last, 1);
  EXPECT_EQ(source->last_seq_calls, 2);
}

TEST_F(HubTest, EventsReachEveryListenerOnceAndInOrderWhateverTheDoorbellDoes) {
  auto h = make_hub();
  auto r1 = std::make_shared<recorder>(1), r2 = std::make_shared<recorder>(2);
  auto a = start_join(h, "group:1", r1);
  auto b = start_join(h, "group:1", r2);
  ASSERT_TRUE(run_until([&] { return a->done && b->done; }));
  ASSERT_TRUE(a->joined && b->joined);
  std::vector<std::string> frames;
  for (int i = 0; i < 5; ++i) frames.push_back(source->append("group:1"));
  // 2 early, 1, 1 again, 3; 4 never rings (the record has it); 5.
  h->on_message("colibri:room:group:1", frames[1]);
  h->on_message("colibri:room:group:1", frames[0]);
  h->on_message("colibri:room:group:1", frames[0]);
  h->on_message("colibri:room:group:1", frames[2]);
  h->on_message("colibri:room:group:1", frames[4]);
  ASSERT_TRUE(run_until([&] { return r1->seqs.size() == 5 && r2->seqs.size() == 5; }));
  settle();
  std::vector<std::int64_t> want{1, 2, 3, 4, 5};
  EXPECT_EQ(r1->seqs, want);
  EXPECT_EQ(r2->seqs, want);
  EXPECT_GE(source->read_after_calls, 1);
}

TEST_F(HubTest, AGapClosedBeforeItsCatchUpReadsNothingFromTheRecord) {
  auto h = make_hub();
  auto r = std::make_shared<recorder>(1);
  auto a = start_join(h, "group:1", r);
  ASSERT_TRUE(run_until([&] { return a->done; }));
  std::vector<std::string> frames;
  for (int i = 0; i < 3; ++i) frames.push_back(source->append("group:1"));
  auto reads = source->read_after_calls;
  h->on_message("colibri:room:group:1", frames[1]);  // 2 early: a catch-up is scheduled
  EXPECT_TRUE(r->seqs.empty());
  h->on_message("colibri:room:group:1", frames[0]);  // the late 1 closes the gap
  h->on_message("colibri:room:group:1", frames[2]);
  EXPECT_EQ(r->seqs, (std::vector<std::int64_t>{1, 2, 3}));
  for (int i = 0; i < 4; ++i) {
    io.restart();
    io.run_for(30ms);
  }
  EXPECT_EQ(source->read_after_calls, reads);
  EXPECT_EQ(r->seqs, (std::vector<std::int64_t>{1, 2, 3}));
}

TEST_F(HubTest, WithoutTheDoorbellRoomsAreReadFromTheRecordAndALeaverGetsNothingMore) {
  auto h = make_hub({.poll_every = 10ms});
  auto r1 = std::make_shared<recorder>(1), r2 = std::make_shared<recorder>(2);
  auto a = start_join(h, "group:1", r1);
  auto b = start_join(h, "group:1", r2);
  ASSERT_TRUE(run_until([&] { return a->done && b->done; }));
  h->on_redis_lost();
  source->append("group:1");
  source->append("group:1");
  ASSERT_TRUE(run_until([&] { return r1->seqs.size() == 2 && r2->seqs.size() == 2; }));
  h->leave("group:1", r2.get());
  source->append("group:1");
  ASSERT_TRUE(run_until([&] { return r1->seqs.size() == 3; }));
  h->on_redis_back();
  settle();
  EXPECT_EQ(r1->seqs, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(r2->seqs, (std::vector<std::int64_t>{1, 2}));
  h->leave("group:1", r1.get());
  EXPECT_EQ(h->rooms(), 0u);
  EXPECT_EQ(source->subscribed["group:1"], 0);
}

// The doorbell comes back while a catch-up read is on its way: what was
// published before the subscription was live, after that read's snapshot,
// never rings. The catch-up reads once more.
TEST_F(HubTest, TheDoorbellBackDuringACatchUpReadIsFollowedByAnotherRead) {
  auto h = make_hub({.poll_every = 10ms});
  auto r = std::make_shared<recorder>(1);
  auto a = start_join(h, "group:1", r);
  ASSERT_TRUE(run_until([&] { return a->done; }));
  h->on_redis_lost();
  source->hold_reads = true;
  ASSERT_TRUE(run_until([&] { return source->read_after_calls >= 1; }));
  auto reads = source->read_after_calls;
  source->append("group:1");  // committed after the snapshot, published to nobody
  h->on_redis_back();
  source->release();
  ASSERT_TRUE(run_until([&] { return !r->seqs.empty(); })) << "the event between the read and the doorbell is lost";
  EXPECT_EQ(r->seqs, (std::vector<std::int64_t>{1}));
  EXPECT_EQ(source->read_after_calls, reads + 1);
}

// What the presence script calls said: members present (added or renewed)
// and absent (removed), over every call so far.
struct presence_calls {
  int calls = 0;
  std::vector<std::string> present, absent;
};
presence_calls presence_of(const fake_source& src) {
  presence_calls out;
  for (auto& c : src.commands) {
    if (c.size() < 12 || c[0] != "EVAL") continue;
    ++out.calls;
    auto n = std::stoul(c[11]);
    for (std::size_t i = 12; i < c.size(); ++i) {
      auto user = c[i].substr(c[i].find('|') + 1);
      (i - 12 < n ? out.present : out.absent).push_back(user);
    }
  }
  return out;
}

TEST_F(HubTest, PresenceIsCountedOncePerUserAndRoom) {
  auto h = make_hub();
  auto r1 = std::make_shared<recorder>(1), r1b = std::make_shared<recorder>(1);
  auto a = start_join(h, "group:1", r1);
  ASSERT_TRUE(run_until([&] { return a->done; }));
  auto b = start_join(h, "group:1", r1b);
  ASSERT_TRUE(run_until([&] { return b->done; }));
  settle();
  EXPECT_EQ(presence_of(*source).present, std::vector<std::string>{"1"});  // not the same person's second socket
  h->leave("group:1", r1.get());
  settle();
  EXPECT_TRUE(presence_of(*source).absent.empty());
  h->leave("group:1", r1b.get());
  settle();
  EXPECT_EQ(presence_of(*source).absent, std::vector<std::string>{"1"});
}

TEST_F(HubTest, InABigRoomPresenceChangesAreSentTogetherAndNoneIsLost) {
  // 400 online, 100 frames a second: one call per 4 s at most.
  auto h = make_hub({.fanout_per_second = 100});
  std::vector<std::shared_ptr<recorder>> members;
  members.push_back(std::make_shared<recorder>(1));
  auto first = start_join(h, "group:1", members.back());
  ASSERT_TRUE(run_until([&] { return first->done; }));
  settle();
  EXPECT_EQ(presence_of(*source).calls, 1);  // the first arrival at once (forced: no count heard yet)
  h->on_message("colibri:room:group:1", R"({"type":"presence","room":"group:1","online_count":400})");
  std::vector<std::shared_ptr<join_outcome>> joins;
  for (int uid = 2; uid <= 300; ++uid) {
    members.push_back(std::make_shared<recorder>(uid));
    joins.push_back(start_join(h, "group:1", members.back()));
  }
  ASSERT_TRUE(run_until([&] {
    for (auto& j : joins)
      if (!j->done) return false;
    return true;
  }));
  h->leave("group:1", members[5].get());  // user 6 leaves before the flush
  settle();
  // Nothing sent yet: the last call was less than 4 s ago.
  EXPECT_EQ(presence_of(*source).calls, 1);
  ASSERT_TRUE(run_until([&] { return presence_of(*source).calls == 2; }));
  auto p = presence_of(*source);
  EXPECT_EQ(p.present.size(), 1u + 298u);  // users 2..300 but 6, in one call
  EXPECT_EQ(p.absent, std::vector<std::string>{"6"});
  // The room emptied: the last leavers are sent at once, with no wait.
  for (auto& m : members) h->leave("group:1", m.get());
  EXPECT_EQ(h->rooms(), 0u);
  settle();
  p = presence_of(*source);
  EXPECT_EQ(p.calls, 3);
  EXPECT_EQ(p.absent.size(), 300u);  // 6 once before, then the 299 others
}

TEST_F(HubTest, ACountTheScriptHeldBackIsAskedForAgainWhenItMayGoOut) {
  auto h = make_hub();
  auto r1 = std::make_shared<recorder>(1), r2 = std::make_shared<recorder>(2);
  auto a = start_join(h, "group:1", r1);
  ASSERT_TRUE(run_until([&] { return a->done; }));
  settle();
  // The script answers that the count may go out in 100 ms: the hub calls
  // again then, with no entry change, once.
  source->presence_wait = 100;
  auto b = start_join(h, "group:1", r2);
  ASSERT_TRUE(run_until([&] { return b->done; }));
  settle();
  EXPECT_EQ(presence_of(*source).calls, 2);
  source->presence_wait = 0;
  ASSERT_TRUE(run_until([&] { return presence_of(*source).calls == 3; }));
  auto& nudge = source->commands.back();
  EXPECT_EQ(nudge.size(), 12u);  // no member
  EXPECT_EQ(nudge[11], "0");
  // And when the room is gone from this gateway meanwhile, it still asks.
  source->presence_wait = 100;
  h->leave("group:1", r1.get());
  h->leave("group:1", r2.get());
  EXPECT_EQ(h->rooms(), 0u);
  settle();
  EXPECT_EQ(presence_of(*source).calls, 5);  // each leaver at once (no count heard: a small room)
  EXPECT_EQ(presence_of(*source).absent.size(), 2u);
  source->presence_wait = 0;
  ASSERT_TRUE(run_until([&] { return presence_of(*source).calls == 7; }));
  for (auto i : {5, 6}) EXPECT_EQ(source->commands[i].size(), 12u);
  settle();
  EXPECT_EQ(presence_of(*source).calls, 7);
}

}  // namespace
}  // namespace colibri::chat
