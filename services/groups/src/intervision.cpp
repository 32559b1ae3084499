// Intervision (docs/protocol.md, "Intervision"): roles appointed by the
// pole's owners, profiles confirmed by its coordinators, cases filed with the
// person's consent (partial, revocable) and an opaque code made here, free
// text screened for anything identifying. A case exists only for its
// participants: 404 to everyone else, platform admins included.
#include "repo/intervision.hpp"

#include <sodium.h>

#include <mutex>

#include "api.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/identifying.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/pg/server_keys.hpp"
#include "community_shared.hpp"
#include "intervision_shared.hpp"

namespace colibri::groups {

using namespace detail;

namespace detail {

const intervision_enums& enums() {
  static const intervision_enums e;
  return e;
}

void screen(json::fields& f, std::string_view key, const std::optional<std::string>& text) {
  if (!text) return;
  auto k = core::identifying(*text);
  if (!k) return;
  switch (*k) {
    case core::identifying_kind::name:
      return f.fail(key, core::message(core::msg::screen_name));
    case core::identifying_kind::birth:
      return f.fail(key, core::message(core::msg::screen_birth));
    case core::identifying_kind::phone:
      return f.fail(key, core::message(core::msg::screen_phone));
    case core::identifying_kind::nir:
      return f.fail(key, core::message(core::msg::screen_nir));
    case core::identifying_kind::email:
      return f.fail(key, core::message(core::msg::screen_email));
    case core::identifying_kind::number:
      return f.fail(key, core::message(core::msg::screen_number));
  }
}

void check_all(json::fields& f, std::string_view key, const std::optional<std::vector<std::string>>& values,
               const std::set<std::string>& allowed) {
  if (!values) return;
  for (const auto& v : *values)
    if (!allowed.count(v)) return check_choice(f, key, v, allowed);
}

namespace {
void strings_field(json::writer& j, std::string_view key, const std::vector<std::string>& v) {
  j.key(key).begin_array();
  for (const auto& s : v) j.value(s);
  j.end_array();
}
void ids_field(json::writer& j, std::string_view key, const std::vector<std::int64_t>& v) {
  j.key(key).begin_array();
  for (auto id : v) j.value(id);
  j.end_array();
}
std::optional<std::string> ms_text(const std::optional<std::int64_t>& ms) {
  if (!ms) return std::nullopt;
  return core::format_rfc3339_ms(*ms);
}
}  // namespace

void write_case(json::writer& j, const repo::case_row& c) {
  j.begin_object().field("id", c.id).field("group_id", c.group_id).field("code", c.code).field("state", c.state);
  j.key("filed_by").value(c.filed_by).field("requester", c.requester);
  strings_field(j, "addictions", c.addictions);
  strings_field(j, "reasons", c.reasons);
  j.field("summary", c.summary).key("consent").begin_object().field("basis", c.basis);
  ids_field(j, "excluded_user_ids", c.excluded);
  strings_field(j, "withheld", c.withheld);
  j.key("approved_by").value(c.approved_by).key("approved_at").value(ms_text(c.approved_ms)).end_object();
  ids_field(j, "invited_user_ids", c.invited);
  j.key("participants").begin_array();
  for (const auto& p : c.participants) {
    j.begin_object().field("user_id", p.user_id).field("handle", p.handle).key("profession").value(p.profession);
    j.key("role").value(p.role).end_object();
  }
  j.end_array().key("agenda").begin_array();
  for (const auto& a : c.agenda) {
    j.begin_object().field("agenda_item_id", a.agenda_item_id).field("occurrence_id", a.occurrence_id);
    j.field("starts_at", core::format_rfc3339_ms(a.starts_ms)).field("sheet", a.sheet).end_object();
  }
  j.end_array().field("created_at", core::format_rfc3339_ms(c.created_ms));
  j.field("updated_at", core::format_rfc3339_ms(c.updated_ms)).end_object();
}

void write_item(json::writer& j, const repo::agenda_item& a) {
  j.begin_object().field("id", a.id).field("occurrence_id", a.occurrence_id).field("case_id", a.case_id);
  j.field("group_id", a.group_id).field("code", a.code).field("review", a.review).key("added_by").value(a.added_by);
  j.field("starts_at", core::format_rfc3339_ms(a.starts_ms)).field("created_at", core::format_rfc3339_ms(a.created_ms));
  j.key("sheet");
  if (!a.sheet) {
    j.null();
  } else {
    const auto& s = *a.sheet;
    j.begin_object().field("consent_recorded", s.consent_recorded);
    strings_field(j, "requesters", s.requesters);
    strings_field(j, "addictions", s.addictions);
    strings_field(j, "reasons", s.reasons);
    j.field("has_gp", s.has_gp).field("gp_invited", s.gp_invited).field("has_pharmacist", s.has_pharmacist);
    j.field("pharmacist_invited", s.pharmacist_invited);
    strings_field(j, "difficulties", s.difficulties);
    j.field("motivation_stage", s.motivation_stage).field("issues_found", s.issues_found);
    strings_field(j, "proposals", s.proposals);
    j.field("proposal_details", s.proposal_details).field("objective_met", s.objective_met);
    j.field("report_back_user_id", s.report_back_user_id).key("next_review_in_days").value(s.next_review_in_days);
    j.key("review_due_at").value(ms_text(s.review_due_ms)).key("filled_by").value(s.filled_by);
    j.field("updated_at", core::format_rfc3339_ms(s.updated_ms)).end_object();
  }
  j.end_object();
}

}  // namespace detail

namespace {

core::error no_case() { return not_found(core::msg::case_not_found); }

http::response case_response(int status, const repo::case_row& c) {
  json::writer j;
  j.begin_object().key("case");
  write_case(j, c);
  j.end_object();
  return http::response::json(status, j.release());
}

// "ITV-" and three groups of four characters from an alphabet without 0/O,
// 1/I/L or U (about 59 bits).
std::string new_code() {
  static constexpr char k_alphabet[] = "23456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::string code = "ITV";
  for (int g = 0; g < 3; ++g) {
    code += '-';
    for (int i = 0; i < 4; ++i) code += k_alphabet[randombytes_uniform(sizeof k_alphabet - 1)];
  }
  return code;
}

std::string hex(const unsigned char* p, std::size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), p, n);
  out.pop_back();
  return out;
}

