#include "colibri/ratelimit/limiter.hpp"

#include <gtest/gtest.h>

using namespace colibri;
using ratelimit::action;

TEST(Limiter, ABurstIsCutAtTheBucketsCapacityWithARetryDelay) {
  ratelimit::limiter l(nullptr, {});
  ratelimit::bucket_rule r{20, 2};
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(l.take_local("k", r, 1).allowed) << i;
  auto d = l.take_local("k", r, 1);
  EXPECT_FALSE(d.allowed);
  EXPECT_GT(d.retry_after_ms, 0);
  EXPECT_LE(d.retry_after_ms, 500);
  EXPECT_EQ(d.error().code, core::errc::rate_limited);
  EXPECT_EQ(d.error().retry_after_s, 1);
  // Another subject has its own bucket.
  EXPECT_TRUE(l.take_local("other", r, 1).allowed);
}

TEST(Limiter, CostsComeFromOneTableAndTypingHasItsOwnBucket) {
  ratelimit::limiter l(nullptr, {});
  EXPECT_EQ(l.cost_of(action::post).bucket, "write");
  EXPECT_EQ(l.cost_of(action::report).tokens, 3);
  EXPECT_EQ(l.cost_of(action::create).tokens, 5);
  EXPECT_EQ(l.cost_of(action::typing).bucket, "typing");
  EXPECT_EQ(l.cost_of(action::history).rule.capacity, 10);
}

TEST(Limiter, WithoutRedisTheLocalBucketDecides) {
  ratelimit::limiter l(nullptr, {});
  asio::io_context io;
  int allowed = 0, refused = 0;
  asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
        for (int i = 0; i < 200; ++i) {
          auto d = co_await l.take(ratelimit::user_subject(42), action::typing, "group:7");
          (d.allowed ? allowed : refused)++;
        }
        // Another room: its own typing bucket.
        auto d = co_await l.take(ratelimit::user_subject(42), action::typing, "group:8");
        EXPECT_TRUE(d.allowed);
      },
      asio::detached);
  io.run();
  EXPECT_EQ(allowed, 1);
  EXPECT_EQ(refused, 199);
}

TEST(Limiter, LocalBucketsStayBounded) {
  ratelimit::settings s;
  s.local_max = 100;
  ratelimit::limiter l(nullptr, s);
  for (int i = 0; i < 1000; ++i) l.take_local("k" + std::to_string(i), {1, 0.001}, 1);
  EXPECT_FALSE(l.take_local("k999", {1, 0.001}, 1).allowed);  // the newest survive
}

TEST(AddressSubject, IPv6ByItsSlash64AndMappedIPv4AsIPv4) {
  EXPECT_EQ(ratelimit::address_subject("203.0.113.7"), "a:203.0.113.7");
  EXPECT_EQ(ratelimit::address_subject("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "a:2001:db8:1:2::/64");
  EXPECT_EQ(ratelimit::address_subject("2001:db8:1:2::1"), ratelimit::address_subject("2001:db8:1:2:ffff::9"));
  EXPECT_NE(ratelimit::address_subject("2001:db8:1:2::1"), ratelimit::address_subject("2001:db8:1:3::1"));
  EXPECT_EQ(ratelimit::address_subject("::ffff:198.51.100.4"), "a:198.51.100.4");
}

TEST(Settings, BucketsAreConfigurableAsBurstOverSeconds) {
  core::config cfg({{"COLIBRI_RATE_HISTORY", "30/10"}, {"COLIBRI_RATE_TYPING", "bad"}});
  auto s = ratelimit::read_settings(cfg);
  EXPECT_EQ(s.history.capacity, 30);
  EXPECT_DOUBLE_EQ(s.history.per_second, 3);
  EXPECT_THROW(cfg.finish(), core::config_error);
}
