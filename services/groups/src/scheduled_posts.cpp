// Posts moderators schedule into their group's room: once at an instant,
// daily at a local time, or weekly on chosen ISO days, in a time zone. The
// badge scheduler publishes them (services/badges/src/posts.cpp); this is
// their REST side: list, create, edit, delete (moderators only).
#include <algorithm>

#include "colibri/core/clock.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/groups/authn.hpp"
#include "colibri/groups/community.hpp"
#include "colibri/groups/validate.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/pg/field.hpp"
#include "common.hpp"

namespace colibri::groups {

using namespace detail;

namespace {

// The stored body leaves room for the note a late publication adds within
// the room log's 4,000 characters.
constexpr std::size_t k_body_max = 3800;

struct post {
  std::string body, repeat, timezone;
  std::optional<std::string> at;                      // RFC 3339 (once)
  std::optional<std::string> time;                    // HH:MM (daily, weekly)
  std::optional<std::vector<std::int64_t>> weekdays;  // weekly
};

// The fields present in a body, over `base` (a new post, or the stored one
// when editing); then only what the repetition uses is kept.
core::result<post> read_post(std::string_view body, post base, bool creating) {
  auto doc = json::body_object(body);
  if (!doc) return doc.err();
  json::fields f(*doc);
  auto text = f.text("body", creating ? json::required : json::optional, 1, k_body_max);
  auto repeat = f.text("repeat", creating ? json::required : json::optional, 1, 16);
  auto at = f.text("at", json::optional, 1, 40);
  auto time = f.text("time", json::optional, 1, 5);
  auto weekdays = f.integers("weekdays", json::optional, 1, 7, 7);
  auto tz = f.text("timezone", json::optional, 1, 64);
  if (repeat && *repeat != "once" && *repeat != "daily" && *repeat != "weekly")
    f.fail("repeat", core::message(core::msg::bad_repeat));
  if (tz) check_timezone(f, "timezone", *tz);
  if (time) check_local_time(f, "time", *time);
  if (at) {
    auto t = core::parse_rfc3339(*at);
    auto now = core::system_clock().now();
    if (!t)
      f.fail("at", core::message(core::msg::bad_instant));
    else if (*t <= now || *t > now + std::chrono::days(366))
      f.fail("at", core::message(core::msg::schedule_within_a_year));
    else
      at = core::format_rfc3339(*t);
  }
  if (auto e = f.error()) return *e;
  post p = std::move(base);
  if (text) p.body = *text;
  if (repeat) p.repeat = *repeat;
  if (tz) p.timezone = *tz;
  if (at) p.at = at;
  if (time) p.time = time;
  if (weekdays) {
    std::sort(weekdays->begin(), weekdays->end());
    weekdays->erase(std::unique(weekdays->begin(), weekdays->end()), weekdays->end());
    p.weekdays = weekdays;
  }
  if (p.repeat == "once")
    p.time.reset(), p.weekdays.reset();
  else
    p.at.reset();
  if (p.repeat == "daily") p.weekdays.reset();
  auto missing = [](const char* key, core::text t) { return core::error::validation(key, std::move(t)); };
  if (p.repeat == "once" && !p.at) return missing("at", core::message(core::msg::schedule_needs_at));
  if (p.repeat != "once" && !p.time) return missing("time", core::message(core::msg::schedule_needs_time));
  if (p.repeat == "weekly" && !p.weekdays)
    return missing("weekdays", core::message(core::msg::schedule_needs_weekdays));
  return p;
}

std::optional<std::string> weekdays_sql(const std::optional<std::vector<std::int64_t>>& days) {
  if (!days) return std::nullopt;
  std::string s = "{";
  for (auto d : *days) s += (s.size() > 1 ? "," : "") + std::to_string(d);
  return s + "}";
}

// A post as the API shows it: next_at is the next occurrence still to
// publish (null once a one-off post is out); `active` is false while its
// author no longer moderates the group, and nothing is published then.
constexpr const char* k_post_select =
    "SELECT s.id, s.group_id, s.author_id, coalesce(u.handle, ''), s.body, s.repeat, "
    "  (extract(epoch FROM s.once_at) * 1000)::bigint, to_char(s.local_time, 'HH24:MI'), "
    "  array_to_string(s.weekdays, ','), s.timezone, "
    "  EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = s.group_id AND m.user_id = s.author_id "
    "    AND m.role IN ('moderator', 'owner')) AS active, "
    "  (extract(epoch FROM CASE WHEN s.repeat = 'once' THEN "
    "    CASE WHEN EXISTS (SELECT 1 FROM scheduled_post_runs r WHERE r.post_id = s.id) THEN NULL ELSE s.once_at END "
    "  ELSE (SELECT min(x.o) FROM (SELECT d, (d + s.local_time) AT TIME ZONE s.timezone AS o "
    "      FROM generate_series(0, 7) k, LATERAL (SELECT (now() AT TIME ZONE s.timezone)::date + k AS d) dd) x "
    "    WHERE x.o >= s.active_from AND (x.o > now() OR x.d = (now() AT TIME ZONE s.timezone)::date) "
    "      AND (s.repeat = 'daily' OR extract(isodow FROM x.d)::smallint = ANY (s.weekdays)) "
    "      AND NOT EXISTS (SELECT 1 FROM scheduled_post_runs r WHERE r.post_id = s.id AND r.local_date = x.d)) "
    "  END) * 1000)::bigint, "
    "  (SELECT (extract(epoch FROM max(r.published_at)) * 1000)::bigint FROM scheduled_post_runs r WHERE r.post_id = "
    "s.id), "
    "  (extract(epoch FROM s.created_at) * 1000)::bigint, (extract(epoch FROM s.updated_at) * 1000)::bigint "
    "FROM scheduled_posts s LEFT JOIN users u ON u.id = s.author_id ";

// array_to_string(weekdays, ',') back into days ("1,5").
std::optional<std::vector<std::int64_t>> weekdays_of(const pqxx::field& f) {
  auto s = pg::opt<std::string>(f);
  if (!s) return std::nullopt;
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < s->size(); i += 2) out.push_back((*s)[i] - '0');
  return out;
}

void write_time(json::writer& j, std::string_view key, const pqxx::field& ms) {
  j.key(key);
  if (ms.is_null())
    j.null();
  else
    j.value(core::format_rfc3339_ms(ms.as<std::int64_t>()));
}

void write_post(json::writer& j, const pqxx::row& r) {
  j.begin_object().field("id", r[0].as<std::int64_t>()).field("group_id", r[1].as<std::int64_t>());
  j.key("author")
      .begin_object()
      .field("id", r[2].as<std::int64_t>())
      .field("handle", r[3].as<std::string>())
      .end_object();
  j.field("body", r[4].as<std::string>()).field("repeat", r[5].as<std::string>());
  write_time(j, "at", r[6]);
  j.key("time");
  if (r[7].is_null())
    j.null();
  else
    j.value(r[7].as<std::string>());
  j.key("weekdays");
  if (auto days = weekdays_of(r[8])) {
    j.begin_array();
    for (auto d : *days) j.value(d);
    j.end_array();
  } else {
    j.null();
  }
  j.field("timezone", r[9].as<std::string>()).field("active", r[10].as<bool>());
  write_time(j, "next_at", r[11]);
  write_time(j, "last_published_at", r[12]);
  write_time(j, "created_at", r[13]);
  write_time(j, "updated_at", r[14]);
  j.end_object();
}

std::string post_json(pqxx::work& w, std::int64_t id) {
  auto r = w.exec_params(std::string(k_post_select) + "WHERE s.id = $1", id);
  json::writer j;
  j.begin_object().key("scheduled_post");
  write_post(j, r.at(0));
  j.end_object();
  return j.release();
}

core::error post_not_found() { return not_found(core::message(core::msg::scheduled_post_not_found)); }

// The caller's standing in a group for its scheduled posts, inside the
// transaction that changes them.
std::optional<core::error> moderates(pqxx::work& w, std::int64_t gid, std::int64_t uid) {
  return not_moderator(load_group(w, gid, uid));
}

// A post the caller moderates, locked until the commit: its group's id.
core::result<std::int64_t> moderated_post(pqxx::work& w, std::int64_t pid, std::int64_t uid) {
  auto r = w.exec_params("SELECT group_id FROM scheduled_posts WHERE id = $1 FOR UPDATE", pid);
  if (r.empty()) return post_not_found();
  auto gid = r[0][0].as<std::int64_t>();
  if (auto e = moderates(w, gid, uid)) return e->code == core::errc::not_found ? post_not_found() : *e;
  return gid;
}

}  // namespace

