#include "repo/groups.hpp"

#include "colibri/pg/field.hpp"
#include "colibri/pg/prepared.hpp"

namespace colibri::groups::repo {

namespace {

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
    "g.timezone, to_char(g.celebrations_post_at, 'HH24:MI'), g.kind "
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
  g.kind = r[18].as<std::string>();
  return g;
}

}  // namespace

group_view load_group(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id) {
  static const std::string sql = std::string(k_group_select) + "WHERE g.id = $2";
  auto r = pg::exec_prepared(w, "colibri_load_group", sql, user_id, group_id);
  if (r.empty()) return {};
  return read_group(r[0]);
}

std::vector<group_view> visible_groups(pqxx::transaction_base& w, std::int64_t user_id, std::int64_t after, int limit) {
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

std::int64_t space_of(pqxx::transaction_base& w, std::int64_t group_id) {
  return w
      .exec_params1(
          "WITH RECURSIVE up AS (SELECT id, parent_id, 0 AS depth FROM groups WHERE id = $1 UNION ALL "
          "SELECT g.id, g.parent_id, up.depth + 1 FROM groups g JOIN up ON g.id = up.parent_id WHERE up.depth < 64) "
          "SELECT id FROM up ORDER BY depth DESC LIMIT 1",
          group_id)[0]
      .as<std::int64_t>();
}

std::string name_of(pqxx::transaction_base& w, std::optional<std::int64_t> gid) {
  if (!gid) return {};
  auto r = w.exec_params("SELECT name FROM groups WHERE id = $1", *gid);
  return r.empty() ? std::string() : r[0][0].as<std::string>();
}

std::int64_t insert_group(pqxx::transaction_base& w, const new_group& g, std::int64_t owner_id) {
  auto id = w.exec_params1(
                 "INSERT INTO groups (parent_id, name, description, rules, join_policy, visibility, kind) "
                 "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                 g.parent_id, g.name, g.description, g.rules, g.join_policy, g.visibility, g.kind)[0]
                .as<std::int64_t>();
  w.exec_params("INSERT INTO memberships (group_id, user_id, role) VALUES ($1, $2, 'owner')", id, owner_id);
  return id;
}

bool insert_seed_group(pqxx::transaction_base& w, const std::string& slug,
                       const std::optional<std::string>& parent_slug, const new_group& g) {
  std::optional<std::int64_t> parent;
  if (parent_slug) parent = w.exec_params1("SELECT id FROM groups WHERE slug = $1", *parent_slug)[0].as<std::int64_t>();
  return !w.exec_params(
               "INSERT INTO groups (slug, parent_id, name, description, rules, join_policy, visibility, kind) "
               "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (slug) DO NOTHING RETURNING id",
               slug, parent, g.name, g.description, g.rules, g.join_policy, g.visibility, g.kind)
              .empty();
}

void name_welcome_team(pqxx::transaction_base& w, const std::string& group_slug, const std::string& team_slug) {
  w.exec_params(
      "UPDATE groups SET welcome_group_id = (SELECT id FROM groups WHERE slug = $2) "
      "WHERE slug = $1 AND welcome_group_id IS NULL",
      group_slug, team_slug);
}

void update_group(pqxx::transaction_base& w, std::int64_t group_id, const group_patch& p) {
  w.exec_params(
      "UPDATE groups SET name = coalesce($2, name), description = coalesce($3, description), "
      "rules = coalesce($4, rules), join_policy = coalesce($5, join_policy), "
      "visibility = coalesce($6, visibility), welcome_group_id = coalesce($7, welcome_group_id), "
      "timezone = coalesce($8, timezone), "
      "celebrations_post_at = CASE WHEN $9 THEN $10::time ELSE celebrations_post_at END WHERE id = $1",
      group_id, p.name, p.description, p.rules, p.join_policy, p.visibility, p.welcome_group_id, p.timezone,
      p.set_celebrations, p.celebrations_post_at);
}

}  // namespace colibri::groups::repo
