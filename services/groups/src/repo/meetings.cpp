#include "repo/meetings.hpp"

#include <map>

#include "colibri/pg/field.hpp"
#include "colibri/pg/prepared.hpp"

namespace colibri::groups::repo {

namespace {

std::string ms(const std::string& col) { return "(extract(epoch FROM " + col + ") * 1000)::bigint"; }

// "{1,2,3}" for a bigint[] parameter.
std::string id_array(const std::vector<std::int64_t>& ids) {
  std::string s = "{";
  for (auto id : ids) s += (s.size() > 1 ? "," : "") + std::to_string(id);
  return s + "}";
}

// A text[] literal; values are local times and slot keys (no quote or comma).
std::string text_array(const std::vector<std::string>& v) {
  std::string s = "{";
  for (const auto& x : v) s += (s.size() > 1 ? "," : "") + std::string("\"") + x + "\"";
  return s + "}";
}

// Whether $2 sees the meeting m (a member of its group, or of its space
// for a space-wide meeting), and moderates its group.
constexpr const char* k_sees =
    "(EXISTS (SELECT 1 FROM memberships x WHERE x.group_id = m.group_id AND x.user_id = $2) "
    " OR (m.audience = 'space' AND EXISTS (SELECT 1 FROM memberships x WHERE x.group_id = m.space_id "
    "     AND x.user_id = $2)))";
// Organisers: the group's moderators and owners, and in a pole its
// intervision facilitators and coordinators.
constexpr const char* k_organiser =
    "(EXISTS (SELECT 1 FROM memberships x WHERE x.group_id = m.group_id AND x.user_id = $2 "
    " AND x.role IN ('moderator', 'owner')) OR EXISTS (SELECT 1 FROM intervision_roles ir "
    " JOIN memberships x ON x.group_id = ir.group_id AND x.user_id = ir.user_id "
    " WHERE ir.group_id = m.group_id AND ir.user_id = $2 AND ir.role IN ('facilitator', 'coordinator')))";

meeting_access read_access(const pqxx::result& r) {
  meeting_access a;
  if (r.empty()) return a;
  a.exists = true;
  a.meeting_id = r[0][0].as<std::int64_t>();
  a.group_id = r[0][1].as<std::int64_t>();
  a.sees = r[0][2].as<bool>();
  a.organiser = r[0][3].as<bool>();
  a.occurrence_id = r[0][4].as<std::int64_t>();
  return a;
}

}  // namespace

meeting_access access_meeting(pqxx::transaction_base& w, std::int64_t meeting_id, std::int64_t user_id) {
  static const std::string sql = std::string("SELECT m.id, m.group_id, ") + k_sees + ", " + k_organiser +
                                 ", 0::bigint FROM meetings m WHERE m.id = $1";
  return read_access(pg::exec_prepared(w, "colibri_meeting_access", sql, meeting_id, user_id));
}

meeting_access access_occurrence(pqxx::transaction_base& w, std::int64_t occurrence_id, std::int64_t user_id) {
  static const std::string sql = std::string("SELECT m.id, m.group_id, ") + k_sees + ", " + k_organiser +
                                 ", o.id FROM meeting_occurrences o JOIN meetings m ON m.id = o.meeting_id "
                                 "WHERE o.id = $1";
  return read_access(pg::exec_prepared(w, "colibri_occurrence_access", sql, occurrence_id, user_id));
}

std::int64_t insert_meeting(pqxx::transaction_base& w, const new_meeting& m) {
  auto id = w.exec_params1(
                 "INSERT INTO meetings (group_id, space_id, created_by, title, description, kind, mode, location, "
                 "join_url, timezone, duration_minutes, waitlist, audience, max_cases) "
                 "SELECT $1, (WITH RECURSIVE up AS (SELECT id, parent_id, 0 AS d FROM groups WHERE id = $1 "
                 "  UNION ALL SELECT g.id, g.parent_id, up.d + 1 FROM groups g JOIN up ON g.id = up.parent_id "
                 "  WHERE up.d < 64) SELECT id FROM up ORDER BY d DESC LIMIT 1), "
                 "$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 RETURNING id",
                 m.group_id, m.created_by, m.title, m.description, m.kind, m.mode, m.location, m.join_url, m.timezone,
                 m.duration_minutes, m.waitlist, m.audience, m.max_cases)[0]
                .as<std::int64_t>();
  // Local times become instants in the meeting's zone, DST included.
  w.exec_params(
      "INSERT INTO meeting_occurrences (meeting_id, position, local_start, starts_at, ends_at, capacity, slot_key) "
      "SELECT $1, (t.n - 1)::smallint, t.l::timestamp, t.l::timestamp AT TIME ZONE $2, "
      "  (t.l::timestamp AT TIME ZONE $2) + make_interval(mins => $3), $4, k.k "
      "FROM unnest($5::text[]) WITH ORDINALITY t(l, n) "
      "JOIN unnest($6::text[]) WITH ORDINALITY k(k, n) ON k.n = t.n",
      id, m.timezone, static_cast<int>(m.duration_minutes), m.capacity, text_array(m.local_starts),
      text_array(m.slot_keys));
  return id;
}

void update_meeting(pqxx::transaction_base& w, std::int64_t meeting_id, const meeting_patch& p) {
  w.exec_params(
      "UPDATE meetings SET title = coalesce($2, title), description = coalesce($3, description), "
      "mode = coalesce($4, mode), location = CASE WHEN $8 THEN NULL ELSE coalesce($5, location) END, "
      "join_url = CASE WHEN $9 THEN NULL ELSE coalesce($6, join_url) END, audience = coalesce($7, audience), "
      "waitlist = coalesce($10, waitlist), sequence = sequence + 1, updated_at = now() WHERE id = $1",
      meeting_id, p.title, p.description, p.mode, p.location, p.join_url, p.audience, p.clear_location,
      p.clear_join_url, p.waitlist);
}

std::vector<meeting_row> meetings_by_ids(pqxx::transaction_base& w, const std::vector<std::int64_t>& ids,
                                         std::int64_t user_id, std::optional<std::int64_t> from_ms,
                                         std::optional<std::int64_t> to_ms) {
  std::vector<meeting_row> out;
  if (ids.empty()) return out;
  std::map<std::int64_t, std::size_t> at;
  static const std::string meetings_sql =
      std::string(
          "SELECT m.id, m.group_id, m.space_id, g.name, m.created_by, coalesce(u.handle, ''), m.title, "
          "m.description, m.kind, m.mode, m.timezone, m.audience, m.state, m.location, m.join_url, "
          "m.cancel_reason, m.duration_minutes, m.waitlist, m.max_cases, ") +
      ms("m.created_at") + ", " + ms("m.updated_at") + ", " + k_organiser +
      ", m.version FROM meetings m JOIN groups g ON g.id = m.group_id LEFT JOIN users u ON u.id = m.created_by "
      "WHERE m.id = ANY ($1::bigint[])";
  for (auto r : pg::exec_prepared(w, "colibri_meetings_by_ids", meetings_sql, id_array(ids), user_id)) {
    meeting_row m;
    m.id = r[0].as<std::int64_t>();
    m.group_id = r[1].as<std::int64_t>();
    m.space_id = r[2].as<std::int64_t>();
    m.group_name = r[3].as<std::string>();
    m.created_by = pg::opt<std::int64_t>(r[4]);
    m.created_by_handle = r[5].as<std::string>();
    m.title = r[6].as<std::string>();
    m.description = r[7].as<std::string>();
    m.kind = r[8].as<std::string>();
    m.mode = r[9].as<std::string>();
    m.timezone = r[10].as<std::string>();
    m.audience = r[11].as<std::string>();
    m.state = r[12].as<std::string>();
    m.location = pg::opt<std::string>(r[13]);
    m.join_url = pg::opt<std::string>(r[14]);
    m.cancel_reason = pg::opt<std::string>(r[15]);
    m.duration_minutes = r[16].as<std::int64_t>();
    m.waitlist = r[17].as<bool>();
    m.max_cases = pg::opt<std::int64_t>(r[18]);
    m.created_ms = r[19].as<std::int64_t>();
    m.updated_ms = r[20].as<std::int64_t>();
    m.organiser = r[21].as<bool>();
    m.version = r[22].as<std::int64_t>();
    at[m.id] = out.size();
    out.push_back(std::move(m));
  }
  // Plain columns (a listing reads hundreds of rows); the caller's own
  // registrations and attendance come apart, from their few rows.
  static const std::string occurrences_sql =
      "SELECT o.id, o.meeting_id, o.position, o.local_start::text, "
      "floor(date_part('epoch', o.starts_at) * 1000)::bigint, floor(date_part('epoch', o.ends_at) * 1000)::bigint, "
      "o.capacity, o.slot_key, o.state, o.cancel_reason, o.registered_count, o.waitlisted_count "
      "FROM meeting_occurrences o WHERE o.meeting_id = ANY ($1::bigint[]) "
      "AND ($2::bigint IS NULL OR o.ends_at > to_timestamp($2::double precision / 1000)) "
      "AND ($3::bigint IS NULL OR o.starts_at < to_timestamp($3::double precision / 1000)) "
      "ORDER BY o.meeting_id, o.starts_at, o.id";
  auto my = my_occurrences(w, ids, user_id);
  for (auto r :
       pg::exec_prepared(w, "colibri_occurrences_by_meeting", occurrences_sql, id_array(ids), from_ms, to_ms)) {
    occurrence_row o;
    o.id = r[0].as<std::int64_t>();
    o.meeting_id = r[1].as<std::int64_t>();
    o.position = r[2].as<int>();
    // "2027-01-14 12:30:00" as "2027-01-14T12:30".
    o.local_start = r[3].as<std::string>().substr(0, 16);
    if (o.local_start.size() > 10) o.local_start[10] = 'T';
    o.starts_ms = r[4].as<std::int64_t>();
    o.ends_ms = r[5].as<std::int64_t>();
    o.capacity = pg::opt<std::int64_t>(r[6]);
    auto slot = r[7].as<std::string>();
    if (slot.size() > 1 && slot[0] == 'g') o.slot_group = std::stoll(slot.substr(1));
    o.state = r[8].as<std::string>();
    o.cancel_reason = pg::opt<std::string>(r[9]);
    o.registered = r[10].as<std::int64_t>();
    o.waitlisted = r[11].as<std::int64_t>();
    if (auto mine = my.find(o.id); mine != my.end()) {
      o.my_state = mine->second.state;
      o.my_position = mine->second.position;
      o.my_present = mine->second.present;
    }
    auto it = at.find(o.meeting_id);
    if (it != at.end()) out[it->second].occurrences.push_back(std::move(o));
  }
  // In the order asked.
  std::vector<meeting_row> ordered;
  for (auto id : ids) {
    auto it = at.find(id);
    if (it != at.end()) ordered.push_back(std::move(out[it->second]));
  }
  return ordered;
}

std::map<std::int64_t, my_occurrence> my_occurrences(pqxx::transaction_base& w, const std::vector<std::int64_t>& ids,
                                                     std::int64_t user_id) {
  static const std::string sql =
      "SELECT r.occurrence_id, r.state, CASE WHEN r.state = 'waitlisted' THEN (SELECT count(*) "
      "  FROM meeting_registrations q WHERE q.occurrence_id = r.occurrence_id AND q.state = 'waitlisted' "
      "  AND q.waitlist_no <= r.waitlist_no) END, NULL::boolean "
      "FROM meeting_registrations r WHERE r.user_id = $2 AND r.meeting_id = ANY ($1::bigint[]) "
      "UNION ALL SELECT a.occurrence_id, NULL, NULL, a.present FROM meeting_attendance a "
      "JOIN meeting_occurrences o ON o.id = a.occurrence_id WHERE a.user_id = $2 AND o.meeting_id = ANY ($1::bigint[])";
  std::map<std::int64_t, my_occurrence> my;
  for (auto r : pg::exec_prepared(w, "colibri_my_occurrences", sql, id_array(ids), user_id)) {
    auto& m = my[r[0].as<std::int64_t>()];
    if (!r[1].is_null()) m.state = r[1].as<std::string>(), m.position = pg::opt<std::int64_t>(r[2]);
    if (!r[3].is_null()) m.present = r[3].as<bool>();
  }
  return my;
}

std::vector<visible_meeting> visible_meetings(pqxx::transaction_base& w, std::int64_t user_id,
                                              std::optional<std::int64_t> group_id, std::int64_t from_ms) {
  // By index: the caller's memberships, their groups' meetings, their spaces'
  // space-wide meetings (not counted twice); those over are skipped on the row.
  static const std::string sql =
      "WITH mine AS (SELECT group_id, role IN ('moderator', 'owner') AS moderates FROM memberships "
      "  WHERE user_id = $1 AND ($2::bigint IS NULL OR group_id = $2)) "
      "SELECT m.id, m.version, mine.moderates FROM mine JOIN meetings m ON m.group_id = mine.group_id "
      "  WHERE m.last_ends_at > to_timestamp($3::double precision / 1000) "
      "UNION ALL SELECT m.id, m.version, false FROM mine JOIN meetings m ON m.space_id = mine.group_id "
      "  AND m.audience = 'space' AND m.last_ends_at > to_timestamp($3::double precision / 1000) "
      "  WHERE $2::bigint IS NULL AND NOT EXISTS (SELECT 1 FROM mine x WHERE x.group_id = m.group_id)";
  std::vector<visible_meeting> out;
  for (auto r : pg::exec_prepared(w, "colibri_visible_meetings", sql, user_id, group_id, from_ms))
    out.push_back({r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), r[2].as<bool>()});
  return out;
}

