// The badge scheduler's daily pass against a real PostgreSQL, with time moved
// by the test: three years across the DST changes, two time zones, a quit
// date entered late, a relapse, and downtime.
#include <gtest/gtest.h>

#include <map>
#include <pqxx/pqxx>

#include "colibri/badges/daily.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/pg/migrate.hpp"
#include "colibri/quit/milestones.hpp"
#include "colibri/schema/migrations.hpp"
#include "colibri/test/servers.hpp"

using namespace colibri;
using namespace std::chrono;

namespace {

core::time_point at(const char* rfc3339) { return *core::parse_rfc3339(rfc3339); }

class DailyPass : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = test::shared_postgres().create_database();
    c_ = std::make_unique<pqxx::connection>(url_);
    pg::migrate(*c_, schema::migrations());
  }
  std::int64_t person(const std::string& handle, const std::string& tz, const std::string& locale = "fr") {
    pqxx::work w(*c_);
    auto id = w.exec_params1("INSERT INTO users (email, handle, password_hash, timezone, locale) VALUES ($1, $1, 'x', $2, $3) "
                             "RETURNING id",
                             handle + "@example.fr", tz, locale)[0]
                  .as<std::int64_t>();
    w.commit();
    return id;
  }
  // A new current attempt (the previous one, if any, kept as history).
  std::int64_t attempt(std::int64_t user, const std::string& quit_date) {
    pqxx::work w(*c_);
    auto n = w.exec_params1("SELECT count(*) FROM quit_attempts WHERE user_id = $1", user)[0].as<int>();
    w.exec_params("UPDATE quit_attempts SET current = false WHERE user_id = $1", user);
    auto id = w.exec_params1("INSERT INTO quit_attempts (user_id, attempt, quit_date, share) VALUES ($1, $2, $3::date, "
                             "'groups') RETURNING id",
                             user, n + 1, quit_date)[0]
                  .as<std::int64_t>();
    w.commit();
    return id;
  }
  std::int64_t scalar(const std::string& sql) {
    pqxx::work w(*c_);
    auto v = w.exec(sql)[0][0].as<std::int64_t>();
    w.commit();
    return v;
  }
  // Passes every `step` from `from` (inclusive) to `to` (exclusive).
  void run(core::time_point from, core::time_point to, std::chrono::minutes step) {
    for (auto t = from; t < to; t += step) badges::run_due(*c_, t);
  }

  std::string url_;
  std::unique_ptr<pqxx::connection> c_;
};

