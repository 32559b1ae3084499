// End-to-end: deleted means gone (issue 14, item 4; audit F6): a message its
// author deleted, and its edits, lose their text in the delete's own
// transaction; a moderator's hide keeps it only as the report's evidence.
// Checked in the table and through every read path: REST history, socket
// history, a new subscriber's backfill.
#include "community_fixture.hpp"
#include "stack_fixture.hpp"

namespace colibri::test {
namespace {

class Deletion : public Community {
 protected:
  // REST goes through nginx with the deployed configuration, so that its
  // access and error logs are scanned too.
  void SetUp() override {
    Community::SetUp();
    front_ = std::make_unique<front>(free_port(), groups_->port(), gateways_[0]->port());
  }
  unsigned short api_port() override { return front_ ? front_->port() : groups_->port(); }
  std::unique_ptr<front> front_;

  // Everything a member can read of a room, concatenated.
  std::string every_read_path(const std::string& room, const person& reader) {
    std::string out = get("/api/v1/rooms/" + room + "/events?limit=200", reader).body;
    auto ws = connect(gateways_[1]->port(), reader.token);
    ws->send(R"({"type":"history","room":")" + room + R"(","limit":200})");
    out += ws->read_until("\"history\"").value_or("");
    ws->send(R"({"type":"subscribe","room":")" + room + R"(","since":0})");
    while (auto f = ws->read(std::chrono::milliseconds(700))) out += *f;
    return out;
  }
};

TEST_F(Deletion, AMessageItsAuthorDeletedIsGoneFromTheTableAndEveryReadPath) {
  auto root = admin("Hote");
  auto gid = make_group(root, "Confidences", "open");
  auto alice = someone("Alice"), bruno = someone("Bruno");
  member(gid, alice.id);
  member(gid, bruno.id);
  std::string room = "group:" + gid;
  auto ws = connect(gateways_[0]->port(), alice.token);
  ws->send(R"({"type":"send","room":")" + room +
           R"(","body":"Je suis Alice Martin, 06 12 34 56 78","client_msg_id":"a1"})");
  auto ack = ws->read_until("\"ack\"");
  ASSERT_TRUE(ack);
  auto seq = std::to_string(info(*ack).seq);
  ws->send(R"({"type":"edit","room":")" + room + R"(","seq":)" + seq + R"(,"body":"Alice Martin, rue des Lilas"})");
  ASSERT_TRUE(ws->read_until("\"ack\""));
  ASSERT_NE(every_read_path(room, bruno).find("Alice Martin"), std::string::npos);  // before: readable
  ws->send(R"({"type":"delete","room":")" + room + R"(","seq":)" + seq + "}");
  ASSERT_TRUE(ws->read_until("\"ack\""));
  // Right after the ack: not in any row of the table.
  EXPECT_EQ(count("SELECT count(*) FROM room_events WHERE body LIKE '%Alice Martin%'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM room_events WHERE room = '" + room + "' AND kind IN ('message', 'edit')"), 2);
  auto seen = every_read_path(room, bruno);
  EXPECT_EQ(seen.find("Alice Martin"), std::string::npos) << seen;
  EXPECT_NE(seen.find("\"kind\":\"delete\""), std::string::npos);
  // Over REST too.
  auto posted = send_message(room, "Mon adresse : 3 rue des Lilas", "r1", alice);
  ASSERT_EQ(posted.status, 201);
  ws->send(R"({"type":"delete","room":")" + room + R"(","seq":)" + *json_at(posted.body, "event.seq") + "}");
  ASSERT_TRUE(ws->read_until("\"ack\""));
  EXPECT_EQ(count("SELECT count(*) FROM room_events WHERE body LIKE '%Lilas%'"), 0);
}

TEST_F(Deletion, AHiddenMessageIsKeptOnlyAsItsReportsEvidence) {
  auto root = admin("Moderatrice");
  auto gid = make_group(root, "Modéré", "open");
  auto x = someone("Blessant"), y = someone("Temoin");
  member(gid, x.id);
  member(gid, y.id);
  std::string room = "group:" + gid;
  auto [seq, rid] = post_and_report(room, "Un message blessant pour Y", x, y);
  ASSERT_EQ(post("/api/v1/reports/" + rid + "/resolve", R"({"action":"hide"})", root).status, 204);
  EXPECT_EQ(count("SELECT count(*) FROM room_events WHERE body LIKE '%blessant%'"), 0);
  EXPECT_EQ(one("SELECT evidence FROM reports WHERE id = " + rid), "Un message blessant pour Y");
  EXPECT_EQ(every_read_path(room, y).find("blessant"), std::string::npos);
  // The moderators still see what they acted on.
  auto queue = get("/api/v1/groups/" + gid + "/reports?state=resolved", root);
  EXPECT_EQ(json_at(queue.body, "reports.0.event.body"), "Un message blessant pour Y") << queue.body;
}

