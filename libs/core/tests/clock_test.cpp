#include "colibri/core/clock.hpp"

#include <gtest/gtest.h>

using namespace colibri::core;

TEST(Clock, FormatsRfc3339WithMillisecondsUtc) {
  EXPECT_EQ(format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_ms(1795338000123), "2026-11-22T09:00:00.123Z");
}

TEST(Clock, ParsesRfc3339WithOffsets) {
  auto a = parse_rfc3339("2026-11-22T10:00:00.5+01:00");
  ASSERT_TRUE(a);
  EXPECT_EQ(format_rfc3339(*a), "2026-11-22T09:00:00.500Z");
  EXPECT_FALSE(parse_rfc3339("2026-02-30T10:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-11-22 10:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-11-22T10:00:00"));
}

TEST(Clock, DatesAreRealCalendarDates) {
  EXPECT_TRUE(parse_date("2024-02-29"));
  EXPECT_FALSE(parse_date("2025-02-29"));
  EXPECT_FALSE(parse_date("2025-1-01"));
  EXPECT_EQ(format_date(*parse_date("2026-03-29")), "2026-03-29");
}

TEST(Clock, ManualClockMovesOnlyWhenTold) {
  manual_clock c(*parse_rfc3339("2026-01-01T00:00:00Z"));
  auto t0 = c.now();
  c.advance(std::chrono::hours(25));
  EXPECT_EQ(format_rfc3339(c.now()), "2026-01-02T01:00:00.000Z");
  EXPECT_GT(c.now(), t0);
}

#include "colibri/core/text.hpp"

TEST(TimeZones, OnlyRealIanaNames) {
  EXPECT_TRUE(valid_timezone("Europe/Paris"));
  EXPECT_TRUE(valid_timezone("America/Guadeloupe"));
  EXPECT_TRUE(valid_timezone("UTC"));
  EXPECT_FALSE(valid_timezone("Europe/Atlantis"));
  EXPECT_FALSE(valid_timezone("../../etc/passwd"));
  EXPECT_FALSE(valid_timezone("Europe/../etc"));
  EXPECT_FALSE(valid_timezone("Europe"));  // a directory
  EXPECT_FALSE(valid_timezone(""));
  EXPECT_FALSE(valid_timezone("posixrules"));
}

TEST(Clock, FormatsEveryFieldWithItsZerosAndBeforeTheEpoch) {
  EXPECT_EQ(format_rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339_ms(4102444799999), "2099-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339_ms(1000000000001), "2001-09-09T01:46:40.001Z");
}
