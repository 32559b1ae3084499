// The socket's post pipeline alone: tickets in read order, turns taken in
// ticket order whatever order the posts get there, answers out in ticket
// order, the bound on posts in flight, and drained() for other frames.
#include "colibri/chat/pipeline.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace colibri::chat {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const std::string> text(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

struct fixture {
  asio::io_context io;
  std::vector<std::string> out;
  pipeline p{io.get_executor(), 4, [this](pipeline::answer a) { out.push_back(*a); }};
  std::vector<std::uint64_t> turns;  // tickets in the order they got their turn

  awaitable<void> sleep(std::chrono::milliseconds d) {
    asio::steady_timer t(io, d);
    co_await t.async_wait(asio::use_awaitable);
  }
  // A post: some work before its turn (d1), its turn, some work after (d2).
  awaitable<void> post(std::uint64_t t, std::chrono::milliseconds d1, std::chrono::milliseconds d2) {
    co_await sleep(d1);
    co_await p.turn(t);
    turns.push_back(t);
    p.pass(t);
    co_await sleep(d2);
    p.finish(t, text("answer " + std::to_string(t)));
  }
};

TEST(Pipeline, TurnsAndAnswersKeepTicketOrderWhateverOrderPostsFinishIn) {
  fixture f;
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> ms(0, 8);
  auto reader = [&]() -> awaitable<void> {
    for (int i = 0; i < 40; ++i) {
      auto t = co_await f.p.start();
      EXPECT_EQ(t, static_cast<std::uint64_t>(i));
      EXPECT_LE(f.p.in_flight(), 4u);
      asio::co_spawn(f.io, f.post(t, std::chrono::milliseconds(ms(rng)), std::chrono::milliseconds(ms(rng))),
                     asio::detached);
    }
    co_await f.p.drained();
    EXPECT_EQ(f.p.in_flight(), 0u);
  };
  asio::co_spawn(f.io, reader(), asio::detached);
  f.io.run_for(10s);
  ASSERT_EQ(f.turns.size(), 40u);
  ASSERT_EQ(f.out.size(), 40u);
  for (std::uint64_t i = 0; i < 40; ++i) {
    EXPECT_EQ(f.turns[i], i);
    EXPECT_EQ(f.out[i], "answer " + std::to_string(i));
  }
}

TEST(Pipeline, APostRefusedBeforeItsTurnLetsTheNextOneGoAndANullAnswerSendsNothing) {
  fixture f;
  auto t0 = [&]() -> awaitable<void> {
    auto a = co_await f.p.start();
    auto b = co_await f.p.start();
    auto c = co_await f.p.start();
    // b waits for a's turn; a is refused (finished without passing), c
    // answers nothing (its socket was closed for it).
    asio::co_spawn(f.io, f.post(b, 0ms, 0ms), asio::detached);
    co_await f.sleep(5ms);
    EXPECT_TRUE(f.turns.empty());
    f.p.finish(a, text("refused"));
    f.p.finish(c, nullptr);
    co_await f.p.drained();
  };
  asio::co_spawn(f.io, t0(), asio::detached);
  f.io.run_for(5s);
  EXPECT_EQ(f.turns, (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(f.out, (std::vector<std::string>{"refused", "answer 1"}));
  EXPECT_EQ(f.p.in_flight(), 0u);
}

TEST(Pipeline, StartWaitsWhileTheBoundIsReached) {
  fixture f;
  int started = 0;
  auto reader = [&]() -> awaitable<void> {
    for (int i = 0; i < 5; ++i) {
      co_await f.p.start();
      ++started;
    }
  };
  asio::co_spawn(f.io, reader(), asio::detached);
  f.io.run_for(20ms);
  EXPECT_EQ(started, 4);  // the fifth waits for an answer
  f.p.finish(1, text("b"));
  f.io.run_for(20ms);
  EXPECT_EQ(started, 4);  // answered, but not out: ticket 0 is still in flight
  f.p.finish(0, text("a"));
  f.io.run_for(20ms);
  EXPECT_EQ(started, 5);
  EXPECT_EQ(f.out, (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace colibri::chat
