// The professional space's meetings through the real groups service (two of
// them where concurrency matters), PostgreSQL, Redis, the scheduler and a
// real SMTP server: registration under concurrency, waiting lists and
// promotions, recurrences across DST, calendars read by two independent
// iCalendar parsers, the personal feed, reminders exactly once with the
// leader killed, attendance, and bad input.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "colibri/json/value.hpp"
#include "colibri/test/mail.hpp"
#include "community_fixture.hpp"

using namespace colibri::test;
namespace json = colibri::json;

namespace {

struct expanded {
  std::string uid;
  std::int64_t start_ms = 0, end_ms = 0;
  std::string status;
};

// An iCalendar text expanded by an outside parser: python3-icalendar or ical.js.
std::vector<expanded> expand_with(const std::string& parser, const std::string& ics) {
  temp_dir dir;
  auto file = dir.path() + "/calendar.ics";
  std::ofstream(file, std::ios::binary) << ics;
  std::vector<std::string> argv;
  if (parser == "python")
    argv = {"/usr/bin/python3", std::string(COLIBRI_SOURCE_DIR) + "/tests/integration/ics_expand.py", file};
  else
    argv = {"node", std::string(COLIBRI_SOURCE_DIR) + "/tests/web/ics_expand.mjs", file};
  auto out = run_checked(argv, std::chrono::seconds(60));
  std::vector<expanded> rows;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    expanded e;
    std::istringstream cols(line);
    std::string start, end;
    std::getline(cols, e.uid, '\t');
    std::getline(cols, start, '\t');
    std::getline(cols, end, '\t');
    std::getline(cols, e.status, '\t');
    e.start_ms = std::stoll(start);
    e.end_ms = std::stoll(end);
    rows.push_back(e);
  }
  return rows;
}

std::int64_t ms_of(const std::string& rfc3339) {
  std::tm tm{};
  int msec = 0;
  std::sscanf(rfc3339.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
              &tm.tm_sec, &msec);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + msec;
}

class Meetings : public Community {
 protected:
  void configure(std::map<std::string, std::string>& env) override {
    Community::configure(env);
    env["COLIBRI_SMTP_URL"] = catcher_.url();
    env["COLIBRI_PUBLIC_URL"] = "http://colibri.test";
  }

  // A professional space with a hidden sub-group; `organiser` owns both.
  void professional_space(const person& organiser) {
    auto r = post("/api/v1/groups",
                  R"({"name":"E-médiation","description":"d","rules":"r","join_policy":"invite","visibility":"hidden",)"
                  R"("kind":"professional"})",
                  organiser);
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(json_at(r.body, "group.kind"), "professional");
    space_ = json_at(r.body, "group.id").value_or("0");
    group_ = make_group(organiser, "Pôle Nantes", "invite", "hidden", space_);
    EXPECT_EQ(json_at(get("/api/v1/groups/" + group_, organiser).body, "group.kind"), "professional");
  }
  // Members of the space and of the group, by SQL (invitations have their own tests).
  person professional(const std::string& handle, bool in_group = true) {
    auto p = someone(handle);
    member(space_, p.id);
    if (in_group) member(group_, p.id);
    return p;
  }
  // A meeting created over REST by `by`: its JSON.
  std::string create(const person& by, const std::string& fields, const std::string& gid = "") {
    auto r = post("/api/v1/groups/" + (gid.empty() ? group_ : gid) + "/meetings", "{" + fields + "}", by);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.body;
  }
  std::string occurrence(const std::string& meeting_json, int i) {
    return json_at(meeting_json, "meeting.occurrences." + std::to_string(i) + ".id").value_or("0");
  }
  http_result call_at(unsigned short port, const std::string& method, const std::string& target,
                      const std::string& body, const person& p) {
    return http_call(port, method, target, body, {{"Authorization", "Bearer " + p.token}});
  }

  mail_catcher catcher_;
  std::string space_, group_;
};

constexpr const char* k_webinar =
    R"("title":"Les patients-experts en addictologie","description":"Un webinaire ouvert.","kind":"webinar",)"
    R"("mode":"online","join_url":"https://visio.example.fr/salle-42","timezone":"Europe/Paris",)"
    R"("duration_minutes":90,)";

