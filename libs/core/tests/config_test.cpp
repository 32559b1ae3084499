#include "colibri/core/config.hpp"

#include <gtest/gtest.h>

using colibri::core::config;
using colibri::core::config_error;

TEST(Config, FlagsOverrideAndMapToEnvNames) {
  const char* argv[] = {"svc", "--pg-pool-size=7", "--log-level", "debug"};
  config c(4, argv);
  EXPECT_EQ(c.integer("COLIBRI_PG_POOL_SIZE", 4, 1, 64), 7);
  EXPECT_EQ(c.str("COLIBRI_LOG_LEVEL", "info"), "debug");
  EXPECT_NO_THROW(c.finish());
}

TEST(Config, UnknownFlagIsAnError) {
  const char* argv[] = {"svc", "--no-such-thing=1"};
  config c(2, argv);
  EXPECT_THROW(c.finish(), config_error);
}

TEST(Config, RangeAndTypeErrorsAreCollected) {
  config c({{"COLIBRI_A", "abc"}, {"COLIBRI_B", "99"}, {"COLIBRI_C", "maybe"}});
  c.integer("COLIBRI_A", 1, 0, 10);
  c.integer("COLIBRI_B", 1, 0, 10);
  c.boolean("COLIBRI_C", false);
  try {
    c.finish();
    FAIL() << "expected config_error";
  } catch (const config_error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("COLIBRI_A"), std::string::npos);
    EXPECT_NE(m.find("COLIBRI_B"), std::string::npos);
    EXPECT_NE(m.find("COLIBRI_C"), std::string::npos);
  }
}

TEST(Config, SecretsAreRedactedInTheSettingsList) {
  config c({{"COLIBRI_PG_URL", "postgresql://colibri:hunter2@127.0.0.1:5432/db"}, {"COLIBRI_KEY", "s3cr3t"}});
  c.str("COLIBRI_PG_URL", "");
  c.str("COLIBRI_KEY", "", /*secret=*/true);
  for (const auto& s : c.settings()) EXPECT_EQ(s.value.find("hunter2"), std::string::npos) << s.value;
  for (const auto& s : c.settings()) EXPECT_EQ(s.value.find("s3cr3t"), std::string::npos) << s.value;
  EXPECT_EQ(colibri::core::redact_credentials("host=x password=abc user=u"), "host=x password=[redacted] user=u");
}

TEST(Config, ListsAndEndpoints) {
  config c({{"COLIBRI_L", " a@x.fr , ,B@y.fr"}, {"COLIBRI_E", "127.0.0.1:8081"}, {"COLIBRI_BAD", "nope"}});
  EXPECT_EQ(c.list("COLIBRI_L", ""), (std::vector<std::string>{"a@x.fr", "B@y.fr"}));
  auto [h, p] = c.endpoint("COLIBRI_E", "");
  EXPECT_EQ(h, "127.0.0.1");
  EXPECT_EQ(p, 8081);
  c.endpoint("COLIBRI_BAD", "");
  EXPECT_THROW(c.finish(), config_error);
}

TEST(Config, AnOptionalEndpointIsOffWhenEmptyAndCheckedWhenSet) {
  config c({{"COLIBRI_ON", "127.0.0.1:9090"}, {"COLIBRI_EMPTY", ""}});
  EXPECT_EQ(c.optional_endpoint("COLIBRI_ON"), (std::pair<std::string, std::uint16_t>{"127.0.0.1", 9090}));
  EXPECT_EQ(c.optional_endpoint("COLIBRI_EMPTY"), std::nullopt);
  EXPECT_EQ(c.optional_endpoint("COLIBRI_UNSET"), std::nullopt);
  EXPECT_NO_THROW(c.finish());
  config bad(std::map<std::string, std::string>{{"COLIBRI_ON", "9090"}});
  bad.optional_endpoint("COLIBRI_ON");
  EXPECT_THROW(bad.finish(), config_error);
}

// COLIBRI_REDIS: one address, or the seed nodes of a cluster.
TEST(Config, EndpointsTakeOneOrSeveralAddressesAndRejectABadOne) {
  config c({{"COLIBRI_ONE", "127.0.0.1:6379"}, {"COLIBRI_SEEDS", "10.0.0.1:7000, 10.0.0.2:7001,"}});
  using ep = std::pair<std::string, std::uint16_t>;
  EXPECT_EQ(c.endpoints("COLIBRI_ONE", "x:1"), (std::vector<ep>{{"127.0.0.1", 6379}}));
  EXPECT_EQ(c.endpoints("COLIBRI_SEEDS", "x:1"), (std::vector<ep>{{"10.0.0.1", 7000}, {"10.0.0.2", 7001}}));
  EXPECT_EQ(c.endpoints("COLIBRI_UNSET", "127.0.0.1:56379"), (std::vector<ep>{{"127.0.0.1", 56379}}));
  EXPECT_NO_THROW(c.finish());
  config bad(std::map<std::string, std::string>{{"COLIBRI_SEEDS", "10.0.0.1:7000,10.0.0.2"}});
  bad.endpoints("COLIBRI_SEEDS", "x:1");
  EXPECT_THROW(bad.finish(), config_error);
  config empty(std::map<std::string, std::string>{{"COLIBRI_SEEDS", " , "}});
  empty.endpoints("COLIBRI_SEEDS", "x:1");
  EXPECT_THROW(empty.finish(), config_error);
}
