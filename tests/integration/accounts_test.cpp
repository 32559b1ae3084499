// End-to-end: the groups service's accounts API over real HTTP, with a real
// PostgreSQL and Redis.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "colibri/test/client.hpp"
#include "colibri/test/servers.hpp"

using namespace colibri::test;

namespace {

std::string reg_body(const std::string& email, const std::string& handle,
                     const std::string& password = "un mot de passe") {
  return R"({"email":")" + email + R"(","password":")" + password + R"(","handle":")" + handle + R"("})";
}

class Accounts : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }

  void start(std::map<std::string, std::string> extra, postgres_server* pg = nullptr) {
    pg_ = pg ? pg : &shared_postgres();
    if (db_url_.empty()) db_url_ = pg_->create_database();
    auto env = service_env(db_url_, shared_redis().port());
    for (auto& [k, v] : extra) env[k] = v;
    svc_.reset();
    svc_ = std::make_unique<service_process>("groups", env, free_port());
    svc_->wait_healthy();
  }

  http_result post(const std::string& target, const std::string& body, const std::string& token = {},
                   std::map<std::string, std::string> headers = {}) {
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    return http_call(svc_->port(), "POST", target, body, headers);
  }
  http_result get(const std::string& target, const std::string& token) {
    return http_get(svc_->port(), target, {{"Authorization", "Bearer " + token}});
  }
  std::string register_user(const std::string& email, const std::string& handle) {
    auto r = post("/api/v1/auth/register", reg_body(email, handle));
    EXPECT_EQ(r.status, 201) << r.body;
    return json_at(r.body, "token").value_or("");
  }
  std::string db_name() const { return db_url_.substr(db_url_.rfind('/') + 1); }
  int user_count() { return std::stoi(pg_->psql(db_name(), "SELECT count(*) FROM users")); }

  postgres_server* pg_ = nullptr;
  std::string db_url_;
  std::unique_ptr<service_process> svc_;
};

TEST_F(Accounts, RegisterLoginMeLogout) {
  auto r = post("/api/v1/auth/register", reg_body("marie@example.fr", "Marie Ève"));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json; charset=utf-8");
  auto token = *json_at(r.body, "token");
  EXPECT_EQ(token.size(), 43u);
  EXPECT_EQ(json_at(r.body, "user.handle"), "Marie Ève");
  EXPECT_EQ(json_at(r.body, "user.locale"), "fr");
  EXPECT_EQ(json_at(r.body, "user.timezone"), "Europe/Paris");
  EXPECT_EQ(json_at(r.body, "user.is_admin"), "false");
  EXPECT_FALSE(json_at(r.body, "user.password_hash"));

  auto me = get("/api/v1/me", token);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(json_at(me.body, "user.email"), "marie@example.fr");

  auto login = post("/api/v1/auth/login", R"({"email":"MARIE@example.fr","password":"un mot de passe"})");
  ASSERT_EQ(login.status, 200) << login.body;
  auto second = *json_at(login.body, "token");
  EXPECT_NE(second, token);

  EXPECT_EQ(post("/api/v1/auth/logout", "", token).status, 204);
  auto dead = get("/api/v1/me", token);
  EXPECT_EQ(dead.status, 401);
  EXPECT_EQ(json_at(dead.body, "error.code"), "unauthenticated");
  EXPECT_EQ(post("/api/v1/auth/logout", "", token).status, 401);
  // Only that session ended.
  EXPECT_EQ(get("/api/v1/me", second).status, 200);
  // Only a hash of the token is stored.
  auto stored = pg_->psql(db_name(), "SELECT string_agg(token_hash, ',') FROM sessions");
  EXPECT_EQ(stored.find(token), std::string::npos);
}

TEST_F(Accounts, DuplicateEmailOrHandleIsAConflictCaseInsensitively) {
  register_user("paul@example.fr", "Élodie");
  auto e = post("/api/v1/auth/register", reg_body("PAUL@Example.fr", "autre"));
  EXPECT_EQ(e.status, 409);
  EXPECT_EQ(json_at(e.body, "error.code"), "conflict");
  EXPECT_EQ(json_at(e.body, "error.field"), "email");
  auto h = post("/api/v1/auth/register", reg_body("other@example.fr", "élodie"));
  EXPECT_EQ(h.status, 409);
  EXPECT_EQ(json_at(h.body, "error.field"), "handle");
  EXPECT_EQ(user_count(), 1);
}

