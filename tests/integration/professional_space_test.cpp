// The professional space, part two, through the real groups service,
// PostgreSQL, Redis, a gateway and the scheduler: documents with versions
// stored in content-addressed chunks (uploads streamed, refused ones leaving
// nothing), the watch and its weekly digest exactly once, the news feed, the
// directory of care structures, cards on messages read when served, and
// referral codes whose professional learns only a rounded count.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <set>
#include <thread>

#include "colibri/files/chunker.hpp"
#include "community_fixture.hpp"

using namespace colibri::test;

namespace {

class ProSpace : public Community {
 protected:
  void configure(std::map<std::string, std::string>& env) override {
    Community::configure(env);
    env["COLIBRI_UPLOAD_LIMIT_BYTES"] = "1048576";  // 1 MiB: four chunks
    env["COLIBRI_RATE_UPLOAD"] = "1000/1";
    env["COLIBRI_RATE_HISTORY"] = "1000/1";
  }
  // A professional space and a listed sub-group (`group_`), owned by `owner`.
  void space(const person& owner) {
    auto r = post("/api/v1/groups",
                  R"({"name":"E-médiation","description":"d","rules":"r","join_policy":"invite","visibility":"listed",)"
                  R"("kind":"professional"})",
                  owner);
    ASSERT_EQ(r.status, 201) << r.body;
    space_ = json_at(r.body, "group.id").value_or("0");
    group_ = make_group(owner, "Documents partagés", "invite", "listed", space_);
    hidden_ = make_group(owner, "Pôle confidentiel", "invite", "hidden", space_);
  }
  // Every call's failure comes with the service's log.
  http_result get(const std::string& target, const person& p) {
    try {
      return Community::get(target, p);
    } catch (const std::exception& e) {
      ADD_FAILURE() << target << ": " << e.what() << "\n" << groups_->log_tail();
      return {};
    }
  }
  person pro(const std::string& handle) {
    auto p = someone(handle);
    member(space_, p.id);
    member(group_, p.id);
    return p;
  }
  http_result upload(const std::string& did, const std::string& bytes, const std::string& type, const person& p,
                     const std::string& filename = "fiche.txt") {
    try {
      return http_call(api_port(), "PUT", "/api/v1/documents/" + did + "/content?filename=" + filename, bytes,
                       {{"Authorization", "Bearer " + p.token}, {"Content-Type", type}});
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what() << "\n" << groups_->log_tail();
      return {};
    }
  }
  std::string document(const std::string& gid, const person& p, const std::string& extra = "") {
    auto r = post("/api/v1/groups/" + gid + "/documents",
                  R"({"title":"Protocole de sevrage","description":"v","folder":"Protocoles")" + extra + "}", p);
    EXPECT_EQ(r.status, 201) << r.body;
    return json_at(r.body, "document.id").value_or("0");
  }
  std::string space_, group_, hidden_;
};

std::string text_of(std::size_t n, char seed) {
  std::string s;
  s.reserve(n);
  const std::string line = std::string("Étape ") + seed + " : réduire, puis arrêter.\n";
  while (s.size() + line.size() <= n) s += line;
  while (s.size() < n) s.push_back('.');
  return s;
}

std::string hex_sha(const std::string& s) { return colibri::files::to_hex(colibri::files::sha256(s)); }

// A body sent in chunked encoding (no length announced) until the server
// answers or `total` bytes are sent; the response's status line.
std::string chunked_put(unsigned short port, const std::string& target, const std::string& token, std::size_t total) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return "connect failed";
  timeval tv{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string head = "PUT " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                     "\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
  ::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
  std::string piece = text_of(65536, 'c');
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", piece.size());
  std::string chunk = size_line + piece + "\r\n";
  for (std::size_t sent = 0; sent < total; sent += piece.size())
    if (::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL) < 0) break;
  std::string got(4096, '\0');
  auto n = ::recv(fd, got.data(), got.size(), 0);
  ::close(fd);
  if (n <= 0) return "no answer";
  got.resize(static_cast<std::size_t>(n));
  return got.substr(0, got.find("\r\n"));
}

