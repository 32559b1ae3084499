// Moderation, the moderators' tools: mutes, watched words and the posts they
// hold, and the audit log of every action.
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

awaitable<response> community::mute(request& req) {
  auto who = co_await authenticate(db_, req, limits_, ratelimit::action::edit);
  if (!who) co_return fail(who.err(), req);
  auto g = co_await moderated_group(db_, req, who->user_id);
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
  auto uid = who->user_id;
  auto until_ms = std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
  auto job = [=, g = *g](pqxx::connection& c) -> core::result<std::vector<notify::notification>> {
    pqxx::work w(c);
    if (auto e = may_act_on(w, g.id, uid, *target)) {
      if (e->field.empty()) e->field = "user_id";
      return *e;
    }
    auto r = w.exec_params(
        "UPDATE memberships SET muted_until = to_timestamp($3::double precision / 1000) "
        "WHERE group_id = $1 AND user_id = $2 RETURNING 1",
        g.id, *target, until_ms);
    if (r.empty()) return core::error::make(core::errc::not_found, core::message(core::msg::not_a_member), "user_id");
    audit(w, g.id, uid, "mute", *target, std::nullopt, std::nullopt, *reason);
    auto notes =
        tell(w, g, *target,
             {"Vous ne pourrez pas écrire dans « " + g.name + " » jusqu'au " + until_text(until_ms) +
                  " (UTC). Motif : " + *reason,
              "You cannot write in \"" + g.name + "\" until " + until_text(until_ms) + " (UTC). Reason: " + *reason},
             "mute");
    w.commit();
    return notes;
  };
  auto out = co_await db_.run(std::move(job));
  if (!out) co_return fail(out.err(), req);
  publish_all(pub_, *out);
  co_return response::no_content();
}

awaitable<response> community::unmute(request& req) {
  auto who = co_await authenticate(db_, req, limits_, ratelimit::action::edit);
  if (!who) co_return fail(who.err(), req);
  auto g = co_await moderated_group(db_, req, who->user_id);
  if (!g) co_return fail(g.err(), req);
  auto target = id_param(req, "uid");
  auto missing = not_found(core::message(core::msg::not_a_member));
  if (!target) co_return fail(missing, req);
  auto uid = who->user_id;
  auto job = [=, gid = g->id](pqxx::connection& c) -> std::optional<core::error> {
    pqxx::work w(c);
    if (w.exec_params("UPDATE memberships SET muted_until = NULL WHERE group_id = $1 AND user_id = $2 RETURNING 1", gid,
                      *target)
            .empty())
      return missing;
    audit(w, gid, uid, "unmute", *target, std::nullopt, std::nullopt, "");
    w.commit();
    return std::nullopt;
  };
  if (auto e = co_await db_.run(std::move(job))) co_return fail(*e, req);
  co_return response::no_content();
}

awaitable<response> community::put_watched_words(request& req) {
  auto who = co_await authenticate(db_, req, limits_, ratelimit::action::edit);
  if (!who) co_return fail(who.err(), req);
  auto g = co_await moderated_group(db_, req, who->user_id);
  if (!g) co_return fail(g.err(), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  auto rules = doc->find("rules");
  if (!rules || !rules->as_array() || rules->as_array()->size() > 500)
    co_return fail(core::error::validation("rules", core::message(core::msg::watched_rules_list)), req);
  std::vector<std::pair<std::string, std::string>> list;
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
    list.emplace_back(*pattern, *action);
  }
  auto uid = who->user_id;
  auto job = [=, gid = g->id](pqxx::connection& c) {
    pqxx::work w(c);
    w.exec_params("DELETE FROM watched_words WHERE group_id = $1", gid);
    for (const auto& [p, a] : list)
      w.exec_params(
          "INSERT INTO watched_words (group_id, pattern, action) VALUES ($1, $2, $3) "
          "ON CONFLICT (group_id, pattern) DO UPDATE SET action = EXCLUDED.action",
          gid, p, a);
    audit(w, gid, uid, "watched_words", std::nullopt, std::nullopt, std::nullopt,
          std::to_string(list.size()) + " rules");
    w.commit();
  };
  co_await db_.run(std::move(job));
  co_return co_await get_watched_words(req);
}

