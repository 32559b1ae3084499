// The scheduler's leader election across instances, with a real PostgreSQL.
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "colibri/test/client.hpp"
#include "colibri/test/servers.hpp"

using namespace colibri::test;

namespace {

bool leader(service_process& s) {
  try {
    return json_at(http_get(s.port(), "/leader").body, "leader") == "true";
  } catch (...) {
    return false;
  }
}

TEST(Badges, ExactlyOneLeaderAndTakeOverAfterAKill) {
  auto db = shared_postgres().create_database();
  auto env = service_env(db, shared_redis().port());
  auto a = std::make_unique<service_process>("badges", env, free_port());
  auto b = std::make_unique<service_process>("badges", env, free_port());
  a->wait_healthy();
  b->wait_healthy();
  // Within a few lock rounds one of them leads, and never both.
  int leaders = 0;
  for (int i = 0; i < 100 && leaders == 0; ++i) {
    leaders = int(leader(*a)) + int(leader(*b));
    if (leaders == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(leaders, 1);
  EXPECT_EQ(http_get(a->port(), "/readyz").status, 200);
  auto& lead = leader(*a) ? a : b;
  auto& standby = leader(*a) ? b : a;
  EXPECT_EQ(int(leader(*a)) + int(leader(*b)), 1);
  lead->proc().kill_hard();
  bool took_over = false;
  for (int i = 0; i < 150 && !took_over; ++i) {
    took_over = leader(*standby);
    if (!took_over) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(took_over);
  // Graceful stop on SIGTERM, exit code 0.
  EXPECT_EQ(standby->proc().stop(SIGTERM, std::chrono::seconds(10)), 0);
}

TEST(Badges, BadConfigurationIsRefusedWithAClearMessage) {
  auto env = service_env("postgresql://colibri@127.0.0.1:1/none", shared_redis().port());
  env["COLIBRI_PG_POOL_SIZE"] = "zero";
  service_process s("badges", env, free_port());
  for (int i = 0; i < 100 && s.proc().running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(s.proc().running());
  EXPECT_NE(s.log_tail().find("COLIBRI_PG_POOL_SIZE"), std::string::npos);
}

}  // namespace

namespace {

// Three instances on one accelerated clock (two hours a second, across the
// spring DST change), the leader killed mid-run: every member's days are
// congratulated once each, with no gap, and the milestone once; the group's
// morning post and celebration post come once a day, with no gap.
TEST(Badges, ThreeInstancesAndTheLeaderKilledNoDuplicateNothingMissed) {
  auto db = shared_postgres().create_database();
  auto name = db.substr(db.rfind('/') + 1);
  auto env = service_env(db, shared_redis().port());
  env["COLIBRI_CLOCK_START"] = "2026-03-26T12:00:00Z";  // 13:00 in Paris, day 6
  env["COLIBRI_CLOCK_FACTOR"] = "7200";
  env["COLIBRI_BADGES_TICK_MS"] = "100";
  std::vector<std::unique_ptr<service_process>> s;
  s.push_back(std::make_unique<service_process>("badges", env, free_port()));
  s[0]->wait_healthy();  // migrations applied
  shared_postgres().psql(
      name,
      "INSERT INTO users (email, handle, password_hash, timezone) SELECT 'm' || i || '@example.fr', "
      "'m' || i, 'x', 'Europe/Paris' FROM generate_series(1, 20) i; "
      "INSERT INTO quit_attempts (user_id, attempt, quit_date, share) SELECT id, 1, DATE '2026-03-20', "
      "'groups' FROM users; "
      // A group of all twenty with a post every morning at 08:00 and today's celebrated at 10:00.
      "INSERT INTO groups (name, celebrations_post_at) VALUES ('Colibris', '10:00'); "
      "INSERT INTO memberships (group_id, user_id, role) SELECT g.id, u.id, CASE WHEN u.handle = 'm1' "
      "THEN 'moderator' ELSE 'member' END FROM groups g, users u; "
      "INSERT INTO scheduled_posts (group_id, author_id, body, repeat, local_time, active_from) "
      "SELECT g.id, u.id, 'Bonjour à tous !', 'daily', '08:00', '2026-03-26T00:00:00Z' FROM groups g, users u "
      "WHERE u.handle = 'm1'");
  for (int i = 0; i < 2; ++i) {
    s.push_back(std::make_unique<service_process>("badges", env, free_port()));
    s.back()->wait_healthy();
  }
  std::this_thread::sleep_for(std::chrono::seconds(20));  // about 40 hours
  int killed = -1;
  for (int i = 0; i < 3; ++i)
    if (leader(*s[i])) killed = i;
  ASSERT_GE(killed, 0);
  s[killed]->proc().kill_hard();
  std::this_thread::sleep_for(std::chrono::seconds(30));  // about 60 hours more
  for (auto& p : s) p->proc().stop(SIGTERM, std::chrono::seconds(10));

  auto q = [&](const std::string& sql) { return trimmed(shared_postgres().psql(name, sql)); };
  // Days 6 .. last, each once per member, no gap; one notification each.
  auto days = q("SELECT min(day) || ' ' || max(day) || ' ' || count(*) FROM daily_congrats");
  int lo = 0, hi = 0, n = 0;
  ASSERT_EQ(std::sscanf(days.c_str(), "%d %d %d", &lo, &hi, &n), 3) << days;
  EXPECT_EQ(lo, 6);
  EXPECT_GE(hi, 9);  // at least three more mornings passed (29 March: the DST change)
  EXPECT_EQ(n, 20 * (hi - lo + 1));
  EXPECT_EQ(q("SELECT count(*) FROM (SELECT attempt_id FROM daily_congrats GROUP BY attempt_id "
              "HAVING count(*) <> max(day) - min(day) + 1 OR count(DISTINCT day) <> count(*)) x"),
            "0");
  EXPECT_EQ(q("SELECT count(*) FROM notifications WHERE kind = 'daily_congrats'"), std::to_string(n));
  EXPECT_EQ(q("SELECT count(*) FROM daily_congrats WHERE (sent_at AT TIME ZONE 'Europe/Paris')::time < '09:00'"), "0");
  // One week (27 March), once each, one notification each.
  EXPECT_EQ(q("SELECT count(*) FROM badge_grants WHERE milestone = '1w'"), "20");
  EXPECT_EQ(
      q("SELECT count(*) FROM notifications WHERE kind = 'badge' AND title = 'Nouveau badge : 1 semaine sans tabac'"),
      "20");
  // The posts: one a day each from 26 March (the clock starts at 13:00 that
  // day: today's come late), no day twice, none missed; every one an event of
  // the room, which has no hole.
  for (const char* t : {"scheduled_post_runs", "celebration_posts"}) {
    auto runs =
        q(std::string("SELECT min(local_date) || ' ' || count(*) || ' ' || count(DISTINCT local_date) || ' ' || "
                      "(max(local_date) - min(local_date) + 1) FROM ") +
          (std::string(t) == "celebration_posts" ? "(SELECT on_date AS local_date FROM celebration_posts) x" : t));
    char first[16] = {0};
    int count = 0, distinct = 0, span = 0;
    ASSERT_EQ(std::sscanf(runs.c_str(), "%15s %d %d %d", first, &count, &distinct, &span), 4) << t << ": " << runs;
    EXPECT_STREQ(first, "2026-03-26") << t;
    EXPECT_GE(count, 3) << t;
    EXPECT_EQ(count, distinct) << t;
    EXPECT_EQ(count, span) << t;
  }
  EXPECT_EQ(q("SELECT count(*) FROM room_events"),
            q("SELECT (SELECT count(*) FROM scheduled_post_runs) + (SELECT count(*) FROM celebration_posts)"));
  EXPECT_EQ(q("SELECT last_seq FROM rooms"), q("SELECT count(*) FROM room_events"));
  // (Here a tick is 12 simulated minutes: later posts may say "late" too.)
  EXPECT_EQ(
      q("SELECT count(*) FROM room_events e JOIN scheduled_post_runs r ON r.room = e.room AND r.seq = e.seq "
        "WHERE r.local_date = '2026-03-26' AND e.body LIKE '%programmé pour le 26/03/2026 à 08:00%publié en retard.)'"),
      "1");
  EXPECT_EQ(q("SELECT count(*) FROM room_events WHERE kind = 'system' AND body LIKE 'Les fêtés du jour 🎉 m1 (jour %'"),
            q("SELECT count(*) FROM celebration_posts"));
}

}  // namespace
