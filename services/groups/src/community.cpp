// Groups and membership: the group tree, joining with a motivation, the
// moderators' queue, invitations, members and roles, and the welcome ritual.
#include "colibri/groups/community.hpp"

#include <set>

#include "colibri/auth/token.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/log.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/groups/authn.hpp"
#include "colibri/groups/validate.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/moderation/watched_words.hpp"
#include "common.hpp"
#include "community_shared.hpp"

namespace colibri::groups {

using namespace detail;

community_settings read_community_settings(core::config& cfg) {
  community_settings s;
  s.invitation_ttl = std::chrono::hours(cfg.integer("COLIBRI_INVITATION_TTL_HOURS", 24 * 14, 1, 24 * 365));
  return s;
}

community::community(pg::pool& db, redis::publisher& pub, std::shared_ptr<roomlog::room_log> log,
                     ratelimit::limiter& limits, community_settings s)
    : db_(db), pub_(pub), log_(std::move(log)), limits_(limits), s_(s) {}

void community::add_routes(http::router& r) {
  r.get("/api/v1/groups", [this](request& q) { return list_groups(q); });
  r.post("/api/v1/groups", [this](request& q) { return create_group(q); });
  r.get("/api/v1/groups/{id}", [this](request& q) { return get_group(q); });
  r.patch("/api/v1/groups/{id}", [this](request& q) { return patch_group(q); });
  r.post("/api/v1/groups/{id}/join", [this](request& q) { return join(q); });
  r.get("/api/v1/groups/{id}/join-requests", [this](request& q) { return list_join_requests(q); });
  r.post("/api/v1/groups/{id}/join-requests/{rid}/approve",
         [this](request& q) { return decide_join_request(q, true); });
  r.post("/api/v1/groups/{id}/join-requests/{rid}/reject",
         [this](request& q) { return decide_join_request(q, false); });
  r.post("/api/v1/groups/{id}/invitations", [this](request& q) { return create_invitation(q); });
  r.post("/api/v1/invitations/{code}/accept", [this](request& q) { return accept_invitation(q); });
  r.get("/api/v1/groups/{id}/members", [this](request& q) { return list_members(q); });
  r.put("/api/v1/groups/{id}/members/{uid}", [this](request& q) { return set_role(q); });
  r.del("/api/v1/groups/{id}/members/{uid}", [this](request& q) { return remove_member(q); });

  r.get("/api/v1/groups/{id}/threads", [this](request& q) { return list_threads(q); });
  r.post("/api/v1/groups/{id}/threads", [this](request& q) { return create_thread(q); });
  r.post("/api/v1/threads/{tid}/lock", [this](request& q) { return thread_flag(q, "locked", true, "lock_thread"); });
  r.post("/api/v1/threads/{tid}/unlock",
         [this](request& q) { return thread_flag(q, "locked", false, "unlock_thread"); });
  r.post("/api/v1/threads/{tid}/pin", [this](request& q) { return thread_flag(q, "pinned", true, "pin_thread"); });
  r.post("/api/v1/threads/{tid}/unpin", [this](request& q) { return thread_flag(q, "pinned", false, "unpin_thread"); });
  r.get("/api/v1/rooms/{room}/events", [this](request& q) { return list_events(q); });
  r.post("/api/v1/rooms/{room}/events", [this](request& q) { return post_event(q); });
  r.post("/api/v1/conversations", [this](request& q) { return create_conversation(q); });
  r.get("/api/v1/conversations", [this](request& q) { return list_conversations(q); });
  r.put("/api/v1/blocks/{uid}", [this](request& q) { return block_user(q, true); });
  r.del("/api/v1/blocks/{uid}", [this](request& q) { return block_user(q, false); });

  r.post("/api/v1/reports", [this](request& q) { return create_report(q); });
  r.get("/api/v1/groups/{id}/reports", [this](request& q) { return list_reports(q); });
  r.post("/api/v1/reports/{rid}/resolve", [this](request& q) { return resolve_report(q); });
  r.post("/api/v1/groups/{id}/mutes", [this](request& q) { return mute(q); });
  r.del("/api/v1/groups/{id}/mutes/{uid}", [this](request& q) { return unmute(q); });
  r.put("/api/v1/groups/{id}/watched-words", [this](request& q) { return put_watched_words(q); });
  r.get("/api/v1/groups/{id}/watched-words", [this](request& q) { return get_watched_words(q); });
  r.get("/api/v1/groups/{id}/held-posts", [this](request& q) { return list_held(q); });
  r.post("/api/v1/held-posts/{hid}/approve", [this](request& q) { return decide_held(q, true); });
  r.post("/api/v1/held-posts/{hid}/reject", [this](request& q) { return decide_held(q, false); });
  r.get("/api/v1/groups/{id}/audit", [this](request& q) { return list_audit(q); });

  r.get("/api/v1/badges", [this](request& q) { return badge_catalogue(q); });
  r.get("/api/v1/me/badges", [this](request& q) { return my_badges(q); });
  r.get("/api/v1/users/{uid}/badges", [this](request& q) { return user_badges(q); });
  r.get("/api/v1/groups/{id}/celebrations", [this](request& q) { return celebrations(q); });
  r.post("/api/v1/celebrations/{cid}/congratulated", [this](request& q) { return congratulated(q); });
  r.get("/api/v1/groups/{id}/scheduled-posts", [this](request& q) { return list_scheduled_posts(q); });
  r.post("/api/v1/groups/{id}/scheduled-posts", [this](request& q) { return create_scheduled_post(q); });
  r.patch("/api/v1/scheduled-posts/{pid}", [this](request& q) { return edit_scheduled_post(q); });
  r.del("/api/v1/scheduled-posts/{pid}", [this](request& q) { return delete_scheduled_post(q); });

  r.get("/api/v1/notifications", [this](request& q) { return list_notifications(q); });
  r.post("/api/v1/notifications/read", [this](request& q) { return read_notifications(q); });
  r.get("/api/v1/me/export", [this](request& q) { return export_me(q); });
}

namespace detail {

awaitable<core::result<in_group>> caller_in_group(pg::pool& db, const request& req, ratelimit::limiter* limits,
                                                  ratelimit::action a) {
  core::result<caller> who;
  if (limits)
    who = co_await authenticate(db, req, *limits, a);
  else
    who = co_await authenticate(db, req);
  if (!who) co_return who.err();
  auto gid = id_param(req, "id");
  if (!gid) co_return group_not_found();
  auto uid = who->user_id;
  auto job = [gid = *gid, uid](pqxx::connection& c) {
    pqxx::work w(c);
    auto g = load_group(w, gid, uid);
    w.commit();
    return g;
  };
  auto g = co_await db.run(std::move(job));
  if (!g.visible()) co_return group_not_found();
  co_return in_group{*who, std::move(g)};
}

const std::set<std::string>& policies() {
  static const std::set<std::string> s{"open", "request", "invite"};
  return s;
}
const std::set<std::string>& visibilities() {
  static const std::set<std::string> s{"listed", "hidden"};
  return s;
}

void check_choice(json::fields& f, std::string_view key, const std::optional<std::string>& v,
                  const std::set<std::string>& allowed) {
  if (!v || allowed.count(*v)) return;
  std::string list;
  for (auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  f.fail(key,
         {"Valeur non reconnue ; valeurs possibles : " + list + ".", "Unknown value; possible values: " + list + "."});
}

}  // namespace detail

awaitable<response> community::list_groups(request& req) {
  auto who = co_await authenticate(db_, req);
  if (!who) co_return fail(who.err(), req);
  auto limit = limit_param(req, s_.page_default, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  auto after = query_id(req, "after");
  if (!after) co_return fail(after.err(), req);
  auto uid = who->user_id;
  auto job = [uid, n = *limit, a = after->value_or(0)](pqxx::connection& c) {
    pqxx::work w(c);
    auto gs = visible_groups(w, uid, a, n + 1);
    w.commit();
    return gs;
  };
  auto gs = co_await db_.run(std::move(job));
  bool more = static_cast<int>(gs.size()) > *limit;
  if (more) gs.pop_back();
  json::writer w;
  w.begin_object().key("groups").begin_array();
  for (const auto& g : gs) write_group(w, g);
  w.end_array().field("has_more", more).end_object();
  co_return response::json(200, w.release());
}

awaitable<response> community::get_group(request& req) {
  auto in = co_await caller_in_group(db_, req);
  if (!in) co_return fail(in.err(), req);
  co_return group_response(200, in->g);
}

awaitable<response> community::create_group(request& req) {
  auto who = co_await authenticate(db_, req, limits_, ratelimit::action::create);
  if (!who) co_return fail(who.err(), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto name = f.text("name", json::required, 1, 100);
  auto description = f.text("description", json::optional, 0, 4000);
  auto rules = f.text("rules", json::optional, 0, k_max_rules);
  auto parent = f.integer("parent_id", json::optional, 1, k_max_id);
  auto policy = f.text("join_policy", json::required, 1, 16);
  auto visibility = f.text("visibility", json::required, 1, 16);
  check_choice(f, "join_policy", policy, policies());
  check_choice(f, "visibility", visibility, visibilities());
  if (auto e = f.error()) co_return fail(*e, req);

  auto uid = who->user_id;
  auto job = [=, d = description.value_or(""),
              r = rules.value_or("")](pqxx::connection& c) -> core::result<group_view> {
    pqxx::work w(c);
    bool admin = w.exec_params1("SELECT is_admin FROM users WHERE id = $1", uid)[0].as<bool>();
    if (parent) {
      auto p = load_group(w, *parent, uid);
      if (!p.visible())
        return core::error::make(core::errc::not_found, core::message(core::msg::parent_not_found), "parent_id");
      if (!p.moderator() && !admin) return moderators_only();
    } else if (!admin) {
      return core::error::make(core::errc::forbidden, core::message(core::msg::admins_create_spaces));
    }
    auto id = w.exec_params1(
                   "INSERT INTO groups (parent_id, name, description, rules, join_policy, visibility) "
                   "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                   parent, *name, d, r, *policy, *visibility)[0]
                  .as<std::int64_t>();
    w.exec_params("INSERT INTO memberships (group_id, user_id, role) VALUES ($1, $2, 'owner')", id, uid);
    audit(w, id, uid, "create_group", std::nullopt, std::nullopt, std::nullopt, "");
    auto g = load_group(w, id, uid);
    w.commit();
    return g;
  };
  auto out = co_await db_.run(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return group_response(201, *out);
}

awaitable<response> community::patch_group(request& req) {
  auto in = co_await caller_in_group(db_, req, &limits_, ratelimit::action::edit);
  if (!in) co_return fail(in.err(), req);
  if (!in->g.moderator() && !in->g.admin) co_return fail(moderators_only(), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto name = f.text("name", json::optional, 1, 100);
  auto description = f.text("description", json::optional, 0, 4000);
  auto rules = f.text("rules", json::optional, 0, k_max_rules);
  auto policy = f.text("join_policy", json::optional, 1, 16);
  auto visibility = f.text("visibility", json::optional, 1, 16);
  auto welcome_group = f.integer("welcome_group_id", json::optional, 1, k_max_id);
  auto timezone = f.text("timezone", json::optional, 1, 64);
  // "HH:MM": one post a day listing today's celebrated; null: none.
  bool set_celebrations = f.has("celebrations_post_at");
  auto celebrations_at = f.text("celebrations_post_at", json::optional, 5, 5);
  check_choice(f, "join_policy", policy, policies());
  check_choice(f, "visibility", visibility, visibilities());
  if (timezone) check_timezone(f, "timezone", *timezone);
  if (celebrations_at) check_local_time(f, "celebrations_post_at", *celebrations_at);
  if (auto e = f.error()) co_return fail(*e, req);
  // Who may see and enter a group is the owners' decision.
  if ((policy || visibility) && in->g.role != "owner" && !in->g.admin)
    co_return fail(core::error::make(core::errc::forbidden, core::message(core::msg::owners_change_access),
                                     policy ? "join_policy" : "visibility"),
                   req);
  auto gid = in->g.id;
  auto uid = in->who.user_id;
  auto job = [=](pqxx::connection& c) -> core::result<group_view> {
    pqxx::work w(c);
    // The welcome team is a group the moderator moderates, in the same space:
    // its members are told of each newcomer.
    if (welcome_group) {
      auto team = load_group(w, *welcome_group, uid);
      auto bad = [](core::text t) {
        return core::error::make(core::errc::forbidden, std::move(t), "welcome_group_id");
      };
      if (!team.visible())
        return core::error::make(core::errc::not_found, core::message(core::msg::group_not_found), "welcome_group_id");
      if (!team.moderator() && !team.admin) return bad(core::message(core::msg::welcome_team_moderated));
      if (space_of(w, *welcome_group) != space_of(w, gid))
        return bad(core::message(core::msg::welcome_team_same_space));
    }
    w.exec_params(
        "UPDATE groups SET name = coalesce($2, name), description = coalesce($3, description), "
        "rules = coalesce($4, rules), join_policy = coalesce($5, join_policy), "
        "visibility = coalesce($6, visibility), welcome_group_id = coalesce($7, welcome_group_id), "
        "timezone = coalesce($8, timezone), "
        "celebrations_post_at = CASE WHEN $9 THEN $10::time ELSE celebrations_post_at END WHERE id = $1",
        gid, name, description, rules, policy, visibility, welcome_group, timezone, set_celebrations, celebrations_at);
    audit(w, gid, uid, "update_group", std::nullopt, std::nullopt, std::nullopt, "");
    auto g = load_group(w, gid, uid);
    w.commit();
    return g;
  };
  auto out = co_await db_.run(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return group_response(200, *out);
}

}  // namespace colibri::groups
