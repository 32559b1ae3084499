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
