// Badges and "les fêtés du jour". A quitter who keeps their quit private
// (the default) appears nowhere but in their own view; one who shares it with
// their groups appears to the members of those groups only, and only with
// their current attempt (earlier attempts are their own history).
#include "colibri/quit/celebrations.hpp"

#include "colibri/core/clock.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/groups/authn.hpp"
#include "colibri/groups/community.hpp"
#include "colibri/groups/quit_profile.hpp"
#include "colibri/quit/milestones.hpp"
#include "common.hpp"

namespace colibri::groups {

using namespace detail;

namespace {

void write_grants(json::writer& j, const pqxx::result& res, core::lang l, bool with_attempt) {
  j.begin_array();
  for (auto r : res) {
    auto key = r[0].as<std::string>();
    const auto* m = quit::find_milestone(key);
    j.begin_object().field("milestone", key).field("name", m ? m->name.in(l) : key);
    j.field("falls_on", r[1].as<std::string>()).field("granted_at", core::format_rfc3339_ms(r[2].as<std::int64_t>()));
    if (with_attempt) j.field("attempt", r[3].as<std::int64_t>()).field("current", r[4].as<bool>());
    j.end_object();
  }
  j.end_array();
}

core::error no_such_person() { return not_found(core::message(core::msg::journey_not_shared)); }

}  // namespace

awaitable<response> community::badge_catalogue(request& req) {
  auto who = co_await authenticate(db_, req);
  if (!who) co_return fail(who.err(), req);
  json::writer j;
  j.begin_object().key("badges").begin_array();
  for (const auto& m : quit::catalogue())
    j.begin_object().field("key", m.key).field("name", m.name.in(req.lang)).end_object();
  j.end_array().end_object();
  co_return response::json(200, j.release());
}

awaitable<response> community::my_badges(request& req) {
  auto who = co_await authenticate(db_, req);
  if (!who) co_return fail(who.err(), req);
  auto uid = who->user_id;
  auto lang = req.lang;
  auto job = [uid, lang](pqxx::connection& c) {
    pqxx::nontransaction w(c);
    auto res = w.exec_params(
        "SELECT g.milestone, to_char(g.falls_on, 'YYYY-MM-DD'), (extract(epoch FROM g.granted_at) * 1000)::bigint, "
        "a.attempt, a.current FROM badge_grants g JOIN quit_attempts a ON a.id = g.attempt_id WHERE g.user_id = $1 "
        "ORDER BY a.attempt, g.falls_on, g.id",
        uid);
    json::writer j;
    j.begin_object().key("badges");
    write_grants(j, res, lang, true);
    j.end_object();
    return j.release();
  };
  co_return response::json(200, co_await db_.run(std::move(job)));
}

awaitable<response> community::user_badges(request& req) {
  auto who = co_await authenticate(db_, req);
  if (!who) co_return fail(who.err(), req);
  auto target = id_param(req, "uid");
  if (!target) co_return fail(no_such_person(), req);
  auto uid = who->user_id;
  auto lang = req.lang;
  auto job = [uid, t = *target, lang](pqxx::connection& c) -> core::result<std::string> {
    pqxx::nontransaction w(c);
    // Their own view, or a member of a group they share while they share their quit.
    bool visible =
        uid == t || !w.exec_params(
                          "SELECT 1 FROM quit_attempts a WHERE a.user_id = $2 AND a.current "
                          "AND a.share = 'groups' AND EXISTS (SELECT 1 FROM memberships x JOIN "
                          "memberships y ON x.group_id = y.group_id WHERE x.user_id = $1 AND y.user_id = $2)",
                          uid, t)
                         .empty();
    if (!visible) return no_such_person();
    auto res = w.exec_params(
        "SELECT g.milestone, to_char(g.falls_on, 'YYYY-MM-DD'), (extract(epoch FROM g.granted_at) * 1000)::bigint "
        "FROM badge_grants g JOIN quit_attempts a ON a.id = g.attempt_id AND a.current WHERE g.user_id = $1 "
        "ORDER BY g.falls_on, g.id",
        t);
    json::writer j;
    j.begin_object().field("user_id", t).key("badges");
    write_grants(j, res, lang, false);
    j.end_object();
    return j.release();
  };
  auto out = co_await db_.run(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return response::json(200, std::move(*out));
}

awaitable<response> community::celebrations(request& req) {
  auto who = co_await authenticate(db_, req, limits_, ratelimit::action::expensive_read);
  if (!who) co_return fail(who.err(), req);
  auto gid = id_param(req, "id");
  if (!gid) co_return fail(group_not_found(), req);
  std::optional<std::string> date;
  if (auto d = req.query_param("date")) {
    if (!core::parse_date(*d)) co_return fail(core::error::validation("date", core::message(core::msg::bad_date)), req);
    date = std::string(*d);
  }
  auto uid = who->user_id;
  auto lang = req.lang;
  auto job = [uid, gid = *gid, date, lang](pqxx::connection& c) -> core::result<std::string> {
    pqxx::work w(c);
    auto g = load_group(w, gid, uid);
    if (!g.visible()) return group_not_found();
    if (!g.member()) return members_only();
    // Today or yesterday only (a volunteer finishing after midnight): any
    // other date would grow the table at will and, with `day`, give away a
    // quit date or a relapse (F19).
    auto today = local_today(w, uid);
    auto on = date.value_or(core::format_date(today));
    if (date && *date != core::format_date(today) &&
        *date != core::format_date(std::chrono::sys_days(today) - std::chrono::days(1)))
      return core::error::validation("date", core::message(core::msg::celebrations_today_or_yesterday));
    auto list = quit::celebrations_of(w, gid, on);
    w.commit();
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
      j.key("congratulated_by");
      if (!x.congratulated_by)
        j.null();
      else
        j.begin_object().field("id", *x.congratulated_by).field("handle", x.congratulated_by_handle).end_object();
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
  auto out = co_await db_.run(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return response::json(200, std::move(*out));
}

awaitable<response> community::congratulated(request& req) {
  auto who = co_await authenticate(db_, req, limits_, ratelimit::action::react);
  if (!who) co_return fail(who.err(), req);
  auto cid = id_param(req, "cid");
  auto missing = not_found(core::message(core::msg::celebration_not_found));
  if (!cid) co_return fail(missing, req);
  auto uid = who->user_id;
  auto job = [uid, cid = *cid, missing](pqxx::connection& c) -> std::optional<core::error> {
    pqxx::work w(c);
    auto r = w.exec_params(
        "SELECT c.group_id, c.congratulated_by, coalesce(v.handle, '') FROM celebrations c "
        "LEFT JOIN users v ON v.id = c.congratulated_by WHERE c.id = $1 FOR UPDATE OF c",
        cid);
    if (r.empty()) return missing;
    auto g = load_group(w, r[0][0].as<std::int64_t>(), uid);
    if (!g.member()) return missing;
    if (!r[0][1].is_null()) {
      auto by = r[0][2].as<std::string>();
      return core::error::make(core::errc::conflict,
                               {"Déjà félicité par " + by + ".", "Already congratulated by " + by + "."});
    }
    w.exec_params("UPDATE celebrations SET congratulated_by = $2, congratulated_at = now() WHERE id = $1", cid, uid);
    w.commit();
    return std::nullopt;
  };
  if (auto e = co_await db_.run(std::move(job))) co_return fail(*e, req);
  co_return response::no_content();
}

}  // namespace colibri::groups