occurrence_lock lock_occurrence(pqxx::transaction_base& w, std::int64_t occurrence_id) {
  occurrence_lock l;
  auto r = w.exec_params(
      "SELECT o.meeting_id, o.slot_key, o.state, m.state, o.ends_at <= now(), m.waitlist, o.capacity, "
      "o.registered_count, m.title FROM meeting_occurrences o JOIN meetings m ON m.id = o.meeting_id "
      "WHERE o.id = $1 FOR UPDATE OF o",
      occurrence_id);
  if (r.empty()) return l;
  l.exists = true;
  l.meeting_id = r[0][0].as<std::int64_t>();
  l.slot_key = r[0][1].as<std::string>();
  l.state = r[0][2].as<std::string>();
  l.meeting_state = r[0][3].as<std::string>();
  l.ended = r[0][4].as<bool>();
  l.waitlist = r[0][5].as<bool>();
  l.capacity = pg::opt<std::int64_t>(r[0][6]);
  l.registered = r[0][7].as<std::int64_t>();
  l.title = r[0][8].as<std::string>();
  return l;
}

namespace {

constexpr const char* k_registration_select =
    "SELECT r.occurrence_id, r.user_id, r.state, CASE WHEN r.state = 'waitlisted' THEN "
    "  (SELECT count(*) FROM meeting_registrations q WHERE q.occurrence_id = r.occurrence_id "
    "   AND q.state = 'waitlisted' AND q.waitlist_no <= r.waitlist_no) END, "
    "(extract(epoch FROM r.created_at) * 1000)::bigint, u.handle, p.profession, p.organisation, p.department "
    "FROM meeting_registrations r JOIN users u ON u.id = r.user_id "
    "LEFT JOIN professional_profiles p ON p.user_id = r.user_id ";

registration_row read_registration(const pqxx::row& r) {
  return {r[0].as<std::int64_t>(),     r[1].as<std::int64_t>(),    r[2].as<std::string>(),
          pg::opt<std::int64_t>(r[3]), r[4].as<std::int64_t>(),    r[5].as<std::string>(),
          pg::opt<std::string>(r[6]),  pg::opt<std::string>(r[7]), pg::opt<std::string>(r[8])};
}

}  // namespace

