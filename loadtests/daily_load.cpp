// colibri-daily-load: the badge scheduler's daily pass over N quitters.
//
// Creates its own database (dropped first if it exists), applies the
// migrations, inserts N users in three time zones with quit dates spread over
// the last 400 days, then times three passes of badges::run_due:
//   1. the catch-up pass (every milestone already behind them granted at
//      once, one summary notification each; today's congratulations);
//   2. the next day at 10:30 in Paris: the ordinary daily run (today's
//      congratulations for days 1..120, the milestones falling today);
//   3. the same instant again: nothing left to do (exactly once).
// With --groups G, the quitters are spread over G groups, each with a daily
// scheduled post at 10:00 Paris and a daily celebration post at 10:00; then
// badges::run_posts is timed at the daily run's instant (2 G posts, one
// transaction each) and again (nothing left).
//
//   colibri-daily-load --pg-url postgresql://colibri@127.0.0.1:55432/postgres --quitters 1000000
//   colibri-daily-load --pg-url ... --quitters 100000 --groups 1000
#include <chrono>
#include <cstdio>
#include <iostream>
#include <pqxx/pqxx>
#include <string>

#include "colibri/badges/daily.hpp"
#include "colibri/badges/posts.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/pg/migrate.hpp"
#include "colibri/schema/migrations.hpp"

using namespace colibri;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string admin_url;
  long long n = 1000000;
  long long groups = 0;
  std::string db = "colibri_daily_load";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--pg-url")
      admin_url = v;
    else if (k == "--quitters")
      n = std::stoll(v);
    else if (k == "--database")
      db = v;
    else if (k == "--groups")
      groups = std::stoll(v);
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  if (admin_url.empty() || n < 1) {
    std::cerr << "usage: colibri-daily-load --pg-url URL-of-an-admin-database --quitters N\n";
    return 2;
  }
  {
    pqxx::connection admin(admin_url);
    pqxx::nontransaction w(admin);
    w.exec("DROP DATABASE IF EXISTS " + db);
    w.exec("CREATE DATABASE " + db);
  }
  auto url = admin_url.substr(0, admin_url.rfind('/') + 1) + db;
  pqxx::connection c(url);
  pg::migrate(c, schema::migrations());
  auto t0 = std::chrono::steady_clock::now();
  {
    pqxx::work w(c);
    w.exec_params(
        "INSERT INTO users (email, handle, password_hash, timezone) "
        "SELECT 'q' || i || '@load.invalid', 'q' || i, 'load-test: no password', "
        "  (ARRAY['Europe/Paris', 'America/Guadeloupe', 'Indian/Reunion'])[1 + i % 3] "
        "FROM generate_series(1, $1::bigint) i",
        n);
    w.exec(
        "INSERT INTO quit_attempts (user_id, attempt, quit_date, share) "
        "SELECT id, 1, DATE '2026-11-22' - (id % 400)::int, CASE WHEN id % 2 = 0 THEN 'groups' ELSE 'private' END FROM "
        "users");
    if (groups > 0) {
      w.exec_params(
          "INSERT INTO groups (name, celebrations_post_at) SELECT 'g' || i, '10:00' FROM generate_series(1, "
          "$1::bigint) i",
          groups);
      // Quitter i in group i mod G; the group's first member moderates it and schedules its morning post.
      w.exec_params(
          "INSERT INTO memberships (group_id, user_id, role) SELECT 1 + (u.id % $1::bigint), u.id, "
          "CASE WHEN u.id <= $1::bigint THEN 'moderator' ELSE 'member' END FROM users u",
          groups);
      w.exec(
          "INSERT INTO scheduled_posts (group_id, author_id, body, repeat, local_time, active_from) "
          "SELECT m.group_id, m.user_id, 'Bonjour à tous, comment allez-vous ce matin ?', 'daily', '10:00', "
          "'2026-11-01T00:00:00Z' FROM memberships m WHERE m.role = 'moderator'");
    }
    w.commit();
  }
  {
    pqxx::nontransaction w(c);
    w.exec("VACUUM ANALYZE");
  }
  std::printf("set up %lld quitters in %.1f s\n", n, seconds_since(t0));

  struct pass {
    const char* name;
    const char* at;
  } passes[] = {
      {"catch-up", "2026-11-22T20:00:00Z"}, {"daily", "2026-11-23T09:30:00Z"}, {"again", "2026-11-23T09:30:00Z"}};
  int rc = 0;
  for (const auto& p : passes) {
    auto start = std::chrono::steady_clock::now();
    auto r = badges::run_due(c, *core::parse_rfc3339(p.at));
    std::printf("%-8s pass at %s: %.1f s, %d congratulated, %d badges granted, %zu notifications\n", p.name, p.at,
                seconds_since(start), r.congratulated, r.granted, r.notifications.size());
    if (std::string(p.name) == "again" && (r.congratulated || r.granted)) rc = 1;
  }
  if (groups > 0)
    for (const char* name : {"posts", "again"}) {
      auto start = std::chrono::steady_clock::now();
      auto r = badges::run_posts(c, *core::parse_rfc3339("2026-11-23T09:30:00Z"));
      std::printf("%-8s pass of posts: %.1f s, %zu events in %lld groups\n", name, seconds_since(start),
                  r.events.size(), groups);
      // Every group's morning post, plus a celebration post where someone is celebrated; then nothing.
      bool first = std::string(name) == "posts";
      if (first ? r.events.size() < static_cast<std::size_t>(groups) : !r.events.empty()) rc = 1;
    }
  return rc;
}
