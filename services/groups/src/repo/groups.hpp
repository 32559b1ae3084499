#pragma once
// The groups table, read with the caller's standing in one statement.
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace colibri::groups::repo {

// A group as the caller sees it.
struct group_view {
  bool exists = false;
  std::int64_t id = 0;
  std::optional<std::int64_t> parent_id;
  std::string name, description, rules, join_policy, visibility;
  std::string kind = "community";  // of its space: community or professional
  std::int64_t created_ms = 0;
  std::int64_t member_count = 0;
  std::optional<std::int64_t> welcome_group_id;
  std::string timezone;
  std::optional<std::string> celebrations_post_at;  // "HH:MM"
  // The caller's standing.
  std::string role;  // empty: not a member
  std::optional<std::int64_t> muted_until_ms;
  std::optional<std::int64_t> pending_request_id;
  bool parent_member = true;   // member of the parent (true for a root)
  bool admin = false;          // platform admin
  bool parent_visible = true;  // the parent is visible to the caller, up the whole chain (true for a root)

  bool member() const { return !role.empty(); }
  bool moderator() const { return role == "moderator" || role == "owner"; }
  // Hidden groups exist only for their members (and platform admins); a
  // listed group, for whoever sees its parent (a hidden ancestor hides every
  // group below it from those outside it).
  bool visible() const { return exists && (member() || admin || (visibility == "listed" && parent_visible)); }
};

// A group with the caller's standing (exists == false when absent).
group_view load_group(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id);
// The groups the caller may see with an id above `after`, by id (parents
// before their children), at most `limit`.
std::vector<group_view> visible_groups(pqxx::transaction_base& w, std::int64_t user_id, std::int64_t after, int limit);
// The group's name ("" when absent or not given).
std::string name_of(pqxx::transaction_base& w, std::optional<std::int64_t> group_id);
// The space (root group) a group belongs to.
std::int64_t space_of(pqxx::transaction_base& w, std::int64_t group_id);

struct new_group {
  std::optional<std::int64_t> parent_id;
  std::string name, description, rules, join_policy, visibility;
  std::string kind = "community";  // a root's; sub-groups inherit their space's (a trigger)
};
// The group, with its creator as its owner; its id.
std::int64_t insert_group(pqxx::transaction_base& w, const new_group& g, std::int64_t owner_id);

// What a PATCH changes (absent fields keep their value).
// A group of the seed, found again by its slug: false when it exists already.
bool insert_seed_group(pqxx::transaction_base& w, const std::string& slug,
                       const std::optional<std::string>& parent_slug, const new_group& g);
// The team (by slug) that greets a group's newcomers, unless it has one.
void name_welcome_team(pqxx::transaction_base& w, const std::string& group_slug, const std::string& team_slug);

struct group_patch {
  std::optional<std::string> name, description, rules, join_policy, visibility, timezone;
  std::optional<std::int64_t> welcome_group_id;
  bool set_celebrations = false;  // celebrations_post_at given (null: none)
  std::optional<std::string> celebrations_post_at;
};
void update_group(pqxx::transaction_base& w, std::int64_t group_id, const group_patch& p);

}  // namespace colibri::groups::repo
