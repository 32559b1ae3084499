#include "colibri/quit/milestones.hpp"

#include <gtest/gtest.h>

#include "colibri/core/clock.hpp"

using namespace colibri;
using namespace std::chrono;

namespace {
quit::date d(const char* s) { return *core::parse_date(s); }
std::string on(const char* key, const char* quit) { return core::format_date(quit::falls_on(key, d(quit))); }
}  // namespace

TEST(Milestones, MonthsAndYearsFollowTheCalendar) {
  EXPECT_EQ(on("1m", "2026-01-31"), "2026-02-28");
  EXPECT_EQ(on("1m", "2028-01-31"), "2028-02-29");  // leap year
  EXPECT_EQ(on("2m", "2026-01-31"), "2026-03-31");
  EXPECT_EQ(on("1m", "2026-03-31"), "2026-04-30");
  EXPECT_EQ(on("6m", "2026-08-31"), "2027-02-28");
  EXPECT_EQ(on("1y", "2028-02-29"), "2029-02-28");
  EXPECT_EQ(on("10y", "2026-11-23"), "2036-11-23");
  EXPECT_EQ(on("1d", "2026-12-31"), "2027-01-01");
  EXPECT_EQ(on("100d", "2026-01-01"), "2026-04-11");
  EXPECT_EQ(on("3w", "2026-02-20"), "2026-03-13");
}

TEST(Milestones, CatalogueIsInOrderAndReachedOnItsDay) {
  const auto& c = quit::catalogue();
  ASSERT_EQ(c.size(), 14u);
  auto q = d("2026-01-31");
  for (std::size_t i = 1; i < c.size(); ++i) EXPECT_LE(quit::falls_on(c[i - 1].key, q), quit::falls_on(c[i].key, q));
  EXPECT_TRUE(quit::reached(q, d("2026-01-31")).empty());
  EXPECT_EQ(quit::reached(q, d("2026-02-01")).size(), 1u);
  auto r = quit::reached(q, d("2026-02-28"));
  ASSERT_EQ(r.size(), 6u);
  EXPECT_EQ(r.back()->key, "1m");
  EXPECT_EQ(r.back()->name.fr, "1 mois sans tabac");
  EXPECT_EQ(quit::reached(q, d("2040-01-01")).size(), 14u);
}

TEST(Progress, CountsLocalDaysCigarettesMoneyAndTheNextMilestone) {
  quit::profile p{d("2026-11-01"), 20, 1200, 20};
  auto g = quit::progress_on(p, d("2026-11-11"));
  EXPECT_EQ(g.days, 10);
  EXPECT_EQ(g.days_until, 0);
  EXPECT_EQ(*g.cigarettes_not_smoked, 200);
  EXPECT_EQ(*g.money_saved_cents, 12000);
  EXPECT_EQ(*g.minutes_regained, 2200);
  ASSERT_TRUE(g.next);
  EXPECT_EQ(g.next->key, "2w");
  EXPECT_EQ(core::format_date(*g.next_on), "2026-11-15");

  auto ahead = quit::progress_on(p, d("2026-10-25"));
  EXPECT_EQ(ahead.days, 0);
  EXPECT_EQ(ahead.days_until, 7);
  EXPECT_EQ(*ahead.cigarettes_not_smoked, 0);
  EXPECT_EQ(ahead.next->key, "1d");

  quit::profile bare{d("2000-01-01"), std::nullopt, std::nullopt, std::nullopt};
  auto old = quit::progress_on(bare, d("2026-11-23"));
  EXPECT_FALSE(old.cigarettes_not_smoked);
  EXPECT_FALSE(old.money_saved_cents);
  EXPECT_FALSE(old.next);  // every milestone passed
}

TEST(Progress, HealthFactsFollowTheStageAndCiteTheirSource) {
  EXPECT_NE(quit::fact_for(0).text.fr.find("monoxyde de carbone"), std::string::npos);
  EXPECT_NE(quit::fact_for(20).text.en.find("circulation"), std::string::npos);
  EXPECT_NE(quit::fact_for(400).text.en.find("coronary"), std::string::npos);
  EXPECT_NE(quit::fact_for(10000).text.fr.find("non-fumeur"), std::string::npos);
  EXPECT_NE(quit::fact_for(3).source.find("who.int"), std::string::npos);
}
