// Moderation, reports: routed to the group's moderators, and their resolution
// (dismiss, hide, remind the rules, mute, remove). Mutes, watched words, held
// posts and the audit log: moderation_tools.cpp.
#include <set>

#include "api.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/log.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/groups/authn.hpp"
#include "colibri/groups/community.hpp"
#include "colibri/groups/posting.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/moderation/watched_words.hpp"
#include "errors.hpp"
#include "joining.hpp"
#include "moderation_shared.hpp"
#include "params.hpp"
#include "repo/audit.hpp"
#include "repo/groups.hpp"
#include "repo/memberships.hpp"
#include "repo/reports.hpp"
#include "repo/users.hpp"
#include "views.hpp"

namespace colibri::groups {

using namespace detail;

void moderation_api::add_routes(http::router& r) {
  using ratelimit::action;
  r.post("/api/v1/reports", signed_in(db_, limits_, action::report, member(this, &moderation_api::create_report)));
  r.get("/api/v1/groups/{id}/reports", signed_in(db_, member(this, &moderation_api::list_reports)));
  r.post("/api/v1/reports/{rid}/resolve",
         signed_in(db_, limits_, action::edit, member(this, &moderation_api::resolve_report)));
  r.post("/api/v1/groups/{id}/mutes", signed_in(db_, limits_, action::edit, member(this, &moderation_api::mute)));
  r.del("/api/v1/groups/{id}/mutes/{uid}",
        signed_in(db_, limits_, action::edit, member(this, &moderation_api::unmute)));
  r.put("/api/v1/groups/{id}/watched-words",
        signed_in(db_, limits_, action::edit, member(this, &moderation_api::put_watched_words)));
  r.get("/api/v1/groups/{id}/watched-words", signed_in(db_, member(this, &moderation_api::get_watched_words)));
  r.get("/api/v1/groups/{id}/held-posts", signed_in(db_, member(this, &moderation_api::list_held)));
  r.post("/api/v1/held-posts/{hid}/approve",
         signed_in(db_, limits_, action::edit, member(this, &moderation_api::decide_held, true)));
  r.post("/api/v1/held-posts/{hid}/reject",
         signed_in(db_, limits_, action::edit, member(this, &moderation_api::decide_held, false)));
  r.get("/api/v1/groups/{id}/audit", signed_in(db_, member(this, &moderation_api::list_audit)));
  r.put("/api/v1/groups/{id}/on-call", signed_in(db_, limits_, action::edit, member(this, &moderation_api::on_call)));
}

awaitable<response> moderation_api::on_call(request& req, const caller& who) {
  auto g = co_await moderated_group(db_, req, who.user_id);
  if (!g) co_return fail(g.err(), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto on = f.boolean("on_call", json::required);
  if (auto e = f.error()) co_return fail(*e, req);
  auto job = [gid = g->id, uid = who.user_id, on = *on](pqxx::work& w) {
    repo::set_on_call(w, gid, uid, on);
    repo::audit(w, gid, uid, on ? "on_call" : "off_call", std::nullopt, std::nullopt, std::nullopt, "");
    return true;
  };
  co_await db_.transact(std::move(job));
  json::writer j;
  j.begin_object().key("on_call").begin_object().field("group_id", g->id).field("on_call", *on).end_object();
  j.end_object();
  co_return response::json(200, j.release());
}

namespace detail {

const std::set<std::string>& report_reasons() {
  static const std::set<std::string> s{"abuse", "spam", "dangerous_advice", "distress", "privacy", "other"};
  return s;
}

core::error report_not_found() { return not_found(core::msg::report_not_found); }

// The group a moderator acts in, from the {id} parameter: visible, and the caller moderates it.
awaitable<core::result<group_view>> moderated_group(pg::pool& db, const request& req, std::int64_t uid) {
  auto gid = id_param(req, "id");
  if (!gid) co_return group_not_found();
  auto job = [gid = *gid, uid](pqxx::nontransaction& w) { return repo::load_group(w, gid, uid); };
  auto g = co_await db.read(std::move(job));
  if (auto e = not_moderator(g)) co_return *e;
  co_return g;
}

// A private reminder of the group's rules: never public shaming.
std::vector<notify::notification> remind_rules(pqxx::work& w, const group_view& g, std::int64_t user_id) {
  json::writer d;
  d.begin_object().field("group_id", g.id).field("action", "remind_rules").end_object();
  auto rules = g.rules.empty() ? std::string() : "\n\n" + g.rules;
  return notify::insert_for(w, {user_id}, "moderation", core::message(core::msg::note_rules_reminder),
                            core::message(core::msg::note_rules_reminder_body, {{"group", g.name}, {"rules", rules}}),
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

awaitable<response> moderation_api::create_report(request& req, const caller& who) {
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
  auto uid = who.user_id;
  struct made {
    std::optional<core::error> err;
    std::int64_t id = 0;
    std::vector<notify::notification> notes;
  };
  auto job = [=](pqxx::work& w) -> made {
    made out;
    std::int64_t gid = 0;
    std::int64_t s_group = 0;  // the group of the reported room; 0 for a direct conversation
    std::optional<std::int64_t> target_user = target;
    if (room) {
      auto s = standing(w, uid, *room);
      if (auto ok = may_read(s); !ok) return {ok.err(), 0, {}};
      s_group = s.access.group_id;
      if (!s_group && !group)
        return {core::error::validation("group_id", core::message(core::msg::report_direct_needs_group)), 0, {}};
      gid = s_group ? s_group : *group;
      auto author = repo::author_of(w, *room, *seq);
      if (!author)
        return {core::error::make(core::errc::not_found, core::message(core::msg::message_not_found), "seq"), 0, {}};
      if (*author) target_user = **author;
    } else {
      gid = *group;
    }
    auto g = repo::load_group(w, gid, uid);
    if (!g.visible()) return {group_not_found(), 0, {}};
    if (!g.member()) return {members_only(), 0, {}};
    // The person reported (or the author of a direct message reported) must
    // be a member of the group whose moderators will read the report.
    if ((!room || !s_group) && target_user && !repo::is_member(w, gid, *target_user))
      return {core::error::make(core::errc::not_found, core::message(core::msg::not_a_member), "user_id"), 0, {}};
    auto id = repo::insert_report(w, {gid, uid, room, seq, target_user, *reason, note.value_or("")});
    json::writer d;
    d.begin_object().field("group_id", gid).field("report_id", id).end_object();
    auto moderators = moderation::moderators_of(w, gid);
    if (*reason == "distress") {
      // At once to the moderators on call (to all of them when none is),
      // whatever their quiet hours; the others get the usual report.
      auto on_call = moderation::moderators_of(w, gid, true);
      if (on_call.empty()) on_call = moderators;
      std::erase_if(moderators,
                    [&](std::int64_t m) { return std::find(on_call.begin(), on_call.end(), m) != on_call.end(); });
      out.notes =
          notify::insert_for(w, on_call, "distress", core::message(core::msg::note_distress, {{"group", g.name}}),
                             core::message(core::msg::note_distress_body), d.release());
    }
    auto more = notify::insert_for(w, moderators, "report", core::message(core::msg::note_new_report),
                                   core::message(core::msg::note_new_report_body, {{"group", g.name}}), d.release());
    out.notes.insert(out.notes.end(), more.begin(), more.end());
    out.id = id;
    return out;
  };
  auto out = co_await db_.transact(std::move(job));
  if (out.err) co_return fail(*out.err, req);
  publish_all(pub_, out.notes);
  json::writer j;
  j.begin_object().key("report").begin_object().field("id", out.id).field("state", "open").end_object().end_object();
  co_return response::json(201, j.release());
}

awaitable<response> moderation_api::list_reports(request& req, const caller& who) {
  auto g = co_await moderated_group(db_, req, who.user_id);
  if (!g) co_return fail(g.err(), req);
  auto state = std::string(req.query_param("state").value_or("open"));
  if (state != "open" && state != "resolved")
    co_return fail(core::error::validation("state", core::message(core::msg::bad_report_state)), req);
  auto limit = limit_param(req, s_.page_default, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  auto job = [gid = g->id, state, n = *limit](pqxx::nontransaction& w) {
    return repo::list_reports(w, gid, state, n + 1);
  };
  auto rows = co_await db_.read(std::move(job));
  co_return response::json(
      200, page_json("reports", rows, *limit, [&, gid = g->id](json::writer& j, const repo::report_row& r) {
        j.begin_object().field("id", r.id).field("group_id", gid);
        j.field("room", r.room);
        j.field("seq", r.seq);
        j.field("reason", r.reason).field("note", r.note).field("state", r.state);
        j.key("action");
        if (r.action.empty())
          j.null();
        else
          j.value(r.action);
        j.field("created_at", core::format_rfc3339_ms(r.created_ms));
        write_person(j, "reporter", r.reporter_id, r.reporter_handle);
        write_person(j, "target", r.target_id, r.target_handle);
        // What was reported, as it was written: once hidden, from the report's
        // evidence (the room no longer holds it); gone if its author deleted it.
        j.key("event");
        if (!r.event_kind) {
          j.null();
        } else {
          j.begin_object().field("kind", *r.event_kind).key("body");
          if (r.event_body)
            j.value(*r.event_body);
          else
            j.null();
          j.end_object();
        }
        j.end_object();
      }));
}

namespace {

struct applied {
  std::optional<core::error> err;
  std::vector<notify::notification> notes;
  std::optional<roomlog::event> hidden;  // the `delete` event of a hidden message
};

// What a report's action does, inside the resolving transaction: to the
// person (a private reminder, a mute, a removal, each told to them alone) or
// to the message (hidden).
applied apply_action(pqxx::work& w, const group_view& g, std::int64_t moderator, const std::string& a,
                     const repo::locked_report& r, std::optional<std::int64_t> minutes, const roomlog::options& opts) {
  applied out;
  if (a == "mute" || a == "remove") {
    out.err = may_act_on(w, g.id, moderator, *r.target_id);
    if (!out.err && a == "remove") out.err = keeps_an_owner(w, g.id, *r.target_id);
    if (out.err) return out;
  }
  if (a == "remind_rules") {
    out.notes = remind_rules(w, g, *r.target_id);
  } else if (a == "mute") {
    auto until = repo::mute_for(w, g.id, *r.target_id, static_cast<int>(*minutes));
    if (!until) {
      out.err = not_found(core::msg::not_a_member);
      return out;
    }
    out.notes =
        tell(w, g, *r.target_id,
             core::message(core::msg::note_muted_body, {{"group", g.name}, {"until", until_text(*until)}}), "mute");
  } else if (a == "remove") {
    repo::remove_from_subtree(w, g.id, *r.target_id);
    out.notes = tell(w, g, *r.target_id, core::message(core::msg::note_removed_body, {{"group", g.name}}), "remove");
  } else if (a == "hide") {
    // The text is kept as the reports' evidence (for the moderators, until
    // 90 days after resolution), then the `delete` event, which commits
    // with the resolution, removes it from the room for everyone else.
    repo::keep_evidence(w, *r.room, *r.seq);
    roomlog::append_request d;
    d.room = *r.room;
    d.kind = "delete";
    d.author_id = moderator;
    d.target_seq = *r.seq;
    auto ev = roomlog::append_in(w, d, opts);
    if (!ev) {
      out.err = ev.err();
      return out;
    }
    out.hidden = std::move(*ev);
  }
  return out;
}

}  // namespace

awaitable<response> moderation_api::resolve_report(request& req, const caller& who) {
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
  auto uid = who.user_id;
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
  auto job = [=](pqxx::work& w) {
    resolved out;
    auto r = repo::lock_report(w, *rid);
    if (!r) {
      out.err = report_not_found();
      return out;
    }
    out.group_id = r->group_id;
    auto g = repo::load_group(w, out.group_id, uid);
    // Reports exist only for the group's moderators.
    if (!g.moderator()) {
      out.err = report_not_found();
      return out;
    }
    if (r->state != "open") {
      out.err = conflict(core::msg::report_resolved);
      return out;
    }
    out.room = r->room;
    out.seq = r->seq;
    out.target = r->target_id;
    const auto& a = *action;
    if ((a == "hide" && !out.seq) || (a != "dismiss" && a != "hide" && !out.target)) {
      out.err = core::error::validation("action", core::message(core::msg::action_not_for_report));
      return out;
    }
    auto done = apply_action(w, g, uid, a, *r, minutes, opts);
    if (done.err) {
      out.err = std::move(done.err);
      return out;
    }
    out.notes = std::move(done.notes);
    out.hidden = std::move(done.hidden);
    repo::close_report(w, *rid, a, uid);
    repo::audit(w, g.id, uid, a, out.target, out.room, out.seq, note.value_or(""));
    return out;
  };
  auto out = co_await db_.transact(std::move(job));
  if (out.err) co_return fail(*out.err, req);
  publish_all(pub_, out.notes);
  if (out.hidden) roomlog::publish(pub_, *out.hidden);
  if (*action == "remove") co_await announce(log_, out.group_id, *out.target, "leave");
  co_return response::no_content();
}

}  // namespace colibri::groups
