#include "colibri/badges/reminders.hpp"

#include <map>

#include "colibri/calendar/ics.hpp"
#include "colibri/calendar/spoken.hpp"
#include "colibri/calendar/zones.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/json/writer.hpp"
#include "colibri/mail/mail.hpp"

namespace colibri::badges {

namespace {

struct due {
  calendar::occurrence o;
  std::int64_t user_id = 0;
  std::string kind, handle, email, group_name;
  bool verified = false;
  core::lang lang = core::lang::fr;
};

std::string ics_for(pqxx::transaction_base& w, const due& d, const std::string& public_url, std::int64_t stamp_ms) {
  calendar::document doc;
  doc.name = d.o.title;
  calendar::add_zones(w, doc, {d.o});
  doc.events.push_back(calendar::occurrence_event(d.o, public_url, stamp_ms));
  return calendar::render(doc);
}

}  // namespace

reminders_result run_reminders(pqxx::connection& c, core::time_point now, const std::string& public_url, int batch) {
  pqxx::work w(c);
  reminders_result out;
  auto at = core::format_rfc3339(now);
  std::vector<due> rows;
  for (auto r : w.exec_params(
           "WITH d AS (SELECT r.occurrence_id, r.user_id, "
           "  CASE WHEN o.starts_at - $1::timestamptz <= interval '1 hour' THEN '1h' ELSE '24h' END AS kind "
           "  FROM meeting_occurrences o JOIN meetings m ON m.id = o.meeting_id "
           "  JOIN meeting_registrations r ON r.occurrence_id = o.id AND r.state = 'registered' "
           "  WHERE o.starts_at > $1::timestamptz AND o.starts_at <= $1::timestamptz + interval '24 hours' "
           "  AND o.state = 'scheduled' AND m.state = 'scheduled' "
           "  AND (o.starts_at - $1::timestamptz <= interval '1 hour' "
           "    OR o.starts_at - $1::timestamptz >= interval '12 hours') "
           "  AND NOT EXISTS (SELECT 1 FROM meeting_reminders x WHERE x.occurrence_id = r.occurrence_id "
           "    AND x.user_id = r.user_id AND x.kind = CASE WHEN o.starts_at - $1::timestamptz <= interval '1 hour' "
           "    THEN '1h' ELSE '24h' END) "
           "  ORDER BY o.starts_at, r.occurrence_id, r.user_id LIMIT $2), "
           "ins AS (INSERT INTO meeting_reminders (occurrence_id, user_id, kind, sent_at) "
           "  SELECT occurrence_id, user_id, kind, $1::timestamptz FROM d ON CONFLICT DO NOTHING "
           "  RETURNING occurrence_id, user_id, kind) "
           "SELECT i.occurrence_id, i.user_id, i.kind, m.id, m.title, m.timezone, "
           "  to_char(o.local_start, 'YYYY-MM-DD\"T\"HH24:MI:SS'), "
           "  to_char(o.ends_at AT TIME ZONE m.timezone, 'YYYY-MM-DD\"T\"HH24:MI:SS'), u.handle, u.email, "
           "  u.email_verified_at IS NOT NULL AND u.deleted_at IS NULL, u.locale, m.location, g.name, "
           "  (extract(epoch FROM o.starts_at) * 1000)::bigint, (extract(epoch FROM o.ends_at) * 1000)::bigint, "
           "  o.sequence + m.sequence "
           "FROM ins i JOIN meeting_occurrences o ON o.id = i.occurrence_id JOIN meetings m ON m.id = o.meeting_id "
           "JOIN groups g ON g.id = m.group_id JOIN users u ON u.id = i.user_id "
           "WHERE u.deleted_at IS NULL ORDER BY i.occurrence_id, i.user_id",
           at, batch)) {
    due d;
    d.o.id = r[0].as<std::int64_t>();
    d.user_id = r[1].as<std::int64_t>();
    d.kind = r[2].as<std::string>();
    d.o.meeting_id = r[3].as<std::int64_t>();
    d.o.title = r[4].as<std::string>();
    d.o.timezone = r[5].as<std::string>();
    d.o.local_start = r[6].as<std::string>();
    d.o.local_end = r[7].as<std::string>();
    d.handle = r[8].as<std::string>();
    d.email = r[9].as<std::string>();
    d.verified = r[10].as<bool>();
    d.lang = r[11].as<std::string>() == "en" ? core::lang::en : core::lang::fr;
    d.o.location = r[12].is_null() ? std::nullopt : std::optional<std::string>(r[12].as<std::string>());
    d.group_name = r[13].as<std::string>();
    d.o.starts_ms = r[14].as<std::int64_t>();
    d.o.ends_ms = r[15].as<std::int64_t>();
    d.o.sequence = r[16].as<std::int64_t>();
    rows.push_back(std::move(d));
  }
  auto stamp_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::map<std::int64_t, std::string> ics;  // per occurrence
  for (const auto& d : rows) {
    auto when = calendar::spoken(d.o.local_start, d.o.timezone);
    auto title = core::message(core::msg::note_meeting_reminder, {{"title", d.o.title}});
    auto body = calendar::with_when(core::message(d.kind == "1h" ? core::msg::note_meeting_reminder_hour_body
                                                                 : core::msg::note_meeting_reminder_day_body),
                                    when);
    json::writer data;
    data.begin_object().field("meeting_id", d.o.meeting_id).field("occurrence_id", d.o.id);
    data.field("reminder", d.kind).end_object();
    auto n = notify::insert_for(w, {d.user_id}, "meeting_reminder", title, body, data.release());
    out.notifications.insert(out.notifications.end(), n.begin(), n.end());
    if (!d.verified) continue;
    auto [it, fresh] = ics.try_emplace(d.o.id);
    if (fresh) it->second = ics_for(w, d, public_url, stamp_ms);
    auto url = public_url + "/#/meetings/" + std::to_string(d.o.meeting_id);
    mail::message m;
    m.to = d.email;
    m.subject =
        calendar::with_when(core::message(core::msg::mail_meeting_reminder_subject, {{"title", d.o.title}}), when)
            .in(d.lang);
    m.text =
        calendar::with_when(core::message(core::msg::mail_meeting_reminder_body, {{"handle", d.handle},
                                                                                  {"title", d.o.title},
                                                                                  {"group", d.group_name},
                                                                                  {"place", d.o.location.value_or("")},
                                                                                  {"url", url}}),
                            when)
            .in(d.lang);
    m.attachment = mail::attachment{"seance-" + std::to_string(d.o.id) + ".ics",
                                    "text/calendar; charset=UTF-8; method=PUBLISH", it->second};
    mail::enqueue(w, d.user_id, "meeting_reminder", m);
    ++out.mailed;
  }
  w.commit();
  return out;
}

}  // namespace colibri::badges

