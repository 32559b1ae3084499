#include "colibri/badges/digests.hpp"

#include <map>

#include "colibri/core/messages.hpp"
#include "colibri/core/utf8.hpp"
#include "colibri/json/writer.hpp"
#include "colibri/mail/mail.hpp"

namespace colibri::badges {

namespace {

struct item {
  std::int64_t id = 0;
  std::string title, url, group_name;
};

struct person {
  std::int64_t user_id = 0;
  std::string week, handle, email;
  bool verified = false;
  core::lang lang = core::lang::fr;
  std::vector<item> items;
};

constexpr int k_listed = 20;  // items listed in one digest (the count says how many in all)

}  // namespace

digests_result run_watch_digests(pqxx::connection& c, core::time_point now, const std::string& public_url, int batch) {
  pqxx::work w(c);
  digests_result out;
  // `due`: people whose local Monday 09:00 of this week has passed and whose
  // week has no run row yet; their week's items: added from the Monday 09:00
  // before to this one, in groups they are a member of now.
  std::map<std::int64_t, person> people;
  std::vector<std::int64_t> order;
  for (auto r : w.exec_params(
           "WITH due AS (SELECT u.id AS user_id, u.timezone, "
           "  date_trunc('week', $1::timestamptz AT TIME ZONE u.timezone)::date AS week "
           "  FROM preferences p JOIN users u ON u.id = p.user_id "
           "  WHERE p.watch_digest AND u.deleted_at IS NULL AND u.suspended_at IS NULL "
           "  AND ($1::timestamptz AT TIME ZONE u.timezone) >= "
           "    date_trunc('week', $1::timestamptz AT TIME ZONE u.timezone) + interval '9 hours' "
           "  AND NOT EXISTS (SELECT 1 FROM watch_digest_runs x WHERE x.user_id = u.id "
           "    AND x.week = date_trunc('week', $1::timestamptz AT TIME ZONE u.timezone)::date) "
           "  ORDER BY u.id LIMIT $2), "
           "items AS (SELECT d.user_id, w.id, w.title, w.url, g.name AS group_name FROM due d "
           "  JOIN memberships m ON m.user_id = d.user_id JOIN watch_items w ON w.group_id = m.group_id "
           "  JOIN groups g ON g.id = w.group_id "
           "  WHERE w.created_at >= ((d.week + time '09:00') - interval '7 days') AT TIME ZONE d.timezone "
           "  AND w.created_at < (d.week + time '09:00') AT TIME ZONE d.timezone), "
           "ins AS (INSERT INTO watch_digest_runs (user_id, week, items) "
           "  SELECT d.user_id, d.week, (SELECT count(*) FROM items i WHERE i.user_id = d.user_id) FROM due d "
           "  ON CONFLICT DO NOTHING RETURNING user_id, week, items) "
           "SELECT ins.user_id, ins.week::text, u.handle, u.email, "
           "  u.email_verified_at IS NOT NULL, u.locale, i.id, i.title, i.url, i.group_name "
           "FROM ins JOIN users u ON u.id = ins.user_id LEFT JOIN items i ON i.user_id = ins.user_id "
           "ORDER BY ins.user_id, i.id DESC",
           core::format_rfc3339(now), batch)) {
    auto uid = r[0].as<std::int64_t>();
    auto [it, fresh] = people.try_emplace(uid);
    auto& p = it->second;
    if (fresh) {
      order.push_back(uid);
      p.user_id = uid;
      p.week = r[1].as<std::string>();
      p.handle = r[2].as<std::string>();
      p.email = r[3].as<std::string>();
      p.verified = r[4].as<bool>();
      p.lang = r[5].as<std::string>() == "en" ? core::lang::en : core::lang::fr;
    }
    if (!r[6].is_null())
      p.items.push_back(
          {r[6].as<std::int64_t>(), r[7].as<std::string>(), r[8].as<std::string>(), r[9].as<std::string>()});
  }
  out.weeks = static_cast<int>(order.size());
  for (auto uid : order) {
    const auto& p = people[uid];
    if (p.items.empty()) continue;
    auto count = std::to_string(p.items.size());
    std::string titles, listed;
    json::writer data;
    data.begin_object().field("week", p.week).field("count", static_cast<std::int64_t>(p.items.size()));
    data.key("items").begin_array();
    for (std::size_t i = 0; i < p.items.size() && i < k_listed; ++i) {
      const auto& x = p.items[i];
      data.value(x.id);
      if (i < 5) titles += (titles.empty() ? "" : " · ") + x.title;
      listed += "- " + x.title + " (" + x.group_name + ")\n  " + x.url + "\n";
    }
    data.end_array().end_object();
    auto n =
        notify::insert_for(w, {uid}, "watch_digest", core::message(core::msg::note_watch_digest, {{"count", count}}),
                           core::message(core::msg::note_watch_digest_body, {{"titles", titles}}), data.release());
    out.notifications.insert(out.notifications.end(), n.begin(), n.end());
    if (!p.verified) continue;
    mail::message m;
    m.to = p.email;
    m.subject = core::message(core::msg::mail_watch_digest_subject).in(p.lang);
    m.text = core::message(core::msg::mail_watch_digest_body, {{"handle", p.handle},
                                                               {"items", listed},
                                                               {"url", public_url + "/#/pro"},
                                                               {"prefs_url", public_url + "/#/preferences"}})
                 .in(p.lang);
    mail::enqueue(w, uid, "watch_digest", m);
    ++out.mailed;
  }
  w.commit();
  return out;
}

namespace {

struct missed {
  std::int64_t user_id = 0, upto = 0;
  std::string handle, email;
  core::lang lang = core::lang::fr;
  bool quote = false;
  std::int64_t replies = 0, mentions = 0, dms = 0, celebrations = 0;
  std::vector<std::pair<std::string, std::string>> quotes;  // (handle, text)
};

constexpr int k_quoted = 5;

}  // namespace

mail_digests_result run_mail_digests(pqxx::connection& c, core::time_point now, const std::string& public_url,
                                     int batch) {
  pqxx::work w(c);
  mail_digests_result out;
  auto at = core::format_rfc3339(now);
  // Claim: the state row moves to this digest only if the last one is a day
  // old, so a second scheduler (or a retried pass) finds nothing to claim.
  std::vector<missed> people;
  for (auto r : w.exec_params(
           "WITH due AS (SELECT u.id, coalesce(st.last_notification_id, 0) AS after FROM users u "
           "  LEFT JOIN preferences p ON p.user_id = u.id LEFT JOIN mail_digest_state st ON st.user_id = u.id "
           "  WHERE u.deleted_at IS NULL AND u.suspended_at IS NULL AND u.email_verified_at IS NOT NULL "
           "  AND coalesce(p.mail_digest, true) "
           "  AND (st.last_sent_at IS NULL OR st.last_sent_at <= $1::timestamptz - interval '1 day') "
           "  AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = u.id "
           "    AND s.last_seen_at > $1::timestamptz - interval '1 day') "
           "  AND EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = u.id "
           "    AND n.id > coalesce(st.last_notification_id, 0) AND n.read_at IS NULL "
           "    AND n.kind IN ('reply', 'mention', 'dm', 'daily_congrats', 'badge')) "
           "  ORDER BY u.id LIMIT $2), "
           "counts AS (SELECT d.id AS user_id, max(n.id) AS upto, "
           "  count(*) FILTER (WHERE n.kind = 'reply') AS replies, "
           "  count(*) FILTER (WHERE n.kind = 'mention') AS mentions, "
           "  count(*) FILTER (WHERE n.kind = 'dm') AS dms, "
           "  count(*) FILTER (WHERE n.kind IN ('daily_congrats', 'badge')) AS celebrations "
           "  FROM due d JOIN notifications n ON n.user_id = d.id AND n.id > d.after AND n.read_at IS NULL "
           "  AND n.kind IN ('reply', 'mention', 'dm', 'daily_congrats', 'badge') GROUP BY d.id), "
           "claimed AS (INSERT INTO mail_digest_state (user_id, last_sent_at, last_notification_id) "
           "  SELECT user_id, $1::timestamptz, upto FROM counts "
           "  ON CONFLICT (user_id) DO UPDATE SET last_sent_at = EXCLUDED.last_sent_at, "
           "    last_notification_id = EXCLUDED.last_notification_id "
           "  WHERE mail_digest_state.last_sent_at <= $1::timestamptz - interval '1 day' RETURNING user_id) "
           "SELECT c.user_id, c.upto, u.handle, u.email, u.locale, coalesce(p.mail_text, false), "
           "  c.replies, c.mentions, c.dms, c.celebrations, "
           "  (SELECT coalesce(d.after, 0) FROM due d WHERE d.id = c.user_id) "
           "FROM counts c JOIN claimed k ON k.user_id = c.user_id JOIN users u ON u.id = c.user_id "
           "LEFT JOIN preferences p ON p.user_id = c.user_id ORDER BY c.user_id",
           at, batch)) {
    missed m;
    m.user_id = r[0].as<std::int64_t>();
    m.upto = r[1].as<std::int64_t>();
    m.handle = r[2].as<std::string>();
    m.email = r[3].as<std::string>();
    core::parse_lang(r[4].as<std::string>(), m.lang);
    m.quote = r[5].as<bool>();
    m.replies = r[6].as<std::int64_t>();
    m.mentions = r[7].as<std::int64_t>();
    m.dms = r[8].as<std::int64_t>();
    m.celebrations = r[9].as<std::int64_t>();
    if (m.quote)
      // What was written to them, as it reads now (edited, or gone once
      // deleted), newest first.
      for (auto q : w.exec_params(
               "SELECT coalesce(a.handle, ''), t.text FROM (SELECT n.id, (n.data->>'user_id')::bigint AS author, "
               "  colibri_live_text(n.data->>'room', (n.data->>'seq')::bigint) AS text FROM notifications n "
               "  WHERE n.user_id = $1 AND n.id > $2 AND n.id <= $3 AND n.read_at IS NULL "
               "  AND n.kind IN ('reply', 'mention', 'dm')) t LEFT JOIN users a ON a.id = t.author "
               "WHERE t.text IS NOT NULL ORDER BY t.id DESC LIMIT $4",
               m.user_id, r[10].as<std::int64_t>(), m.upto, k_quoted))
        m.quotes.emplace_back(q[0].as<std::string>(), q[1].as<std::string>());
    people.push_back(std::move(m));
  }
  for (const auto& m : people) {
    using core::msg;
    std::string lines;
    auto line = [&](msg k, std::int64_t n) {
      if (n > 0) lines += core::message(k, {{"count", std::to_string(n)}}).in(m.lang) + "\n";
    };
    line(msg::mail_digest_replies, m.replies);
    line(msg::mail_digest_mentions, m.mentions);
    line(msg::mail_digest_dms, m.dms);
    line(msg::mail_digest_celebrations, m.celebrations);
    for (const auto& [who, text] : m.quotes) {
      lines += core::message(msg::mail_digest_quote, {{"handle", who}, {"text", core::shorten(text, 300)}}).in(m.lang) +
               "\n";
    }
    auto unsubscribe = public_url + "/api/v1/mail/unsubscribe?u=" + std::to_string(m.user_id) +
                       "&t=" + mail::unsubscribe_token(w, m.user_id);
    mail::message mm;
    mm.to = m.email;
    mm.subject = core::message(msg::mail_digest_subject).in(m.lang);
    mm.text = core::message(msg::mail_digest_body, {{"handle", m.handle},
                                                    {"lines", lines},
                                                    {"url", public_url + "/#/notifications"},
                                                    {"unsubscribe_url", unsubscribe},
                                                    {"prefs_url", public_url + "/#/preferences"}})
                  .in(m.lang);
    mm.list_unsubscribe = unsubscribe;
    mail::enqueue(w, m.user_id, "digest", mm);
    ++out.mailed;
  }
  w.commit();
  return out;
}

}  // namespace colibri::badges
