// Moderation, the moderators' tools: mutes, watched words and the posts they
// hold, and the audit log of every action.
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
#include "repo/watch.hpp"
#include "views.hpp"

namespace colibri::groups {

using namespace detail;

awaitable<response> moderation_api::mute(request& req, const caller& who) {
  auto g = co_await moderated_group(db_, req, who.user_id);
  if (!g) co_return fail(g.err(), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto target = f.integer("user_id", json::required, 1, k_max_id);
  auto until = f.text("until", json::required, 1, 40);
  auto reason = f.text("reason", json::required, 1, 2000);
  std::optional<core::time_point> t;
  if (until) {
    t = core::parse_rfc3339(*until);
    if (!t || *t <= core::system_clock().now()) f.fail("until", core::message(core::msg::bad_mute_until));
  }
  if (auto e = f.error()) co_return fail(*e, req);
  auto uid = who.user_id;
  auto until_ms = std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
  auto job = [=, g = *g](pqxx::work& w) -> core::result<std::vector<notify::notification>> {
    if (auto e = may_act_on(w, g.id, uid, *target)) {
      if (e->field.empty()) e->field = "user_id";
      return *e;
    }
    if (!repo::mute_until(w, g.id, *target, until_ms))
      return core::error::make(core::errc::not_found, core::message(core::msg::not_a_member), "user_id");
    repo::audit(w, g.id, uid, "mute", *target, std::nullopt, std::nullopt, *reason);
    return tell(w, g, *target,
                core::message(core::msg::note_muted_because,
                              {{"group", g.name}, {"until", until_text(until_ms)}, {"reason", *reason}}),
                "mute");
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  publish_all(pub_, *out);
  co_return response::no_content();
}

awaitable<response> moderation_api::unmute(request& req, const caller& who) {
  auto g = co_await moderated_group(db_, req, who.user_id);
  if (!g) co_return fail(g.err(), req);
  auto target = id_param(req, "uid");
  auto missing = not_found(core::msg::not_a_member);
  if (!target) co_return fail(missing, req);
  auto uid = who.user_id;
  auto job = [=, gid = g->id](pqxx::work& w) -> std::optional<core::error> {
    if (!repo::unmute(w, gid, *target)) return missing;
    repo::audit(w, gid, uid, "unmute", *target, std::nullopt, std::nullopt, "");
    return std::nullopt;
  };
  if (auto e = co_await db_.transact(std::move(job))) co_return fail(*e, req);
  co_return response::no_content();
}

awaitable<response> moderation_api::put_watched_words(request& req, const caller& who) {
  auto g = co_await moderated_group(db_, req, who.user_id);
  if (!g) co_return fail(g.err(), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  auto rules = doc->find("rules");
  if (!rules || !rules->as_array() || rules->as_array()->size() > 500)
    co_return fail(core::error::validation("rules", core::message(core::msg::watched_rules_list)), req);
  std::vector<repo::watched_rule> list;
  std::size_t i = 0;
  for (const auto& v : *rules->as_array()) {
    auto prefix = "rules[" + std::to_string(i++) + "]";
    if (!v.as_object())
      co_return fail(core::error::validation(prefix, core::message(core::msg::watched_rule_not_object)), req);
    json::fields f(v, prefix);
    auto pattern = f.text("pattern", json::required, 1, 100);
    auto action = f.text("action", json::required, 1, 8);
    if (action && *action != "flag" && *action != "hold" && *action != "block")
      f.fail("action", core::message(core::msg::bad_watched_action));
    if (auto e = f.error()) co_return fail(*e, req);
    list.push_back({*pattern, *action});
  }
  auto uid = who.user_id;
  auto job = [=, gid = g->id](pqxx::work& w) {
    repo::replace_watched_words(w, gid, list);
    repo::audit(w, gid, uid, "watched_words", std::nullopt, std::nullopt, std::nullopt,
                std::to_string(list.size()) + " rules");
  };
  co_await db_.transact(std::move(job));
  co_return co_await get_watched_words(req, who);
}

awaitable<response> moderation_api::get_watched_words(request& req, const caller& who) {
  auto g = co_await moderated_group(db_, req, who.user_id);
  if (!g) co_return fail(g.err(), req);
  auto job = [gid = g->id](pqxx::nontransaction& w) { return repo::watched_words(w, gid); };
  auto rules = co_await db_.read(std::move(job));
  json::writer j;
  j.begin_object().key("rules").begin_array();
  for (const auto& r : rules) j.begin_object().field("pattern", r.pattern).field("action", r.action).end_object();
  j.end_array().end_object();
  co_return response::json(200, j.release());
}

awaitable<response> moderation_api::list_held(request& req, const caller& who) {
  auto g = co_await moderated_group(db_, req, who.user_id);
  if (!g) co_return fail(g.err(), req);
  auto limit = limit_param(req, s_.page_default, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  auto job = [gid = g->id, n = *limit](pqxx::nontransaction& w) { return repo::list_held(w, gid, n + 1); };
  auto rows = co_await db_.read(std::move(job));
  co_return response::json(200, page_json("held_posts", rows, *limit, [](json::writer& j, const repo::held_row& r) {
                             j.begin_object().field("id", r.id).field("room", r.room);
                             j.key("author").begin_object().field("id", r.author_id).field("handle", r.author_handle);
                             j.end_object().field("body", r.body).field("pattern", r.pattern);
                             j.field("created_at", core::format_rfc3339_ms(r.created_ms)).end_object();
                           }));
}

awaitable<response> moderation_api::decide_held(request& req, const caller& who, bool approve) {
  auto hid = id_param(req, "hid");
  auto missing = not_found(core::msg::held_post_not_found);
  if (!hid) co_return fail(missing, req);
  auto uid = who.user_id;
  auto opts = log_->opts();
  struct held {
    std::optional<core::error> err;
    std::optional<roomlog::event> ev;
    std::vector<notify::notification> notes;
  };
  auto job = [=](pqxx::work& w) {
    held out;
    auto h = repo::lock_held(w, *hid);
    if (!h) {
      out.err = missing;
      return out;
    }
    auto g = repo::load_group(w, h->group_id, uid);
    if (!g.moderator()) {
      out.err = missing;
      return out;
    }
    auto author = h->author_id;
    repo::decide_held(w, *hid, approve, uid);
    repo::audit(w, g.id, uid, approve ? "approve_post" : "reject_post", author, h->room, std::nullopt, "");
    if (approve) {
      // The approval and the post commit together, or neither does.
      roomlog::append_request a;
      a.room = h->room;
      a.kind = "message";
      a.author_id = author;
      a.client_msg_id = h->client_msg_id;
      a.body = h->body;
      a.reply_to = h->reply_to;
      a.structure_id = h->structure_id;
      auto ev = roomlog::append_in(w, a, opts);
      if (!ev) {
        out.err = ev.err();
        return out;
      }
      repo::held_published_as(w, *hid, ev->seq);
      out.ev = std::move(*ev);
    } else {
      out.notes =
          tell(w, g, author, core::message(core::msg::note_post_rejected_body, {{"group", g.name}}), "reject_post");
    }
    return out;
  };
  auto out = co_await db_.transact(std::move(job));
  if (out.err) co_return fail(*out.err, req);
  publish_all(pub_, out.notes);
  if (!approve) co_return response::no_content();
  roomlog::publish(pub_, *out.ev);
  json::writer j;
  j.begin_object().key("event").raw(roomlog::event_json(*out.ev)).end_object();
  co_return response::json(200, j.release());
}

awaitable<response> moderation_api::list_audit(request& req, const caller& who) {
  auto g = co_await moderated_group(db_, req, who.user_id);
  if (!g) co_return fail(g.err(), req);
  auto limit = limit_param(req, s_.page_default, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  auto before = query_id(req, "before");
  if (!before) co_return fail(before.err(), req);
  auto job = [gid = g->id, n = *limit, b = *before](pqxx::nontransaction& w) {
    return repo::list_audit(w, gid, b, n + 1);
  };
  auto rows = co_await db_.read(std::move(job));
  co_return response::json(200, page_json("entries", rows, *limit, [&](json::writer& j, const repo::audit_row& r) {
                             j.begin_object().field("id", r.id);
                             write_person(j, "actor", r.actor_id, r.actor_handle);
                             j.field("action", r.action);
                             write_person(j, "target", r.target_id, r.target_handle);
                             j.field("room", r.room);
                             j.field("seq", r.seq);
                             j.field("reason", r.reason).field("at", core::format_rfc3339_ms(r.at_ms)).end_object();
                           }));
}

}  // namespace colibri::groups
