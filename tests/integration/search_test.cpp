// Search through the real groups service, gateways, PostgreSQL and Redis:
// French stemming and accents both ways, only what the caller may read now
// (groups they are a member of, their own conversations), never what was
// deleted, hidden, edited away or erased, filters, and pages that neither
// skip nor repeat.
#include <gtest/gtest.h>

#include <set>

#include "colibri/core/utf8.hpp"
#include "community_fixture.hpp"

using namespace colibri::test;

namespace {

class Search : public Community {
 protected:
  void configure(std::map<std::string, std::string>& env) override {
    Community::configure(env);
    env["COLIBRI_RATE_EVENTS"] = "100000";
    env["COLIBRI_RATE_HISTORY"] = "1000/1";
  }
  // The rooms and seqs of the results ("group:3#2|thread:1#1"), in order.
  std::string found(const std::string& query, const person& p) {
    auto r = get("/api/v1/search?" + query, p);
    EXPECT_EQ(r.status, 200) << query << " " << r.body;
    std::string out;
    for (int i = 0;; ++i) {
      auto room = json_at(r.body, "results." + std::to_string(i) + ".room");
      if (!room) break;
      out += (out.empty() ? "" : "|") + *room + "#" +
             json_at(r.body, "results." + std::to_string(i) + ".seq").value_or("?");
    }
    return out;
  }
  std::string say(const std::string& room, const std::string& body, const person& p) {
    auto r = send_message(room, body, "c" + std::to_string(++sent_), p);
    EXPECT_EQ(r.status, 201) << r.body;
    return room + "#" + json_at(r.body, "event.seq").value_or("?");
  }
  // A socket frame's answer (edit and delete go through the socket).
  std::string ask(const person& p, const std::string& frame) {
    auto c = connect(gateways_[0]->port(), p.token);
    c->send(frame);
    return c->read().value_or("");
  }
  int sent_ = 0;
};

// The first tests run over both readings of the log: through the index of
// words (a rare query) and room by room (a common one).
class SearchBothWays : public Search, public ::testing::WithParamInterface<bool> {
 protected:
  void configure(std::map<std::string, std::string>& env) override {
    Search::configure(env);
    if (GetParam()) env["COLIBRI_SEARCH_COMMON_MATCHES"] = "0";
  }
};
INSTANTIATE_TEST_SUITE_P(Plans, SearchBothWays, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "RoomByRoom" : "IndexOfWords"; });

