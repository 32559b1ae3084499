// The scientific and event watch of a group (GET|POST /groups/{id}/watch),
// a person's preferences (GET|PUT /me/preferences) and the news feed across
// their groups (GET /feed).
#include "api.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/json/writer.hpp"
#include "colibri/pg/field.hpp"
#include "colibri/pg/sql_array.hpp"
#include "community_shared.hpp"

namespace colibri::groups {

using namespace detail;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool starts_icase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lower(std::string(s.substr(0, prefix.size()))) == prefix;
}

// "10.1000/ABC", "doi:10.1000/abc", "https://doi.org/10.1000/abc" -> "10.1000/abc".
std::optional<std::string> normal_doi(std::string_view d) {
  while (!d.empty() && d.front() == ' ') d.remove_prefix(1);
  while (!d.empty() && d.back() == ' ') d.remove_suffix(1);
  for (std::string_view p :
       {"https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi.org/", "doi:"})
    if (starts_icase(d, p)) {
      d.remove_prefix(p.size());
      break;
    }
  if (d.size() < 6 || d.substr(0, 3) != "10." || d.find('/') == std::string_view::npos) return std::nullopt;
  if (d.find_first_of(" \t\r\n\"<>") != std::string_view::npos) return std::nullopt;
  return lower(std::string(d));
}

struct normal_url {
  std::string url;
  std::optional<std::string> doi;  // a doi.org link names a DOI
};

// Scheme and host lower-cased, the fragment and utm_* parameters removed.
std::optional<normal_url> normalise_url(std::string_view u) {
  if (u.find_first_of(" \t\r\n\"<>\\") != std::string_view::npos) return std::nullopt;
  auto colon = u.find("://");
  if (colon == std::string_view::npos) return std::nullopt;
  auto scheme = lower(std::string(u.substr(0, colon)));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  auto rest = u.substr(colon + 3);
  if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  auto path_at = rest.find_first_of("/?");
  auto host = lower(std::string(rest.substr(0, path_at)));
  if (host.empty() || host.find('@') != std::string::npos) return std::nullopt;
  std::string_view tail = path_at == std::string_view::npos ? std::string_view() : rest.substr(path_at);
  std::string path(tail.substr(0, tail.find('?')));
  std::string query;
  if (auto q = tail.find('?'); q != std::string_view::npos) {
    auto params = tail.substr(q + 1);
    while (!params.empty()) {
      auto amp = params.find('&');
      auto p = params.substr(0, amp);
      if (!p.empty() && !starts_icase(p, "utm_")) query += (query.empty() ? "" : "&") + std::string(p);
      if (amp == std::string_view::npos) break;
      params.remove_prefix(amp + 1);
    }
  }
  normal_url out;
  out.url = scheme + "://" + host + (path.empty() ? "/" : path) + (query.empty() ? "" : "?" + query);
  if ((host == "doi.org" || host == "dx.doi.org") && path.size() > 1) out.doi = normal_doi(path.substr(1));
  return out;
}

struct watch_row {
  std::int64_t id = 0, group_id = 0;
  std::string title, url, summary;
  std::optional<std::string> doi;
  std::vector<std::string> tags;
  std::optional<std::int64_t> created_by;
  std::string creator_handle;
  std::int64_t created_ms = 0;
};

constexpr const char* k_watch_select =
    "SELECT w.id, w.group_id, w.title, w.url, w.doi, w.summary, w.tags, w.created_by, coalesce(u.handle, ''), "
    "(extract(epoch FROM w.created_at) * 1000)::bigint FROM watch_items w LEFT JOIN users u ON u.id = w.created_by ";

watch_row read_watch(const pqxx::row& r) {
  watch_row w;
  w.id = r[0].as<std::int64_t>();
  w.group_id = r[1].as<std::int64_t>();
  w.title = r[2].as<std::string>();
  w.url = r[3].as<std::string>();
  w.doi = pg::opt<std::string>(r[4]);
  w.summary = r[5].as<std::string>();
  w.tags = pg::strings(r[6]);
  w.created_by = pg::opt<std::int64_t>(r[7]);
  w.creator_handle = r[8].as<std::string>();
  w.created_ms = r[9].as<std::int64_t>();
  return w;
}

