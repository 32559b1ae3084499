#include <gtest/gtest.h>

#include "colibri/schema/migrations.hpp"

TEST(Schema, MigrationsAreEmbeddedInStrictlyIncreasingOrder) {
  const auto& m = colibri::schema::migrations();
  ASSERT_FALSE(m.empty());
  EXPECT_EQ(m.front().version, 1);
  for (std::size_t i = 1; i < m.size(); ++i) EXPECT_LT(m[i - 1].version, m[i].version);
  for (const auto& x : m) EXPECT_FALSE(x.sql.empty()) << x.name;
}
