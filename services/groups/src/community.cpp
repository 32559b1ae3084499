// Groups and membership: the group tree, joining with a motivation, the
// moderators' queue, invitations, members and roles, and the welcome ritual.
#include "colibri/groups/community.hpp"

#include <set>

#include "api.hpp"
#include "colibri/auth/token.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/log.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/groups/authn.hpp"
#include "colibri/groups/validate.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/moderation/watched_words.hpp"
#include "colibri/push/webpush.hpp"
#include "community_shared.hpp"
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

void groups_api::add_routes(http::router& r) {
  using ratelimit::action;
  r.get("/api/v1/groups", signed_in(db_, member(this, &groups_api::list_groups)));
  r.post("/api/v1/groups", signed_in(db_, limits_, action::create, member(this, &groups_api::create_group)));
  r.get("/api/v1/groups/{id}", signed_in(db_, member(this, &groups_api::get_group)));
  r.patch("/api/v1/groups/{id}", signed_in(db_, limits_, action::edit, member(this, &groups_api::patch_group)));
  r.post("/api/v1/groups/{id}/join", signed_in(db_, limits_, action::join, member(this, &groups_api::join)));
  r.get("/api/v1/groups/{id}/join-requests", signed_in(db_, member(this, &groups_api::list_join_requests)));
  r.post("/api/v1/groups/{id}/join-requests/{rid}/approve",
         signed_in(db_, limits_, action::edit, member(this, &groups_api::decide_join_request, true)));
  r.post("/api/v1/groups/{id}/join-requests/{rid}/reject",
         signed_in(db_, limits_, action::edit, member(this, &groups_api::decide_join_request, false)));
  r.post("/api/v1/groups/{id}/invitations",
         signed_in(db_, limits_, action::create, member(this, &groups_api::create_invitation)));
  r.post("/api/v1/invitations/{code}/accept",
         signed_in(db_, limits_, action::join, member(this, &groups_api::accept_invitation)));
  r.get("/api/v1/groups/{id}/members", signed_in(db_, member(this, &groups_api::list_members)));
  r.put("/api/v1/groups/{id}/members/{uid}",
        signed_in(db_, limits_, action::edit, member(this, &groups_api::set_role)));
  r.del("/api/v1/groups/{id}/members/{uid}",
        signed_in(db_, limits_, action::join, member(this, &groups_api::remove_member)));
}

community_settings read_community_settings(core::config& cfg) {
  community_settings s;
  s.invitation_ttl = std::chrono::hours(cfg.integer("COLIBRI_INVITATION_TTL_HOURS", 24 * 14, 1, 24 * 365));
  s.public_url = cfg.str("COLIBRI_PUBLIC_URL", s.public_url);
  while (!s.public_url.empty() && s.public_url.back() == '/') s.public_url.pop_back();
  std::string services;
  for (const auto& o : push::default_services()) services += (services.empty() ? "" : ",") + o;
  s.push_services = cfg.list("COLIBRI_PUSH_SERVICES", services);
  s.search_common_matches = static_cast<double>(cfg.integer("COLIBRI_SEARCH_COMMON_MATCHES", 5000, 0, 1000000000));
  s.upload_limit = static_cast<std::uint64_t>(
      cfg.integer("COLIBRI_UPLOAD_LIMIT_BYTES", static_cast<std::int64_t>(s.upload_limit), 1024, 1LL << 30));
  return s;
}

// The resources share one context, which outlives them.
struct community::apis {
  explicit apis(api_context c)
      : ctx(std::move(c)),
        groups(ctx),
        rooms(ctx),
        moderation(ctx),
        badges(ctx),
        scheduled_posts(ctx),
        me(ctx),
        meetings(ctx),
        documents(ctx),
        watch(ctx),
        directory(ctx),
        intervision(ctx),
        search(ctx),
        push(ctx) {}
  api_context ctx;
  groups_api groups;
  rooms_api rooms;
  moderation_api moderation;
  badges_api badges;
  scheduled_posts_api scheduled_posts;
  me_api me;
  meetings_api meetings;
  documents_api documents;
  watch_api watch;
  directory_api directory;
  intervision_api intervision;
  search_api search;
  push_api push;
};

community::community(pg::pool& db, redis::publisher& pub, std::shared_ptr<roomlog::room_log> log,
                     ratelimit::limiter& limits, community_settings s)
    : apis_(std::make_unique<apis>(api_context{db, pub, std::move(log), limits, s})) {}

community::~community() = default;

