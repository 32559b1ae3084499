// Attendance (émargement), distinct from registration: people sign in
// themselves from 30 minutes before the start to the end, organisers mark
// anyone present or absent; the sheet as CSV for organisers (what pays the
// self-employed), and an attendance certificate only for people marked
// present.
#include "api.hpp"
#include "colibri/calendar/spoken.hpp"
#include "colibri/json/fields.hpp"
#include "community_shared.hpp"
#include "meetings_shared.hpp"
#include "repo/intervision.hpp"

namespace colibri::groups {

using namespace detail;

namespace {

core::error no_occurrence() { return not_found(core::msg::occurrence_not_found); }

void write_attendance(json::writer& j, const repo::attendance_row& a) {
  j.begin_object().field("user_id", a.user_id).field("handle", a.handle);
  j.field("present", a.present.value_or(false)).key("signed_at");
  if (a.signed_ms)
    j.value(core::format_rfc3339_ms(*a.signed_ms));
  else
    j.null();
  j.key("signed_by");
  if (a.signed_by)
    j.value(*a.signed_by);
  else
    j.null();
  j.end_object();
}

http::response attendance_response(int status, const repo::attendance_row& a) {
  json::writer j;
  j.begin_object().key("attendance");
  write_attendance(j, a);
  j.end_object();
  return http::response::json(status, j.release());
}

// A CSV cell: quoted, and never a formula for a spreadsheet (= + - @, tab, CR).
std::string cell(std::string_view v) {
  std::string out = "\"";
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r'))
    out += '\'';
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

awaitable<response> meetings_api::sign_in(request& req, const caller& who) {
  auto oid = id_param(req, "oid");
  if (!oid) co_return fail(no_occurrence(), req);
  auto job = [uid = who.user_id, oid = *oid](pqxx::work& w) -> core::result<std::pair<repo::attendance_row, bool>> {
    auto a = occurrence_access(w, oid, uid, false);
    if (!a) return a.err();
    auto l = repo::lock_occurrence(w, oid);
    if (l.state != "scheduled" || l.meeting_state != "scheduled") return conflict(core::msg::meeting_cancelled);
    auto reg = repo::registration_of(w, oid, uid);
    if (!reg || reg->state != "registered") return forbidden(core::msg::register_first);
    auto t = repo::occurrence_timing(w, oid);
    if (!t.opens || t.over) return conflict(core::msg::attendance_closed);
    if (auto done = repo::attendance_of(w, oid, uid); done && done->present.value_or(false))
      return std::pair{*done, false};
    repo::sign(w, oid, uid, uid, true);
    return std::pair{*repo::attendance_of(w, oid, uid), true};
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return attendance_response(out->second ? 201 : 200, out->first);
}

awaitable<response> meetings_api::mark_attendance(request& req, const caller& who) {
  auto oid = id_param(req, "oid");
  if (!oid) co_return fail(no_occurrence(), req);
  auto target = id_param(req, "uid");
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto present = f.boolean("present", json::required);
  if (auto e = f.error()) co_return fail(*e, req);
  auto job = [uid = who.user_id, oid = *oid, target,
              present = *present](pqxx::work& w) -> core::result<repo::attendance_row> {
    auto a = occurrence_access(w, oid, uid, true);
    if (!a) return a.err();
    // Anyone who may attend: a member of the group (or of the space for a space-wide meeting).
    if (!target || !repo::access_occurrence(w, oid, *target).sees) return not_found(core::msg::not_a_member);
    auto l = repo::lock_occurrence(w, oid);
    if (l.state != "scheduled" || l.meeting_state != "scheduled") return conflict(core::msg::meeting_cancelled);
    if (!repo::occurrence_timing(w, oid).opens) return conflict(core::msg::attendance_closed);
    repo::sign(w, oid, *target, uid, present);
    repo::audit(w, a->group_id, uid, present ? "mark_present" : "mark_absent", *target, std::nullopt, std::nullopt, "");
    return *repo::attendance_of(w, oid, *target);
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return attendance_response(200, *out);
}

awaitable<response> meetings_api::attendance_csv(request& req, const caller& who) {
  auto oid = id_param(req, "oid");
  if (!oid) co_return fail(no_occurrence(), req);
  auto job = [uid = who.user_id,
              oid = *oid](pqxx::nontransaction& w) -> core::result<std::vector<repo::attendance_row>> {
    auto a = occurrence_access(w, oid, uid, false);
    if (!a) return a.err();
    // An intervision's sheet goes to the pole's coordinators (who pay the
    // self-employed); any other meeting's to its organisers.
    bool intervision = false;
    bool coordinator = repo::coordinates_occurrence(w, oid, uid, intervision);
    if (intervision ? !coordinator : !a->organiser) return forbidden(core::msg::organisers_only);
    return repo::attendance_sheet(w, oid);
  };
  auto out = co_await db_.read(std::move(job));
  if (!out) co_return fail(out.err(), req);
  std::string csv =
      "user_id,handle,legal_name,profession,self_employed,registration,present,signed_at,signed_by,rpps\r\n";
  for (const auto& a : *out) {
    csv += std::to_string(a.user_id) + "," + cell(a.handle) + "," + cell(a.legal_name.value_or("")) + "," +
           cell(a.profession.value_or("")) + "," + (a.self_employed ? (*a.self_employed ? "true" : "false") : "") +
           "," + cell(a.registration.value_or("")) + "," + (a.present.value_or(false) ? "true" : "false") + "," +
           (a.signed_ms ? core::format_rfc3339_ms(*a.signed_ms) : "") + "," + cell(a.signed_by.value_or("")) + "," +
           cell(a.rpps.value_or("")) + "\r\n";
  }
  response r;
  r.status = 200;
  r.content_type = "text/csv; charset=utf-8";
  r.body = std::move(csv);
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"emargement-" + std::to_string(*oid) + ".csv\"");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Cache-Control", "no-store");
  co_return r;
}

awaitable<response> meetings_api::certificate(request& req, const caller& who) {
  auto oid = id_param(req, "oid");
  if (!oid) co_return fail(no_occurrence(), req);
  auto job = [uid = who.user_id, oid = *oid](pqxx::nontransaction& w) -> core::result<repo::certificate_row> {
    auto a = occurrence_access(w, oid, uid, false);
    if (!a) return a.err();
    auto c = repo::certificate(w, oid, uid);
    if (!c) return not_found(core::msg::no_certificate);
    return *c;
  };
  auto out = co_await db_.read(std::move(job));
  if (!out) co_return fail(out.err(), req);
  const auto& c = *out;
  auto l = req.lang;
  const auto& t = core::message(core::msg::certificate_title).in(l);
  auto body = core::message(core::msg::certificate_body, {{"name", c.legal_name.value_or(c.handle)},
                                                          {"title", c.title},
                                                          {"group", c.group_name},
                                                          {"minutes", std::to_string(c.duration_minutes)}})
                  .in(l);
  auto when = calendar::spoken(c.local_start, c.timezone, l);
  std::string page = "<p>" + html_escape(body) + "</p><dl><dt>" +
                     html_escape(core::message(core::msg::certificate_when).in(l)) + "</dt><dd>" + html_escape(when) +
                     "</dd>";
  if (c.rpps) page += "<dt>RPPS</dt><dd>" + html_escape(*c.rpps) + "</dd>";
  page += "<dt>" + html_escape(core::message(core::msg::certificate_signed).in(l)) + "</dt><dd>" +
          html_escape(core::format_rfc3339_ms(c.signed_ms)) + "</dd></dl><p>Colibri</p>";
  co_return html_page(200, l, t, page, "body{font-family:serif}dt{font-weight:bold}@media print{body{margin:1em}}");
}

}  // namespace colibri::groups
