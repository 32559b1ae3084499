#include "colibri/core/result.hpp"

#include <gtest/gtest.h>

using namespace colibri::core;

TEST(Result, CarriesValueOrError) {
  result<int> ok = 5;
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 5);
  result<int> bad = error::validation("email", {"Adresse invalide.", "Invalid address."});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.err().code, errc::validation_failed);
  EXPECT_EQ(bad.err().field, "email");
}

TEST(Result, EveryCodeHasAStatusAndWireName) {
  EXPECT_EQ(http_status(errc::payload_too_large), 413);
  EXPECT_EQ(http_status(errc::unavailable), 503);
  EXPECT_EQ(http_status(errc::rate_limited), 429);
  EXPECT_EQ(code_string(errc::invalid_json), "invalid_json");
  EXPECT_GT(default_error(errc::unavailable).retry_after_s, 0);
}
