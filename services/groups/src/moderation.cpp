// Moderation, reports: routed to the group's moderators, and their resolution
// (dismiss, hide, remind the rules, mute, remove). Mutes, watched words, held
// posts and the audit log: moderation_tools.cpp.
#include <set>

#include "colibri/core/clock.hpp"
#include "colibri/core/log.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/groups/authn.hpp"
#include "colibri/groups/community.hpp"
#include "colibri/groups/posting.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/moderation/watched_words.hpp"
#include "common.hpp"
#include "moderation_shared.hpp"

namespace colibri::groups {

using namespace detail;

namespace detail {

const std::set<std::string>& report_reasons() {
  static const std::set<std::string> s{"abuse", "spam", "dangerous_advice", "distress", "privacy", "other"};
  return s;
}

core::error report_not_found() {
  return core::error::make(core::errc::not_found, core::message(core::msg::report_not_found));
}

// The group a moderator acts in, from the {id} parameter: visible, and the caller moderates it.
awaitable<core::result<group_view>> moderated_group(pg::pool& db, const request& req, std::int64_t uid) {
  auto gid = id_param(req, "id");
  if (!gid) co_return group_not_found();
  auto job = [gid = *gid, uid](pqxx::connection& c) {
    pqxx::work w(c);
    auto g = load_group(w, gid, uid);
    w.commit();
    return g;
  };
  auto g = co_await db.run(std::move(job));
  if (auto e = not_moderator(g)) co_return *e;
  co_return g;
}

// A private reminder of the group's rules: never public shaming.
std::vector<notify::notification> remind_rules(pqxx::work& w, const group_view& g, std::int64_t user_id) {
  json::writer d;
  d.begin_object().field("group_id", g.id).field("action", "remind_rules").end_object();
  auto rules = g.rules.empty() ? std::string() : "\n\n" + g.rules;
  return notify::insert_for(w, {user_id}, "moderation", core::message(core::msg::note_rules_reminder),
                            {"L'équipe de modération de « " + g.name +
                                 " » vous rappelle les règles du groupe, pour que chacun "
                                 "s'y sente bien." +
                                 rules,
                             "The moderators of \"" + g.name +
                                 "\" remind you of the group's rules, so that everyone feels "
                                 "welcome." +
                                 rules},
                            d.release());
}

std::vector<notify::notification> tell(pqxx::work& w, const group_view& g, std::int64_t user_id, const core::text& body,
                                       std::string_view action) {
  json::writer d;
  d.begin_object().field("group_id", g.id).field("action", action).end_object();
  return notify::insert_for(w, {user_id}, "moderation", core::message(core::msg::note_moderators_word), body,
                            d.release());
}

std::string until_text(std::int64_t ms) { return core::format_rfc3339_ms(ms); }

}  // namespace detail

awaitable<response> community::create_report(request& req) {
  auto who = co_await authenticate(db_, req, limits_, ratelimit::action::report);
  if (!who) co_return fail(who.err(), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto room = f.text("room", json::optional, 1, 64);
  auto seq = f.integer("seq", json::optional, 1, k_max_id);
  auto target = f.integer("user_id", json::optional, 1, k_max_id);
  auto group = f.integer("group_id", json::optional, 1, k_max_id);
  auto reason = f.text("reason", json::required, 1, 32);
  auto note = f.text("note", json::optional, 0, 2000);
  if (reason && !report_reasons().count(*reason)) f.fail("reason", core::message(core::msg::bad_report_reason));
  if (f.ok() && room.has_value() != seq.has_value())
    f.fail(room ? "seq" : "room", core::message(core::msg::report_message_needs_room_and_seq));
  if (f.ok() && !room && !target) f.fail("room", core::message(core::msg::report_needs_target));
  if (f.ok() && room && !roomlog::parse_room(*room)) f.fail("room", core::message(core::msg::room_not_found));
  if (f.ok() && !room && !group) f.fail("group_id", core::message(core::msg::report_needs_group));
  if (auto e = f.error()) co_return fail(*e, req);
  auto uid = who->user_id;
  struct made {
    core::result<std::int64_t> id = std::int64_t{0};
    std::vector<notify::notification> notes;
  };
  auto job = [=](pqxx::connection& c) -> made {
    pqxx::work w(c);
    made out;
    std::int64_t gid = 0;
    std::int64_t s_group = 0;  // the group of the reported room; 0 for a direct conversation
    std::optional<std::int64_t> target_user = target;
    if (room) {
      auto s = standing(w, uid, *room);
      if (auto ok = may_read(s); !ok) return {ok.err(), {}};
      s_group = s.access.group_id;
      if (!s_group && !group)
        return {core::error::validation("group_id", core::message(core::msg::report_direct_needs_group)), {}};
      gid = s_group ? s_group : *group;
      auto ev = w.exec_params("SELECT author_id FROM room_events WHERE room = $1 AND seq = $2", *room, *seq);
      if (ev.empty())
        return {core::error::make(core::errc::not_found, core::message(core::msg::message_not_found), "seq"), {}};
      if (!ev[0][0].is_null()) target_user = ev[0][0].as<std::int64_t>();
    } else {
      gid = *group;
    }
    auto g = load_group(w, gid, uid);
    if (!g.visible()) return {group_not_found(), {}};
    if (!g.member()) return {members_only(), {}};
    // The person reported (or the author of a direct message reported) must
    // be a member of the group whose moderators will read the report.
    if ((!room || !s_group) && target_user &&
        w.exec_params("SELECT 1 FROM memberships WHERE group_id = $1 AND user_id = $2", gid, *target_user).empty())
      return {core::error::make(core::errc::not_found, core::message(core::msg::not_a_member), "user_id"), {}};
    auto id = w.exec_params1(
                   "INSERT INTO reports (group_id, reporter_id, room, seq, target_user_id, reason, note) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                   gid, uid, room, seq, target_user, *reason, note.value_or(""))[0]
                  .as<std::int64_t>();
    json::writer d;
    d.begin_object().field("group_id", gid).field("report_id", id).end_object();
    out.notes =
        notify::insert_for(w, moderation::moderators_of(w, gid), "report", core::message(core::msg::note_new_report),
                           {"Un signalement attend votre attention dans « " + g.name + " ».",
                            "A report awaits your attention in \"" + g.name + "\"."},
                           d.release());
    out.id = id;
    w.commit();
    return out;
  };
  auto out = co_await db_.run(std::move(job));
  if (!out.id) co_return fail(out.id.err(), req);
  publish_all(pub_, out.notes);
  json::writer j;
  j.begin_object().key("report").begin_object().field("id", *out.id).field("state", "open").end_object().end_object();
  co_return response::json(201, j.release());
}

awaitable<response> community::list_reports(request& req) {
  auto who = co_await authenticate(db_, req);
  if (!who) co_return fail(who.err(), req);
  auto g = co_await moderated_group(db_, req, who->user_id);
  if (!g) co_return fail(g.err(), req);
  auto state = std::string(req.query_param("state").value_or("open"));
  if (state != "open" && state != "resolved")
    co_return fail(core::error::validation("state", core::message(core::msg::bad_report_state)), req);
  auto limit = limit_param(req, s_.page_default, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  auto job = [gid = g->id, state, n = *limit](pqxx::connection& c) {
    pqxx::work w(c);
    auto res = w.exec_params(
        "SELECT r.id, r.room, r.seq, r.reason, r.note, r.state, coalesce(r.action, ''), "
        "(extract(epoch FROM r.created_at) * 1000)::bigint, r.reporter_id, coalesce(ru.handle, ''), r.target_user_id, "
        "coalesce(tu.handle, ''), e.kind, coalesce(r.evidence, e.body) FROM reports r LEFT JOIN users ru ON ru.id = "
        "r.reporter_id "
        "LEFT JOIN users tu ON tu.id = r.target_user_id "
        "LEFT JOIN room_events e ON e.room = r.room AND e.seq = r.seq "
        "WHERE r.group_id = $1 AND r.state = $2 ORDER BY r.id LIMIT $3",
        gid, state, n + 1);
    w.commit();
    return page_json("reports", res, n, [&](json::writer& j, const pqxx::row& r) {
      j.begin_object().field("id", r[0].as<std::int64_t>()).field("group_id", gid);
      j.key("room");
      if (r[1].is_null())
        j.null();
      else
        j.value(r[1].as<std::string>());
      j.key("seq");
      if (r[2].is_null())
        j.null();
      else
        j.value(r[2].as<std::int64_t>());
      j.field("reason", r[3].as<std::string>())
          .field("note", r[4].as<std::string>())
          .field("state", r[5].as<std::string>());
      j.key("action");
      if (r[6].as<std::string>().empty())
        j.null();
      else
        j.value(r[6].as<std::string>());
      j.field("created_at", core::format_rfc3339_ms(r[7].as<std::int64_t>()));
      j.key("reporter");
      if (r[8].is_null())
        j.null();
      else
        j.begin_object().field("id", r[8].as<std::int64_t>()).field("handle", r[9].as<std::string>()).end_object();
      j.key("target");
      if (r[10].is_null())
        j.null();
      else
        j.begin_object().field("id", r[10].as<std::int64_t>()).field("handle", r[11].as<std::string>()).end_object();
      // What was reported, as it was written: once hidden, from the report's
      // evidence (the room no longer holds it); gone if its author deleted it.
      j.key("event");
      if (r[12].is_null())
        j.null();
      else {
        j.begin_object().field("kind", r[12].as<std::string>()).key("body");
        if (r[13].is_null())
          j.null();
        else
          j.value(r[13].as<std::string>());
        j.end_object();
      }
      j.end_object();
    });
  };
  co_return response::json(200, co_await db_.run(std::move(job)));
}

awaitable<response> community::resolve_report(request& req) {
  auto who = co_await authenticate(db_, req, limits_, ratelimit::action::edit);
  if (!who) co_return fail(who.err(), req);
  auto rid = id_param(req, "rid");
  if (!rid) co_return fail(report_not_found(), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto action = f.text("action", json::required, 1, 16);
  auto minutes = f.integer("duration_minutes", json::optional, 1, 60 * 24 * 365);
  auto note = f.text("note", json::optional, 0, 2000);
  static const std::set<std::string> actions{"dismiss", "hide", "remind_rules", "mute", "remove"};
  if (action && !actions.count(*action)) f.fail("action", core::message(core::msg::bad_report_action));
  if (f.ok() && *action == "mute" && !minutes) f.fail("duration_minutes", core::message(core::msg::mute_needs_minutes));
  if (auto e = f.error()) co_return fail(*e, req);
  auto uid = who->user_id;
  struct resolved {
    std::optional<core::error> err;
    std::vector<notify::notification> notes;
    std::optional<std::string> room;
    std::optional<std::int64_t> seq;
    std::int64_t group_id = 0;
    std::optional<std::int64_t> target;
    std::optional<roomlog::event> hidden;
  };
  auto opts = log_->opts();
  auto job = [=](pqxx::connection& c) {
    pqxx::work w(c);
    resolved out;
    auto r =
        w.exec_params("SELECT group_id, room, seq, target_user_id, state FROM reports WHERE id = $1 FOR UPDATE", *rid);
    if (r.empty()) {
      out.err = report_not_found();
      return out;
    }
    out.group_id = r[0][0].as<std::int64_t>();
    auto g = load_group(w, out.group_id, uid);
    // Reports exist only for the group's moderators.
    if (!g.moderator()) {
      out.err = report_not_found();
      return out;
    }
    if (r[0][4].as<std::string>() != "open") {
      out.err = core::error::make(core::errc::conflict, core::message(core::msg::report_resolved));
      return out;
    }
    if (!r[0][1].is_null()) out.room = r[0][1].as<std::string>();
    if (!r[0][2].is_null()) out.seq = r[0][2].as<std::int64_t>();
    if (!r[0][3].is_null()) out.target = r[0][3].as<std::int64_t>();
    const auto& a = *action;
    if ((a == "hide" && !out.seq) || (a != "dismiss" && a != "hide" && !out.target)) {
      out.err = core::error::validation("action", core::message(core::msg::action_not_for_report));
      return out;
    }
    if (a == "mute" || a == "remove") {
      auto e = may_act_on(w, g.id, uid, *out.target);
      if (!e && a == "remove") e = keeps_an_owner(w, g.id, *out.target);
      if (e) {
        out.err = *e;
        return out;
      }
    }
    if (a == "remind_rules") {
      out.notes = remind_rules(w, g, *out.target);
    } else if (a == "mute") {
      auto until = w.exec_params1(
          "UPDATE memberships SET muted_until = now() + make_interval(mins => $3) "
          "WHERE group_id = $1 AND user_id = $2 RETURNING (extract(epoch FROM muted_until) * 1000)::bigint",
          g.id, *out.target, static_cast<int>(*minutes));
      out.notes = tell(w, g, *out.target,
                       {"Vous ne pourrez pas écrire dans « " + g.name + " » jusqu'au " +
                            until_text(until[0].as<std::int64_t>()) + " (UTC). Vous pouvez toujours lire les échanges.",
                        "You cannot write in \"" + g.name + "\" until " + until_text(until[0].as<std::int64_t>()) +
                            " (UTC). You can still read the conversations."},
                       "mute");
    } else if (a == "remove") {
      remove_from_subtree(w, g.id, *out.target);
      out.notes = tell(
          w, g, *out.target,
          {"Vous ne faites plus partie de « " + g.name + " ».", "You are no longer a member of \"" + g.name + "\"."},
          "remove");
    }
    if (a == "hide") {
      // The text is kept as the reports' evidence (for the moderators, until
      // 90 days after resolution), then the `delete` event, which commits
      // with the resolution, removes it from the room for everyone else.
      w.exec_params(
          "UPDATE reports r SET evidence = e.body FROM room_events e WHERE e.room = $1 AND e.seq = $2 "
          "AND r.room = $1 AND r.seq = $2 AND r.evidence IS NULL",
          *out.room, *out.seq);
      roomlog::append_request d;
      d.room = *out.room;
      d.kind = "delete";
      d.author_id = uid;
      d.target_seq = *out.seq;
      auto ev = roomlog::append_in(w, d, opts);
      if (!ev) {
        out.err = ev.err();
        return out;
      }
      out.hidden = std::move(*ev);
    }
    w.exec_params(
        "UPDATE reports SET state = 'resolved', action = $2, resolved_by = $3, resolved_at = now() WHERE id = $1", *rid,
        a, uid);
    audit(w, g.id, uid, a, out.target, out.room, out.seq, note.value_or(""));
    w.commit();
    return out;
  };
  auto out = co_await db_.run(std::move(job));
  if (out.err) co_return fail(*out.err, req);
  publish_all(pub_, out.notes);
  if (out.hidden) roomlog::publish(pub_, *out.hidden);
  if (*action == "remove") co_await announce(log_, out.group_id, *out.target, "leave");
  co_return response::no_content();
}

}  // namespace colibri::groups