TEST_F(Accounts, NobodyTakesTheErasedMembersNameOrALookAlikeOfAnotherAlphabet) {
  // Audit F15: a live "Membre supprimé" passes as an erased member; a
  // Cyrillic "о" in "Mоdératrice" passes as the real moderator.
  register_user("modo@example.fr", "Modératrice");
  for (const auto* handle : {"Membre supprimé", "membre_supprime", "M\u043Ed\u00E9ratrice"}) {
    auto r = post("/api/v1/auth/register", reg_body("x@example.fr", handle));
    EXPECT_EQ(r.status, 400) << handle << " " << r.body;
    EXPECT_EQ(json_at(r.body, "error.field"), "handle");
  }
  auto token = register_user("y@example.fr", "Yann");
  std::map<std::string, std::string> auth{{"Authorization", "Bearer " + token}};
  EXPECT_EQ(http_call(svc_->port(), "PATCH", "/api/v1/me", R"({"handle":"Membre Supprimé"})", auth).status, 400);
  EXPECT_EQ(user_count(), 2);
}

TEST_F(Accounts, WrongPasswordAndUnknownEmailGetTheSameAnswer) {
  register_user("lea@example.fr", "Léa");
  auto wrong = post("/api/v1/auth/login", R"({"email":"lea@example.fr","password":"pas le bon"})");
  auto unknown = post("/api/v1/auth/login", R"({"email":"nobody@example.fr","password":"pas le bon"})");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.body, unknown.body);
}

TEST_F(Accounts, BadInputGetsClearErrorsAndStoresNothing) {
  auto bad_json = post("/api/v1/auth/register", R"({"email": "a@b.fr", )");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(json_at(bad_json.body, "error.code"), "invalid_json");

  std::string big =
      R"({"email":"a@example.fr","password":"un mot de passe","handle":")" + std::string(70 * 1024, 'x') + "\"}";
  auto too_large = post("/api/v1/auth/register", big);
  EXPECT_EQ(too_large.status, 413);
  EXPECT_EQ(json_at(too_large.body, "error.code"), "payload_too_large");

  auto utf8 = post("/api/v1/auth/register",
                   "{\"email\":\"a@example.fr\",\"password\":\"un mot de passe\",\"handle\":\"x\xC3\x28y\"}");
  EXPECT_EQ(utf8.status, 400);
  EXPECT_EQ(json_at(utf8.body, "error.code"), "invalid_json");

  struct field_case {
    std::string body, field;
  };
  std::vector<field_case> cases = {
      {R"({"email":"not-an-email","password":"un mot de passe","handle":"Zoé"})", "email"},
      {R"({"email":"z@example.fr","password":"court","handle":"Zoé"})", "password"},
      {R"({"email":"z@example.fr","password":"un mot de passe","handle":"Z"})", "handle"},
      {R"({"email":"z@example.fr","password":"un mot de passe","handle":"Zoé 🚭"})", "handle"},
      {R"({"email":"z@example.fr","password":"un mot de passe","handle":"Zoé","locale":"de"})", "locale"},
      {R"({"email":"z@example.fr","password":"un mot de passe","handle":"Zoé","timezone":"Mars/Olympus"})", "timezone"},
      {R"({"email":42,"password":"un mot de passe","handle":"Zoé"})", "email"},
      {R"({"password":"un mot de passe","handle":"Zoé"})", "email"},
      {R"({"email":"z@example.fr","password":"un mot de passe","handle":"Zoé","invitation":"abc"})", "invitation"},
  };
  for (const auto& c : cases) {
    auto r = post("/api/v1/auth/register", c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_EQ(json_at(r.body, "error.code"), "validation_failed") << r.body;
    EXPECT_EQ(json_at(r.body, "error.field"), c.field) << r.body;
    EXPECT_TRUE(json_at(r.body, "error.message").has_value());
  }
  auto not_object = post("/api/v1/auth/login", "[1,2]");
  EXPECT_EQ(json_at(not_object.body, "error.code"), "invalid_json");
  EXPECT_EQ(user_count(), 0);
}

