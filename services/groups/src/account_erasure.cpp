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
#include "common.hpp"

namespace colibri::groups {

using http::request;
using http::response;
using namespace detail;

awaitable<response> accounts::delete_me(request& req) {
  auto who = co_await authenticate(db_, req, limits_, ratelimit::action::edit);
  if (!who) co_return response::error(who.err(), req.lang);
  auto doc = json::body_object(req.body.empty() ? std::string_view("{}") : std::string_view(req.body));
  if (!doc) co_return response::error(doc.err(), req.lang);
  json::fields f(*doc);
  auto password = f.text("password", json::required, 1, k_password_max);
  if (auto e = f.error()) co_return response::error(*e, req.lang);
  // Irreversible: the password again, not only the token (a phone left
  // unlocked must not erase someone's account).
  if (auto e = co_await confirm_password(who->user_id, *password, "password",
                                         ratelimit::address_subject(req.remote_address)))
    co_return response::error(*e, req.lang);
  auto uid = who->user_id;
  auto job = [uid](pqxx::connection& c) {
    pqxx::work w(c);
    auto sessions = auth::revoke_sessions(w, uid);
    // Groups they alone own get an owner first: the longest-serving
    // moderator, or, without one, the platform admins are told.
    std::vector<notify::notification> notes;
    for (auto g : w.exec_params(
             "SELECT m.group_id, g.name, (SELECT o.user_id FROM memberships o WHERE o.group_id = m.group_id "
             "  AND o.role = 'moderator' ORDER BY o.joined_at, o.user_id LIMIT 1) "
             "FROM memberships m JOIN groups g ON g.id = m.group_id WHERE m.user_id = $1 AND m.role = 'owner' "
             "AND NOT EXISTS (SELECT 1 FROM memberships o WHERE o.group_id = m.group_id AND o.role = 'owner' "
             "  AND o.user_id <> $1) FOR UPDATE OF m",
             uid)) {
      auto gid = g[0].as<std::int64_t>();
      if (!g[2].is_null()) {
        w.exec_params("UPDATE memberships SET role = 'owner' WHERE group_id = $1 AND user_id = $2", gid,
                      g[2].as<std::int64_t>());
        detail::audit(w, gid, g[2].as<std::int64_t>(), "owner_after_erasure", std::nullopt, std::nullopt, std::nullopt,
                      "");
        continue;
      }
      std::vector<std::int64_t> admins;
      for (auto a : w.exec("SELECT id FROM users WHERE is_admin AND deleted_at IS NULL"))
        admins.push_back(a[0].as<std::int64_t>());
      json::writer d;
      d.begin_object().field("group_id", gid).field("action", "group_without_owner").end_object();
      auto more =
          notify::insert_for(w, admins, "moderation", core::message(core::msg::note_group_without_owner),
                             {"Le groupe « " + g[1].as<std::string>() + " » n'a plus de responsable ni de modérateur.",
                              "The group \"" + g[1].as<std::string>() + "\" has no owner or moderator left."},
                             d.release());
      notes.insert(notes.end(), more.begin(), more.end());
    }
    // What others received about them (newcomer, join request) names them,
    // under every handle they used: no more.
    std::vector<std::string> handles{detail::handle_of(w, uid)};
    for (auto h : w.exec_params("SELECT handle FROM user_handles WHERE user_id = $1", uid))
      handles.push_back(h[0].as<std::string>());
    for (const auto& h : handles)
      w.exec_params(
          "UPDATE notifications SET title = replace(title, $2, 'membre supprimé'), "
          "body = replace(body, $2, 'membre supprimé'), data = data - 'handle' "
          "WHERE data ->> 'user_id' = $1::text",
          uid, h);
    // Every address they used: today's and those an email change replaced.
    std::vector<std::string> emails{
        w.exec_params1("SELECT lower(email) FROM users WHERE id = $1", uid)[0].as<std::string>()};
    for (auto a : w.exec_params("SELECT lower(email) FROM user_addresses WHERE user_id = $1", uid))
      emails.push_back(a[0].as<std::string>());
    // Everything they wrote: messages, edits and direct messages lose their
    // text (the events stay, so that conversations keep their shape),
    // reactions their emoji, threads their title, reports their note and the
    // evidence of what they wrote, the moderation log the reasons they gave,
    // their scheduled posts go; invitations sent to their address and the
    // login throttle rows that hold it or their id are deleted.
    for (const char* sql :
         {"UPDATE room_events SET body = NULL, emoji = CASE WHEN emoji IS NULL THEN NULL ELSE '' END "
          "WHERE author_id = $1 AND (body IS NOT NULL OR emoji IS NOT NULL)",
          "UPDATE threads SET title = 'Discussion d''un membre supprimé' WHERE author_id = $1",
          "UPDATE reports SET note = '' WHERE reporter_id = $1",
          "UPDATE reports r SET evidence = NULL FROM room_events e WHERE r.evidence IS NOT NULL AND e.room = r.room "
          "  AND e.seq = r.seq AND e.author_id = $1",
          "UPDATE audit_log SET reason = '' WHERE actor_id = $1",
          "UPDATE admin_audit SET reason = '' WHERE actor_id = $1",
          "UPDATE users SET suspended_reason = NULL WHERE id = $1",
          "UPDATE join_requests SET reason = NULL WHERE decided_by = $1",
          "DELETE FROM scheduled_posts WHERE author_id = $1", "DELETE FROM user_handles WHERE user_id = $1",
          "DELETE FROM user_addresses WHERE user_id = $1", "DELETE FROM account_tokens WHERE user_id = $1",
          "DELETE FROM mail_outbox WHERE user_id = $1"})
      w.exec_params(sql, uid);
    w.exec_params("DELETE FROM login_throttle WHERE key = 'acct:' || $1::text", uid);
    for (const auto& email : emails) {
      w.exec_params("DELETE FROM invitations WHERE lower(email) = $1", email);
      w.exec_params("DELETE FROM login_throttle WHERE key = 'mail:' || $1", email);
      w.exec_params("DELETE FROM mail_outbox WHERE lower(to_address) = $1", email);
    }
    for (const char* sql :
         {"DELETE FROM memberships WHERE user_id = $1", "DELETE FROM join_requests WHERE user_id = $1",
          "DELETE FROM notifications WHERE user_id = $1", "DELETE FROM read_markers WHERE user_id = $1",
          "DELETE FROM blocks WHERE blocker_id = $1 OR blocked_id = $1", "DELETE FROM held_posts WHERE author_id = $1",
          "DELETE FROM conversation_members WHERE user_id = $1", "DELETE FROM quit_attempts WHERE user_id = $1"})
      w.exec_params(sql, uid);
    // The row stays as a tombstone: their events still point to it, shown as
    // "membre supprimé"; nothing in it identifies them any more. Their
    // sessions were revoked above (the ids are announced after the commit);
    // the rows, with their times, go.
    w.exec_params(
        "UPDATE users SET handle = 'membre supprimé', email = 'deleted-' || id || '@deleted.invalid', "
        "password_hash = '!', is_admin = false, locale = 'fr', timezone = 'Europe/Paris', deleted_at = now(), "
        "updated_at = now() WHERE id = $1",
        uid);
    w.exec_params("DELETE FROM sessions WHERE user_id = $1", uid);
    w.commit();
    return std::pair{std::move(sessions), std::move(notes)};
  };
  auto [sessions, notes] = co_await db_.run(std::move(job));
  // After the commit: every gateway closes the sockets of these sessions.
  for (auto sid : sessions) pub_.publish(auth::k_revoked_channel, std::to_string(sid));
  for (const auto& n : notes) notify::publish(pub_, n);
  log::info("account erased", {{"user_id", uid}});
  co_return response::json(202, R"({"erased":true})");
}

awaitable<response> accounts::suspend(request& req, bool on) {
  auto who = co_await authenticate(db_, req, limits_, ratelimit::action::edit);
  if (!who) co_return response::error(who.err(), req.lang);
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
  auto actor = who->user_id;
  struct done {
    std::optional<core::error> err;
    std::vector<std::int64_t> ended;
  };
  auto job = [actor, target, on, reason](pqxx::connection& c) {
    pqxx::work w(c);
    done out;
    if (!w.exec_params1("SELECT is_admin FROM users WHERE id = $1", actor)[0].as<bool>()) {
      out.err = core::error::make(core::errc::forbidden, core::message(core::msg::admins_only));
      return out;
    }
    if (!target ||
        w.exec_params("SELECT 1 FROM users WHERE id = $1 AND deleted_at IS NULL FOR UPDATE", *target).empty()) {
      out.err = detail::not_found(core::message(core::msg::account_not_found));
      return out;
    }
    if (*target == actor) {
      out.err = core::error::make(core::errc::conflict, core::message(core::msg::cannot_suspend_self));
      return out;
    }
    if (on) {
      w.exec_params("UPDATE users SET suspended_at = now(), suspended_reason = $2 WHERE id = $1", *target, reason);
      out.ended = auth::revoke_sessions(w, *target);
    } else {
      w.exec_params("UPDATE users SET suspended_at = NULL, suspended_reason = NULL WHERE id = $1", *target);
    }
    w.exec_params("INSERT INTO admin_audit (actor_id, action, target_user_id, reason) VALUES ($1, $2, $3, $4)", actor,
                  on ? "suspend" : "lift_suspension", *target, reason);
    w.commit();
    return out;
  };
  auto out = co_await db_.run(std::move(job));
  if (out.err) co_return response::error(*out.err, req.lang);
  for (auto sid : out.ended) pub_.publish(auth::k_revoked_channel, std::to_string(sid));
  co_return response::no_content();
}

}  // namespace colibri::groups