namespace colibri::badges {

std::vector<notify::notification> run_case_reviews(pqxx::connection& c, core::time_point now, int batch) {
  pqxx::work w(c);
  std::vector<notify::notification> out;
  auto at = core::format_rfc3339(now);
  for (auto r : w.exec_params(
           "WITH d AS (SELECT agenda_item_id FROM intervision_sheets WHERE review_sent_at IS NULL "
           "  AND review_due_at <= $1::timestamptz ORDER BY review_due_at LIMIT $2 FOR UPDATE SKIP LOCKED), "
           "s AS (UPDATE intervision_sheets x SET review_sent_at = $1::timestamptz FROM d "
           "  WHERE x.agenda_item_id = d.agenda_item_id RETURNING x.agenda_item_id, x.next_review_in_days) "
           "SELECT s.agenda_item_id, a.case_id, c.group_id, s.next_review_in_days, "
           "  to_char(o.local_start, 'DD/MM/YYYY'), "
           "  string_agg(p.user_id::text, ',' ORDER BY p.user_id) FILTER (WHERE r.user_id IS NOT NULL) "
           "FROM s JOIN intervision_agenda_items a ON a.id = s.agenda_item_id "
           "JOIN intervision_cases c ON c.id = a.case_id JOIN meeting_occurrences o ON o.id = a.occurrence_id "
           "LEFT JOIN intervision_participants p ON p.case_id = a.case_id "
           "LEFT JOIN intervision_roles r ON r.group_id = c.group_id AND r.user_id = p.user_id "
           "  AND r.role = 'facilitator' "
           "GROUP BY s.agenda_item_id, a.case_id, c.group_id, s.next_review_in_days, o.local_start",
           at, batch)) {
    std::vector<std::int64_t> to;
    for (auto list = r[5].is_null() ? std::string() : r[5].as<std::string>(); !list.empty();) {
      auto comma = list.find(',');
      to.push_back(std::stoll(list.substr(0, comma)));
      list = comma == std::string::npos ? std::string() : list.substr(comma + 1);
    }
    json::writer d;
    d.begin_object().field("case_id", r[1].as<std::int64_t>()).field("agenda_item_id", r[0].as<std::int64_t>());
    d.field("group_id", r[2].as<std::int64_t>()).end_object();
    auto notes = notify::insert_for(
        w, to, "case_review_due", core::message(core::msg::note_case_review_due),
        core::message(core::msg::note_case_review_due_body,
                      {{"date", r[4].as<std::string>()}, {"days", std::to_string(r[3].as<std::int64_t>())}}),
        d.release());
    out.insert(out.end(), notes.begin(), notes.end());
  }
  w.commit();
  return out;
}

}  // namespace colibri::badges