TEST_F(Accounts, MessagesFollowAcceptLanguage) {
  auto fr = post("/api/v1/auth/login", "{");
  auto en = post("/api/v1/auth/login", "{", {}, {{"Accept-Language", "en-GB,en;q=0.9"}});
  EXPECT_NE(fr.body, en.body);
  EXPECT_EQ(json_at(en.body, "error.message"), "The request body is not valid JSON.");
}

TEST_F(Accounts, UnknownRoutesAndMethods) {
  auto r = http_get(svc_->port(), "/api/v1/nothing-here");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json_at(r.body, "error.code"), "not_found");
  auto m = http_call(svc_->port(), "DELETE", "/api/v1/auth/login");
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.header("allow"), "POST");
  EXPECT_EQ(get("/api/v1/me", "not-a-token").status, 401);
  EXPECT_EQ(http_get(svc_->port(), "/api/v1/me").status, 401);
}

TEST_F(Accounts, PatchMe) {
  auto token = register_user("ines@example.fr", "Inès");
  register_user("taken@example.fr", "Pris");
  auto r = http_call(svc_->port(), "PATCH", "/api/v1/me",
                     R"({"handle":"Inès B","locale":"en","timezone":"America/Guadeloupe"})",
                     {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_at(r.body, "user.handle"), "Inès B");
  EXPECT_EQ(json_at(r.body, "user.timezone"), "America/Guadeloupe");
  auto taken =
      http_call(svc_->port(), "PATCH", "/api/v1/me", R"({"handle":"PRIS"})", {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(taken.status, 409);
  auto bad = http_call(svc_->port(), "PATCH", "/api/v1/me", R"({"timezone":"../../etc/passwd"})",
                       {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json_at(bad.body, "error.field"), "timezone");
  // Nothing changed by the refused requests.
  EXPECT_EQ(json_at(get("/api/v1/me", token).body, "user.handle"), "Inès B");
}

TEST_F(Accounts, LoginIsThrottledPerAccount) {
  start({{"COLIBRI_LOGIN_MAX_FAILURES_PER_ACCOUNT", "3"}});
  register_user("sam@example.fr", "Sam");
  register_user("eve@example.fr", "Eve");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(post("/api/v1/auth/login", R"({"email":"sam@example.fr","password":"wrong-one"})").status, 401);
  auto limited = post("/api/v1/auth/login", R"({"email":"sam@example.fr","password":"un mot de passe"})");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(json_at(limited.body, "error.code"), "rate_limited");
  EXPECT_FALSE(limited.header("retry-after").empty());
  // Another account from the same address is not affected.
  EXPECT_EQ(post("/api/v1/auth/login", R"({"email":"eve@example.fr","password":"un mot de passe"})").status, 200);
}

TEST_F(Accounts, TheLoginThrottleCountsEverySpellingThatFindsTheAccountAsOne) {
  // F4: the throttle key folded ASCII only, the lookup Unicode: after the
  // limit, the address written with the Kelvin sign (U+212A) logged in.
  start({{"COLIBRI_LOGIN_MAX_FAILURES_PER_ACCOUNT", "3"}});
  register_user("kiki@example.fr", "Kiki");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(post("/api/v1/auth/login", R"({"email":"kiki@example.fr","password":"wrong-one"})").status, 401);
  for (auto spelling : {"\u212Aiki@example.fr", "KIKI@EXAMPLE.FR", "k\u0130ki@example.fr"}) {
    auto r = post("/api/v1/auth/login", std::string(R"({"email":")") + spelling + R"(","password":"un mot de passe"})");
    EXPECT_EQ(r.status, 429) << spelling << " " << r.body;
  }
  // An unknown address is throttled by the lookup's own folding too.
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(post("/api/v1/auth/login", R"({"email":"inconnu@example.fr","password":"x"})").status, 401);
  EXPECT_EQ(post("/api/v1/auth/login", R"({"email":"INCONNU@example.fr","password":"x"})").status, 429);
}

TEST_F(Accounts, SixtyParallelWrongLoginsYieldAtMostTheAllowedFailuresBeforeTheFirst429) {
  // F4: the check, the argon2 verification and the count were three steps:
  // parallel attempts all passed the check before any failure was counted.
  start({{"COLIBRI_LOGIN_MAX_FAILURES_PER_ACCOUNT", "10"}, {"COLIBRI_HASH_QUEUE_MAX", "1000"}});
  register_user("cible@example.fr", "Cible");
  std::atomic<int> unauthorized{0}, limited{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 60; ++i)
    threads.emplace_back([&] {
      auto r = post("/api/v1/auth/login", R"({"email":"cible@example.fr","password":"devine"})");
      (r.status == 401 ? unauthorized : r.status == 429 ? limited : other)++;
    });
  for (auto& t : threads) t.join();
  EXPECT_LE(unauthorized.load(), 10);
  EXPECT_EQ(unauthorized + limited, 60);
  EXPECT_EQ(other.load(), 0);
}

TEST_F(Accounts, PasswordHashingQueueIsBoundedAnd503sPastIt) {
  // The hash is costly (argon2id): past the queue bound a request is
  // answered 503 at once rather than waiting behind hundreds of others.
  start({{"COLIBRI_HASH_QUEUE_MAX", "1"}, {"COLIBRI_CPU_THREADS", "1"}, {"COLIBRI_ARGON2_OPSLIMIT", "8"}});
  std::atomic<int> ok{0}, unavailable{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      auto r =
          post("/api/v1/auth/register", reg_body("q" + std::to_string(i) + "@example.fr", "q" + std::to_string(i)));
      if (r.status == 201) ++ok;
      if (r.status == 503 && !r.header("retry-after").empty()) ++unavailable;
    });
  for (auto& t : threads) t.join();
  EXPECT_GE(ok.load(), 1);
  EXPECT_GE(unavailable.load(), 1);
  EXPECT_EQ(ok + unavailable, 8);
  EXPECT_EQ(user_count(), ok.load());
}

TEST_F(Accounts, RegistrationsAreLimitedPerAddressWithIPv6ByItsSlash64) {
  start({{"COLIBRI_RATE_REGISTER_PER_ADDRESS", "3/3600"}});
  auto from = [&](const std::string& ip, int i) {
    return post("/api/v1/auth/register", reg_body("r" + std::to_string(i) + "@example.fr", "r" + std::to_string(i)), {},
                {{"X-Real-IP", ip}})
        .status;
  };
  EXPECT_EQ(from("2001:db8:5:6::1", 1), 201);
  EXPECT_EQ(from("2001:db8:5:6::2", 2), 201);
  EXPECT_EQ(from("2001:db8:5:6:ffff::3", 3), 201);
  EXPECT_EQ(from("2001:db8:5:6::4", 4), 429);  // the same /64
  EXPECT_EQ(from("2001:db8:5:7::1", 5), 201);  // another /64
  EXPECT_EQ(from("198.51.100.9", 6), 201);
}

// A Redis that stops answering (or answers past COLIBRI_RATE_REDIS_TIMEOUT_MS,
// as under load) leaves the decision to the process's own bucket, which has
// been charged with what Redis allowed: the limit holds.
TEST_F(Accounts, AnAddressLimitHoldsWhenRedisStopsAnswering) {
  start({{"COLIBRI_RATE_REGISTER_PER_ADDRESS", "3/3600"}});
  auto from = [&](int i) {
    return post("/api/v1/auth/register", reg_body("s" + std::to_string(i) + "@example.fr", "s" + std::to_string(i)), {},
                {{"X-Real-IP", "203.0.113.7"}})
        .status;
  };
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(from(i), 201) << i;
  shared_redis().pause();
  struct resume_at_exit {
    ~resume_at_exit() { shared_redis().resume(); }
  } resume;
  EXPECT_EQ(from(4), 429);
}

TEST_F(Accounts, OnlyTheOperatorMakesAdminsAndOnlyOfVerifiedAccounts) {
  // Audit F2: registering an address listed in COLIBRI_ADMIN_EMAILS before
  // its owner made you an admin. The setting is gone; an old one is ignored.
  start({{"COLIBRI_ADMIN_EMAILS", "ops@example.fr"}});
  auto reg = post("/api/v1/auth/register", reg_body("OPS@example.fr", "Ops"));
  ASSERT_EQ(reg.status, 201) << reg.body;
  EXPECT_EQ(json_at(reg.body, "user.is_admin"), "false");
  auto token = *json_at(reg.body, "token");
  auto admin = [&](const std::string& action, const std::string& email) {
    auto cmd = "COLIBRI_PG_URL='" + db_url_ + "' " + bin_dir() + "/colibri-admin " + action + " '" + email +
               "' >/dev/null 2>&1";
    return WEXITSTATUS(std::system(cmd.c_str()));
  };
  EXPECT_EQ(admin("grant", "ops@example.fr"), 1);  // not verified
  EXPECT_EQ(json_at(get("/api/v1/me", token).body, "user.is_admin"), "false");
  pg_->psql(db_name(), "UPDATE users SET email_verified_at = now()");
  EXPECT_EQ(admin("grant", "Ops@Example.fr"), 0);
  EXPECT_EQ(json_at(get("/api/v1/me", token).body, "user.is_admin"), "true");
  EXPECT_EQ(admin("revoke", "ops@example.fr"), 0);
  EXPECT_EQ(json_at(get("/api/v1/me", token).body, "user.is_admin"), "false");
  EXPECT_EQ(admin("grant", "nobody@example.fr"), 1);
  EXPECT_EQ(admin("promote", "ops@example.fr"), 2);
}

TEST_F(Accounts, PasswordsAreArgon2idAndRehashedAtLoginWhenTheCostRises) {
  register_user("rita@example.fr", "Rita");
  auto hash = pg_->psql(db_name(), "SELECT password_hash FROM users");
  EXPECT_EQ(hash.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << hash;
  start({{"COLIBRI_ARGON2_OPSLIMIT", "3"}});
  EXPECT_EQ(post("/api/v1/auth/login", R"({"email":"rita@example.fr","password":"un mot de passe"})").status, 200);
  hash = pg_->psql(db_name(), "SELECT password_hash FROM users");
  EXPECT_EQ(hash.rfind("$argon2id$v=19$m=19456,t=3,p=1$", 0), 0u) << hash;
  // The new hash still verifies.
  EXPECT_EQ(post("/api/v1/auth/login", R"({"email":"rita@example.fr","password":"un mot de passe"})").status, 200);
}

TEST_F(Accounts, PasswordsAndTokensNeverReachTheLogs) {
  auto r = post("/api/v1/auth/register", reg_body("secret@example.fr", "Secret", "tres-secret-42"));
  auto token = *json_at(r.body, "token");
  post("/api/v1/auth/login", R"({"email":"secret@example.fr","password":"tres-secret-42"})");
  get("/api/v1/me", token);
  post("/api/v1/auth/logout", "", token);
  auto log = svc_->proc().log_tail(1 << 20);
  EXPECT_NE(log.find("account created"), std::string::npos);
  EXPECT_EQ(log.find("tres-secret-42"), std::string::npos);
  EXPECT_EQ(log.find(token), std::string::npos);
}

TEST_F(Accounts, PostgresOutageGives503ThenServesAgainByItself) {
  postgres_server own;  // stopped and started by this test only
  db_url_.clear();
  start({}, &own);
  auto token = register_user("zoe@example.fr", "Zoé");
  own.stop();
  auto down = get("/api/v1/me", token);
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(json_at(down.body, "error.code"), "unavailable");
  EXPECT_FALSE(down.header("retry-after").empty());
  EXPECT_EQ(down.body.find("SQL"), std::string::npos);
  auto ready = http_get(svc_->port(), "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(json_at(ready.body, "checks.postgresql"), "down");
  EXPECT_EQ(post("/api/v1/auth/register", reg_body("late@example.fr", "Late")).status, 503);

  own.start();
  int status = 0;
  for (int i = 0; i < 150 && status != 200; ++i) {
    status = get("/api/v1/me", token).status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 200);
  EXPECT_EQ(http_get(svc_->port(), "/readyz").status, 200);
  // The refused registration left nothing behind; it can be done now.
  EXPECT_EQ(post("/api/v1/auth/register", reg_body("late@example.fr", "Late")).status, 201);
  svc_.reset();  // before `own` goes away
}

TEST_F(Accounts, ADatabaseThatStopsAnsweringGets503sAndAnUnreadyReadyzThenRecovers) {
  // F24: a blackholed PostgreSQL kept requests queued behind 2 s connects
  // (up to ~1,000 s), and /readyz queued its probe behind them.
  postgres_server own;
  db_url_.clear();
  start({}, &own);
  auto token = register_user("ines@example.fr", "Inès");
  own.pause();
  // Many readers at once: the first ones hold the pool's connections, the
  // others are answered 503 instead of waiting with them.
  std::vector<std::thread> readers;
  std::atomic<int> unavailable{0}, other{0};
  for (int i = 0; i < 16; ++i)
    readers.emplace_back([&] {
      auto r = http_call(svc_->port(), "GET", "/api/v1/me", {}, {{"Authorization", "Bearer " + token}},
                         std::chrono::seconds(60));
      (r.status == 503 ? unavailable : other)++;
    });
  // /readyz answers (it never queues behind the database) and says why.
  int ready_status = 0;
  std::string ready_body;
  for (int i = 0; i < 100 && ready_status != 503; ++i) {
    auto r = http_call(svc_->port(), "GET", "/readyz", {}, {}, std::chrono::seconds(5));
    ready_status = r.status;
    ready_body = r.body;
    if (ready_status != 503) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(ready_status, 503);
  EXPECT_EQ(json_at(ready_body, "checks.postgresql"), "down");
  EXPECT_FALSE(json_at(ready_body, "checks.redis")) << "the REST service serves without Redis";
  // While it hangs, new requests are refused at once.
  bool refused = false;
  for (int i = 0; i < 50 && !refused; ++i) {
    auto r = http_call(svc_->port(), "GET", "/api/v1/me", {}, {{"Authorization", "Bearer " + token}},
                       std::chrono::seconds(5));
    refused = r.status == 503;
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  own.resume();
  for (auto& t : readers) t.join();
  EXPECT_TRUE(refused) << "a request waited behind the stalled database";
  EXPECT_GE(unavailable.load(), 8);
  int status = 0;
  for (int i = 0; i < 150 && status != 200; ++i) {
    status = get("/api/v1/me", token).status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 200);
  svc_.reset();
}

TEST_F(Accounts, ChangingThePasswordNeedsTheCurrentOneAndEndsEveryOtherSession) {
  auto phone = register_user("paul@example.fr", "Paul");
  auto laptop =
      *json_at(post("/api/v1/auth/login", R"({"email":"paul@example.fr","password":"un mot de passe"})").body, "token");
  auto put = [&](const std::string& body, const std::string& token) {
    return http_call(svc_->port(), "PUT", "/api/v1/me/password", body, {{"Authorization", "Bearer " + token}});
  };
  auto wrong = put(R"({"current_password":"pas le bon","password":"nouveau secret"})", phone);
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(json_at(wrong.body, "error.field"), "current_password");
  auto short_one = put(R"({"current_password":"un mot de passe","password":"court"})", phone);
  EXPECT_EQ(short_one.status, 400);
  EXPECT_EQ(json_at(short_one.body, "error.field"), "password");
  EXPECT_EQ(get("/api/v1/me", laptop).status, 200);  // nothing changed so far
  EXPECT_EQ(put(R"({"current_password":"un mot de passe","password":"nouveau secret"})", phone).status, 204);
  EXPECT_EQ(get("/api/v1/me", phone).status, 200);   // this session goes on
  EXPECT_EQ(get("/api/v1/me", laptop).status, 401);  // every other one ended
  EXPECT_EQ(post("/api/v1/auth/login", R"({"email":"paul@example.fr","password":"un mot de passe"})").status, 401);
  EXPECT_EQ(post("/api/v1/auth/login", R"({"email":"paul@example.fr","password":"nouveau secret"})").status, 200);
}

TEST_F(Accounts, ErasureAsksForThePasswordAndGuessesAreThrottled) {
  // F15 of the audit: DELETE /api/v1/me needed only the bearer token.
  start({{"COLIBRI_LOGIN_MAX_FAILURES_PER_ACCOUNT", "3"}});
  auto token = register_user("lea@example.fr", "Léa");
  auto del = [&](const std::string& body) {
    return http_call(svc_->port(), "DELETE", "/api/v1/me", body, {{"Authorization", "Bearer " + token}});
  };
  auto missing = del("");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(json_at(missing.body, "error.field"), "password");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(del(R"({"password":"essai"})").status, 403);
  EXPECT_EQ(del(R"({"password":"un mot de passe"})").status, 429);  // the account's throttle
  EXPECT_EQ(user_count(), 1);
  EXPECT_EQ(get("/api/v1/me", token).status, 200);
  EXPECT_EQ(std::stoi(pg_->psql(db_name(), "SELECT count(*) FROM users WHERE deleted_at IS NOT NULL")), 0);
  pg_->psql(db_name(), "DELETE FROM login_throttle");
  EXPECT_EQ(del(R"({"password":"un mot de passe"})").status, 202);
  EXPECT_EQ(get("/api/v1/me", token).status, 401);
}

TEST_F(Accounts, ASessionUnusedForThirtyDaysHasExpired) {
  auto idle = register_user("idle@example.fr", "Dormeur");
  auto recent =
      *json_at(post("/api/v1/auth/login", R"({"email":"idle@example.fr","password":"un mot de passe"})").body, "token");
  pg_->psql(db_name(),
            "UPDATE sessions SET last_seen_at = now() - interval '31 days' WHERE id = (SELECT min(id) FROM sessions)");
  pg_->psql(db_name(),
            "UPDATE sessions SET last_seen_at = now() - interval '29 days' WHERE id = (SELECT max(id) FROM sessions)");
  EXPECT_EQ(get("/api/v1/me", idle).status, 401);
  EXPECT_EQ(get("/api/v1/me", recent).status, 200);
}

TEST_F(Accounts, AnAdminSuspendsAnAccountItsSessionsEndAndLoginSaysWhyThenLiftsIt) {
  auto admin = register_user("admin@example.fr", "Admin");
  pg_->psql(db_name(), "UPDATE users SET is_admin = true WHERE email = 'admin@example.fr'");
  auto user = register_user("tom@example.fr", "Tom");
  auto uid = pg_->psql(db_name(), "SELECT id FROM users WHERE email = 'tom@example.fr'");
  uid.erase(uid.find_last_not_of(" \n") + 1);
  auto path = "/api/v1/admin/users/" + uid + "/suspend";
  auto as = [](const std::string& t) { return std::map<std::string, std::string>{{"Authorization", "Bearer " + t}}; };
  EXPECT_EQ(http_call(svc_->port(), "POST", path, R"({"reason":"spam"})", as(user)).status, 403);  // not an admin
  EXPECT_EQ(http_call(svc_->port(), "POST", path, "{}", as(admin)).status, 400);                   // a reason is needed
  EXPECT_EQ(
      http_call(svc_->port(), "POST", "/api/v1/admin/users/987654/suspend", R"({"reason":"x"})", as(admin)).status,
      404);
  ASSERT_EQ(http_call(svc_->port(), "POST", path, R"({"reason":"Messages insultants répétés"})", as(admin)).status,
            204);
  EXPECT_EQ(get("/api/v1/me", user).status, 401);  // every session ended
  auto refused = post("/api/v1/auth/login", R"({"email":"tom@example.fr","password":"un mot de passe"})");
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(json_at(refused.body, "error.message").value_or("").find("Messages insultants répétés"), std::string::npos);
  // A wrong password learns nothing of the suspension.
  auto wrong = post("/api/v1/auth/login", R"({"email":"tom@example.fr","password":"pas le bon"})");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(std::stoi(pg_->psql(db_name(), "SELECT count(*) FROM admin_audit WHERE action = 'suspend'")), 1);
  ASSERT_EQ(http_call(svc_->port(), "DELETE", path, "", as(admin)).status, 204);
  EXPECT_EQ(post("/api/v1/auth/login", R"({"email":"tom@example.fr","password":"un mot de passe"})").status, 200);
  EXPECT_EQ(std::stoi(pg_->psql(db_name(), "SELECT count(*) FROM admin_audit")), 2);
}

}  // namespace
