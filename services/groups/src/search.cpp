// Search (docs/protocol.md, "Search"): messages of group rooms and threads,
// thread titles and the caller's own direct conversations, in French
// (stemming and accents both ways: migration 0024), over what the caller
// may read now: the groups they are a member of and the conversations they
// are in. Deleted, hidden and erased messages have no text and are never
// found; an edited message is found by its latest text only. Newest first,
// paged by an opaque cursor.
#include <algorithm>

#include "api.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/utf8.hpp"
#include "colibri/json/writer.hpp"
#include "community_shared.hpp"

namespace colibri::groups {

using namespace detail;

namespace {

// The rooms the caller may read now ($1 caller, $2 group or null), as a
// text[] literal: the search then names them (a list the planner can weigh
// against the index of words, unlike a subquery).
constexpr const char* k_rooms_sql =
    "SELECT coalesce(array_agg(room), '{}')::text FROM ("
    "  SELECT 'group:' || m.group_id AS room FROM memberships m WHERE m.user_id = $1 "
    "    AND ($2::bigint IS NULL OR m.group_id = $2) "
    "  UNION ALL SELECT 'thread:' || t.id FROM threads t "
    "    JOIN memberships m ON m.group_id = t.group_id AND m.user_id = $1 "
    "    WHERE $2::bigint IS NULL OR t.group_id = $2 "
    "  UNION ALL SELECT 'dm:' || c.conversation_id FROM conversation_members c "
    "    WHERE c.user_id = $1 AND $2::bigint IS NULL) r";

// $1 rooms (text[]), $2 query, $4 below this event id, $5 author or null,
// $6 since, $7 until, $8 limit ($3 unused, kept typed).
// A match among `e`, in a room the caller may read (named by the caller of this).
constexpr const char* k_match =
    "e.body IS NOT NULL AND e.kind IN ('message', 'edit') AND e.search @@ colibri_search_query($2) "
    "AND e.id < $4 AND ($5::bigint IS NULL OR e.author_id = $5) AND e.created_at >= $6::timestamptz "
    "AND e.created_at < $7::timestamptz "
    "AND NOT EXISTS (SELECT 1 FROM room_events x WHERE x.room = e.room AND x.kind = 'edit' "
    "  AND x.target_seq = CASE WHEN e.kind = 'edit' THEN e.target_seq ELSE e.seq END AND x.seq > e.seq) ";
constexpr const char* k_hit_columns =
    "e.id, e.room, CASE WHEN e.kind = 'edit' THEN e.target_seq ELSE e.seq END AS seq, e.body ";

// The newest matches, two ways. For a query rare in the whole log: every
// match through the index of words, kept if in the caller's rooms. For a
// common one: newest first in each of the caller's rooms through (room, id),
// so that a word frequent elsewhere but absent from the caller's rooms costs
// the caller's rooms at most, never the whole log (measured on 2 million
// messages: 0.2 s instead of 1 to 2 s; a word in one message in ten: 4 ms).
std::string msg_rare() {
  return std::string("msg AS (SELECT ") + k_hit_columns + "FROM room_events e WHERE e.room = ANY($1::text[]) AND " +
         k_match + "ORDER BY e.id DESC LIMIT $8), ";
}
std::string msg_common() {
  return std::string("msg AS (SELECT m.* FROM unnest($1::text[]) r(room), LATERAL (SELECT ") + k_hit_columns +
         "FROM room_events e WHERE e.room = r.room AND " + k_match +
         "ORDER BY e.id DESC LIMIT $8) m "
         "ORDER BY m.id DESC LIMIT $8), ";
}

constexpr const char* k_search_head =
    "WITH unused AS (SELECT $3::bigint), "
    "q AS (SELECT colibri_search_query($2) AS q), ";
constexpr const char* k_search_tail =
    "titles AS (SELECT f.id, f.room, f.seq, t.title AS body FROM threads t "
    "  JOIN room_events f ON f.room = 'thread:' || t.id AND f.seq = 1 "
    "  WHERE colibri_search_vector(t.title) @@ colibri_search_query($2) AND f.room = ANY($1::text[]) AND f.id < $4 "
    "  AND ($5::bigint IS NULL OR f.author_id = $5) AND f.created_at >= $6::timestamptz "
    "  AND f.created_at < $7::timestamptz ORDER BY f.id DESC LIMIT $8), "
    "hits AS (SELECT DISTINCT ON (id) id, room, seq, replace(replace(body, chr(57344), ''), chr(57345), '') AS body "
    "  FROM (SELECT * FROM msg UNION ALL SELECT * FROM titles) u "
    "  ORDER BY id DESC LIMIT $8) "
    // The matches marked twice: in the text as written (accented stems) and
    // in its unaccented form (unaccented stems); the handler merges them.
    "SELECT h.id, h.room, h.seq, ts_headline('french', h.body, q.q, "
    "  'HighlightAll=true, StartSel=' || chr(57344) || ', StopSel=' || chr(57345)), "
    "  ts_headline('french', colibri_unaccent(h.body), q.q, "
    "  'HighlightAll=true, StartSel=' || chr(57344) || ', StopSel=' || chr(57345)), "
    "  m.author_id, u.handle, (extract(epoch FROM m.created_at) * 1000)::bigint, t.id, t.title, "
    "  CASE WHEN h.room LIKE 'group:%' THEN substr(h.room, 7)::bigint ELSE t.group_id END "
    "FROM hits h CROSS JOIN q JOIN room_events m ON m.room = h.room AND m.seq = h.seq "
    "LEFT JOIN users u ON u.id = m.author_id "
    "LEFT JOIN threads t ON h.room = 'thread:' || t.id "
    "ORDER BY h.id DESC";

const std::string& search_sql(bool common) {
  static const std::string rare = k_search_head + msg_rare() + k_search_tail;
  static const std::string frequent = k_search_head + msg_common() + k_search_tail;
  return common ? frequent : rare;
}

// "Plan Rows" of the top node of an EXPLAIN (FORMAT JSON).
double estimated_rows(const std::string& plan) {
  auto at = plan.find("\"Plan Rows\":");
  return at == std::string::npos ? 0 : std::strtod(plan.c_str() + at + 12, nullptr);
}

// A marked text (U+E000 ... U+E001 around each match): its code points and
// the matches' ranges.
struct marked {
  std::u32string text;
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
};

marked read_marks(const std::string& s) {
  marked m;
  std::size_t i = 0, start = 0;
  while (i < s.size()) {
    char32_t c = core::next_code_point(s, i);
    if (c == 0xE000)
      start = m.text.size();
    else if (c == 0xE001)
      m.ranges.emplace_back(start, m.text.size());
    else
      m.text.push_back(c);
  }
  return m;
}

std::string utf8(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// The snippet: about 240 code points of the text around its first match,
// with "…" where it was cut, and the matches' ranges within it. The matches
// of the unaccented form count when it has as many code points as the text
// (French accents fold one for one; a ligature would shift them).
struct snippet {
  std::string text;
  std::vector<std::pair<std::size_t, std::size_t>> highlights;
};

snippet make_snippet(const std::string& as_written, const std::string& unaccented) {
  auto a = read_marks(as_written);
  auto b = read_marks(unaccented);
  auto ranges = a.ranges;
  if (b.text.size() == a.text.size()) ranges.insert(ranges.end(), b.ranges.begin(), b.ranges.end());
  std::sort(ranges.begin(), ranges.end());
  constexpr std::size_t k_width = 240, k_before = 60;
  std::size_t from = 0;
  if (!ranges.empty() && ranges.front().first > k_before) {
    from = ranges.front().first - k_before;
    while (from < ranges.front().first && a.text[from] != U' ') ++from;  // start at a word
    if (from < ranges.front().first) ++from;
  }
  std::size_t to = std::min(a.text.size(), from + k_width);
  snippet s;
  std::size_t shift = 0;
  if (from > 0) {
    s.text = "…";
    shift = 1;
  }
  s.text += utf8(std::u32string_view(a.text).substr(from, to - from));
  if (to < a.text.size()) s.text += "…";
  std::size_t last_end = 0;
  for (auto [x, y] : ranges) {
    if (x < from || y > to || x < last_end) continue;  // outside the snippet, or overlapping one kept
    s.highlights.emplace_back(x - from + shift, y - from + shift);
    last_end = y;
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
  if (!q || !n || *n < 1 || *n > 200 || q->find('\0') != std::string_view::npos)
    co_return bad("q", core::msg::bad_search);
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
  // The planner's estimate of the query's matches in the whole log (from the
  // word statistics of room_events.search): above it, the query is common.
  auto job = [uid = who.user_id, text = std::string(*q), group, below, author, since = *since, until = *until,
              common = s_.search_common_matches, n = *limit + 1](pqxx::work& w) {
    // Planned with this query's words and rooms (the pool's connections
    // default to generic plans): a rare word then goes through the index of
    // words, a common one newest first through the ids, each from the column's
    // statistics. A generic plan reads all two million rows for a word the
    // caller's rooms do not hold (measured: seconds, not milliseconds).
    w.exec("SET LOCAL plan_cache_mode = force_custom_plan");
    auto rooms = w.exec_params1(k_rooms_sql, uid, group)[0].as<std::string>();
    auto plan = w.exec("EXPLAIN (FORMAT JSON) SELECT 1 FROM room_events WHERE search @@ colibri_search_query(" +
                       w.quote(text) + ")")[0][0]
                    .as<std::string>();
    return w.exec_params(search_sql(estimated_rows(plan) > common), rooms, text, group, below, author, since, until, n);
  };
  auto rows = co_await db_.transact(std::move(job));
  bool more = static_cast<int>(rows.size()) > *limit;
  int count = 0;
  std::string next;
  json::writer j;
  j.begin_object().key("results").begin_array();
  for (auto r : rows) {
    if (count++ == *limit) break;
    auto s = make_snippet(r[3].as<std::string>(), r[4].as<std::string>());
    j.begin_object().field("room", r[1].as<std::string>()).field("seq", r[2].as<std::int64_t>());
    j.field("snippet", s.text).key("highlights").begin_array();
    for (auto [from, to] : s.highlights)
      j.begin_array().value(static_cast<std::int64_t>(from)).value(static_cast<std::int64_t>(to)).end_array();
    j.end_array().key("author");
    if (r[5].is_null())
      j.null();
    else
      j.begin_object().field("id", r[5].as<std::int64_t>()).field("handle", r[6].as<std::string>()).end_object();
    j.field("at", core::format_rfc3339_ms(r[7].as<std::int64_t>())).key("group_id");
    if (r[10].is_null())
      j.null();
    else
      j.value(r[10].as<std::int64_t>());
    if (!r[8].is_null())
      j.key("thread")
          .begin_object()
          .field("id", r[8].as<std::int64_t>())
          .field("title", r[9].as<std::string>())
          .end_object();
    j.end_object();
    next = std::to_string(r[0].as<std::int64_t>());
  }
  end_cursor_page(j, more, next);
  co_return response::json(200, j.release());
}

}  // namespace colibri::groups
