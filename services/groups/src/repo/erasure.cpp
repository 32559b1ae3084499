#include "repo/erasure.hpp"

#include "colibri/pg/field.hpp"
#include "repo/users.hpp"

namespace colibri::groups::repo {

std::vector<sole_owned> sole_owned_groups(pqxx::transaction_base& w, std::int64_t uid) {
  std::vector<sole_owned> out;
  for (auto g :
       w.exec_params("SELECT m.group_id, g.name, (SELECT o.user_id FROM memberships o WHERE o.group_id = m.group_id "
                     "  AND o.role = 'moderator' ORDER BY o.joined_at, o.user_id LIMIT 1) "
                     "FROM memberships m JOIN groups g ON g.id = m.group_id WHERE m.user_id = $1 AND m.role = 'owner' "
                     "AND NOT EXISTS (SELECT 1 FROM memberships o WHERE o.group_id = m.group_id AND o.role = 'owner' "
                     "  AND o.user_id <> $1) FOR UPDATE OF m",
                     uid))
    out.push_back({g[0].as<std::int64_t>(), g[1].as<std::string>(), pg::opt<std::int64_t>(g[2])});
  return out;
}

void promote_to_owner(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id) {
  w.exec_params("UPDATE memberships SET role = 'owner' WHERE group_id = $1 AND user_id = $2", group_id, user_id);
}

std::vector<std::int64_t> admin_ids(pqxx::transaction_base& w) {
  std::vector<std::int64_t> out;
  for (auto a : w.exec("SELECT id FROM users WHERE is_admin AND deleted_at IS NULL"))
    out.push_back(a[0].as<std::int64_t>());
  return out;
}

void erase_account(pqxx::transaction_base& w, std::int64_t uid) {
  // What others received about them (newcomer, join request) names them,
  // under every handle they used: no more.
  std::vector<std::string> handles{handle_of(w, uid)};
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
        "DELETE FROM mail_outbox WHERE user_id = $1", "DELETE FROM professional_profiles WHERE user_id = $1",
        "DELETE FROM meeting_registrations WHERE user_id = $1", "DELETE FROM meeting_attendance WHERE user_id = $1",
        "DELETE FROM meeting_reminders WHERE user_id = $1", "DELETE FROM calendar_feeds WHERE user_id = $1",
        "UPDATE meetings SET created_by = NULL WHERE created_by = $1",
        // The professional space: documents nobody else put a version in go
        // (with their chunks, below); co-written ones stay the group's, the
        // person's name gone from them with their handle. Watch items (their
        // summaries are the person's words), preferences, digests,
        // representations and referral codes go.
        "DELETE FROM documents d WHERE d.created_by = $1 AND NOT EXISTS (SELECT 1 FROM document_versions v "
        "  WHERE v.document_id = d.id AND v.uploaded_by IS DISTINCT FROM $1)",
        "DELETE FROM document_chunks k WHERE $1::bigint IS NOT NULL AND NOT EXISTS "
        "  (SELECT 1 FROM document_version_chunks v WHERE v.chunk = k.sha256)",
        "DELETE FROM watch_items WHERE created_by = $1", "DELETE FROM preferences WHERE user_id = $1",
        "DELETE FROM watch_digest_runs WHERE user_id = $1", "DELETE FROM structure_representatives WHERE user_id = $1",
        "DELETE FROM referral_codes WHERE created_by = $1", "DELETE FROM push_subscriptions WHERE user_id = $1",
        "DELETE FROM mail_digest_state WHERE user_id = $1",
        // Intervision: their roles, confirmations and places in cases go; the
        // pole's cases stay (free text screened, no one named) without them.
        "DELETE FROM intervision_roles WHERE user_id = $1", "DELETE FROM professional_confirmations WHERE user_id = $1",
        "DELETE FROM intervision_case_people WHERE user_id = $1",
        "UPDATE intervision_roles SET granted_by = NULL WHERE granted_by = $1",
        "UPDATE professional_confirmations SET confirmed_by = NULL WHERE confirmed_by = $1",
        "UPDATE intervision_cases SET filed_by = NULL WHERE filed_by = $1",
        "UPDATE intervision_cases SET approved_by = NULL WHERE approved_by = $1",
        "UPDATE intervision_agenda_items SET added_by = NULL WHERE added_by = $1",
        "UPDATE intervision_sheets SET filled_by = NULL WHERE filled_by = $1",
        "UPDATE intervision_sheets SET report_back_user_id = NULL WHERE report_back_user_id = $1"})
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
}

bool lock_live_user(pqxx::transaction_base& w, std::int64_t user_id) {
  return !w.exec_params("SELECT 1 FROM users WHERE id = $1 AND deleted_at IS NULL FOR UPDATE", user_id).empty();
}

void set_suspension(pqxx::transaction_base& w, std::int64_t user_id, bool on, const std::string& reason) {
  if (on)
    w.exec_params("UPDATE users SET suspended_at = now(), suspended_reason = $2 WHERE id = $1", user_id, reason);
  else
    w.exec_params("UPDATE users SET suspended_at = NULL, suspended_reason = NULL WHERE id = $1", user_id);
}

void admin_audit(pqxx::transaction_base& w, std::int64_t actor_id, const std::string& action, std::int64_t target_id,
                 const std::string& reason) {
  w.exec_params("INSERT INTO admin_audit (actor_id, action, target_user_id, reason) VALUES ($1, $2, $3, $4)", actor_id,
                action, target_id, reason);
}

}  // namespace colibri::groups::repo
