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
//
//   colibri-daily-load --pg-url postgresql://colibri@127.0.0.1:55432/postgres --quitters 1000000
#include <chrono>
#include <cstdio>
#include <iostream>
#include <pqxx/pqxx>
#include <string>

#include "colibri/badges/daily.hpp"
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
  std::string db = "colibri_daily_load";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--pg-url") admin_url = v;
    else if (k == "--quitters") n = std::stoll(v);
    else if (k == "--database") db = v;
    else { std::cerr << "unknown option " << k << "\n"; return 2; }
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
    w.exec_params("INSERT INTO users (email, handle, password_hash, timezone) "
                  "SELECT 'q' || i || '@load.invalid', 'q' || i, 'load-test: no password', "
                  "  (ARRAY['Europe/Paris', 'America/Guadeloupe', 'Indian/Reunion'])[1 + i % 3] "
                  "FROM generate_series(1, $1::bigint) i",
                  n);
    w.exec("INSERT INTO quit_attempts (user_id, attempt, quit_date, share) "
           "SELECT id, 1, DATE '2026-11-22' - (id % 400)::int, CASE WHEN id % 2 = 0 THEN 'groups' ELSE 'private' END FROM users");
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
  } passes[] = {{"catch-up", "2026-11-22T20:00:00Z"}, {"daily", "2026-11-23T09:30:00Z"}, {"again", "2026-11-23T09:30:00Z"}};
  int rc = 0;
  for (const auto& p : passes) {
    auto start = std::chrono::steady_clock::now();
    auto r = badges::run_due(c, *core::parse_rfc3339(p.at));
    std::printf("%-8s pass at %s: %.1f s, %d congratulated, %d badges granted, %zu notifications\n", p.name, p.at,
                seconds_since(start), r.congratulated, r.granted, r.notifications.size());
    if (std::string(p.name) == "again" && (r.congratulated || r.granted)) rc = 1;
  }
  return rc;
}
