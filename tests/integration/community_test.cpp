// End-to-end: groups, joining with a motivation, the welcome ritual, threads,
// moderation, watched words, privacy and the caller's rights, against the
// running groups service and two chat gateways on real PostgreSQL and Redis.
#include "colibri/core/clock.hpp"
#include "community_fixture.hpp"

namespace colibri::test {
namespace {

TEST_F(Community, JoinWithAMotivationThenTheWelcomeRitual) {
  auto root = admin("Annie");
  auto gid = make_group(root, "Je ne fume plus", "request");
  auto team_gid = make_group(root, "Équipe d'accueil", "invite", "hidden", gid);
  auto colibri = someone("Colibri");
  member(gid, colibri.id);
  member(team_gid, colibri.id);
  ASSERT_EQ(call("PATCH", "/api/v1/groups/" + gid, R"({"welcome_group_id":)" + team_gid + "}", root).status, 200);

  auto newcomer = someone("Nadia");
  auto ws = connect(gateways_[0]->port(), newcomer.token);

  auto r = post("/api/v1/groups/" + gid + "/join", "{}", newcomer);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(json_at(r.body, "error.code"), "validation_failed");
  EXPECT_EQ(json_at(r.body, "error.field"), "motivation");
  r = post("/api/v1/groups/" + gid + "/join", R"({"motivation":"court"})", newcomer);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(count("SELECT count(*) FROM join_requests"), 0);

  r = post("/api/v1/groups/" + gid + "/join", R"({"motivation":"J'arrête demain, j'ai besoin de vous."})", newcomer);
  ASSERT_EQ(r.status, 202) << r.body;
  auto rid = *json_at(r.body, "join_request.id");
  EXPECT_EQ(
      post("/api/v1/groups/" + gid + "/join", R"({"motivation":"J'arrête demain, j'ai besoin de vous."})", newcomer)
          .status,
      409);
  // Not a member yet: the group's content stays closed.
  EXPECT_EQ(get("/api/v1/rooms/group:" + gid + "/events", newcomer).status, 403);

  // The moderators' queue shows the motivation; only to moderators.
  EXPECT_EQ(get("/api/v1/groups/" + gid + "/join-requests", colibri).status, 403);
  auto queue = get("/api/v1/groups/" + gid + "/join-requests", root);
  ASSERT_EQ(queue.status, 200) << queue.body;
  EXPECT_EQ(json_at(queue.body, "join_requests.0.motivation"), "J'arrête demain, j'ai besoin de vous.");
  EXPECT_EQ(json_at(queue.body, "join_requests.0.user.handle"), "Nadia");
  auto mod_notes = get("/api/v1/notifications", root);
  EXPECT_NE(mod_notes.body.find("\"join_request\""), std::string::npos) << mod_notes.body;

  r = post("/api/v1/groups/" + gid + "/join-requests/" + rid + "/approve", "{}", root);
  ASSERT_EQ(r.status, 204) << r.body;

  // The newcomer: a welcome notification with the rules, live on the socket too.
  auto live = ws->read_until("\"welcome\"");
  ASSERT_TRUE(live);
  EXPECT_NE(live->find("Règle 1 : bienveillance."), std::string::npos) << *live;
  auto notes = get("/api/v1/notifications", newcomer);
  ASSERT_EQ(notes.status, 200);
  EXPECT_EQ(json_at(notes.body, "notifications.0.kind"), "welcome");
  EXPECT_NE(json_at(notes.body, "notifications.0.body").value_or("").find("Règle 1 : bienveillance."),
            std::string::npos);
  // The moderators and the welcome team: a newcomer to greet.
  for (const auto* p : {&root, &colibri}) {
    auto n = get("/api/v1/notifications", *p);
    EXPECT_NE(n.body.find("\"newcomer\""), std::string::npos) << p->handle << ": " << n.body;
    EXPECT_NE(n.body.find("Nadia"), std::string::npos);
  }
  // The room: a join event by the newcomer.
  auto events = get("/api/v1/rooms/group:" + gid + "/events", newcomer);
  ASSERT_EQ(events.status, 200) << events.body;
  EXPECT_NE(events.body.find("\"kind\":\"join\""), std::string::npos) << events.body;
  EXPECT_EQ(json_at(get("/api/v1/groups/" + gid, newcomer).body, "group.my_membership.role"), "member");
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'approve_join'"), 1);

  // A rejected request says why, to the person only.
  auto other = someone("Omar");
  r = post("/api/v1/groups/" + gid + "/join", R"({"motivation":"Je veux voir ce qui se dit ici."})", other);
  ASSERT_EQ(r.status, 202);
  r = post("/api/v1/groups/" + gid + "/join-requests/" + *json_at(r.body, "join_request.id") + "/reject",
           R"({"reason":"Groupe réservé aux personnes qui arrêtent."})", root);
  EXPECT_EQ(r.status, 204);
  EXPECT_NE(get("/api/v1/notifications", other).body.find("Groupe réservé aux personnes qui arrêtent."),
            std::string::npos);
  EXPECT_EQ(get("/api/v1/rooms/group:" + gid + "/events", other).status, 403);
}

TEST_F(Community, NonMembersSeeAndDoNothingAndChildrenNeedTheirParent) {
  auto root = admin("Admin");
  auto gid = make_group(root, "Espace", "request");
  auto hidden = make_group(root, "Caché", "invite", "hidden");
  auto child = make_group(root, "Vapotage", "open", "listed", gid);
  auto m = someone("Membre");
  member(gid, m.id);
  auto posted = send_message("group:" + gid, "Bonjour à tous", "m1", m);
  ASSERT_EQ(posted.status, 201) << posted.body;
  auto thread =
      post("/api/v1/groups/" + gid + "/threads", R"({"title":"Les envies du soir","body":"Comment tenir ?"})", m);
  ASSERT_EQ(thread.status, 201) << thread.body;

  auto outsider = someone("Dehors");
  int events_before = count("SELECT count(*) FROM room_events");
  EXPECT_EQ(get("/api/v1/groups/" + gid + "/threads", outsider).status, 403);
  EXPECT_EQ(get("/api/v1/rooms/group:" + gid + "/events", outsider).status, 403);
  // A thread exists only for its group's members: 404, as for an unknown id (F14).
  EXPECT_EQ(get("/api/v1/rooms/thread:" + *json_at(thread.body, "thread.id") + "/events", outsider).status, 404);
  auto r = send_message("group:" + gid, "Intrus", "o1", outsider);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json_at(r.body, "error.code"), "forbidden");
  r = post("/api/v1/reports", R"({"room":"group:)" + gid + R"(","seq":1,"reason":"spam"})", outsider);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(post("/api/v1/groups/" + gid + "/threads", R"({"title":"x","body":"y"})", outsider).status, 403);
  // The socket refuses the same: react, send, history.
  auto ws = connect(gateways_[1]->port(), outsider.token);
  ws->send(R"({"type":"react","id":"r1","room":"group:)" + gid + R"(","seq":1,"emoji":"👍","on":true})");
  auto err = ws->read_until("\"error\"");
  ASSERT_TRUE(err);
  EXPECT_EQ(json_at(*err, "code"), "forbidden") << *err;
  EXPECT_EQ(count("SELECT count(*) FROM room_events"), events_before);
  EXPECT_EQ(count("SELECT count(*) FROM reports"), 0);

  // A hidden group does not exist for others.
  EXPECT_EQ(get("/api/v1/groups/" + hidden, outsider).status, 404);
  EXPECT_EQ(get("/api/v1/groups/" + hidden + "/threads", outsider).status, 404);
  EXPECT_EQ(get("/api/v1/rooms/group:" + hidden + "/events", outsider).status, 404);
  EXPECT_EQ(get("/api/v1/groups", outsider).body.find("Caché"), std::string::npos);

