// Accounts people can recover (issue 14, items 1 and 2; audit F2, F10):
// email verification, password reset and email change, by links mailed
// through the whole path (the outbox, the scheduler leader's sender,
// libcurl's SMTP) to a real SMTP server (the local stack's mail catcher).
#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "colibri/test/client.hpp"
#include "colibri/test/mail.hpp"
#include "colibri/test/servers.hpp"

namespace colibri::test {
namespace {

const std::string k_password = "un mot de passe";

class Recovery : public ::testing::Test {
 protected:
  void SetUp() override {
    db_url_ = shared_postgres().create_database();
    auto env = service_env(db_url_, shared_redis().port());
    env["COLIBRI_PUBLIC_URL"] = "https://colibri.example";
    env["COLIBRI_SEED_GROUPS"] = "false";
    groups_ = std::make_unique<service_process>("groups", env, free_port());
    groups_->wait_healthy();
    env["COLIBRI_SMTP_URL"] = catcher_.url();
    env["COLIBRI_MAIL_FROM"] = "Colibri <no-reply@colibri.example>";
    env["COLIBRI_MAIL_POLL_MS"] = "100";
    badges_ = std::make_unique<service_process>("badges", env, free_port());
    badges_->wait_healthy();
  }

  std::string db_name() const { return db_url_.substr(db_url_.rfind('/') + 1); }
  std::string one(const std::string& q) {
    auto s = shared_postgres().psql(db_name(), q);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
  http_result call(const std::string& method, const std::string& target, const std::string& body,
                   const std::string& token = {}) {
    std::map<std::string, std::string> h;
    if (!token.empty()) h["Authorization"] = "Bearer " + token;
    return http_call(groups_->port(), method, target, body, h);
  }
  // Registers; returns {token, id}.
  std::pair<std::string, std::string> enrol(const std::string& email, const std::string& handle,
                                            const std::string& extra = "") {
    auto r = call(
        "POST", "/api/v1/auth/register",
        R"({"email":")" + email + R"(","password":")" + k_password + R"(","handle":")" + handle + "\"" + extra + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    return {json_at(r.body, "token").value_or(""), json_at(r.body, "user.id").value_or("0")};
  }
  int login(const std::string& email, const std::string& password) {
    return call("POST", "/api/v1/auth/login", R"({"email":")" + email + R"(","password":")" + password + "\"}").status;
  }
  // The link token of the first mail to `to` holding a `#/route?token=` link.
  std::string mailed_token(const std::string& to, const std::string& route) {
    auto m = catcher_.wait_for(to, "#/" + route + "?token=");
    EXPECT_TRUE(m) << "no " << route << " mail to " << to;
    return m ? link_token(m->text, route) : std::string();
  }
  // Waits (bounded) until the outbox has nothing left to send.
  bool outbox_drained() {
    for (int i = 0; i < 300; ++i) {
      if (one("SELECT count(*) FROM mail_outbox") == "0") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  void expect_logs_clean(const std::vector<std::string>& needles) {
    for (const auto* svc : {groups_.get(), badges_.get()}) {
      auto log = svc->log_text();
      for (const auto& n : needles) EXPECT_EQ(log.find(n), std::string::npos) << "a log holds " << n;
    }
  }

  mail_catcher catcher_;
  std::string db_url_;
  std::unique_ptr<service_process> groups_, badges_;
};

TEST_F(Recovery, ANewAccountIsVerifiedByTheLinkMailedToItsAddressOnce) {
  auto [token, id] = enrol("lea@example.fr", "Léa");
  EXPECT_EQ(json_at(call("GET", "/api/v1/me", "", token).body, "user.email_verified"), "false");
  auto m = catcher_.wait_for("lea@example.fr", "#/verify?token=");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->subject, "Bienvenue sur Colibri : confirmez votre adresse e-mail");
  EXPECT_NE(m->text.find("Bonjour Léa"), std::string::npos) << m->text;
  // The token travels in the fragment, after the public address.
  EXPECT_NE(m->text.find("https://colibri.example/#/verify?token="), std::string::npos) << m->text;
  auto link = link_token(m->text, "verify");
  ASSERT_EQ(link.size(), 43u);
  EXPECT_EQ(one("SELECT count(*) FROM account_tokens WHERE token_hash = '" + link + "'"), "0");  // stored hashed
  EXPECT_EQ(call("POST", "/api/v1/auth/verify", R"({"token":")" + link + "\"}").status, 204);
  EXPECT_EQ(json_at(call("GET", "/api/v1/me", "", token).body, "user.email_verified"), "true");
  // Single use; a malformed or unknown token gets the same clear answer.
  for (const auto& t : {link, std::string("not-a-token"), std::string(43, 'A')}) {
    auto again = call("POST", "/api/v1/auth/verify", R"({"token":")" + t + "\"}");
    EXPECT_EQ(again.status, 400) << again.body;
    EXPECT_EQ(json_at(again.body, "error.field"), "token");
  }
  // Sent mail leaves the outbox: no address or link stays behind.
  EXPECT_TRUE(outbox_drained());
  expect_logs_clean({"lea@example.fr", link});
}

TEST_F(Recovery, AResendSendsANewLinkAndTheOldOneStopsWorking) {
  auto [token, id] = enrol("tom@example.fr", "Tom");
  auto first = mailed_token("tom@example.fr", "verify");
  EXPECT_EQ(call("POST", "/api/v1/auth/verify/resend", "", token).status, 202);
  std::string second;
  for (int i = 0; i < 300 && (second.empty() || second == first); ++i) {
    for (const auto& m : catcher_.all())
      if (auto t = link_token(m.text, "verify"); !t.empty() && t != first) second = t;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(second.empty());
  EXPECT_EQ(call("POST", "/api/v1/auth/verify", R"({"token":")" + first + "\"}").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/auth/verify", R"({"token":")" + second + "\"}").status, 204);
  // Once proved, a resend sends nothing.
  EXPECT_TRUE(outbox_drained());
  auto before = catcher_.all().size();
  EXPECT_EQ(call("POST", "/api/v1/auth/verify/resend", "", token).status, 202);
  EXPECT_EQ(one("SELECT count(*) FROM mail_outbox"), "0");
  EXPECT_EQ(catcher_.all().size(), before);
  EXPECT_EQ(call("POST", "/api/v1/auth/verify/resend", "", "").status, 401);
}

TEST_F(Recovery, AResetAnswersAlikeForAnyAddressAndItsLinkSetsThePasswordOnceEndingEverySession) {
  auto [token, id] = enrol("nina@example.fr", "Nina");
  auto known = call("POST", "/api/v1/auth/password-reset", R"({"email":"NINA@example.fr"})");
  auto unknown = call("POST", "/api/v1/auth/password-reset", R"({"email":"personne@example.fr"})");
  EXPECT_EQ(known.status, 202);
  EXPECT_EQ(unknown.status, 202);
  EXPECT_EQ(known.body, unknown.body);
  auto link = mailed_token("nina@example.fr", "reset");
  ASSERT_EQ(link.size(), 43u);
  EXPECT_TRUE(outbox_drained());
  for (const auto& m : catcher_.all()) EXPECT_NE(m.to, "personne@example.fr");
  // Bad input: a short password, a bad link.
  auto weak = call("POST", "/api/v1/auth/password-reset/confirm", R"({"token":")" + link + R"(","password":"court"})");
  EXPECT_EQ(weak.status, 400);
  EXPECT_EQ(json_at(weak.body, "error.field"), "password");
  EXPECT_EQ(
      call("POST", "/api/v1/auth/password-reset/confirm", R"({"token":"x","password":"un nouveau secret"})").status,
      400);
  EXPECT_EQ(call("POST", "/api/v1/auth/password-reset/confirm",
                 R"({"token":")" + link + R"(","password":"un nouveau secret"})")
                .status,
            204);
  EXPECT_EQ(call("GET", "/api/v1/me", "", token).status, 401);  // every session ended
  EXPECT_EQ(login("nina@example.fr", k_password), 401);
  EXPECT_EQ(login("nina@example.fr", "un nouveau secret"), 200);
  auto reuse = call("POST", "/api/v1/auth/password-reset/confirm",
                    R"({"token":")" + link + R"(","password":"encore un autre"})");
  EXPECT_EQ(reuse.status, 400);
  EXPECT_EQ(json_at(reuse.body, "error.field"), "token");
  // The address was proved by the link.
  EXPECT_EQ(one("SELECT email_verified_at IS NOT NULL FROM users WHERE id = " + id), "t");
  // An expired link does nothing.
  ASSERT_EQ(call("POST", "/api/v1/auth/password-reset", R"({"email":"nina@example.fr"})").status, 202);
  std::string late;
  for (int i = 0; i < 300 && (late.empty() || late == link); ++i) {
    for (const auto& m : catcher_.all())
      if (auto t = link_token(m.text, "reset"); !t.empty() && t != link) late = t;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  one("UPDATE account_tokens SET expires_at = now() - interval '1 second'");
  EXPECT_EQ(
      call("POST", "/api/v1/auth/password-reset/confirm", R"({"token":")" + late + R"(","password":"encore un autre"})")
          .status,
      400);
  EXPECT_EQ(login("nina@example.fr", "un nouveau secret"), 200);
  expect_logs_clean({"nina@example.fr", "personne@example.fr", link, late});
}

TEST_F(Recovery, ResetRequestsFloodNoInboxAndStillAnswerAlike) {
  enrol("sam@example.fr", "Sam");
  EXPECT_TRUE(outbox_drained());
  for (int i = 0; i < 12; ++i)
    EXPECT_EQ(call("POST", "/api/v1/auth/password-reset", R"({"email":"sam@example.fr"})").status, 202);
  EXPECT_TRUE(outbox_drained());
  int resets = 0;
  for (const auto& m : catcher_.all())
    resets += m.to == "sam@example.fr" && m.text.find("#/reset?token=") != std::string::npos;
  EXPECT_EQ(resets, 5);  // the recipient's budget: 5 an hour
}

TEST_F(Recovery, AnEmailChangeNeedsThePasswordAndCountsOnlyOnceTheNewAddressIsProved) {
  auto [token, id] = enrol("ana@example.fr", "Ana");
  auto other_session =
      json_at(call("POST", "/api/v1/auth/login", R"({"email":"ana@example.fr","password":")" + k_password + "\"}").body,
              "token")
          .value_or("");
  auto wrong = call("PUT", "/api/v1/me/email", R"({"password":"pas le bon","email":"ana.neuve@example.fr"})", token);
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(json_at(wrong.body, "error.field"), "password");
  auto bad =
      call("PUT", "/api/v1/me/email", R"({"password":")" + k_password + R"(","email":"pas une adresse"})", token);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json_at(bad.body, "error.field"), "email");
  ASSERT_EQ(
      call("PUT", "/api/v1/me/email", R"({"password":")" + k_password + R"(","email":"ana.neuve@example.fr"})", token)
          .status,
      202);
  EXPECT_EQ(call("GET", "/api/v1/me", "", other_session).status, 401);  // other sessions ended
  auto me = call("GET", "/api/v1/me", "", token).body;
  EXPECT_EQ(json_at(me, "user.email"), "ana@example.fr");  // not before it is proved
  EXPECT_EQ(json_at(me, "user.pending_email"), "ana.neuve@example.fr");
  EXPECT_EQ(login("ana.neuve@example.fr", k_password), 401);
  // The old address is told.
  EXPECT_TRUE(catcher_.wait_for("ana@example.fr", "Si ce n'était pas vous"));
  auto link = mailed_token("ana.neuve@example.fr", "verify");
  EXPECT_EQ(call("POST", "/api/v1/auth/verify", R"({"token":")" + link + "\"}").status, 204);
  me = call("GET", "/api/v1/me", "", token).body;
  EXPECT_EQ(json_at(me, "user.email"), "ana.neuve@example.fr");
  EXPECT_EQ(json_at(me, "user.email_verified"), "true");
  EXPECT_EQ(login("ana.neuve@example.fr", k_password), 200);
  EXPECT_EQ(login("ana@example.fr", k_password), 401);