TEST_F(ProSpace, VersionsAreKeptByteExactRestoreMakesANewOneAndDownloadsAreSafeAttachments) {
  auto owner = admin("coordination");
  space(owner);
  auto p1 = pro("alice"), p2 = pro("bruno");
  auto did = document(group_, p1);
  // Version 1: 700 kB of text (three chunks); version 2: a PDF.
  auto v1 = text_of(700000, '1');
  auto r = upload(did, v1, "text/plain; charset=utf-8", p1);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json_at(r.body, "version.version"), "1");
  EXPECT_EQ(json_at(r.body, "version.sha256"), hex_sha(v1));
  EXPECT_EQ(json_at(r.body, "version.size"), "700000");
  std::string v2 = "%PDF-1.7\n" + text_of(300000, '2') + "\n%%EOF\n";
  r = upload(did, v2, "application/pdf", p2, "protocole%20v2.pdf");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json_at(r.body, "version.version"), "2");
  EXPECT_EQ(json_at(r.body, "version.filename"), "protocole v2.pdf");

  auto d1 = get("/api/v1/documents/" + did + "/content?version=1", p2);
  ASSERT_EQ(d1.status, 200);
  EXPECT_TRUE(d1.body == v1) << "version 1 changed";
  EXPECT_EQ(d1.headers["x-content-type-options"], "nosniff");
  EXPECT_EQ(d1.headers["content-security-policy"], "sandbox");
  EXPECT_EQ(d1.headers["content-type"], "text/plain; charset=utf-8");
  EXPECT_EQ(d1.headers["content-disposition"].rfind("attachment; filename=\"fiche.txt\"", 0), 0u);
  auto latest = get("/api/v1/documents/" + did + "/content", p1);
  EXPECT_TRUE(latest.body == v2);
  EXPECT_EQ(latest.headers["content-type"], "application/pdf");

  // Restore version 1: version 3, the same bytes, the same chunks (none stored twice).
  auto chunks_before = count("SELECT count(*) FROM document_chunks");
  r = post("/api/v1/documents/" + did + "/versions/1/restore", "", p2);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json_at(r.body, "version.version"), "3");
  EXPECT_EQ(json_at(r.body, "version.restored_from"), "1");
  EXPECT_EQ(json_at(r.body, "version.sha256"), hex_sha(v1));
  EXPECT_EQ(count("SELECT count(*) FROM document_chunks"), chunks_before);
  EXPECT_TRUE(get("/api/v1/documents/" + did + "/content", p1).body == v1);
  EXPECT_TRUE(get("/api/v1/documents/" + did + "/content?version=2", p1).body == v2);
  auto versions = get("/api/v1/documents/" + did + "/versions", p1);
  EXPECT_EQ(json_at(versions.body, "versions.0.version"), "3");
  EXPECT_EQ(json_at(versions.body, "versions.2.version"), "1");
  EXPECT_EQ(post("/api/v1/documents/" + did + "/versions/9/restore", "", p1).status, 404);
  EXPECT_EQ(get("/api/v1/documents/" + did + "/content?version=9", p1).status, 404);
}