TEST_F(DailyPass, ThreeYearsAcrossDstInTwoTimeZonesEverythingExactlyOnce) {
  auto paris = person("paris", "Europe/Paris");
  auto ny = person("newyork", "America/New_York", "en");
  // Days 1..120 cross the spring changes (29 March in Paris, 8 March in New
  // York) and the autumn ones (25 October, 1 November).
  std::map<std::int64_t, std::string> attempts{{attempt(paris, "2026-02-20"), "Europe/Paris"},
                                               {attempt(ny, "2026-09-10"), "America/New_York"}};
  run(at("2026-02-20T00:00:00Z"), at("2029-03-01T00:00:00Z"), minutes(120));

  for (auto& [id, tz] : attempts) {
    auto a = std::to_string(id);
    SCOPED_TRACE(tz);
    EXPECT_EQ(scalar("SELECT count(*) FROM daily_congrats WHERE attempt_id = " + a), 120);
    EXPECT_EQ(scalar("SELECT count(DISTINCT day) FROM daily_congrats WHERE attempt_id = " + a + " AND day BETWEEN 1 AND 120"), 120);
    // Each on its local day, at the local morning (the passes run every two hours).
    EXPECT_EQ(scalar("SELECT count(*) FROM daily_congrats d JOIN quit_attempts q ON q.id = d.attempt_id WHERE d.attempt_id = " +
                     a + " AND (sent_at AT TIME ZONE '" + tz + "')::date = q.quit_date + d.day AND d.local_date = q.quit_date + d.day "
                     "AND (sent_at AT TIME ZONE '" + tz + "')::time >= '09:00' AND (sent_at AT TIME ZONE '" + tz + "')::time < '11:00'"),
              120);
    // Milestones of three years: 1 day .. 2 years, each once, on the calendar day.
    EXPECT_EQ(scalar("SELECT count(*) FROM badge_grants WHERE attempt_id = " + a), 12);
    pqxx::work w(*c_);
    auto q = *core::parse_date(w.exec1("SELECT to_char(quit_date, 'YYYY-MM-DD') FROM quit_attempts WHERE id = " + a)[0].as<std::string>());
    for (auto r : w.exec("SELECT milestone, to_char(falls_on, 'YYYY-MM-DD'), "
                         "(granted_at AT TIME ZONE '" + tz + "')::date = falls_on, (granted_at AT TIME ZONE '" + tz +
                         "')::time >= '09:00' FROM badge_grants WHERE attempt_id = " + a)) {
      EXPECT_EQ(r[1].as<std::string>(), core::format_date(quit::falls_on(r[0].as<std::string>(), q))) << r[0].as<std::string>();
      EXPECT_TRUE(r[2].as<bool>() && r[3].as<bool>()) << r[0].as<std::string>();
    }
    w.commit();
  }
  // One notification per congratulation and per badge (never two badges on one day here).
  EXPECT_EQ(scalar("SELECT count(*) FROM notifications WHERE kind = 'daily_congrats' AND user_id = " + std::to_string(paris)), 120);
  EXPECT_EQ(scalar("SELECT count(*) FROM notifications WHERE kind = 'badge' AND user_id = " + std::to_string(ny)), 12);
  EXPECT_EQ(scalar("SELECT count(*) FROM notifications WHERE title = 'Day 12 without tobacco!' AND user_id = " + std::to_string(ny)), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM notifications WHERE title = 'Jour 120 sans tabac !' AND user_id = " + std::to_string(paris)), 1);
  // Passes again over the same years: nothing more.
  auto before = scalar("SELECT count(*) FROM notifications");
  run(at("2026-02-20T00:00:00Z"), at("2029-03-01T00:00:00Z"), minutes(24 * 60 * 7));
  EXPECT_EQ(scalar("SELECT count(*) FROM notifications"), before);
}

TEST_F(DailyPass, APastDateIsGrantedAtOnceWithOneSummaryAndARelapseStartsANewCount) {
  auto p = person("marie", "Europe/Paris");
  auto first = attempt(p, "2025-10-01");
  auto now = at("2026-01-15T14:00:00Z");
  auto r = badges::run_due(*c_, now);
  // 1 day .. 100 days already behind her: granted at once, one summary.
  EXPECT_EQ(r.granted, 9);
  EXPECT_EQ(scalar("SELECT count(*) FROM notifications WHERE kind = 'badge'"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM notifications WHERE kind = 'badge' AND title = '9 badges gagnés' "
                   "AND body LIKE 'Félicitations ! Déjà derrière vous : 1 jour sans tabac, %, 100 jours sans tabac.'"),
            1);
  EXPECT_EQ(r.congratulated, 1);  // day 106: today's, late in the day
  badges::run_due(*c_, now + minutes(1));
  EXPECT_EQ(scalar("SELECT count(*) FROM notifications"), 2);

  // A relapse: a new date, a new count from day 1; the first attempt's badges stay.
  auto second = attempt(p, "2026-01-20");
  run(at("2026-01-20T00:00:00Z"), at("2026-01-24T12:00:00Z"), minutes(60));
  EXPECT_EQ(scalar("SELECT count(*) FROM badge_grants WHERE attempt_id = " + std::to_string(first)), 9);
  EXPECT_EQ(scalar("SELECT count(*) FROM badge_grants WHERE attempt_id = " + std::to_string(second)), 2);  // 1 and 3 days
  EXPECT_EQ(scalar("SELECT max(day) FROM daily_congrats WHERE attempt_id = " + std::to_string(second)), 4);
  EXPECT_EQ(scalar("SELECT count(*) FROM notifications WHERE body LIKE '%rechute%' OR title LIKE '%rechute%'"), 0);
}

TEST_F(DailyPass, AfterThreeDaysDownMissedMilestonesOnceAndOnlyTodaysCongratulation) {
  auto p = person("karim", "Europe/Paris");
  auto a = std::to_string(attempt(p, "2026-03-01"));
  run(at("2026-03-01T00:00:00Z"), at("2026-03-06T00:00:00Z"), minutes(60));  // up to day 4 (5 March)
  EXPECT_EQ(scalar("SELECT max(day) FROM daily_congrats WHERE attempt_id = " + a), 4);
  // Down from 6 to 8 March (days 5, 6, 7 and the one-week milestone, 8 March, missed), back on 9 March at 10:00.
  auto before = scalar("SELECT count(*) FROM notifications");
  run(at("2026-03-09T09:00:00Z"), at("2026-03-09T12:00:00Z"), minutes(10));
  EXPECT_EQ(scalar("SELECT count(*) FROM daily_congrats WHERE attempt_id = " + a), 5);  // days 1-4 and today's 8
  EXPECT_EQ(scalar("SELECT count(*) FROM daily_congrats WHERE attempt_id = " + a + " AND day IN (5, 6, 7)"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM badge_grants WHERE attempt_id = " + a + " AND milestone = '1w'"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM notifications") - before, 2);  // today's congratulation, the missed badge
}

}  // namespace