  // A child needs its parent: refused before, accepted after; leaving the parent leaves the child.
  r = post("/api/v1/groups/" + child + "/join", "{}", outsider);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(count("SELECT count(*) FROM memberships WHERE user_id = " + outsider.id), 0);
  EXPECT_EQ(post("/api/v1/groups/" + child + "/join", "{}", m).status, 201);
  EXPECT_EQ(call("DELETE", "/api/v1/groups/" + gid + "/members/me", "", m).status, 204);
  EXPECT_EQ(count("SELECT count(*) FROM memberships WHERE user_id = " + m.id), 0);
}

TEST_F(Community, ReportsReachTheGroupsModeratorsWhoHideMuteAndRemindPrivately) {
  auto root = admin("Admin");
  auto a = make_group(root, "Groupe A", "request");
  auto b = make_group(root, "Groupe B", "request");
  auto mod_a = someone("ModoA");
  auto mod_b = someone("ModoB");
  member(a, mod_a.id, "NULL");
  member(b, mod_b.id, "NULL");
  sql("UPDATE memberships SET role = 'moderator' WHERE user_id IN (" + mod_a.id + "," + mod_b.id + ")");
  sql("UPDATE groups SET rules = 'Pas d''insultes, jamais.' WHERE id = " + a);
  auto x = someone("Xavier");
  auto y = someone("Yasmine");
  member(a, x.id);
  member(a, y.id);

  auto posted = send_message("group:" + a, "Message déplacé", "x1", x);
  ASSERT_EQ(posted.status, 201);
  auto seq = *json_at(posted.body, "event.seq");
  auto rep = post("/api/v1/reports",
                  R"({"room":"group:)" + a + R"(","seq":)" + seq + R"(,"reason":"abuse","note":"blessant"})", y);
  ASSERT_EQ(rep.status, 201) << rep.body;
  auto rid = *json_at(rep.body, "report.id");

  auto queue = get("/api/v1/groups/" + a + "/reports", mod_a);
  ASSERT_EQ(queue.status, 200) << queue.body;
  EXPECT_EQ(json_at(queue.body, "reports.0.event.body"), "Message déplacé");
  EXPECT_EQ(json_at(queue.body, "reports.0.target.handle"), "Xavier");
  EXPECT_NE(get("/api/v1/notifications", mod_a).body.find("\"report\""), std::string::npos);
  // Not another group's moderators, not the platform admin alone.
  EXPECT_EQ(get("/api/v1/groups/" + a + "/reports", mod_b).status, 403);
  EXPECT_EQ(get("/api/v1/notifications", mod_b).body.find("\"report\""), std::string::npos);
  EXPECT_EQ(post("/api/v1/reports/" + rid + "/resolve", R"({"action":"hide"})", mod_b).status, 404);
  EXPECT_EQ(post("/api/v1/reports/" + rid + "/resolve", R"({"action":"hide"})", y).status, 404);

  ASSERT_EQ(post("/api/v1/reports/" + rid + "/resolve", R"({"action":"hide","note":"insulte"})", mod_a).status, 204);
  auto events = get("/api/v1/rooms/group:" + a + "/events?after=" + seq, y);
  EXPECT_NE(events.body.find("\"kind\":\"delete\""), std::string::npos) << events.body;
  EXPECT_NE(events.body.find("\"target_seq\":" + seq), std::string::npos) << events.body;
  // The text leaves the room; it stays as the report's evidence (issue 14).
  EXPECT_EQ(one("SELECT body IS NULL FROM room_events WHERE room = 'group:" + a + "' AND seq = " + seq), "t");
  EXPECT_EQ(one("SELECT evidence FROM reports WHERE id = " + rid), "Message déplacé");
  EXPECT_EQ(post("/api/v1/reports/" + rid + "/resolve", R"({"action":"dismiss"})", mod_a).status, 409);

  // A reminder of the rules goes to the person, quoting the rules; nothing in the room.
  int room_events = count("SELECT count(*) FROM room_events WHERE room = 'group:" + a + "'");
  rep = post("/api/v1/reports", R"({"user_id":)" + x.id + R"(,"group_id":)" + a + R"(,"reason":"abuse"})", y);
  ASSERT_EQ(rep.status, 201) << rep.body;
  ASSERT_EQ(
      post("/api/v1/reports/" + *json_at(rep.body, "report.id") + "/resolve", R"({"action":"remind_rules"})", mod_a)
          .status,
      204);
  EXPECT_NE(get("/api/v1/notifications", x).body.find("Pas d'insultes, jamais."), std::string::npos);
  EXPECT_EQ(get("/api/v1/notifications", y).body.find("Pas d'insultes, jamais."), std::string::npos);
  EXPECT_EQ(count("SELECT count(*) FROM room_events WHERE room = 'group:" + a + "'"), room_events);

  // A mute: refused on REST (403) and on the socket (forbidden); reading still works.
  rep = post("/api/v1/reports", R"({"user_id":)" + x.id + R"(,"group_id":)" + a + R"(,"reason":"abuse"})", y);
  ASSERT_EQ(post("/api/v1/reports/" + *json_at(rep.body, "report.id") + "/resolve",
                 R"({"action":"mute","duration_minutes":60,"note":"récidive"})", mod_a)
                .status,
            204);
  auto refused = send_message("group:" + a, "Encore moi", "x2", x);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(json_at(refused.body, "error.code"), "forbidden");
  auto ws = connect(gateways_[0]->port(), x.token);
  ws->send(R"({"type":"send","id":"s1","room":"group:)" + a + R"(","body":"Par le socket","client_msg_id":"x3"})");
  auto err = ws->read_until("\"error\"");
  ASSERT_TRUE(err);
  EXPECT_EQ(json_at(*err, "code"), "forbidden") << *err;
  EXPECT_EQ(get("/api/v1/rooms/group:" + a + "/events", x).status, 200);
  EXPECT_EQ(count("SELECT count(*) FROM room_events WHERE room = 'group:" + a + "'"), room_events);

  // Every action is in the audit log, readable by the group's moderators only.
  auto log = get("/api/v1/groups/" + a + "/audit", mod_a);
  ASSERT_EQ(log.status, 200) << log.body;
  for (const char* action : {"\"hide\"", "\"remind_rules\"", "\"mute\""})
    EXPECT_NE(log.body.find(action), std::string::npos) << action << " " << log.body;
  EXPECT_NE(log.body.find("récidive"), std::string::npos);
  EXPECT_EQ(json_at(log.body, "entries.0.actor.handle"), "ModoA");
  EXPECT_EQ(get("/api/v1/groups/" + a + "/audit", y).status, 403);

  // Unmute, a direct mute with its reason, then removal through a report.
  EXPECT_EQ(call("DELETE", "/api/v1/groups/" + a + "/mutes/" + x.id, "", mod_a).status, 204);
  EXPECT_EQ(send_message("group:" + a, "Je m'excuse", "x4", x).status, 201);
  EXPECT_EQ(post("/api/v1/groups/" + a + "/mutes",
                 R"({"user_id":)" + x.id + R"(,"until":"2099-01-01T00:00:00Z","reason":"Pause demandée"})", mod_a)
                .status,
            204);
  EXPECT_NE(get("/api/v1/notifications", x).body.find("Pause demandée"), std::string::npos);
  EXPECT_EQ(send_message("group:" + a, "Encore", "x5", x).status, 403);
  rep = post("/api/v1/reports", R"({"user_id":)" + x.id + R"(,"group_id":)" + a + R"(,"reason":"abuse"})", y);
  ASSERT_EQ(post("/api/v1/reports/" + *json_at(rep.body, "report.id") + "/resolve",
                 R"({"action":"remove","note":"exclu"})", mod_a)
                .status,
            204);
  EXPECT_EQ(count("SELECT count(*) FROM memberships WHERE user_id = " + x.id), 0);
  EXPECT_EQ(get("/api/v1/rooms/group:" + a + "/events", x).status, 403);
  EXPECT_EQ(count("SELECT count(*) FROM room_events WHERE room = 'group:" + a +
                  "' AND kind = 'leave' AND author_id = " + x.id),
            1);
  log = get("/api/v1/groups/" + a + "/audit", mod_a);
  for (const char* action : {"\"unmute\"", "\"remove\""}) EXPECT_NE(log.body.find(action), std::string::npos) << action;
}

TEST_F(Community, WatchedWordsHoldFlagAndBlock) {
  auto root = admin("Admin");
  auto gid = make_group(root, "Groupe", "request");
  auto x = someone("Xena");
  auto y = someone("Yann");
  member(gid, x.id);
  member(gid, y.id);
  auto r = call(
      "PUT", "/api/v1/groups/" + gid + "/watched-words",
      R"({"rules":[{"pattern":"acheter","action":"hold"},{"pattern":"Insulte","action":"block"},{"pattern":"arnaque","action":"flag"}]})",
      root);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(
      call("PUT", "/api/v1/groups/" + gid + "/watched-words", R"({"rules":[{"pattern":"x","action":"ban"}]})", root)
          .status,
      400);
  EXPECT_EQ(call("PUT", "/api/v1/groups/" + gid + "/watched-words", R"({"rules":[]})", x).status, 403);

  auto held = send_message("group:" + gid, "Où ACHETER des patchs pas chers ?", "h1", x);
  ASSERT_EQ(held.status, 202) << held.body;
  auto hid = *json_at(held.body, "held_post.id");
  // Invisible to everyone, the author included, until approved.
  for (const auto* p : {&x, &y})
    EXPECT_EQ(get("/api/v1/rooms/group:" + gid + "/events", *p).body.find("patchs"), std::string::npos);
  auto ws = connect(gateways_[1]->port(), y.token);
  ws->send(R"({"type":"subscribe","room":"group:)" + gid + R"(","since":0})");
  ASSERT_TRUE(ws->read_until("\"subscribed\""));
  auto queue = get("/api/v1/groups/" + gid + "/held-posts", root);
  ASSERT_EQ(queue.status, 200);
  EXPECT_EQ(json_at(queue.body, "held_posts.0.body"), "Où ACHETER des patchs pas chers ?");
  EXPECT_EQ(get("/api/v1/groups/" + gid + "/held-posts", y).status, 403);
  ASSERT_EQ(post("/api/v1/held-posts/" + hid + "/approve", "{}", root).status, 200);
  auto live = ws->read_until("patchs");
  ASSERT_TRUE(live);
  EXPECT_NE(get("/api/v1/rooms/group:" + gid + "/events", y).body.find("patchs pas chers"), std::string::npos);
  EXPECT_EQ(post("/api/v1/held-posts/" + hid + "/approve", "{}", root).status, 404);

  int stored = count("SELECT count(*) FROM room_events");
  r = send_message("group:" + gid, "Une insulte", "b1", x);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json_at(r.body, "error.field"), "body");
  EXPECT_EQ(count("SELECT count(*) FROM room_events"), stored);