TEST_F(ProSpace, RefusedUploadsStoreNothingAndAccessIsCheckedAtEveryRequest) {
  auto owner = admin("coordination");
  space(owner);
  auto p1 = pro("alice");
  auto did = document(group_, p1);
  ASSERT_EQ(upload(did, "premier jet\n", "text/plain", p1).status, 201);
  auto chunks = count("SELECT count(*) FROM document_chunks");
  auto versions = count("SELECT count(*) FROM document_versions");
  auto nothing_more = [&] {
    EXPECT_EQ(count("SELECT count(*) FROM document_chunks"), chunks);
    EXPECT_EQ(count("SELECT count(*) FROM document_versions"), versions);
  };
  // Over the limit, announced: 413 before the body is read.
  auto big = text_of(1048577, 'b');
  auto r = upload(did, big, "text/plain", p1);
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(json_at(r.body, "error.code"), "payload_too_large");
  nothing_more();
  // Over the limit, unannounced (chunked): 413 once past it, the chunks stored on the way removed.
  auto line = chunked_put(api_port(), "/api/v1/documents/" + did + "/content?filename=a.txt", p1.token, 2 << 20);
  EXPECT_NE(line.find(" 413 "), std::string::npos) << line;
  nothing_more();
  // HTML and SVG, whatever they claim; content that is not its declared type; an unknown type.
  for (auto [bytes, type] : std::vector<std::pair<std::string, std::string>>{
           {"<!DOCTYPE html><script>alert(1)</script>", "text/html"},
           {"<!DOCTYPE html><script>alert(1)</script>", "text/plain"},
           {"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>", "image/svg+xml"},
           {"  <svg onload=\"alert(1)\"/>", "text/plain"},
           {std::string("\x89PNG\r\n\x1a\n", 8) + text_of(400000, 'p'), "application/pdf"},
           {"%PDF-1.4 " + text_of(300000, 'x'), "image/png"},
           {std::string("MZ\x90\0\3\0", 6), "text/plain"},
           {"PK\x03\x04 not an archive we take", "application/zip"},
           {"", "text/plain"}}) {
    r = upload(did, bytes, type, p1);
    EXPECT_EQ(r.status, 400) << type << " " << r.body;
    EXPECT_EQ(json_at(r.body, "error.field"), "content") << type;
  }
  // A PNG that turns out not to be one after the first chunk (text as PNG would fail at once; here the
  // head is right and a declared PDF's tail does not matter) is accepted: the check is the type's.
  nothing_more();
  EXPECT_EQ(upload(did, "x", "text/plain", p1, "..").status, 400);
  EXPECT_EQ(upload("999999", "x", "text/plain", p1).status, 404);

  // Reference status: the moderators' word, audited.
  EXPECT_EQ(call("PATCH", "/api/v1/documents/" + did, R"({"status":"reference"})", p1).status, 403);
  r = call("PATCH", "/api/v1/documents/" + did, R"({"status":"reference"})", owner);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_at(r.body, "document.status"), "reference");
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'document_reference'"), 1);
  EXPECT_EQ(post("/api/v1/groups/" + group_ + "/documents", R"({"title":"t","status":"reference"})", p1).status, 403);

  // A member of the space outside the listed group: 403; the hidden group's document: 404 to outsiders.
  auto outsider = someone("olivier");
  member(space_, outsider.id);
  EXPECT_EQ(get("/api/v1/documents/" + did + "/content", outsider).status, 403);
  EXPECT_EQ(get("/api/v1/documents/" + did, outsider).status, 403);
  EXPECT_EQ(get("/api/v1/groups/" + group_ + "/documents", outsider).status, 403);
  EXPECT_EQ(upload(did, "intrus\n", "text/plain", outsider).status, 403);
  member(hidden_, p1.id);
  auto secret = document(hidden_, p1);
  ASSERT_EQ(upload(secret, "confidentiel\n", "text/plain", p1).status, 201);
  EXPECT_EQ(get("/api/v1/documents/" + secret + "/content", outsider).status, 404);
  EXPECT_EQ(get("/api/v1/documents/" + secret + "/versions", outsider).status, 404);
  // Leaving: refused at the next request.
  ASSERT_EQ(get("/api/v1/documents/" + did + "/content", p1).status, 200);
  ASSERT_EQ(call("DELETE", "/api/v1/groups/" + group_ + "/members/" + p1.id, "", p1).status, 204);
  EXPECT_EQ(get("/api/v1/documents/" + did + "/content", p1).status, 403);
  ASSERT_EQ(call("DELETE", "/api/v1/groups/" + hidden_ + "/members/" + p1.id, "", p1).status, 204);
  EXPECT_EQ(get("/api/v1/documents/" + secret + "/content", p1).status, 404);
  // No public link of any kind.
  EXPECT_EQ(http_get(api_port(), "/api/v1/documents/" + did + "/content").status, 401);
}

