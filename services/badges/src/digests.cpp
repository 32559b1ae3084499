#include "colibri/badges/digests.hpp"

#include <map>

#include "colibri/core/messages.hpp"
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

}  // namespace colibri::badges
