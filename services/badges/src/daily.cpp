#include "colibri/badges/daily.hpp"

#include <cstdio>

#include "colibri/quit/milestones.hpp"

namespace colibri::badges {

namespace {

std::string sql_text(const std::string& s) {
  std::string out = "'";
  for (char ch : s) out += ch == '\'' ? std::string("''") : std::string(1, ch);
  return out + "'";
}

// The catalogue as a VALUES list: (ord, key, span, fr, en).
std::string milestones_values() {
  std::string v;
  int ord = 0;
  for (const auto& m : quit::catalogue()) {
    if (!v.empty()) v += ", ";
    v += "(" + std::to_string(ord++) + ", " + sql_text(m.key) + ", interval " + sql_text(m.span) + ", " +
         sql_text(m.name.fr) + ", " + sql_text(m.name.en) + ")";
  }
  return v;
}

std::string rfc3339(core::time_point t) { return core::format_rfc3339(t); }

constexpr const char* k_notification_columns =
    "id, user_id, kind, title, body, data::text, (extract(epoch FROM created_at) * 1000)::bigint, read_at IS NOT NULL";

notify::notification read_notification(const pqxx::row& r) {
  return {r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), r[2].as<std::string>(),  r[3].as<std::string>(),
          r[4].as<std::string>(),  r[5].as<std::string>(),  r[6].as<std::int64_t>(), r[7].as<bool>()};
}

}  // namespace