awaitable<response> community::list_scheduled_posts(request& req) {
  auto who = co_await authenticate(db_, req);
  if (!who) co_return fail(who.err(), req);
  auto gid = id_param(req, "id");
  if (!gid) co_return fail(group_not_found(), req);
  auto job = [uid = who->user_id, gid = *gid](pqxx::connection& c) -> core::result<std::string> {
    pqxx::work w(c);
    if (auto e = moderates(w, gid, uid)) return *e;
    auto res = w.exec_params(std::string(k_post_select) + "WHERE s.group_id = $1 ORDER BY s.id", gid);
    json::writer j;
    j.begin_object().key("scheduled_posts").begin_array();
    for (auto r : res) write_post(j, r);
    j.end_array().end_object();
    return j.release();
  };
  auto out = co_await db_.run(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return response::json(200, std::move(*out));
}

awaitable<response> community::create_scheduled_post(request& req) {
  auto who = co_await authenticate(db_, req, limits_, ratelimit::action::create);
  if (!who) co_return fail(who.err(), req);
  auto gid = id_param(req, "id");
  if (!gid) co_return fail(group_not_found(), req);
  auto uid = who->user_id;
  // The caller's own time zone unless the post names one.
  auto tz_job = [uid](pqxx::connection& c) {
    pqxx::nontransaction w(c);
    return w.exec_params1("SELECT timezone FROM users WHERE id = $1", uid)[0].as<std::string>();
  };
  post base;
  base.timezone = co_await db_.run(std::move(tz_job));
  auto p = read_post(req.body, std::move(base), true);
  if (!p) co_return fail(p.err(), req);
  auto job = [uid, gid = *gid, p = std::move(*p)](pqxx::connection& c) -> core::result<std::string> {
    pqxx::work w(c);
    if (auto e = moderates(w, gid, uid)) return *e;
    auto id = w.exec_params1(
                   "INSERT INTO scheduled_posts (group_id, author_id, body, repeat, once_at, local_time, weekdays, "
                   "timezone) VALUES ($1, $2, $3, $4, $5::timestamptz, $6::time, $7::smallint[], $8) RETURNING id",
                   gid, uid, p.body, p.repeat, p.at, p.time, weekdays_sql(p.weekdays), p.timezone)[0]
                  .as<std::int64_t>();
    audit(w, gid, uid, "schedule_post", std::nullopt, std::nullopt, std::nullopt, "");
    auto out = post_json(w, id);
    w.commit();
    return out;
  };
  auto out = co_await db_.run(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return response::json(201, std::move(*out));
}

awaitable<response> community::edit_scheduled_post(request& req) {
  auto who = co_await authenticate(db_, req, limits_, ratelimit::action::edit);
  if (!who) co_return fail(who.err(), req);
  auto pid = id_param(req, "pid");
  if (!pid) co_return fail(post_not_found(), req);
  auto job = [uid = who->user_id, pid = *pid, body = req.body](pqxx::connection& c) -> core::result<std::string> {
    pqxx::work w(c);
    auto gid = moderated_post(w, pid, uid);
    if (!gid) return gid.err();
    auto r = w.exec_params1(
        "SELECT body, repeat, timezone, once_at::text, to_char(local_time, 'HH24:MI'), "
        "array_to_string(weekdays, ','), EXISTS (SELECT 1 FROM scheduled_post_runs r WHERE r.post_id = s.id) "
        "FROM scheduled_posts s WHERE id = $1",
        pid);
    post base{r[0].as<std::string>(),     r[1].as<std::string>(),     r[2].as<std::string>(),
              pg::opt<std::string>(r[3]), pg::opt<std::string>(r[4]), weekdays_of(r[5])};
    if (base.repeat == "once" && r[6].as<bool>())
      return core::error::make(core::errc::conflict, core::message(core::msg::already_published));
    auto p = read_post(body, std::move(base), false);
    if (!p) return p.err();
    // An edited recurring post starts again from now: no occurrence earlier
    // today is published because of the edit. It is published under the
    // name of whoever wrote it last: nobody puts words in another's mouth.
    w.exec_params(
        "UPDATE scheduled_posts SET body = $2, repeat = $3, once_at = $4::timestamptz, local_time = $5::time, "
        "weekdays = $6::smallint[], timezone = $7, active_from = now(), updated_at = now(), author_id = $8 "
        "WHERE id = $1",
        pid, p->body, p->repeat, p->at, p->time, weekdays_sql(p->weekdays), p->timezone, uid);
    audit(w, *gid, uid, "edit_scheduled_post", std::nullopt, std::nullopt, std::nullopt, "");
    auto out = post_json(w, pid);
    w.commit();
    return out;
  };
  auto out = co_await db_.run(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return response::json(200, std::move(*out));
}

awaitable<response> community::delete_scheduled_post(request& req) {
  auto who = co_await authenticate(db_, req, limits_, ratelimit::action::edit);
  if (!who) co_return fail(who.err(), req);
  auto pid = id_param(req, "pid");
  if (!pid) co_return fail(post_not_found(), req);
  auto job = [uid = who->user_id, pid = *pid](pqxx::connection& c) -> std::optional<core::error> {
    pqxx::work w(c);
    auto gid = moderated_post(w, pid, uid);
    if (!gid) return gid.err();
    w.exec_params("DELETE FROM scheduled_posts WHERE id = $1", pid);
    audit(w, *gid, uid, "delete_scheduled_post", std::nullopt, std::nullopt, std::nullopt, "");
    w.commit();
    return std::nullopt;
  };
  if (auto e = co_await db_.run(std::move(job))) co_return fail(*e, req);
  co_return response::no_content();
}

}  // namespace colibri::groups