TEST_F(Meetings, TwelveAtOnceThroughTwoRestProcessesTenSeatsAndAFifoWaitingList) {
  auto admin_ = admin("coordination");
  professional_space(admin_);
  auto m = create(admin_, std::string(k_webinar) + R"("capacity":10,"occurrences":["2027-06-10T12:30"])");
  auto oid = occurrence(m, 0);
  std::vector<person> people;
  for (int i = 0; i < 12; ++i) people.push_back(professional("pro" + std::to_string(i)));
  // A second REST process on the same database.
  service_process second("groups", env_, free_port());
  second.wait_healthy();
  std::vector<int> status(12);
  std::vector<std::string> state(12);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 12; ++i)
    threads.emplace_back([&, i] {
      ++ready;
      while (ready < 12) std::this_thread::yield();
      auto r = call_at(i % 2 ? second.port() : groups_->port(), "POST", "/api/v1/occurrences/" + oid + "/registration",
                       "", people[i]);
      status[i] = r.status;
      state[i] = json_at(r.body, "registration.state").value_or(r.body);
    });
  for (auto& t : threads) t.join();
  std::vector<int> waitlisted;
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(status[i], 201) << state[i];
    if (state[i] == "waitlisted") waitlisted.push_back(i);
  }
  ASSERT_EQ(waitlisted.size(), 2u);
  EXPECT_EQ(std::count(state.begin(), state.end(), "registered"), 10);
  // Positions 1 and 2, in the order they came.
  auto position = [&](int i) {
    return json_at(get("/api/v1/meetings/" + json_at(m, "meeting.id").value_or(""), people[i]).body,
                   "meeting.occurrences.0.my_registration.position")
        .value_or("none");
  };
  std::set<std::string> positions{position(waitlisted[0]), position(waitlisted[1])};
  EXPECT_EQ(positions, (std::set<std::string>{"1", "2"}));
  int first = position(waitlisted[0]) == "1" ? waitlisted[0] : waitlisted[1];
  int second_in_line = first == waitlisted[0] ? waitlisted[1] : waitlisted[0];
  auto mid = json_at(m, "meeting.id").value_or("");
  // The join link: to the seated, not the waitlisted.
  EXPECT_EQ(json_at(get("/api/v1/meetings/" + mid, people[first]).body, "meeting.join_url"), "null");
  int seated = 0;
  while (state[seated] != "registered") ++seated;
  EXPECT_EQ(json_at(get("/api/v1/meetings/" + mid, people[seated]).body, "meeting.join_url"),
            "https://visio.example.fr/salle-42");
  // A retry: 200, the same registration, no second seat.
  auto again = post("/api/v1/occurrences/" + oid + "/registration", "", people[seated]);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json_at(again.body, "registration.state"), "registered");
  EXPECT_EQ(one("SELECT registered_count FROM meeting_occurrences WHERE id = " + oid), "10");
  // A seated person cancels: the first in line is promoted, once.
  EXPECT_EQ(call("DELETE", "/api/v1/occurrences/" + oid + "/registration", "", people[seated]).status, 204);
  EXPECT_EQ(call("DELETE", "/api/v1/occurrences/" + oid + "/registration", "", people[seated]).status, 204);
  EXPECT_EQ(json_at(get("/api/v1/meetings/" + mid, people[first]).body, "meeting.occurrences.0.my_registration.state"),
            "registered");
  EXPECT_EQ(position(second_in_line), "1");
  EXPECT_EQ(one("SELECT registered_count FROM meeting_occurrences WHERE id = " + oid), "10");
  EXPECT_EQ(
      count("SELECT count(*) FROM notifications WHERE kind = 'meeting_promoted' AND user_id = " + people[first].id), 1);
  // A capacity raise to 12 promotes the other, once; 11 seated, nobody waiting.
  auto raised = call("PATCH", "/api/v1/occurrences/" + oid, R"({"capacity":12})", admin_);
  ASSERT_EQ(raised.status, 200) << raised.body;
  EXPECT_EQ(json_at(raised.body, "meeting.occurrences.0.registered"), "11");
  EXPECT_EQ(json_at(raised.body, "meeting.occurrences.0.waitlisted"), "0");
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE kind = 'meeting_promoted'"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE kind = 'meeting_promoted' AND user_id = " +
                  people[second_in_line].id),
            1);
  // Lowering below the seated: 409 naming the field; the list for organisers only.
  auto lower = call("PATCH", "/api/v1/occurrences/" + oid, R"({"capacity":5})", admin_);
  EXPECT_EQ(lower.status, 409);
  EXPECT_EQ(json_at(lower.body, "error.field"), "capacity");
  EXPECT_EQ(get("/api/v1/occurrences/" + oid + "/registrations", people[0]).status, 403);
  auto list = get("/api/v1/occurrences/" + oid + "/registrations", admin_);
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(json_at(list.body, "registrations.10.state"), "registered");
  // Someone of the space outside the hidden group: 404 on every meeting path.
  auto outsider = professional("ailleurs", false);
  // ... unless the meeting is for the whole space; narrowed back to the group, their place goes.
  ASSERT_EQ(call("PATCH", "/api/v1/meetings/" + mid, R"({"audience":"space"})", admin_).status, 200);
  ASSERT_EQ(json_at(post("/api/v1/occurrences/" + oid + "/registration", "", outsider).body, "registration.state"),
            "registered");  // the twelfth seat
  ASSERT_EQ(call("PATCH", "/api/v1/meetings/" + mid, R"({"audience":"group"})", admin_).status, 200);
  EXPECT_EQ(count("SELECT count(*) FROM meeting_registrations WHERE user_id = " + outsider.id), 0);
  EXPECT_EQ(count("SELECT count(*) FROM meeting_registrations WHERE occurrence_id = " + oid), 11);
  EXPECT_EQ(one("SELECT registered_count FROM meeting_occurrences WHERE id = " + oid), "11");
  EXPECT_EQ(get("/api/v1/meetings/" + mid, outsider).status, 404);
  EXPECT_EQ(post("/api/v1/occurrences/" + oid + "/registration", "", outsider).status, 404);
  EXPECT_EQ(get("/api/v1/meetings/" + mid + ".ics", outsider).status, 404);
  EXPECT_EQ(get("/api/v1/groups/" + group_ + "/meetings", outsider).status, 404);
  EXPECT_EQ(get("/api/v1/meetings", outsider).body.find("patients-experts"), std::string::npos);
}