TEST_P(SearchBothWays, FrenchStemsAndAccentsMatchBothWaysWithHighlightedSnippets) {
  auto a = someone("Alice"), b = someone("Bruno");
  auto gid = make_group(admin("Racine"), "Les Colibris", "open");
  member(gid, a.id);
  member(gid, b.id);
  auto room = "group:" + gid;
  auto fumer = say(room, "J'ai tellement envie de fumer ce soir après le repas.", b);
  auto fumee = say(room, "La fumée des autres me gêne encore.", a);
  auto cigs = say(room, "Je suis passé de vingt cigarettes à trois.", b);
  say(room, "Rien à voir : la météo de demain.", a);
  EXPECT_EQ(found("q=fum%C3%A9e", a), fumee + "|" + fumer);  // "fumée" finds "fumer"
  EXPECT_EQ(found("q=fumee", a), fumee);                     // "fumee" finds "fumée"
  EXPECT_EQ(found("q=cigarette", b), cigs);                  // singular finds plural
  EXPECT_EQ(found("q=CIGARETTES", b), cigs);
  auto r = get("/api/v1/search?q=envie%20fumer", a);
  EXPECT_EQ(json_at(r.body, "results.0.author.handle"), "Bruno");
  auto snippet = json_at(r.body, "results.0.snippet").value_or("");
  EXPECT_NE(snippet.find("envie de fumer"), std::string::npos) << snippet;
  // Highlights are code-point ranges of the snippet.
  auto from = std::stoul(json_at(r.body, "results.0.highlights.0.0").value_or("0"));
  auto to = std::stoul(json_at(r.body, "results.0.highlights.0.1").value_or("0"));
  std::u32string wide;
  for (std::size_t i = 0; i < snippet.size();) wide.push_back(colibri::core::next_code_point(snippet, i));
  std::string word;
  for (auto c : wide.substr(from, to - from)) word.push_back(static_cast<char>(c));
  EXPECT_EQ(word, "envie");
  // Typed without its accent, the word is still marked as written; a long
  // message is cut around its first match.
  auto marked = [&](const std::string& query, const person& p) {
    auto res = get("/api/v1/search?" + query, p);
    auto text = json_at(res.body, "results.0.snippet").value_or("");
    std::u32string cps;
    for (std::size_t i = 0; i < text.size();) cps.push_back(colibri::core::next_code_point(text, i));
    auto x = std::stoul(json_at(res.body, "results.0.highlights.0.0").value_or("0"));
    auto y = std::stoul(json_at(res.body, "results.0.highlights.0.1").value_or("0"));
    std::string out;
    for (auto c : cps.substr(x, y - x)) {
      std::string one_cp;
      if (c < 0x80) {
        one_cp = static_cast<char>(c);
      } else {
        one_cp += static_cast<char>(0xC0 | (c >> 6));
        one_cp += static_cast<char>(0x80 | (c & 0x3F));
      }
      out += one_cp;
    }
    return std::pair{out, text};
  };
  EXPECT_EQ(marked("q=fumee", a).first, "fumée");
  std::string longer;
  for (int i = 0; i < 60; ++i) longer += "Une phrase de remplissage. ";
  say(room, longer + "Enfin le mot patience arrive.", a);
  auto [hit, cut] = marked("q=patience", a);
  EXPECT_EQ(hit, "patience");
  EXPECT_EQ(cut.rfind("…", 0), 0u) << cut;
  EXPECT_LT(cut.size(), 400u);
  // Thread titles are found, at the thread's first post.
  auto t = post("/api/v1/groups/" + gid + "/threads", R"({"title":"Patchs ou gommes ?","body":"Que choisir ?"})", a);
  ASSERT_EQ(t.status, 201) << t.body;
  auto tid = json_at(t.body, "thread.id").value_or("0");
  r = get("/api/v1/search?q=gomme", b);
  EXPECT_EQ(json_at(r.body, "results.0.room"), "thread:" + tid);
  EXPECT_EQ(json_at(r.body, "results.0.seq"), "1");
  EXPECT_EQ(json_at(r.body, "results.0.thread.title"), "Patchs ou gommes ?");
}

TEST_P(SearchBothWays, OnlyWhatTheCallerMayReadNowNeverDeletedHiddenEditedAwayOrErased) {
  auto a = someone("Alice"), b = someone("Bruno"), c = someone("Chloe"), mod = admin("Modo");
  auto gid = make_group(mod, "Les Colibris", "open");
  auto hidden = make_group(mod, "Cercle fermé", "invite", "hidden");
  for (const auto& p : {a, b, c}) member(gid, p.id);
  member(hidden, a.id);
  auto room = "group:" + gid;
  auto kept = say(room, "marqueur gardé visible", b);
  auto secret = say("group:" + hidden, "marqueur du cercle fermé", a);
  auto conv = post("/api/v1/conversations", R"({"user_ids":[)" + b.id + "]}", a);
  ASSERT_EQ(conv.status, 201) << conv.body;
  auto dm = say(*json_at(conv.body, "conversation.room"), "marqueur privé entre nous", b);
  // A non-member of the hidden group and outside the conversation: only the group's.
  EXPECT_EQ(found("q=marqueur", c), kept);
  EXPECT_EQ(found("q=marqueur", someone("Dehors")), "");
  EXPECT_EQ(found("q=marqueur", a), dm + "|" + secret + "|" + kept);
  EXPECT_EQ(found("q=marqueur", b), dm + "|" + kept);
  EXPECT_EQ(found("q=marqueur&group=" + gid, a), kept);
  // Deleted by its author, hidden by a moderator, edited away.
  auto deleted = say(room, "marqueur supprimé", b);
  EXPECT_NE(ask(b, R"({"type":"delete","room":")" + room + R"(","seq":)" + deleted.substr(deleted.find('#') + 1) + "}")
                .find("ack"),
            std::string::npos);
  auto [seq, rid] = post_and_report(room, "marqueur injurieux", c, b);
  ASSERT_EQ(post("/api/v1/reports/" + rid + "/resolve", R"({"action":"hide"})", mod).status, 204);
  auto edited = say(room, "marqueur avant correction", a);
  auto eseq = edited.substr(edited.find('#') + 1);
  EXPECT_NE(
      ask(a, R"({"type":"edit","room":")" + room + R"(","seq":)" + eseq + R"(,"body":"texte corrigé"})").find("ack"),
      std::string::npos);
  EXPECT_EQ(found("q=marqueur", c), kept);
  EXPECT_EQ(found("q=corrig%C3%A9", c), edited);  // the message, found by its latest text
  EXPECT_EQ(found("q=correction", c), "");
  // Someone who leaves no longer finds the group's content.
  ASSERT_EQ(call("DELETE", "/api/v1/groups/" + gid + "/members/" + c.id, "", c).status, 204);
  EXPECT_EQ(found("q=marqueur", c), "");
  // An erased person's words are found by no one.
  ASSERT_EQ(call("DELETE", "/api/v1/me", R"({"password":"un mot de passe"})", b).status, 202);
  EXPECT_EQ(found("q=marqueur", a), secret);
  EXPECT_EQ(found("q=priv%C3%A9", a), "");
}