std::optional<registration_row> registration_of(pqxx::transaction_base& w, std::int64_t occurrence_id,
                                                std::int64_t user_id) {
  static const std::string sql = std::string(k_registration_select) + "WHERE r.occurrence_id = $1 AND r.user_id = $2";
  auto r = pg::exec_prepared(w, "colibri_registration_of", sql, occurrence_id, user_id);
  if (r.empty()) return std::nullopt;
  return read_registration(r[0]);
}

sign_up register_seat(pqxx::transaction_base& w, std::int64_t occurrence_id, std::int64_t user_id) {
  // The seat condition is evaluated on the row's latest version once locked
  // (PostgreSQL rechecks an UPDATE's row after waiting for it).
  static const std::string sql =
      "WITH o AS (UPDATE meeting_occurrences o SET "
      "  last_seat = (o.capacity IS NULL OR o.registered_count < o.capacity), "
      "  registered_count = o.registered_count + "
      "    CASE WHEN o.capacity IS NULL OR o.registered_count < o.capacity THEN 1 ELSE 0 END, "
      "  waitlist_seq = o.waitlist_seq + "
      "    CASE WHEN o.capacity IS NULL OR o.registered_count < o.capacity THEN 0 ELSE 1 END, "
      "  waitlisted_count = o.waitlisted_count + "
      "    CASE WHEN o.capacity IS NULL OR o.registered_count < o.capacity THEN 0 ELSE 1 END "
      "  FROM meetings m WHERE o.id = $1 AND m.id = o.meeting_id AND o.state = 'scheduled' "
      "  AND m.state = 'scheduled' AND o.ends_at > now() "
      "  AND (m.waitlist OR o.capacity IS NULL OR o.registered_count < o.capacity) "
      "  RETURNING o.id, o.meeting_id, o.slot_key, o.last_seat, o.waitlist_seq), "
      "ins AS (INSERT INTO meeting_registrations (occurrence_id, user_id, meeting_id, slot_key, state, waitlist_no) "
      "  SELECT id, $2, meeting_id, slot_key, CASE WHEN last_seat THEN 'registered' ELSE 'waitlisted' END, "
      "    CASE WHEN last_seat THEN NULL ELSE waitlist_seq END FROM o "
      "  ON CONFLICT DO NOTHING RETURNING state) "
      "SELECT (SELECT count(*) FROM o), (SELECT state FROM ins)";
  auto r = pg::exec_prepared(w, "colibri_register_seat", sql, occurrence_id, user_id).at(0);
  if (r[0].as<int>() == 0) return sign_up::closed;
  if (r[1].is_null()) return sign_up::conflict;
  return r[1].as<std::string>() == "registered" ? sign_up::registered : sign_up::waitlisted;
}