TEST_F(Deletion, AfterErasureNothingTheyWroteNoAddressAndNoHandleRemainsAnywhere) {
  // Issue 14, item 4 (audit F6): bodies, DM bodies, thread titles, report
  // notes, scheduled posts, invitations to their address, throttle rows, old
  // handles in others' notifications. Then every column of a text-like type
  // of every table, Redis, and the services' logs are scanned.
  const std::string email = "zebulon7@example.fr";
  // Someone tried this address before the account existed: a throttle row.
  EXPECT_EQ(
      http_call(api_port(), "POST", "/api/v1/auth/login", R"({"email":"ZEBULON7@example.fr","password":"x"})").status,
      401);
  auto root = admin("Racine");
  auto gid = make_group(root, "Espace", "open");
  auto inv = post("/api/v1/groups/" + gid + "/invitations", R"({"email":")" + email + "\"}", root);
  ASSERT_EQ(inv.status, 201) << inv.body;
  auto z = someone("Zorglub9");  // the handle they start with
  ASSERT_EQ(call("PATCH", "/api/v1/me", R"({"handle":"Zebulon7"})", z).status, 200);
  sql("UPDATE users SET email = '" + email + "' WHERE id = " + z.id);
  auto friend_ = someone("Amie");
  member(gid, friend_.id);
  // Their owned group, with a moderator who will take it over.
  auto own = make_group(root, "Groupe de Zébulon", "open", "listed", gid);
  member(own, z.id);
  member(gid, z.id);
  call("PUT", "/api/v1/groups/" + own + "/members/" + z.id, R"({"role":"owner"})", root);
  call("PUT", "/api/v1/groups/" + own + "/members/" + friend_.id, R"({"role":"moderator"})", root);
  member(own, friend_.id);
  call("PUT", "/api/v1/groups/" + own + "/members/" + friend_.id, R"({"role":"moderator"})", root);
  call("DELETE", "/api/v1/groups/" + own + "/members/" + root.id, "", root);
  // What they write.
  ASSERT_EQ(send_message("group:" + gid, "marqueur-alpha message", "z1", z).status, 201);
  auto conv = post("/api/v1/conversations", R"({"user_ids":[)" + friend_.id + "]}", z);
  ASSERT_EQ(conv.status, 201) << conv.body;
  ASSERT_EQ(send_message(*json_at(conv.body, "conversation.room"), "marqueur-beta message privé", "z2", z).status, 201);
  ASSERT_EQ(post("/api/v1/groups/" + gid + "/threads", R"({"title":"marqueur-gamma sujet","body":"marqueur-delta"})", z)
                .status,
            201);
  ASSERT_EQ(post("/api/v1/reports",
                 R"({"user_id":)" + friend_.id + R"(,"group_id":)" + gid +
                     R"(,"reason":"other","note":"marqueur-epsilon note"})",
                 z)
                .status,
            201);
  ASSERT_EQ(post("/api/v1/groups/" + own + "/scheduled-posts",
                 R"({"body":"marqueur-zeta","repeat":"daily","time":"09:00"})", z)
                .status,
            201);
  // A phone subscribed to pushes.
  ASSERT_EQ(post("/api/v1/me/push-subscriptions",
                 R"({"endpoint":"https://fcm.googleapis.com/fcm/send/marqueur-eta","keys":{"p256dh":)"
                 R"("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",)"
                 R"("auth":"BTBZMqHH6r4Tts7J_aSIgg"}})",
                 z)
                .status,
            201);
  // A newcomer notification to the moderators names them under both handles.
  sql("INSERT INTO notifications (user_id, kind, title, body, data) VALUES (" + friend_.id +
      ", 'newcomer', 'Un nouveau membre', 'Zorglub9 vient de rejoindre', '{\"user_id\": " + z.id +
      ", \"handle\": \"Zorglub9\"}')");
  // A reset link and an email change waiting for their mail (no sender runs
  // here: the outbox still holds them), and the invitation opened through nginx.
  ASSERT_EQ(call("POST", "/api/v1/auth/password-reset", R"({"email":")" + email + "\"}", {}).status, 202);
  ASSERT_EQ(
      call("PUT", "/api/v1/me/email", R"({"password":"un mot de passe","email":"zebulon.ailleurs@example.fr"})", z)
          .status,
      202);
  EXPECT_EQ(call("POST", "/api/v1/invitations/" + *json_at(inv.body, "invitation.code") + "/accept", "", z).status,
            403);  // bound to an address not proved yet
  EXPECT_GT(count("SELECT count(*) FROM mail_outbox WHERE user_id = " + z.id), 2);
  auto del = call("DELETE", "/api/v1/me", R"({"password":"un mot de passe"})", z);
  ASSERT_EQ(del.status, 202) << del.body;

  std::vector<std::string> needles{"marqueur-",
                                   email,
                                   "zebulon7",
                                   "Zebulon7",
                                   "Zorglub9",
                                   "zebulon.ailleurs",
                                   *json_at(inv.body, "invitation.code")};
  int scanned = 0;
  EXPECT_EQ(text_hits(needles, scanned), "") << "columns holding what they wrote or used (table.column|text)";
  EXPECT_GT(scanned, 20);
  // Redis: keys and string values.
  auto keys = run_checked({"redis-cli", "-p", std::to_string(redis_.port()), "--scan"});
  for (const auto& n : needles) EXPECT_EQ(keys.find(n), std::string::npos) << "a Redis key holds " << n;
  // The services' logs of this test, and nginx's (access and error).
  // nginx writes a line once its response is out: wait (bounded) for the erasure's.
  std::string access;
  for (int i = 0; i < 100 && access.find("\"DELETE /api/v1/me\"") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    access = front_->access_log();
  }
  EXPECT_NE(access.find("\"DELETE /api/v1/me\""), std::string::npos) << access;  // the log these calls wrote
  std::vector<std::pair<std::string, std::string>> logs{{"nginx access log", access},
                                                        {"nginx error log", front_->error_log()}};
  for (const auto* svc : {groups_.get(), gateways_[0].get(), gateways_[1].get()})
    logs.emplace_back("a service log", svc->log_text());
  for (const auto& [name, log] : logs)
    for (const auto& n : needles) EXPECT_EQ(log.find(n), std::string::npos) << name << " holds " << n;
  // The group they alone owned has an owner again: its moderator.
  EXPECT_EQ(one("SELECT user_id FROM memberships WHERE group_id = " + own + " AND role = 'owner'"), friend_.id);
}

