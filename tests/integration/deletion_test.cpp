// End-to-end: deleted means gone (issue 14, item 4; audit F6): a message its
// author deleted, and its edits, lose their text in the delete's own
// transaction; a moderator's hide keeps it only as the report's evidence.
// Checked in the table and through every read path: REST history, socket
// history, a new subscriber's backfill.
#include "community_fixture.hpp"

namespace colibri::test {
namespace {

class Deletion : public Community {
 protected:
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
  ws->send(R"({"type":"send","room":")" + room + R"(","body":"Je suis Alice Martin, 06 12 34 56 78","client_msg_id":"a1"})");
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
  auto posted = send_message(room, "Un message blessant pour Y", "b1", x);
  ASSERT_EQ(posted.status, 201);
  auto seq = *json_at(posted.body, "event.seq");
  auto rep = post("/api/v1/reports", R"({"room":")" + room + R"(","seq":)" + seq + R"(,"reason":"abuse"})", y);
  ASSERT_EQ(rep.status, 201) << rep.body;
  auto rid = *json_at(rep.body, "report.id");
  ASSERT_EQ(post("/api/v1/reports/" + rid + "/resolve", R"({"action":"hide"})", root).status, 204);
  EXPECT_EQ(count("SELECT count(*) FROM room_events WHERE body LIKE '%blessant%'"), 0);
  EXPECT_EQ(one("SELECT evidence FROM reports WHERE id = " + rid), "Un message blessant pour Y");
  EXPECT_EQ(every_read_path(room, y).find("blessant"), std::string::npos);
  // The moderators still see what they acted on.
  auto queue = get("/api/v1/groups/" + gid + "/reports?state=resolved", root);
  EXPECT_EQ(json_at(queue.body, "reports.0.event.body"), "Un message blessant pour Y") << queue.body;
}

}  // namespace
}  // namespace colibri::test