TEST_F(Meetings, TheSecondThursdayAcrossDstPerOccurrenceRegistrationAndSlotGroups) {
  auto admin_ = admin("coordination");
  professional_space(admin_);
  auto series = create(admin_, std::string(k_webinar) +
                                   R"("recurrence":{"freq":"monthly","byday":"TH","setpos":2,"local_time":"12:30",)"
                                   R"("start_date":"2026-01-01","count":6})");
  std::vector<std::string> expected{"2026-01-08T11:30:00.000Z", "2026-02-12T11:30:00.000Z", "2026-03-12T11:30:00.000Z",
                                    "2026-04-09T10:30:00.000Z", "2026-05-14T10:30:00.000Z", "2026-06-11T10:30:00.000Z"};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(json_at(series, "meeting.occurrences." + std::to_string(i) + ".starts_at"), expected[i]) << i;
    EXPECT_EQ(json_at(series, "meeting.occurrences." + std::to_string(i) + ".local_start").value_or("").substr(11),
              "12:30");
  }
  // Over: no registration.
  auto p = professional("infirmiere");
  auto past = post("/api/v1/occurrences/" + occurrence(series, 1) + "/registration", "", p);
  EXPECT_EQ(past.status, 409) << past.body;
  // The same series in 2027: one occurrence is not the next.
  auto next = create(admin_, std::string(k_webinar) +
                                 R"("recurrence":{"freq":"monthly","byday":"TH","setpos":2,"local_time":"12:30",)"
                                 R"("start_date":"2027-01-01","count":6})");
  EXPECT_EQ(json_at(next, "meeting.occurrences.2.starts_at"), "2027-03-11T11:30:00.000Z");
  EXPECT_EQ(json_at(next, "meeting.occurrences.3.starts_at"), "2027-04-08T10:30:00.000Z");
  auto mid = json_at(next, "meeting.id").value_or("");
  EXPECT_EQ(post("/api/v1/occurrences/" + occurrence(next, 1) + "/registration", "", p).status, 201);
  auto seen = get("/api/v1/meetings/" + mid, p).body;
  EXPECT_EQ(json_at(seen, "meeting.occurrences.1.my_registration.state"), "registered");
  EXPECT_EQ(json_at(seen, "meeting.occurrences.2.my_registration"), "null");
  EXPECT_EQ(seen.find("\"my_registration\":null", seen.find("\"position\":2")) != std::string::npos, true);
  // The practice session offered twice (lunchtime and evening): one registration per slot group.
  auto practice =
      create(admin_, R"("title":"Intervision de pratique : le sevrage chez la femme enceinte","kind":"practice",)"
                     R"("mode":"in_person","location":"Maison de santé, Nantes","timezone":"Europe/Paris",)"
                     R"("duration_minutes":120,"capacity":15,)"
                     R"("occurrences":["2027-02-04T12:00","2027-02-04T19:00","2027-03-04T12:00"],)"
                     R"("slot_groups":[[0,1]])");
  EXPECT_EQ(json_at(practice, "meeting.occurrences.0.slot_group"), "0");
  EXPECT_EQ(json_at(practice, "meeting.occurrences.2.slot_group"), "null");
  EXPECT_EQ(post("/api/v1/occurrences/" + occurrence(practice, 0) + "/registration", "", p).status, 201);
  auto twice = post("/api/v1/occurrences/" + occurrence(practice, 1) + "/registration", "", p);
  EXPECT_EQ(twice.status, 409) << twice.body;
  EXPECT_EQ(json_at(twice.body, "error.code"), "conflict");
  EXPECT_EQ(post("/api/v1/occurrences/" + occurrence(practice, 2) + "/registration", "", p).status, 201);
  // After cancelling the lunchtime one, the evening one is open to them.
  EXPECT_EQ(call("DELETE", "/api/v1/occurrences/" + occurrence(practice, 0) + "/registration", "", p).status, 204);
  EXPECT_EQ(post("/api/v1/occurrences/" + occurrence(practice, 1) + "/registration", "", p).status, 201);
  // The listing: upcoming only, by start, with the caller's state; paged.
  auto listing = get("/api/v1/meetings?limit=1", p);
  ASSERT_EQ(listing.status, 200) << listing.body;
  EXPECT_EQ(json_at(listing.body, "meetings.0.id"), mid);  // 14 January 2027 comes first
  EXPECT_EQ(json_at(listing.body, "has_more"), "true");
  auto cursor = json_at(listing.body, "next_cursor").value_or("");
  auto page2 = get("/api/v1/meetings?limit=5&cursor=" + cursor, p);
  EXPECT_EQ(json_at(page2.body, "meetings.0.id"), json_at(practice, "meeting.id"));
  EXPECT_EQ(json_at(page2.body, "has_more"), "false");
  EXPECT_EQ(page2.body.find(json_at(series, "meeting.id").value_or("x") + ",\"group_id\""), std::string::npos);
  EXPECT_EQ(get("/api/v1/meetings?cursor=nonsense", p).status, 400);
  // Every meeting knows when its last session ends (the listing skips those over without reading them).
  EXPECT_EQ(one("SELECT last_ends_at = '2026-06-11T12:00:00Z' FROM meetings WHERE id = " +
                json_at(series, "meeting.id").value_or("0")),
            "t");
  EXPECT_EQ(count("SELECT count(*) FROM meetings m WHERE last_ends_at IS DISTINCT FROM "
                  "(SELECT max(ends_at) FROM meeting_occurrences o WHERE o.meeting_id = m.id)"),
            0);
}

TEST_F(Meetings, CalendarsAreReadByTwoIndependentParsersToTheSameInstants) {
  auto admin_ = admin("coordination");
  professional_space(admin_);
  auto series = create(admin_, std::string(k_webinar) +
                                   R"("recurrence":{"freq":"monthly","byday":"TH","setpos":2,"local_time":"12:30",)"
                                   R"("start_date":"2026-01-01","count":6})");
  auto mid = json_at(series, "meeting.id").value_or("");
  ASSERT_EQ(
      post("/api/v1/occurrences/" + occurrence(series, 3) + "/cancel", R"({"reason":"Intervenant malade"})", admin_)
          .status,
      200);
  auto ics = get("/api/v1/meetings/" + mid + ".ics", admin_);
  ASSERT_EQ(ics.status, 200) << ics.body;
  EXPECT_EQ(ics.header("content-type").rfind("text/calendar", 0), 0u);
  EXPECT_NE(ics.body.find("DTSTART;TZID=Europe/Paris:20260108T123000\r\n"), std::string::npos);
  EXPECT_NE(ics.body.find("BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n"), std::string::npos);
  EXPECT_EQ(ics.body.find("ATTENDEE"), std::string::npos);
  for (const char* parser : {"python", "node"}) {
    auto rows = expand_with(parser, ics.body);
    ASSERT_EQ(rows.size(), 6u) << parser;
    for (int i = 0; i < 6; ++i) {
      auto at = "meeting.occurrences." + std::to_string(i) + ".";
      EXPECT_EQ(rows[i].uid, "occurrence-" + json_at(series, at + "id").value_or("") + "@colibri") << parser;
      EXPECT_EQ(rows[i].start_ms, ms_of(json_at(series, at + "starts_at").value_or(""))) << parser << " " << i;
      EXPECT_EQ(rows[i].end_ms, ms_of(json_at(series, at + "ends_at").value_or(""))) << parser << " " << i;
      EXPECT_EQ(rows[i].status, i == 3 ? "CANCELLED" : "CONFIRMED") << parser << " " << i;
    }
  }
  // A zone with another rule (New York changes on other dates) and a
  // half-hour one without DST: the same agreement.
  for (const char* tz : {"America/New_York", "Asia/Kolkata"}) {
    auto m = create(admin_, std::string(R"("title":"Webinaire","kind":"webinar","mode":"online","timezone":")") + tz +
                                R"(","duration_minutes":60,"occurrences":["2027-03-10T09:00","2027-03-17T09:00",)"
                                R"("2027-11-03T09:00","2027-11-10T09:00"])");
    auto file = get("/api/v1/meetings/" + json_at(m, "meeting.id").value_or("") + ".ics", admin_).body;
    for (const char* parser : {"python", "node"}) {
      auto rows = expand_with(parser, file);
      ASSERT_EQ(rows.size(), 4u);
      for (int i = 0; i < 4; ++i)
        EXPECT_EQ(rows[i].start_ms,
                  ms_of(json_at(m, "meeting.occurrences." + std::to_string(i) + ".starts_at").value_or("")))
            << tz << " " << parser << " " << i;
    }
  }
}