  // An address another account uses: the same answer here, a word to its owner, nothing changes.
  enrol("bea@example.fr", "Béa");
  ASSERT_EQ(
      call("PUT", "/api/v1/me/email", R"({"password":")" + k_password + R"(","email":"BEA@example.fr"})", token).status,
      202);
  EXPECT_TRUE(catcher_.wait_for("BEA@example.fr", "déjà celle de votre compte"));
  EXPECT_EQ(json_at(call("GET", "/api/v1/me", "", token).body, "user.email"), "ana.neuve@example.fr");
  EXPECT_EQ(login("bea@example.fr", k_password), 200);
  expect_logs_clean({"ana@example.fr", "ana.neuve@example.fr", "bea@example.fr", link});
}

TEST_F(Recovery, AnEmailBoundInvitationCountsOnlyOnceTheAddressIsProved) {
  auto [root_token, root_id] = enrol("racine@example.fr", "Racine");
  one("UPDATE users SET is_admin = true WHERE id = " + root_id);
  auto group = call(
      "POST", "/api/v1/groups",
      R"({"name":"Espace pro","description":"d","rules":"Règle 1 : bienveillance.","join_policy":"invite","visibility":"listed"})",
      root_token);
  ASSERT_EQ(group.status, 201) << group.body;
  auto gid = *json_at(group.body, "group.id");
  auto inv = call("POST", "/api/v1/groups/" + gid + "/invitations", R"({"email":"docteure@example.fr"})", root_token);
  ASSERT_EQ(inv.status, 201) << inv.body;
  auto code = *json_at(inv.body, "invitation.code");
  auto reg = call("POST", "/api/v1/auth/register",
                  R"({"email":"docteure@example.fr","password":")" + k_password +
                      R"(","handle":"Docteure","invitation":")" + code + "\"}");
  ASSERT_EQ(reg.status, 201) << reg.body;
  EXPECT_EQ(json_at(reg.body, "invitation_pending"), "true");
  auto token = *json_at(reg.body, "token");
  auto uid = *json_at(reg.body, "user.id");
  EXPECT_EQ(one("SELECT count(*) FROM memberships WHERE user_id = " + uid), "0");
  auto early = call("POST", "/api/v1/invitations/" + code + "/accept", "", token);
  EXPECT_EQ(early.status, 403) << early.body;
  auto link = mailed_token("docteure@example.fr", "verify");
  EXPECT_EQ(call("POST", "/api/v1/auth/verify", R"({"token":")" + link + "\"}").status, 204);
  EXPECT_EQ(json_at(call("GET", "/api/v1/groups/" + gid, "", token).body, "group.my_membership.role"), "member");
}

TEST_F(Recovery, MailTheRelayCannotTakeIsRetriedWithBackoffThenSent) {
  catcher_.stop();
  enrol("noe@example.fr", "Noé");
  // The first attempt fails: the message stays, with its error and a later try.
  std::string row;
  for (int i = 0; i < 300; ++i) {
    row =
        one("SELECT attempts || '|' || (last_error IS NOT NULL) || '|' || (next_attempt_at > now() + interval '20 "
            "seconds') "
            "FROM mail_outbox");
    if (row.rfind("1|true|", 0) == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(row, "1|true|true");
  catcher_.start();
  one("UPDATE mail_outbox SET next_attempt_at = now()");  // the backoff has passed
  auto m = catcher_.wait_for("noe@example.fr", "#/verify?token=");
  ASSERT_TRUE(m);
  EXPECT_TRUE(outbox_drained());
  EXPECT_NE(badges_->log_text().find("mail not sent, will retry"), std::string::npos);
  expect_logs_clean({"noe@example.fr", link_token(m->text, "verify")});
}

}  // namespace
}  // namespace colibri::test