void write_watch(json::writer& j, const watch_row& w) {
  j.begin_object().field("id", w.id).field("group_id", w.group_id).field("title", w.title).field("url", w.url);
  j.key("doi");
  if (w.doi)
    j.value(*w.doi);
  else
    j.null();
  j.field("summary", w.summary).key("tags").begin_array();
  for (const auto& t : w.tags) j.value(t);
  j.end_array().key("created_by");
  if (w.created_by)
    j.begin_object().field("id", *w.created_by).field("handle", w.creator_handle).end_object();
  else
    j.null();
  j.field("created_at", core::format_rfc3339_ms(w.created_ms)).end_object();
}

struct new_watch {
  std::int64_t group_id = 0, user_id = 0;
  std::string title, url, summary, norm_url;
  std::optional<std::string> doi, norm_doi;
  std::vector<std::string> tags;
};

// The item already holding this DOI or URL in the group, if any.
std::optional<std::int64_t> existing_watch(pqxx::transaction_base& w, const new_watch& n) {
  auto r = w.exec_params(
      "SELECT id FROM watch_items WHERE group_id = $1 AND (norm_url = $2 OR ($3::text IS NOT NULL AND norm_doi = $3)) "
      "ORDER BY id LIMIT 1",
      n.group_id, n.norm_url, n.norm_doi);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::int64_t>();
}

core::error duplicate(std::int64_t existing, bool doi) {
  auto e = core::error::make(core::errc::conflict, core::message(core::msg::watch_duplicate), doi ? "doi" : "url");
  e.existing_id = existing;
  return e;
}

struct preferences {
  bool watch_digest = false, mail_digest = true;
  bool push_replies = true, push_mentions = true, push_dms = true, push_daily_congrats = true, push_moderation = true;
  std::optional<std::string> quiet_from, quiet_to;
  bool push_text = false, mail_text = false;
};

preferences load_preferences(pqxx::transaction_base& w, std::int64_t uid) {
  preferences p;
  auto r = w.exec_params(
      "SELECT watch_digest, mail_digest, push_replies, push_mentions, push_dms, push_daily_congrats, "
      "push_moderation, to_char(quiet_from, 'HH24:MI'), to_char(quiet_to, 'HH24:MI'), push_text, mail_text "
      "FROM preferences WHERE user_id = $1",
      uid);
  if (r.empty()) return p;
  p.watch_digest = r[0][0].as<bool>();
  p.mail_digest = r[0][1].as<bool>();
  p.push_replies = r[0][2].as<bool>();
  p.push_mentions = r[0][3].as<bool>();
  p.push_dms = r[0][4].as<bool>();
  p.push_daily_congrats = r[0][5].as<bool>();
  p.push_moderation = r[0][6].as<bool>();
  p.quiet_from = pg::opt<std::string>(r[0][7]);
  p.quiet_to = pg::opt<std::string>(r[0][8]);
  p.push_text = r[0][9].as<bool>();
  p.mail_text = r[0][10].as<bool>();
  return p;
}

response preferences_response(const preferences& p) {
  json::writer j;
  j.begin_object().key("preferences").begin_object();
  j.field("watch_digest", p.watch_digest).field("mail_digest", p.mail_digest);
  j.key("push").begin_object().field("replies", p.push_replies).field("mentions", p.push_mentions);
  j.field("dms", p.push_dms).field("daily_congrats", p.push_daily_congrats).field("moderation", p.push_moderation);
  j.end_object().key("quiet_hours");
  if (p.quiet_from)
    j.begin_object().field("from", *p.quiet_from).field("to", p.quiet_to.value_or("")).end_object();
  else
    j.null();
  j.field("push_text", p.push_text).field("mail_text", p.mail_text).end_object().end_object();
  return response::json(200, j.release());
}

bool clock_time(const std::string& s) {
  return s.size() == 5 && s[2] == ':' && std::isdigit(static_cast<unsigned char>(s[0])) &&
         std::isdigit(static_cast<unsigned char>(s[1])) && std::isdigit(static_cast<unsigned char>(s[3])) &&
         std::isdigit(static_cast<unsigned char>(s[4])) && (s[0] - '0') * 10 + (s[1] - '0') < 24 &&
         (s[3] - '0') * 10 + (s[4] - '0') < 60;
}

// Where a feed page ends: the last item's time (microseconds), kind and id.
struct feed_cursor {
  std::int64_t at_us = 0;
  std::string kind;
  std::int64_t id = 0;
};