std::optional<std::string> delete_registration(pqxx::transaction_base& w, std::int64_t occurrence_id,
                                               std::int64_t user_id) {
  auto r = w.exec_params("DELETE FROM meeting_registrations WHERE occurrence_id = $1 AND user_id = $2 RETURNING state",
                         occurrence_id, user_id);
  if (r.empty()) return std::nullopt;
  auto state = r[0][0].as<std::string>();
  w.exec_params(
      "UPDATE meeting_occurrences SET registered_count = registered_count - CASE WHEN $2 THEN 1 ELSE 0 END, "
      "waitlisted_count = waitlisted_count - CASE WHEN $2 THEN 0 ELSE 1 END WHERE id = $1",
      occurrence_id, state == "registered");
  return state;
}

std::vector<std::int64_t> promote(pqxx::transaction_base& w, std::int64_t occurrence_id,
                                  std::optional<std::int64_t> seats) {
  std::vector<std::int64_t> out;
  for (auto r : w.exec_params(
           "WITH next AS (SELECT user_id FROM meeting_registrations WHERE occurrence_id = $1 AND state = 'waitlisted' "
           "  ORDER BY waitlist_no LIMIT $2), "
           "up AS (UPDATE meeting_registrations r SET state = 'registered', waitlist_no = NULL, promoted_at = now() "
           "  FROM next WHERE r.occurrence_id = $1 AND r.user_id = next.user_id RETURNING r.user_id) "
           "SELECT user_id FROM up ORDER BY user_id",
           occurrence_id, seats))
    out.push_back(r[0].as<std::int64_t>());
  if (!out.empty())
    w.exec_params(
        "UPDATE meeting_occurrences SET registered_count = registered_count + $2, "
        "waitlisted_count = waitlisted_count - $2 WHERE id = $1",
        occurrence_id, static_cast<std::int64_t>(out.size()));
  return out;
}