TEST_F(Deletion, TheExportHoldsWhatWasDoneAboutThemButNeverWhoReportedOrWhatModeratorsNoted) {
  // Issue 14, item 5 (audit F21).
  auto root = admin("Veilleuse");
  auto gid = make_group(root, "Exporté", "open");
  auto x = someone("Exportee"), y = someone("Rapporteur");
  member(gid, x.id);
  member(gid, y.id);
  ASSERT_EQ(post("/api/v1/groups/" + gid + "/threads", R"({"title":"Mon sujet","body":"Premier"})", x).status, 201);
  auto conv = post("/api/v1/conversations", R"({"user_ids":[)" + y.id + "]}", x);
  ASSERT_EQ(conv.status, 201);
  auto [seq, rid] = post_and_report("group:" + gid, "un message de trop", x, y, "note-du-rapporteur");
  ASSERT_EQ(post("/api/v1/reports/" + rid + "/resolve",
                 R"({"action":"mute","duration_minutes":60,"note":"note-de-la-moderatrice"})", root)
                .status,
            204);
  auto ex = get("/api/v1/me/export", x);
  ASSERT_EQ(ex.status, 200) << ex.body;
  EXPECT_EQ(json_at(ex.body, "reports_about_me.0.reason"), "abuse");
  EXPECT_EQ(json_at(ex.body, "reports_about_me.0.action"), "mute");
  EXPECT_EQ(json_at(ex.body, "moderation_about_me.0.action"), "mute");
  EXPECT_TRUE(json_at(ex.body, "moderation_about_me.0.created_at"));
  EXPECT_EQ(json_at(ex.body, "threads.0.title"), "Mon sujet");
  EXPECT_EQ(json_at(ex.body, "conversations.0.members.1.handle"), "Rapporteur");  // a conversation shows its people
  // Never who reported them, their note, the moderator's note or name.
  auto about = ex.body.substr(ex.body.find("\"moderation_about_me\""));
  about = about.substr(0, about.find("\"threads\""));
  for (const char* never : {"note-du-rapporteur", "note-de-la-moderatrice", "Veilleuse", "Rapporteur"})
    EXPECT_EQ(about.find(never), std::string::npos) << never << " in " << about;
  EXPECT_EQ(ex.body.find("note-du-rapporteur"), std::string::npos);
  EXPECT_EQ(ex.body.find("note-de-la-moderatrice"), std::string::npos);
}

}  // namespace
}  // namespace colibri::test