TEST_F(Meetings, TheFeedIsShownOnceRotatedRevokedAndFollowsMembership) {
  auto admin_ = admin("coordination");
  professional_space(admin_);
  auto m =
      create(admin_, std::string(k_webinar) + R"("capacity":1,"occurrences":["2027-06-10T12:30","2027-06-17T12:30"])");
  auto p = professional("sagefemme");
  auto q = professional("pharmacien");
  ASSERT_EQ(post("/api/v1/occurrences/" + occurrence(m, 0) + "/registration", "", q).status, 201);
  ASSERT_EQ(post("/api/v1/occurrences/" + occurrence(m, 0) + "/registration", "", p).status, 201);  // waitlisted
  ASSERT_EQ(post("/api/v1/occurrences/" + occurrence(m, 1) + "/registration", "", p).status, 201);  // registered
  EXPECT_EQ(json_at(get("/api/v1/me/calendar-feed", p).body, "calendar_feed.configured"), "false");
  auto made = post("/api/v1/me/calendar-feed", "", p);
  ASSERT_EQ(made.status, 201) << made.body;
  auto url = json_at(made.body, "calendar_feed.url").value_or("");
  ASSERT_EQ(url.rfind("http://colibri.test/api/v1/calendar/", 0), 0u) << url;
  auto path = url.substr(std::string("http://colibri.test").size());
  // Shown once: the state says configured, never the URL.
  auto state = get("/api/v1/me/calendar-feed", p).body;
  EXPECT_EQ(json_at(state, "calendar_feed.configured"), "true");
  EXPECT_EQ(state.find(path), std::string::npos);
  auto feed = http_call(groups_->port(), "GET", path, "");
  ASSERT_EQ(feed.status, 200) << feed.body;
  EXPECT_NE(feed.body.find("UID:occurrence-" + occurrence(m, 1) + "@colibri"), std::string::npos);
  EXPECT_NE(feed.body.find("STATUS:TENTATIVE"), std::string::npos);  // the waitlisted one
  for (const char* secret :
       {"visio.example.fr", "Un webinaire ouvert", "sagefemme", "example.fr", "ATTENDEE", "ORGANIZER", "pharmacien"})
    EXPECT_EQ(feed.body.find(secret), std::string::npos) << secret;
  for (const char* parser : {"python", "node"}) EXPECT_EQ(expand_with(parser, feed.body).size(), 2u) << parser;
  // No token in any log line of the service.
  auto token = path.substr(path.rfind('/') + 1, 43);
  EXPECT_EQ(groups_->log_tail().find(token), std::string::npos);
  // Rotation: the old URL is 404 at once.
  auto rotated = json_at(post("/api/v1/me/calendar-feed", "", p).body, "calendar_feed.url").value_or("");
  EXPECT_NE(rotated, url);
  EXPECT_EQ(http_call(groups_->port(), "GET", path, "").status, 404);
  path = rotated.substr(std::string("http://colibri.test").size());
  EXPECT_EQ(http_call(groups_->port(), "GET", path, "").status, 200);
  // Leaving the group: its occurrences are gone at the next fetch.
  EXPECT_EQ(call("DELETE", "/api/v1/groups/" + group_ + "/members/me", "", p).status, 204);
  auto after = http_call(groups_->port(), "GET", path, "");
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body.find("BEGIN:VEVENT"), std::string::npos);
  // ... and their seats and places in line are released.
  EXPECT_EQ(count("SELECT count(*) FROM meeting_registrations WHERE user_id = " + p.id), 0);
  EXPECT_EQ(count("SELECT count(*) FROM meeting_registrations WHERE user_id = " + q.id), 1);
  // When the seated one leaves too, a waitlisted member is promoted (here: nobody waits).
  auto r = professional("remplacante");
  ASSERT_EQ(
      json_at(post("/api/v1/occurrences/" + occurrence(m, 0) + "/registration", "", r).body, "registration.state"),
      "waitlisted");
  EXPECT_EQ(call("DELETE", "/api/v1/groups/" + group_ + "/members/me", "", q).status, 204);
  EXPECT_EQ(json_at(get("/api/v1/meetings/" + json_at(m, "meeting.id").value_or(""), r).body,
                    "meeting.occurrences.0.my_registration.state"),
            "registered");
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE kind = 'meeting_promoted' AND user_id = " + r.id), 1);
  // Revoked: 404; a malformed token too.
  EXPECT_EQ(call("DELETE", "/api/v1/me/calendar-feed", "", p).status, 204);
  EXPECT_EQ(http_call(groups_->port(), "GET", path, "").status, 404);
  EXPECT_EQ(http_call(groups_->port(), "GET", "/api/v1/calendar/short.ics", "").status, 404);
  EXPECT_EQ(json_at(get("/api/v1/me/export", p).body, "calendar_feed.0.configured"), std::nullopt);
}

