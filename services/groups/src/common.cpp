#include "common.hpp"

#include <algorithm>
#include <charconv>

#include "colibri/auth/token.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/log.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/moderation/watched_words.hpp"
#include "colibri/pg/field.hpp"
#include "colibri/pg/prepared.hpp"
#include "colibri/pg/sql_array.hpp"

namespace colibri::groups::detail {

namespace {

std::optional<std::int64_t> parse_id(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 1 || v > k_max_id) return std::nullopt;
  return v;
}

constexpr const char* k_group_select =
    "SELECT g.id, g.parent_id, g.name, g.description, g.rules, g.join_policy, g.visibility, "
    "(extract(epoch FROM g.created_at) * 1000)::bigint, "
    "(SELECT count(*) FROM memberships c WHERE c.group_id = g.id), g.welcome_group_id, "
    "coalesce(m.role, '') AS role, (extract(epoch FROM m.muted_until) * 1000)::bigint, "
    "(SELECT r.id FROM join_requests r WHERE r.group_id = g.id AND r.user_id = $1 AND r.state = 'pending') AS "
    "pending_request, "
    "g.parent_id IS NULL OR EXISTS (SELECT 1 FROM memberships p WHERE p.group_id = g.parent_id AND p.user_id = $1), "
    "coalesce((SELECT u.is_admin FROM users u WHERE u.id = $1), false) AS admin, "
    // Whether the parent is visible to the caller, up the whole chain: walking
    // up, a group the caller belongs to makes what is below it visible, a
    // hidden one they do not belong to hides everything below it, and a
    // chain of listed groups up to a root is visible.
    "coalesce((WITH RECURSIVE up AS ("
    "   SELECT p.id, p.parent_id, p.visibility = 'listed' AS listed, 0 AS depth, "
    "     EXISTS (SELECT 1 FROM memberships x WHERE x.group_id = p.id AND x.user_id = $1) AS member "
    "   FROM groups p WHERE p.id = g.parent_id "
    "   UNION ALL "
    "   SELECT p.id, p.parent_id, p.visibility = 'listed', up.depth + 1, "
    "     EXISTS (SELECT 1 FROM memberships x WHERE x.group_id = p.id AND x.user_id = $1) "
    "   FROM groups p JOIN up ON p.id = up.parent_id WHERE up.listed AND NOT up.member AND up.depth < 64) "
    " SELECT member OR (listed AND parent_id IS NULL) FROM up ORDER BY depth DESC LIMIT 1), true) AS parent_visible, "
    "g.timezone, to_char(g.celebrations_post_at, 'HH24:MI') "
    "FROM groups g LEFT JOIN memberships m ON m.group_id = g.id AND m.user_id = $1 ";

group_view read_group(const pqxx::row& r) {
  group_view g;
  g.exists = true;
  g.id = r[0].as<std::int64_t>();
  g.parent_id = pg::opt<std::int64_t>(r[1]);
  g.name = r[2].as<std::string>();
  g.description = r[3].as<std::string>();
  g.rules = r[4].as<std::string>();
  g.join_policy = r[5].as<std::string>();
  g.visibility = r[6].as<std::string>();
  g.created_ms = r[7].as<std::int64_t>();
  g.member_count = r[8].as<std::int64_t>();
  g.welcome_group_id = pg::opt<std::int64_t>(r[9]);
  g.role = r[10].as<std::string>();
  g.muted_until_ms = pg::opt<std::int64_t>(r[11]);
  g.pending_request_id = pg::opt<std::int64_t>(r[12]);
  g.parent_member = r[13].as<bool>();
  g.admin = r[14].as<bool>();
  g.parent_visible = r[15].as<bool>();
  g.timezone = r[16].as<std::string>();
  g.celebrations_post_at = pg::opt<std::string>(r[17]);
  return g;
}

}  // namespace

std::optional<std::int64_t> id_param(const request& req, std::string_view name) { return parse_id(req.param(name)); }

core::result<int> limit_param(const request& req, int def, int max) {
  auto v = req.query_param("limit");
  if (!v) return def;
  auto n = parse_id(*v);
  if (!n || *n > max)
    return core::error::validation("limit", {"limit doit être un entier entre 1 et " + std::to_string(max) + ".",
                                             "limit must be an integer between 1 and " + std::to_string(max) + "."});
  return static_cast<int>(*n);
}

core::result<std::optional<std::int64_t>> query_id(const request& req, std::string_view name) {
  auto v = req.query_param(name);
  if (!v) return std::optional<std::int64_t>{};
  auto n = parse_id(*v);
  if (!n)
    return core::error::validation(std::string(name), {std::string(name) + " doit être un identifiant positif.",
                                                       std::string(name) + " must be a positive id."});
  return std::optional<std::int64_t>{*n};
}

