// Search (docs/protocol.md, "Search"): messages of group rooms and threads,
// thread titles and the caller's own direct conversations, in French
// (stemming and accents both ways: migration 0024), over what the caller
// may read now: the groups they are a member of and the conversations they
// are in. Deleted, hidden and erased messages have no text and are never
// found; an edited message is found by its latest text only. Newest first,
// paged by an opaque cursor.
#include "api.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/utf8.hpp"
#include "colibri/json/writer.hpp"
#include "community_shared.hpp"

namespace colibri::groups {

using namespace detail;

namespace {

// $1 caller, $2 query, $3 group or null, $4 below this event id, $5 author
// or null, $6 since, $7 until, $8 limit.
constexpr const char* k_search_sql =
    "WITH rooms AS ("
    "  SELECT 'group:' || m.group_id AS room FROM memberships m WHERE m.user_id = $1 "
    "    AND ($3::bigint IS NULL OR m.group_id = $3) "
    "  UNION ALL SELECT 'thread:' || t.id FROM threads t "
    "    JOIN memberships m ON m.group_id = t.group_id AND m.user_id = $1 "
    "    WHERE $3::bigint IS NULL OR t.group_id = $3 "
    "  UNION ALL SELECT 'dm:' || c.conversation_id FROM conversation_members c "
    "    WHERE c.user_id = $1 AND $3::bigint IS NULL), "
    "q AS (SELECT colibri_search_query($2) AS q), "
    "msg AS (SELECT e.id, e.room, CASE WHEN e.kind = 'edit' THEN e.target_seq ELSE e.seq END AS seq, e.body "
    "  FROM room_events e, q WHERE e.body IS NOT NULL AND e.kind IN ('message', 'edit') "
    "  AND colibri_search_vector(e.body) @@ q.q AND e.room IN (SELECT room FROM rooms) AND e.id < $4 "
    "  AND ($5::bigint IS NULL OR e.author_id = $5) AND e.created_at >= $6::timestamptz "
    "  AND e.created_at < $7::timestamptz "
    "  AND NOT EXISTS (SELECT 1 FROM room_events x WHERE x.room = e.room AND x.kind = 'edit' "
    "    AND x.target_seq = CASE WHEN e.kind = 'edit' THEN e.target_seq ELSE e.seq END AND x.seq > e.seq) "
    "  ORDER BY e.id DESC LIMIT $8), "
    "titles AS (SELECT f.id, f.room, f.seq, t.title AS body FROM threads t "
    "  JOIN room_events f ON f.room = 'thread:' || t.id AND f.seq = 1, q "
    "  WHERE colibri_search_vector(t.title) @@ q.q AND f.room IN (SELECT room FROM rooms) AND f.id < $4 "
    "  AND ($5::bigint IS NULL OR f.author_id = $5) AND f.created_at >= $6::timestamptz "
    "  AND f.created_at < $7::timestamptz ORDER BY f.id DESC LIMIT $8), "
    "hits AS (SELECT DISTINCT ON (id) id, room, seq, body FROM (SELECT * FROM msg UNION ALL SELECT * FROM titles) u "
    "  ORDER BY id DESC LIMIT $8) "
    "SELECT h.id, h.room, h.seq, ts_headline('french', replace(replace(h.body, chr(57344), ''), chr(57345), ''), "
    "  q.q, 'StartSel=' || chr(57344) || ', StopSel=' || chr(57345) || "
    "  ', MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=\" … \"'), "
    "  m.author_id, u.handle, (extract(epoch FROM m.created_at) * 1000)::bigint, t.id, t.title "
    "FROM hits h CROSS JOIN q JOIN room_events m ON m.room = h.room AND m.seq = h.seq "
    "LEFT JOIN users u ON u.id = m.author_id "
    "LEFT JOIN threads t ON h.room = 'thread:' || t.id "
    "ORDER BY h.id DESC";

// The snippet without its markers, and where the matches are (code points).
struct snippet {
  std::string text;
  std::vector<std::pair<std::size_t, std::size_t>> highlights;
};

snippet read_snippet(const std::string& marked) {
  snippet s;
  std::size_t i = 0, cp = 0, start = 0;
  while (i < marked.size()) {
    std::size_t at = i;
    char32_t c = core::next_code_point(marked, i);
    if (c == 0xE000) {
      start = cp;
    } else if (c == 0xE001) {
      s.highlights.emplace_back(start, cp);
    } else {
      s.text.append(marked, at, i - at);
      ++cp;
    }
  }
  return s;
}

core::result<std::string> instant(const request& req, std::string_view name, const char* def) {
  auto v = req.query_param(name);
  if (!v || v->empty()) return std::string(def);
  std::string s(*v);
  if (s.size() == 10) s += "T00:00:00Z";  // a calendar date: from its start (UTC)
  if (!core::parse_rfc3339(s)) return core::error::validation(std::string(name), core::message(core::msg::bad_instant));
  return s;
}

}  // namespace

void search_api::add_routes(http::router& r) {
  r.get("/api/v1/search",
        signed_in(db_, limits_, ratelimit::action::expensive_read, member(this, &search_api::search)));
}

awaitable<response> search_api::search(request& req, const caller& who) {
  auto bad = [&](const char* field, core::msg m) {
    return fail(core::error::validation(field, core::message(m)), req);
  };
  auto q = req.query_param("q");
  auto n = q ? core::code_points(*q) : std::nullopt;
  if (!q || !n || *n < 1 || *n > 200) co_return bad("q", core::msg::bad_search);
  auto limit = limit_param(req, 20, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  std::optional<std::int64_t> group, author;
  std::int64_t below = INT64_MAX;
  if (auto g = req.query_param("group"); g && !g->empty() && !(group = parse_id(*g)))
    co_return bad("group", core::msg::bad_id);
  if (auto a = req.query_param("author"); a && !a->empty() && !(author = parse_id(*a)))
    co_return bad("author", core::msg::bad_id);
  if (auto c = req.query_param("cursor"); c && !c->empty()) {
    auto id = parse_id(*c);
    if (!id) co_return bad("cursor", core::msg::bad_cursor);
    below = *id;
  }
  auto since = instant(req, "since", "1970-01-01T00:00:00Z");
  if (!since) co_return fail(since.err(), req);
  auto until = instant(req, "until", "9999-12-31T00:00:00Z");
  if (!until) co_return fail(until.err(), req);
  auto job = [uid = who.user_id, text = std::string(*q), group, below, author, since = *since, until = *until,
              n = *limit + 1](pqxx::nontransaction& w) {
    return w.exec_params(k_search_sql, uid, text, group, below, author, since, until, n);
  };
  auto rows = co_await db_.read(std::move(job));
  bool more = static_cast<int>(rows.size()) > *limit;
  int count = 0;
  std::string next;
  json::writer j;
  j.begin_object().key("results").begin_array();
  for (auto r : rows) {
    if (count++ == *limit) break;
    auto s = read_snippet(r[3].as<std::string>());
    j.begin_object().field("room", r[1].as<std::string>()).field("seq", r[2].as<std::int64_t>());
    j.field("snippet", s.text).key("highlights").begin_array();
    for (auto [from, to] : s.highlights)
      j.begin_array().value(static_cast<std::int64_t>(from)).value(static_cast<std::int64_t>(to)).end_array();
    j.end_array().key("author");
    if (r[4].is_null())
      j.null();
    else
      j.begin_object().field("id", r[4].as<std::int64_t>()).field("handle", r[5].as<std::string>()).end_object();
    j.field("at", core::format_rfc3339_ms(r[6].as<std::int64_t>()));
    if (!r[7].is_null())
      j.key("thread")
          .begin_object()
          .field("id", r[7].as<std::int64_t>())
          .field("title", r[8].as<std::string>())
          .end_object();
    j.end_object();
    next = std::to_string(r[0].as<std::int64_t>());
  }
  j.end_array().key("next_cursor");
  if (more)
    j.value(next);
  else
    j.null();
  j.field("has_more", more).end_object();
  co_return response::json(200, j.release());
}

}  // namespace colibri::groups
