#pragma once
// Shared by the community handlers: path and query parameters, the caller's
// standing in a group, JSON shapes, localised errors, notifications and the
// audit log.
#include <cstdint>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "colibri/core/result.hpp"
#include "colibri/http/message.hpp"
#include "colibri/json/writer.hpp"
#include "colibri/net/asio.hpp"
#include "colibri/notify/notifications.hpp"
#include "colibri/redis/client.hpp"
#include "colibri/roomlog/room_log.hpp"

namespace colibri::groups::detail {

using http::request;
using http::response;

// A path parameter that is an id (1 .. 2^53); nullopt otherwise.
std::optional<std::int64_t> id_param(const request& req, std::string_view name);
// ?limit= within 1..max (default def); a validation error otherwise.
core::result<int> limit_param(const request& req, int def, int max);
// An optional id in the query (?before=, ?after=); a validation error when malformed.
core::result<std::optional<std::int64_t>> query_id(const request& req, std::string_view name);

// A group as the caller sees it.
struct group_view {
  bool exists = false;
  std::int64_t id = 0;
  std::optional<std::int64_t> parent_id;
  std::string name, description, rules, join_policy, visibility;
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

// Loads a group with the caller's standing (exists == false when absent).
group_view load_group(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id);
// The groups the caller may see with an id above `after`, by id (parents
// before their children), at most `limit`.
std::vector<group_view> visible_groups(pqxx::work& w, std::int64_t user_id, std::int64_t after, int limit);

void write_group(json::writer& w, const group_view& g);
response group_response(int status, const group_view& g);

// {"<key>": [...], "has_more": bool} from a query that asked for n + 1 rows
// to know whether there are more; write_row(writer, row) writes one item.
template <class F>
std::string page_json(std::string_view key, const pqxx::result& res, int n, F write_row) {
  json::writer j;
  j.begin_object().key(key).begin_array();
  int i = 0;
  for (auto r : res) {
    if (i++ == n) break;
    write_row(j, r);
  }
  j.end_array().field("has_more", static_cast<int>(res.size()) > n).end_object();
  return j.release();
}

// What a welcome notification carries beside the rules (about 270 code
// points): rules longer than this would not fit in its 8,000.
inline constexpr std::size_t k_max_rules = 7500;

// Errors in both languages.
core::error group_not_found();
core::error members_only();
core::error moderators_only();
core::error not_found(core::text what);
// Why the caller may not moderate this group (not_found when they cannot see
// it, forbidden otherwise); nullopt when they may.
std::optional<core::error> not_moderator(const group_view& g);

// The shape of an error response for a result.
inline response fail(const core::error& e, const request& req) { return response::error(e, req.lang); }

// One line of the group's audit log.
void audit(pqxx::work& w, std::int64_t group_id, std::int64_t actor_id, std::string_view action,
           std::optional<std::int64_t> target_user_id, std::optional<std::string> room, std::optional<std::int64_t> seq,
           std::string_view reason);

// The welcome ritual for a new member (inside the membership's transaction):
// a `welcome` notification with the group's rules and where to find help, a
// `newcomer` one to its moderators and its welcome team. The caller appends
// the `join` event to the group's room after the commit.
std::vector<notify::notification> welcome(pqxx::work& w, const group_view& g, std::int64_t user_id);

// Removes a member from a group and from every group below it (a child
// needs its parent).
void remove_from_subtree(pqxx::work& w, std::int64_t group_id, std::int64_t user_id);
// Whether the user is a member of the group's parent (true for a root), the
// parent membership then locked until the commit: a concurrent leave of the
// parent waits, then removes the new membership with the rest.
bool holds_parent(pqxx::work& w, const group_view& g, std::int64_t user_id);
// The user's role in the group ("" when not a member), read in w.
std::string role_in(pqxx::work& w, std::int64_t group_id, std::int64_t user_id);
// Whether the actor may remove or mute the target, decided inside the acting
// transaction (the owners' rows locked, so that two owners acting on each
// other are ordered): moderators act on plain members only; owners and
// platform admins on anyone. nullopt when allowed.
std::optional<core::error> may_act_on(pqxx::work& w, std::int64_t group_id, std::int64_t actor_id,
                                      std::int64_t target_id);
// conflict (last_owner) when the member leaving is the group's last owner.
std::optional<core::error> keeps_an_owner(pqxx::work& w, std::int64_t group_id, std::int64_t leaving_id);
core::error last_owner();
// The space (root group) a group belongs to.
std::int64_t space_of(pqxx::work& w, std::int64_t group_id);
// After the commit: to each recipient's sockets.
void publish_all(redis::publisher& pub, const std::vector<notify::notification>& ns);

// Appends the `join` or `leave` event of a member to the group's room (after
// the membership's commit); a failure is logged, the membership change stands.
awaitable<void> announce(std::shared_ptr<roomlog::room_log> log, std::int64_t group_id, std::int64_t user_id,
                         std::string kind);
// The largest id the contract allows (JSON integers stay below 2^53).
inline constexpr std::int64_t k_max_id = 9007199254740992;
core::error already_member();
core::error parent_first(const std::string& parent);
std::string name_of(pqxx::work& w, std::optional<std::int64_t> gid);
// Adds a member and runs the welcome ritual; nullopt when they already were one.
std::optional<std::vector<notify::notification>> add_member(pqxx::work& w, const group_view& g, std::int64_t user_id);

// An invitation code used by a user (inside their transaction): the group
// joined with its welcome ritual, or not_found / conflict / forbidden.
struct invitation_accepted {
  std::vector<notify::notification> notes;
  group_view g;
};
core::error invitation_invalid();
// The usable invitation a code names for this person (unused, unexpired, and
// bound to their address if bound to any), locked; nullopt otherwise.
struct invitation_ref {
  std::int64_t id = 0;
  bool email_bound = false;
};
std::optional<invitation_ref> find_invitation(pqxx::work& w, std::int64_t user_id, const std::string& code);
// Accepts it: the membership, the welcome, the notes to publish.
core::result<invitation_accepted> accept_invitation(pqxx::work& w, std::int64_t user_id, std::int64_t invitation_id);
// Both, for a person whose address is proved before an email-bound invitation
// counts (forbidden otherwise).
core::result<invitation_accepted> use_invitation(pqxx::work& w, std::int64_t user_id, const std::string& code);

// A public handle: the handle of an erased account is already "membre supprimé".
std::string handle_of(pqxx::work& w, std::int64_t user_id);

}  // namespace colibri::groups::detail