  r = send_message("group:" + gid, "Attention, c'est une arnaque", "f1", x);
  EXPECT_EQ(r.status, 201);
  auto reports = get("/api/v1/groups/" + gid + "/reports", root);
  EXPECT_EQ(json_at(reports.body, "reports.0.reason"), "watched_word") << reports.body;

  // The socket screens alike: held (the others never see it), blocked, flagged.
  auto xs = connect(gateways_[0]->port(), x.token);
  xs->send(R"({"type":"send","id":"1","room":"group:)" + gid +
           R"(","body":"Je peux acheter pour toi","client_msg_id":"s1"})");
  auto held_frame = xs->read_until("\"held\"");
  ASSERT_TRUE(held_frame);
  EXPECT_TRUE(json_at(*held_frame, "held_post_id")) << *held_frame;
  xs->send(R"({"type":"send","id":"2","room":"group:)" + gid + R"(","body":"Quelle INSULTE","client_msg_id":"s2"})");
  auto refused = xs->read_until("\"error\"");
  ASSERT_TRUE(refused);
  EXPECT_EQ(json_at(*refused, "code"), "validation_failed") << *refused;
  xs->send(R"({"type":"send","id":"3","room":"group:)" + gid +
           R"(","body":"Encore une arnaque","client_msg_id":"s3"})");
  ASSERT_TRUE(xs->read_until("\"ack\""));
  for (int i = 0; i < 20; ++i) {
    auto f = ws->read();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->find("pour toi"), std::string::npos) << *f;
    EXPECT_EQ(f->find("INSULTE"), std::string::npos) << *f;
    if (f->find("Encore une arnaque") != std::string::npos) break;
  }
  EXPECT_EQ(count("SELECT count(*) FROM held_posts WHERE state = 'held'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM reports WHERE reason = 'watched_word'"), 2);
}

TEST_F(Community, ThreadsListByActivityWithUnreadAndLocking) {
  auto root = admin("Admin");
  auto gid = make_group(root, "Groupe", "request");
  auto x = someone("Xavier");
  auto y = someone("Yvonne");
  member(gid, x.id);
  member(gid, y.id);
  auto t1 = post("/api/v1/groups/" + gid + "/threads", R"({"title":"Premier","body":"Un"})", x);
  ASSERT_EQ(t1.status, 201) << t1.body;
  EXPECT_EQ(json_at(t1.body, "thread.post_count"), "1");
  auto t2 = post("/api/v1/groups/" + gid + "/threads", R"({"title":"Second","body":"Deux"})", x);
  ASSERT_EQ(t2.status, 201);
  auto tid1 = *json_at(t1.body, "thread.id");
  // Activity in the first thread (over the socket) brings it back on top.
  auto ws = connect(gateways_[0]->port(), y.token);
  ws->send(R"({"type":"send","room":"thread:)" + tid1 + R"(","body":"Je suis là","client_msg_id":"y1"})");
  ASSERT_TRUE(ws->read_until("\"ack\""));
  auto list = get("/api/v1/groups/" + gid + "/threads", x);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(json_at(list.body, "threads.0.id"), tid1);
  EXPECT_EQ(json_at(list.body, "threads.0.post_count"), "2");
  EXPECT_EQ(json_at(list.body, "threads.0.unread"), "1");  // Yvonne's reply; his own post is not unread
  // Marked read on the socket: nothing unread; a new reply: one again.
  auto xs = connect(gateways_[1]->port(), x.token);
  xs->send(R"({"type":"read","room":"thread:)" + tid1 + R"(","seq":2})");
  ASSERT_TRUE(xs->read_until("\"unread\""));
  EXPECT_EQ(json_at(get("/api/v1/groups/" + gid + "/threads", x).body, "threads.0.unread"), "0");
  ws->send(R"({"type":"send","room":"thread:)" + tid1 + R"(","body":"Et encore","client_msg_id":"y2"})");
  ASSERT_TRUE(ws->read_until("\"ack\""));
  list = get("/api/v1/groups/" + gid + "/threads", x);
  EXPECT_EQ(json_at(list.body, "threads.0.unread"), "1") << list.body;
  EXPECT_EQ(json_at(list.body, "threads.0.read_seq"), "2");
  auto page = get("/api/v1/groups/" + gid + "/threads?limit=1", x);
  EXPECT_EQ(json_at(page.body, "has_more"), "true");
  auto next = get("/api/v1/groups/" + gid + "/threads?limit=1&before=" + tid1, x);
  EXPECT_EQ(json_at(next.body, "threads.0.title"), "Second");

  EXPECT_EQ(post("/api/v1/threads/" + tid1 + "/lock", "", x).status, 403);
  auto locked = post("/api/v1/threads/" + tid1 + "/lock", "", root);
  ASSERT_EQ(locked.status, 200) << locked.body;
  EXPECT_EQ(json_at(locked.body, "thread.locked"), "true");
  EXPECT_EQ(send_message("thread:" + tid1, "Encore", "x9", x).status, 403);
  EXPECT_EQ(send_message("thread:" + tid1, "Discussion close, merci à tous", "r9", root).status, 201);
  EXPECT_EQ(post("/api/v1/threads/" + tid1 + "/pin", "", root).status, 200);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action IN ('lock_thread', 'pin_thread')"), 2);

  // Direct conversations between people who share a group; a block stops them both ways.
  auto c = post("/api/v1/conversations", R"({"user_ids":[)" + y.id + "]}", x);
  ASSERT_EQ(c.status, 201) << c.body;
  auto room = *json_at(c.body, "conversation.room");
  EXPECT_EQ(send_message(room, "Salut", "d1", y).status, 201);
  auto stranger = someone("Inconnu");
  EXPECT_EQ(post("/api/v1/conversations", R"({"user_ids":[)" + stranger.id + "]}", x).status, 403);
  // Each member lists it (with the other's handle and what they have read); nobody else.
  auto listed = get("/api/v1/conversations", x);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(json_at(listed.body, "conversations.0.room"), room);
  EXPECT_EQ(json_at(listed.body, "conversations.0.last_seq"), "1");
  EXPECT_EQ(json_at(listed.body, "conversations.0.read_seq"), "0");
  EXPECT_EQ(json_at(listed.body, "conversations.0.members.1.handle"), y.handle) << listed.body;
  EXPECT_EQ(json_at(get("/api/v1/conversations", y).body, "conversations.0.room"), room);
  EXPECT_EQ(get("/api/v1/conversations", stranger).body, R"({"conversations":[]})");
  EXPECT_EQ(get("/api/v1/conversations", person{}).status, 401);
  // A direct message is reported to the moderators of a group both share, and only such a group.
  auto dm = send_message(room, "Un message privé déplacé", "d9", y);
  auto dm_seq = *json_at(dm.body, "event.seq");
  auto r = post("/api/v1/reports", R"({"room":")" + room + R"(","seq":)" + dm_seq + R"(,"reason":"abuse"})", x);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(json_at(r.body, "error.field"), "group_id");
  auto elsewhere = make_group(root, "Ailleurs", "open");
  ASSERT_EQ(post("/api/v1/groups/" + elsewhere + "/join", "{}", x).status, 201);
  EXPECT_EQ(
      post("/api/v1/reports",
           R"({"room":")" + room + R"(","seq":)" + dm_seq + R"(,"reason":"abuse","group_id":)" + elsewhere + "}", x)
          .status,
      404);
  EXPECT_EQ(post("/api/v1/reports",
                 R"({"room":")" + room + R"(","seq":)" + dm_seq + R"(,"reason":"abuse","group_id":)" + gid + "}", x)
                .status,
            201);
  EXPECT_EQ(call("PUT", "/api/v1/blocks/" + x.id, "", y).status, 204);
  EXPECT_EQ(send_message(room, "Tu es là ?", "d2", x).status, 403);
  EXPECT_EQ(send_message(room, "Et moi ?", "d3", y).status, 403);
}