void set_capacity(pqxx::transaction_base& w, std::int64_t occurrence_id, std::optional<std::int64_t> capacity) {
  w.exec_params("UPDATE meeting_occurrences SET capacity = $2, updated_at = now() WHERE id = $1", occurrence_id,
                capacity);
}

std::vector<registration_row> registrations(pqxx::transaction_base& w, std::int64_t occurrence_id) {
  std::vector<registration_row> out;
  for (auto r : w.exec_params(std::string(k_registration_select) +
                                  "WHERE r.occurrence_id = $1 ORDER BY r.state, r.waitlist_no, r.created_at, r.user_id",
                              occurrence_id))
    out.push_back(read_registration(r));
  return out;
}

std::vector<std::int64_t> registered_people(pqxx::transaction_base& w, std::int64_t meeting_id) {
  std::vector<std::int64_t> out;
  for (auto r :
       w.exec_params("SELECT DISTINCT user_id FROM meeting_registrations WHERE meeting_id = $1 ORDER BY 1", meeting_id))
    out.push_back(r[0].as<std::int64_t>());
  return out;
}

std::vector<std::int64_t> cancel_occurrence(pqxx::transaction_base& w, std::int64_t occurrence_id,
                                            const std::string& reason) {
  std::vector<std::int64_t> out;
  auto done = w.exec_params(
      "UPDATE meeting_occurrences SET state = 'cancelled', cancel_reason = $2, sequence = sequence + 1, "
      "updated_at = now() WHERE id = $1 AND state = 'scheduled' RETURNING id",
      occurrence_id, reason);
  if (done.empty()) return out;
  for (auto r :
       w.exec_params("SELECT DISTINCT user_id FROM meeting_registrations WHERE occurrence_id = $1 ORDER BY user_id",
                     occurrence_id))
    out.push_back(r[0].as<std::int64_t>());
  return out;
}

