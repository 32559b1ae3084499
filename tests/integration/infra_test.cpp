// libs/pg and libs/redis against a real PostgreSQL and Redis.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <optional>
#include <thread>

#include "colibri/pg/migrate.hpp"
#include "colibri/pg/pool.hpp"
#include "colibri/ratelimit/limiter.hpp"
#include "colibri/redis/client.hpp"
#include "colibri/schema/migrations.hpp"
#include "colibri/test/servers.hpp"

using namespace colibri;
using namespace colibri::test;

namespace {

// Runs a coroutine to completion on a fresh io_context (bounded).
template <class T>
T run_sync(awaitable<T> a) {
  asio::io_context io;
  std::optional<T> out;
  std::exception_ptr err;
  asio::co_spawn(io, std::move(a), [&](std::exception_ptr ep, T v) {
    err = ep;
    if (!ep) out = std::move(v);
  });
  io.run_for(std::chrono::seconds(30));
  if (err) std::rethrow_exception(err);
  if (!out) throw std::runtime_error("timed out");
  return *out;
}

awaitable<std::int64_t> count_migrations(pg::pool& p) {
  auto job = [](pqxx::connection& c) {
    pqxx::work w(c);
    return w.exec("SELECT count(*) FROM schema_migrations")[0][0].as<std::int64_t>();
  };
  co_return co_await p.run(std::move(job));
}

TEST(Migrations, ConcurrentStartsApplyEachMigrationOnce) {
  auto url = shared_postgres().create_database();
  std::atomic<int> applied{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      pqxx::connection c(url);
      applied += pg::migrate(c, schema::migrations());
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(applied.load(), static_cast<int>(schema::migrations().size()));
  pg::pool p({url, 1, 10, 2});
  EXPECT_EQ(run_sync(count_migrations(p)), static_cast<std::int64_t>(schema::migrations().size()));
}

TEST(Migrations, AChangedAppliedMigrationIsRefused) {
  auto url = shared_postgres().create_database();
  pqxx::connection c(url);
  std::vector<pg::migration> v1 = {{1, "first", "CREATE TABLE a (x int)"}};
  EXPECT_EQ(pg::migrate(c, v1), 1);
  EXPECT_EQ(pg::migrate(c, v1), 0);
  std::vector<pg::migration> edited = {{1, "first", "CREATE TABLE a (x bigint)"}};
  EXPECT_THROW(pg::migrate(c, edited), pg::migration_error);
  // A failing migration leaves nothing half-applied.
  std::vector<pg::migration> broken = {{1, "first", "CREATE TABLE a (x int)"},
                                       {2, "bad", "CREATE TABLE b (y int); SELEC 1"}};
  EXPECT_ANY_THROW(pg::migrate(c, broken));
  pqxx::work w(c);
  EXPECT_EQ(w.exec("SELECT count(*) FROM pg_tables WHERE tablename = 'b'")[0][0].as<int>(), 0);
}

// Runs a job until it answers `want` (the pool probing a server that comes
// back), at most `tries` times, 200 ms apart; the last answer.
int until_answered(const std::function<awaitable<int>()>& job, int want, int tries) {
  int got = 0;
  for (int i = 0; i < tries && got != want; ++i) {
    try {
      got = run_sync(job());
    } catch (const pg::unavailable&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  return got;
}

awaitable<int> answer(pg::pool& p) {
  auto job = [](pqxx::connection& c) {
    pqxx::work w(c);
    return w.exec("SELECT 42")[0][0].as<int>();
  };
  co_return co_await p.run(std::move(job));
}

awaitable<int> sql_error(pg::pool& p) {
  auto job = [](pqxx::connection& c) {
    pqxx::work w(c);
    return w.exec("SELECT no_such_column FROM pg_class")[0][0].as<int>();
  };
  co_return co_await p.run(std::move(job));
}

TEST(Pool, SurvivesAPostgresRestartAndFailsFastWhileDown) {
  postgres_server own;
  auto url = own.create_database();
  pg::pool p({url, 2, 100, 2});
  EXPECT_EQ(run_sync(answer(p)), 42);
  EXPECT_THROW(run_sync(sql_error(p)), pqxx::sql_error);  // SQL errors are not "unavailable"
  own.stop();
  EXPECT_THROW(run_sync(answer(p)), pg::unavailable);
  EXPECT_FALSE(p.available());
  // The circuit is open: the next job fails at once, without a connect.
  EXPECT_THROW(run_sync(answer(p)), pg::unavailable);
  own.start();
  // A job a second probes the server; once one got through, idle
  // connections that broke during the restart are replaced as jobs come.
  EXPECT_EQ(until_answered([&] { return answer(p); }, 42, 50), 42);
  // Ready again (a connection still broken by the restart may take one more
  // probe interval to be replaced).
  bool ready = false;
  for (int i = 0; i < 30 && !ready; ++i) {
    ready = p.available();
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(ready);
  EXPECT_EQ(run_sync(answer(p)), 42);
  p.stop();
}

awaitable<int> insert_one(pg::pool& p) {
  auto job = [](pqxx::connection& c) {
    pqxx::work w(c);
    w.exec("CREATE TABLE IF NOT EXISTS t (x int); INSERT INTO t VALUES (1)");
    w.commit();
    return 1;
  };
  co_return co_await p.run(std::move(job));
}

// Commits on `own` wait for a synchronous standby named `standby` ('' : none).
void wait_for_standby(postgres_server& own, const std::string& standby) {
  own.psql("postgres", "ALTER SYSTEM SET synchronous_standby_names = '" + standby + "'");
  own.psql("postgres", "SELECT pg_reload_conf()");
}

// A pool of one connection whose jobs are cut after job_timeout.
pg::pool_options one_connection(const std::string& url, std::chrono::milliseconds job_timeout) {
  pg::pool_options o{url, 1, 10, 2};
  o.job_timeout = job_timeout;
  return o;
}

// An old primary cut off from its synchronous standby after a failover
// answers TCP and never finishes a commit (its backends wait for the
// standby). The job's connection is cut at job_timeout, the job fails as
// unavailable (after one try on a new connection), and the pool serves again
// once commits can finish.
TEST(Pool, ACommitThatNeverReturnsIsCutAtTheJobTimeout) {
  postgres_server own(postgres_server::commits::synchronous);
  auto url = own.create_database();
  wait_for_standby(own, "gone");
  pg::pool p(one_connection(url, std::chrono::milliseconds(1000)));
  auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(run_sync(insert_one(p)), pg::unavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(25)) << "cut, not left waiting";
  wait_for_standby(own, "");
  EXPECT_EQ(until_answered([&] { return insert_one(p); }, 1, 30), 1);
  p.stop();
}

// A cancel during the commit's wait for the synchronous standby (an
// administrator's pg_cancel_backend, say) commits on this server only:
// PostgreSQL warns and returns success. On an old primary after a failover,
// that is a commit the new primary lacks: the job must not report success.
// (A statement timeout does not interrupt that wait; the pool's own deadline
// shuts the socket down and never cancels.)
TEST(Pool, ACommitTheStandbyNeverConfirmedIsNotReportedAsDone) {
  postgres_server own(postgres_server::commits::synchronous);
  auto url = own.create_database();
  wait_for_standby(own, "gone");
  pg::pool p(one_connection(url, std::chrono::milliseconds(60000)));
  std::exception_ptr outcome;
  std::thread job([&] {
    try {
      run_sync(insert_one(p));
    } catch (...) {
      outcome = std::current_exception();
    }
  });
  std::string cancelled;
  for (int i = 0; i < 100 && cancelled != "1\n"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancelled =
        own.psql("postgres", "SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity WHERE wait_event = 'SyncRep'");
  }
  job.join();
  ASSERT_EQ(cancelled, "1\n") << "the commit never waited for the standby";
  ASSERT_TRUE(outcome) << "a commit the standby never confirmed was reported as done";
  EXPECT_THROW(std::rethrow_exception(outcome), pg::unavailable);
  // PostgreSQL did keep it locally: the hazard the pool guards against.
  EXPECT_EQ(own.psql(url.substr(url.rfind('/') + 1), "SELECT count(*) FROM t"), "1\n");
  p.stop();
}

TEST(Pool, ABoundedQueueTurnsOverloadIntoUnavailable) {
  auto url = shared_postgres().create_database();
  pg::pool p({url, 1, 2, 2});
  asio::io_context io;
  std::atomic<int> ok{0}, refused{0};
  auto slow = [&]() -> awaitable<void> {
    try {
      auto job = [](pqxx::connection& c) {
        pqxx::work w(c);
        w.exec("SELECT pg_sleep(0.2)");
      };
      co_await p.run(std::move(job));
      ++ok;
    } catch (const pg::unavailable&) {
      ++refused;
    }
  };
  for (int i = 0; i < 10; ++i) asio::co_spawn(io, slow(), asio::detached);
  io.run_for(std::chrono::seconds(20));
  EXPECT_EQ(ok + refused, 10);
  EXPECT_GE(refused.load(), 1);
  EXPECT_GE(ok.load(), 2);
}

// What transact() keeps: the work of a job that returned, nothing of one
// that returned a failure (a core::result in error, an outcome with `err`)
// or threw.
TEST(Pool, TransactCommitsWhatSucceedsAndRollsBackFailuresAndThrows) {
  auto url = shared_postgres().create_database();
  pg::pool p({url, 1});
  auto insert = [](std::string v) { return [v](pqxx::work& w) { w.exec_params("INSERT INTO t (v) VALUES ($1)", v); }; };
  run_sync([&]() -> awaitable<bool> {
    auto ddl = [](pqxx::work& w) { w.exec("CREATE TABLE t (v text PRIMARY KEY)"); };
    co_await p.transact(std::move(ddl));
    co_await p.transact(insert("kept"));
    auto refused = [](pqxx::work& w) -> core::result<int> {
      w.exec("INSERT INTO t (v) VALUES ('refused')");
      return core::default_error(core::errc::conflict);
    };
    auto r = co_await p.transact(std::move(refused));
    EXPECT_FALSE(r.ok());
    struct outcome {
      std::optional<core::error> err;
    };
    auto marked = [](pqxx::work& w) {
      w.exec("INSERT INTO t (v) VALUES ('marked')");
      return outcome{core::default_error(core::errc::forbidden)};
    };
    auto o = co_await p.transact(std::move(marked));
    EXPECT_TRUE(o.err.has_value());
    auto good = [](pqxx::work& w) -> core::result<int> {
      w.exec("INSERT INTO t (v) VALUES ('good')");
      return 1;
    };
    EXPECT_TRUE((co_await p.transact(std::move(good))).ok());
    try {
      auto thrower = [](pqxx::work& w) {
        w.exec("INSERT INTO t (v) VALUES ('thrown')");
        throw std::runtime_error("job failed");
      };
      co_await p.transact(std::move(thrower));
      ADD_FAILURE() << "the job's exception did not reach the caller";
    } catch (const std::runtime_error&) {
    }
    auto list = [](pqxx::nontransaction& n) {
      std::vector<std::string> out;
      for (auto r : n.exec("SELECT v FROM t ORDER BY v")) out.push_back(r[0].as<std::string>());
      return out;
    };
    auto kept = co_await p.read(std::move(list));
    EXPECT_EQ(kept, (std::vector<std::string>{"good", "kept"}));
    co_return true;
  }());
}

// A subscriber and a publisher on `own`, recording messages as "channel=message".
struct redis_pair {
  explicit redis_pair(redis_server& own) : o(options_for(own)) {}
  static redis::options options_for(redis_server& own) {
    redis::options out;
    out.port = own.port();
    out.reconnect_min = std::chrono::milliseconds(20);
    out.reconnect_max = std::chrono::milliseconds(200);
    return out;
  }
  // Runs the io_context until pred() holds (at most 6 s).
  template <class Pred>
  bool run_until(Pred pred) {
    for (int i = 0; i < 300 && !pred(); ++i) io.run_for(std::chrono::milliseconds(20));
    return pred();
  }
  void stop() {
    sub.stop();
    pub.stop();
    io.run_for(std::chrono::milliseconds(100));
  }
  asio::io_context io;
  redis::options o;
  std::vector<std::string> got;
  int connects = 0, disconnects = 0;
  redis::subscriber sub{
      io.get_executor(),
      o,
      {[this](std::string_view ch, std::string_view m) { got.push_back(std::string(ch) + "=" + std::string(m)); },
       [this] { ++disconnects; }, [this] { ++connects; }}};
  redis::publisher pub{io.get_executor(), o};
};

TEST(Redis, PublishSubscribeAndResubscribeAfterARestart) {
  redis_server own;
  redis_pair r(own);
  auto& [io, o, got, connects, disconnects, sub, pub] = r;
  sub.subscribe("room:1");
  sub.start();
  pub.start();
  auto run_until = [&](auto pred) { return r.run_until(pred); };
  ASSERT_TRUE(run_until([&] { return connects == 1 && pub.healthy(); }));
  pub.publish("room:1", "a");
  pub.publish("room:2", "not subscribed");
  pub.publish("room:1", "b");
  ASSERT_TRUE(run_until([&] { return got.size() == 2; }));
  EXPECT_EQ(got, (std::vector<std::string>{"room:1=a", "room:1=b"}));

  own.kill_hard();
  ASSERT_TRUE(run_until([&] { return disconnects == 1 && !pub.healthy(); }));
  pub.publish("room:1", "lost");  // at-most-once: dropped while down, and counted
  io.run_for(std::chrono::milliseconds(50));
  EXPECT_GE(pub.dropped(), 1u);
  own.start();
  ASSERT_TRUE(run_until([&] { return connects == 2 && pub.healthy(); }));
  sub.subscribe("room:3");
  io.run_for(std::chrono::milliseconds(100));
  pub.publish("room:1", "c");
  pub.publish("room:3", "d");
  ASSERT_TRUE(run_until([&] { return got.size() == 4; }));
  EXPECT_EQ(got[2], "room:1=c");
  EXPECT_EQ(got[3], "room:3=d");
  r.stop();
}

// A command's standard output (redis-cli, for what the server counted).
std::string run_command(const std::string& cmd) {
  std::string out;
  if (FILE* f = popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (auto n = fread(buf, 1, sizeof buf, f)) out.append(buf, n);
    pclose(f);
  }
  return out;
}

// The rate-limit script goes to Redis by its digest once Redis holds it;
// when Redis forgets it (SCRIPT FLUSH, as after a restart) one request is
// decided locally and the next sends the text again: the shared bucket is
// the same throughout, whichever instance asks.
TEST(Redis, TheRateLimitScriptGoesByDigestAndIsSentAgainWhenRedisForgetsIt) {
  redis_server own;
  redis_pair r(own);
  r.pub.start();
  ASSERT_TRUE(r.run_until([&] { return r.pub.healthy(); }));
  ratelimit::settings s;
  s.write = {3, 0.001};  // 3 in a burst, then none for the test's length
  s.redis_timeout = std::chrono::milliseconds(1000);
  ratelimit::limiter a(&r.pub, s), b(&r.pub, s);
  auto take = [&](ratelimit::limiter& l) {
    std::optional<bool> allowed;
    asio::co_spawn(
        r.io, [&]() -> awaitable<void> { allowed = (co_await l.take("user:7", ratelimit::action::post)).allowed; },
        asio::detached);
    EXPECT_TRUE(r.run_until([&] { return allowed.has_value(); }));
    return allowed.value_or(false);
  };
  auto evalsha_calls = [&] {
    auto out = run_command("redis-cli -p " + std::to_string(own.port()) + " INFO commandstats");
    auto at = out.find("cmdstat_evalsha:calls=");
    return at == std::string::npos ? 0 : std::stoi(out.substr(at + 22));
  };
  EXPECT_TRUE(take(a));   // EVAL: Redis now holds the script
  EXPECT_TRUE(take(a));   // EVALSHA
  EXPECT_TRUE(take(a));   // EVALSHA
  EXPECT_FALSE(take(b));  // the other instance sees the same bucket
  EXPECT_FALSE(take(b));
  EXPECT_EQ(evalsha_calls(), 3);
  r.pub.command({"SCRIPT", "FLUSH"});
  r.io.run_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(take(a));  // NOSCRIPT: decided by a's local bucket, which a's three takes emptied
  EXPECT_FALSE(take(a));  // EVAL again: the shared bucket is still empty
  EXPECT_FALSE(take(a));  // EVALSHA
  EXPECT_EQ(evalsha_calls(), 5);
  r.stop();
}

TEST(Redis, ASubscriptionIsReportedReadyAndSurvivesAnUnsubscribeInFlight) {
  redis_server own;
  redis_pair r(own);
  auto& [io, o, got, connects, disconnects, sub, pub] = r;
  sub.start();
  pub.start();
  auto run_until = [&](auto pred) { return r.run_until(pred); };
  ASSERT_TRUE(run_until([&] { return connects == 1 && pub.healthy(); }));
  // Ready means live: Redis counts the subscriber, and a message published
  // from the callback arrives.
  bool ready = false;
  std::string subscribers;
  sub.subscribe("room:1", [&] {
    ready = true;
    subscribers = run_checked({"redis-cli", "-p", std::to_string(own.port()), "PUBSUB", "NUMSUB", "room:1"});
    pub.publish("room:1", "first");
  });
  ASSERT_TRUE(run_until([&] { return got.size() == 1; }));
  EXPECT_TRUE(ready);
  EXPECT_EQ(subscribers, "room:1\n1\n");
  // Leave and come back before Redis answered the UNSUBSCRIBE: hiredis would
  // drop the channel's callback when that answer arrives; the channel must
  // still deliver afterwards.
  int ready_again = 0;
  for (int round = 0; round < 20; ++round) {
    sub.unsubscribe("room:1");
    sub.subscribe("room:1", [&] { ++ready_again; });
  }
  ASSERT_TRUE(run_until([&] { return ready_again == 20; }));
  pub.publish("room:1", "second");
  ASSERT_TRUE(run_until([&] { return got.size() == 2; }));
  EXPECT_EQ(got[1], "room:1=second");
  // Already live: ready at once (on the subscriber's strand).
  bool again = false;
  sub.subscribe("room:1", [&] { again = true; });
  ASSERT_TRUE(run_until([&] { return again; }));
  r.stop();
}

}  // namespace