group_view load_group(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id) {
  static const std::string sql = std::string(k_group_select) + "WHERE g.id = $2";
  auto r = pg::exec_prepared(w, "colibri_load_group", sql, user_id, group_id);
  if (r.empty()) return {};
  return read_group(r[0]);
}

std::vector<group_view> visible_groups(pqxx::work& w, std::int64_t user_id, std::int64_t after, int limit) {
  // group_view::visible(), in SQL, so that a page holds `limit` visible groups.
  auto res = w.exec_params(
      "SELECT * FROM (" + std::string(k_group_select) +
          "WHERE g.id > $2) x WHERE x.role <> '' OR x.admin OR (x.visibility = 'listed' AND x.parent_visible) "
          "ORDER BY x.id LIMIT $3",
      user_id, after, limit);
  std::vector<group_view> out;
  for (auto r : res) out.push_back(read_group(r));
  return out;
}

void write_group(json::writer& w, const group_view& g) {
  w.begin_object();
  w.field("id", g.id).key("parent_id");
  if (g.parent_id)
    w.value(*g.parent_id);
  else
    w.null();
  w.field("name", g.name).field("description", g.description).field("rules", g.rules);
  w.field("join_policy", g.join_policy).field("visibility", g.visibility);
  w.field("room", "group:" + std::to_string(g.id));
  w.field("member_count", g.member_count);
  w.field("timezone", g.timezone).key("celebrations_post_at");
  if (g.celebrations_post_at)
    w.value(*g.celebrations_post_at);
  else
    w.null();
  w.field("created_at", core::format_rfc3339_ms(g.created_ms));
  w.key("my_membership");
  if (g.member()) {
    w.begin_object().field("state", "member").field("role", g.role).key("muted_until");
    if (g.muted_until_ms)
      w.value(core::format_rfc3339_ms(*g.muted_until_ms));
    else
      w.null();
    w.end_object();
  } else if (g.pending_request_id) {
    w.begin_object().field("state", "pending").field("request_id", *g.pending_request_id).end_object();
  } else {
    w.null();
  }
  w.end_object();
}

response group_response(int status, const group_view& g) {
  json::writer w;
  w.begin_object().key("group");
  write_group(w, g);
  w.end_object();
  return response::json(status, w.release());
}

std::optional<core::error> not_moderator(const group_view& g) {
  if (!g.visible()) return group_not_found();
  if (!g.moderator()) return moderators_only();
  return std::nullopt;
}

core::error group_not_found() {
  return core::error::make(core::errc::not_found, core::message(core::msg::group_not_found));
}
core::error members_only() { return core::error::make(core::errc::forbidden, core::message(core::msg::members_only)); }
core::error moderators_only() {
  return core::error::make(core::errc::forbidden, core::message(core::msg::moderators_only));
}
core::error not_found(core::text what) { return core::error::make(core::errc::not_found, std::move(what)); }