TEST_F(Meetings, AttendanceSheetCertificateAndProfiles) {
  auto admin_ = admin("coordination");
  professional_space(admin_);
  auto p = professional("docteur");
  auto q = professional("kine");
  // The profile: members of a professional space only; checked fields.
  auto member_side = someone("membre");
  auto refused = call("PUT", "/api/v1/me/professional",
                      R"({"profession":"gp","organisation":"Cabinet","department":"44","self_employed":true,)"
                      R"("industry":false})",
                      member_side);
  EXPECT_EQ(refused.status, 403);
  auto bad = call("PUT", "/api/v1/me/professional",
                  R"({"profession":"gp","organisation":"Cabinet","department":"20","self_employed":true,)"
                  R"("industry":false})",
                  p);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json_at(bad.body, "error.field"), "department");
  bad = call("PUT", "/api/v1/me/professional",
             R"({"profession":"gp","organisation":"Cabinet","department":"44","self_employed":true,)"
             R"("industry":false,"rpps":"10001234567"})",
             p);
  EXPECT_EQ(json_at(bad.body, "error.field"), "rpps");
  auto ok = call("PUT", "/api/v1/me/professional",
                 R"j({"profession":"gp","organisation":"=HYPERLINK(\"x\")","department":"2A","self_employed":true,)j"
                 R"("industry":false,"legal_name":"Dr Claire Martin","rpps":"10001234565"})",
                 p);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json_at(get("/api/v1/me/professional", p).body, "professional.department"), "2A");
  EXPECT_EQ(get("/api/v1/me/professional", q).body, R"({"professional":null})");
  // Shown in the professional group's members list, not in a community group.
  auto members = get("/api/v1/groups/" + group_ + "/members", admin_).body;
  EXPECT_NE(members.find("\"profession\":\"gp\""), std::string::npos);
  EXPECT_EQ(members.find("Claire"), std::string::npos);
  EXPECT_EQ(members.find("10001234565"), std::string::npos);
  auto community = make_group(admin_, "Je ne fume plus", "open");
  EXPECT_EQ(call("POST", "/api/v1/groups/" + community + "/join", "{}", p).status, 201);
  EXPECT_EQ(get("/api/v1/groups/" + community + "/members", admin_).body.find("profession"), std::string::npos);
  // An occurrence under way: sign-in window open.
  // An intervision has 3 cases at most by default (its attendance rules: intervision_test.cpp).
  EXPECT_EQ(json_at(create(admin_, R"("title":"Intervision","kind":"intervision","mode":"hybrid",)"
                                   R"("location":"CSAPA, Nantes","timezone":"UTC","duration_minutes":90,)"
                                   R"("occurrences":["2027-01-01T12:00"])"),
                    "meeting.max_cases"),
            "3");
  auto m =
      create(admin_, R"("title":"Séance de pratique","kind":"practice","mode":"hybrid","location":"CSAPA, Nantes",)"
                     R"("timezone":"UTC","duration_minutes":90,"occurrences":["2027-01-01T12:00"])");
  auto oid = occurrence(m, 0);
  ASSERT_EQ(post("/api/v1/occurrences/" + oid + "/registration", "", p).status, 201);
  ASSERT_EQ(post("/api/v1/occurrences/" + oid + "/registration", "", q).status, 201);
  auto early = post("/api/v1/occurrences/" + oid + "/attendance", "", p);
  EXPECT_EQ(early.status, 409) << early.body;
  sql("UPDATE meeting_occurrences SET starts_at = now() - interval '10 minutes', ends_at = now() + interval '80 "
      "minutes' WHERE id = " +
      oid);
  auto signed_in = post("/api/v1/occurrences/" + oid + "/attendance", "", p);
  ASSERT_EQ(signed_in.status, 201) << signed_in.body;
  EXPECT_EQ(json_at(signed_in.body, "attendance.signed_by"), "self");
  EXPECT_EQ(post("/api/v1/occurrences/" + oid + "/attendance", "", p).status, 200);
  auto stranger = professional("visiteur");
  EXPECT_EQ(post("/api/v1/occurrences/" + oid + "/attendance", "", stranger).status, 403);
  EXPECT_EQ(call("PUT", "/api/v1/occurrences/" + oid + "/attendance/" + q.id, R"({"present":false})", admin_).status,
            200);
  EXPECT_EQ(call("PUT", "/api/v1/occurrences/" + oid + "/attendance/" + q.id, R"({"present":true})", p).status, 403);
  auto csv = get("/api/v1/occurrences/" + oid + "/attendance.csv", admin_);
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.header("content-type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body.substr(0, csv.body.find("\r\n")),
            "user_id,handle,legal_name,profession,self_employed,registration,present,signed_at,signed_by,rpps");
  EXPECT_NE(csv.body.find(p.id + ",\"docteur\",\"Dr Claire Martin\",\"gp\",true,\"registered\",true,"),
            std::string::npos)
      << csv.body;
  EXPECT_NE(csv.body.find(q.id + ",\"kine\",\"\",\"\",,\"registered\",false,"), std::string::npos) << csv.body;
  EXPECT_EQ(get("/api/v1/occurrences/" + oid + "/attendance.csv", p).status, 403);
  // A formula never reaches a spreadsheet.
  sql("UPDATE users SET handle = '=cmd|calc' WHERE id = " + q.id);
  EXPECT_NE(get("/api/v1/occurrences/" + oid + "/attendance.csv", admin_).body.find("\"'=cmd|calc\""),
            std::string::npos);
  // The certificate: only for people marked present, with legal name and RPPS.
  auto cert = get("/api/v1/occurrences/" + oid + "/certificate", p);
  ASSERT_EQ(cert.status, 200);
  EXPECT_NE(cert.body.find("Dr Claire Martin"), std::string::npos);
  EXPECT_NE(cert.body.find("10001234565"), std::string::npos);
  EXPECT_NE(cert.header("content-security-policy").find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(get("/api/v1/occurrences/" + oid + "/certificate", q).status, 404);
  // Export and erasure: the profile, registrations and attendance are the person's.
  auto exported = get("/api/v1/me/export", p).body;
  EXPECT_EQ(json_at(exported, "professional_profile.0.legal_name"), "Dr Claire Martin");
  EXPECT_EQ(json_at(exported, "meeting_attendance.0.present"), "true");
  EXPECT_EQ(call("DELETE", "/api/v1/me", R"({"password":"un mot de passe"})", p).status, 202);
  EXPECT_EQ(count("SELECT count(*) FROM professional_profiles WHERE user_id = " + p.id), 0);
  EXPECT_EQ(count("SELECT count(*) FROM meeting_attendance WHERE user_id = " + p.id), 0);
  EXPECT_EQ(count("SELECT count(*) FROM meeting_registrations WHERE user_id = " + p.id), 0);
  EXPECT_EQ(one("SELECT registered_count FROM meeting_occurrences WHERE id = " + oid), "1");
}

