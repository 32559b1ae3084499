// Membership: joining (open, on request with a motivation, by invitation),
// the moderators' queue, members and roles, leaving and removal.
#include <set>

#include "api.hpp"
#include "colibri/auth/token.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/log.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/groups/authn.hpp"
#include "colibri/groups/community.hpp"
#include "colibri/groups/validate.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/moderation/watched_words.hpp"
#include "community_shared.hpp"
#include "errors.hpp"
#include "joining.hpp"
#include "meetings_shared.hpp"
#include "params.hpp"
#include "repo/audit.hpp"
#include "repo/directory.hpp"
#include "repo/groups.hpp"
#include "repo/memberships.hpp"
#include "repo/users.hpp"
#include "views.hpp"

namespace colibri::groups {

using namespace detail;

awaitable<response> groups_api::join(request& req, const caller& who) {
  auto in = co_await caller_in_group(db_, req, who);
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
  // A professional's referral code ("hold"): counted, never kept with the request.
  auto referral = f.text("referral_code", json::optional, 4, 40);
  if (auto e = f.error()) co_return fail(*e, req);
  if (!direct && g.join_policy == "invite") co_return fail(forbidden(core::msg::invitation_only), req);
  if (g.pending_request_id) co_return fail(conflict(core::msg::request_pending), req);
  auto uid = in->who.user_id;
  struct joined {
    std::optional<core::error> err;
    std::vector<notify::notification> notes;
    std::int64_t request_id = 0;
    std::int64_t created_ms = 0;
    group_view g;
  };
  auto job = [g, uid, motivation, direct, referral](pqxx::work& w) {
    joined out;
    if (!holds_parent(w, g, uid)) {
      out.err = parent_first(repo::name_of(w, g.parent_id));
      return out;
    }
    if (referral && !repo::use_referral_code(w, g.id, *referral)) {
      out.err = core::error::validation("referral_code", core::message(core::msg::referral_code_invalid));
      return out;
    }
    if (direct) {
      auto notes = add_member(w, g, uid);
      if (!notes) {
        out.err = already_member();
        return out;
      }
      out.notes = std::move(*notes);
      if (g.admin) repo::claim_first_owner(w, g.id, uid);  // the first owner of a group nobody runs yet
      out.g = repo::load_group(w, g.id, uid);
    } else {
      auto r = repo::insert_join_request(w, g.id, uid, *motivation);
      if (!r) {
        out.err = conflict(core::msg::request_pending);
        return out;
      }
      out.request_id = r->id;
      out.created_ms = r->created_ms;
      auto handle = repo::handle_of(w, uid);
      json::writer d;
      d.begin_object().field("group_id", g.id).field("request_id", out.request_id).field("user_id", uid).end_object();
      out.notes =
          notify::insert_for(w, moderation::moderators_of(w, g.id), "join_request",
                             core::message(core::msg::note_join_request, {{"group", g.name}}),
                             core::message(core::msg::note_join_request_body, {{"handle", handle}}), d.release());
    }
    return out;
  };
  auto out = co_await db_.transact(std::move(job));
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

awaitable<response> groups_api::list_join_requests(request& req, const caller& who) {
  auto in = co_await caller_in_group(db_, req, who);
  if (!in) co_return fail(in.err(), req);
  if (!in->g.moderator()) co_return fail(moderators_only(), req);
  auto state = req.query_param("state").value_or("pending");
  if (state != "pending" && state != "approved" && state != "rejected")
    co_return fail(core::error::validation("state", core::message(core::msg::bad_request_state)), req);
  auto limit = limit_param(req, s_.page_default, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  auto gid = in->g.id;
  auto job = [gid, st = std::string(state), n = *limit](pqxx::nontransaction& w) {
    return repo::list_join_requests(w, gid, st, n + 1);
  };
  auto rows = co_await db_.read(std::move(job));
  co_return response::json(200, page_json("join_requests", rows, *limit, [](json::writer& j, const auto& r) {
                             j.begin_object().field("id", r.id);
                             j.key("user").begin_object().field("id", r.user_id).field("handle", r.handle).end_object();
                             j.field("motivation", r.motivation).field("state", r.state).field("reason", r.reason);
                             j.field("created_at", core::format_rfc3339_ms(r.created_ms)).end_object();
                           }));
}

awaitable<response> groups_api::decide_join_request(request& req, const caller& who, bool approve) {
  auto in = co_await caller_in_group(db_, req, who);
  if (!in) co_return fail(in.err(), req);
  if (!in->g.moderator()) co_return fail(moderators_only(), req);
  auto rid = id_param(req, "rid");
  auto missing = not_found(core::msg::join_request_not_found);
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
  auto job = [=](pqxx::work& w) {
    decided out;
    auto decided = repo::decide_join_request(w, *rid, g.id, approve, reason, mod);
    if (!decided) {
      out.err = missing;
      return out;
    }
    out.user_id = *decided;
    if (approve) {
      if (!holds_parent(w, g, out.user_id)) {
        out.err = conflict(core::msg::left_parent_group);
        return out;
      }
      auto notes = add_member(w, g, out.user_id);
      if (notes) out.notes = std::move(*notes);
      repo::audit(w, g.id, mod, "approve_join", out.user_id, std::nullopt, std::nullopt, reason.value_or(""));
    } else {
      json::writer d;
      d.begin_object().field("group_id", g.id).field("request_id", *rid).end_object();
      auto why = reason.value_or("");
      out.notes = notify::insert_for(
          w, {out.user_id}, "moderation", core::message(core::msg::note_request_declined, {{"group", g.name}}),
          why.empty() ? core::message(core::msg::note_request_declined_body)
                      : core::message(core::msg::note_request_declined_because, {{"reason", why}}),
          d.release());
      repo::audit(w, g.id, mod, "reject_join", out.user_id, std::nullopt, std::nullopt, why);
    }
    return out;
  };
  auto out = co_await db_.transact(std::move(job));
  if (out.err) co_return fail(*out.err, req);
  publish_all(pub_, out.notes);
  if (approve) co_await announce(log_, g.id, out.user_id, "join");
  co_return response::no_content();
}

awaitable<response> groups_api::create_invitation(request& req, const caller& who) {
  auto in = co_await caller_in_group(db_, req, who);
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
  auto job = [=, hash = auth::token_hash(code)](pqxx::work& w) {
    auto expires = repo::insert_invitation(w, gid, hash, email, uid, ttl);
    repo::audit(w, gid, uid, "invite", std::nullopt, std::nullopt, std::nullopt, "");
    return expires;
  };
  auto expires = co_await db_.transact(std::move(job));
  json::writer w;
  w.begin_object().key("invitation").begin_object().field("code", code).field("group_id", gid);
  w.field("expires_at", core::format_rfc3339_ms(expires)).end_object().end_object();
  co_return response::json(201, w.release());
}

awaitable<response> groups_api::accept_invitation(request& req, const caller& who) {
  auto code = std::string(req.param("code"));
  if (!auth::plausible_token(code)) co_return fail(invitation_invalid(), req);
  auto uid = who.user_id;
  auto job = [uid, code](pqxx::work& w) { return use_invitation(w, uid, code); };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  publish_all(pub_, out->notes);
  co_await announce(log_, out->g.id, uid, "join");
  co_return group_response(201, out->g);
}

awaitable<response> groups_api::list_members(request& req, const caller& who) {
  auto in = co_await caller_in_group(db_, req, who);
  if (!in) co_return fail(in.err(), req);
  if (!in->g.member()) co_return fail(members_only(), req);
  auto limit = limit_param(req, s_.page_default, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  auto after = query_id(req, "after");
  if (!after) co_return fail(after.err(), req);
  auto gid = in->g.id;
  bool mod = in->g.moderator();
  // Professional profiles are shown in professional groups only.
  bool pro = in->g.kind == "professional";
  auto job = [gid, n = *limit, a = after->value_or(0), pro](pqxx::nontransaction& w) {
    return repo::list_members(w, gid, a, n + 1, pro);
  };
  auto rows = co_await db_.read(std::move(job));
  co_return response::json(200, page_json("members", rows, *limit, [mod](json::writer& j, const auto& r) {
                             j.begin_object().field("user_id", r.user_id).field("handle", r.handle);
                             j.field("role", r.role).field("joined_at", core::format_rfc3339_ms(r.joined_ms));
                             if (mod && r.muted_until_ms)
                               j.field("muted_until", core::format_rfc3339_ms(*r.muted_until_ms));
                             write_professional_card(j, r.profession, r.organisation, r.department);
                             j.end_object();
                           }));
}

awaitable<response> groups_api::set_role(request& req, const caller& who) {
  auto in = co_await caller_in_group(db_, req, who);
  if (!in) co_return fail(in.err(), req);
  if (in->g.role != "owner" && !in->g.admin) co_return fail(forbidden(core::msg::owners_only), req);
  auto target = id_param(req, "uid");
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto role = f.text("role", json::required, 1, 16);
  check_choice(f, "role", role, std::set<std::string>{"member", "moderator", "owner"});
  if (auto e = f.error()) co_return fail(*e, req);
  auto missing = not_found(core::msg::not_a_member);
  if (!target) co_return fail(missing, req);
  auto gid = in->g.id;
  auto actor = in->who.user_id;
  auto job = [=](pqxx::work& w) -> std::optional<core::error> {
    if (!repo::set_role(w, gid, *target, *role)) return missing;
    if (repo::owner_count(w, gid) == 0) return last_owner();
    repo::audit(w, gid, actor, "set_role:" + *role, *target, std::nullopt, std::nullopt, "");
    return std::nullopt;
  };
  if (auto e = co_await db_.transact(std::move(job))) co_return fail(*e, req);
  co_return response::no_content();
}

awaitable<response> groups_api::remove_member(request& req, const caller& who) {
  auto in = co_await caller_in_group(db_, req, who);
  if (!in) co_return fail(in.err(), req);
  bool leaving = req.param("uid") == "me";
  auto target = leaving ? std::optional<std::int64_t>(in->who.user_id) : id_param(req, "uid");
  auto missing = not_found(core::msg::not_a_member);
  if (!target) co_return fail(missing, req);
  if (*target == in->who.user_id) leaving = true;
  if (!leaving && !in->g.moderator()) co_return fail(moderators_only(), req);
  auto gid = in->g.id;
  auto actor = in->who.user_id;
  struct outcome {
    std::optional<core::error> err;
    std::vector<notify::notification> notes;
  };
  auto job = [=](pqxx::work& w) -> outcome {
    if (!leaving)
      if (auto e = may_act_on(w, gid, actor, *target)) return {e, {}};
    if (repo::role_in(w, gid, *target).empty()) return {missing, {}};
    if (auto e = keeps_an_owner(w, gid, *target)) return {e, {}};
    repo::remove_from_subtree(w, gid, *target);
    if (!leaving) repo::audit(w, gid, actor, "remove", *target, std::nullopt, std::nullopt, "");
    // Seats held in meetings they no longer see go to the waiting lists.
    return {std::nullopt, release_seats(w, *target, true)};
  };
  auto out = co_await db_.transact(std::move(job));
  if (out.err) co_return fail(*out.err, req);
  publish_all(pub_, out.notes);
  // Open sockets lose the group's rooms at the gateways' next re-check (at most 5 s).
  co_await announce(log_, gid, *target, "leave");
  co_return response::no_content();
}

}  // namespace colibri::groups