std::vector<std::int64_t> cancel_meeting(pqxx::transaction_base& w, std::int64_t meeting_id,
                                         const std::string& reason) {
  std::vector<std::int64_t> out;
  auto done = w.exec_params(
      "UPDATE meetings SET state = 'cancelled', cancel_reason = $2, sequence = sequence + 1, updated_at = now() "
      "WHERE id = $1 AND state = 'scheduled' RETURNING id",
      meeting_id, reason);
  if (done.empty()) return out;
  for (auto r : w.exec_params(
           "WITH c AS (UPDATE meeting_occurrences SET state = 'cancelled', cancel_reason = $2, "
           "  sequence = sequence + 1, updated_at = now() "
           "  WHERE meeting_id = $1 AND state = 'scheduled' AND ends_at > now() RETURNING id) "
           "SELECT DISTINCT r.user_id FROM meeting_registrations r JOIN c ON c.id = r.occurrence_id ORDER BY 1",
           meeting_id, reason))
    out.push_back(r[0].as<std::int64_t>());
  return out;
}

timing occurrence_timing(pqxx::transaction_base& w, std::int64_t occurrence_id) {
  auto r = w.exec_params1("SELECT " + ms("starts_at") + ", " + ms("ends_at") +
                              ", now() >= starts_at - interval '30 minutes', now() > ends_at "
                              "FROM meeting_occurrences WHERE id = $1",
                          occurrence_id);
  return {r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), r[2].as<bool>(), r[3].as<bool>()};
}

namespace {

constexpr const char* k_attendance_select =
    "SELECT u.id, u.handle, p.legal_name, p.profession, r.state, p.self_employed, a.present, "
    "(extract(epoch FROM a.signed_at) * 1000)::bigint, "
    "CASE WHEN a.signed_by IS NULL THEN NULL WHEN a.signed_by = a.user_id THEN 'self' ELSE s.handle END, p.rpps "
    "FROM users u "
    "LEFT JOIN professional_profiles p ON p.user_id = u.id "
    "LEFT JOIN meeting_registrations r ON r.occurrence_id = $1 AND r.user_id = u.id "
    "LEFT JOIN meeting_attendance a ON a.occurrence_id = $1 AND a.user_id = u.id "
    "LEFT JOIN users s ON s.id = a.signed_by ";

attendance_row read_attendance(const pqxx::row& r) {
  return {r[0].as<std::int64_t>(),    r[1].as<std::string>(),      pg::opt<std::string>(r[2]),
          pg::opt<std::string>(r[3]), pg::opt<std::string>(r[4]),  pg::opt<bool>(r[5]),
          pg::opt<bool>(r[6]),        pg::opt<std::int64_t>(r[7]), pg::opt<std::string>(r[8]),
          pg::opt<std::string>(r[9])};
}

}  // namespace

std::optional<attendance_row> attendance_of(pqxx::transaction_base& w, std::int64_t occurrence_id,
                                            std::int64_t user_id) {
  auto r = w.exec_params(std::string(k_attendance_select) + "WHERE u.id = $2 AND a.user_id IS NOT NULL", occurrence_id,
                         user_id);
  if (r.empty()) return std::nullopt;
  return read_attendance(r[0]);
}

void sign(pqxx::transaction_base& w, std::int64_t occurrence_id, std::int64_t user_id, std::int64_t by, bool present) {
  w.exec_params(
      "INSERT INTO meeting_attendance (occurrence_id, user_id, present, signed_by) VALUES ($1, $2, $4, $3) "
      "ON CONFLICT (occurrence_id, user_id) DO UPDATE SET present = $4, signed_by = $3, signed_at = now()",
      occurrence_id, user_id, by, present);
}