TEST_F(Community, InvitationsAreSingleUseBoundAndExpireAndOwnersStay) {
  auto root = admin("Admin");
  auto pro = make_group(root, "Espace pro", "invite", "hidden");
  auto doc = someone("Docteure");
  auto other = someone("Autre");
  EXPECT_EQ(post("/api/v1/groups/" + pro + "/join", "{}", doc).status, 404);  // hidden: it does not exist for her
  EXPECT_EQ(post("/api/v1/groups/" + pro + "/invitations", "{}", doc).status, 404);

  auto inv = post("/api/v1/groups/" + pro + "/invitations", "{}", root);
  ASSERT_EQ(inv.status, 201) << inv.body;
  auto code = *json_at(inv.body, "invitation.code");
  EXPECT_EQ(count("SELECT count(*) FROM invitations WHERE code_hash = '" + code + "'"), 0);  // stored hashed
  auto joined = post("/api/v1/invitations/" + code + "/accept", "", doc);
  ASSERT_EQ(joined.status, 201) << joined.body;
  EXPECT_EQ(json_at(joined.body, "group.my_membership.role"), "member");
  EXPECT_NE(get("/api/v1/notifications", doc).body.find("\"welcome\""), std::string::npos);
  EXPECT_EQ(post("/api/v1/invitations/" + code + "/accept", "", other).status, 404);  // single use

  auto bound = post("/api/v1/groups/" + pro + "/invitations", R"({"email":"docteure@example.fr"})", root);
  EXPECT_EQ(post("/api/v1/invitations/" + *json_at(bound.body, "invitation.code") + "/accept", "", other).status, 404);
  auto late = post("/api/v1/groups/" + pro + "/invitations", "{}", root);
  sql("UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE used_at IS NULL");
  EXPECT_EQ(post("/api/v1/invitations/" + *json_at(late.body, "invitation.code") + "/accept", "", other).status, 404);
  EXPECT_EQ(count("SELECT count(*) FROM memberships WHERE user_id = " + other.id), 0);

  // Registering with an invitation: the account and the membership together, or neither.
  auto fresh = *json_at(post("/api/v1/groups/" + pro + "/invitations", "{}", root).body, "invitation.code");
  auto reg =
      http_call(groups_->port(), "POST", "/api/v1/auth/register",
                R"({"email":"infirmier@example.fr","password":"un mot de passe","handle":"Infirmier","invitation":")" +
                    fresh + "\"}");
  ASSERT_EQ(reg.status, 201) << reg.body;
  person nurse{*json_at(reg.body, "token"), *json_at(reg.body, "user.id"), "Infirmier"};
  EXPECT_EQ(json_at(get("/api/v1/groups/" + pro, nurse).body, "group.my_membership.role"), "member");
  auto again = http_call(
      groups_->port(), "POST", "/api/v1/auth/register",
      R"({"email":"aide@example.fr","password":"un mot de passe","handle":"Aide","invitation":")" + fresh + "\"}");
  EXPECT_EQ(again.status, 400) << again.body;
  EXPECT_EQ(json_at(again.body, "error.field"), "invitation");
  EXPECT_EQ(count("SELECT count(*) FROM users WHERE email = 'aide@example.fr'"), 0);

  // Roles: owners appoint; the last owner cannot leave nor be demoted.
  EXPECT_EQ(call("PUT", "/api/v1/groups/" + pro + "/members/" + doc.id, R"({"role":"moderator"})", doc).status, 403);
  EXPECT_EQ(call("PUT", "/api/v1/groups/" + pro + "/members/" + root.id, R"({"role":"member"})", root).status, 409);
  EXPECT_EQ(call("DELETE", "/api/v1/groups/" + pro + "/members/me", "", root).status, 409);
  EXPECT_EQ(call("PUT", "/api/v1/groups/" + pro + "/members/" + doc.id, R"({"role":"owner"})", root).status, 204);
  EXPECT_EQ(call("DELETE", "/api/v1/groups/" + pro + "/members/me", "", root).status, 204);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'set_role:owner'"), 1);
}

TEST_F(Community, TheTwoSpacesAreSeededOnceInFrench) {
  auto env = env_;
  env["COLIBRI_SEED_GROUPS"] = "true";
  for (int run = 0; run < 2; ++run) {  // a second start creates nothing more
    service_process seeded("groups", env, free_port());
    seeded.wait_healthy();
  }
  EXPECT_EQ(count("SELECT count(*) FROM groups WHERE slug IS NOT NULL"), 11);
  EXPECT_EQ(one("SELECT join_policy || '/' || visibility FROM groups WHERE slug = 'je-ne-fume-plus'"),
            "request/listed");
  EXPECT_EQ(one("SELECT join_policy || '/' || visibility FROM groups WHERE slug = 'e-mediation'"), "invite/hidden");
  EXPECT_EQ(count("SELECT count(*) FROM groups c JOIN groups p ON p.id = c.parent_id WHERE p.slug = 'je-ne-fume-plus' "
                  "AND c.slug IN ('vapotage', 'grossesse', 'rechute', 'machine-a-cafe')"),
            4);
  EXPECT_EQ(count("SELECT count(*) FROM groups c JOIN groups p ON p.id = c.parent_id WHERE p.slug = 'e-mediation' "
                  "AND c.slug IN ('pro-general', 'structures-de-sante', 'entreprises-sante-travail')"),
            3);
  // Someone new sees the self-help space and its sub-groups, not the professional space.
  auto newcomer = someone("Nouveau");
  auto list = get("/api/v1/groups", newcomer);
  EXPECT_NE(list.body.find("Je ne fume plus"), std::string::npos);
  EXPECT_NE(list.body.find("Vapotage"), std::string::npos);
  EXPECT_NE(list.body.find("règles du débat"), std::string::npos);
  EXPECT_EQ(list.body.find("e-médiation"), std::string::npos);
  EXPECT_EQ(list.body.find("Structures de santé"), std::string::npos);
  EXPECT_EQ(list.body.find("Équipe d'accueil"), std::string::npos);
  // The professional space is one, with its sub-groups, and a newcomer to it
  // finds upcoming webinars and a practice session offered twice (once seeded).
  EXPECT_EQ(count("SELECT count(*) FROM groups WHERE kind = 'professional'"), 5);
  EXPECT_EQ(count("SELECT count(*) FROM meetings"), 4);
  auto pro = someone("Praticienne");
  member(one("SELECT id FROM groups WHERE slug = 'e-mediation'"), pro.id);
  auto listing = get("/api/v1/meetings", pro);
  EXPECT_EQ(listing.status, 200);
  EXPECT_NE(listing.body.find("Intervision de pratique"), std::string::npos);
  EXPECT_NE(listing.body.find("femmes enceintes"), std::string::npos);
  EXPECT_EQ(count("SELECT count(DISTINCT slot_key) FROM meeting_occurrences WHERE slot_key LIKE 'g%'"), 3);
  EXPECT_EQ(get("/api/v1/meetings", newcomer).body.find("Intervision"), std::string::npos);
}

