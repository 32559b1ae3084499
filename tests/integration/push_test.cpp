// Push to the phone and mail for those away (issue 20, items 3 to 5),
// through the real groups service, gateways, scheduler, PostgreSQL and Redis,
// to a Web Push service on loopback (tests/web/push_service.mjs) that checks
// each push's VAPID signature and decrypts it with an independent
// implementation (npm's http_ece), and to a real SMTP server.
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <thread>
#include <tuple>

#include "colibri/test/mail.hpp"
#include "community_fixture.hpp"

using namespace colibri::test;

namespace {

class Push : public Community {
 protected:
  void configure(std::map<std::string, std::string>& env) override {
    Community::configure(env);
    push_port_ = free_port();
    env["COLIBRI_PUSH_SERVICES"] = "http://127.0.0.1:" + std::to_string(push_port_);
    env["COLIBRI_PUSH_POLL_MS"] = "100";
    env["COLIBRI_SMTP_URL"] = mail_.url();
    env["COLIBRI_MAIL_POLL_MS"] = "100";
    env["COLIBRI_BADGES_TICK_MS"] = "200";
    env["COLIBRI_PUBLIC_URL"] = "http://127.0.0.1:8080";
    service_ =
        process({"node", std::string(COLIBRI_SOURCE_DIR) + "/tests/web/push_service.mjs", std::to_string(push_port_)},
                {}, dir_.path() + "/push_service.log");
    for (int i = 0; i < 100 && !tcp_port_open(push_port_); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  void TearDown() override {
    schedulers_.clear();
    service_.stop();
    Community::TearDown();
  }
  // A scheduler (push worker, digests, mail sender), its clock from `start` when given.
  void scheduler(const std::string& start = {}) {
    auto env = env_;
    if (!start.empty()) env["COLIBRI_CLOCK_START"] = start;
    schedulers_.push_back(std::make_unique<service_process>("badges", env, free_port()));
    schedulers_.back()->wait_healthy();
  }
  struct device {
    std::string id, endpoint, subscription_id;
  };
  // A browser subscribed for `p` at the loopback push service.
  device subscribe(const person& p) {
    auto key = json_at(get("/api/v1/push/key", p).body, "public_key").value_or("");
    EXPECT_EQ(key.size(), 87u);
    auto s = http_call(push_port_, "POST", "/subscriptions", R"({"application_server_key":")" + key + "\"}");
    EXPECT_EQ(s.status, 201);
    device d;
    d.endpoint = json_at(s.body, "endpoint").value_or("");
    d.id = d.endpoint.substr(d.endpoint.rfind('/') + 1);
    auto body = R"({"endpoint":")" + d.endpoint + R"(","keys":{"p256dh":")" + *json_at(s.body, "keys.p256dh") +
                R"(","auth":")" + *json_at(s.body, "keys.auth") + "\"}}";
    auto r = post("/api/v1/me/push-subscriptions", body, p);
    EXPECT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(post("/api/v1/me/push-subscriptions", body, p).status, 200);  // again: the same
    d.subscription_id = json_at(r.body, "push_subscription.id").value_or("");
    return d;
  }
  // What the device received, waiting (bounded) until it holds `n` pushes.
  std::string received(const device& d, std::size_t n) {
    std::string body;
    for (int i = 0; i < 200; ++i) {
      body = http_get(push_port_, "/subscriptions/" + d.id + "/received").body;
      if (json_at(body, "received." + std::to_string(n - 1) + ".payload")) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return body;
  }
  std::size_t count_received(const device& d) {
    auto body = http_get(push_port_, "/subscriptions/" + d.id + "/received").body;
    std::size_t n = 0;
    while (json_at(body, "received." + std::to_string(n) + ".payload")) ++n;
    return n;
  }
  // A push's decrypted payload field.
  static std::string field(const std::string& body, int i, const std::string& key) {
    auto payload = json_at(body, "received." + std::to_string(i) + ".payload").value_or("{}");
    return json_at(payload, key).value_or("");
  }
  bool until(const std::function<bool()>& ok) {
    for (int i = 0; i < 200; ++i) {
      if (ok()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  // Alice and Bruno, members of the open group "Les Colibris" (its id).
  std::tuple<person, person, std::string> pair_in_group() {
    auto a = someone("Alice"), b = someone("Bruno");
    auto gid = make_group(admin("Racine"), "Les Colibris", "open");
    member(gid, a.id);
    member(gid, b.id);
    return {a, b, gid};
  }
  // A reply from `from` to the message `seq` of `room`.
  std::string reply(const std::string& room, const std::string& seq, const std::string& text, const person& from) {
    auto r = post("/api/v1/rooms/" + room + "/events",
                  R"({"kind":"message","body":")" + text + R"(","client_msg_id":"r)" + std::to_string(++sent_) +
                      R"(","reply_to":)" + seq + "}",
                  from);
    EXPECT_EQ(r.status, 201) << r.body;
    return json_at(r.body, "event.seq").value_or("");
  }
  std::string first(const std::string& room, const person& p) {
    auto r = send_message(room, "Bonjour à tous", "m" + std::to_string(++sent_), p);
    EXPECT_EQ(r.status, 201) << r.body;
    return json_at(r.body, "event.seq").value_or("");
  }

  temp_dir dir_;
  mail_catcher mail_;
  unsigned short push_port_ = 0;
  process service_;
  std::vector<std::unique_ptr<service_process>> schedulers_;
  int sent_ = 0;
};

TEST_F(Push, RepliesMentionsAndDirectMessagesArriveEncryptedSignedAndWithoutTextByDefault) {
  scheduler();
  auto [a, b, gid] = pair_in_group();
  auto phone = subscribe(a);
  auto room = "group:" + gid;
  auto mine = first(room, a);
  reply(room, mine, "Courage Alice, la troisième semaine est la plus dure", b);
  auto body = received(phone, 1);
  EXPECT_EQ(field(body, 0, "kind"), "reply");
  EXPECT_EQ(field(body, 0, "title"), "Colibri");
  EXPECT_EQ(field(body, 0, "body"), "Vous avez une réponse dans « Les Colibris »");
  EXPECT_EQ(body.find("troisième"), std::string::npos);  // no message text unless chosen
  EXPECT_EQ(field(body, 0, "url"), "#/groups/" + gid + "?at=" + std::to_string(std::stoi(mine) + 1));
  EXPECT_EQ(json_at(body, "received.0.topic"), "n" + one("SELECT max(id) FROM notifications WHERE kind = 'reply'"));
  EXPECT_EQ(json_at(body, "received.0.urgency"), "normal");
  EXPECT_EQ(json_at(body, "refused.0"), std::nullopt);  // every VAPID claim held

  // Mentions; with text chosen, the message as it reads now.
  ASSERT_EQ(call("PUT", "/api/v1/me/preferences", R"({"push_text":true})", a).status, 200);
  auto m =
      post("/api/v1/rooms/" + room + "/events",
           R"({"kind":"message","body":"Alice, tu as vu la réunion de jeudi ?","client_msg_id":"men1","mentions":[)" +
               a.id + "]}",
           b);
  ASSERT_EQ(m.status, 201) << m.body;
  body = received(phone, 2);
  EXPECT_EQ(field(body, 1, "kind"), "mention");
  EXPECT_EQ(field(body, 1, "body"), "Alice, tu as vu la réunion de jeudi ?");

  // Direct messages: one `dm` notification (and push) until it is read.
  auto conv = post("/api/v1/conversations", R"({"user_ids":[)" + a.id + "]}", b);
  ASSERT_EQ(conv.status, 201) << conv.body;
  auto dm = *json_at(conv.body, "conversation.room");
  ASSERT_EQ(call("PUT", "/api/v1/me/preferences", R"({"push_text":false})", a).status, 200);
  EXPECT_EQ(send_message(dm, "Tu tiens le coup ?", "d1", b).status, 201);
  EXPECT_EQ(send_message(dm, "Je suis là si besoin", "d2", b).status, 201);
  body = received(phone, 3);
  EXPECT_EQ(field(body, 2, "kind"), "dm");
  EXPECT_EQ(field(body, 2, "body"), "Vous avez un nouveau message privé");
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE kind = 'dm' AND user_id = " + a.id), 1);
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE kind = 'dm' AND user_id = " + b.id), 0);  // not oneself

  // A kind turned off pushes nothing (the notification is still stored).
  ASSERT_EQ(call("PUT", "/api/v1/me/preferences", R"({"push":{"replies":false}})", a).status, 200);
  reply(room, mine, "Encore bravo", b);
  post("/api/v1/rooms/" + room + "/events",
       R"({"kind":"message","body":"Et toi Alice ?","client_msg_id":"men2","mentions":[)" + a.id + "]}", b);
  body = received(phone, 4);
  EXPECT_EQ(field(body, 3, "kind"), "mention");
  EXPECT_EQ(count_received(phone), 4u);
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE kind = 'reply' AND user_id = " + a.id), 2);
  EXPECT_EQ(count("SELECT count(*) FROM push_queue"), 0);
}

TEST_F(Push, OnlyListedPushServicesAndRealKeysAreAcceptedAndGoneSubscriptionsAreDropped) {
  scheduler();
  auto [a, b, gid] = pair_in_group();
  const std::string keys =
      R"("keys":{"p256dh":"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4","auth":"BTBZMqHH6r4Tts7J_aSIgg"})";
  for (const std::string& endpoint :
       std::vector<std::string>{"http://127.0.0.1:6379/", "https://evil.example/push", "file:///etc/passwd",
                                "http://127.0.0.1:" + std::to_string(push_port_) + "@127.0.0.1:6379/"}) {
    auto r = post("/api/v1/me/push-subscriptions", R"({"endpoint":")" + endpoint + "\"," + keys + "}", a);
    EXPECT_EQ(r.status, 400) << endpoint;
    EXPECT_EQ(json_at(r.body, "error.field"), "endpoint") << endpoint;
  }
  auto ok_endpoint = "http://127.0.0.1:" + std::to_string(push_port_) + "/push/999";
  auto bad_point = post(
      "/api/v1/me/push-subscriptions",
      R"({"endpoint":")" + ok_endpoint +
          R"(","keys":{"p256dh":"BCVxsr7M_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4","auth":"BTBZMqHH6r4Tts7J_aSIgg"}})",
      a);
  EXPECT_EQ(bad_point.status, 400);
  EXPECT_EQ(json_at(bad_point.body, "error.field"), "keys.p256dh");
  auto bad_auth = post(
      "/api/v1/me/push-subscriptions",
      R"({"endpoint":")" + ok_endpoint +
          R"(","keys":{"p256dh":"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4","auth":"AAAA"}})",
      a);
  EXPECT_EQ(json_at(bad_auth.body, "error.field"), "keys.auth");
  EXPECT_EQ(count("SELECT count(*) FROM push_subscriptions"), 0);

  auto phone = subscribe(a);
  auto laptop = subscribe(a);
  auto list = get("/api/v1/me/push-subscriptions", a);
  EXPECT_EQ(json_at(list.body, "push_subscriptions.1.service"), "http://127.0.0.1:" + std::to_string(push_port_));
  EXPECT_EQ(call("DELETE", "/api/v1/me/push-subscriptions/" + phone.subscription_id, "", b).status, 404);
  // Ten devices at most.
  for (int i = 0; i < 8; ++i) subscribe(a);
  auto s = http_call(push_port_, "POST", "/subscriptions", R"({"application_server_key":"x"})");
  auto eleventh = post("/api/v1/me/push-subscriptions",
                       R"({"endpoint":")" + *json_at(s.body, "endpoint") + R"(","keys":{"p256dh":")" +
                           *json_at(s.body, "keys.p256dh") + R"(","auth":")" + *json_at(s.body, "keys.auth") + "\"}}",
                       a);
  EXPECT_EQ(eleventh.status, 409);

  // A busy push service (503, Retry-After: 1): the push is tried again and arrives.
  auto room = "group:" + gid;
  ASSERT_EQ(http_call(push_port_, "POST", "/subscriptions/" + laptop.id + "/busy", "").status, 204);
  reply(room, first(room, a), "Tu y es presque", b);
  auto busy = received(laptop, 1);
  EXPECT_EQ(json_at(busy, "attempts"), "2");
  EXPECT_EQ(json_at(busy, "received.1.payload"), std::nullopt);

  // The push service says the phone's subscription is gone: dropped; the laptop still gets it.
  ASSERT_EQ(http_call(push_port_, "POST", "/subscriptions/" + phone.id + "/gone", "").status, 204);
  reply(room, first(room, a), "Bravo", b);
  EXPECT_TRUE(
      until([&] { return count("SELECT count(*) FROM push_subscriptions WHERE id = " + phone.subscription_id) == 0; }));
  EXPECT_EQ(json_at(received(laptop, 2), "received.1.topic").has_value(), true);
  EXPECT_EQ(count_received(phone), 1u);              // the busy step's only: nothing since it was gone
  auto exported = get("/api/v1/me/export", a).body;  // what is held about them, their devices included
  EXPECT_EQ(json_at(exported, "push_subscriptions.0.endpoint"), laptop.endpoint);
  EXPECT_EQ(call("DELETE", "/api/v1/me/push-subscriptions/" + laptop.subscription_id, "", a).status, 204);
  EXPECT_EQ(count("SELECT count(*) FROM push_subscriptions WHERE id = " + laptop.subscription_id), 0);
}