void audit(pqxx::work& w, std::int64_t group_id, std::int64_t actor_id, std::string_view action,
           std::optional<std::int64_t> target_user_id, std::optional<std::string> room, std::optional<std::int64_t> seq,
           std::string_view reason) {
  w.exec_params(
      "INSERT INTO audit_log (group_id, actor_id, action, target_user_id, room, seq, reason) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      group_id, actor_id, std::string(action), target_user_id, room, seq, std::string(reason));
}

std::vector<notify::notification> welcome(pqxx::work& w, const group_view& g, std::int64_t user_id) {
  auto rules_fr =
      g.rules.empty() ? std::string("Bienveillance, respect et entraide : ici, personne n'est jugé.") : g.rules;
  auto rules_en = g.rules.empty() ? std::string("Kindness, respect and mutual help: nobody is judged here.") : g.rules;
  core::text title{"Bienvenue dans « " + g.name + " »", "Welcome to \"" + g.name + "\""};
  core::text body{
      "Nous sommes heureux de vous accueillir. Voici les règles du groupe :\n\n" + rules_fr +
          "\n\nBesoin d'aide, à toute heure ? Écrivez dans le salon du groupe : quelqu'un vous répondra. Les "
          "modérateurs sont là pour vous. Vous pouvez aussi appeler Tabac Info Service au 39 89 (service gratuit).",
      "We are glad to welcome you. Here are the group's rules:\n\n" + rules_en +
          "\n\nNeed help, at any hour? Write in the group's room: someone will answer. The moderators are there for "
          "you. You can also call Tabac Info Service on 39 89 (free service)."};
  json::writer d;
  d.begin_object().field("group_id", g.id).field("room", "group:" + std::to_string(g.id)).end_object();
  auto data = d.release();
  auto out = notify::insert_for(w, {user_id}, "welcome", title, body, data);

  // Who greets: the moderators, and the welcome team when the group names one.
  auto greeters = moderation::moderators_of(w, g.id);
  if (g.welcome_group_id)
    for (auto r : w.exec_params("SELECT user_id FROM memberships WHERE group_id = $1", *g.welcome_group_id))
      greeters.push_back(r[0].as<std::int64_t>());
  std::sort(greeters.begin(), greeters.end());
  greeters.erase(std::unique(greeters.begin(), greeters.end()), greeters.end());
  greeters.erase(std::remove(greeters.begin(), greeters.end(), user_id), greeters.end());
  auto handle = handle_of(w, user_id);
  json::writer nd;
  nd.begin_object().field("group_id", g.id).field("room", "group:" + std::to_string(g.id)).field("user_id", user_id);
  nd.field("handle", handle).end_object();
  auto more = notify::insert_for(w, greeters, "newcomer", core::message(core::msg::note_newcomer),
                                 {handle + " vient de rejoindre « " + g.name + " ». Un petit mot de bienvenue ?",
                                  handle + " has just joined \"" + g.name + "\". A word of welcome?"},
                                 nd.release());
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

void remove_from_subtree(pqxx::work& w, std::int64_t group_id, std::int64_t user_id) {
  // The membership is locked first, in its own statement: a join of a child
  // holds it (holds_parent) until its commit, and the DELETE below then sees
  // that new child membership too.
  w.exec_params("SELECT 1 FROM memberships WHERE group_id = $1 AND user_id = $2 FOR UPDATE", group_id, user_id);
  w.exec_params(
      "WITH RECURSIVE tree AS (SELECT id FROM groups WHERE id = $1 UNION ALL "
      "SELECT g.id FROM groups g JOIN tree t ON g.parent_id = t.id) "
      "DELETE FROM memberships WHERE user_id = $2 AND group_id IN (SELECT id FROM tree)",
      group_id, user_id);
}

bool holds_parent(pqxx::work& w, const group_view& g, std::int64_t user_id) {
  if (!g.parent_id) return true;
  return !w.exec_params("SELECT 1 FROM memberships WHERE group_id = $1 AND user_id = $2 FOR SHARE", *g.parent_id,
                        user_id)
              .empty();
}

std::string role_in(pqxx::work& w, std::int64_t group_id, std::int64_t user_id) {
  auto r = w.exec_params("SELECT role FROM memberships WHERE group_id = $1 AND user_id = $2", group_id, user_id);
  return r.empty() ? std::string() : r[0][0].as<std::string>();
}

std::optional<core::error> may_act_on(pqxx::work& w, std::int64_t group_id, std::int64_t actor_id,
                                      std::int64_t target_id) {
  // The owners' rows are locked so that two owners acting on each other at
  // once are ordered: the second sees what the first did.
  w.exec_params("SELECT 1 FROM memberships WHERE group_id = $1 AND role = 'owner' FOR UPDATE", group_id);
  auto actor = role_in(w, group_id, actor_id);
  bool admin =
      w.exec_params1("SELECT coalesce((SELECT is_admin FROM users WHERE id = $1), false)", actor_id)[0].as<bool>();
  if (actor != "owner" && actor != "moderator" && !admin) return moderators_only();
  auto target = role_in(w, group_id, target_id);
  if (target.empty()) return not_found(core::message(core::msg::not_a_member));
  if (target != "member" && actor != "owner" && !admin)
    return core::error::make(core::errc::forbidden, core::message(core::msg::owners_act_on_moderators));
  return std::nullopt;
}

std::optional<core::error> keeps_an_owner(pqxx::work& w, std::int64_t group_id, std::int64_t leaving_id) {
  w.exec_params("SELECT 1 FROM memberships WHERE group_id = $1 AND role = 'owner' FOR UPDATE", group_id);
  if (role_in(w, group_id, leaving_id) == "owner" &&
      w.exec_params1("SELECT count(*) FROM memberships WHERE group_id = $1 AND role = 'owner'", group_id)[0]
              .as<int>() == 1)
    return last_owner();
  return std::nullopt;
}

std::int64_t space_of(pqxx::work& w, std::int64_t group_id) {
  return w
      .exec_params1(
          "WITH RECURSIVE up AS (SELECT id, parent_id, 0 AS depth FROM groups WHERE id = $1 UNION ALL "
          "SELECT g.id, g.parent_id, up.depth + 1 FROM groups g JOIN up ON g.id = up.parent_id WHERE up.depth < 64) "
          "SELECT id FROM up ORDER BY depth DESC LIMIT 1",
          group_id)[0]
      .as<std::int64_t>();
}

core::error last_owner() { return core::error::make(core::errc::conflict, core::message(core::msg::last_owner)); }

void publish_all(redis::publisher& pub, const std::vector<notify::notification>& ns) {
  for (const auto& n : ns) notify::publish(pub, n);
}

awaitable<void> announce(std::shared_ptr<roomlog::room_log> log, std::int64_t group_id, std::int64_t user_id,
                         std::string kind) {
  roomlog::append_request r;
  r.room = "group:" + std::to_string(group_id);
  r.kind = kind;
  r.author_id = user_id;
  try {
    auto res = co_await log->append(std::move(r));
    if (!res) log::warn("membership event refused", {{"group_id", group_id}, {"user_id", user_id}, {"kind", kind}});
  } catch (const std::exception& e) {
    log::warn("membership event not stored",
              {{"group_id", group_id}, {"user_id", user_id}, {"kind", kind}, {"error", e.what()}});
  }
}

core::error already_member() {
  return core::error::make(core::errc::conflict, core::message(core::msg::already_member));
}

core::error parent_first(const std::string& parent) {
  return core::error::make(core::errc::forbidden, {"Rejoignez d'abord le groupe parent « " + parent + " ».",
                                                   "Join the parent group \"" + parent + "\" first."});
}

std::string name_of(pqxx::work& w, std::optional<std::int64_t> gid) {
  if (!gid) return {};
  auto r = w.exec_params("SELECT name FROM groups WHERE id = $1", *gid);
  return r.empty() ? std::string() : r[0][0].as<std::string>();
}

// Adds a member and runs the welcome ritual; empty when they already were one.
std::optional<std::vector<notify::notification>> add_member(pqxx::work& w, const group_view& g, std::int64_t user_id) {
  auto r = w.exec_params(
      "INSERT INTO memberships (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1", g.id, user_id);
  if (r.empty()) return std::nullopt;
  w.exec_params(
      "UPDATE join_requests SET state = 'approved', decided_at = now() WHERE group_id = $1 AND user_id = $2 "
      "AND state = 'pending'",
      g.id, user_id);
  return welcome(w, g, user_id);
}

core::error invitation_invalid() { return not_found(core::message(core::msg::invitation_invalid)); }

std::optional<invitation_ref> find_invitation(pqxx::work& w, std::int64_t uid, const std::string& code) {
  auto r = w.exec_params(
      "SELECT i.id, i.email IS NOT NULL FROM invitations i WHERE i.code_hash = $1 AND i.used_at IS NULL "
      "AND i.expires_at > now() AND (i.email IS NULL OR lower(i.email) = "
      "(SELECT lower(email) FROM users WHERE id = $2)) FOR UPDATE",
      auth::token_hash(code), uid);
  if (r.empty()) return std::nullopt;
  return invitation_ref{r[0][0].as<std::int64_t>(), r[0][1].as<bool>()};
}

core::result<invitation_accepted> accept_invitation(pqxx::work& w, std::int64_t uid, std::int64_t invitation_id) {
  auto r = w.exec_params(
      "SELECT group_id FROM invitations WHERE id = $1 AND used_at IS NULL AND expires_at > now() FOR UPDATE",
      invitation_id);
  if (r.empty()) return invitation_invalid();
  auto gid = r[0][0].as<std::int64_t>();
  auto g = load_group(w, gid, uid);
  if (g.member()) return already_member();
  if (!g.parent_member) return parent_first(name_of(w, g.parent_id));
  w.exec_params("UPDATE invitations SET used_by = $2, used_at = now() WHERE id = $1", invitation_id, uid);
  invitation_accepted out;
  if (auto notes = add_member(w, g, uid)) out.notes = std::move(*notes);
  out.g = load_group(w, gid, uid);
  return out;
}

core::result<invitation_accepted> use_invitation(pqxx::work& w, std::int64_t uid, const std::string& code) {
  auto found = find_invitation(w, uid, code);
  if (!found) return invitation_invalid();
  if (found->email_bound &&
      w.exec_params1("SELECT email_verified_at IS NULL FROM users WHERE id = $1", uid)[0].as<bool>())
    return core::error::make(core::errc::forbidden, core::message(core::msg::invitation_needs_verified_email), "email");
  return accept_invitation(w, uid, found->id);
}

std::string handle_of(pqxx::work& w, std::int64_t user_id) {
  auto r = w.exec_params("SELECT handle FROM users WHERE id = $1", user_id);
  return r.empty() ? std::string() : r[0][0].as<std::string>();
}

}  // namespace colibri::groups::detail