awaitable<response> community::get_watched_words(request& req) {
  auto who = co_await authenticate(db_, req);
  if (!who) co_return fail(who.err(), req);
  auto g = co_await moderated_group(db_, req, who->user_id);
  if (!g) co_return fail(g.err(), req);
  auto job = [gid = g->id](pqxx::connection& c) {
    pqxx::work w(c);
    json::writer j;
    j.begin_object().key("rules").begin_array();
    for (auto r : w.exec_params("SELECT pattern, action FROM watched_words WHERE group_id = $1 ORDER BY pattern", gid))
      j.begin_object().field("pattern", r[0].as<std::string>()).field("action", r[1].as<std::string>()).end_object();
    j.end_array().end_object();
    w.commit();
    return j.release();
  };
  co_return response::json(200, co_await db_.run(std::move(job)));
}

awaitable<response> community::list_held(request& req) {
  auto who = co_await authenticate(db_, req);
  if (!who) co_return fail(who.err(), req);
  auto g = co_await moderated_group(db_, req, who->user_id);
  if (!g) co_return fail(g.err(), req);
  auto limit = limit_param(req, s_.page_default, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  auto job = [gid = g->id, n = *limit](pqxx::connection& c) {
    pqxx::work w(c);
    auto res = w.exec_params(
        "SELECT h.id, h.room, h.author_id, u.handle, h.body, h.pattern, (extract(epoch FROM h.created_at) * "
        "1000)::bigint "
        "FROM held_posts h JOIN users u ON u.id = h.author_id WHERE h.group_id = $1 AND h.state = 'held' "
        "ORDER BY h.id LIMIT $2",
        gid, n + 1);
    w.commit();
    return page_json("held_posts", res, n, [&](json::writer& j, const pqxx::row& r) {
      j.begin_object().field("id", r[0].as<std::int64_t>()).field("room", r[1].as<std::string>());
      j.key("author")
          .begin_object()
          .field("id", r[2].as<std::int64_t>())
          .field("handle", r[3].as<std::string>())
          .end_object();
      j.field("body", r[4].as<std::string>()).field("pattern", r[5].as<std::string>());
      j.field("created_at", core::format_rfc3339_ms(r[6].as<std::int64_t>())).end_object();
    });
  };
  co_return response::json(200, co_await db_.run(std::move(job)));
}

awaitable<response> community::decide_held(request& req, bool approve) {
  auto who = co_await authenticate(db_, req, limits_, ratelimit::action::edit);
  if (!who) co_return fail(who.err(), req);
  auto hid = id_param(req, "hid");
  auto missing = not_found(core::message(core::msg::held_post_not_found));
  if (!hid) co_return fail(missing, req);
  auto uid = who->user_id;
  auto opts = log_->opts();
  struct held {
    std::optional<core::error> err;
    std::optional<roomlog::event> ev;
    std::vector<notify::notification> notes;
  };
  auto job = [=](pqxx::connection& c) {
    pqxx::work w(c);
    held out;
    auto r = w.exec_params(
        "SELECT group_id, room, author_id, client_msg_id, body, reply_to FROM held_posts "
        "WHERE id = $1 AND state = 'held' FOR UPDATE",
        *hid);
    if (r.empty()) {
      out.err = missing;
      return out;
    }
    auto g = load_group(w, r[0][0].as<std::int64_t>(), uid);
    if (!g.moderator()) {
      out.err = missing;
      return out;
    }
    auto author = r[0][2].as<std::int64_t>();
    w.exec_params("UPDATE held_posts SET state = $2, decided_by = $3, decided_at = now() WHERE id = $1", *hid,
                  approve ? "approved" : "rejected", uid);
    audit(w, g.id, uid, approve ? "approve_post" : "reject_post", author, r[0][1].as<std::string>(), std::nullopt, "");
    if (approve) {
      // The approval and the post commit together, or neither does.
      roomlog::append_request a;
      a.room = r[0][1].as<std::string>();
      a.kind = "message";
      a.author_id = author;
      if (!r[0][3].is_null()) a.client_msg_id = r[0][3].as<std::string>();
      a.body = r[0][4].as<std::string>();
      if (!r[0][5].is_null()) a.reply_to = r[0][5].as<std::int64_t>();
      auto ev = roomlog::append_in(w, a, opts);
      if (!ev) {
        out.err = ev.err();
        return out;
      }
      w.exec_params("UPDATE held_posts SET seq = $2 WHERE id = $1", *hid, ev->seq);
      out.ev = std::move(*ev);
    } else {
      out.notes = tell(w, g, author,
                       {"Votre message n'a pas été publié dans « " + g.name + " ». N'hésitez pas à le reformuler.",
                        "Your post was not published in \"" + g.name + "\". Feel free to rephrase it."},
                       "reject_post");
    }
    w.commit();
    return out;
  };
  auto out = co_await db_.run(std::move(job));
  if (out.err) co_return fail(*out.err, req);
  publish_all(pub_, out.notes);
  if (!approve) co_return response::no_content();
  roomlog::publish(pub_, *out.ev);
  json::writer j;
  j.begin_object().key("event").raw(roomlog::event_json(*out.ev)).end_object();
  co_return response::json(200, j.release());
}

awaitable<response> community::list_audit(request& req) {
  auto who = co_await authenticate(db_, req);
  if (!who) co_return fail(who.err(), req);
  auto g = co_await moderated_group(db_, req, who->user_id);
  if (!g) co_return fail(g.err(), req);
  auto limit = limit_param(req, s_.page_default, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  auto before = query_id(req, "before");
  if (!before) co_return fail(before.err(), req);
  auto job = [gid = g->id, n = *limit, b = *before](pqxx::connection& c) {
    pqxx::work w(c);
    auto res = w.exec_params(
        "SELECT a.id, a.actor_id, coalesce(au.handle, ''), a.action, a.target_user_id, coalesce(tu.handle, ''), "
        "a.room, "
        "a.seq, a.reason, (extract(epoch FROM a.created_at) * 1000)::bigint FROM audit_log a "
        "LEFT JOIN users au ON au.id = a.actor_id LEFT JOIN users tu ON tu.id = a.target_user_id "
        "WHERE a.group_id = $1 AND ($2::bigint IS NULL OR a.id < $2) ORDER BY a.id DESC LIMIT $3",
        gid, b, n + 1);
    w.commit();
    return page_json("entries", res, n, [&](json::writer& j, const pqxx::row& r) {
      j.begin_object().field("id", r[0].as<std::int64_t>());
      j.key("actor");
      if (r[1].is_null())
        j.null();
      else
        j.begin_object().field("id", r[1].as<std::int64_t>()).field("handle", r[2].as<std::string>()).end_object();
      j.field("action", r[3].as<std::string>());
      j.key("target");
      if (r[4].is_null())
        j.null();
      else
        j.begin_object().field("id", r[4].as<std::int64_t>()).field("handle", r[5].as<std::string>()).end_object();
      j.key("room");
      if (r[6].is_null())
        j.null();
      else
        j.value(r[6].as<std::string>());
      j.key("seq");
      if (r[7].is_null())
        j.null();
      else
        j.value(r[7].as<std::int64_t>());
      j.field("reason", r[8].as<std::string>())
          .field("at", core::format_rfc3339_ms(r[9].as<std::int64_t>()))
          .end_object();
    });
  };
  co_return response::json(200, co_await db_.run(std::move(job)));
}

}  // namespace colibri::groups