// Quiet hours 22:00-07:00 in Paris, on the two Sundays the clocks change.
// 2027-03-28 04:30Z is 06:30 in summer time (quiet; 05:30 in winter time);
// 05:30Z is 07:30 (not quiet; 06:30, quiet, in winter time).
// 2026-10-25 05:30Z is 06:30 in winter time (quiet; 07:30 in summer time).
TEST_F(Push, QuietHoursHoldAcrossDaylightSavingTimeAndDistressIgnoresThem) {
  auto a = someone("Alice"), b = someone("Bruno"), m = someone("Veilleur");
  auto gid = make_group(admin("Racine"), "Les Colibris", "open");
  for (const auto& p : {a, b, m}) member(gid, p.id);
  sql("UPDATE memberships SET role = 'moderator' WHERE user_id = " + m.id);
  ASSERT_EQ(call("PUT", "/api/v1/groups/" + gid + "/on-call", R"({"on_call":true})", m).status, 200);
  for (const auto& p : {a, m})
    ASSERT_EQ(call("PUT", "/api/v1/me/preferences", R"({"quiet_hours":{"from":"22:00","to":"07:00"}})", p).status, 200);
  auto phone = subscribe(a);
  auto pager = subscribe(m);
  auto room = "group:" + gid;
  auto mine = first(room, a);
  auto deferred_to = [&] {
    return one(
        "SELECT to_char(next_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM push_queue q "
        "JOIN push_subscriptions s ON s.id = q.subscription_id WHERE s.user_id = " +
        a.id);
  };

  scheduler("2027-03-28T04:30:00Z");  // 06:30 in Paris: quiet
  reply(room, mine, "Bien dormi ?", b);
  EXPECT_TRUE(until([&] { return deferred_to() == "2027-03-28 05:00"; })) << deferred_to();
  // A distress report reaches the on-call moderator at once, quiet hours or not.
  auto report = post("/api/v1/reports", R"({"room":")" + room + R"(","seq":)" + mine + R"(,"reason":"distress"})", b);
  ASSERT_EQ(report.status, 201) << report.body;
  auto paged = received(pager, 1);
  EXPECT_EQ(field(paged, 0, "kind"), "distress");
  EXPECT_EQ(field(paged, 0, "url"), "#/groups/" + gid + "/moderation");
  EXPECT_EQ(json_at(paged, "received.0.urgency"), "high");
  EXPECT_EQ(count_received(phone), 0u);
  schedulers_.clear();

  scheduler("2027-03-28T05:30:00Z");  // 07:30 in Paris: the reply leaves
  EXPECT_EQ(field(received(phone, 1), 0, "kind"), "reply");
  schedulers_.clear();

  scheduler("2026-10-25T05:30:00Z");  // 06:30 in Paris (winter time again): quiet until 06:00Z
  reply(room, mine, "Bonne nuit", b);
  EXPECT_TRUE(until([&] { return deferred_to() == "2026-10-25 06:00"; })) << deferred_to();
  EXPECT_EQ(count_received(phone), 1u);
}