TEST_F(Community, QuitProfileAttemptsAndProgress) {
  auto q = someone("Quentin");
  ASSERT_EQ(call("PATCH", "/api/v1/me", R"({"timezone":"UTC"})", q).status, 200);
  EXPECT_EQ(get("/api/v1/me/progress", q).body, R"({"progress":null})");
  auto today = one("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')");
  auto ten_days_ago = one("SELECT to_char((now() AT TIME ZONE 'UTC')::date - 10, 'YYYY-MM-DD')");
  auto r = call("PATCH", "/api/v1/me",
                R"({"quit":{"date":")" + ten_days_ago +
                    R"(","cigarettes_per_day":20,"pack_price_cents":1200,"pack_size":20,"share":"groups"}})",
                q);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_at(r.body, "user.quit.date"), ten_days_ago);
  EXPECT_EQ(json_at(r.body, "user.quit.attempt"), "1");
  EXPECT_EQ(json_at(r.body, "user.quit.share"), "groups");
  auto p = get("/api/v1/me/progress", q);
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(json_at(p.body, "progress.today"), today);
  EXPECT_EQ(json_at(p.body, "progress.days"), "10");
  EXPECT_EQ(json_at(p.body, "progress.cigarettes_not_smoked"), "200");
  EXPECT_EQ(json_at(p.body, "progress.money_saved_cents"), "12000");
  EXPECT_EQ(json_at(p.body, "progress.next_milestone.key"), "2w");
  EXPECT_EQ(json_at(p.body, "progress.next_milestone.name"), "2 semaines sans tabac");
  EXPECT_NE(json_at(p.body, "progress.health_fact.source").value_or("").find("who.int"), std::string::npos);
  auto en = http_get(groups_->port(), "/api/v1/me/progress",
                     {{"Authorization", "Bearer " + q.token}, {"Accept-Language", "en"}});
  EXPECT_EQ(json_at(en.body, "progress.next_milestone.name"), "2 weeks without tobacco");

  // Same date: the attempt is updated; a new date (after a relapse): a new attempt, the first kept.
  r = call("PATCH", "/api/v1/me", R"({"quit":{"date":")" + ten_days_ago + R"(","cigarettes_per_day":15}})", q);
  EXPECT_EQ(json_at(r.body, "user.quit.attempt"), "1");
  EXPECT_EQ(json_at(r.body, "user.quit.share"), "private");
  r = call("PATCH", "/api/v1/me", R"({"quit":{"date":")" + today + R"("}})", q);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_at(r.body, "user.quit.attempt"), "2");
  EXPECT_EQ(json_at(get("/api/v1/me/progress", q).body, "progress.days"), "0");
  EXPECT_EQ(count("SELECT count(*) FROM quit_attempts WHERE user_id = " + q.id), 2);
  EXPECT_EQ(get("/api/v1/me", q).body.find("relapse"), std::string::npos);
  // A countdown: up to a year ahead.
  auto soon = one("SELECT to_char((now() AT TIME ZONE 'UTC')::date + 7, 'YYYY-MM-DD')");
  r = call("PATCH", "/api/v1/me", R"({"quit":{"date":")" + soon + R"("}})", q);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_at(get("/api/v1/me/progress", q).body, "progress.days_until"), "7");
  EXPECT_NE(get("/api/v1/me/export", q).body.find("\"quit_attempts\""), std::string::npos);
}

TEST_F(Community, QuitProfileBadInputStoresNothing) {
  auto q = someone("Quitterie");
  auto far = one("SELECT to_char(current_date + 400, 'YYYY-MM-DD')");
  for (const std::string& body : std::vector<std::string>{
           R"({"quit":{"date":"2026-02-30"}})", R"({"quit":{"date":"26-02-01"}})", R"({"quit":{"date":"1949-12-31"}})",
           R"({"quit":{"date":")" + far + R"("}})", R"({"quit":{}})", R"({"quit":"demain"})",
           R"({"quit":{"date":"2026-01-01","cigarettes_per_day":-3}})",
           R"({"quit":{"date":"2026-01-01","cigarettes_per_day":"vingt"}})",
           R"({"quit":{"date":"2026-01-01","pack_price_cents":99999999,"pack_size":20}})",
           R"({"quit":{"date":"2026-01-01","pack_price_cents":1200}})",
           R"({"quit":{"date":"2026-01-01","pack_size":0,"pack_price_cents":1200}})",
           R"({"quit":{"date":"2026-01-01","share":"everyone"}})",
           R"({"timezone":"Mars/Olympus","quit":{"date":"2026-01-01"}})"}) {
    auto r = call("PATCH", "/api/v1/me", body, q);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_EQ(json_at(r.body, "error.code"), "validation_failed") << body;
  }
  EXPECT_EQ(count("SELECT count(*) FROM quit_attempts"), 0);
  EXPECT_EQ(one("SELECT timezone FROM users WHERE id = " + q.id), "Europe/Paris");
}

TEST_F(Community, CelebrationsShowOnlySharingMembersOfTheGroupOnce) {
  auto root = admin("Admin");
  auto gid = make_group(root, "Groupe", "open");
  auto other_gid = make_group(root, "Autre", "open");
  auto sharer = someone("Alice");
  auto secret = someone("Bruno");
  auto elsewhere = someone("Chloe");
  auto volunteer = someone("Colibri");
  auto second = someone("Deuxieme");
  auto outsider = someone("Dehors");
  for (const auto* p : {&sharer, &secret, &volunteer, &second}) member(gid, p->id);
  member(other_gid, elsewhere.id);
  auto ten_days_ago = one("SELECT to_char((now() AT TIME ZONE 'UTC')::date - 10, 'YYYY-MM-DD')");
  for (const auto* p : {&sharer, &secret, &elsewhere, &volunteer}) {
    std::string share = p == &secret ? "private" : "groups";
    ASSERT_EQ(call("PATCH", "/api/v1/me",
                   R"({"timezone":"UTC","quit":{"date":")" + ten_days_ago + R"(","share":")" + share + "\"}}", *p)
                  .status,
              200);
  }
  // Everyone who reads the list counts days in UTC, like the dates above:
  // otherwise, from 23:00 UTC, a reader in Paris already reads tomorrow's.
  ASSERT_EQ(call("PATCH", "/api/v1/me", R"({"timezone":"UTC"})", second).status, 200);
  // The volunteer's own celebration is there too (they share); an old attempt's badge shows nowhere.
  sql("INSERT INTO badge_grants (attempt_id, user_id, milestone, falls_on, granted_at) SELECT id, user_id, '1w', "
      "quit_date + 7, now() FROM quit_attempts WHERE user_id = " +
      sharer.id);
  auto list = get("/api/v1/groups/" + gid + "/celebrations", volunteer);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_NE(list.body.find("Alice"), std::string::npos);
  EXPECT_EQ(list.body.find("Bruno"), std::string::npos);
  EXPECT_EQ(list.body.find("Chloe"), std::string::npos);
  EXPECT_EQ(list.body.find(ten_days_ago), std::string::npos) << "no quit date in celebrations";
  std::string cid;
  for (int i = 0; i < 3; ++i)
    if (json_at(list.body, "celebrations." + std::to_string(i) + ".user.handle") == "Alice") {
      cid = *json_at(list.body, "celebrations." + std::to_string(i) + ".id");
      EXPECT_EQ(json_at(list.body, "celebrations." + std::to_string(i) + ".day"), "10");
    }
  ASSERT_FALSE(cid.empty());
  EXPECT_EQ(get("/api/v1/groups/" + gid + "/celebrations", outsider).status, 403);
  EXPECT_EQ(get("/api/v1/groups/" + gid + "/celebrations?date=2026-02-30", volunteer).status, 400);
  EXPECT_EQ(post("/api/v1/celebrations/" + cid + "/congratulated", "", outsider).status, 404);
  EXPECT_EQ(post("/api/v1/celebrations/" + cid + "/congratulated", "", volunteer).status, 204);
  auto twice = post("/api/v1/celebrations/" + cid + "/congratulated", "", second);
  EXPECT_EQ(twice.status, 409);
  EXPECT_NE(twice.body.find("Colibri"), std::string::npos);
  EXPECT_EQ(
      json_at(get("/api/v1/groups/" + gid + "/celebrations", second).body, "celebrations.0.congratulated_by.handle"),
      "Colibri");

  // Badges: a sharer's current ones to the members of their groups; a private quitter's to nobody else.
  auto b = get("/api/v1/users/" + sharer.id + "/badges", volunteer);
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(json_at(b.body, "badges.0.milestone"), "1w");
  EXPECT_EQ(get("/api/v1/users/" + sharer.id + "/badges", outsider).status, 404);
  EXPECT_EQ(get("/api/v1/users/" + secret.id + "/badges", volunteer).status, 404);
  EXPECT_EQ(get("/api/v1/users/" + secret.id + "/badges", secret).status, 200);
  ASSERT_EQ(call("PATCH", "/api/v1/me",
                 R"({"quit":{"date":")" + one("SELECT to_char((now() AT TIME ZONE 'UTC')::date - 2, 'YYYY-MM-DD')") +
                     R"(","share":"groups"}})",
                 sharer)
                .status,
            200);  // a new attempt: the old badge stays in her own history only
  EXPECT_EQ(get("/api/v1/users/" + sharer.id + "/badges", volunteer).body.find("1w"), std::string::npos);
  auto mine = get("/api/v1/me/badges", sharer);
  EXPECT_EQ(json_at(mine.body, "badges.0.attempt"), "1");
  EXPECT_EQ(json_at(mine.body, "badges.0.current"), "false");
  EXPECT_EQ(json_at(get("/api/v1/badges", sharer).body, "badges.5.name"), "1 mois sans tabac");
}

