// The badge scheduler's passes against a real PostgreSQL, with time moved by
// the test. Daily pass: three years across the DST changes, two time zones, a
// quit date entered late, a relapse, and downtime. Posts: scheduled posts
// across the DST changes, late one-off posts, concurrent schedulers, and the
// daily post of "les fêtés du jour".
#include <gtest/gtest.h>

#include <map>
#include <pqxx/pqxx>
#include <thread>

#include "colibri/badges/daily.hpp"
#include "colibri/badges/posts.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/utf8.hpp"
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
    auto id = w.exec_params1(
                   "INSERT INTO users (email, handle, password_hash, timezone, locale) VALUES ($1, $4, 'x', $2, $3) "
                   "RETURNING id",
                   handle + "@example.fr", tz, locale, handle)[0]
                  .as<std::int64_t>();
    w.commit();
    return id;
  }
  // A new current attempt (the previous one, if any, kept as history).
  std::int64_t attempt(std::int64_t user, const std::string& quit_date) {
    pqxx::work w(*c_);
    auto n = w.exec_params1("SELECT count(*) FROM quit_attempts WHERE user_id = $1", user)[0].as<int>();
    w.exec_params("UPDATE quit_attempts SET current = false WHERE user_id = $1", user);
    auto id = w.exec_params1(
                   "INSERT INTO quit_attempts (user_id, attempt, quit_date, share) VALUES ($1, $2, $3::date, "
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
  std::size_t run_posts(core::time_point from, core::time_point to, std::chrono::minutes step) {
    std::size_t n = 0;
    for (auto t = from; t < to; t += step) n += badges::run_posts(*c_, t).events.size();
    return n;
  }
  std::int64_t group(const std::string& name, std::int64_t moderator) {
    pqxx::work w(*c_);
    auto id = w.exec_params1("INSERT INTO groups (name) VALUES ($1) RETURNING id", name)[0].as<std::int64_t>();
    w.exec_params("INSERT INTO memberships (group_id, user_id, role) VALUES ($1, $2, 'moderator')", id, moderator);
    w.commit();
    return id;
  }
  void exec(const std::string& sql) {
    pqxx::work w(*c_);
    w.exec(sql);
    w.commit();
  }
  // A scheduled post as the REST service stores it; `when` is the SQL of its
  // schedule columns: "once_at = ..." or "local_time = ..., weekdays = ...".
  std::int64_t post(std::int64_t gid, std::int64_t author, const std::string& repeat, const std::string& when,
                    const std::string& tz, const char* active_from, const char* weekdays = "NULL") {
    auto id = scalar(
        "INSERT INTO scheduled_posts (group_id, author_id, body, repeat, once_at, local_time, timezone, "
        "active_from, weekdays) VALUES (" +
        std::to_string(gid) + ", " + std::to_string(author) + ", 'post " + repeat + "', '" + repeat + "', " +
        (repeat == "once" ? "'" + when + "'" : std::string("NULL")) + ", " +
        (repeat == "once" ? std::string("NULL") : "'" + when + "'") + ", '" + tz + "', '" + active_from + "', " +
        weekdays + ") RETURNING id");
    return id;
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
    EXPECT_EQ(
        scalar("SELECT count(DISTINCT day) FROM daily_congrats WHERE attempt_id = " + a + " AND day BETWEEN 1 AND 120"),
        120);
    // Each on its local day, at the local morning (the passes run every two hours).
    EXPECT_EQ(
        scalar(
            "SELECT count(*) FROM daily_congrats d JOIN quit_attempts q ON q.id = d.attempt_id WHERE d.attempt_id = " +
            a + " AND (sent_at AT TIME ZONE '" + tz +
            "')::date = q.quit_date + d.day AND d.local_date = q.quit_date + d.day "
            "AND (sent_at AT TIME ZONE '" +
            tz + "')::time >= '09:00' AND (sent_at AT TIME ZONE '" + tz + "')::time < '11:00'"),
        120);
    // Milestones of three years: 1 day .. 2 years, each once, on the calendar day.
    EXPECT_EQ(scalar("SELECT count(*) FROM badge_grants WHERE attempt_id = " + a), 12);
    pqxx::work w(*c_);
    auto q = *core::parse_date(
        w.exec1("SELECT to_char(quit_date, 'YYYY-MM-DD') FROM quit_attempts WHERE id = " + a)[0].as<std::string>());
    for (auto r : w.exec("SELECT milestone, to_char(falls_on, 'YYYY-MM-DD'), "
                         "(granted_at AT TIME ZONE '" +
                         tz + "')::date = falls_on, (granted_at AT TIME ZONE '" + tz +
                         "')::time >= '09:00' FROM badge_grants WHERE attempt_id = " + a)) {
      EXPECT_EQ(r[1].as<std::string>(), core::format_date(quit::falls_on(r[0].as<std::string>(), q)))
          << r[0].as<std::string>();
      EXPECT_TRUE(r[2].as<bool>() && r[3].as<bool>()) << r[0].as<std::string>();
    }
    w.commit();
  }
  // One notification per congratulation and per badge (never two badges on one day here).
  EXPECT_EQ(
      scalar("SELECT count(*) FROM notifications WHERE kind = 'daily_congrats' AND user_id = " + std::to_string(paris)),
      120);
  EXPECT_EQ(scalar("SELECT count(*) FROM notifications WHERE kind = 'badge' AND user_id = " + std::to_string(ny)), 12);
  EXPECT_EQ(scalar("SELECT count(*) FROM notifications WHERE title = 'Day 12 without tobacco!' AND user_id = " +
                   std::to_string(ny)),
            1);
  EXPECT_EQ(scalar("SELECT count(*) FROM notifications WHERE title = 'Jour 120 sans tabac !' AND user_id = " +
                   std::to_string(paris)),
            1);
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
  EXPECT_EQ(scalar("SELECT count(*) FROM badge_grants WHERE attempt_id = " + std::to_string(second)),
            2);  // 1 and 3 days
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

TEST_F(DailyPass, ScheduledPostsOncePerOccurrenceAtTheirLocalTimeAcrossDst) {
  auto mod = person("moderatrice", "Europe/Paris");
  auto gid = group("Les Colibris", mod);
  auto morning = post(gid, mod, "daily", "09:00", "Europe/Paris", "2026-03-20T00:00:00Z");
  // 02:30 does not exist on 29 March in Paris and happens twice on 25 October.
  auto night = post(gid, mod, "daily", "02:30", "Europe/Paris", "2026-03-20T00:00:00Z");
  auto weekly = post(gid, mod, "weekly", "18:00", "America/New_York", "2026-03-01T00:00:00Z", "'{1,4}'");
  // Around both changes in Paris (and New York's, 8 March and 1 November), every 15 minutes.
  run_posts(at("2026-03-01T00:00:00Z"), at("2026-04-03T00:00:00Z"), minutes(15));
  run_posts(at("2026-10-20T00:00:00Z"), at("2026-11-05T00:00:00Z"), minutes(15));

  auto runs = [&](std::int64_t id, const std::string& extra = "") {
    return scalar("SELECT count(*) FROM scheduled_post_runs WHERE post_id = " + std::to_string(id) + extra);
  };
  // 20 March .. 2 April and 20 October .. 4 November: 14 + 16 days.
  EXPECT_EQ(runs(morning), 30);
  EXPECT_EQ(runs(night), 30);
  EXPECT_EQ(runs(morning,
                 " AND (published_at AT TIME ZONE 'Europe/Paris')::time BETWEEN '09:00' AND '09:14:59' "
                 "AND (published_at AT TIME ZONE 'Europe/Paris')::date = local_date"),
            30);
  // The night post: one per local date, 02:30 local or, on 29 March, the first instant after the gap.
  EXPECT_EQ(
      scalar("SELECT count(DISTINCT local_date) FROM scheduled_post_runs WHERE post_id = " + std::to_string(night)),
      30);
  EXPECT_EQ(runs(night, " AND local_date = '2026-03-29' AND occurrence = '2026-03-29T01:30:00Z'"), 1);
  EXPECT_EQ(runs(night, " AND local_date = '2026-10-25'"), 1);
  // Mondays and Thursdays in New York, at 18:00 New York time whatever the offset.
  // 2 March .. 2 April: 10; 22 October .. 2 November: 4; and Monday 19 October, still
  // today in New York when the scheduler comes back at 20 October 00:00 UTC: late.
  EXPECT_EQ(runs(weekly), 10 + 4 + 1);
  EXPECT_EQ(runs(weekly,
                 " AND extract(isodow FROM local_date) IN (1, 4) AND (occurrence AT TIME ZONE "
                 "'America/New_York')::time = '18:00' AND published_at - occurrence < interval '15 minutes'"),
            14);
  EXPECT_EQ(runs(weekly, " AND local_date = '2026-10-19' AND published_at = '2026-10-20T00:00:00Z'"), 1);
  // Every run is one event in the group's room, in order, with no hole.
  auto room = "'group:" + std::to_string(gid) + "'";
  EXPECT_EQ(scalar("SELECT count(*) FROM room_events WHERE room = " + room), 75);
  EXPECT_EQ(scalar("SELECT count(*) FROM scheduled_post_runs r JOIN room_events e ON e.room = r.room AND e.seq = r.seq "
                   "AND e.author_id = " +
                   std::to_string(mod) + " AND e.kind = 'message' AND e.body LIKE 'post %'"),
            75);
  EXPECT_EQ(scalar("SELECT last_seq FROM rooms WHERE name = " + room), 75);
  // Passing over the same weeks again publishes nothing.
  EXPECT_EQ(run_posts(at("2026-03-01T00:00:00Z"), at("2026-04-03T00:00:00Z"), minutes(60 * 7)), 0u);
}

TEST_F(DailyPass, AfterDowntimeOneOffPostsComeLateWithTheirTimeAndRecurringOnlyToday) {
  auto mod = person("moderateur", "Europe/Paris");
  auto gid = group("Groupe du soir", mod);
  auto once = post(gid, mod, "once", "2026-11-22T09:00:00+01:00", "Europe/Paris", "2026-11-01T00:00:00Z");
  auto daily = post(gid, mod, "daily", "20:00", "Europe/Paris", "2026-11-01T00:00:00Z");
  EXPECT_EQ(run_posts(at("2026-11-21T07:00:00Z"), at("2026-11-21T08:00:00Z"), minutes(10)), 0u);
  // Down from 21 November 08:00 to 24 November 12:00 (UTC).
  EXPECT_EQ(run_posts(at("2026-11-24T12:00:00Z"), at("2026-11-24T12:30:00Z"), minutes(10)), 1u);
  EXPECT_EQ(scalar("SELECT count(*) FROM room_events WHERE body = 'post once\n\n(Message programmé pour le "
                   "22/11/2026 à 09:00 (Europe/Paris), publié en retard.)'"),
            1);
  EXPECT_EQ(scalar("SELECT count(*) FROM scheduled_post_runs WHERE post_id = " + std::to_string(daily)), 0);
  // The evening post comes tonight only; the three evenings missed are not made up.
  EXPECT_EQ(run_posts(at("2026-11-24T18:55:00Z"), at("2026-11-24T19:30:00Z"), minutes(5)), 1u);
  EXPECT_EQ(scalar("SELECT count(*) FROM scheduled_post_runs WHERE post_id = " + std::to_string(daily) +
                   " AND local_date = '2026-11-24' AND published_at = '2026-11-24T19:00:00Z'"),
            1);
  EXPECT_EQ(scalar("SELECT count(*) FROM room_events WHERE body LIKE '%retard%'"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM scheduled_post_runs WHERE post_id = " + std::to_string(once)), 1);
  // A moderator who steps down: their posts stop.
  exec("UPDATE memberships SET role = 'member' WHERE user_id = " + std::to_string(mod));
  EXPECT_EQ(run_posts(at("2026-11-25T18:55:00Z"), at("2026-11-25T19:30:00Z"), minutes(5)), 0u);
}

TEST_F(DailyPass, ThreeSchedulersAtOncePublishEachOccurrenceOnce) {
  auto mod = person("modo", "Europe/Paris");
  auto gid = group("Groupe", mod);
  for (int m = 0; m < 60; m += 5) {
    char t[8];
    std::snprintf(t, sizeof t, "10:%02d", m);
    post(gid, mod, "daily", t, "Europe/Paris", "2026-11-01T00:00:00Z");
  }
  exec("UPDATE groups SET celebrations_post_at = '10:30' WHERE id = " + std::to_string(gid));
  auto sharer = person("partage", "Europe/Paris");
  attempt(sharer, "2026-11-10");
  exec("INSERT INTO memberships (group_id, user_id) VALUES (" + std::to_string(gid) + ", " + std::to_string(sharer) +
       ")");
  std::vector<std::thread> schedulers;
  std::atomic<std::size_t> published{0};
  for (int i = 0; i < 3; ++i)
    schedulers.emplace_back([&, i] {
      pqxx::connection c(url_);
      // Three instances, each ticking every two minutes over three days, a few seconds apart.
      for (auto t = at("2026-11-20T08:00:00Z") + seconds(i); t < at("2026-11-23T12:00:00Z"); t += minutes(2))
        published += badges::run_posts(c, t).events.size();
    });
  for (auto& s : schedulers) s.join();
  // 12 posts a day and one celebration post a day, over three days (20, 21, 22 and 23 November).
  EXPECT_EQ(published.load(), 4u * 13);
  EXPECT_EQ(scalar("SELECT count(*) FROM room_events WHERE room = 'group:" + std::to_string(gid) + "'"), 4 * 13);
  EXPECT_EQ(scalar("SELECT count(*) FROM scheduled_post_runs"), 4 * 12);
  EXPECT_EQ(scalar("SELECT count(*) FROM celebration_posts WHERE seq IS NOT NULL"), 4);
  EXPECT_EQ(scalar("SELECT last_seq FROM rooms WHERE name = 'group:" + std::to_string(gid) + "'"), 4 * 13);
}

TEST_F(DailyPass, TheCelebrationPostNamesOnlyThoseWhoShareInTheirOwnGroups) {
  auto mod = person("benevole", "Europe/Paris");
  auto gid = group("Les fêtés", mod);
  auto other = group("Ailleurs", mod);
  exec("UPDATE groups SET celebrations_post_at = '10:00' WHERE id IN (" + std::to_string(gid) + ", " +
       std::to_string(other) + ")");
  auto member = [&](std::int64_t g, const std::string& handle, const char* quit, const char* share) {
    auto u = person(handle, "Europe/Paris");
    attempt(u, quit);
    exec("UPDATE quit_attempts SET share = '" + std::string(share) + "' WHERE user_id = " + std::to_string(u));
    exec("INSERT INTO memberships (group_id, user_id) VALUES (" + std::to_string(g) + ", " + std::to_string(u) + ")");
    return u;
  };
  member(gid, "alice", "2026-11-10", "groups");       // day 12
  member(gid, "bruno", "2026-10-22", "groups");       // 1 month today
  member(gid, "discrete", "2026-11-15", "private");   // never named
  member(other, "ailleurs", "2026-11-20", "groups");  // named in her own group only
  badges::run_due(*c_, at("2026-11-22T08:30:00Z"));   // bruno's one-month badge
  EXPECT_EQ(run_posts(at("2026-11-22T08:00:00Z"), at("2026-11-22T08:59:00Z"), minutes(10)), 0u);  // before 10:00 Paris
  EXPECT_EQ(run_posts(at("2026-11-22T09:00:00Z"), at("2026-11-22T12:00:00Z"), minutes(10)), 2u);
  pqxx::work w(*c_);
  auto body =
      w.exec1("SELECT body FROM room_events WHERE kind = 'system' AND room = 'group:" + std::to_string(gid) + "'")[0]
          .as<std::string>();
  EXPECT_EQ(
      body,
      "Les fêtés du jour 🎉 alice (jour 12), bruno (jour 31 : 1 mois sans tabac). Bravo à eux, chaque jour compte !");
  auto elsewhere =
      w.exec1("SELECT body FROM room_events WHERE room = 'group:" + std::to_string(other) + "'")[0].as<std::string>();
  EXPECT_NE(elsewhere.find("ailleurs (jour 2)"), std::string::npos);
  EXPECT_EQ(w.exec1("SELECT count(*) FROM room_events WHERE body LIKE '%discrete%'")[0].as<int>(), 0);
  EXPECT_EQ(w.exec1("SELECT count(*) FROM room_events WHERE room = 'group:" + std::to_string(gid) +
                    "' AND body LIKE '%ailleurs%'")[0]
                .as<int>(),
            0);
  w.commit();
}

TEST_F(DailyPass, AHundredAndFiftyCelebratedFitInOnePostAndLaterGroupsStillGetTheirs) {
  // F9: past about 90 sharers the post was refused by the room log and the
  // pass stopped there, every 30 s: no later group got its post again.
  auto mod = person("animatrice", "Europe/Paris");
  auto big = group("Très grand groupe", mod);
  auto later = group("Groupe suivant", mod);
  ASSERT_LT(big, later);
  exec("UPDATE groups SET celebrations_post_at = '10:00' WHERE id IN (" + std::to_string(big) + ", " +
       std::to_string(later) + ")");
  exec(
      "INSERT INTO users (email, handle, password_hash) SELECT 'p' || i || '@example.fr', "
      "'un pseudo assez long numéro ' || i, 'x' FROM generate_series(1, 150) i");
  exec(
      "INSERT INTO quit_attempts (user_id, attempt, quit_date, share) SELECT id, 1, '2026-11-17', 'groups' FROM users "
      "WHERE handle LIKE 'un pseudo%'");
  exec("INSERT INTO memberships (group_id, user_id) SELECT " + std::to_string(big) +
       ", id FROM users WHERE handle LIKE 'un pseudo%'");
  auto solo = person("seule", "Europe/Paris");
  attempt(solo, "2026-11-20");
  exec("INSERT INTO memberships (group_id, user_id) VALUES (" + std::to_string(later) + ", " + std::to_string(solo) +
       ")");
  EXPECT_EQ(run_posts(at("2026-11-22T09:00:00Z"), at("2026-11-22T09:30:00Z"), minutes(10)), 2u);
  pqxx::work w(*c_);
  auto body =
      w.exec1("SELECT body FROM room_events WHERE kind = 'system' AND room = 'group:" + std::to_string(big) + "'")[0]
          .as<std::string>();
  EXPECT_LE(*core::code_points(body), 4000u);
  EXPECT_NE(body.find(" autres. Bravo à eux"), std::string::npos) << body.substr(body.size() - 200);
  EXPECT_EQ(body.find("Les fêtés du jour 🎉 un pseudo assez long numéro "), 0u);
  EXPECT_EQ(w.exec1("SELECT count(*) FROM room_events WHERE room = 'group:" + std::to_string(later) + "'")[0].as<int>(),
            1);
  w.commit();
}

TEST_F(DailyPass, AHiddenMessagesEvidenceGoesNinetyDaysAfterItsReportIsResolved) {
  auto mod = person("gardienne", "Europe/Paris");
  auto gid = group("Preuves", mod);
  auto report = [&](const char* resolved_at, const char* state) {
    exec("INSERT INTO reports (group_id, reason, state, resolved_at, evidence) VALUES (" + std::to_string(gid) +
         ", 'abuse', '" + state + "', " + resolved_at + ", 'texte caché')");
  };
  report("'2026-08-01T10:00:00Z'", "resolved");  // 112 days before
  report("'2026-09-10T10:00:00Z'", "resolved");  // 72 days before: kept
  report("NULL", "open");                        // still open: kept
  EXPECT_EQ(badges::purge_evidence(*c_, at("2026-11-21T10:00:00Z")), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM reports WHERE evidence IS NOT NULL"), 2);
  EXPECT_EQ(badges::purge_evidence(*c_, at("2026-11-21T10:00:00Z")), 0);  // idempotent
  EXPECT_EQ(badges::purge_evidence(*c_, at("2026-12-10T10:00:00Z")), 1);
}

}  // namespace