TEST_F(Meetings, BadInputGetsTheContractsErrorsAndStoresNothing) {
  auto admin_ = admin("coordination");
  professional_space(admin_);
  auto community = make_group(admin_, "Je ne fume plus", "open");
  const std::string base =
      R"("title":"T","kind":"webinar","mode":"online","timezone":"Europe/Paris","duration_minutes":60,)";
  struct bad_case {
    std::string body, field;
  };
  std::vector<bad_case> cases = {
      {R"({"title":""})", "title"},
      {R"({"title":"T","kind":"party","mode":"online","timezone":"UTC","duration_minutes":60,"occurrences":["2027-01-01T12:30"]})",
       "kind"},
      {"{" + base.substr(0, base.size() - 1) + "}", "occurrences"},
      {"{" + base + R"("occurrences":[],"recurrence":null})", "occurrences"},
      {"{" + base + R"("occurrences":["2027-01-01"]})", "occurrences[0]"},
      {"{" + base + R"("occurrences":["2027-13-01T12:30"]})", "occurrences[0]"},
      {"{" + base + R"("occurrences":["2027-01-01T25:00"]})", "occurrences[0]"},
      {"{" + base + R"("occurrences":["1999-01-01T12:00"]})", "occurrences[0]"},
      {"{" + base + R"("occurrences":["2027-01-01T12:30","2027-01-01T12:30"]})", "occurrences"},
      {"{" + base + R"("occurrences":["2027-01-01T12:30"],"recurrence":{"freq":"weekly"}})", "occurrences"},
      {"{" + base + R"("recurrence":{"freq":"daily","local_time":"12:30","start_date":"2027-01-01","count":2}})",
       "recurrence.freq"},
      {"{" + base +
           R"("recurrence":{"freq":"monthly","byday":"TH","local_time":"12:30","start_date":"2027-01-01","count":2}})",
       "recurrence.setpos"},
      {"{" + base +
           R"("recurrence":{"freq":"monthly","byday":"XX","setpos":2,"local_time":"12:30","start_date":"2027-01-01","count":2}})",
       "recurrence.byday"},
      {"{" + base + R"("recurrence":{"freq":"weekly","local_time":"12:30","start_date":"2027-01-01","count":101}})",
       "recurrence.count"},
      {"{" + base + R"("occurrences":["2027-01-01T12:30","2027-01-02T12:30"],"slot_groups":[[0]]})", "slot_groups"},
      {"{" + base + R"("occurrences":["2027-01-01T12:30","2027-01-02T12:30"],"slot_groups":[[0,2]]})", "slot_groups"},
      {"{" + base + R"("occurrences":["2027-01-01T12:30","2027-01-02T12:30"],"slot_groups":[[0,1],[1,0]]})",
       "slot_groups"},
      {R"({"title":"T","kind":"webinar","mode":"online","timezone":"Mars/Olympus","duration_minutes":60,"occurrences":["2027-01-01T12:30"]})",
       "timezone"},
      {R"({"title":"T","kind":"webinar","mode":"in_person","timezone":"UTC","duration_minutes":60,"occurrences":["2027-01-01T12:30"]})",
       "location"},
      {"{" + base + R"j("occurrences":["2027-01-01T12:30"],"join_url":"javascript:alert(1)"})j", "join_url"},
      {"{" + base + R"("occurrences":["2027-01-01T12:30"],"capacity":0})", "capacity"},
      {"{" + base + R"("occurrences":["2027-01-01T12:30"],"max_cases":3})", "max_cases"},
      {R"({"title":"T","kind":"webinar","mode":"online","timezone":"UTC","duration_minutes":2,"occurrences":["2027-01-01T12:30"]})",
       "duration_minutes"},
  };
  for (const auto& c : cases) {
    auto r = post("/api/v1/groups/" + group_ + "/meetings", c.body, admin_);
    EXPECT_EQ(r.status, 400) << c.body << " " << r.body;
    EXPECT_EQ(json_at(r.body, "error.code"), "validation_failed") << c.body;
    EXPECT_EQ(json_at(r.body, "error.field"), c.field) << c.body << " " << r.body;
  }
  EXPECT_EQ(json_at(post("/api/v1/groups/" + group_ + "/meetings", "{not json", admin_).body, "error.code"),
            "invalid_json");
  // Intervisions only in professional groups.
  auto itv = post(
      "/api/v1/groups/" + community + "/meetings",
      R"({"title":"T","kind":"intervision","mode":"online","timezone":"UTC","duration_minutes":60,"occurrences":["2027-01-01T12:30"]})",
      admin_);
  EXPECT_EQ(itv.status, 400);
  EXPECT_EQ(json_at(itv.body, "error.field"), "kind");
  // Members who do not moderate: 403; unknown group: 404.
  auto p = professional("simple");
  EXPECT_EQ(
      post("/api/v1/groups/" + group_ + "/meetings", "{" + base + R"("occurrences":["2027-01-01T12:30"]})", p).status,
      403);
  EXPECT_EQ(
      post("/api/v1/groups/999999/meetings", "{" + base + R"("occurrences":["2027-01-01T12:30"]})", admin_).status,
      404);
  EXPECT_EQ(count("SELECT count(*) FROM meetings") + count("SELECT count(*) FROM meeting_occurrences"), 0);
  // The other routes.
  auto m = create(admin_, base + R"("occurrences":["2027-01-01T12:30"])");
  auto mid = json_at(m, "meeting.id").value_or("");
  auto oid = occurrence(m, 0);
  auto before = sql("SELECT m.*, o.* FROM meetings m JOIN meeting_occurrences o ON o.meeting_id = m.id");
  EXPECT_EQ(call("PATCH", "/api/v1/meetings/" + mid, R"({"mode":"in_person"})", admin_).status, 400);
  EXPECT_EQ(call("PATCH", "/api/v1/meetings/" + mid, R"({"title":""})", admin_).status, 400);
  EXPECT_EQ(call("PATCH", "/api/v1/meetings/" + mid, R"({"join_url":"ftp://x"})", admin_).status, 400);
  EXPECT_EQ(call("PATCH", "/api/v1/meetings/" + mid, R"({"title":"Autre"})", p).status, 403);
  EXPECT_EQ(call("PATCH", "/api/v1/occurrences/" + oid, R"({"capacity":"dix"})", admin_).status, 400);
  EXPECT_EQ(call("PATCH", "/api/v1/occurrences/" + oid, "{}", admin_).status, 400);
  EXPECT_EQ(post("/api/v1/occurrences/" + oid + "/cancel", "{}", admin_).status, 400);
  EXPECT_EQ(post("/api/v1/meetings/" + mid + "/cancel", R"({"reason":""})", admin_).status, 400);
  EXPECT_EQ(post("/api/v1/meetings/" + mid + "/cancel", R"({"reason":"x"})", p).status, 403);
  EXPECT_EQ(call("PUT", "/api/v1/occurrences/" + oid + "/attendance/" + p.id, R"({"present":"oui"})", admin_).status,
            400);
  EXPECT_EQ(get("/api/v1/meetings/abc", admin_).status, 404);
  EXPECT_EQ(get("/api/v1/meetings/99999999.ics", admin_).status, 404);
  EXPECT_EQ(post("/api/v1/occurrences/0/registration", "", p).status, 404);
  EXPECT_EQ(get("/api/v1/meetings?from=hier", p).status, 400);
  EXPECT_EQ(get("/api/v1/meetings?from=2027-01-02T00:00:00Z&to=2027-01-01T00:00:00Z", p).status, 400);
  EXPECT_EQ(get("/api/v1/meetings?limit=0", p).status, 400);
  EXPECT_EQ(call("PUT", "/api/v1/me/professional", R"({"profession":"sorcier"})", p).status, 400);
  EXPECT_EQ(sql("SELECT m.*, o.* FROM meetings m JOIN meeting_occurrences o ON o.meeting_id = m.id"), before);
  EXPECT_EQ(count("SELECT count(*) FROM meeting_registrations") + count("SELECT count(*) FROM meeting_attendance") +
                count("SELECT count(*) FROM professional_profiles"),
            0);
}

// The scheduler on an accelerated clock (1.5 h a second), three instances,
// the leader killed between the day-before and the hour-before reminders:
// each registered person gets each reminder once, in-app and by mail with
// the .ics; the waitlisted none; a cancelled occurrence none, and its people
// one cancellation each.
TEST_F(Meetings, RemindersExactlyOnceWithThreeSchedulersAndTheLeaderKilled) {
  auto admin_ = admin("coordination");
  professional_space(admin_);
  // T0 = 2027-03-01T08:00Z. The session at 15:00 Paris on 2 March (14:00Z, T0 + 30 h); another at 18:00 (T0 + 33 h).
  auto m =
      create(admin_, std::string(k_webinar) + R"("capacity":2,"occurrences":["2027-03-02T15:00","2027-03-02T18:00"])");
  auto a = occurrence(m, 0), c = occurrence(m, 1);
  auto p1 = professional("alice"), p2 = professional("bruno"), p3 = professional("chloe");
  for (const auto& p : {p1, p2, p3}) ASSERT_EQ(post("/api/v1/occurrences/" + a + "/registration", "", p).status, 201);
  ASSERT_EQ(post("/api/v1/occurrences/" + c + "/registration", "", p1).status, 201);
  ASSERT_EQ(post("/api/v1/occurrences/" + c + "/registration", "", p3).status, 201);
  sql("UPDATE users SET email_verified_at = now()");
  auto cancelled = post("/api/v1/occurrences/" + c + "/cancel", R"({"reason":"Salle indisponible"})", admin_);
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(post("/api/v1/occurrences/" + c + "/cancel", R"({"reason":"encore"})", admin_).status, 200);
  EXPECT_EQ(post("/api/v1/occurrences/" + c + "/registration", "", p2).status, 409);
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE kind = 'meeting_cancelled'"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE kind = 'meeting_cancelled' AND user_id = " + p1.id), 1);

  auto env = env_;
  env["COLIBRI_CLOCK_START"] = "2027-03-01T08:00:00Z";
  env["COLIBRI_CLOCK_FACTOR"] = "5400";
  env["COLIBRI_BADGES_TICK_MS"] = "100";
  env["COLIBRI_MAIL_POLL_MS"] = "200";
  std::vector<std::unique_ptr<service_process>> s;
  for (int i = 0; i < 3; ++i) {
    s.push_back(std::make_unique<service_process>("badges", env, free_port()));
    s.back()->wait_healthy();
  }
  auto leader = [](service_process& p) {
    try {
      return json_at(http_get(p.port(), "/leader").body, "leader") == "true";
    } catch (...) {
      return false;
    }
  };
  std::this_thread::sleep_for(std::chrono::seconds(11));  // about T0 + 16 h: the day-before reminders are out
  EXPECT_EQ(count("SELECT count(*) FROM meeting_reminders WHERE kind = '24h'"), 2);
  int killed = -1;
  for (int i = 0; i < 3; ++i)
    if (leader(*s[i])) killed = i;
  ASSERT_GE(killed, 0);
  s[killed]->proc().kill_hard();
  std::this_thread::sleep_for(std::chrono::seconds(12));  // about T0 + 34 h
  for (auto& p : s) p->proc().stop(SIGTERM, std::chrono::seconds(10));

  // Each registered person: one of each, in-app; the waitlisted none; the cancelled occurrence none.
  for (const auto& p : {p1, p2})
    for (const char* kind : {"24h", "1h"})
      EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE kind = 'meeting_reminder' AND user_id = " + p.id +
                      " AND data->>'reminder' = '" + kind + "' AND (data->>'occurrence_id')::bigint = " + a),
                1)
          << p.handle << " " << kind;
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE kind = 'meeting_reminder'"), 4);
  EXPECT_EQ(count("SELECT count(*) FROM meeting_reminders"), 4);
  EXPECT_EQ(count("SELECT count(*) FROM meeting_reminders WHERE user_id = " + p3.id + " OR occurrence_id = " + c), 0);
  // By mail, through the real SMTP path, with the occurrence's .ics.
  for (const auto& p : {p1, p2}) {
    auto mail = catcher_.wait_for(p.handle + "@example.fr", "Les patients-experts");
    ASSERT_TRUE(mail) << p.handle;
    EXPECT_NE(mail->subject.find("Rappel"), std::string::npos);
    EXPECT_NE(mail->text.find("mardi 2 mars 2027, 15:00 (Europe/Paris)"), std::string::npos) << mail->text;
    ASSERT_EQ(mail->attachments.size(), 1u);
    auto rows = expand_with("python", mail->attachments[0].second);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].uid, "occurrence-" + a + "@colibri");
    EXPECT_EQ(rows[0].start_ms, ms_of("2027-03-02T14:00:00.000Z"));
  }
  int to_p1 = 0, to_p3 = 0;
  for (const auto& mail : catcher_.all()) {
    to_p1 += mail.to.find("alice@") != std::string::npos && mail.text.find("Les patients") != std::string::npos;
    to_p3 += mail.to.find("chloe@") != std::string::npos && mail.text.find("Les patients") != std::string::npos;
  }
  EXPECT_EQ(to_p1, 2);
  EXPECT_EQ(to_p3, 0);
}

}  // namespace