// Every scheduler runs a push worker: with two, each push leaves once (the
// queue's rows are claimed FOR UPDATE SKIP LOCKED and leased), each with its
// own Topic.
TEST_F(Push, WithTwoSchedulersEachPushIsSentOnce) {
  scheduler();
  scheduler();
  auto [a, b, gid] = pair_in_group();
  auto phone = subscribe(a), laptop = subscribe(a);
  auto room = "group:" + gid;
  auto mine = first(room, a);
  constexpr int n = 30;
  for (int i = 0; i < n; ++i) reply(room, mine, "Bravo " + std::to_string(i), b);
  for (const auto& d : {phone, laptop}) {
    auto body = received(d, n);
    std::set<std::string> topics;
    for (int i = 0; i < n; ++i) topics.insert(json_at(body, "received." + std::to_string(i) + ".topic").value_or(""));
    EXPECT_EQ(topics.size(), static_cast<std::size_t>(n));
  }
  EXPECT_TRUE(until([&] { return count("SELECT count(*) FROM push_queue") == 0; }));
  std::this_thread::sleep_for(std::chrono::seconds(1));  // anything doubled would have arrived by now
  EXPECT_EQ(count_received(phone), static_cast<std::size_t>(n));
  EXPECT_EQ(count_received(laptop), static_cast<std::size_t>(n));
}

