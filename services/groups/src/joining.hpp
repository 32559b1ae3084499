#pragma once
// The rules of membership the handlers share: joining with the welcome
// ritual, invitations, who may act on whom, the last owner, and telling the
// group's room and people's sockets afterwards.
#include <cstdint>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "colibri/core/result.hpp"
#include "colibri/net/asio.hpp"
#include "colibri/notify/notifications.hpp"
#include "colibri/redis/client.hpp"
#include "colibri/roomlog/room_log.hpp"
#include "repo/groups.hpp"

namespace colibri::groups::detail {

using repo::group_view;

// What a welcome notification carries beside the rules (about 270 code
// points): rules longer than this would not fit in its 8,000.
inline constexpr std::size_t k_max_rules = 7500;

// The welcome ritual for a new member (inside the membership's transaction):
// a `welcome` notification with the group's rules and where to find help, a
// `newcomer` one to its moderators and its welcome team. The caller appends
// the `join` event to the group's room after the commit.
std::vector<notify::notification> welcome(pqxx::work& w, const group_view& g, std::int64_t user_id);
// Adds a member and runs the welcome ritual; nullopt when they already were one.
std::optional<std::vector<notify::notification>> add_member(pqxx::work& w, const group_view& g, std::int64_t user_id);
// Whether the user is a member of the group's parent (true for a root), the
// parent membership then locked until the commit: a concurrent leave of the
// parent waits, then removes the new membership with the rest.
bool holds_parent(pqxx::transaction_base& w, const group_view& g, std::int64_t user_id);
// Whether the actor may remove or mute the target, decided inside the acting
// transaction (the owners' rows locked, so that two owners acting on each
// other are ordered): moderators act on plain members only; owners and
// platform admins on anyone. nullopt when allowed.
std::optional<core::error> may_act_on(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t actor_id,
                                      std::int64_t target_id);
// conflict (last_owner) when the member leaving is the group's last owner.
std::optional<core::error> keeps_an_owner(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t leaving_id);

// An invitation code used by a user (inside their transaction): the group
// joined with its welcome ritual, or not_found / conflict / forbidden.
struct invitation_accepted {
  std::vector<notify::notification> notes;
  group_view g;
};
// Accepts a found invitation: the membership, the welcome, the notes to publish.
core::result<invitation_accepted> accept_invitation(pqxx::work& w, std::int64_t user_id, std::int64_t invitation_id);
// Finds and accepts it, for a person whose address is proved before an
// email-bound invitation counts (forbidden otherwise).
core::result<invitation_accepted> use_invitation(pqxx::work& w, std::int64_t user_id, const std::string& code);

// Why the caller may not moderate this group (not_found when they cannot see
// it, forbidden otherwise); nullopt when they may.
std::optional<core::error> not_moderator(const group_view& g);
// Why the caller may not read or write this group's content (not_found when
// they cannot see it, forbidden otherwise); nullopt for a member.
std::optional<core::error> not_member(const group_view& g);

// After the commit: to each recipient's sockets.
void publish_all(redis::publisher& pub, const std::vector<notify::notification>& ns);
// Appends the `join` or `leave` event of a member to the group's room (after
// the membership's commit); a failure is logged, the membership change stands.
awaitable<void> announce(std::shared_ptr<roomlog::room_log> log, std::int64_t group_id, std::int64_t user_id,
                         std::string kind);

}  // namespace colibri::groups::detail