std::vector<attendance_row> attendance_sheet(pqxx::transaction_base& w, std::int64_t occurrence_id) {
  std::vector<attendance_row> out;
  for (auto r : w.exec_params(std::string(k_attendance_select) +
                                  "WHERE u.id IN (SELECT user_id FROM meeting_registrations WHERE occurrence_id = $1 "
                                  "  AND state = 'registered' UNION SELECT user_id FROM meeting_attendance "
                                  "  WHERE occurrence_id = $1) ORDER BY lower(u.handle), u.id",
                              occurrence_id))
    out.push_back(read_attendance(r));
  return out;
}

std::optional<certificate_row> certificate(pqxx::transaction_base& w, std::int64_t occurrence_id,
                                           std::int64_t user_id) {
  auto r = w.exec_params(
      "SELECT m.title, m.kind, g.name, to_char(o.local_start, 'YYYY-MM-DD\"T\"HH24:MI'), m.timezone, u.handle, "
      "m.duration_minutes, p.legal_name, p.rpps, p.profession, " +
          ms("a.signed_at") +
          " FROM meeting_attendance a JOIN meeting_occurrences o ON o.id = a.occurrence_id "
          "JOIN meetings m ON m.id = o.meeting_id JOIN groups g ON g.id = m.group_id JOIN users u ON u.id = a.user_id "
          "LEFT JOIN professional_profiles p ON p.user_id = a.user_id "
          "WHERE a.occurrence_id = $1 AND a.user_id = $2 AND a.present",
      occurrence_id, user_id);
  if (r.empty()) return std::nullopt;
  certificate_row c;
  c.title = r[0][0].as<std::string>();
  c.kind = r[0][1].as<std::string>();
  c.group_name = r[0][2].as<std::string>();
  c.local_start = r[0][3].as<std::string>();
  c.timezone = r[0][4].as<std::string>();
  c.handle = r[0][5].as<std::string>();
  c.duration_minutes = r[0][6].as<std::int64_t>();
  c.legal_name = pg::opt<std::string>(r[0][7]);
  c.rpps = pg::opt<std::string>(r[0][8]);
  c.profession = pg::opt<std::string>(r[0][9]);
  c.signed_ms = r[0][10].as<std::int64_t>();
  return c;
}

namespace {

std::string calendar_select() {
  return "SELECT o.id, m.id, m.title, m.description, m.mode, m.timezone, "
         "to_char(o.local_start, 'YYYY-MM-DD\"T\"HH24:MI:SS'), "
         "to_char(o.ends_at AT TIME ZONE m.timezone, 'YYYY-MM-DD\"T\"HH24:MI:SS'), "
         "CASE WHEN m.state = 'cancelled' THEN 'cancelled' ELSE o.state END, m.location, m.join_url, r.state, " +
         ms("o.starts_at") + ", " + ms("o.ends_at") +
         ", o.sequence + m.sequence "
         "FROM meeting_occurrences o JOIN meetings m ON m.id = o.meeting_id ";
}

calendar_row read_calendar(const pqxx::row& r) {
  calendar_row c;
  c.o.id = r[0].as<std::int64_t>();
  c.o.meeting_id = r[1].as<std::int64_t>();
  c.o.title = r[2].as<std::string>();
  c.description = r[3].as<std::string>();
  c.mode = r[4].as<std::string>();
  c.o.timezone = r[5].as<std::string>();
  c.o.local_start = r[6].as<std::string>();
  c.o.local_end = r[7].as<std::string>();
  c.state = r[8].as<std::string>();
  c.o.location = pg::opt<std::string>(r[9]);
  c.join_url = pg::opt<std::string>(r[10]);
  c.my_state = pg::opt<std::string>(r[11]);
  c.o.starts_ms = r[12].as<std::int64_t>();
  c.o.ends_ms = r[13].as<std::int64_t>();
  c.o.sequence = r[14].as<std::int64_t>();
  return c;
}

}  // namespace

std::vector<calendar_row> meeting_calendar(pqxx::transaction_base& w, std::int64_t meeting_id, std::int64_t user_id) {
  std::vector<calendar_row> out;
  for (auto r : w.exec_params(calendar_select() +
                                  "LEFT JOIN meeting_registrations r ON r.occurrence_id = o.id AND r.user_id = $2 "
                                  "WHERE m.id = $1 ORDER BY o.starts_at, o.id",
                              meeting_id, user_id))
    out.push_back(read_calendar(r));
  return out;
}