TEST_P(SearchBothWays, FiltersAndPagesNeitherSkipNorRepeatAndBadInputIsRefused) {
  auto a = someone("Alice"), b = someone("Bruno");
  auto gid = make_group(admin("Racine"), "Les Colibris", "open");
  member(gid, a.id);
  member(gid, b.id);
  std::vector<std::string> all;
  for (int i = 0; i < 25; ++i) all.push_back(say("group:" + gid, "Envie numéro " + std::to_string(i), i % 2 ? a : b));
  sql("UPDATE room_events SET created_at = '2026-01-01' WHERE body = 'Envie numéro 0'");
  std::vector<std::string> pages;
  std::string cursor;
  for (int page = 0; page < 5; ++page) {
    auto r = get("/api/v1/search?q=envie&limit=10" + (cursor.empty() ? "" : "&cursor=" + cursor), a);
    ASSERT_EQ(r.status, 200) << r.body;
    for (int i = 0; i < 10; ++i)
      if (auto room = json_at(r.body, "results." + std::to_string(i) + ".room"))
        pages.push_back(*room + "#" + *json_at(r.body, "results." + std::to_string(i) + ".seq"));
    if (page == 0) say("group:" + gid, "Envie toute neuve", a);  // arrives between pages: not on the next ones
    if (json_at(r.body, "has_more") != "true") break;
    cursor = json_at(r.body, "next_cursor").value_or("");
  }
  std::vector<std::string> newest_first(all.rbegin(), all.rend());
  EXPECT_EQ(pages, newest_first);
  EXPECT_EQ(std::count(pages.begin(), pages.end(), pages.front()), 1);
  auto by_a = found("q=envie&author=" + a.id, b);
  EXPECT_EQ(std::count(by_a.begin(), by_a.end(), '|'), 12) << by_a;  // 13 of A's (the new one included)
  EXPECT_EQ(found("q=envie&until=2026-06-01", a), all[0]);
  auto recent = "|" + found("q=envie&since=2026-06-01&author=" + b.id + "&limit=200", a) + "|";
  EXPECT_EQ(recent.find("|" + all[0] + "|"), std::string::npos) << recent;
  EXPECT_NE(recent.find("|" + all[2] + "|"), std::string::npos) << recent;
  for (const auto& [query, field] :
       std::vector<std::pair<std::string, std::string>>{{"q=", "q"},
                                                        {"", "q"},
                                                        {"q=" + std::string(201, 'a'), "q"},
                                                        {"q=a%00b", "q"},
                                                        {"q=envie&cursor=abc", "cursor"},
                                                        {"q=envie&since=hier", "since"},
                                                        {"q=envie&group=x", "group"},
                                                        {"q=envie&limit=0", "limit"}}) {
    auto r = get("/api/v1/search?" + query, a);
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_EQ(json_at(r.body, "error.field"), field) << query << " " << r.body;
  }
  EXPECT_EQ(get("/api/v1/search?q=envie", {}).status, 401);
}

}  // namespace

