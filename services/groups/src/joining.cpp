#include "joining.hpp"

#include <algorithm>

#include "colibri/auth/token.hpp"
#include "colibri/core/log.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/json/writer.hpp"
#include "colibri/moderation/watched_words.hpp"
#include "errors.hpp"
#include "repo/memberships.hpp"
#include "repo/users.hpp"

namespace colibri::groups::detail {

using core::msg;

std::vector<notify::notification> welcome(pqxx::work& w, const group_view& g, std::int64_t user_id) {
  const auto& fallback = core::message(msg::default_rules);
  core::text body{core::message(msg::note_welcome_body, {{"rules", g.rules.empty() ? fallback.fr : g.rules}}).fr,
                  core::message(msg::note_welcome_body, {{"rules", g.rules.empty() ? fallback.en : g.rules}}).en};
  json::writer d;
  d.begin_object().field("group_id", g.id).field("room", "group:" + std::to_string(g.id)).end_object();
  auto out = notify::insert_for(w, {user_id}, "welcome", core::message(msg::note_welcome, {{"group", g.name}}), body,
                                d.release());

  // Who greets: the moderators, and the welcome team when the group names one.
  auto greeters = moderation::moderators_of(w, g.id);
  if (g.welcome_group_id)
    for (auto id : repo::member_ids(w, *g.welcome_group_id)) greeters.push_back(id);
  std::sort(greeters.begin(), greeters.end());
  greeters.erase(std::unique(greeters.begin(), greeters.end()), greeters.end());
  greeters.erase(std::remove(greeters.begin(), greeters.end(), user_id), greeters.end());
  auto handle = repo::handle_of(w, user_id);
  json::writer nd;
  nd.begin_object().field("group_id", g.id).field("room", "group:" + std::to_string(g.id)).field("user_id", user_id);
  nd.field("handle", handle).end_object();
  auto more =
      notify::insert_for(w, greeters, "newcomer", core::message(msg::note_newcomer),
                         core::message(msg::note_newcomer_body, {{"handle", handle}, {"group", g.name}}), nd.release());
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

std::optional<std::vector<notify::notification>> add_member(pqxx::work& w, const group_view& g, std::int64_t user_id) {
  if (!repo::insert_member(w, g.id, user_id)) return std::nullopt;
  return welcome(w, g, user_id);
}

bool holds_parent(pqxx::transaction_base& w, const group_view& g, std::int64_t user_id) {
  return repo::lock_membership_shared(w, g.parent_id, user_id);
}

std::optional<core::error> may_act_on(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t actor_id,
                                      std::int64_t target_id) {
  repo::lock_owners(w, group_id);
  auto actor = repo::role_in(w, group_id, actor_id);
  bool admin = repo::is_admin(w, actor_id);
  if (actor != "owner" && actor != "moderator" && !admin) return moderators_only();
  auto target = repo::role_in(w, group_id, target_id);
  if (target.empty()) return not_found(msg::not_a_member);
  if (target != "member" && actor != "owner" && !admin) return forbidden(msg::owners_act_on_moderators);
  return std::nullopt;
}

std::optional<core::error> keeps_an_owner(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t leaving_id) {
  auto owners = repo::lock_owners(w, group_id);
  if (owners == 1 && repo::role_in(w, group_id, leaving_id) == "owner") return last_owner();
  return std::nullopt;
}

core::result<invitation_accepted> accept_invitation(pqxx::work& w, std::int64_t uid, std::int64_t invitation_id) {
  auto gid = repo::lock_invitation(w, invitation_id);
  if (!gid) return invitation_invalid();
  auto g = repo::load_group(w, *gid, uid);
  if (g.member()) return already_member();
  if (!g.parent_member) return parent_first(repo::name_of(w, g.parent_id));
  repo::mark_invitation_used(w, invitation_id, uid);
  invitation_accepted out;
  if (auto notes = add_member(w, g, uid)) out.notes = std::move(*notes);
  out.g = repo::load_group(w, *gid, uid);
  return out;
}

core::result<invitation_accepted> use_invitation(pqxx::work& w, std::int64_t uid, const std::string& code) {
  auto found = repo::find_invitation(w, uid, auth::token_hash(code));
  if (!found) return invitation_invalid();
  if (found->email_bound && !repo::email_verified(w, uid))
    return forbidden(msg::invitation_needs_verified_email, "email");
  return accept_invitation(w, uid, found->id);
}

std::optional<core::error> not_member(const group_view& g) {
  if (!g.visible()) return group_not_found();
  if (!g.member()) return members_only();
  return std::nullopt;
}

std::optional<core::error> not_moderator(const group_view& g) {
  if (!g.visible()) return group_not_found();
  if (!g.moderator()) return moderators_only();
  return std::nullopt;
}

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

}  // namespace colibri::groups::detail
