// Posts moderators schedule into their group's room: once at an instant,
// daily at a local time, or weekly on chosen ISO days, in a time zone. The
// badge scheduler publishes them (services/badges/src/posts.cpp); this is
// their REST side: list, create, edit, delete (moderators only).
#include "repo/scheduled_posts.hpp"

#include <algorithm>

#include "api.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/groups/authn.hpp"
#include "colibri/groups/community.hpp"
#include "colibri/groups/validate.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/pg/field.hpp"
#include "errors.hpp"
#include "joining.hpp"
#include "params.hpp"
#include "repo/audit.hpp"
#include "repo/groups.hpp"
#include "repo/memberships.hpp"
#include "repo/users.hpp"
#include "views.hpp"

namespace colibri::groups {

using namespace detail;

void scheduled_posts_api::add_routes(http::router& r) {
  using ratelimit::action;
  r.get("/api/v1/groups/{id}/scheduled-posts",
        signed_in(db_, member(this, &scheduled_posts_api::list_scheduled_posts)));
  r.post("/api/v1/groups/{id}/scheduled-posts",
         signed_in(db_, limits_, action::create, member(this, &scheduled_posts_api::create_scheduled_post)));
  r.patch("/api/v1/scheduled-posts/{pid}",
          signed_in(db_, limits_, action::edit, member(this, &scheduled_posts_api::edit_scheduled_post)));
  r.del("/api/v1/scheduled-posts/{pid}",
        signed_in(db_, limits_, action::edit, member(this, &scheduled_posts_api::delete_scheduled_post)));
}

namespace {

// The stored body leaves room for the note a late publication adds within
// the room log's 4,000 characters.
constexpr std::size_t k_body_max = 3800;

using post = repo::post_plan;

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

void write_time(json::writer& j, std::string_view key, std::optional<std::int64_t> ms) {
  j.key(key);
  if (ms)
    j.value(core::format_rfc3339_ms(*ms));
  else
    j.null();
}

void write_post(json::writer& j, const repo::scheduled_post_row& p) {
  j.begin_object().field("id", p.id).field("group_id", p.group_id);
  j.key("author").begin_object().field("id", p.author_id).field("handle", p.author_handle).end_object();
  j.field("body", p.plan.body).field("repeat", p.plan.repeat);
  write_time(j, "at", p.at_ms);
  j.field("time", p.plan.time).key("weekdays");
  if (p.plan.weekdays) {
    j.begin_array();
    for (auto d : *p.plan.weekdays) j.value(d);
    j.end_array();
  } else {
    j.null();
  }
  j.field("timezone", p.plan.timezone).field("active", p.active);
  write_time(j, "next_at", p.next_ms);
  write_time(j, "last_published_at", p.last_published_ms);
  write_time(j, "created_at", p.created_ms);
  write_time(j, "updated_at", p.updated_ms);
  j.end_object();
}

std::string post_json(const repo::scheduled_post_row& p) {
  json::writer j;
  j.begin_object().key("scheduled_post");
  write_post(j, p);
  j.end_object();
  return j.release();
}

core::error post_not_found() { return not_found(core::msg::scheduled_post_not_found); }

// The caller's standing in a group for its scheduled posts, inside the
// transaction that changes them.
std::optional<core::error> moderates(pqxx::transaction_base& w, std::int64_t gid, std::int64_t uid) {
  return not_moderator(repo::load_group(w, gid, uid));
}

// A post the caller moderates, locked until the commit: its group's id.
core::result<std::int64_t> moderated_post(pqxx::work& w, std::int64_t pid, std::int64_t uid) {
  auto found = repo::lock_scheduled_post(w, pid);
  if (!found) return post_not_found();
  auto gid = *found;
  if (auto e = moderates(w, gid, uid)) return e->code == core::errc::not_found ? post_not_found() : *e;
  return gid;
}

}  // namespace

awaitable<response> scheduled_posts_api::list_scheduled_posts(request& req, const caller& who) {
  auto gid = id_param(req, "id");
  if (!gid) co_return fail(group_not_found(), req);
  auto job = [uid = who.user_id,
              gid = *gid](pqxx::nontransaction& w) -> core::result<std::vector<repo::scheduled_post_row>> {
    if (auto e = moderates(w, gid, uid)) return *e;
    return repo::scheduled_posts_of(w, gid);
  };
  auto out = co_await db_.read(std::move(job));
  if (!out) co_return fail(out.err(), req);
  json::writer j;
  j.begin_object().key("scheduled_posts").begin_array();
  for (const auto& p : *out) write_post(j, p);
  j.end_array().end_object();
  co_return response::json(200, j.release());
}

awaitable<response> scheduled_posts_api::create_scheduled_post(request& req, const caller& who) {
  auto gid = id_param(req, "id");
  if (!gid) co_return fail(group_not_found(), req);
  auto uid = who.user_id;
  // The caller's own time zone unless the post names one.
  auto tz_job = [uid](pqxx::nontransaction& w) { return repo::timezone_of(w, uid); };
  post base;
  base.timezone = co_await db_.read(std::move(tz_job));
  auto p = read_post(req.body, std::move(base), true);
  if (!p) co_return fail(p.err(), req);
  auto job = [uid, gid = *gid, p = std::move(*p)](pqxx::work& w) -> core::result<repo::scheduled_post_row> {
    if (auto e = moderates(w, gid, uid)) return *e;
    auto id = repo::insert_scheduled_post(w, gid, uid, p);
    repo::audit(w, gid, uid, "schedule_post", std::nullopt, std::nullopt, std::nullopt, "");
    return repo::scheduled_post(w, id);
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return response::json(201, post_json(*out));
}

awaitable<response> scheduled_posts_api::edit_scheduled_post(request& req, const caller& who) {
  auto pid = id_param(req, "pid");
  if (!pid) co_return fail(post_not_found(), req);
  auto job = [uid = who.user_id, pid = *pid, body = req.body](pqxx::work& w) -> core::result<repo::scheduled_post_row> {
    auto gid = moderated_post(w, pid, uid);
    if (!gid) return gid.err();
    auto [base, published] = repo::plan_of(w, pid);
    if (base.repeat == "once" && published) return conflict(core::msg::already_published);
    auto p = read_post(body, std::move(base), false);
    if (!p) return p.err();
    // An edited recurring post starts again from now: no occurrence earlier
    // today is published because of the edit. It is published under the
    // name of whoever wrote it last: nobody puts words in another's mouth.
    repo::update_scheduled_post(w, pid, uid, *p);
    repo::audit(w, *gid, uid, "edit_scheduled_post", std::nullopt, std::nullopt, std::nullopt, "");
    return repo::scheduled_post(w, pid);
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return response::json(200, post_json(*out));
}

awaitable<response> scheduled_posts_api::delete_scheduled_post(request& req, const caller& who) {
  auto pid = id_param(req, "pid");
  if (!pid) co_return fail(post_not_found(), req);
  auto job = [uid = who.user_id, pid = *pid](pqxx::work& w) -> std::optional<core::error> {
    auto gid = moderated_post(w, pid, uid);
    if (!gid) return gid.err();
    repo::delete_scheduled_post(w, pid);
    repo::audit(w, *gid, uid, "delete_scheduled_post", std::nullopt, std::nullopt, std::nullopt, "");
    return std::nullopt;
  };
  if (auto e = co_await db_.transact(std::move(job))) co_return fail(*e, req);
  co_return response::no_content();
}

}  // namespace colibri::groups
