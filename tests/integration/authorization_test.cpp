// End-to-end: who may do what (security audit F7, F8, F11, F12, F14, F16,
// F17, F23) and the races the audit found, each with a deterministic
// interleaving: the test holds a row lock in its own PostgreSQL session so
// that two requests are both past their checks before either commits, or
// injects a fault between a state change and its effect.
#include <pqxx/pqxx>
#include <thread>

#include "colibri/core/clock.hpp"
#include "community_fixture.hpp"

namespace colibri::test {
namespace {

class Authorization : public Community {
 protected:
  // Waits (bounded) until n sessions of this test's database wait on a lock.
  bool waiting_on_locks(int n, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (count("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db_name() +
                "' AND wait_event_type = 'Lock'") >= n)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  std::string put_role(const std::string& gid, const person& who, const char* role, const person& by) {
    auto r =
        call("PUT", "/api/v1/groups/" + gid + "/members/" + who.id, std::string(R"({"role":")") + role + "\"}", by);
    EXPECT_EQ(r.status, 204) << r.body;
    return gid;
  }
};

TEST_F(Authorization, AHiddenSpaceHidesItsListedGrandChildrenFromOutsiders) {
  // F7: visible() looked at the immediate parent only.
  auto root = admin("Racine");
  auto a = make_group(root, "Espace caché", "invite", "hidden");
  auto b = make_group(root, "Enfant listé", "open", "listed", a);
  auto c = make_group(root, "Petit-enfant listé", "open", "listed", b);
  auto outsider = someone("Dehors");
  auto listing = get("/api/v1/groups", outsider).body;
  for (const auto* name : {"Espace caché", "Enfant listé", "Petit-enfant listé"})
    EXPECT_EQ(listing.find(name), std::string::npos) << name;
  EXPECT_EQ(get("/api/v1/groups/" + c, outsider).status, 404);
  auto join = post("/api/v1/groups/" + c + "/join", R"({"motivation":"0123456789"})", outsider);
  EXPECT_EQ(join.status, 404);
  EXPECT_EQ(join.body.find("Enfant"), std::string::npos) << join.body;
  // A member of the space sees the chain below it.
  auto inside = someone("Dedans");
  member(a, inside.id);
  EXPECT_EQ(get("/api/v1/groups/" + c, inside).status, 200);
  auto seen = get("/api/v1/groups", inside).body;
  EXPECT_NE(seen.find("Petit-enfant listé"), std::string::npos) << seen;
}

TEST_F(Authorization, AModeratorCannotRemoveTheOwnerEvenThroughAReportTheyFiled) {
  // F8: resolve_report `remove` did not keep the last owner, and any member
  // (a moderator too) may file a report against anyone.
  auto owner = someone("Proprietaire");
  sql("UPDATE users SET is_admin = true WHERE id = " + owner.id);
  auto gid = make_group(owner, "Groupe", "open");
  sql("UPDATE users SET is_admin = false WHERE id = " + owner.id);
  auto mod = someone("Moderatrice");
  member(gid, mod.id);
  put_role(gid, mod, "moderator", owner);
  auto rep =
      post("/api/v1/reports", R"({"user_id":)" + owner.id + R"(,"group_id":)" + gid + R"(,"reason":"other"})", mod);
  ASSERT_EQ(rep.status, 201) << rep.body;
  auto r = post("/api/v1/reports/" + *json_at(rep.body, "report.id") + "/resolve", R"({"action":"remove"})", mod);
  EXPECT_EQ(r.status, 403) << r.body;
  r = post("/api/v1/reports/" + *json_at(rep.body, "report.id") + "/resolve",
           R"({"action":"mute","duration_minutes":60})", mod);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(one("SELECT role FROM memberships WHERE group_id = " + gid + " AND user_id = " + owner.id), "owner");
  EXPECT_EQ(one("SELECT muted_until IS NULL FROM memberships WHERE group_id = " + gid + " AND user_id = " + owner.id),
            "t");
  EXPECT_EQ(one("SELECT state FROM reports"), "open");
}

TEST_F(Authorization, ModeratorsActOnPlainMembersOnlyAndOwnersOnAnyone) {
  auto owner = admin("Chef");
  auto gid = make_group(owner, "Rangs", "open");
  auto m1 = someone("Modo1"), m2 = someone("Modo2"), plain = someone("Membre");
  for (const auto* p : {&m1, &m2, &plain}) member(gid, p->id);
  put_role(gid, m1, "moderator", owner);
  put_role(gid, m2, "moderator", owner);
  auto until = core::format_rfc3339(std::chrono::system_clock::now() + std::chrono::hours(1));
  auto mute = [&](const person& target, const person& by) {
    return post("/api/v1/groups/" + gid + "/mutes",
                R"({"user_id":)" + target.id + R"(,"until":")" + until + R"(","reason":"calme"})", by)
        .status;
  };
  EXPECT_EQ(call("DELETE", "/api/v1/groups/" + gid + "/members/" + m2.id, "", m1).status, 403);
  EXPECT_EQ(call("DELETE", "/api/v1/groups/" + gid + "/members/" + owner.id, "", m1).status, 403);
  EXPECT_EQ(mute(m2, m1), 403);
  EXPECT_EQ(mute(owner, m1), 403);
  EXPECT_EQ(mute(plain, m1), 204);
  EXPECT_EQ(call("DELETE", "/api/v1/groups/" + gid + "/members/" + plain.id, "", m1).status, 204);
  // The owner acts on moderators.
  EXPECT_EQ(mute(m2, owner), 204);
  EXPECT_EQ(call("DELETE", "/api/v1/groups/" + gid + "/members/" + m2.id, "", owner).status, 204);
  EXPECT_EQ(count("SELECT count(*) FROM memberships WHERE group_id = " + gid), 2);
}

TEST_F(Authorization, OnlyOwnersDecideWhoMaySeeAndEnterAGroup) {
  auto owner = admin("Fondatrice");
  auto gid = make_group(owner, "Cercle", "invite", "hidden");
  auto mod = someone("Gardien");
  member(gid, mod.id);
  put_role(gid, mod, "moderator", owner);
  auto r = call("PATCH", "/api/v1/groups/" + gid, R"({"visibility":"listed"})", mod);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(json_at(r.body, "error.field"), "visibility");
  EXPECT_EQ(call("PATCH", "/api/v1/groups/" + gid, R"({"join_policy":"open"})", mod).status, 403);
  EXPECT_EQ(call("PATCH", "/api/v1/groups/" + gid, R"({"description":"Pour nous"})", mod).status, 200);
  EXPECT_EQ(one("SELECT visibility || ' ' || join_policy FROM groups WHERE id = " + gid), "hidden invite");
  EXPECT_EQ(call("PATCH", "/api/v1/groups/" + gid, R"({"join_policy":"request"})", owner).status, 200);
}

TEST_F(Authorization, AScheduledPostIsPublishedUnderTheNameOfWhoeverLastEditedIt) {
  // F8: a moderator's edit of another's post kept the first author's name.
  auto owner = admin("Auteure");
  auto gid = make_group(owner, "Programmes", "open");
  auto mod = someone("Editeur");
  member(gid, mod.id);
  put_role(gid, mod, "moderator", owner);
  auto created = post("/api/v1/groups/" + gid + "/scheduled-posts",
                      R"({"body":"Bonjour","repeat":"daily","time":"09:00"})", owner);
  ASSERT_EQ(created.status, 201) << created.body;
  auto pid = *json_at(created.body, "scheduled_post.id");
  auto edited = call("PATCH", "/api/v1/scheduled-posts/" + pid, R"({"body":"Autre chose"})", mod);
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(json_at(edited.body, "scheduled_post.author.id"), mod.id);
  EXPECT_EQ(one("SELECT author_id FROM scheduled_posts WHERE id = " + pid), mod.id);
}

TEST_F(Authorization, TheWelcomeTeamMustBeAGroupTheModeratorModeratesInTheSameSpace) {
  // F11: any group the moderator could see became the welcome team: each join
  // then told every member of a big public group about the newcomer.
  auto root = admin("Admin");
  auto space = make_group(root, "Espace", "open");
  auto other_space = make_group(root, "Autre espace", "open");
  auto hidden = make_group(root, "Petit groupe", "open", "listed", space);
  auto mod = someone("ModoCaché");
  member(space, mod.id);
  member(hidden, mod.id);
  put_role(hidden, mod, "owner", root);
  auto big_public = make_group(root, "Grand public", "open", "listed", space);
  auto bystander = someone("Passant");
  member(space, bystander.id);
  member(big_public, bystander.id);
  auto r = call("PATCH", "/api/v1/groups/" + hidden, R"({"welcome_group_id":)" + big_public + "}", mod);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(json_at(r.body, "error.field"), "welcome_group_id");
  EXPECT_EQ(call("PATCH", "/api/v1/groups/" + hidden, R"({"welcome_group_id":)" + other_space + "}", root).status, 403);
  EXPECT_EQ(one("SELECT welcome_group_id IS NULL FROM groups WHERE id = " + hidden), "t");
  auto newcomer = someone("Nouveau");
  member(space, newcomer.id);
  ASSERT_EQ(post("/api/v1/groups/" + hidden + "/join", "{}", newcomer).status, 201);
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE user_id = " + bystander.id), 0);
}

TEST_F(Authorization, RulesLongerThanAWelcomeCanCarryAreRefusedAndJoiningWorksAtTheLimit) {
  // F16: rules of 7,800 characters made every join fail with 500.
  auto root = admin("Regles");
  auto gid = make_group(root, "Règlement", "open");
  auto r = call("PATCH", "/api/v1/groups/" + gid, R"({"rules":")" + std::string(7800, 'x') + "\"}", root);
  EXPECT_EQ(r.status, 400) << r.body.substr(0, 300);
  EXPECT_EQ(json_at(r.body, "error.field"), "rules");
  ASSERT_EQ(call("PATCH", "/api/v1/groups/" + gid, R"({"rules":")" + std::string(7500, 'x') + "\"}", root).status, 200);
  auto fr = someone("Francophone");
  EXPECT_EQ(post("/api/v1/groups/" + gid + "/join", "{}", fr).status, 201);
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE kind = 'welcome' AND user_id = " + fr.id), 1);
}

TEST_F(Authorization, ARemovedMemberCannotWriteTheirExistingConversations) {
  // F12: DM access checked only the conversation's members and blocks.
  auto root = admin("Hote");
  auto gid = make_group(root, "Commun", "open");
  auto a = someone("Harceleur"), b = someone("Victime");
  member(gid, a.id);
  member(gid, b.id);
  auto conv = post("/api/v1/conversations", R"({"user_ids":[)" + b.id + "]}", a);
  ASSERT_EQ(conv.status, 201) << conv.body;
  auto room = *json_at(conv.body, "conversation.room");
  EXPECT_EQ(send_message(room, "Salut", "d1", a).status, 201);
  ASSERT_EQ(call("DELETE", "/api/v1/groups/" + gid + "/members/" + a.id, "", root).status, 204);
  EXPECT_EQ(send_message(room, "Encore moi", "d2", a).status, 403);
  EXPECT_EQ(send_message(room, "Laisse-moi", "d3", b).status, 403);
  // The socket says the same.
  auto ws = connect(gateways_[0]->port(), a.token);
  ws->send(R"({"type":"send","room":")" + room + R"(","body":"par ici ?","client_msg_id":"d4"})");
  EXPECT_EQ(json_at(ws->read().value_or(""), "code"), "forbidden");
  EXPECT_EQ(count("SELECT count(*) FROM room_events WHERE room = '" + room + "' AND kind = 'message'"), 1);
}

TEST_F(Authorization, ThreadsAndBlocksAnswerAlikeWhetherTheyExistOrNot) {
  // F14: 403 for a thread of a listed group, 404 for an unknown id; 404 for
  // blocking an unknown or erased account, 204 otherwise.
  auto root = admin("Fil");
  auto gid = make_group(root, "Public", "open");
  auto t = post("/api/v1/groups/" + gid + "/threads", R"({"title":"Sujet","body":"Premier"})", root);
  ASSERT_EQ(t.status, 201) << t.body;
  auto tid = *json_at(t.body, "thread.id");
  auto outsider = someone("Curieuse");
  auto existing = get("/api/v1/rooms/thread:" + tid + "/events", outsider);
  auto unknown = get("/api/v1/rooms/thread:987654/events", outsider);
  EXPECT_EQ(existing.status, 404);
  EXPECT_EQ(existing.status, unknown.status);
  EXPECT_EQ(json_at(existing.body, "error.message"), json_at(unknown.body, "error.message"));
  EXPECT_EQ(post("/api/v1/threads/" + tid + "/lock", "{}", outsider).status, 404);
  EXPECT_EQ(call("PUT", "/api/v1/blocks/" + root.id, "", outsider).status, 204);
  EXPECT_EQ(call("PUT", "/api/v1/blocks/987654", "", outsider).status, 204);
  EXPECT_EQ(call("DELETE", "/api/v1/blocks/987654", "", outsider).status, 204);
  EXPECT_EQ(count("SELECT count(*) FROM blocks"), 1);
}

TEST_F(Authorization, RepliesReactionsAndThreadsAreCheckedBeforeAnythingIsStored) {
  // F17: reply_to was never checked, a reaction's emoji never screened, and a
  // thread whose first post was refused was created empty (201).
  auto root = admin("Veille");
  auto gid = make_group(root, "Contrôles", "open");
  ASSERT_EQ(call("PUT", "/api/v1/groups/" + gid + "/watched-words",
                 R"({"rules":[{"pattern":"interdit","action":"block"}]})", root)
                .status,
            200);
  auto r = post("/api/v1/rooms/group:" + gid + "/events",
                R"({"kind":"message","body":"réponse","client_msg_id":"r1","reply_to":424242})", root);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json_at(r.body, "error.field"), "reply_to");
  ASSERT_EQ(send_message("group:" + gid, "Bonjour", "r2", root).status, 201);
  auto seq = one("SELECT max(seq) FROM room_events WHERE room = 'group:" + gid + "'");
  EXPECT_EQ(post("/api/v1/rooms/group:" + gid + "/events",
                 R"({"kind":"message","body":"réponse","client_msg_id":"r3","reply_to":)" + seq + "}", root)
                .status,
            201);
  auto ws = connect(gateways_[0]->port(), root.token);
  ws->send(R"({"type":"react","room":"group:)" + gid + R"(","seq":)" + seq + R"(,"emoji":"c'est interdit","on":true})");
  auto refused = ws->read().value_or("");
  EXPECT_EQ(json_at(refused, "code"), "validation_failed") << refused;
  EXPECT_EQ(json_at(refused, "field"), "emoji");
  auto t = post("/api/v1/groups/" + gid + "/threads", R"({"title":"Sujet","body":"un mot interdit"})", root);
  EXPECT_EQ(t.status, 400) << t.body;
  EXPECT_EQ(count("SELECT count(*) FROM threads"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM room_events WHERE kind = 'reaction'"), 0);
}

TEST_F(Authorization, AnApprovalAndItsPostCommitTogetherOrNotAtAll) {
  // F23: the approval committed, then the append failed: the post stayed
  // "approved", never published, and could no longer be approved.
  auto root = admin("Approbation");
  auto gid = make_group(root, "Retenus", "open");
  auto x = someone("Auteur");
  member(gid, x.id);
  ASSERT_EQ(call("PUT", "/api/v1/groups/" + gid + "/watched-words",
                 R"({"rules":[{"pattern":"acheter","action":"hold"}]})", root)
                .status,
            200);
  auto held = send_message("group:" + gid, "Où acheter des patchs ?", "h1", x);
  ASSERT_EQ(held.status, 202) << held.body;
  auto hid = *json_at(held.body, "held_post.id");
  // The fault: the room log refuses to store anything in this room for now.
  sql("CREATE FUNCTION refuse_events() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected'; END "
      "$$; "
      "CREATE TRIGGER refuse_events BEFORE INSERT ON room_events FOR EACH ROW EXECUTE FUNCTION refuse_events()");
  EXPECT_GE(post("/api/v1/held-posts/" + hid + "/approve", "{}", root).status, 500);
  EXPECT_EQ(one("SELECT state FROM held_posts WHERE id = " + hid), "held");
  sql("DROP TRIGGER refuse_events ON room_events");
  EXPECT_EQ(post("/api/v1/held-posts/" + hid + "/approve", "{}", root).status, 200);
  EXPECT_EQ(count("SELECT count(*) FROM room_events WHERE body LIKE 'Où acheter%'"), 1);
}

TEST_F(Authorization, AHideAndItsDeleteEventCommitTogetherOrNotAtAll) {
  auto root = admin("Masque");
  auto gid = make_group(root, "Signalements", "open");
  auto x = someone("Blessant"), y = someone("Temoin");
  member(gid, x.id);
  member(gid, y.id);
  auto [seq, rid] = post_and_report("group:" + gid, "Message blessant", x, y);
  sql("CREATE FUNCTION refuse_events() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected'; END "
      "$$; "
      "CREATE TRIGGER refuse_events BEFORE INSERT ON room_events FOR EACH ROW EXECUTE FUNCTION refuse_events()");
  EXPECT_GE(post("/api/v1/reports/" + rid + "/resolve", R"({"action":"hide"})", root).status, 500);
  EXPECT_EQ(one("SELECT state FROM reports WHERE id = " + rid), "open");
  sql("DROP TRIGGER refuse_events ON room_events");
  EXPECT_EQ(post("/api/v1/reports/" + rid + "/resolve", R"({"action":"hide"})", root).status, 204);
  EXPECT_EQ(count("SELECT count(*) FROM room_events WHERE kind = 'delete' AND target_seq = " + seq), 1);
}

TEST_F(Authorization, TwoOwnersRemovingEachOtherAtOnceLeaveTheGroupAnOwner) {
  // Both requests pass their checks before either commits: the test holds
  // the owners' rows until both wait on them.
  auto a = admin("OwnerA");
  auto gid = make_group(a, "Deux têtes", "open");
  auto b = someone("OwnerB");
  member(gid, b.id);
  put_role(gid, b, "owner", a);
  pqxx::connection c(db_);
  pqxx::work hold(c);
  hold.exec("SELECT 1 FROM memberships WHERE group_id = " + gid + " AND role = 'owner' FOR UPDATE");
  int status_a = 0, status_b = 0;
  std::thread ta([&] { status_a = call("DELETE", "/api/v1/groups/" + gid + "/members/" + b.id, "", a).status; });
  ASSERT_TRUE(waiting_on_locks(1));
  std::thread tb([&] { status_b = call("DELETE", "/api/v1/groups/" + gid + "/members/" + a.id, "", b).status; });
  ASSERT_TRUE(waiting_on_locks(2));
  hold.commit();
  ta.join();
  tb.join();
  EXPECT_EQ(count("SELECT count(*) FROM memberships WHERE group_id = " + gid + " AND role = 'owner'"), 1)
      << status_a << " " << status_b;
  EXPECT_EQ((status_a == 204) + (status_b == 204), 1) << status_a << " " << status_b;
}

TEST_F(Authorization, JoiningAChildWhileLeavingItsParentLeavesNoChildMembershipBehind) {
  // The join checks the parent membership, then inserts: the test holds the
  // child group's row (the insert's foreign-key check waits on it) while the
  // leave of the parent runs.
  auto root = admin("Parent");
  auto parent = make_group(root, "Parent", "open");
  auto child = make_group(root, "Enfant", "open", "listed", parent);
  auto u = someone("Indecis");
  member(parent, u.id);
  pqxx::connection c(db_);
  pqxx::work hold(c);
  hold.exec("SELECT 1 FROM groups WHERE id = " + child + " FOR UPDATE");
  int joined = 0, left = 0;
  std::thread tj([&] { joined = post("/api/v1/groups/" + child + "/join", "{}", u).status; });
  ASSERT_TRUE(waiting_on_locks(1));
  std::thread tl([&] { left = call("DELETE", "/api/v1/groups/" + parent + "/members/me", "", u).status; });
  // With the parent membership locked by the join, the leave waits too.
  waiting_on_locks(2, std::chrono::seconds(2));
  hold.commit();
  tj.join();
  tl.join();
  EXPECT_EQ(left, 204);
  EXPECT_EQ(count("SELECT count(*) FROM memberships m WHERE m.group_id = " + child +
                  " AND NOT EXISTS (SELECT 1 FROM "
                  "memberships p WHERE p.group_id = " +
                  parent + " AND p.user_id = m.user_id)"),
            0)
      << "join " << joined;
}

}  // namespace
}  // namespace colibri::test