namespace {

// Mentions and replies (issue 20, item 2), over REST and the socket.
TEST_F(Search, RepliesAndMentionsNotifyEachMemberOnceNeverOutsidersOrThoseWhoBlockedTheAuthor) {
  auto root = admin("Racine");
  auto a = someone("Auteur"), b = someone("Bruno"), c = someone("Chloe"), d = someone("Dehors"), e = someone("Emma");
  auto gid = make_group(root, "Les Colibris", "open");
  for (const auto& p : {a, b, c, e}) member(gid, p.id);
  ASSERT_EQ(call("PUT", "/api/v1/blocks/" + a.id, "", c).status, 204);
  auto room = "group:" + gid;
  auto m1 = say(room, "Premier message de Bruno", b);
  auto m2 = say(room, "Un message d'Emma", e);
  auto notes = [&](const person& p, const std::string& kind) {
    return count("SELECT count(*) FROM notifications WHERE kind = '" + kind + "' AND user_id = " + p.id);
  };
  auto body = R"({"kind":"message","body":"Bravo à vous !","client_msg_id":"r1","reply_to":)" +
              m1.substr(m1.find('#') + 1) + R"(,"mentions":[)" + b.id + "," + c.id + "," + d.id + "," + e.id + "," +
              a.id + "]}";
  auto r = post("/api/v1/rooms/" + room + "/events", body, a);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(post("/api/v1/rooms/" + room + "/events", body, a).status, 200);  // a retry: nothing new
  EXPECT_EQ(notes(b, "reply"), 1);
  EXPECT_EQ(notes(b, "mention"), 0);  // replied to and mentioned: once
  EXPECT_EQ(notes(e, "mention"), 1);
  EXPECT_EQ(notes(c, "mention") + notes(c, "reply"), 0);  // blocked the author
  EXPECT_EQ(notes(d, "mention"), 0);                      // not a member
  EXPECT_EQ(notes(a, "mention"), 0);                      // oneself
  auto title = one("SELECT title FROM notifications WHERE kind = 'reply' AND user_id = " + b.id);
  EXPECT_EQ(title, "Auteur vous a répondu");
  EXPECT_EQ(one("SELECT data->>'room' || '#' || (data->>'seq') FROM notifications WHERE kind = 'reply' AND user_id = " +
                b.id),
            room + "#" + json_at(r.body, "event.seq").value_or("?"));
  EXPECT_EQ(one("SELECT body FROM notifications WHERE kind = 'reply' AND user_id = " + b.id), "Dans « Les Colibris »");
  // The socket: a reply to Emma that also mentions her, and a watcher gets it live.
  auto live = connect(gateways_[1]->port(), e.token);
  auto frame =
      ask(a, R"({"type":"send","room":")" + room + R"(","body":"Merci Emma","client_msg_id":"s1","reply_to":)" +
                 m2.substr(m2.find('#') + 1) + R"(,"mentions":[)" + e.id + "]}");
  EXPECT_NE(frame.find("\"ack\""), std::string::npos) << frame;
  EXPECT_EQ(notes(e, "reply"), 1);
  EXPECT_EQ(notes(e, "mention"), 1);
  bool pushed = false;
  for (int i = 0; i < 10 && !pushed; ++i) {
    auto f = live->read(std::chrono::milliseconds(1000));
    pushed = f && f->find("\"kind\":\"reply\"") != std::string::npos;
  }
  EXPECT_TRUE(pushed) << "the reply notification reached Emma's socket";
  // Bad mentions: the field, nothing stored.
  std::string many = R"("mentions":[)";
  for (int i = 1; i <= 21; ++i) many += (i > 1 ? "," : "") + std::to_string(i);
  for (const auto& bad : {std::string(R"("mentions":"x")"), std::string(R"("mentions":[0])"), many + "]"}) {
    auto refused = post("/api/v1/rooms/" + room + "/events",
                        R"({"kind":"message","body":"x","client_msg_id":"bad",)" + bad + "}", a);
    EXPECT_EQ(refused.status, 400) << bad << " " << refused.body;
    EXPECT_EQ(json_at(refused.body, "error.field"), "mentions") << bad;
  }
  // A private conversation: only its members.
  auto conv = post("/api/v1/conversations", R"({"user_ids":[)" + b.id + "]}", a);
  ASSERT_EQ(conv.status, 201) << conv.body;
  ASSERT_EQ(
      post("/api/v1/rooms/" + *json_at(conv.body, "conversation.room") + "/events",
           R"({"kind":"message","body":"Coucou","client_msg_id":"dm1","mentions":[)" + b.id + "," + e.id + "]}", a)
          .status,
      201);
  EXPECT_EQ(notes(b, "mention"), 1);
  EXPECT_EQ(notes(e, "mention"), 1);
  EXPECT_EQ(one("SELECT body FROM notifications WHERE kind = 'mention' AND user_id = " + b.id),
            "Dans une conversation privée");
}

}  // namespace