std::string code_hmac(const std::string& key_hex, const std::string& code) {
  unsigned char key[crypto_auth_hmacsha256_KEYBYTES] = {};
  sodium_hex2bin(key, sizeof key, key_hex.data(), key_hex.size(), nullptr, nullptr, nullptr);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256(mac, reinterpret_cast<const unsigned char*>(code.data()), code.size(), key);
  sodium_memzero(key, sizeof key);
  return hex(mac, sizeof mac);
}

// The key of the codes' HMAC, made once and kept by the database.
std::string code_key(pqxx::transaction_base& w) {
  static std::mutex m;
  static std::string key;
  std::lock_guard lk(m);
  if (key.empty()) {
    auto raw = pg::server_key(w, "case_codes", [] {
      std::string fresh(crypto_auth_hmacsha256_KEYBYTES, '\0');
      randombytes_buf(fresh.data(), fresh.size());
      return fresh;
    });
    key = hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
    sodium_memzero(raw.data(), raw.size());
  }
  return key;
}

// The caller's standing in the pole, or why they may not use its intervision paths.
core::result<repo::pole_standing> taking_part(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t uid) {
  auto s = repo::standing_in(w, group_id, uid);
  if (!s.professional || !s.eligible) return forbidden(core::msg::intervision_only);
  return s;
}

}  // namespace