daily_result run_due(pqxx::connection& c, core::time_point now, const daily_settings& s) {
  pqxx::work w(c);
  daily_result out;
  char morning[16];
  std::snprintf(morning, sizeof morning, "%02d:%02d", static_cast<int>(s.morning.count() / 60),
                static_cast<int>(s.morning.count() % 60));
  // Current attempts at day >= 1 in their owner's local calendar, among a
  // candidate set found by index (`which`): local days are within a day of
  // the UTC date, so the candidate bounds keep a day of slack.
  auto cur = [](const char* which) {
    return std::string(
               "cur AS (SELECT a.id AS attempt_id, a.user_id, a.quit_date, a.evaluated_at, u.locale, "
               "  ($1::timestamptz AT TIME ZONE u.timezone) AS local_ts, "
               "  ($1::timestamptz AT TIME ZONE u.timezone)::date AS local_today "
               "  FROM quit_attempts a JOIN users u ON u.id = a.user_id AND u.deleted_at IS NULL "
               "  WHERE a.current AND ") +
           which + " AND a.quit_date < ($1::timestamptz AT TIME ZONE u.timezone)::date)";
  };
  const char* first_days =
      "a.quit_date BETWEEN ($1::timestamptz AT TIME ZONE 'UTC')::date - 122 "
      "AND ($1::timestamptz AT TIME ZONE 'UTC')::date + 1";
  const char* milestone_due =
      "(a.next_milestone_on IS NULL OR a.next_milestone_on <= ($1::timestamptz AT TIME ZONE 'UTC')::date + 1)";

  // 1. Today's congratulation, from the local morning on.
  auto congrats = w.exec_params(
      "WITH " + cur(first_days) +
          ", sent AS (INSERT INTO daily_congrats (attempt_id, user_id, day, local_date, sent_at) "
          "  SELECT attempt_id, user_id, local_today - quit_date, local_today, $1 FROM cur "
          "  WHERE local_today - quit_date BETWEEN 1 AND 120 AND local_ts::time >= $2::time "
          "  AND NOT EXISTS (SELECT 1 FROM daily_congrats d WHERE d.attempt_id = cur.attempt_id "
          "    AND d.day = cur.local_today - cur.quit_date) "
          "  ON CONFLICT DO NOTHING RETURNING attempt_id, user_id, day), "
          "n AS (INSERT INTO notifications (user_id, kind, title, body, data, created_at) "
          "  SELECT s.user_id, 'daily_congrats', "
          "    CASE WHEN u.locale = 'en' THEN 'Day ' || s.day || ' without tobacco!' ELSE 'Jour ' || s.day || ' sans "
          "tabac !' END, "
          "    CASE WHEN u.locale = 'en' THEN 'Congratulations: one more day, and every one counts. The group is proud "
          "of you.' "
          "         ELSE 'Félicitations : un jour de plus, et chacun compte. Tout le groupe est fier de vous.' END, "
          "    jsonb_build_object('day', s.day, 'attempt', s.attempt_id), $1 "
          "  FROM sent s JOIN users u ON u.id = s.user_id RETURNING " +
          k_notification_columns +
          ") "
          "SELECT * FROM n ORDER BY id",
      rfc3339(now), std::string(morning));
  for (auto r : congrats) out.notifications.push_back(read_notification(r));
  out.congratulated = static_cast<int>(congrats.size());

  // 2. Milestones: on their day from the local morning, at once when the
  // attempt is new or the day is past; one notification per attempt and pass.
  auto grants = w.exec_params(
      "WITH " + cur(milestone_due) + ", m(ord, key, span, fr, en) AS (VALUES " + milestones_values() +
          "), "
          "due AS (SELECT c.*, m.ord, m.key, m.fr, m.en, (c.quit_date + m.span)::date AS falls_on FROM cur c CROSS "
          "JOIN m), "
          "granted AS (INSERT INTO badge_grants (attempt_id, user_id, milestone, falls_on, granted_at) "
          "  SELECT attempt_id, user_id, key, falls_on, $1 FROM due WHERE falls_on < local_today "
          "    OR (falls_on = local_today AND (local_ts::time >= $2::time OR evaluated_at IS NULL)) "
          "  ON CONFLICT DO NOTHING RETURNING attempt_id, user_id, milestone), "
          "per AS (SELECT g.attempt_id, g.user_id, count(*) AS n, "
          "    string_agg(d.fr, ', ' ORDER BY d.ord) AS fr_list, string_agg(d.en, ', ' ORDER BY d.ord) AS en_list, "
          "    (array_agg(d.fr ORDER BY d.ord DESC))[1] AS fr_last, (array_agg(d.en ORDER BY d.ord DESC))[1] AS "
          "en_last, "
          "    jsonb_agg(g.milestone ORDER BY d.ord) AS keys "
          "  FROM granted g JOIN due d ON d.attempt_id = g.attempt_id AND d.key = g.milestone GROUP BY 1, 2), "
          "n AS (INSERT INTO notifications (user_id, kind, title, body, data, created_at) "
          "  SELECT p.user_id, 'badge', "
          "    CASE WHEN u.locale = 'en' THEN CASE WHEN p.n = 1 THEN 'New badge: ' || p.en_last ELSE p.n || ' badges "
          "earned' END "
          "         ELSE CASE WHEN p.n = 1 THEN 'Nouveau badge : ' || p.fr_last ELSE p.n || ' badges gagnés' END END, "
          "    CASE WHEN u.locale = 'en' THEN CASE WHEN p.n = 1 THEN 'Congratulations: ' || p.en_last || '!' "
          "           ELSE 'Congratulations! Already behind you: ' || p.en_list || '.' END "
          "         ELSE CASE WHEN p.n = 1 THEN 'Félicitations : ' || p.fr_last || ' !' "
          "           ELSE 'Félicitations ! Déjà derrière vous : ' || p.fr_list || '.' END END, "
          "    jsonb_build_object('milestones', p.keys, 'attempt', p.attempt_id), $1 "
          "  FROM per p JOIN users u ON u.id = p.user_id RETURNING " +
          k_notification_columns +
          ") "
          "SELECT (SELECT count(*) FROM granted), n.* FROM n ORDER BY id",
      rfc3339(now), std::string(morning));
  for (auto r : grants) {
    out.granted = r[0].as<int>();
    out.notifications.push_back({r[1].as<std::int64_t>(), r[2].as<std::int64_t>(), r[3].as<std::string>(),
                                 r[4].as<std::string>(), r[5].as<std::string>(), r[6].as<std::string>(),
                                 r[7].as<std::int64_t>(), r[8].as<bool>()});
  }
  // The next milestone still to grant, for the attempts this pass looked at
  // ('infinity' once all are granted).
  w.exec_params(
      "WITH m(ord, key, span, fr, en) AS (VALUES " + milestones_values() +
          ") "
          "UPDATE quit_attempts a SET next_milestone_on = coalesce((SELECT min((a.quit_date + m.span)::date) FROM m "
          "  WHERE NOT EXISTS (SELECT 1 FROM badge_grants g WHERE g.attempt_id = a.id AND g.milestone = m.key)), "
          "  'infinity'::date) "
          "WHERE a.current AND (a.next_milestone_on IS NULL "
          "  OR a.next_milestone_on <= ($1::timestamptz AT TIME ZONE 'UTC')::date + 1)",
      rfc3339(now));
  w.exec_params("UPDATE quit_attempts SET evaluated_at = $1 WHERE current AND evaluated_at IS NULL", rfc3339(now));
  w.commit();
  return out;
}

}  // namespace colibri::badges
