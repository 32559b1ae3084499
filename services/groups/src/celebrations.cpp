// Badges and "les fêtés du jour". A quitter who keeps their quit private
// (the default) appears nowhere but in their own view; one who shares it with
// their groups appears to the members of those groups only, and only with
// their current attempt (earlier attempts are their own history).
#include "colibri/quit/celebrations.hpp"

#include "api.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/groups/authn.hpp"
#include "colibri/groups/community.hpp"
#include "colibri/groups/quit_profile.hpp"
#include "colibri/quit/milestones.hpp"
#include "errors.hpp"
#include "joining.hpp"
#include "params.hpp"
#include "repo/audit.hpp"
#include "repo/badges.hpp"
#include "repo/groups.hpp"
#include "repo/memberships.hpp"
#include "repo/users.hpp"
#include "views.hpp"

namespace colibri::groups {

using namespace detail;

void badges_api::add_routes(http::router& r) {
  using ratelimit::action;
  r.get("/api/v1/badges", signed_in(db_, member(this, &badges_api::badge_catalogue)));
  r.get("/api/v1/me/badges", signed_in(db_, member(this, &badges_api::my_badges)));
  r.get("/api/v1/users/{uid}/badges", signed_in(db_, member(this, &badges_api::user_badges)));
  r.get("/api/v1/groups/{id}/celebrations",
        signed_in(db_, limits_, action::expensive_read, member(this, &badges_api::celebrations)));
  r.post("/api/v1/celebrations/{cid}/congratulated",
         signed_in(db_, limits_, action::react, member(this, &badges_api::congratulated)));
}

namespace {

void write_grants(json::writer& j, const std::vector<repo::grant_row>& grants, core::lang l, bool with_attempt) {
  j.begin_array();
  for (const auto& g : grants) {
    const auto* m = quit::find_milestone(g.milestone);
    j.begin_object().field("milestone", g.milestone).field("name", m ? m->name.in(l) : g.milestone);
    j.field("falls_on", g.falls_on).field("granted_at", core::format_rfc3339_ms(g.granted_ms));
    if (with_attempt) j.field("attempt", g.attempt).field("current", g.current);
    j.end_object();
  }
  j.end_array();
}

core::error no_such_person() { return not_found(core::msg::journey_not_shared); }

}  // namespace

awaitable<response> badges_api::badge_catalogue(request& req, const caller&) {
  json::writer j;
  j.begin_object().key("badges").begin_array();
  for (const auto& m : quit::catalogue())
    j.begin_object().field("key", m.key).field("name", m.name.in(req.lang)).end_object();
  j.end_array().end_object();
  co_return response::json(200, j.release());
}

awaitable<response> badges_api::my_badges(request& req, const caller& who) {
  auto uid = who.user_id;
  auto job = [uid](pqxx::nontransaction& w) { return repo::grants_of(w, uid, false); };
  auto grants = co_await db_.read(std::move(job));
  json::writer j;
  j.begin_object().key("badges");
  write_grants(j, grants, req.lang, true);
  j.end_object();
  co_return response::json(200, j.release());
}

awaitable<response> badges_api::user_badges(request& req, const caller& who) {
  auto target = id_param(req, "uid");
  if (!target) co_return fail(no_such_person(), req);
  auto uid = who.user_id;
  auto job = [uid, t = *target](pqxx::nontransaction& w) -> core::result<std::vector<repo::grant_row>> {
    // Their own view, or a member of a group they share while they share their quit.
    if (uid != t && !repo::shares_journey_with(w, uid, t)) return no_such_person();
    return repo::grants_of(w, t, true);
  };
  auto out = co_await db_.read(std::move(job));
  if (!out) co_return fail(out.err(), req);
  json::writer j;
  j.begin_object().field("user_id", *target).key("badges");
  write_grants(j, *out, req.lang, false);
  j.end_object();
  co_return response::json(200, j.release());
}

awaitable<response> badges_api::celebrations(request& req, const caller& who) {
  auto gid = id_param(req, "id");
  if (!gid) co_return fail(group_not_found(), req);
  std::optional<std::string> date;
  if (auto d = req.query_param("date")) {
    if (!core::parse_date(*d)) co_return fail(core::error::validation("date", core::message(core::msg::bad_date)), req);
    date = std::string(*d);
  }
  auto uid = who.user_id;
  auto lang = req.lang;
  auto job = [uid, gid = *gid, date, lang](pqxx::work& w) -> core::result<std::string> {
    auto g = repo::load_group(w, gid, uid);
    if (auto e = not_member(g)) return *e;
    // Today or yesterday only (a volunteer finishing after midnight): any
    // other date would grow the table at will and, with `day`, give away a
    // quit date or a relapse (F19).
    auto today = local_today(w, uid);
    auto on = date.value_or(core::format_date(today));
    if (date && *date != core::format_date(today) &&
        *date != core::format_date(std::chrono::sys_days(today) - std::chrono::days(1)))
      return core::error::validation("date", core::message(core::msg::celebrations_today_or_yesterday));
    auto list = quit::celebrations_of(w, gid, on);
    json::writer j;
    j.begin_object().field("date", on).key("celebrations").begin_array();
    for (const auto& x : list) {
      j.begin_object().field("id", x.id);
      j.key("user").begin_object().field("id", x.user_id).field("handle", x.handle).end_object();
      j.field("day", x.day).key("milestone");
      if (!x.milestone)
        j.null();
      else {
        const auto* m = quit::find_milestone(*x.milestone);
        j.begin_object().field("key", *x.milestone).field("name", m ? m->name.in(lang) : "").end_object();
      }
      write_person(j, "congratulated_by", x.congratulated_by, x.congratulated_by_handle);
      j.key("congratulated_at");
      if (!x.congratulated_ms)
        j.null();
      else
        j.value(core::format_rfc3339_ms(*x.congratulated_ms));
      j.end_object();
    }
    j.end_array().end_object();
    return j.release();
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return response::json(200, std::move(*out));
}

awaitable<response> badges_api::congratulated(request& req, const caller& who) {
  auto cid = id_param(req, "cid");
  auto missing = not_found(core::msg::celebration_not_found);
  if (!cid) co_return fail(missing, req);
  auto uid = who.user_id;
  auto job = [uid, cid = *cid, missing](pqxx::work& w) -> std::optional<core::error> {
    auto c = repo::lock_celebration(w, cid);
    if (!c) return missing;
    if (!repo::load_group(w, c->group_id, uid).member()) return missing;
    if (c->congratulated_by)
      return core::error::make(core::errc::conflict, core::message(core::msg::already_congratulated,
                                                                   {{"handle", c->congratulated_by_handle}}));
    repo::mark_congratulated(w, cid, uid);
    return std::nullopt;
  };
  if (auto e = co_await db_.transact(std::move(job))) co_return fail(*e, req);
  co_return response::no_content();
}

}  // namespace colibri::groups