TEST_F(ProSpace, TheSameDoiOrUrlTwiceInAGroupIsAConflictNamingTheFirst) {
  auto owner = admin("coordination");
  space(owner);
  auto p1 = pro("alice");
  auto r = post("/api/v1/groups/" + group_ + "/watch",
                R"({"title":"Cytisine et sevrage","url":"https://example.org/etude?utm_source=x#resume",)"
                R"("doi":"10.1000/ABC","summary":"Essai randomisé.","tags":["cytisine","sevrage"]})",
                p1);
  ASSERT_EQ(r.status, 201) << r.body;
  auto first = json_at(r.body, "watch_item.id").value_or("");
  EXPECT_EQ(json_at(r.body, "watch_item.tags.1"), "sevrage");
  r = post("/api/v1/groups/" + group_ + "/watch",
           R"({"title":"La même","url":"https://doi.org/10.1000/abc","summary":"Doublon."})", p1);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(json_at(r.body, "error.code"), "conflict");
  EXPECT_EQ(json_at(r.body, "error.existing_id"), first);
  r = post("/api/v1/groups/" + group_ + "/watch",
           R"({"title":"La même page","url":"HTTPS://Example.ORG/etude?utm_medium=mail","summary":"Doublon."})", p1);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(json_at(r.body, "error.existing_id"), first);
  // Another group may hold it; bad DOIs and URLs are refused by name.
  auto other = make_group(owner, "Veille tabac", "invite", "listed", space_);
  member(other, p1.id);
  EXPECT_EQ(post("/api/v1/groups/" + other + "/watch",
                 R"({"title":"t","url":"https://doi.org/10.1000/abc","summary":"s"})", p1)
                .status,
            201);
  r = post("/api/v1/groups/" + group_ + "/watch",
           R"({"title":"t","url":"https://e.org/x","doi":"11.2/x","summary":"s"})", p1);
  EXPECT_EQ(json_at(r.body, "error.field"), "doi");
  r = post("/api/v1/groups/" + group_ + "/watch", R"j({"title":"t","url":"javascript:alert(1)","summary":"s"})j", p1);
  EXPECT_EQ(json_at(r.body, "error.field"), "url");
  EXPECT_EQ(count("SELECT count(*) FROM watch_items"), 2);
  EXPECT_EQ(get("/api/v1/groups/" + group_ + "/watch", someone("dehors")).status, 403);
}

// The scheduler on an accelerated clock (a day a second) from Monday 1 March
// 2027, 08:00 in Paris, three instances then a fresh one after they stop:
// each person who asked gets the week's digest once, others none.
TEST_F(ProSpace, TheWeeklyDigestComesOncePerPersonAcrossThreeSchedulersAndARestart) {
  auto owner = admin("coordination");
  space(owner);
  auto p1 = pro("alice"), p2 = pro("bruno"), p3 = pro("chloe");
  for (auto [title, when] :
       std::vector<std::pair<std::string, std::string>>{{"Vapotage et grossesse", "2027-02-25 10:00+01"},
                                                        {"Cytisine", "2027-02-28 20:00+01"},
                                                        {"Trop ancien", "2027-02-20 10:00+01"}}) {
    auto r = post("/api/v1/groups/" + group_ + "/watch",
                  R"({"title":")" + title + R"(","url":"https://example.org/)" + std::to_string(title.size()) +
                      R"(","summary":"s"})",
                  p1);
    ASSERT_EQ(r.status, 201) << r.body;
    sql("UPDATE watch_items SET created_at = '" + when +
        "' WHERE id = " + json_at(r.body, "watch_item.id").value_or("0"));
  }
  for (const auto& p : {p1, p2})
    ASSERT_EQ(call("PUT", "/api/v1/me/preferences", R"({"watch_digest":true})", p).status, 200);
  auto prefs = get("/api/v1/me/preferences", p1);
  EXPECT_EQ(json_at(prefs.body, "preferences.watch_digest"), "true");
  EXPECT_EQ(json_at(prefs.body, "preferences.push.replies"), "true");
  EXPECT_EQ(json_at(get("/api/v1/me/preferences", p3).body, "preferences.watch_digest"), "false");
  EXPECT_EQ(call("PUT", "/api/v1/me/preferences", R"({"quiet_hours":{"from":"25:00","to":"07:00"}})", p3).status, 400);

  schedulers_from("2027-03-01T07:00:00Z", 3);  // a restart: its clock starts again on the same Monday morning

  for (const auto& p : {p1, p2}) {
    EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE kind = 'watch_digest' AND user_id = " + p.id), 1)
        << p.handle;
    EXPECT_EQ(count("SELECT count(*) FROM watch_digest_runs WHERE week = '2027-03-01' AND user_id = " + p.id), 1);
  }
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE kind = 'watch_digest'"), 2);
  EXPECT_EQ(one("SELECT data->>'count' FROM notifications WHERE kind = 'watch_digest' AND user_id = " + p1.id), "2");
  auto title = one("SELECT title FROM notifications WHERE kind = 'watch_digest' AND user_id = " + p1.id);
  EXPECT_NE(title.find("2 nouvelle"), std::string::npos) << title;
  auto body = one("SELECT body FROM notifications WHERE kind = 'watch_digest' AND user_id = " + p1.id);
  EXPECT_EQ(body.find("Trop ancien"), std::string::npos) << body;
}

TEST_F(ProSpace, TheFeedPagesEveryItemOnceNewestFirstAndForgetsALeftGroup) {
  auto owner = admin("coordination");
  space(owner);
  auto p1 = pro("alice");
  auto g2 = make_group(owner, "Veille", "invite", "listed", space_);
  auto g3 = make_group(owner, "Ailleurs", "invite", "listed", space_);
  member(g2, p1.id);
  ASSERT_EQ(post("/api/v1/groups/" + group_ + "/threads", R"({"title":"Un fil","body":"Bonjour"})", p1).status, 201);
  document(group_, p1);
  ASSERT_EQ(post("/api/v1/groups/" + g2 + "/watch", R"({"title":"Article","url":"https://e.org/a","summary":"s"})", p1)
                .status,
            201);
  ASSERT_EQ(post("/api/v1/groups/" + g3 + "/threads", R"({"title":"Pas pour alice","body":"x"})", owner).status, 201);
  auto m = post("/api/v1/groups/" + g2 + "/meetings",
                R"({"title":"Webinaire","description":"d","kind":"webinar","mode":"online","timezone":"Europe/Paris",)"
                R"("duration_minutes":60,"occurrences":["2027-05-01T12:00"]})",
                owner);
  ASSERT_EQ(m.status, 201) << m.body;
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    auto r = get("/api/v1/feed?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor), p1);
    ASSERT_EQ(r.status, 200) << r.body;
    for (int i = 0; i < 2; ++i)
      if (auto k = json_at(r.body, "items." + std::to_string(i) + ".kind"))
        seen.push_back(*k + ":" + json_at(r.body, "items." + std::to_string(i) + ".title").value_or(""));
    if (page == 0) {  // something new between pages is not seen twice nor makes anything skip
      ASSERT_EQ(post("/api/v1/groups/" + group_ + "/threads", R"({"title":"Plus récent","body":"b"})", p1).status, 201);
    }
    if (json_at(r.body, "has_more") != "true") break;
    cursor = json_at(r.body, "next_cursor").value_or("");
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"meeting:Webinaire", "watch:Article", "document:Protocole de sevrage",
                                            "thread:Un fil"}));
  ASSERT_EQ(call("DELETE", "/api/v1/groups/" + g2 + "/members/" + p1.id, "", p1).status, 204);
  auto r = get("/api/v1/feed", p1);
  EXPECT_EQ(json_at(r.body, "items.0.title"), "Plus récent");
  EXPECT_EQ(r.body.find("Webinaire"), std::string::npos);
  EXPECT_EQ(r.body.find("Article"), std::string::npos);
  EXPECT_EQ(get("/api/v1/feed?cursor=abc", p1).status, 400);
}

constexpr const char* k_structure =
    R"("kind":"csapa","services":["tabac","alcool"],"address":"1 rue de l'Exemple","hours":"lundi-vendredi 9h-17h",)";

TEST_F(ProSpace, TheDirectoryFiltersSortsByDistanceAndOnlyRepresentativesEditTheirOwn) {
  auto root = admin("coordination");
  auto make = [&](const std::string& name, const std::string& city, const std::string& postcode,
                  const std::string& dept, double lat, double lon, const std::string& phone) {
    char pos[64];
    std::snprintf(pos, sizeof pos, "\"lat\":%.4f,\"lon\":%.4f", lat, lon);
    auto r = post("/api/v1/structures",
                  "{\"name\":\"" + name + "\"," + k_structure + "\"postcode\":\"" + postcode + "\",\"city\":\"" + city +
                      "\",\"department\":\"" + dept + "\",\"phone\":\"" + phone + "\"," + pos + "}",
                  root);
    EXPECT_EQ(r.status, 201) << r.body;
    return json_at(r.body, "structure.id").value_or("0");
  };
  auto nantes = make("Exemple — CSAPA de Nantes", "Nantes", "44000", "44", 47.2184, -1.5536, "01 99 00 44 01");
  auto reze = make("Exemple — Consultation de Rezé", "Rezé", "44400", "44", 47.1833, -1.55, "01 99 00 44 02");
  auto angers = make("Exemple — CSAPA d'Angers", "Angers", "49000", "49", 47.4784, -0.5632, "01 99 00 49 01");
  auto lille = make("Exemple — Hôpital de Lille", "Lille", "59000", "59", 50.6292, 3.0573, "01 99 00 59 01");
  auto member_ = someone("marie");
  // By département: only it.
  auto r = get("/api/v1/structures?department=44", member_);
  ASSERT_EQ(r.status, 200) << r.body;
  std::set<std::string> ids;
  for (int i = 0; i < 10; ++i)
    if (auto id = json_at(r.body, "structures." + std::to_string(i) + ".id")) ids.insert(*id);
  EXPECT_EQ(ids, (std::set<std::string>{nantes, reze}));
  // Near Nantes, 100 km: sorted by distance, within the radius (Lille is not).
  r = get("/api/v1/structures?near=47.218,-1.553&radius_km=100", member_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_at(r.body, "structures.0.id"), nantes);
  EXPECT_EQ(json_at(r.body, "structures.1.id"), reze);
  EXPECT_EQ(json_at(r.body, "structures.2.id"), angers);
  EXPECT_FALSE(json_at(r.body, "structures.3.id"));
  double d1 = std::stod(json_at(r.body, "structures.1.distance_km").value_or("0"));
  double d2 = std::stod(json_at(r.body, "structures.2.distance_km").value_or("0"));
  EXPECT_LT(d1, d2);
  EXPECT_LE(d2, 100.0);
  // Paged near a point, one at a time: the same order.
  std::vector<std::string> paged;
  std::string cursor;
  for (int i = 0; i < 5; ++i) {
    r = get("/api/v1/structures?near=47.218,-1.553&radius_km=100&limit=1" + (cursor.empty() ? "" : "&cursor=" + cursor),
            member_);
    if (auto id = json_at(r.body, "structures.0.id")) paged.push_back(*id);
    if (json_at(r.body, "has_more") != "true") break;
    cursor = json_at(r.body, "next_cursor").value_or("");
  }
  EXPECT_EQ(paged, (std::vector<std::string>{nantes, reze, angers}));
  // Text, accents folded; kind.
  r = get("/api/v1/structures?q=reze", member_);
  EXPECT_EQ(json_at(r.body, "structures.0.id"), reze);
  EXPECT_FALSE(json_at(r.body, "structures.1.id"));
  EXPECT_EQ(json_at(get("/api/v1/structures?q=hopital%20lille", member_).body, "structures.0.id"), lille);
  EXPECT_FALSE(json_at(get("/api/v1/structures?kind=pharmacy", member_).body, "structures.0.id"));
  for (const char* bad : {"department=20", "near=91,0", "near=abc", "kind=sorcier", "radius_km=-1", "cursor=zz"})
    EXPECT_EQ(get(std::string("/api/v1/structures?") + bad, member_).status, 400) << bad;
  EXPECT_EQ(http_get(api_port(), "/api/v1/structures").status, 401);

  // Representatives edit their own structure only; admins appoint them; nobody's name is listed.
  auto rep = someone("representant");
  EXPECT_EQ(call("PUT", "/api/v1/structures/" + nantes + "/representatives/" + rep.id, "", member_).status, 403);
  ASSERT_EQ(call("PUT", "/api/v1/structures/" + nantes + "/representatives/" + rep.id, "", root).status, 204);
  r = call("PATCH", "/api/v1/structures/" + nantes, R"({"phone":"01 99 00 44 99"})", rep);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_at(r.body, "structure.phone"), "01 99 00 44 99");
  EXPECT_EQ(call("PATCH", "/api/v1/structures/" + reze, R"({"phone":"01 99 00 44 98"})", rep).status, 403);
  EXPECT_EQ(call("PATCH", "/api/v1/structures/" + nantes, R"({"phone":"01 99 00 44 98"})", member_).status, 403);
  EXPECT_EQ(post("/api/v1/structures",
                 std::string("{\"name\":\"Exemple — Autre\",") + k_structure +
                     R"("postcode":"44000","city":"Nantes","department":"44","lat":47.2,"lon":-1.5})",
                 rep)
                .status,
            403);
  EXPECT_EQ(call("PATCH", "/api/v1/structures/" + nantes, R"({"department":"20"})", rep).status, 400);
  auto nameless = post("/api/v1/structures",
                       std::string("{\"name\":null,") + k_structure +
                           R"("postcode":"44000","city":"Nantes","department":"44","lat":47.2,"lon":-1.5})",
                       root);
  EXPECT_EQ(nameless.status, 400) << nameless.body;  // null is absent, not a name
  EXPECT_EQ(json_at(nameless.body, "error.field"), "name");
  for (const auto& path : {"/api/v1/structures/" + nantes, std::string("/api/v1/structures?department=44")}) {
    auto body = get(path, member_).body;
    EXPECT_EQ(body.find("representant"), std::string::npos) << path;
    EXPECT_EQ(body.find("handle"), std::string::npos) << path;
    EXPECT_EQ(body.find("user"), std::string::npos) << path;
  }
  // Confirmed more than a year ago: stale.
  ASSERT_EQ(call("PATCH", "/api/v1/structures/" + lille, R"({"confirmed_on":"2024-01-15"})", root).status, 200);
  EXPECT_EQ(json_at(get("/api/v1/structures/" + lille, member_).body, "structure.stale"), "true");
  EXPECT_EQ(json_at(get("/api/v1/structures/" + nantes, member_).body, "structure.stale"), "false");
}