std::optional<feed_cursor> parse_feed_cursor(std::string_view c) {
  auto d1 = c.find('.');
  auto d2 = d1 == std::string_view::npos ? d1 : c.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return std::nullopt;
  feed_cursor out;
  out.kind = std::string(c.substr(d1 + 1, d2 - d1 - 1));
  if (out.kind != "thread" && out.kind != "meeting" && out.kind != "document" && out.kind != "watch")
    return std::nullopt;
  auto at = parse_id(c.substr(0, d1));
  auto id = parse_id(c.substr(d2 + 1));
  if (!at || !id) return std::nullopt;
  out.at_us = *at;
  out.id = *id;
  return out;
}

// Each kind's newest items below the cursor in the caller's groups (member
// now: a group left is gone at the next request), merged.
const std::string k_feed_sql =
    "WITH mine AS (SELECT group_id FROM memberships WHERE user_id = $1), "
    "c AS (SELECT timestamptz 'epoch' + $2::bigint * interval '1 microsecond' AS at, $3::text AS kind, $4::bigint AS "
    "id), "
    "items AS ("
    "(SELECT 'thread'::text AS kind, t.id, t.group_id, t.created_at AS at, t.title, t.author_id AS by_id, "
    "  NULL::text AS extra FROM threads t, c WHERE t.group_id IN (SELECT group_id FROM mine) "
    "  AND ($5 OR (t.created_at, 'thread'::text, t.id) < (c.at, c.kind, c.id)) "
    "  ORDER BY t.created_at DESC, t.id DESC LIMIT $6) "
    "UNION ALL (SELECT 'meeting', m.id, m.group_id, m.created_at, m.title, m.created_by, m.kind FROM meetings m, c "
    "  WHERE m.group_id IN (SELECT group_id FROM mine) "
    "  AND ($5 OR (m.created_at, 'meeting'::text, m.id) < (c.at, c.kind, c.id)) "
    "  ORDER BY m.created_at DESC, m.id DESC LIMIT $6) "
    "UNION ALL (SELECT 'document', d.id, d.group_id, d.created_at, d.title, d.created_by, d.status FROM documents d, c "
    "  WHERE d.group_id IN (SELECT group_id FROM mine) "
    "  AND ($5 OR (d.created_at, 'document'::text, d.id) < (c.at, c.kind, c.id)) "
    "  ORDER BY d.created_at DESC, d.id DESC LIMIT $6) "
    "UNION ALL (SELECT 'watch', w.id, w.group_id, w.created_at, w.title, w.created_by, w.url FROM watch_items w, c "
    "  WHERE w.group_id IN (SELECT group_id FROM mine) "
    "  AND ($5 OR (w.created_at, 'watch'::text, w.id) < (c.at, c.kind, c.id)) "
    "  ORDER BY w.created_at DESC, w.id DESC LIMIT $6)) "
    "SELECT i.kind, i.id, i.group_id, g.name, (extract(epoch FROM i.at) * 1000)::bigint, "
    "  (extract(epoch FROM i.at) * 1000000)::bigint, i.title, i.by_id, coalesce(u.handle, ''), i.extra "
    "FROM items i JOIN groups g ON g.id = i.group_id LEFT JOIN users u ON u.id = i.by_id "
    "ORDER BY i.at DESC, i.kind DESC, i.id DESC LIMIT $6";

}  // namespace

void watch_api::add_routes(http::router& r) {
  using ratelimit::action;
  r.get("/api/v1/groups/{id}/watch", signed_in(db_, member(this, &watch_api::list_watch)));
  r.post("/api/v1/groups/{id}/watch", signed_in(db_, limits_, action::create, member(this, &watch_api::create_watch)));
  r.get("/api/v1/me/preferences", signed_in(db_, member(this, &watch_api::get_preferences)));
  r.put("/api/v1/me/preferences", signed_in(db_, limits_, action::edit, member(this, &watch_api::put_preferences)));
  r.get("/api/v1/feed", signed_in(db_, limits_, action::expensive_read, member(this, &watch_api::feed)));
}