TEST_F(Push, TheDigestGoesOnceADayToThoseAwayOnlyAndUnsubscribesWithoutSigningIn) {
  auto away = someone("Absente"), active = someone("Presente"), quoted = someone("Citee"), b = someone("Bruno");
  auto gid = make_group(admin("Racine"), "Les Colibris", "open");
  for (const auto& p : {away, active, quoted, b}) member(gid, p.id);
  sql("UPDATE users SET email_verified_at = now()");
  ASSERT_EQ(call("PUT", "/api/v1/me/preferences", R"({"mail_text":true})", quoted).status, 200);
  auto room = "group:" + gid;
  for (const auto& p : {away, active, quoted}) reply(room, first(room, p), "Tiens bon, on pense à toi", b);
  sql("UPDATE sessions SET last_seen_at = now() - interval '2 days' WHERE user_id IN (" + away.id + "," + quoted.id +
      ")");
  auto address = [&](const person& p) { return one("SELECT email FROM users WHERE id = " + p.id); };
  scheduler();
  auto digest = mail_.wait_for(address(away), "réponses à vos messages : 1");
  ASSERT_TRUE(digest);
  EXPECT_EQ(digest->subject, "Colibri : vous avez des nouvelles");
  EXPECT_EQ(digest->text.find("Tiens bon"), std::string::npos);  // no message text unless chosen
  auto with_text = mail_.wait_for(address(quoted), "Tiens bon, on pense à toi");
  ASSERT_TRUE(with_text);
  EXPECT_NE(with_text->text.find("Bruno"), std::string::npos);
  EXPECT_TRUE(until([&] { return count("SELECT count(*) FROM mail_outbox") == 0; }));
  auto to = [&](const person& p) {
    int n = 0;
    for (const auto& x : mail_.all()) n += x.to == address(p) && x.subject == "Colibri : vous avez des nouvelles";
    return n;
  };
  EXPECT_EQ(to(active), 0);  // active: no digest (the mails before are the address checks)

  // At most one a day: something new does not bring a second one until a day has passed.
  sql("INSERT INTO notifications (user_id, kind, title) VALUES (" + away.id +
      ", 'mention', 'Bruno vous a mentionné·e')");
  std::this_thread::sleep_for(std::chrono::seconds(2));  // ten scheduler ticks
  EXPECT_EQ(to(away), 1);
  sql("UPDATE mail_digest_state SET last_sent_at = last_sent_at - interval '25 hours' WHERE user_id = " + away.id);
  ASSERT_TRUE(mail_.wait_for(address(away), "mentions : 1"));
  EXPECT_EQ(to(away), 2);

  // The link works without a session: GET shows a button (a mail scanner's
  // visit changes nothing), POST turns the digest off; a wrong token is refused.
  const std::string site = "http://127.0.0.1:8080";
  auto link = digest->text.substr(digest->text.find(site + "/api/v1/mail/unsubscribe?"));
  link = link.substr(site.size(), link.find_first_of(" \r\n") - site.size());
  auto page = http_get(api_port(), link);
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<form method=\"post\""), std::string::npos);
  EXPECT_EQ(one("SELECT coalesce((SELECT mail_digest::text FROM preferences WHERE user_id = " + away.id + "), 'true')"),
            "true");
  auto forged = link.substr(0, link.size() - 4) + "0000";
  EXPECT_EQ(http_call(api_port(), "POST", forged, "").status, 404);
  auto other_person = link;
  other_person.replace(other_person.find("u=") + 2, away.id.size(), quoted.id);
  EXPECT_EQ(http_call(api_port(), "POST", other_person, "").status, 404);
  EXPECT_EQ(http_call(api_port(), "POST", link, "List-Unsubscribe=One-Click").status, 200);
  EXPECT_EQ(one("SELECT mail_digest FROM preferences WHERE user_id = " + away.id), "f");
  EXPECT_EQ(json_at(get("/api/v1/me/preferences", away).body, "preferences.mail_digest"), "false");
}

}  // namespace