TEST_F(ProSpace, ACardOnAMessageShowsTheStructuresCurrentPhoneAndItsStatsHideSmallCounts) {
  auto root = admin("coordination");
  auto r = post("/api/v1/structures",
                std::string(R"({"name":"Exemple — CSAPA de Nantes",)") + k_structure +
                    R"("postcode":"44000","city":"Nantes","department":"44","lat":47.2184,"lon":-1.5536,)"
                    R"("phone":"01 99 00 44 01"})",
                root);
  ASSERT_EQ(r.status, 201) << r.body;
  auto sid = json_at(r.body, "structure.id").value_or("0");
  auto gid = make_group(root, "Les Colibris", "open");
  auto volunteer = someone("benevole"), quitter = someone("camille"), rep = someone("representant");
  ASSERT_EQ(post("/api/v1/groups/" + gid + "/join", "", volunteer).status, 201);
  ASSERT_EQ(post("/api/v1/groups/" + gid + "/join", "", quitter).status, 201);
  auto room = "group:" + gid;
  r = post("/api/v1/rooms/" + room + "/events",
           R"({"kind":"message","body":"Tu peux les appeler, ils sont très bien.","client_msg_id":"card-1",)"
           R"("structure_id":)" +
               sid + "}",
           volunteer);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json_at(r.body, "event.structure.phone"), "01 99 00 44 01");
  r = post("/api/v1/rooms/" + room + "/events",
           R"({"kind":"message","body":"x","client_msg_id":"card-2","structure_id":999999})", volunteer);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json_at(r.body, "error.field"), "structure_id");
  // Over the socket too, and what a member reads later is the directory's current card.
  {
    auto ws = connect(gateways_[0]->port(), quitter.token);
    ws->send(R"({"type":"send","room":")" + room +
             R"(","body":"Et pour moi aussi","client_msg_id":"card-ws","structure_id":)" + sid + "}");
    auto ack = ws->read_until("\"ack\"");
    ASSERT_TRUE(ack);
    EXPECT_TRUE(json_at(*ack, "seq")) << *ack;
  }
  ASSERT_EQ(call("PUT", "/api/v1/structures/" + sid + "/representatives/" + rep.id, "", root).status, 204);
  ASSERT_EQ(call("PATCH", "/api/v1/structures/" + sid, R"({"phone":"01 99 00 44 77"})", rep).status, 200);
  auto events = get("/api/v1/rooms/" + room + "/events", quitter);
  ASSERT_EQ(events.status, 200) << events.body;
  EXPECT_EQ(events.body.find("01 99 00 44 01"), std::string::npos) << events.body;
  EXPECT_NE(events.body.find("\"phone\":\"01 99 00 44 77\""), std::string::npos) << events.body;
  EXPECT_NE(events.body.find("\"structure\":{\"id\":" + sid), std::string::npos);
  {
    auto ws = connect(gateways_[1]->port(), quitter.token);
    ws->send(R"({"type":"subscribe","room":")" + room + R"(","since":0})");
    auto frame = ws->read_until("Et pour moi aussi");
    ASSERT_TRUE(frame);
    EXPECT_NE(frame->find("01 99 00 44 77"), std::string::npos) << *frame;
  }
  // Stats: the representative sees "<5" for two messages, then 5 at five; others 403.
  auto stats = get("/api/v1/structures/" + sid + "/stats", rep);
  ASSERT_EQ(stats.status, 200) << stats.body;
  EXPECT_EQ(json_at(stats.body, "stats.months.0.messages"), "<5");
  EXPECT_EQ(stats.body.find("benevole"), std::string::npos);
  EXPECT_EQ(stats.body.find("group"), std::string::npos);
  EXPECT_EQ(get("/api/v1/structures/" + sid + "/stats", volunteer).status, 403);
  for (int i = 3; i <= 5; ++i)
    ASSERT_EQ(post("/api/v1/rooms/" + room + "/events",
                   R"({"kind":"message","body":"Voici","client_msg_id":"card-x)" + std::to_string(i) +
                       R"(","structure_id":)" + sid + "}",
                   volunteer)
                  .status,
              201);
  EXPECT_EQ(json_at(get("/api/v1/structures/" + sid + "/stats", rep).body, "stats.months.0.messages"), "5");
}