TEST_F(Community, ExportThenErasure) {
  auto root = admin("Admin");
  auto gid = make_group(root, "Groupe", "open");
  auto z = someone("ZoeSecrete");
  ASSERT_EQ(post("/api/v1/groups/" + gid + "/join", "{}", z).status, 201);
  ASSERT_EQ(send_message("group:" + gid, "Trois jours sans fumer", "z1", z).status, 201);
  auto ws = connect(gateways_[1]->port(), z.token);

  auto ex = get("/api/v1/me/export", z);
  ASSERT_EQ(ex.status, 200) << ex.body;
  for (const char* needle :
       {"ZoeSecrete@example.fr", "Trois jours sans fumer", "\"memberships\"", "\"welcome\"", "\"scheduled_posts\""})
    EXPECT_NE(ex.body.find(needle), std::string::npos) << needle;
  EXPECT_EQ(ex.body.find("password"), std::string::npos);
  EXPECT_EQ(ex.body.find("token"), std::string::npos);

  auto del = call("DELETE", "/api/v1/me", R"({"password":"un mot de passe"})", z);
  ASSERT_EQ(del.status, 202) << del.body;
  EXPECT_EQ(ws->wait_closed().code, 4003);
  EXPECT_EQ(get("/api/v1/me", z).status, 401);
  auto login = http_call(groups_->port(), "POST", "/api/v1/auth/login",
                         R"({"email":"ZoeSecrete@example.fr","password":"un mot de passe"})");
  EXPECT_EQ(login.status, 401);
  // The handle appears nowhere: events show "membre supprimé".
  auto events = get("/api/v1/rooms/group:" + gid + "/events", root);
  EXPECT_EQ(events.body.find("ZoeSecrete"), std::string::npos) << events.body;
  EXPECT_NE(events.body.find("membre supprimé"), std::string::npos);
  EXPECT_EQ(get("/api/v1/notifications", root).body.find("ZoeSecrete"), std::string::npos);
  EXPECT_EQ(count("SELECT count(*) FROM users WHERE handle LIKE '%ZoeSecrete%' OR email LIKE '%ZoeSecrete%'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE title LIKE '%ZoeSecrete%' OR body LIKE '%ZoeSecrete%' OR "
                  "data::text LIKE '%Zo%'"),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM memberships WHERE user_id = " + z.id), 0);
  // The handle is free again for someone else.
  EXPECT_EQ(someone("ZoeSecrete").handle, "ZoeSecrete");
}

TEST_F(Community, BadInputGetsTheContractsErrorsAndStoresNothing) {
  auto root = admin("Admin");
  auto a = make_group(root, "A", "request");
  auto b = make_group(root, "B", "request");
  auto m = someone("Membre");
  member(a, m.id);
  auto asker = someone("Demandeur");
  auto req_b = post("/api/v1/groups/" + b + "/join", R"({"motivation":"Une motivation sincère."})", asker);
  ASSERT_EQ(req_b.status, 202);
  auto rid_b = *json_at(req_b.body, "join_request.id");
  auto snapshot = [&] {
    return one(
        "SELECT (SELECT count(*) FROM groups) || '/' || (SELECT count(*) FROM join_requests) || '/' || "
        "(SELECT count(*) FROM threads) || '/' || (SELECT count(*) FROM reports) || '/' || "
        "(SELECT count(*) FROM room_events) || '/' || (SELECT count(*) FROM memberships)");
  };
  auto before = snapshot();
  std::string long_title(201, 't');
  std::string long_body(4001, 'b');
  struct bad {
    std::string method, target, body;
    const person* who;
    int status;
    std::string code;
  };
  person nobody;
  std::vector<bad> cases = {
      {"GET", "/api/v1/groups", "", &nobody, 401, "unauthenticated"},
      {"POST", "/api/v1/groups", "{not json", &root, 400, "invalid_json"},
      {"POST", "/api/v1/groups", R"({"name":1,"join_policy":"open","visibility":"listed"})", &root, 400,
       "validation_failed"},
      {"POST", "/api/v1/groups", R"({"name":"x","join_policy":"everyone","visibility":"listed"})", &root, 400,
       "validation_failed"},
      {"POST", "/api/v1/groups", R"({"name":"x","join_policy":"open","visibility":"listed"})", &m, 403, "forbidden"},
      {"GET", "/api/v1/groups/999999", "", &m, 404, "not_found"},
      {"GET", "/api/v1/groups/abc", "", &m, 404, "not_found"},
      {"GET", "/api/v1/groups/99999999999999999999", "", &m, 404, "not_found"},
      {"POST", "/api/v1/groups/" + a + "/join", R"({"motivation":12345678901})", &asker, 400, "validation_failed"},
      {"POST", "/api/v1/groups/" + a + "/join-requests/" + rid_b + "/approve", "{}", &root, 404, "not_found"},
      {"POST", "/api/v1/groups/" + a + "/threads", R"({"title":")" + long_title + R"(","body":"x"})", &m, 400,
       "validation_failed"},
      {"POST", "/api/v1/groups/" + a + "/threads", R"({"title":"t","body":")" + long_body + R"("})", &m, 400,
       "validation_failed"},
      {"POST", "/api/v1/groups/" + a + "/threads", R"({"title":"t"})", &m, 400, "validation_failed"},
      {"GET", "/api/v1/groups/" + a + "/threads?limit=0", "", &m, 400, "validation_failed"},
      {"GET", "/api/v1/groups/" + a + "/threads?before=-3", "", &m, 400, "validation_failed"},
      {"GET", "/api/v1/rooms/bogus/events", "", &m, 404, "not_found"},
      {"GET", "/api/v1/rooms/group:" + a + "/events?after=1&before=5", "", &m, 400, "validation_failed"},
      {"POST", "/api/v1/rooms/group:" + a + "/events", R"({"kind":"message","body":"x"})", &m, 400,
       "validation_failed"},
      {"POST", "/api/v1/rooms/group:" + a + "/events", R"({"kind":"delete","body":"x","client_msg_id":"c"})", &m, 400,
       "validation_failed"},
      {"POST", "/api/v1/rooms/group:" + a + "/events", R"({"kind":"message","body":"","client_msg_id":"c"})", &m, 400,
       "validation_failed"},
      {"POST", "/api/v1/rooms/group:" + a + "/events", "[1,2]", &m, 400, "invalid_json"},
      {"POST", "/api/v1/reports", R"({"room":"group:)" + a + R"(","seq":1,"reason":"boring"})", &m, 400,
       "validation_failed"},
      {"POST", "/api/v1/reports", R"({"room":"group:)" + a + R"(","reason":"spam"})", &m, 400, "validation_failed"},
      {"POST", "/api/v1/reports", R"({"room":"group:)" + a + R"(","seq":999,"reason":"spam"})", &m, 404, "not_found"},
      {"POST", "/api/v1/reports/999999/resolve", R"({"action":"hide"})", &root, 404, "not_found"},
      {"POST", "/api/v1/reports/1/resolve", R"({"action":"explode"})", &root, 400, "validation_failed"},
      {"POST", "/api/v1/groups/" + a + "/mutes", R"({"user_id":)" + m.id + R"(,"until":"hier","reason":"x"})", &root,
       400, "validation_failed"},
      {"POST", "/api/v1/groups/" + a + "/mutes",
       R"({"user_id":)" + m.id + R"(,"until":"2020-01-01T00:00:00Z","reason":"x"})", &root, 400, "validation_failed"},
      {"PUT", "/api/v1/groups/" + a + "/members/" + m.id, R"({"role":"king"})", &root, 400, "validation_failed"},
      {"PUT", "/api/v1/groups/" + a + "/members/999999", R"({"role":"moderator"})", &root, 404, "not_found"},
      {"POST", "/api/v1/notifications/read", R"({"up_to_id":"tous"})", &m, 400, "validation_failed"},
      {"GET", "/api/v1/notifications?unread=peut-etre", "", &m, 400, "validation_failed"},
      {"POST", "/api/v1/conversations", R"({"user_ids":[]})", &m, 400, "validation_failed"},
      {"POST", "/api/v1/conversations", R"({"user_ids":["x"]})", &m, 400, "validation_failed"},
      {"POST", "/api/v1/invitations/not-a-code/accept", "", &m, 404, "not_found"},
      {"GET", "/api/v1/groups/" + b, "", &nobody, 401, "unauthenticated"},
      {"PATCH", "/api/v1/groups/" + a, R"({"visibility":"secret"})", &root, 400, "validation_failed"},
      {"PATCH", "/api/v1/groups/" + a, R"({"name":""})", &root, 400, "validation_failed"},
      {"PATCH", "/api/v1/groups/" + a, R"({"name":"Pris"})", &m, 403, "forbidden"},
      {"PATCH", "/api/v1/groups/" + a, R"({"welcome_group_id":999999})", &root, 404, "not_found"},
      {"GET", "/api/v1/groups/" + a + "/join-requests?state=maybe", "", &root, 400, "validation_failed"},
      {"POST", "/api/v1/groups/" + a + "/join-requests/abc/reject", "{}", &root, 404, "not_found"},
      {"POST", "/api/v1/groups/" + b + "/join-requests/" + rid_b + "/reject", R"({"reason":7})", &root, 400,
       "validation_failed"},
      {"POST", "/api/v1/groups/" + a + "/invitations", R"({"email":false})", &root, 400, "validation_failed"},
      {"POST", "/api/v1/groups/" + a + "/invitations", "{}", &m, 403, "forbidden"},
      {"GET", "/api/v1/groups/" + a + "/members?limit=500", "", &m, 400, "validation_failed"},
      {"GET", "/api/v1/groups/" + b + "/members", "", &m, 403, "forbidden"},
      {"DELETE", "/api/v1/groups/" + a + "/members/999999", "", &root, 404, "not_found"},
      {"DELETE", "/api/v1/groups/" + a + "/members/" + root.id, "", &m, 403, "forbidden"},
      {"POST", "/api/v1/threads/999999/lock", "", &root, 404, "not_found"},
      {"POST", "/api/v1/threads/x/pin", "", &root, 404, "not_found"},
      {"GET", "/api/v1/rooms/group:" + b + "/events", "", &m, 403, "forbidden"},
      {"GET", "/api/v1/rooms/dm:999999/events", "", &m, 404, "not_found"},
      {"PUT", "/api/v1/blocks/0", "", &m, 404, "not_found"},  // any valid id answers 204 alike (F14)
      {"PUT", "/api/v1/blocks/" + m.id, "", &m, 404, "not_found"},
      {"GET", "/api/v1/groups/" + a + "/reports?state=all", "", &root, 400, "validation_failed"},
      {"GET", "/api/v1/groups/" + a + "/reports", "", &m, 403, "forbidden"},
      {"POST", "/api/v1/reports", R"({"user_id":)" + m.id + R"(,"reason":"spam"})", &asker, 400, "validation_failed"},
      {"POST", "/api/v1/reports", R"({"user_id":)" + m.id + R"(,"group_id":)" + b + R"(,"reason":"spam"})", &root, 404,
       "not_found"},
      {"POST", "/api/v1/groups/" + a + "/mutes", R"({"user_id":999999,"until":"2099-01-01T00:00:00Z","reason":"x"})",
       &root, 404, "not_found"},
      {"POST", "/api/v1/groups/" + a + "/mutes", R"({"until":"2099-01-01T00:00:00Z","reason":"x"})", &root, 400,
       "validation_failed"},
      {"DELETE", "/api/v1/groups/" + a + "/mutes/999999", "", &root, 404, "not_found"},
      {"PUT", "/api/v1/groups/" + a + "/watched-words", R"({"rules":"acheter"})", &root, 400, "validation_failed"},
      {"PUT", "/api/v1/groups/" + a + "/watched-words", R"({"rules":[{"pattern":"","action":"flag"}]})", &root, 400,
       "validation_failed"},
      {"GET", "/api/v1/groups/" + a + "/watched-words", "", &m, 403, "forbidden"},
      {"GET", "/api/v1/groups/" + a + "/held-posts?limit=abc", "", &root, 400, "validation_failed"},
      {"POST", "/api/v1/held-posts/999999/approve", "", &root, 404, "not_found"},
      {"POST", "/api/v1/held-posts/999999/reject", "", &root, 404, "not_found"},
      {"GET", "/api/v1/groups/" + a + "/audit?before=zero", "", &root, 400, "validation_failed"},
      {"GET", "/api/v1/groups/" + a + "/audit", "", &m, 403, "forbidden"},
      {"GET", "/api/v1/notifications?after=-1", "", &m, 400, "validation_failed"},
      {"GET", "/api/v1/me/export", "", &nobody, 401, "unauthenticated"},
      {"DELETE", "/api/v1/me", "", &nobody, 401, "unauthenticated"},
  };
  for (const auto& c : cases) {
    auto r = call(c.method, c.target, c.body, *c.who);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.target << " " << c.body << " -> " << r.body;
    EXPECT_EQ(json_at(r.body, "error.code"), c.code) << c.method << " " << c.target << " -> " << r.body;
    EXPECT_TRUE(json_at(r.body, "error.message")) << r.body;
  }
  EXPECT_EQ(snapshot(), before);
}

TEST_F(Community, ScheduledPostsModeratorsScheduleEditAndDeleteAndBadInputStoresNothing) {
  auto root = admin("Sandrine");
  auto gid = make_group(root, "Programmés", "open");
  auto modo = someone("Modo");
  member(gid, modo.id);
  sql("UPDATE memberships SET role = 'moderator' WHERE user_id = " + modo.id);
  auto plain = someone("Simple");
  member(gid, plain.id);
  auto stranger = someone("Inconnu");
  auto base = "/api/v1/groups/" + gid + "/scheduled-posts";

  struct bad {
    std::string body, field;
  };
  for (const auto& b :
       {bad{R"({"repeat":"daily","time":"09:00"})", "body"},
        bad{R"({"body":"","repeat":"daily","time":"09:00"})", "body"},
        bad{R"({"body":")" + std::string(3801, 'a') + R"(","repeat":"daily","time":"09:00"})", "body"},
        bad{R"({"body":"x\u0000y","repeat":"daily","time":"09:00"})", "body"},
        bad{R"({"body":"x","repeat":"hourly","time":"09:00"})", "repeat"},
        bad{R"({"body":"x","repeat":"daily","time":"25:00"})", "time"},
        bad{R"({"body":"x","repeat":"daily","time":"9h"})", "time"}, bad{R"({"body":"x","repeat":"daily"})", "time"},
        bad{R"({"body":"x","repeat":"weekly","time":"09:00"})", "weekdays"},
        bad{R"({"body":"x","repeat":"weekly","time":"09:00","weekdays":[0]})", "weekdays"},
        bad{R"({"body":"x","repeat":"weekly","time":"09:00","weekdays":[]})", "weekdays"},
        bad{R"({"body":"x","repeat":"weekly","time":"09:00","weekdays":["lundi"]})", "weekdays"},
        bad{R"({"body":"x","repeat":"daily","time":"09:00","timezone":"Mars/Olympus_Mons"})", "timezone"},
        bad{R"({"body":"x","repeat":"daily","time":"09:00","timezone":"../etc/passwd"})", "timezone"},
        bad{R"({"body":"x","repeat":"once"})", "at"},
        bad{R"({"body":"x","repeat":"once","at":"2020-01-01T09:00:00Z"})", "at"},
        bad{R"({"body":"x","repeat":"once","at":"2026-02-30T09:00:00Z"})", "at"},
        bad{R"({"body":"x","repeat":"once","at":"2099-01-01T09:00:00Z"})", "at"},
        bad{R"({"body":"x","repeat":"once","at":"demain"})", "at"}}) {
    auto r = post(base, b.body, modo);
    EXPECT_EQ(r.status, 400) << b.body << " " << r.body;
    EXPECT_EQ(json_at(r.body, "error.code"), "validation_failed") << b.body;
    EXPECT_EQ(json_at(r.body, "error.field"), b.field) << b.body;
  }
  EXPECT_EQ(post(base, "{nope", modo).status, 400);
  EXPECT_EQ(count("SELECT count(*) FROM scheduled_posts"), 0);
  // Moderators only.
  auto weekly =
      R"({"body":"Point du lundi : comment s'est passée votre semaine ?","repeat":"weekly","time":"09:00","weekdays":[5,1,1]})";
  EXPECT_EQ(post(base, weekly, plain).status, 403);
  EXPECT_EQ(post(base, weekly, stranger).status, 403);
  EXPECT_EQ(get(base, plain).status, 403);
  EXPECT_EQ(post("/api/v1/groups/999999/scheduled-posts", weekly, modo).status, 404);
  EXPECT_EQ(count("SELECT count(*) FROM scheduled_posts"), 0);

  auto r = post(base, weekly, modo);
  ASSERT_EQ(r.status, 201) << r.body;
  auto wid = *json_at(r.body, "scheduled_post.id");
  EXPECT_EQ(json_at(r.body, "scheduled_post.repeat"), "weekly");
  EXPECT_EQ(json_at(r.body, "scheduled_post.time"), "09:00");
  EXPECT_EQ(json_at(r.body, "scheduled_post.weekdays.0"), "1");
  EXPECT_EQ(json_at(r.body, "scheduled_post.weekdays.1"), "5");
  EXPECT_FALSE(json_at(r.body, "scheduled_post.weekdays.2"));
  EXPECT_EQ(json_at(r.body, "scheduled_post.timezone"), "Europe/Paris");  // the author's
  EXPECT_EQ(json_at(r.body, "scheduled_post.author.handle"), "Modo");
  EXPECT_EQ(json_at(r.body, "scheduled_post.active"), "true");
  EXPECT_NE(json_at(r.body, "scheduled_post.next_at"), "null");
  EXPECT_EQ(json_at(r.body, "scheduled_post.at"), "null");

  auto tomorrow = core::format_rfc3339(core::system_clock().now() + std::chrono::hours(24));
  r = post(
      base,
      R"({"body":"Webinaire demain soir !","repeat":"once","at":")" + tomorrow + R"(","timezone":"America/Montreal"})",
      modo);
  ASSERT_EQ(r.status, 201) << r.body;
  auto oid = *json_at(r.body, "scheduled_post.id");
  EXPECT_EQ(json_at(r.body, "scheduled_post.next_at"), json_at(r.body, "scheduled_post.at"));
  EXPECT_EQ(json_at(r.body, "scheduled_post.time"), "null");
  auto list = get(base, root);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(json_at(list.body, "scheduled_posts.0.id"), wid);
  EXPECT_EQ(json_at(list.body, "scheduled_posts.1.timezone"), "America/Montreal");

  // Editing: the fields given, checked as a whole; bad input changes nothing.
  auto edit = [&](const std::string& id, const std::string& body, const person& p) {
    return call("PATCH", "/api/v1/scheduled-posts/" + id, body, p);
  };
  r = edit(wid, R"({"time":"24:00"})", modo);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json_at(r.body, "error.field"), "time");
  r = edit(oid, R"({"repeat":"daily"})", modo);  // a daily post needs its time
  EXPECT_EQ(json_at(r.body, "error.field"), "time");
  EXPECT_EQ(one("SELECT repeat || ' ' || to_char(local_time, 'HH24:MI') || ' ' || array_to_string(weekdays, ',') "
                "FROM scheduled_posts WHERE id = " +
                wid),
            "weekly 09:00 1,5");
  EXPECT_EQ(edit(wid, R"({"time":"10:15"})", plain).status, 403);
  EXPECT_EQ(edit(wid, R"({"time":"10:15"})", stranger).status, 403);
  EXPECT_EQ(edit("999999", R"({"time":"10:15"})", modo).status, 404);
  r = edit(wid, R"({"repeat":"daily","time":"10:15"})", modo);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_at(r.body, "scheduled_post.weekdays"), "null");
  EXPECT_EQ(json_at(r.body, "scheduled_post.time"), "10:15");
  EXPECT_EQ(json_at(r.body, "scheduled_post.body"), "Point du lundi : comment s'est passée votre semaine ?");
  // A one-off post already out is not edited again: a new one is scheduled instead.
  sql("INSERT INTO scheduled_post_runs (post_id, local_date, occurrence, room, seq, published_at) SELECT id, "
      "current_date, once_at, 'group:" +
      gid + "', 1, now() FROM scheduled_posts WHERE id = " + oid);
  r = edit(oid, R"({"body":"Autre chose"})", modo);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(json_at(get(base, modo).body, "scheduled_posts.1.next_at"), "null");

  // A moderator who steps down: their posts stay listed, inactive.
  sql("UPDATE memberships SET role = 'member' WHERE user_id = " + modo.id);
  EXPECT_EQ(json_at(get(base, root).body, "scheduled_posts.0.active"), "false");
  EXPECT_EQ(call("DELETE", "/api/v1/scheduled-posts/" + wid, "", modo).status, 403);
  EXPECT_EQ(call("DELETE", "/api/v1/scheduled-posts/" + wid, "", root).status, 204);
  EXPECT_EQ(call("DELETE", "/api/v1/scheduled-posts/" + wid, "", root).status, 404);
  EXPECT_EQ(count("SELECT count(*) FROM scheduled_posts"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action IN ('schedule_post', 'edit_scheduled_post', "
                  "'delete_scheduled_post')"),
            4);

  // The daily post of today's celebrated: a local time, or null for none.
  r = call("PATCH", "/api/v1/groups/" + gid, R"({"celebrations_post_at":"7h"})", root);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json_at(r.body, "error.field"), "celebrations_post_at");
  r = call("PATCH", "/api/v1/groups/" + gid, R"({"timezone":"Nowhere/Land"})", root);
  EXPECT_EQ(json_at(r.body, "error.field"), "timezone");
  r = call("PATCH", "/api/v1/groups/" + gid, R"({"celebrations_post_at":"10:30","timezone":"Europe/Brussels"})", root);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_at(r.body, "group.celebrations_post_at"), "10:30");
  EXPECT_EQ(json_at(r.body, "group.timezone"), "Europe/Brussels");
  r = call("PATCH", "/api/v1/groups/" + gid, R"({"name":"Programmés !"})", root);
  EXPECT_EQ(json_at(r.body, "group.celebrations_post_at"), "10:30");
  r = call("PATCH", "/api/v1/groups/" + gid, R"({"celebrations_post_at":null})", root);
  EXPECT_EQ(json_at(r.body, "group.celebrations_post_at"), "null");
}

}  // namespace
}  // namespace colibri::test
