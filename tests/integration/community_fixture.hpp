#pragma once
// The community fixture: the groups service and two gateways (chat_fixture),
// with people, groups created over REST and small SQL helpers.
#include "chat_fixture.hpp"

namespace colibri::test {

struct person {
  std::string token, id, handle;
};

class Community : public chat_fixture {
 protected:
  void configure(std::map<std::string, std::string>& env) override { env["COLIBRI_SEED_GROUPS"] = "false"; }

  // Where REST calls go: the groups service itself, unless a suite puts nginx before it.
  virtual unsigned short api_port() { return groups_->port(); }
  http_result call(const std::string& method, const std::string& target, const std::string& body, const person& p) {
    std::map<std::string, std::string> h;
    if (!p.token.empty()) h["Authorization"] = "Bearer " + p.token;
    return http_call(api_port(), method, target, body, h);
  }
  http_result get(const std::string& target, const person& p) { return call("GET", target, "", p); }
  http_result post(const std::string& target, const std::string& body, const person& p) {
    return call("POST", target, body, p);
  }
  person someone(const std::string& handle) {
    auto [token, id] = user(handle);
    return {token, id, handle};
  }
  person admin(const std::string& handle) {
    auto p = someone(handle);
    sql("UPDATE users SET is_admin = true WHERE id = " + p.id);
    return p;
  }
  // A group created over REST by `owner`; returns its id.
  std::string make_group(const person& owner, const std::string& name, const std::string& policy,
                         const std::string& visibility = "listed", const std::string& parent = "") {
    auto r = post("/api/v1/groups",
                  R"({"name":")" + name + R"(","description":"d","rules":"Règle 1 : bienveillance.","join_policy":")" +
                      policy + R"(","visibility":")" + visibility + "\"" +
                      (parent.empty() ? "" : ",\"parent_id\":" + parent) + "}",
                  owner);
    EXPECT_EQ(r.status, 201) << r.body;
    return json_at(r.body, "group.id").value_or("0");
  }
  std::string one(const std::string& q) {
    auto s = sql(q);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
  int count(const std::string& q) { return std::stoi(one(q)); }
  // The scheduler on an accelerated clock (a day a second) from `start`:
  // `instances` of it for 3 s, then a fresh one after they stopped (a
  // restart: its clock starts again at `start`) for 3 s. The last one's log.
  std::string schedulers_from(const std::string& start, int instances) {
    auto env = env_;
    env["COLIBRI_CLOCK_START"] = start;
    env["COLIBRI_CLOCK_FACTOR"] = "86400";
    env["COLIBRI_BADGES_TICK_MS"] = "100";
    std::vector<std::unique_ptr<service_process>> s;
    for (int i = 0; i < instances; ++i) {
      s.push_back(std::make_unique<service_process>("badges", env, free_port()));
      s.back()->wait_healthy();
    }
    std::this_thread::sleep_for(std::chrono::seconds(3));
    for (auto& p : s) p->proc().stop(SIGTERM, std::chrono::seconds(10));
    service_process again("badges", env, free_port());
    again.wait_healthy();
    std::this_thread::sleep_for(std::chrono::seconds(3));
    again.proc().stop(SIGTERM, std::chrono::seconds(10));
    return again.log_text();
  }
  // Every column of a text-like type (text, varchar, json, jsonb, bytea,
  // tsvector, arrays, citext) of every table that holds one of `needles`,
  // case-insensitively: one "table.column|needle" line per hit; `scanned`
  // is how many columns were read.
  std::string text_hits(const std::vector<std::string>& needles, int& scanned) {
    auto columns =
        sql("SELECT table_name || '.' || column_name || '.' || (data_type = 'bytea') FROM information_schema.columns "
            "WHERE table_schema = 'public' "
            "AND (data_type IN ('text', 'character varying', 'jsonb', 'json', 'bytea', 'tsvector', 'ARRAY') "
            "OR udt_name IN ('citext')) ORDER BY 1");
    // One query over every column: each hit as "table.column|needle".
    std::string needle_array = "ARRAY[";
    for (std::size_t i = 0; i < needles.size(); ++i) needle_array += (i ? ",'" : "'") + needles[i] + "'";
    needle_array += "]";
    std::string scan;
    scanned = 0;
    std::size_t pos = 0;
    while (pos < columns.size()) {
      auto nl = columns.find('\n', pos);
      auto tc = columns.substr(pos, nl - pos);
      pos = nl == std::string::npos ? columns.size() : nl + 1;
      if (tc.empty()) continue;
      bool bytes = tc.substr(tc.rfind('.') + 1) == "true";
      tc = tc.substr(0, tc.rfind('.'));
      auto dot = tc.find('.');
      auto table = tc.substr(0, dot), column = tc.substr(dot + 1);
      // Bytes as the text they may hold (not as hex).
      auto value = bytes ? "encode(\"" + table + "\".\"" + column + "\", 'escape')"
                         : "\"" + table + "\".\"" + column + "\"::text";
      // The needle as nd.v: a table may have a column named n (document_version_chunks).
      scan += std::string(scanned ? " UNION " : "") + "SELECT '" + tc + "|' || nd.v FROM \"" + table + "\", unnest(" +
              needle_array + ") AS nd(v) WHERE lower(" + value + ") LIKE '%' || lower(nd.v) || '%'";
      ++scanned;
    }
    return one(scan);
  }
  http_result send_message(const std::string& room, const std::string& body, const std::string& cmid, const person& p) {
    return post("/api/v1/rooms/" + room + "/events",
                R"({"kind":"message","body":")" + body + R"(","client_msg_id":")" + cmid + "\"}", p);
  }  // `author` posts `body` in `room` and `reporter` reports it (reason
  // abuse): the message's seq and the report's id.
  std::pair<std::string, std::string> post_and_report(const std::string& room, const std::string& body,
                                                      const person& author, const person& reporter,
                                                      const std::string& note = "") {
    auto posted = send_message(room, body, "reported-" + author.id, author);
    EXPECT_EQ(posted.status, 201) << posted.body;
    auto seq = json_at(posted.body, "event.seq").value_or("0");
    auto rep =
        post("/api/v1/reports",
             R"({"room":")" + room + R"(","seq":)" + seq + R"(,"reason":"abuse","note":")" + note + "\"}", reporter);
    EXPECT_EQ(rep.status, 201) << rep.body;
    return {seq, json_at(rep.body, "report.id").value_or("0")};
  }
};

}  // namespace colibri::test