TEST_F(ProSpace, AReferralCodeLeadsToAPendingRequestAndItsProfessionalSeesOnlyARoundedCount) {
  auto owner = admin("coordination");
  space(owner);
  auto gp = pro("docteur");
  ASSERT_EQ(call("PUT", "/api/v1/me/professional",
                 R"({"profession":"gp","organisation":"Cabinet","department":"44","self_employed":true,)"
                 R"("industry":false})",
                 gp)
                .status,
            200);
  auto colibris = make_group(owner, "Les Colibris", "request");
  auto open_group = make_group(owner, "Café", "open");
  // Not a professional; not a request group.
  EXPECT_EQ(post("/api/v1/groups/" + colibris + "/referral-codes", "", someone("curieux")).status, 403);
  EXPECT_EQ(post("/api/v1/groups/" + open_group + "/referral-codes", "", gp).status, 400);
  auto r = post("/api/v1/groups/" + colibris + "/referral-codes", "", gp);
  ASSERT_EQ(r.status, 201) << r.body;
  auto code = json_at(r.body, "referral_code.code").value_or("");
  EXPECT_EQ(code.rfind("ORI-", 0), 0u);
  EXPECT_EQ(json_at(r.body, "referral_code.uses"), "<5");

  const std::string motivation = R"("motivation":"Mon médecin m'a parlé de vous, j'arrête demain.")";
  auto first = someone("patient1");
  // A wrong code is refused by name; a request without motivation too, code or not.
  r = post("/api/v1/groups/" + colibris + "/join", "{" + motivation + R"(,"referral_code":"ORI-AAAAAAAA"})", first);
  EXPECT_EQ(json_at(r.body, "error.field"), "referral_code");
  r = post("/api/v1/groups/" + colibris + "/join", R"({"referral_code":")" + code + "\"}", first);
  EXPECT_EQ(json_at(r.body, "error.field"), "motivation");
  r = post("/api/v1/groups/" + colibris + "/join", "{" + motivation + R"(,"referral_code":")" + code + "\"}", first);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(count("SELECT count(*) FROM join_requests WHERE group_id = " + colibris + " AND user_id = " + first.id +
                  " AND state = 'pending'"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM memberships WHERE group_id = " + colibris + " AND user_id = " + first.id), 0);
  auto mine = get("/api/v1/me/referral-codes", gp);
  EXPECT_EQ(json_at(mine.body, "referral_codes.0.uses"), "<5");
  EXPECT_EQ(json_at(mine.body, "total_uses"), "<5");
  EXPECT_EQ(mine.body.find("patient1"), std::string::npos);
  for (int i = 2; i <= 5; ++i) {
    auto p = someone("patient" + std::to_string(i));
    ASSERT_EQ(post("/api/v1/groups/" + colibris + "/join", "{" + motivation + R"(,"referral_code":")" + code + "\"}", p)
                  .status,
              202);
  }
  mine = get("/api/v1/me/referral-codes", gp);
  EXPECT_EQ(json_at(mine.body, "referral_codes.0.uses"), "5");
  EXPECT_EQ(json_at(mine.body, "total_uses"), "5");
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(mine.body.find("patient" + std::to_string(i)), std::string::npos);
  // Nothing ties a request to its code: the join request table has no such column.
  EXPECT_EQ(count("SELECT count(*) FROM information_schema.columns WHERE table_name = 'join_requests' AND "
                  "column_name LIKE '%referral%'"),
            0);
}