std::vector<calendar_row> personal_calendar(pqxx::transaction_base& w, std::int64_t user_id) {
  std::vector<calendar_row> out;
  for (auto r : w.exec_params(calendar_select() +
                                  "JOIN meeting_registrations r ON r.occurrence_id = o.id AND r.user_id = $2 "
                                  "WHERE o.ends_at > now() - $1::interval AND " +
                                  k_sees + " ORDER BY o.starts_at, o.id LIMIT 500",
                              std::string("90 days"), user_id))
    out.push_back(read_calendar(r));
  return out;
}

void set_calendar_feed(pqxx::transaction_base& w, std::int64_t user_id, const std::string& token_hash) {
  w.exec_params(
      "INSERT INTO calendar_feeds (user_id, token_hash) VALUES ($1, $2) "
      "ON CONFLICT (user_id) DO UPDATE SET token_hash = $2, created_at = now()",
      user_id, token_hash);
}

bool delete_calendar_feed(pqxx::transaction_base& w, std::int64_t user_id) {
  return !w.exec_params("DELETE FROM calendar_feeds WHERE user_id = $1 RETURNING 1", user_id).empty();
}

std::optional<std::int64_t> calendar_feed_created(pqxx::transaction_base& w, std::int64_t user_id) {
  auto r = w.exec_params("SELECT " + ms("created_at") + " FROM calendar_feeds WHERE user_id = $1", user_id);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::int64_t>();
}

std::optional<std::int64_t> calendar_feed_owner(pqxx::transaction_base& w, const std::string& token_hash) {
  auto r = w.exec_params(
      "SELECT f.user_id FROM calendar_feeds f JOIN users u ON u.id = f.user_id "
      "WHERE f.token_hash = $1 AND u.deleted_at IS NULL AND u.suspended_at IS NULL",
      token_hash);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::int64_t>();
}

std::vector<std::pair<std::int64_t, std::int64_t>> release_registrations(pqxx::transaction_base& w,
                                                                         std::int64_t user_id, bool only_unseen) {
  std::vector<std::pair<std::int64_t, std::int64_t>> promoted;
  std::vector<std::int64_t> occurrences;
  for (auto r :
       w.exec_params(std::string("SELECT o.id FROM meeting_registrations r JOIN meeting_occurrences o ON o.id = "
                                 "r.occurrence_id JOIN meetings m ON m.id = o.meeting_id "
                                 "WHERE r.user_id = $2 AND (NOT $1 OR NOT ") +
                         k_sees + ") ORDER BY o.id FOR UPDATE OF o",
                     only_unseen, user_id))
    occurrences.push_back(r[0].as<std::int64_t>());
  for (auto oid : occurrences) {
    auto state = delete_registration(w, oid, user_id);
    auto l = lock_occurrence(w, oid);
    if (state != "registered" || l.state != "scheduled" || l.meeting_state != "scheduled" || l.ended) continue;
    std::optional<std::int64_t> free;
    if (l.capacity) free = *l.capacity - l.registered;
    if (free && *free <= 0) continue;
    for (auto uid : promote(w, oid, free)) promoted.emplace_back(uid, oid);
  }
  return promoted;
}

}  // namespace colibri::groups::repo

namespace colibri::groups::repo {

namespace {
constexpr const char* k_label_select =
    "SELECT m.id, o.id, m.title, to_char(o.local_start, 'YYYY-MM-DD\"T\"HH24:MI'), m.timezone "
    "FROM meeting_occurrences o JOIN meetings m ON m.id = o.meeting_id ";
occurrence_label read_label(const pqxx::row& r) {
  return {r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), r[2].as<std::string>(), r[3].as<std::string>(),
          r[4].as<std::string>()};
}
}  // namespace

occurrence_label label_of(pqxx::transaction_base& w, std::int64_t occurrence_id) {
  return read_label(w.exec_params1(std::string(k_label_select) + "WHERE o.id = $1", occurrence_id));
}

occurrence_label meeting_label(pqxx::transaction_base& w, std::int64_t meeting_id) {
  return read_label(w.exec_params1(std::string(k_label_select) +
                                       "WHERE m.id = $1 ORDER BY o.ends_at <= now(), "
                                       "CASE WHEN o.ends_at > now() THEN o.starts_at END, o.starts_at DESC LIMIT 1",
                                   meeting_id));
}

}  // namespace colibri::groups::repo
