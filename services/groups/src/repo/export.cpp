#include "repo/export.hpp"

#include "colibri/core/clock.hpp"
#include "colibri/json/writer.hpp"

namespace colibri::groups::repo {

namespace {

// Rows of a query as a JSON array of objects, one key per column; times are
// returned by the query as epoch milliseconds in columns named "*_at".
void rows_array(json::writer& j, const pqxx::result& res) {
  j.begin_array();
  for (auto r : res) {
    j.begin_object();
    for (int c = 0; c < static_cast<int>(r.size()); ++c) {
      std::string name = res.column_name(c);
      j.key(name);
      if (r[c].is_null()) {
        j.null();
        continue;
      }
      auto type = r[c].type();
      if (name.size() > 3 && name.compare(name.size() - 3, 3, "_at") == 0)
        j.value(core::format_rfc3339_ms(r[c].as<std::int64_t>()));
      else if (type == 20 || type == 23)
        j.value(r[c].as<std::int64_t>());  // int8, int4
      else if (type == 16)
        j.value(r[c].as<bool>());
      else if (type == 3802)
        j.raw(r[c].as<std::string>());  // jsonb
      else
        j.value(r[c].as<std::string>());
    }
    j.end_object();
  }
  j.end_array();
}

std::string ms(const char* column) { return std::string("(extract(epoch FROM ") + column + ") * 1000)::bigint"; }

}  // namespace

std::string export_account(pqxx::transaction_base& w, std::int64_t uid) {
  json::writer j;
  j.begin_object()
      .field("format", "colibri-export-1")
      .field("exported_at", core::format_rfc3339(core::system_clock().now()));
  auto section = [&](const char* key, const std::string& sql) {
    j.key(key);
    rows_array(j, w.exec_params(sql, uid));
  };
  section("account", "SELECT id, email, handle, locale, timezone, is_admin, " + ms("created_at") + " AS created_at, " +
                         ms("updated_at") + " AS updated_at FROM users WHERE id = $1");
  section("sessions", "SELECT id, " + ms("created_at") + " AS created_at, " + ms("last_seen_at") +
                          " AS last_seen_at, " + ms("expires_at") + " AS expires_at, " + ms("revoked_at") +
                          " AS revoked_at FROM sessions WHERE user_id = $1 ORDER BY id");
  section("quit_attempts",
          "SELECT attempt, to_char(quit_date, 'YYYY-MM-DD') AS quit_date, cigarettes_per_day, "
          "pack_price_cents, pack_size, share, current, " +
              ms("created_at") + " AS created_at FROM quit_attempts WHERE user_id = $1 ORDER BY attempt");
  section("badges", "SELECT a.attempt, g.milestone, to_char(g.falls_on, 'YYYY-MM-DD') AS falls_on, " +
                        ms("g.granted_at") +
                        " AS granted_at FROM badge_grants g JOIN quit_attempts a ON a.id = g.attempt_id "
                        "WHERE g.user_id = $1 ORDER BY g.id");
  section("memberships", "SELECT m.group_id, g.name AS group_name, m.role, " + ms("m.joined_at") + " AS joined_at, " +
                             ms("m.muted_until") +
                             " AS muted_until_at FROM memberships m JOIN groups g ON g.id = m.group_id "
                             "WHERE m.user_id = $1 ORDER BY m.group_id");
  section("join_requests", "SELECT id, group_id, motivation, state, reason, " + ms("created_at") + " AS created_at, " +
                               ms("decided_at") + " AS decided_at FROM join_requests WHERE user_id = $1 ORDER BY id");
  section("events", "SELECT room, seq, kind, body, target_seq, emoji, reaction_on, reply_to, client_msg_id, " +
                        ms("created_at") + " AS created_at FROM room_events WHERE author_id = $1 ORDER BY id");
  section("held_posts", "SELECT id, room, body, state, " + ms("created_at") +
                            " AS created_at FROM held_posts WHERE author_id = $1 ORDER BY id");
  section("scheduled_posts", "SELECT id, group_id, body, repeat, " + ms("once_at") +
                                 " AS once_at, "
                                 "to_char(local_time, 'HH24:MI') AS local_time, weekdays, timezone, " +
                                 ms("created_at") +
                                 " AS created_at FROM scheduled_posts WHERE author_id = $1 ORDER BY id");
  section("read_markers", "SELECT room, seq FROM read_markers WHERE user_id = $1 ORDER BY room");
  section("notifications", "SELECT id, kind, title, body, data, " + ms("created_at") + " AS created_at, " +
                               ms("read_at") + " AS read_at FROM notifications WHERE user_id = $1 ORDER BY id");
  section("reports_filed", "SELECT id, group_id, room, seq, target_user_id, reason, note, state, " + ms("created_at") +
                               " AS created_at FROM reports WHERE reporter_id = $1 ORDER BY id");
  // Moderation about them: what was done, when, and the report's reason
  // category; never who reported them, the notes or the moderator's name.
  section("moderation_about_me", "SELECT a.group_id, a.action, " + ms("a.created_at") +
                                     " AS created_at FROM audit_log a "
                                     "WHERE a.target_user_id = $1 ORDER BY a.id");
  section("reports_about_me", "SELECT r.group_id, r.reason, r.state, r.action, " + ms("r.created_at") +
                                  " AS created_at, " + ms("r.resolved_at") +
                                  " AS resolved_at FROM reports r WHERE r.target_user_id = $1 "
                                  "OR EXISTS (SELECT 1 FROM room_events e WHERE e.room = r.room AND e.seq = r.seq "
                                  "AND e.author_id = $1) ORDER BY r.id");
  section("suspension", "SELECT " + ms("suspended_at") +
                            " AS suspended_at, suspended_reason FROM users "
                            "WHERE id = $1 AND suspended_at IS NOT NULL");
  section("threads", "SELECT id, group_id, title, " + ms("created_at") +
                         " AS created_at FROM threads WHERE author_id = $1 "
                         "ORDER BY id");
  section("daily_congrats", "SELECT day, to_char(local_date, 'YYYY-MM-DD') AS local_date, " + ms("sent_at") +
                                " AS sent_at FROM daily_congrats WHERE user_id = $1 ORDER BY local_date");
  section("celebrations",
          "SELECT group_id, to_char(on_date, 'YYYY-MM-DD') AS on_date, day, milestone, "
          "congratulated_by IS NOT NULL AS congratulated FROM celebrations WHERE user_id = $1 ORDER BY id");
  section("invitations_sent",
          "SELECT group_id, email, " + ms("created_at") + " AS created_at, " + ms("expires_at") +
              " AS expires_at, used_by IS NOT NULL AS used FROM invitations WHERE created_by = $1 ORDER BY id");
  section("invitation_used",
          "SELECT group_id, " + ms("used_at") + " AS used_at FROM invitations WHERE used_by = $1 ORDER BY id");
  section("conversations",
          "SELECT c.conversation_id, (SELECT json_agg(json_build_object('id', u.id, 'handle', u.handle) "
          "ORDER BY u.id) FROM conversation_members o JOIN users u ON u.id = o.user_id "
          "WHERE o.conversation_id = c.conversation_id)::jsonb AS members "
          "FROM conversation_members c WHERE c.user_id = $1 ORDER BY 1");
  section("blocks",
          "SELECT blocked_id, " + ms("created_at") + " AS created_at FROM blocks WHERE blocker_id = $1 ORDER BY 1");
  section("professional_profile",
          "SELECT profession, organisation, department, self_employed, industry, legal_name, rpps, " +
              ms("updated_at") + " AS updated_at FROM professional_profiles WHERE user_id = $1");
  section("meeting_registrations",
          "SELECT r.meeting_id, m.title, r.occurrence_id, " + ms("o.starts_at") + " AS starts_at, r.state, " +
              ms("r.created_at") + " AS created_at, " + ms("r.promoted_at") +
              " AS promoted_at FROM meeting_registrations r JOIN meeting_occurrences o ON o.id = r.occurrence_id "
              "JOIN meetings m ON m.id = r.meeting_id WHERE r.user_id = $1 ORDER BY o.starts_at");
  section("meeting_attendance",
          "SELECT o.meeting_id, m.title, a.occurrence_id, " + ms("o.starts_at") + " AS starts_at, a.present, " +
              ms("a.signed_at") +
              " AS signed_at, a.signed_by = a.user_id AS signed_themselves FROM meeting_attendance a "
              "JOIN meeting_occurrences o ON o.id = a.occurrence_id JOIN meetings m ON m.id = o.meeting_id "
              "WHERE a.user_id = $1 ORDER BY o.starts_at");
  section("meetings_organised", "SELECT id, group_id, title, kind, " + ms("created_at") +
                                    " AS created_at FROM meetings WHERE created_by = $1 ORDER BY id");
  // The feed's existence, never its token (only a hash is stored anyway).
  section("calendar_feed",
          "SELECT true AS configured, " + ms("created_at") + " AS created_at FROM calendar_feeds WHERE user_id = $1");
  section("preferences", "SELECT * FROM preferences WHERE user_id = $1");
  section("push_subscriptions", "SELECT id, endpoint, " + ms("created_at") + " AS created_at, " +
                                    ms("last_success_at") +
                                    " AS last_success_at FROM push_subscriptions "
                                    "WHERE user_id = $1 ORDER BY id");
  section("mail_digest", "SELECT " + ms("last_sent_at") + " AS last_sent_at FROM mail_digest_state WHERE user_id = $1");
  j.end_object();
  return j.release();
}

void mark_notifications_read(pqxx::transaction_base& w, std::int64_t user_id, std::int64_t up_to_id) {
  w.exec_params("UPDATE notifications SET read_at = now() WHERE user_id = $1 AND id <= $2 AND read_at IS NULL", user_id,
                up_to_id);
}

}  // namespace colibri::groups::repo
