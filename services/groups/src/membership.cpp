// Membership: joining (open, on request with a motivation, by invitation),
// the moderators' queue, members and roles, leaving and removal.
#include <set>

#include "colibri/auth/token.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/log.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/groups/authn.hpp"
#include "colibri/groups/community.hpp"
#include "colibri/groups/validate.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/moderation/watched_words.hpp"
#include "common.hpp"
#include "community_shared.hpp"

namespace colibri::groups {

using namespace detail;

awaitable<response> community::join(request& req) {
  auto in = co_await caller_in_group(db_, req, &limits_, ratelimit::action::join);
  if (!in) co_return fail(in.err(), req);
  const auto& g = in->g;
  if (g.member()) co_return fail(already_member(), req);
  auto doc = json::body_object(req.body.empty() ? std::string_view("{}") : std::string_view(req.body));
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  // Platform admins enter directly (a new space has nobody to approve them yet).
  bool direct = g.join_policy == "open" || g.admin;
  auto motivation =
      f.text("motivation", direct || g.join_policy != "request" ? json::optional : json::required, 10, 2000);
  if (auto e = f.error()) co_return fail(*e, req);
  if (!direct && g.join_policy == "invite")
    co_return fail(core::error::make(core::errc::forbidden, core::message(core::msg::invitation_only)), req);
  if (g.pending_request_id)
    co_return fail(core::error::make(core::errc::conflict, core::message(core::msg::request_pending)), req);
  auto uid = in->who.user_id;
  struct joined {
    std::optional<core::error> err;
    std::vector<notify::notification> notes;
    std::int64_t request_id = 0;
    std::int64_t created_ms = 0;
    group_view g;
  };
  auto job = [g, uid, motivation, direct](pqxx::connection& c) {
    pqxx::work w(c);
    joined out;
    if (!holds_parent(w, g, uid)) {
      out.err = parent_first(name_of(w, g.parent_id));
      return out;
    }
    if (direct) {
      auto notes = add_member(w, g, uid);
      if (!notes) {
        out.err = already_member();
        return out;
      }
      out.notes = std::move(*notes);
      if (g.admin)  // the first owner of a group nobody runs yet
        w.exec_params(
            "UPDATE memberships SET role = 'owner' WHERE group_id = $1 AND user_id = $2 AND NOT EXISTS "
            "(SELECT 1 FROM memberships o WHERE o.group_id = $1 AND o.role = 'owner')",
            g.id, uid);
      out.g = load_group(w, g.id, uid);
    } else {
      try {
        pqxx::subtransaction s(w, "join_request");
        auto r = s.exec_params1(
            "INSERT INTO join_requests (group_id, user_id, motivation) VALUES ($1, $2, $3) "
            "RETURNING id, (extract(epoch FROM created_at) * 1000)::bigint",
            g.id, uid, *motivation);
        s.commit();
        out.request_id = r[0].as<std::int64_t>();
        out.created_ms = r[1].as<std::int64_t>();
      } catch (const pqxx::unique_violation&) {
        out.err = core::error::make(core::errc::conflict, core::message(core::msg::request_pending));
        return out;
      }
      auto handle = handle_of(w, uid);
      json::writer d;
      d.begin_object().field("group_id", g.id).field("request_id", out.request_id).field("user_id", uid).end_object();
      out.notes = notify::insert_for(w, moderation::moderators_of(w, g.id), "join_request",
                                     {"Nouvelle demande pour « " + g.name + " »", "New request for \"" + g.name + "\""},
                                     {handle + " demande à rejoindre le groupe.", handle + " asks to join the group."},
                                     d.release());
    }
    w.commit();
    return out;
  };
  auto out = co_await db_.run(std::move(job));
  if (out.err) co_return fail(*out.err, req);
  publish_all(pub_, out.notes);
  if (direct) {
    co_await announce(log_, g.id, uid, "join");
    co_return group_response(201, out.g);
  }
  json::writer w;
  w.begin_object().key("join_request").begin_object();
  w.field("id", out.request_id).field("group_id", g.id).field("state", "pending");
  w.field("created_at", core::format_rfc3339_ms(out.created_ms)).end_object().end_object();
  co_return response::json(202, w.release());
}

awaitable<response> community::list_join_requests(request& req) {
  auto in = co_await caller_in_group(db_, req);
  if (!in) co_return fail(in.err(), req);
  if (!in->g.moderator()) co_return fail(moderators_only(), req);
  auto state = req.query_param("state").value_or("pending");
  if (state != "pending" && state != "approved" && state != "rejected")
    co_return fail(core::error::validation("state", core::message(core::msg::bad_request_state)), req);
  auto limit = limit_param(req, s_.page_default, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  auto gid = in->g.id;
  auto job = [gid, st = std::string(state), n = *limit](pqxx::connection& c) {
    pqxx::work w(c);
    auto res = w.exec_params(
        "SELECT r.id, r.user_id, u.handle, r.motivation, r.state, coalesce(r.reason, ''), "
        "(extract(epoch FROM r.created_at) * 1000)::bigint FROM join_requests r JOIN users u ON u.id = r.user_id "
        "WHERE r.group_id = $1 AND r.state = $2 ORDER BY r.id LIMIT $3",
        gid, st, n + 1);
    w.commit();
    return page_json("join_requests", res, n, [&](json::writer& j, const pqxx::row& r) {
      j.begin_object().field("id", r[0].as<std::int64_t>());
      j.key("user")
          .begin_object()
          .field("id", r[1].as<std::int64_t>())
          .field("handle", r[2].as<std::string>())
          .end_object();
      j.field("motivation", r[3].as<std::string>()).field("state", r[4].as<std::string>());
      j.field("reason", r[5].as<std::string>());
      j.field("created_at", core::format_rfc3339_ms(r[6].as<std::int64_t>())).end_object();
    });
  };
  co_return response::json(200, co_await db_.run(std::move(job)));
}

awaitable<response> community::decide_join_request(request& req, bool approve) {
  auto in = co_await caller_in_group(db_, req, &limits_, ratelimit::action::edit);
  if (!in) co_return fail(in.err(), req);
  if (!in->g.moderator()) co_return fail(moderators_only(), req);
  auto rid = id_param(req, "rid");
  auto missing = not_found(core::message(core::msg::join_request_not_found));
  if (!rid) co_return fail(missing, req);
  auto doc = json::body_object(req.body.empty() ? std::string_view("{}") : std::string_view(req.body));
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto reason = f.text("reason", json::optional, 0, 2000);
  if (auto e = f.error()) co_return fail(*e, req);
  auto g = in->g;
  auto mod = in->who.user_id;
  struct decided {
    std::optional<core::error> err;
    std::vector<notify::notification> notes;
    std::int64_t user_id = 0;
  };
  auto job = [=](pqxx::connection& c) {
    pqxx::work w(c);
    decided out;
    auto r = w.exec_params(
        "UPDATE join_requests SET state = $3, reason = $4, decided_by = $5, decided_at = now() "
        "WHERE id = $1 AND group_id = $2 AND state = 'pending' RETURNING user_id",
        *rid, g.id, approve ? "approved" : "rejected", reason, mod);
    if (r.empty()) {
      out.err = missing;
      return out;
    }
    out.user_id = r[0][0].as<std::int64_t>();
    if (approve) {
      if (!holds_parent(w, g, out.user_id)) {
        out.err = core::error::make(core::errc::conflict, core::message(core::msg::left_parent_group));
        return out;
      }
      auto notes = add_member(w, g, out.user_id);
      if (notes) out.notes = std::move(*notes);
      audit(w, g.id, mod, "approve_join", out.user_id, std::nullopt, std::nullopt, reason.value_or(""));
    } else {
      json::writer d;
      d.begin_object().field("group_id", g.id).field("request_id", *rid).end_object();
      auto why = reason.value_or("");
      out.notes = notify::insert_for(w, {out.user_id}, "moderation",
                                     {"Votre demande pour « " + g.name + " »", "Your request for \"" + g.name + "\""},
                                     {"Votre demande n'a pas été acceptée." + (why.empty() ? "" : " Motif : " + why) +
                                          " Vous pouvez en refaire une quand vous le souhaitez.",
                                      "Your request was not accepted." + (why.empty() ? "" : " Reason: " + why) +
                                          " You may ask again whenever you wish."},
                                     d.release());
      audit(w, g.id, mod, "reject_join", out.user_id, std::nullopt, std::nullopt, why);
    }
    w.commit();
    return out;
  };
  auto out = co_await db_.run(std::move(job));
  if (out.err) co_return fail(*out.err, req);
  publish_all(pub_, out.notes);
  if (approve) co_await announce(log_, g.id, out.user_id, "join");
  co_return response::no_content();
}

awaitable<response> community::create_invitation(request& req) {
  auto in = co_await caller_in_group(db_, req, &limits_, ratelimit::action::create);
  if (!in) co_return fail(in.err(), req);
  if (!in->g.moderator()) co_return fail(moderators_only(), req);
  auto doc = json::body_object(req.body.empty() ? std::string_view("{}") : std::string_view(req.body));
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto email = f.text("email", json::optional, 3, 254);
  if (auto e = f.error()) co_return fail(*e, req);
  auto code = auth::new_token();
  auto gid = in->g.id;
  auto uid = in->who.user_id;
  auto ttl = s_.invitation_ttl;
  auto job = [=, hash = auth::token_hash(code)](pqxx::connection& c) {
    pqxx::work w(c);
    auto r = w.exec_params1(
        "INSERT INTO invitations (group_id, code_hash, email, created_by, expires_at) "
        "VALUES ($1, $2, $3, $4, now() + make_interval(hours => $5)) "
        "RETURNING (extract(epoch FROM expires_at) * 1000)::bigint",
        gid, hash, email, uid, static_cast<int>(ttl.count()));
    audit(w, gid, uid, "invite", std::nullopt, std::nullopt, std::nullopt, "");
    w.commit();
    return r[0].as<std::int64_t>();
  };
  auto expires = co_await db_.run(std::move(job));
  json::writer w;
  w.begin_object().key("invitation").begin_object().field("code", code).field("group_id", gid);
  w.field("expires_at", core::format_rfc3339_ms(expires)).end_object().end_object();
  co_return response::json(201, w.release());
}

awaitable<response> community::accept_invitation(request& req) {
  auto who = co_await authenticate(db_, req, limits_, ratelimit::action::join);
  if (!who) co_return fail(who.err(), req);
  auto code = std::string(req.param("code"));
  if (!auth::plausible_token(code)) co_return fail(invitation_invalid(), req);
  auto uid = who->user_id;
  auto job = [uid, code](pqxx::connection& c) -> core::result<invitation_accepted> {
    pqxx::work w(c);
    auto out = use_invitation(w, uid, code);
    if (out) w.commit();
    return out;
  };
  auto out = co_await db_.run(std::move(job));
  if (!out) co_return fail(out.err(), req);
  publish_all(pub_, out->notes);
  co_await announce(log_, out->g.id, uid, "join");
  co_return group_response(201, out->g);
}

awaitable<response> community::list_members(request& req) {
  auto in = co_await caller_in_group(db_, req);
  if (!in) co_return fail(in.err(), req);
  if (!in->g.member()) co_return fail(members_only(), req);
  auto limit = limit_param(req, s_.page_default, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  auto after = query_id(req, "after");
  if (!after) co_return fail(after.err(), req);
  auto gid = in->g.id;
  bool mod = in->g.moderator();
  auto job = [gid, mod, n = *limit, a = after->value_or(0)](pqxx::connection& c) {
    pqxx::work w(c);
    auto res = w.exec_params(
        "SELECT u.id, u.handle, m.role, (extract(epoch FROM m.joined_at) * 1000)::bigint, "
        "(extract(epoch FROM m.muted_until) * 1000)::bigint FROM memberships m JOIN users u ON u.id = m.user_id "
        "WHERE m.group_id = $1 AND u.id > $2 ORDER BY u.id LIMIT $3",
        gid, a, n + 1);
    w.commit();
    return page_json("members", res, n, [&](json::writer& j, const pqxx::row& r) {
      j.begin_object().field("user_id", r[0].as<std::int64_t>()).field("handle", r[1].as<std::string>());
      j.field("role", r[2].as<std::string>()).field("joined_at", core::format_rfc3339_ms(r[3].as<std::int64_t>()));
      if (mod && !r[4].is_null()) j.field("muted_until", core::format_rfc3339_ms(r[4].as<std::int64_t>()));
      j.end_object();
    });
  };
  co_return response::json(200, co_await db_.run(std::move(job)));
}

awaitable<response> community::set_role(request& req) {
  auto in = co_await caller_in_group(db_, req, &limits_, ratelimit::action::edit);
  if (!in) co_return fail(in.err(), req);
  if (in->g.role != "owner" && !in->g.admin)
    co_return fail(core::error::make(core::errc::forbidden, core::message(core::msg::owners_only)), req);
  auto target = id_param(req, "uid");
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto role = f.text("role", json::required, 1, 16);
  check_choice(f, "role", role, std::set<std::string>{"member", "moderator", "owner"});
  if (auto e = f.error()) co_return fail(*e, req);
  auto missing = not_found(core::message(core::msg::not_a_member));
  if (!target) co_return fail(missing, req);
  auto gid = in->g.id;
  auto actor = in->who.user_id;
  auto job = [=](pqxx::connection& c) -> std::optional<core::error> {
    pqxx::work w(c);
    auto r = w.exec_params("UPDATE memberships SET role = $3 WHERE group_id = $1 AND user_id = $2 RETURNING 1", gid,
                           *target, *role);
    if (r.empty()) return missing;
    if (w.exec_params1("SELECT count(*) FROM memberships WHERE group_id = $1 AND role = 'owner'", gid)[0].as<int>() ==
        0)
      return core::error::make(core::errc::conflict, core::message(core::msg::last_owner));
    audit(w, gid, actor, "set_role:" + *role, *target, std::nullopt, std::nullopt, "");
    w.commit();
    return std::nullopt;
  };
  if (auto e = co_await db_.run(std::move(job))) co_return fail(*e, req);
  co_return response::no_content();
}

awaitable<response> community::remove_member(request& req) {
  auto in = co_await caller_in_group(db_, req, &limits_, ratelimit::action::join);
  if (!in) co_return fail(in.err(), req);
  bool leaving = req.param("uid") == "me";
  auto target = leaving ? std::optional<std::int64_t>(in->who.user_id) : id_param(req, "uid");
  auto missing = not_found(core::message(core::msg::not_a_member));
  if (!target) co_return fail(missing, req);
  if (*target == in->who.user_id) leaving = true;
  if (!leaving && !in->g.moderator()) co_return fail(moderators_only(), req);
  auto gid = in->g.id;
  auto actor = in->who.user_id;
  auto job = [=](pqxx::connection& c) -> std::optional<core::error> {
    pqxx::work w(c);
    if (!leaving)
      if (auto e = may_act_on(w, gid, actor, *target)) return e;
    if (role_in(w, gid, *target).empty()) return missing;
    if (auto e = keeps_an_owner(w, gid, *target)) return e;
    remove_from_subtree(w, gid, *target);
    if (!leaving) audit(w, gid, actor, "remove", *target, std::nullopt, std::nullopt, "");
    w.commit();
    return std::nullopt;
  };
  if (auto e = co_await db_.run(std::move(job))) co_return fail(*e, req);
  // Open sockets lose the group's rooms at the gateways' next re-check (at most 5 s).
  co_await announce(log_, gid, *target, "leave");
  co_return response::no_content();
}

}  // namespace colibri::groups
