#include "repo/intervision.hpp"

#include "colibri/pg/field.hpp"
#include "colibri/pg/sql_array.hpp"

namespace colibri::groups::repo {

namespace {

std::string ids_array(const std::vector<std::int64_t>& v) {
  std::string s = "{";
  for (auto id : v) s += (s.size() > 1 ? "," : "") + std::to_string(id);
  return s + "}";
}

std::int64_t ms_or_zero(const pqxx::field& f) { return f.is_null() ? 0 : f.as<std::int64_t>(); }

#define MS(col) "(extract(epoch FROM " col ") * 1000)::bigint"

constexpr const char* k_takes_part =
    "EXISTS (SELECT 1 FROM intervision_participants p WHERE p.case_id = c.id AND p.user_id = $2)";

const std::string k_case_columns =
    "SELECT c.id, c.group_id, c.code, c.requester, c.summary, c.consent_basis, c.state, c.filed_by, "
    "c.approved_by, " MS("c.approved_at") ", c.addictions, c.reasons, c.withheld, " MS("c.created_at") ", " MS(
        "c.updated_at") " FROM intervision_cases c ";

case_row read_case(const pqxx::row& r) {
  case_row c;
  c.id = r[0].as<std::int64_t>();
  c.group_id = r[1].as<std::int64_t>();
  c.code = r[2].as<std::string>();
  c.requester = r[3].as<std::string>();
  c.summary = r[4].as<std::string>();
  c.basis = r[5].as<std::string>();
  c.state = r[6].as<std::string>();
  c.filed_by = pg::opt<std::int64_t>(r[7]);
  c.approved_by = pg::opt<std::int64_t>(r[8]);
  c.approved_ms = pg::opt<std::int64_t>(r[9]);
  c.addictions = pg::strings(r[10]);
  c.reasons = pg::strings(r[11]);
  c.withheld = pg::strings(r[12]);
  c.created_ms = r[13].as<std::int64_t>();
  c.updated_ms = r[14].as<std::int64_t>();
  return c;
}

// The occurrences of intervisions held in the poles $1 during the year $2
// (local dates), and the agenda items on them with whether each is a review.
constexpr const char* k_year_items =
    "WITH occ AS (SELECT o.id, o.starts_at FROM meeting_occurrences o JOIN meetings m ON m.id = o.meeting_id "
    "  WHERE m.kind = 'intervision' AND m.group_id = ANY($1::bigint[]) AND o.state = 'scheduled' "
    "  AND m.state = 'scheduled' AND o.local_start >= make_date($2::int, 1, 1) "
    "  AND o.local_start < make_date($2::int + 1, 1, 1) AND o.starts_at <= now()), "
    "items AS (SELECT a.id, a.case_id, EXISTS (SELECT 1 FROM intervision_agenda_items b "
    "  JOIN meeting_occurrences ob ON ob.id = b.occurrence_id WHERE b.case_id = a.case_id "
    "  AND (ob.starts_at, b.id) < (o.starts_at, a.id)) AS review "
    "  FROM intervision_agenda_items a JOIN occ o ON o.id = a.occurrence_id), "
    "sheets AS (SELECT s.* FROM intervision_sheets s JOIN items i ON i.id = s.agenda_item_id) ";

const std::string k_item_columns =
    "SELECT a.id, a.occurrence_id, a.case_id, c.group_id, " MS("o.starts_at") ", " MS(
        "a.created_at") ", c.code, "
                        "EXISTS (SELECT 1 FROM intervision_agenda_items b JOIN meeting_occurrences ob ON ob.id = "
                        "b.occurrence_id WHERE b.case_id = a.case_id AND (ob.starts_at, b.id) < (o.starts_at, a.id)), "
                        "a.added_by, s.agenda_item_id IS NOT NULL, s.consent_recorded, s.requesters, s.addictions, "
                        "s.reasons, s.has_gp, s.gp_invited, s.has_pharmacist, s.pharmacist_invited, s.difficulties, "
                        "s.motivation_stage, s.issues_found, s.proposals, s.proposal_details, s.objective_met, "
                        "s.report_back_user_id, s.next_review_in_days, " MS("s.review_due_at") ", s.filled_by, " MS(
                            "s.updated_at") " FROM intervision_agenda_items a JOIN intervision_cases c ON c.id = "
                                            "a.case_id JOIN meeting_occurrences o ON o.id = a.occurrence_id "
                                            "LEFT JOIN intervision_sheets s ON s.agenda_item_id = a.id ";

agenda_item read_item(const pqxx::row& r) {
  agenda_item a;
  a.id = r[0].as<std::int64_t>();
  a.occurrence_id = r[1].as<std::int64_t>();
  a.case_id = r[2].as<std::int64_t>();
  a.group_id = r[3].as<std::int64_t>();
  a.starts_ms = r[4].as<std::int64_t>();
  a.created_ms = r[5].as<std::int64_t>();
  a.code = r[6].as<std::string>();
  a.review = r[7].as<bool>();
  a.added_by = pg::opt<std::int64_t>(r[8]);
  if (r[9].as<bool>()) {
    sheet_row s;
    s.consent_recorded = r[10].as<std::string>();
    s.requesters = pg::strings(r[11]);
    s.addictions = pg::strings(r[12]);
    s.reasons = pg::strings(r[13]);
    s.has_gp = r[14].as<bool>();
    s.gp_invited = r[15].as<bool>();
    s.has_pharmacist = r[16].as<bool>();
    s.pharmacist_invited = r[17].as<bool>();
    s.difficulties = pg::strings(r[18]);
    s.motivation_stage = r[19].as<std::string>();
    s.issues_found = r[20].as<std::string>();
    s.proposals = pg::strings(r[21]);
    s.proposal_details = r[22].as<std::string>();
    s.objective_met = r[23].as<std::string>();
    s.report_back_user_id = r[24].is_null() ? 0 : r[24].as<std::int64_t>();
    s.next_review_in_days = pg::opt<std::int64_t>(r[25]);
    s.review_due_ms = pg::opt<std::int64_t>(r[26]);
    s.filled_by = pg::opt<std::int64_t>(r[27]);
    s.updated_ms = ms_or_zero(r[28]);
    a.sheet = std::move(s);
  }
  return a;
}

}  // namespace

// The case's people, participants and agenda.
void fill_case(pqxx::transaction_base& w, case_row& c);

pole_standing standing_in(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id) {
  pole_standing s;
  auto r = w.exec_params(
      "SELECT g.kind = 'professional', "
      "  EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = g.id AND m.user_id = $2 AND m.role = 'owner'), "
      "  (SELECT role FROM intervision_roles r WHERE r.group_id = g.id AND r.user_id = $2), "
      "  EXISTS (SELECT 1 FROM intervision_eligible e WHERE e.group_id = g.id AND e.user_id = $2) "
      "FROM groups g WHERE g.id = $1",
      group_id, user_id);
  if (r.empty()) return s;
  s.professional = r[0][0].as<bool>();
  s.owner = r[0][1].as<bool>();
  s.role = pg::opt<std::string>(r[0][2]);
  s.eligible = r[0][3].as<bool>();
  return s;
}

bool professional_member(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id) {
  return w
      .exec_params1(
          "SELECT EXISTS (SELECT 1 FROM memberships m JOIN professional_profiles p ON p.user_id = m.user_id "
          "JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL WHERE m.group_id = $1 AND m.user_id = $2 "
          "AND NOT p.industry AND p.profession NOT IN ('patient_expert', 'other'))",
          group_id, user_id)[0]
      .as<bool>();
}

bool member_of(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id) {
  return !w.exec_params("SELECT 1 FROM memberships WHERE group_id = $1 AND user_id = $2", group_id, user_id).empty();
}

bool has_profile(pqxx::transaction_base& w, std::int64_t user_id) {
  return !w.exec_params("SELECT 1 FROM professional_profiles WHERE user_id = $1", user_id).empty();
}

void put_role(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id, const std::string& role,
              std::int64_t by) {
  w.exec_params(
      "INSERT INTO intervision_roles (group_id, user_id, role, granted_by) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (group_id, user_id) DO UPDATE SET role = $3, granted_by = $4, granted_at = now()",
      group_id, user_id, role, by);
}

bool delete_role(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id) {
  return w.exec_params("DELETE FROM intervision_roles WHERE group_id = $1 AND user_id = $2", group_id, user_id)
             .affected_rows() > 0;
}

void confirm(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id, std::int64_t by) {
  w.exec_params(
      "INSERT INTO professional_confirmations (group_id, user_id, confirmed_by) VALUES ($1, $2, $3) "
      "ON CONFLICT (group_id, user_id) DO UPDATE SET confirmed_by = $3, confirmed_at = now()",
      group_id, user_id, by);
}

bool unconfirm(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id) {
  return w.exec_params("DELETE FROM professional_confirmations WHERE group_id = $1 AND user_id = $2", group_id, user_id)
             .affected_rows() > 0;
}

std::vector<std::int64_t> lapse_confirmations(pqxx::transaction_base& w, std::int64_t user_id) {
  std::vector<std::int64_t> out;
  for (auto r : w.exec_params("DELETE FROM professional_confirmations WHERE user_id = $1 RETURNING group_id", user_id))
    out.push_back(r[0].as<std::int64_t>());
  return out;
}

std::vector<roster_row> roster(pqxx::transaction_base& w, std::int64_t group_id) {
  std::vector<roster_row> out;
  for (auto r : w.exec_params(
           "SELECT u.id, u.handle, p.profession, p.organisation, p.department, p.industry, c.user_id IS NOT NULL, "
           "  e.user_id IS NOT NULL, r.role, p.legal_name, p.rpps, " MS(
               "c.confirmed_at") " "
                                 "FROM memberships m JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL "
                                 "JOIN professional_profiles p ON p.user_id = m.user_id "
                                 "LEFT JOIN professional_confirmations c ON c.group_id = m.group_id AND c.user_id = "
                                 "m.user_id "
                                 "LEFT JOIN intervision_roles r ON r.group_id = m.group_id AND r.user_id = m.user_id "
                                 "LEFT JOIN intervision_eligible e ON e.group_id = m.group_id AND e.user_id = "
                                 "m.user_id "
                                 "WHERE m.group_id = $1 ORDER BY lower(u.handle), u.id LIMIT 1000",
           group_id)) {
    roster_row x;
    x.user_id = r[0].as<std::int64_t>();
    x.handle = r[1].as<std::string>();
    x.profession = r[2].as<std::string>();
    x.organisation = r[3].as<std::string>();
    x.department = r[4].as<std::string>();
    x.industry = r[5].as<bool>();
    x.confirmed = r[6].as<bool>();
    x.eligible = r[7].as<bool>();
    x.role = pg::opt<std::string>(r[8]);
    x.legal_name = pg::opt<std::string>(r[9]);
    x.rpps = pg::opt<std::string>(r[10]);
    x.confirmed_ms = pg::opt<std::int64_t>(r[11]);
    out.push_back(std::move(x));
  }
  return out;
}

std::optional<std::int64_t> insert_case(pqxx::transaction_base& w, const new_case& c, const std::string& code) {
  auto r = w.exec_params(
      "INSERT INTO intervision_cases (group_id, code, filed_by, requester, addictions, reasons, summary, "
      "consent_basis, withheld, state) VALUES ($1, $2, $3, $4, $5::text[], $6::text[], $7, $8, $9::text[], "
      "CASE WHEN $8 = 'care_breakdown' THEN 'awaiting_approval' ELSE 'active' END) "
      "ON CONFLICT (code) DO NOTHING RETURNING id",
      c.group_id, code, c.filed_by, c.requester, pg::strings_array(c.addictions), pg::strings_array(c.reasons),
      c.summary, c.basis, pg::strings_array(c.withheld));
  if (r.empty()) return std::nullopt;
  auto id = r[0][0].as<std::int64_t>();
  w.exec_params(
      "INSERT INTO intervision_case_people (case_id, user_id, relation) "
      "SELECT $1::bigint, u, 'invited' FROM unnest($2::bigint[]) u UNION "
      "SELECT $1::bigint, u, 'excluded' FROM unnest($3::bigint[]) u",
      id, ids_array(c.invited), ids_array(c.excluded));
  return id;
}

std::optional<case_row> load_case(pqxx::transaction_base& w, std::int64_t case_id, std::int64_t user_id, bool lock) {
  auto r = w.exec_params(k_case_columns + "WHERE c.id = $1 AND " + k_takes_part + (lock ? " FOR UPDATE OF c" : ""),
                         case_id, user_id);
  if (r.empty()) return std::nullopt;
  auto c = read_case(r[0]);
  fill_case(w, c);
  return c;
}

void fill_case(pqxx::transaction_base& w, case_row& c) {
  auto case_id = c.id;
  for (auto p : w.exec_params(
           "SELECT user_id, relation FROM intervision_case_people WHERE case_id = $1 ORDER BY user_id", case_id))
    (p[1].as<std::string>() == "invited" ? c.invited : c.excluded).push_back(p[0].as<std::int64_t>());
  for (auto p :
       w.exec_params("SELECT p.user_id, u.handle, pp.profession, r.role FROM intervision_participants p "
                     "JOIN users u ON u.id = p.user_id LEFT JOIN professional_profiles pp ON pp.user_id = p.user_id "
                     "LEFT JOIN intervision_roles r ON r.group_id = $2 AND r.user_id = p.user_id "
                     "WHERE p.case_id = $1 ORDER BY lower(u.handle), p.user_id",
                     case_id, c.group_id))
    c.participants.push_back(
        {p[0].as<std::int64_t>(), p[1].as<std::string>(), pg::opt<std::string>(p[2]), pg::opt<std::string>(p[3])});
  for (auto a : w.exec_params("SELECT a.id, a.occurrence_id, " MS(
                                  "o.starts_at") ", EXISTS (SELECT 1 FROM intervision_sheets s WHERE "
                                                 "s.agenda_item_id = a.id) FROM intervision_agenda_items a JOIN "
                                                 "meeting_occurrences o ON o.id = a.occurrence_id WHERE a.case_id = $1 "
                                                 "ORDER BY o.starts_at, a.id",
                              case_id))
    c.agenda.push_back({a[0].as<std::int64_t>(), a[1].as<std::int64_t>(), a[2].as<std::int64_t>(), a[3].as<bool>()});
}

std::vector<std::int64_t> participants_of(pqxx::transaction_base& w, std::int64_t case_id) {
  std::vector<std::int64_t> out;
  for (auto r :
       w.exec_params("SELECT user_id FROM intervision_participants WHERE case_id = $1 ORDER BY user_id", case_id))
    out.push_back(r[0].as<std::int64_t>());
  return out;
}

bool takes_part(pqxx::transaction_base& w, std::int64_t case_id, std::int64_t user_id) {
  return !w.exec_params("SELECT 1 FROM intervision_participants WHERE case_id = $1 AND user_id = $2", case_id, user_id)
              .empty();
}

std::vector<case_row> cases_of(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id,
                               std::optional<std::int64_t> before, int limit) {
  std::vector<case_row> out;
  for (auto r : w.exec_params(
           k_case_columns + "WHERE c.group_id = $1 AND c.id < $3 AND " + k_takes_part + " ORDER BY c.id DESC LIMIT $4",
           group_id, user_id, before.value_or(INT64_MAX), limit))
    out.push_back(read_case(r));
  for (auto& c : out) fill_case(w, c);
  return out;
}

void approve_case(pqxx::transaction_base& w, std::int64_t case_id, std::int64_t by) {
  w.exec_params(
      "UPDATE intervision_cases SET state = 'active', approved_by = $2, approved_at = now(), updated_at = now() "
      "WHERE id = $1",
      case_id, by);
}

void withdraw_case(pqxx::transaction_base& w, std::int64_t case_id, std::int64_t group_id,
                   const std::string& code_hmac_hex) {
  w.exec_params(
      "INSERT INTO intervision_withdrawals (group_id, code_hmac) VALUES ($1, decode($2, 'hex')) "
      "ON CONFLICT DO NOTHING",
      group_id, code_hmac_hex);
  w.exec_params("DELETE FROM notifications WHERE kind = 'case_review_due' AND data->>'case_id' = $1::text",
                std::to_string(case_id));
  w.exec_params("DELETE FROM intervision_cases WHERE id = $1", case_id);
}

bool code_withdrawn(pqxx::transaction_base& w, const std::string& code_hmac_hex) {
  return !w.exec_params("SELECT 1 FROM intervision_withdrawals WHERE code_hmac = decode($1, 'hex')", code_hmac_hex)
              .empty();
}

agenda_slot agenda_of(pqxx::transaction_base& w, std::int64_t occurrence_id, bool lock) {
  agenda_slot s;
  auto r = w.exec_params(
      "SELECT m.group_id, m.kind, CASE WHEN o.state = 'scheduled' AND m.state = 'scheduled' THEN 'scheduled' "
      "ELSE 'cancelled' END, COALESCE(m.max_cases, 0), " MS("o.starts_at") " "
      "FROM meeting_occurrences o JOIN meetings m ON m.id = o.meeting_id WHERE o.id = $1" +
          std::string(lock ? " FOR UPDATE OF o" : ""),
      occurrence_id);
  if (r.empty()) return s;
  s.exists = true;
  s.group_id = r[0][0].as<std::int64_t>();
  s.kind = r[0][1].as<std::string>();
  s.state = r[0][2].as<std::string>();
  s.max_cases = r[0][3].as<std::int64_t>();
  s.starts_ms = r[0][4].as<std::int64_t>();
  s.items = w.exec_params1("SELECT count(*) FROM intervision_agenda_items WHERE occurrence_id = $1", occurrence_id)[0]
                .as<std::int64_t>();
  return s;
}

std::optional<std::int64_t> item_of(pqxx::transaction_base& w, std::int64_t occurrence_id, std::int64_t case_id) {
  auto r = w.exec_params("SELECT id FROM intervision_agenda_items WHERE occurrence_id = $1 AND case_id = $2",
                         occurrence_id, case_id);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::int64_t>();
}

std::int64_t insert_item(pqxx::transaction_base& w, std::int64_t occurrence_id, std::int64_t case_id, std::int64_t by) {
  return w
      .exec_params1(
          "INSERT INTO intervision_agenda_items (occurrence_id, case_id, added_by) VALUES ($1, $2, $3) RETURNING id",
          occurrence_id, case_id, by)[0]
      .as<std::int64_t>();
}

std::vector<agenda_item> agenda_for(pqxx::transaction_base& w, std::int64_t occurrence_id, std::int64_t user_id) {
  std::vector<agenda_item> out;
  for (auto r : w.exec_params(k_item_columns + "WHERE a.occurrence_id = $1 AND " + k_takes_part + " ORDER BY a.id",
                              occurrence_id, user_id))
    out.push_back(read_item(r));
  return out;
}

std::optional<agenda_item> item_for(pqxx::transaction_base& w, std::int64_t item_id, std::int64_t user_id) {
  auto r = w.exec_params(k_item_columns + "WHERE a.id = $1 AND " + k_takes_part, item_id, user_id);
  if (r.empty()) return std::nullopt;
  return read_item(r[0]);
}

void delete_item(pqxx::transaction_base& w, std::int64_t item_id) {
  w.exec_params("DELETE FROM intervision_agenda_items WHERE id = $1", item_id);
}

void put_sheet(pqxx::transaction_base& w, std::int64_t item_id, const sheet_row& s, std::int64_t by) {
  w.exec_params(
      "INSERT INTO intervision_sheets (agenda_item_id, consent_recorded, requesters, addictions, reasons, has_gp, "
      "gp_invited, has_pharmacist, pharmacist_invited, difficulties, motivation_stage, issues_found, proposals, "
      "proposal_details, objective_met, report_back_user_id, next_review_in_days, review_due_at, filled_by) "
      "SELECT $1, $2, $3::text[], $4::text[], $5::text[], $6, $7, $8, $9, $10::text[], $11, $12, $13::text[], $14, "
      "$15, $16, $17::int, CASE WHEN $17::int IS NULL THEN NULL ELSE o.starts_at + make_interval(days => $17::int) "
      "END, $18 FROM intervision_agenda_items a JOIN meeting_occurrences o ON o.id = a.occurrence_id WHERE a.id = $1 "
      "ON CONFLICT (agenda_item_id) DO UPDATE SET consent_recorded = EXCLUDED.consent_recorded, "
      "requesters = EXCLUDED.requesters, addictions = EXCLUDED.addictions, reasons = EXCLUDED.reasons, "
      "has_gp = EXCLUDED.has_gp, gp_invited = EXCLUDED.gp_invited, has_pharmacist = EXCLUDED.has_pharmacist, "
      "pharmacist_invited = EXCLUDED.pharmacist_invited, difficulties = EXCLUDED.difficulties, "
      "motivation_stage = EXCLUDED.motivation_stage, issues_found = EXCLUDED.issues_found, "
      "proposals = EXCLUDED.proposals, proposal_details = EXCLUDED.proposal_details, "
      "objective_met = EXCLUDED.objective_met, report_back_user_id = EXCLUDED.report_back_user_id, "
      "next_review_in_days = EXCLUDED.next_review_in_days, review_due_at = EXCLUDED.review_due_at, "
      "review_sent_at = CASE WHEN intervision_sheets.review_due_at IS NOT DISTINCT FROM EXCLUDED.review_due_at "
      "  THEN intervision_sheets.review_sent_at END, filled_by = EXCLUDED.filled_by, updated_at = now()",
      item_id, s.consent_recorded, pg::strings_array(s.requesters), pg::strings_array(s.addictions),
      pg::strings_array(s.reasons), s.has_gp, s.gp_invited, s.has_pharmacist, s.pharmacist_invited,
      pg::strings_array(s.difficulties), s.motivation_stage, s.issues_found, pg::strings_array(s.proposals),
      s.proposal_details, s.objective_met, s.report_back_user_id, s.next_review_in_days, by);
}

report_counts yearly_counts(pqxx::transaction_base& w, const std::vector<std::int64_t>& groups, int year) {
  report_counts c;
  auto g = ids_array(groups);
  auto r =
      w.exec_params1(std::string(k_year_items) +
                         "SELECT (SELECT count(*) FROM occ), (SELECT count(DISTINCT case_id) FROM items), "
                         "(SELECT count(*) FROM items WHERE review), (SELECT count(*) FROM sheets), "
                         "(SELECT count(*) FROM intervision_withdrawals x WHERE x.group_id = ANY($1::bigint[]) "
                         "  AND x.withdrawn_at >= make_date($2::int, 1, 1)::timestamp AT TIME ZONE 'Europe/Paris' "
                         "  AND x.withdrawn_at < make_date($2::int + 1, 1, 1)::timestamp AT TIME ZONE 'Europe/Paris')",
                     g, year);
  c.meetings = r[0].as<std::int64_t>();
  c.cases = r[1].as<std::int64_t>();
  c.reviews = r[2].as<std::int64_t>();
  c.sheets = r[3].as<std::int64_t>();
  c.withdrawn = r[4].as<std::int64_t>();
  for (auto b : w.exec_params(std::string(k_year_items) +
                                  "SELECT f, v, count(*) FROM ("
                                  "  SELECT 'requesters' AS f, unnest(requesters) AS v FROM sheets "
                                  "  UNION ALL SELECT 'addictions', unnest(addictions) FROM sheets "
                                  "  UNION ALL SELECT 'reasons', unnest(reasons) FROM sheets "
                                  "  UNION ALL SELECT 'difficulties', unnest(difficulties) FROM sheets "
                                  "  UNION ALL SELECT 'proposals', unnest(proposals) FROM sheets "
                                  "  UNION ALL SELECT 'motivation_stage', motivation_stage FROM sheets "
                                  "  UNION ALL SELECT 'objective_met', objective_met FROM sheets "
                                  "  UNION ALL SELECT 'consent_recorded', consent_recorded FROM sheets "
                                  "  UNION ALL SELECT 'attendance_by_profession', COALESCE(p.profession, 'unknown') "
                                  "    FROM meeting_attendance ma JOIN occ ON occ.id = ma.occurrence_id "
                                  "    LEFT JOIN professional_profiles p ON p.user_id = ma.user_id WHERE ma.present"
                                  ") t GROUP BY f, v",
                              g, year))
    c.breakdowns[b[0].as<std::string>()][b[1].as<std::string>()] = b[2].as<std::int64_t>();
  return c;
}

std::vector<std::int64_t> groups_of_space(pqxx::transaction_base& w, std::int64_t space_id) {
  std::vector<std::int64_t> out;
  for (auto r :
       w.exec_params("WITH RECURSIVE t AS (SELECT id, 0 AS d FROM groups WHERE id = $1 "
                     "  UNION ALL SELECT g.id, t.d + 1 FROM groups g JOIN t ON g.parent_id = t.id WHERE t.d < 64) "
                     "SELECT id FROM t ORDER BY id",
                     space_id))
    out.push_back(r[0].as<std::int64_t>());
  return out;
}

bool coordinates_in_space(pqxx::transaction_base& w, std::int64_t space_id, std::int64_t user_id) {
  auto groups = ids_array(groups_of_space(w, space_id));
  return w
      .exec_params1(
          "SELECT EXISTS (SELECT 1 FROM intervision_roles r JOIN intervision_eligible e ON e.group_id = r.group_id "
          "AND e.user_id = r.user_id WHERE r.user_id = $2 AND r.role = 'coordinator' AND r.group_id = "
          "ANY($1::bigint[]))",
          groups, user_id)[0]
      .as<bool>();
}

bool intervision_closed_to(pqxx::transaction_base& w, std::int64_t occurrence_id, std::int64_t user_id) {
  auto r = w.exec_params(
      "SELECT m.kind = 'intervision' AND NOT EXISTS (SELECT 1 FROM intervision_eligible e "
      "  WHERE e.group_id = m.group_id AND e.user_id = $2) "
      "FROM meeting_occurrences o JOIN meetings m ON m.id = o.meeting_id WHERE o.id = $1",
      occurrence_id, user_id);
  return !r.empty() && r[0][0].as<bool>();
}

bool coordinates_occurrence(pqxx::transaction_base& w, std::int64_t occurrence_id, std::int64_t user_id,
                            bool& intervision) {
  auto r = w.exec_params(
      "SELECT m.kind = 'intervision', EXISTS (SELECT 1 FROM intervision_roles r JOIN intervision_eligible e "
      "  ON e.group_id = r.group_id AND e.user_id = r.user_id WHERE r.group_id = m.group_id AND r.user_id = $2 "
      "  AND r.role = 'coordinator') "
      "FROM meeting_occurrences o JOIN meetings m ON m.id = o.meeting_id WHERE o.id = $1",
      occurrence_id, user_id);
  intervision = !r.empty() && r[0][0].as<bool>();
  return !r.empty() && r[0][1].as<bool>();
}

}  // namespace colibri::groups::repo