TEST_F(ProSpace, ErasureTakesTheirOwnDocumentsWatchItemsAndCodesAndLeavesCoWrittenDocumentsNameless) {
  auto owner = admin("coordination");
  space(owner);
  auto p1 = pro("alice"), p2 = pro("bruno");
  auto own = document(group_, p1), shared = document(group_, p1);
  ASSERT_EQ(upload(own, "mes notes personnelles marqueur-solo\n", "text/plain", p1).status, 201);
  ASSERT_EQ(upload(shared, "premier jet\n", "text/plain", p1).status, 201);
  ASSERT_EQ(upload(shared, "relu par bruno\n", "text/plain", p2).status, 201);
  ASSERT_EQ(post("/api/v1/groups/" + group_ + "/watch",
                 R"({"title":"t","url":"https://e.org/a","summary":"mon résumé marqueur-veille"})", p1)
                .status,
            201);
  ASSERT_EQ(call("PUT", "/api/v1/me/preferences", R"({"watch_digest":true})", p1).status, 200);
  auto chunks_before = count("SELECT count(*) FROM document_chunks");
  ASSERT_EQ(call("DELETE", "/api/v1/me", R"({"password":"un mot de passe"})", p1).status, 202);
  EXPECT_EQ(count("SELECT count(*) FROM documents WHERE id = " + own), 0);
  EXPECT_EQ(count("SELECT count(*) FROM documents WHERE id = " + shared), 1);
  EXPECT_EQ(count("SELECT count(*) FROM document_chunks"), chunks_before - 1);  // the solo note's chunk
  EXPECT_EQ(count("SELECT count(*) FROM watch_items"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM preferences WHERE user_id = " + p1.id), 0);
  auto doc = get("/api/v1/documents/" + shared, p2);
  EXPECT_EQ(doc.body.find("alice"), std::string::npos) << doc.body;
  EXPECT_TRUE(get("/api/v1/documents/" + shared + "/content?version=1", p2).body == "premier jet\n");
}

}  // namespace