void intervision_api::add_routes(http::router& r) {
  using ratelimit::action;
  r.put("/api/v1/groups/{id}/intervision-roles/{uid}",
        signed_in(db_, limits_, action::edit, member(this, &intervision_api::set_role, true)));
  r.del("/api/v1/groups/{id}/intervision-roles/{uid}",
        signed_in(db_, limits_, action::edit, member(this, &intervision_api::set_role, false)));
  r.put("/api/v1/groups/{id}/professionals/{uid}/confirmation",
        signed_in(db_, limits_, action::edit, member(this, &intervision_api::set_confirmation, true)));
  r.del("/api/v1/groups/{id}/professionals/{uid}/confirmation",
        signed_in(db_, limits_, action::edit, member(this, &intervision_api::set_confirmation, false)));
  r.get("/api/v1/groups/{id}/professionals", signed_in(db_, member(this, &intervision_api::roster)));
  r.post("/api/v1/groups/{id}/cases",
         signed_in(db_, limits_, action::create, member(this, &intervision_api::create_case)));
  r.get("/api/v1/groups/{id}/cases", signed_in(db_, member(this, &intervision_api::list_cases)));
  r.get("/api/v1/cases/{cid}", signed_in(db_, member(this, &intervision_api::get_case)));
  r.post("/api/v1/cases/{cid}/approval",
         signed_in(db_, limits_, action::edit, member(this, &intervision_api::approve)));
  r.post("/api/v1/cases/{cid}/consent/withdraw",
         signed_in(db_, limits_, action::edit, member(this, &intervision_api::withdraw)));
  r.post("/api/v1/occurrences/{oid}/agenda",
         signed_in(db_, limits_, action::edit, member(this, &intervision_api::add_to_agenda)));
  r.get("/api/v1/occurrences/{oid}/agenda", signed_in(db_, member(this, &intervision_api::agenda)));
  r.del("/api/v1/agenda-items/{aid}",
        signed_in(db_, limits_, action::edit, member(this, &intervision_api::remove_item)));
  r.put("/api/v1/agenda-items/{aid}/sheet",
        signed_in(db_, limits_, action::edit, member(this, &intervision_api::put_sheet)));
  r.get("/api/v1/groups/{id}/intervision-report",
        signed_in(db_, limits_, action::expensive_read, member(this, &intervision_api::report)));
}