namespace {

// Help at night (issue 20, item 5): a distress report reaches the on-call
// moderators at once, the others as a report; with nobody on call, every
// moderator gets the distress notice.
TEST_F(Search, ADistressReportGoesAtOnceToTheModeratorsOnCall) {
  auto root = admin("Racine");
  auto night = someone("Veilleuse"), day = someone("Journee"), member_ = someone("Membre"), x = someone("Inquiet");
  auto gid = make_group(root, "Les Colibris", "open");
  for (const auto& p : {night, day, member_, x}) member(gid, p.id);
  sql("UPDATE memberships SET role = 'moderator' WHERE group_id = " + gid + " AND user_id IN (" + night.id + "," +
      day.id + ")");
  EXPECT_EQ(call("PUT", "/api/v1/groups/" + gid + "/on-call", R"({"on_call":true})", member_).status, 403);
  auto r = call("PUT", "/api/v1/groups/" + gid + "/on-call", R"({"on_call":true})", night);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_at(r.body, "on_call.on_call"), "true");
  EXPECT_EQ(call("PUT", "/api/v1/groups/" + gid + "/on-call", R"({"on_call":"oui"})", night).status, 400);
  auto live = connect(gateways_[0]->port(), night.token);
  auto seq = say("group:" + gid, "Je n'en peux plus ce soir", member_);
  auto report =
      post("/api/v1/reports",
           R"({"room":"group:)" + gid + R"(","seq":)" + seq.substr(seq.find('#') + 1) + R"(,"reason":"distress"})", x);
  ASSERT_EQ(report.status, 201) << report.body;
  auto kinds = [&](const person& p) {
    return one(
        "SELECT string_agg(kind, ',' ORDER BY id) FROM notifications WHERE kind IN ('distress', 'report') "
        "AND user_id = " +
        p.id);
  };
  EXPECT_EQ(kinds(night), "distress");
  EXPECT_EQ(kinds(day), "report");
  EXPECT_EQ(kinds(root), "report");  // the owner, not on call
  EXPECT_EQ(kinds(member_), "");
  auto text = one("SELECT title || ' ' || body FROM notifications WHERE kind = 'distress' AND user_id = " + night.id);
  EXPECT_NE(text.find("3114"), std::string::npos) << text;
  EXPECT_EQ(text.find("n'en peux plus"), std::string::npos) << text;  // no message text
  bool pushed = false;
  for (int i = 0; i < 10 && !pushed; ++i) {
    auto f = live->read(std::chrono::milliseconds(1000));
    pushed = f && f->find("\"kind\":\"distress\"") != std::string::npos;
  }
  EXPECT_TRUE(pushed);
  // Nobody on call: every moderator gets the distress notice.
  ASSERT_EQ(call("PUT", "/api/v1/groups/" + gid + "/on-call", R"({"on_call":false})", night).status, 200);
  ASSERT_EQ(
      post("/api/v1/reports", R"({"user_id":)" + member_.id + R"(,"group_id":)" + gid + R"(,"reason":"distress"})", x)
          .status,
      201);
  EXPECT_EQ(kinds(night), "distress,distress");
  EXPECT_EQ(kinds(day), "report,distress");
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action IN ('on_call', 'off_call')"), 2);
}

}  // namespace