awaitable<response> watch_api::list_watch(request& req, const caller& who) {
  auto limit = limit_param(req, s_.page_default, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  auto before = query_id(req, "before");
  if (!before) co_return fail(before.err(), req);
  auto gid = id_param(req, "id");
  if (!gid) co_return fail(group_not_found(), req);
  auto job = [gid = *gid, uid = who.user_id, n = *limit,
              b = before->value_or(0)](pqxx::nontransaction& w) -> core::result<std::vector<watch_row>> {
    auto g = repo::load_group(w, gid, uid);
    if (auto e = not_member(g)) return *e;
    std::vector<watch_row> out;
    for (auto r : w.exec_params(std::string(k_watch_select) +
                                    "WHERE w.group_id = $1 AND ($2 = 0 OR w.id < $2) ORDER BY w.id DESC LIMIT $3",
                                gid, b, n + 1))
      out.push_back(read_watch(r));
    return out;
  };
  auto items = co_await db_.read(std::move(job));
  if (!items) co_return fail(items.err(), req);
  bool more = static_cast<int>(items->size()) > *limit;
  if (more) items->pop_back();
  json::writer j;
  j.begin_object().key("watch").begin_array();
  for (const auto& w : *items) write_watch(j, w);
  j.end_array().field("has_more", more).end_object();
  co_return response::json(200, j.release());
}

awaitable<response> watch_api::create_watch(request& req, const caller& who) {
  auto gid = id_param(req, "id");
  if (!gid) co_return fail(group_not_found(), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  new_watch n;
  n.group_id = *gid;
  n.user_id = who.user_id;
  auto title = f.text("title", json::required, 1, 300);
  auto url = f.text("url", json::required, 8, 2000);
  auto doi = f.text("doi", json::optional, 1, 300);
  auto summary = f.text("summary", json::required, 1, 4000);
  auto tags = f.strings("tags", json::optional, 1, 40, 10);
  std::optional<normal_url> nu;
  if (url && !(nu = normalise_url(*url))) f.fail("url", core::message(core::msg::bad_url));
  if (doi && !(n.norm_doi = normal_doi(*doi))) f.fail("doi", core::message(core::msg::bad_doi));
  if (auto e = f.error()) co_return fail(*e, req);
  n.title = *title;
  n.url = *url;
  n.doi = doi;
  n.summary = *summary;
  n.tags = tags.value_or(std::vector<std::string>{});
  n.norm_url = nu->url;
  if (!n.norm_doi) n.norm_doi = nu->doi;
  auto job = [n = std::move(n)](pqxx::work& w) -> core::result<watch_row> {
    auto g = repo::load_group(w, n.group_id, n.user_id);
    if (auto e = not_member(g)) return *e;
    if (auto e = existing_watch(w, n)) return duplicate(*e, n.norm_doi.has_value());
    // Two people adding the same reference at once: the unique indexes
    // decide, and the loser is told which item won.
    pqxx::subtransaction s(w);
    try {
      auto id = s.exec_params1(
                     "INSERT INTO watch_items (group_id, title, url, doi, norm_url, norm_doi, summary, tags, "
                     "created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9) RETURNING id",
                     n.group_id, n.title, n.url, n.doi, n.norm_url, n.norm_doi, n.summary, pg::strings_array(n.tags),
                     n.user_id)[0]
                    .as<std::int64_t>();
      s.commit();
      return read_watch(w.exec_params1(std::string(k_watch_select) + "WHERE w.id = $1", id));
    } catch (const pqxx::unique_violation&) {
      s.abort();
      return duplicate(existing_watch(w, n).value_or(0), n.norm_doi.has_value());
    }
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  json::writer j;
  j.begin_object().key("watch_item");
  write_watch(j, *out);
  j.end_object();
  co_return response::json(201, j.release());
}

awaitable<response> watch_api::get_preferences(request&, const caller& who) {
  auto job = [uid = who.user_id](pqxx::nontransaction& w) { return load_preferences(w, uid); };
  auto p = co_await db_.read(std::move(job));
  co_return preferences_response(p);
}

awaitable<response> watch_api::put_preferences(request& req, const caller& who) {
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  // Every field is optional: what is absent keeps its value.
  auto watch_digest = f.boolean("watch_digest", json::optional);
  auto mail_digest = f.boolean("mail_digest", json::optional);
  auto push_text = f.boolean("push_text", json::optional);
  auto mail_text = f.boolean("mail_text", json::optional);
  std::optional<bool> replies, mentions, dms, congrats, moderation;
  if (auto push = f.object("push", json::optional)) {
    replies = push->boolean("replies", json::optional);
    mentions = push->boolean("mentions", json::optional);
    dms = push->boolean("dms", json::optional);
    congrats = push->boolean("daily_congrats", json::optional);
    moderation = push->boolean("moderation", json::optional);
  }
  bool quiet_given = f.has("quiet_hours");
  bool quiet_cleared = f.is_null("quiet_hours");
  std::optional<std::string> from, to;
  if (auto q = f.object("quiet_hours", json::optional)) {
    from = q->text("from", json::required, 5, 5);
    to = q->text("to", json::required, 5, 5);
    if (from && !clock_time(*from)) q->fail("from", core::message(core::msg::bad_clock_time));
    if (to && !clock_time(*to)) q->fail("to", core::message(core::msg::bad_clock_time));
  }
  if (auto e = f.error()) co_return fail(*e, req);
  auto job = [=, uid = who.user_id](pqxx::work& w) {
    auto p = load_preferences(w, uid);
    if (watch_digest) p.watch_digest = *watch_digest;
    if (mail_digest) p.mail_digest = *mail_digest;
    if (push_text) p.push_text = *push_text;
    if (mail_text) p.mail_text = *mail_text;
    if (replies) p.push_replies = *replies;
    if (mentions) p.push_mentions = *mentions;
    if (dms) p.push_dms = *dms;
    if (congrats) p.push_daily_congrats = *congrats;
    if (moderation) p.push_moderation = *moderation;
    if (quiet_given) {
      p.quiet_from = quiet_cleared ? std::nullopt : from;
      p.quiet_to = quiet_cleared ? std::nullopt : to;
    }
    w.exec_params(
        "INSERT INTO preferences (user_id, watch_digest, mail_digest, push_replies, push_mentions, push_dms, "
        "push_daily_congrats, push_moderation, quiet_from, quiet_to, push_text, mail_text) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::time, $10::time, $11, $12) ON CONFLICT (user_id) DO UPDATE SET "
        "watch_digest = $2, mail_digest = $3, push_replies = $4, push_mentions = $5, push_dms = $6, "
        "push_daily_congrats = $7, push_moderation = $8, quiet_from = $9::time, quiet_to = $10::time, "
        "push_text = $11, mail_text = $12, updated_at = now()",
        uid, p.watch_digest, p.mail_digest, p.push_replies, p.push_mentions, p.push_dms, p.push_daily_congrats,
        p.push_moderation, p.quiet_from, p.quiet_to, p.push_text, p.mail_text);
    return p;
  };
  auto p = co_await db_.transact(std::move(job));
  co_return preferences_response(p);
}

awaitable<response> watch_api::feed(request& req, const caller& who) {
  auto limit = limit_param(req, s_.page_default, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  std::optional<feed_cursor> cur;
  if (auto c = req.query_param("cursor"); c && !c->empty()) {
    cur = parse_feed_cursor(*c);
    if (!cur) co_return fail(core::error::validation("cursor", core::message(core::msg::bad_cursor)), req);
  }
  auto job = [uid = who.user_id, n = *limit, cur](pqxx::nontransaction& w) {
    auto c = cur.value_or(feed_cursor{0, "thread", 0});
    return w.exec_params(k_feed_sql, uid, c.at_us, c.kind, c.id, !cur.has_value(), n + 1);
  };
  auto rows = co_await db_.read(std::move(job));
  int count = 0;
  bool more = static_cast<int>(rows.size()) > *limit;
  std::string next;
  json::writer j;
  j.begin_object().key("items").begin_array();
  for (auto r : rows) {
    if (count++ == *limit) break;
    auto kind = r[0].as<std::string>();
    j.begin_object().field("kind", kind).field("id", r[1].as<std::int64_t>());
    j.field("group_id", r[2].as<std::int64_t>()).field("group_name", r[3].as<std::string>());
    j.field("at", core::format_rfc3339_ms(r[4].as<std::int64_t>())).field("title", r[6].as<std::string>());
    j.key("by");
    if (r[7].is_null())
      j.null();
    else
      j.begin_object().field("id", r[7].as<std::int64_t>()).field("handle", r[8].as<std::string>()).end_object();
    if (!r[9].is_null()) {
      const char* extra = kind == "meeting" ? "meeting_kind" : kind == "document" ? "status" : "url";
      j.field(extra, r[9].as<std::string>());
    }
    j.end_object();
    next = std::to_string(r[5].as<std::int64_t>()) + "." + kind + "." + std::to_string(r[1].as<std::int64_t>());
  }
  end_cursor_page(j, more, next);
  co_return response::json(200, j.release());
}

}  // namespace colibri::groups