void community::add_routes(http::router& r) {
  apis_->groups.add_routes(r);
  apis_->rooms.add_routes(r);
  apis_->moderation.add_routes(r);
  apis_->badges.add_routes(r);
  apis_->scheduled_posts.add_routes(r);
  apis_->me.add_routes(r);
  apis_->meetings.add_routes(r);
  apis_->documents.add_routes(r);
  apis_->watch.add_routes(r);
  apis_->directory.add_routes(r);
  apis_->intervision.add_routes(r);
  apis_->search.add_routes(r);
  apis_->push.add_routes(r);
}

namespace detail {

awaitable<core::result<in_group>> caller_in_group(pg::pool& db, const request& req, const caller& who) {
  auto gid = id_param(req, "id");
  if (!gid) co_return group_not_found();
  auto job = [gid = *gid, uid = who.user_id](pqxx::nontransaction& w) { return repo::load_group(w, gid, uid); };
  auto g = co_await db.read(std::move(job));
  if (!g.visible()) co_return group_not_found();
  co_return in_group{who, std::move(g)};
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
  f.fail(key, core::message(core::msg::bad_choice, {{"values", list}}));
}

}  // namespace detail

awaitable<response> groups_api::list_groups(request& req, const caller& who) {
  auto limit = limit_param(req, s_.page_default, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  auto after = query_id(req, "after");
  if (!after) co_return fail(after.err(), req);
  auto uid = who.user_id;
  auto job = [uid, n = *limit, a = after->value_or(0)](pqxx::nontransaction& w) {
    return repo::visible_groups(w, uid, a, n + 1);
  };
  auto gs = co_await db_.read(std::move(job));
  bool more = static_cast<int>(gs.size()) > *limit;
  if (more) gs.pop_back();
  json::writer w;
  w.begin_object().key("groups").begin_array();
  for (const auto& g : gs) write_group(w, g);
  w.end_array().field("has_more", more).end_object();
  co_return response::json(200, w.release());
}

awaitable<response> groups_api::get_group(request& req, const caller& who) {
  auto in = co_await caller_in_group(db_, req, who);
  if (!in) co_return fail(in.err(), req);
  co_return group_response(200, in->g);
}

awaitable<response> groups_api::create_group(request& req, const caller& who) {
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
  // A root's kind; a sub-group has its space's whatever it says.
  auto kind = f.text("kind", json::optional, 1, 16);
  check_choice(f, "kind", kind, std::set<std::string>{"community", "professional"});
  if (auto e = f.error()) co_return fail(*e, req);

  auto uid = who.user_id;
  repo::new_group ng{parent,  *name,       description.value_or(""),  rules.value_or(""),
                     *policy, *visibility, kind.value_or("community")};
  auto job = [=](pqxx::work& w) -> core::result<group_view> {
    bool admin = repo::is_admin(w, uid);
    if (parent) {
      auto p = repo::load_group(w, *parent, uid);
      if (!p.visible())
        return core::error::make(core::errc::not_found, core::message(core::msg::parent_not_found), "parent_id");
      if (!p.moderator() && !admin) return moderators_only();
    } else if (!admin) {
      return forbidden(core::msg::admins_create_spaces);
    }
    auto id = repo::insert_group(w, ng, uid);
    repo::audit(w, id, uid, "create_group", std::nullopt, std::nullopt, std::nullopt, "");
    return repo::load_group(w, id, uid);
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return group_response(201, *out);
}

awaitable<response> groups_api::patch_group(request& req, const caller& who) {
  auto in = co_await caller_in_group(db_, req, who);
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
  repo::group_patch patch{name,          description,      rules,          policy, visibility, timezone,
                          welcome_group, set_celebrations, celebrations_at};
  auto job = [=](pqxx::work& w) -> core::result<group_view> {
    // The welcome team is a group the moderator moderates, in the same space:
    // its members are told of each newcomer.
    if (welcome_group) {
      auto team = repo::load_group(w, *welcome_group, uid);
      auto bad = [](core::text t) {
        return core::error::make(core::errc::forbidden, std::move(t), "welcome_group_id");
      };
      if (!team.visible())
        return core::error::make(core::errc::not_found, core::message(core::msg::group_not_found), "welcome_group_id");
      if (!team.moderator() && !team.admin) return bad(core::message(core::msg::welcome_team_moderated));
      if (repo::space_of(w, *welcome_group) != repo::space_of(w, gid))
        return bad(core::message(core::msg::welcome_team_same_space));
    }
    repo::update_group(w, gid, patch);
    repo::audit(w, gid, uid, "update_group", std::nullopt, std::nullopt, std::nullopt, "");
    return repo::load_group(w, gid, uid);
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return group_response(200, *out);
}

}  // namespace colibri::groups
