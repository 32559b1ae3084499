// Intervision agendas, follow-up sheets and the yearly report: a case goes
// on an intervision occurrence of its pole (at most `max_cases`, decided
// under the occurrence's lock), each agenda item has its sheet (Annexe II),
// and the report gives counts only, small ones hidden.
#include "api.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/json/fields.hpp"
#include "community_shared.hpp"
#include "intervision_shared.hpp"
#include "meetings_shared.hpp"
#include "repo/intervision.hpp"

namespace colibri::groups {

using namespace detail;

namespace {

core::error no_item() { return not_found(core::msg::agenda_item_not_found); }

http::response item_response(int status, const char* noun, const repo::agenda_item& a) {
  json::writer j;
  j.begin_object().key(noun);
  write_item(j, a);
  j.end_object();
  return http::response::json(status, j.release());
}

std::vector<std::string> professions_and_unknown() {
  std::vector<std::string> v(professions().begin(), professions().end());
  v.push_back("unknown");
  return v;
}

// One breakdown: a count per value of its list, and their total (rounded
// to 5 when a count is hidden).
void breakdown(json::writer& j, std::string_view key, const std::vector<std::string>& values,
               const std::map<std::string, std::int64_t>& counts) {
  j.key(key).begin_object().key("counts").begin_object();
  std::int64_t total = 0;
  bool hidden = false;
  for (const auto& v : values) {
    auto it = counts.find(v);
    auto n = it == counts.end() ? 0 : it->second;
    total += n;
    hidden = hidden || (n > 0 && n < 5);
    small_count(j, v, n);
  }
  j.end_object();
  small_count(j, "total", rounded_total(total, hidden));
  j.field("rounded", hidden).end_object();
}

std::vector<std::string> listed(const std::set<std::string>& s) { return {s.begin(), s.end()}; }

}  // namespace

awaitable<response> intervision_api::add_to_agenda(request& req, const caller& who) {
  auto oid = id_param(req, "oid");
  if (!oid) co_return fail(not_found(core::msg::occurrence_not_found), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto case_id = f.integer("case_id", json::required, 1, INT64_MAX);
  if (auto e = f.error()) co_return fail(*e, req);
  auto job = [uid = who.user_id, oid = *oid, cid = *case_id](pqxx::work& w) -> core::result<repo::agenda_item> {
    auto a = occurrence_access(w, oid, uid, false);
    if (!a) return a.err();
    auto c = repo::load_case(w, cid, uid);
    if (!c) return core::error::make(core::errc::not_found, core::message(core::msg::case_not_found), "case_id");
    // The occurrence's lock orders concurrent additions: the count below is final.
    auto slot = repo::agenda_of(w, oid, true);
    if (slot.kind != "intervision")
      return core::error::validation("case_id", core::message(core::msg::not_intervision));
    if (slot.group_id != c->group_id)
      return core::error::validation("case_id", core::message(core::msg::case_other_pole));
    if (slot.state != "scheduled") return conflict(core::msg::meeting_cancelled);
    if (c->state != "active") return conflict(core::msg::case_awaiting_approval, "case_id");
    if (auto existing = repo::item_of(w, oid, cid)) {
      auto e = conflict(core::msg::already_on_agenda, "case_id");
      e.existing_id = *existing;
      return e;
    }
    if (slot.items >= slot.max_cases) return conflict(core::msg::agenda_full);
    auto id = repo::insert_item(w, oid, cid, uid);
    return *repo::item_for(w, id, uid);
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return item_response(201, "agenda_item", *out);
}

awaitable<response> intervision_api::agenda(request& req, const caller& who) {
  auto oid = id_param(req, "oid");
  if (!oid) co_return fail(not_found(core::msg::occurrence_not_found), req);
  struct page {
    repo::agenda_slot slot;
    std::vector<repo::agenda_item> items;
  };
  auto job = [uid = who.user_id, oid = *oid](pqxx::nontransaction& w) -> core::result<page> {
    auto a = occurrence_access(w, oid, uid, false);
    if (!a) return a.err();
    auto slot = repo::agenda_of(w, oid, false);
    if (slot.kind != "intervision") return not_found(core::msg::not_intervision);
    if (!repo::standing_in(w, slot.group_id, uid).eligible) return forbidden(core::msg::intervision_only);
    return page{slot, repo::agenda_for(w, oid, uid)};
  };
  auto out = co_await db_.read(std::move(job));
  if (!out) co_return fail(out.err(), req);
  json::writer j;
  j.begin_object().key("agenda_items").begin_array();
  for (const auto& a : out->items) write_item(j, a);
  // How full the agenda is, without what the caller does not take part in.
  j.end_array().field("total", out->slot.items).field("max_cases", out->slot.max_cases);
  j.field("has_more", false).end_object();
  co_return response::json(200, j.release());
}

awaitable<response> intervision_api::remove_item(request& req, const caller& who) {
  auto aid = id_param(req, "aid");
  if (!aid) co_return fail(no_item(), req);
  auto job = [uid = who.user_id, aid = *aid](pqxx::work& w) -> core::result<bool> {
    auto a = repo::item_for(w, aid, uid);
    if (!a) return no_item();
    repo::agenda_of(w, a->occurrence_id, true);
    if (!repo::standing_in(w, a->group_id, uid).runs() && a->added_by != uid) return forbidden(core::msg::agenda_who);
    if (a->sheet) return conflict(core::msg::sheet_filled);
    repo::delete_item(w, aid);
    return true;
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return response::no_content();
}

awaitable<response> intervision_api::put_sheet(request& req, const caller& who) {
  auto aid = id_param(req, "aid");
  if (!aid) co_return fail(no_item(), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  const auto& e = enums();
  repo::sheet_row s;
  auto consent = f.text("consent_recorded", json::required, 1, 16);
  auto requesters = f.strings("requesters", json::required, 1, 32, e.requester.size());
  auto addictions = f.strings("addictions", json::required, 1, 32, e.addictions.size());
  auto reasons = f.strings("reasons", json::required, 1, 32, e.reasons.size());
  auto has_gp = f.boolean("has_gp", json::required);
  auto gp_invited = f.boolean("gp_invited", json::required);
  auto has_pharmacist = f.boolean("has_pharmacist", json::required);
  auto pharmacist_invited = f.boolean("pharmacist_invited", json::required);
  auto difficulties = f.strings("difficulties", json::required, 1, 32, e.difficulties.size());
  auto stage = f.text("motivation_stage", json::required, 1, 32);
  auto issues = f.text("issues_found", json::required, 0, 4000);
  auto proposals = f.strings("proposals", json::required, 1, 32, e.proposals.size());
  auto details = f.text("proposal_details", json::required, 0, 4000);
  auto objective = f.text("objective_met", json::required, 1, 16);
  auto report_back = f.integer("report_back_user_id", json::required, 1, INT64_MAX);
  auto review = f.integer("next_review_in_days", json::optional, 1, 730);
  check_choice(f, "consent_recorded", consent, e.consent_recorded);
  check_all(f, "requesters", requesters, e.requester);
  check_all(f, "addictions", addictions, e.addictions);
  check_all(f, "reasons", reasons, e.reasons);
  check_all(f, "difficulties", difficulties, e.difficulties);
  check_choice(f, "motivation_stage", stage, e.motivation_stage);
  check_all(f, "proposals", proposals, e.proposals);
  check_choice(f, "objective_met", objective, e.objective_met);
  screen(f, "issues_found", issues);
  screen(f, "proposal_details", details);
  if (auto err = f.error()) co_return fail(*err, req);
  s.consent_recorded = *consent;
  s.requesters = *requesters;
  s.addictions = *addictions;
  s.reasons = *reasons;
  s.has_gp = *has_gp;
  s.gp_invited = *gp_invited;
  s.has_pharmacist = *has_pharmacist;
  s.pharmacist_invited = *pharmacist_invited;
  s.difficulties = *difficulties;
  s.motivation_stage = *stage;
  s.issues_found = *issues;
  s.proposals = *proposals;
  s.proposal_details = *details;
  s.objective_met = *objective;
  s.report_back_user_id = *report_back;
  s.next_review_in_days = review;
  auto job = [uid = who.user_id, aid = *aid, s = std::move(s)](pqxx::work& w) -> core::result<repo::agenda_item> {
    auto a = repo::item_for(w, aid, uid);
    if (!a) return no_item();
    if (!repo::standing_in(w, a->group_id, uid).runs()) return forbidden(core::msg::facilitators_only);
    if (!repo::takes_part(w, a->case_id, s.report_back_user_id))
      return core::error::validation("report_back_user_id", core::message(core::msg::report_back_participant));
    repo::put_sheet(w, aid, s, uid);
    return *repo::item_for(w, aid, uid);
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return item_response(200, "agenda_item", *out);
}

awaitable<response> intervision_api::report(request& req, const caller& who) {
  auto in = co_await caller_in_group(db_, req, who);
  if (!in) co_return fail(in.err(), req);
  auto now = std::chrono::system_clock::to_time_t(core::system_clock().now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  int year = utc.tm_year + 1900;
  if (auto y = req.query_param("year")) {
    auto n = parse_id(*y);
    if (!n || *n < 2000 || *n > 2100)
      co_return fail(core::error::validation("year", core::message(core::msg::bad_year)), req);
    year = static_cast<int>(*n);
  }
  struct result {
    bool space = false;
    repo::report_counts counts;
  };
  auto job = [uid = who.user_id, g = in->g, year](pqxx::nontransaction& w) -> core::result<result> {
    result out;
    std::vector<std::int64_t> groups{g.id};
    if (!g.parent_id && g.kind == "professional") {
      // The whole space: its owners and every coordinator of its poles.
      if (g.role != "owner" && !repo::coordinates_in_space(w, g.id, uid))
        return forbidden(core::msg::facilitators_only);
      out.space = true;
      groups = repo::groups_of_space(w, g.id);
    } else {
      auto s = repo::standing_in(w, g.id, uid);
      if (!s.professional || !s.eligible) return forbidden(core::msg::intervision_only);
      if (!s.runs()) return forbidden(core::msg::facilitators_only);
    }
    out.counts = repo::yearly_counts(w, groups, year);
    return out;
  };
  auto out = co_await db_.read(std::move(job));
  if (!out) co_return fail(out.err(), req);
  const auto& c = out->counts;
  const auto& e = enums();
  auto of = [&](const char* k) -> const std::map<std::string, std::int64_t>& {
    static const std::map<std::string, std::int64_t> none;
    auto it = c.breakdowns.find(k);
    return it == c.breakdowns.end() ? none : it->second;
  };
  json::writer j;
  j.begin_object().key("intervision_report").begin_object().field("group_id", in->g.id).field("year", year);
  j.field("scope", out->space ? "space" : "pole");
  small_count(j, "meetings", c.meetings);
  small_count(j, "cases", c.cases);
  small_count(j, "reviews", c.reviews);
  small_count(j, "sheets", c.sheets);
  small_count(j, "withdrawn", c.withdrawn);
  breakdown(j, "requesters", listed(e.requester), of("requesters"));
  breakdown(j, "addictions", listed(e.addictions), of("addictions"));
  breakdown(j, "reasons", listed(e.reasons), of("reasons"));
  breakdown(j, "difficulties", listed(e.difficulties), of("difficulties"));
  breakdown(j, "motivation_stage", listed(e.motivation_stage), of("motivation_stage"));
  breakdown(j, "proposals", listed(e.proposals), of("proposals"));
  breakdown(j, "objective_met", listed(e.objective_met), of("objective_met"));
  breakdown(j, "consent_recorded", listed(e.consent_recorded), of("consent_recorded"));
  breakdown(j, "attendance_by_profession", professions_and_unknown(), of("attendance_by_profession"));
  j.end_object().end_object();
  auto r = response::json(200, j.release());
  r.headers.emplace_back("Cache-Control", "no-store");
  co_return r;
}

}  // namespace colibri::groups
