// Erasure (DELETE /api/v1/me, with the password) and suspension by admins
// (POST|DELETE /api/v1/admin/users/{uid}/suspend).
#include <algorithm>
#include <optional>

#include "account_mail.hpp"
#include "account_rows.hpp"
#include "colibri/auth/sessions.hpp"
#include "colibri/auth/throttle.hpp"
#include "colibri/auth/token.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/log.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/groups/accounts.hpp"
#include "colibri/groups/authn.hpp"
#include "colibri/groups/quit_profile.hpp"
#include "colibri/groups/validate.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/json/writer.hpp"
#include "errors.hpp"
#include "joining.hpp"
#include "meetings_shared.hpp"
#include "params.hpp"
#include "repo/audit.hpp"
#include "repo/erasure.hpp"
#include "repo/groups.hpp"
#include "repo/memberships.hpp"
#include "repo/users.hpp"
#include "views.hpp"

namespace colibri::groups {

using http::request;
using http::response;
using namespace detail;

awaitable<response> accounts::delete_me(request& req, const caller& who) {
  auto doc = json::body_object(req.body.empty() ? std::string_view("{}") : std::string_view(req.body));
  if (!doc) co_return response::error(doc.err(), req.lang);
  json::fields f(*doc);
  auto password = f.text("password", json::required, 1, k_password_max);
  if (auto e = f.error()) co_return response::error(*e, req.lang);
  // Irreversible: the password again, not only the token (a phone left
  // unlocked must not erase someone's account).
  if (auto e =
          co_await confirm_password(who.user_id, *password, "password", ratelimit::address_subject(req.remote_address)))
    co_return response::error(*e, req.lang);
  auto uid = who.user_id;
  auto job = [uid](pqxx::work& w) {
    auto sessions = auth::revoke_sessions(w, uid);
    // Groups they alone own get an owner first: the longest-serving
    // moderator, or, without one, the platform admins are told.
    std::vector<notify::notification> notes;
    for (const auto& g : repo::sole_owned_groups(w, uid)) {
      if (g.successor) {
        repo::promote_to_owner(w, g.group_id, *g.successor);
        repo::audit(w, g.group_id, *g.successor, "owner_after_erasure", std::nullopt, std::nullopt, std::nullopt, "");
        continue;
      }
      json::writer d;
      d.begin_object().field("group_id", g.group_id).field("action", "group_without_owner").end_object();
      auto more =
          notify::insert_for(w, repo::admin_ids(w), "moderation", core::message(core::msg::note_group_without_owner),
                             core::message(core::msg::note_group_without_owner_body, {{"group", g.name}}), d.release());
      notes.insert(notes.end(), more.begin(), more.end());
    }
    // Seats they held go to the waiting lists, in order.
    auto promoted = detail::release_seats(w, uid, false);
    notes.insert(notes.end(), promoted.begin(), promoted.end());
    repo::erase_account(w, uid);
    return std::pair{std::move(sessions), std::move(notes)};
  };
  auto [sessions, notes] = co_await db_.transact(std::move(job));
  // After the commit: every gateway closes the sockets of these sessions.
  for (auto sid : sessions) pub_.publish(auth::k_revoked_channel, std::to_string(sid));
  for (const auto& n : notes) notify::publish(pub_, n);
  log::info("account erased", {{"user_id", uid}});
  co_return response::json(202, R"({"erased":true})");
}

awaitable<response> accounts::suspend(request& req, const caller& who, bool on) {
  auto target = detail::id_param(req, "uid");
  std::string reason;
  if (on) {
    auto doc = json::body_object(req.body);
    if (!doc) co_return response::error(doc.err(), req.lang);
    json::fields f(*doc);
    auto r = f.text("reason", json::required, 1, 500);
    if (auto e = f.error()) co_return response::error(*e, req.lang);
    reason = *r;
  }
  auto actor = who.user_id;
  struct done {
    std::optional<core::error> err;
    std::vector<std::int64_t> ended;
  };
  auto job = [actor, target, on, reason](pqxx::work& w) {
    done out;
    if (!repo::is_admin(w, actor)) {
      out.err = detail::forbidden(core::msg::admins_only);
      return out;
    }
    if (!target || !repo::lock_live_user(w, *target)) {
      out.err = detail::not_found(core::msg::account_not_found);
      return out;
    }
    if (*target == actor) {
      out.err = detail::conflict(core::msg::cannot_suspend_self);
      return out;
    }
    repo::set_suspension(w, *target, on, reason);
    if (on) out.ended = auth::revoke_sessions(w, *target);
    repo::admin_audit(w, actor, on ? "suspend" : "lift_suspension", *target, reason);
    return out;
  };
  auto out = co_await db_.transact(std::move(job));
  if (out.err) co_return response::error(*out.err, req.lang);
  for (auto sid : out.ended) pub_.publish(auth::k_revoked_channel, std::to_string(sid));
  co_return response::no_content();
}

}  // namespace colibri::groups