awaitable<response> intervision_api::set_role(request& req, const caller& who, bool on) {
  auto in = co_await caller_in_group(db_, req, who);
  if (!in) co_return fail(in.err(), req);
  auto target = id_param(req, "uid");
  if (!target) co_return fail(not_found(core::msg::not_a_member), req);
  std::string role;
  if (on) {
    auto doc = json::body_object(req.body);
    if (!doc) co_return fail(doc.err(), req);
    json::fields f(*doc);
    auto r = f.text("role", json::required, 1, 16);
    check_choice(f, "role", r, enums().roles);
    if (auto e = f.error()) co_return fail(*e, req);
    role = *r;
  }
  auto job = [uid = who.user_id, g = in->g, target = *target, role, on](pqxx::work& w) -> core::result<bool> {
    auto s = repo::standing_in(w, g.id, uid);
    if (!s.professional) return forbidden(core::msg::intervision_professional_only);
    if (!s.owner && !g.admin) return forbidden(core::msg::intervision_owners_only);
    if (!on) {
      if (repo::delete_role(w, g.id, target))
        repo::audit(w, g.id, uid, "intervision_role_removed", target, std::nullopt, std::nullopt, "");
      return true;
    }
    if (!repo::member_of(w, g.id, target)) return not_found(core::msg::not_a_member);
    if (!repo::professional_member(w, g.id, target))
      return core::error::validation("user_id", core::message(core::msg::role_needs_professional));
    repo::put_role(w, g.id, target, role, uid);
    repo::audit(w, g.id, uid, "intervision_role", target, std::nullopt, std::nullopt, role);
    return true;
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  if (!on) co_return response::no_content();
  json::writer j;
  j.begin_object().key("intervision_role").begin_object().field("group_id", in->g.id).field("user_id", *target);
  j.field("role", role).end_object().end_object();
  co_return response::json(200, j.release());
}

awaitable<response> intervision_api::set_confirmation(request& req, const caller& who, bool on) {
  auto in = co_await caller_in_group(db_, req, who);
  if (!in) co_return fail(in.err(), req);
  auto target = id_param(req, "uid");
  if (!target) co_return fail(not_found(core::msg::not_a_member), req);
  auto job = [uid = who.user_id, gid = in->g.id, target = *target, on](pqxx::work& w) -> core::result<bool> {
    auto s = repo::standing_in(w, gid, uid);
    if (!s.professional || !s.coordinates()) return forbidden(core::msg::coordinators_only);
    if (!on) {
      if (repo::unconfirm(w, gid, target))
        repo::audit(w, gid, uid, "unconfirm_professional", target, std::nullopt, std::nullopt, "");
      return false;
    }
    if (!repo::member_of(w, gid, target)) return not_found(core::msg::not_a_member);
    if (!repo::has_profile(w, target))
      return core::error::validation("user_id", core::message(core::msg::no_professional_profile));
    repo::confirm(w, gid, target, uid);
    repo::audit(w, gid, uid, "confirm_professional", target, std::nullopt, std::nullopt, "");
    return repo::standing_in(w, gid, target).eligible;
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  if (!on) co_return response::no_content();
  json::writer j;
  j.begin_object().key("confirmation").begin_object().field("group_id", in->g.id).field("user_id", *target);
  j.field("confirmed_by", who.user_id).field("eligible", *out).end_object().end_object();
  co_return response::json(200, j.release());
}

awaitable<response> intervision_api::roster(request& req, const caller& who) {
  auto in = co_await caller_in_group(db_, req, who);
  if (!in) co_return fail(in.err(), req);
  auto job = [uid = who.user_id,
              g = in->g](pqxx::nontransaction& w) -> core::result<std::pair<bool, std::vector<repo::roster_row>>> {
    auto s = repo::standing_in(w, g.id, uid);
    if (!s.professional || !(s.eligible || s.owner || g.admin)) return forbidden(core::msg::intervision_only);
    return std::pair{s.coordinates(), repo::roster(w, g.id)};
  };
  auto out = co_await db_.read(std::move(job));
  if (!out) co_return fail(out.err(), req);
  json::writer j;
  j.begin_object().key("professionals").begin_array();
  for (const auto& p : out->second) {
    j.begin_object().field("user_id", p.user_id).field("handle", p.handle).field("profession", p.profession);
    j.field("organisation", p.organisation).field("department", p.department).field("industry", p.industry);
    j.field("confirmed", p.confirmed).field("eligible", p.eligible).key("role").value(p.role);
    if (out->first) j.key("legal_name").value(p.legal_name).key("rpps").value(p.rpps);  // coordinators only
    j.end_object();
  }
  j.end_array().field("has_more", false).end_object();
  co_return response::json(200, j.release());
}

awaitable<response> intervision_api::create_case(request& req, const caller& who) {
  auto in = co_await caller_in_group(db_, req, who);
  if (!in) co_return fail(in.err(), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  const auto& e = enums();
  auto requester = f.text("requester", json::required, 1, 32);
  auto addictions = f.strings("addictions", json::required, 1, 32, e.addictions.size());
  auto reasons = f.strings("reasons", json::required, 1, 32, e.reasons.size());
  auto summary = f.text("summary", json::required, 1, 4000);
  auto invited = f.integers("invited_user_ids", json::optional, 1, INT64_MAX, 50, 0);
  auto consent = f.object("consent", json::required);
  check_choice(f, "requester", requester, e.requester);
  check_all(f, "addictions", addictions, e.addictions);
  check_all(f, "reasons", reasons, e.reasons);
  if ((addictions && addictions->empty()) || (reasons && reasons->empty()))
    f.fail(addictions && addictions->empty() ? "addictions" : "reasons", core::message(core::msg::field_empty));
  screen(f, "summary", summary);
  if (auto err = f.error()) co_return fail(*err, req);
  auto basis = consent->text("basis", json::required, 1, 16);
  auto excluded = consent->integers("excluded_user_ids", json::optional, 1, INT64_MAX, 50, 0);
  auto withheld = consent->strings("withheld", json::optional, 1, 200, 20);
  check_choice(*consent, "basis", basis, e.basis);
  if (withheld)
    for (const auto& item : *withheld) screen(*consent, "withheld", item);
  if (auto err = consent->error()) co_return fail(*err, req);
  repo::new_case c;
  c.group_id = in->g.id;
  c.filed_by = who.user_id;
  c.requester = *requester;
  c.addictions = *addictions;
  c.reasons = *reasons;
  c.summary = *summary;
  c.basis = *basis;
  c.withheld = withheld.value_or(std::vector<std::string>{});
  c.invited = invited.value_or(std::vector<std::int64_t>{});
  c.excluded = excluded.value_or(std::vector<std::int64_t>{});
  auto job = [c = std::move(c)](pqxx::work& w) -> core::result<repo::case_row> {
    auto s = taking_part(w, c.group_id, c.filed_by);
    if (!s) return s.err();
    for (auto x : c.excluded) {
      if (x == c.filed_by)
        return core::error::validation("consent.excluded_user_ids", core::message(core::msg::excluded_self));
      if (!repo::member_of(w, c.group_id, x))
        return core::error::validation("consent.excluded_user_ids", core::message(core::msg::not_a_member));
    }
    for (auto x : c.invited) {
      if (std::find(c.excluded.begin(), c.excluded.end(), x) != c.excluded.end())
        return core::error::validation("invited_user_ids", core::message(core::msg::excluded_invited));
      if (!repo::standing_in(w, c.group_id, x).eligible)
        return core::error::validation("invited_user_ids", core::message(core::msg::invitee_not_eligible));
    }
    auto key = code_key(w);
    for (int attempt = 0; attempt < 8; ++attempt) {
      auto code = new_code();
      if (repo::code_withdrawn(w, code_hmac(key, code))) continue;
      if (auto id = repo::insert_case(w, c, code)) {
        repo::audit(w, c.group_id, c.filed_by, "file_case", std::nullopt, std::nullopt, std::nullopt, "");
        return *repo::load_case(w, *id, c.filed_by);
      }
    }
    throw std::runtime_error("no free case code after 8 draws");
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return case_response(201, *out);
}

awaitable<response> intervision_api::list_cases(request& req, const caller& who) {
  auto in = co_await caller_in_group(db_, req, who);
  if (!in) co_return fail(in.err(), req);
  auto limit = limit_param(req, s_.page_default, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  std::optional<std::int64_t> before;
  if (auto b = req.query_param("before")) {
    before = parse_id(*b);
    if (!before) co_return fail(core::error::validation("before", core::message(core::msg::bad_cursor)), req);
  }
  auto job = [uid = who.user_id, gid = in->g.id, before,
              limit = *limit](pqxx::nontransaction& w) -> core::result<std::vector<repo::case_row>> {
    auto s = taking_part(w, gid, uid);
    if (!s) return s.err();
    return repo::cases_of(w, gid, uid, before, limit + 1);
  };
  auto out = co_await db_.read(std::move(job));
  if (!out) co_return fail(out.err(), req);
  bool more = static_cast<int>(out->size()) > *limit;
  if (more) out->pop_back();
  json::writer j;
  j.begin_object().key("cases").begin_array();
  for (const auto& c : *out) write_case(j, c);
  j.end_array().field("has_more", more).end_object();
  co_return response::json(200, j.release());
}

awaitable<response> intervision_api::get_case(request& req, const caller& who) {
  auto cid = id_param(req, "cid");
  if (!cid) co_return fail(no_case(), req);
  auto job = [uid = who.user_id, cid = *cid](pqxx::nontransaction& w) -> core::result<repo::case_row> {
    auto c = repo::load_case(w, cid, uid);
    if (!c) return no_case();
    return *c;
  };
  auto out = co_await db_.read(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return case_response(200, *out);
}

awaitable<response> intervision_api::approve(request& req, const caller& who) {
  auto cid = id_param(req, "cid");
  if (!cid) co_return fail(no_case(), req);
  auto job = [uid = who.user_id, cid = *cid](pqxx::work& w) -> core::result<repo::case_row> {
    auto c = repo::load_case(w, cid, uid, true);
    if (!c) return no_case();
    if (!repo::standing_in(w, c->group_id, uid).runs()) return forbidden(core::msg::facilitators_only);
    if (c->state != "awaiting_approval") return *c;
    repo::approve_case(w, cid, uid);
    repo::audit(w, c->group_id, uid, "approve_case", std::nullopt, std::nullopt, std::nullopt, "");
    return *repo::load_case(w, cid, uid);
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return case_response(200, *out);
}

awaitable<response> intervision_api::withdraw(request& req, const caller& who) {
  auto cid = id_param(req, "cid");
  if (!cid) co_return fail(no_case(), req);
  auto job = [uid = who.user_id, cid = *cid](pqxx::work& w) -> core::result<std::vector<notify::notification>> {
    auto c = repo::load_case(w, cid, uid, true);
    if (!c) return no_case();
    if (c->filed_by != uid && repo::standing_in(w, c->group_id, uid).role != "facilitator")
      return forbidden(core::msg::withdraw_who);
    auto people = repo::participants_of(w, cid);
    repo::withdraw_case(w, cid, c->group_id, code_hmac(code_key(w), c->code));
    repo::audit(w, c->group_id, uid, "withdraw_case_consent", std::nullopt, std::nullopt, std::nullopt, "");
    json::writer d;
    d.begin_object().field("group_id", c->group_id).end_object();
    // Nothing about the case: not its id, not its code.
    return notify::insert_for(w, people, "case_withdrawn", core::message(core::msg::note_case_withdrawn),
                              core::message(core::msg::note_case_withdrawn_body), d.release());
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  publish_all(pub_, *out);
  co_return response::no_content();
}

}  // namespace colibri::groups