namespace {

// Interleaved series: each meeting comes once, in the order of its first
// session in range, whatever the page size; a meeting whose first session is
// over but whose next one is not is listed by the next one.
TEST_F(Meetings, TheListingPagesEveryMeetingOnceInTheOrderOfItsFirstSession) {
  auto admin_ = admin("coordination");
  professional_space(admin_);
  std::vector<std::string> ids;
  for (int k = 0; k < 7; ++k) {
    std::string occ;
    for (int n = 0; n < 4; ++n) {
      char d[32];
      std::snprintf(d, sizeof d, "\"2027-%02d-%02dT12:00\"", 3 + n, 1 + (6 - k));  // the last one first
      occ += (occ.empty() ? "" : ",") + std::string(d);
    }
    auto m = create(admin_, std::string(k_webinar) + R"("occurrences":[)" + occ + "]");
    ids.push_back(json_at(m, "meeting.id").value_or(""));
  }
  for (int limit : {1, 2, 3, 50}) {
    std::vector<std::string> seen;
    std::string cursor;
    for (int page = 0; page < 20; ++page) {
      auto r =
          get("/api/v1/meetings?limit=" + std::to_string(limit) + (cursor.empty() ? "" : "&cursor=" + cursor), admin_);
      ASSERT_EQ(r.status, 200) << r.body;
      for (int i = 0; i < limit; ++i)
        if (auto id = json_at(r.body, "meetings." + std::to_string(i) + ".id")) seen.push_back(*id);
      if (json_at(r.body, "has_more") != "true") break;
      cursor = json_at(r.body, "next_cursor").value_or("");
    }
    EXPECT_EQ(seen, std::vector<std::string>(ids.rbegin(), ids.rend())) << "limit " << limit;
  }
  // From April on, only three sessions of each remain: each meeting still comes once, by its April session.
  auto r = get("/api/v1/meetings?from=2027-04-01T00:00:00Z&limit=50", admin_);
  EXPECT_EQ(json_at(r.body, "meetings.0.id"), ids.back());
  EXPECT_EQ(json_at(r.body, "meetings.0.occurrences.0.starts_at"), "2027-04-01T10:00:00.000Z");
  EXPECT_EQ(json_at(r.body, "meetings.6.id"), ids.front());
  EXPECT_EQ(json_at(r.body, "meetings.7.id"), std::nullopt);
  // The listing keeps meetings as rendered, by version: every change shows at
  // the next request, whichever REST process answers.
  service_process second("groups", env_, free_port());
  second.wait_healthy();
  auto listed = [&](unsigned short port) {
    return call_at(port, "GET", "/api/v1/meetings?from=2027-04-01T00:00:00Z&limit=1", "", admin_).body;
  };
  for (auto port : {groups_->port(), second.port()}) listed(port);  // both caches filled
  auto first_occ = json_at(listed(groups_->port()), "meetings.0.occurrences.0.id").value_or("");
  auto p = professional("lectrice");
  ASSERT_EQ(post("/api/v1/occurrences/" + first_occ + "/registration", "", p).status, 201);
  ASSERT_EQ(post("/api/v1/occurrences/" + first_occ + "/cancel", R"({"reason":"Grève"})", admin_).status, 200);
  ASSERT_EQ(call("PATCH", "/api/v1/groups/" + group_, R"({"name":"Pôle Nantes-Atlantique"})", admin_).status, 200);
  ASSERT_EQ(call("PATCH", "/api/v1/me", R"({"handle":"coordination44"})", admin_).status, 200);
  for (auto port : {groups_->port(), second.port()}) {
    auto body = listed(port);
    EXPECT_EQ(json_at(body, "meetings.0.occurrences.0.registered"), "1") << port;
    EXPECT_EQ(json_at(body, "meetings.0.occurrences.0.state"), "cancelled") << port;
    EXPECT_EQ(json_at(body, "meetings.0.group_name"), "Pôle Nantes-Atlantique") << port;
    EXPECT_EQ(json_at(body, "meetings.0.created_by.handle"), "coordination44") << port;
    EXPECT_EQ(json_at(body, "meetings.0.organiser"), "true") << port;
  }
  auto as_reader = call_at(second.port(), "GET", "/api/v1/meetings?from=2027-04-01T00:00:00Z&limit=1", "", p).body;
  EXPECT_EQ(json_at(as_reader, "meetings.0.organiser"), "false");
  EXPECT_EQ(json_at(as_reader, "meetings.0.occurrences.0.my_registration.state"), "registered");
  EXPECT_EQ(json_at(as_reader, "meetings.0.join_url"), "null");  // the meeting's occurrence is cancelled
}

}  // namespace
