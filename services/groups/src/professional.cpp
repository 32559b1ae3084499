// The caller's professional profile (GET|PUT /api/v1/me/professional), for
// members of a professional space: never shown on the member side; the
// members list of professional groups shows profession, organisation and
// département; the legal name and RPPS number only go on the person's own
// attendance certificates and the attendance sheet organisers download.
#include <set>

#include "api.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/json/fields.hpp"
#include "community_shared.hpp"
#include "repo/intervision.hpp"
#include "repo/professionals.hpp"

namespace colibri::groups {

using namespace detail;

namespace {

// 11 digits with a valid Luhn key (the RPPS number's own check).
bool rpps_number(std::string_view s) {
  if (s.size() != 11) return false;
  int sum = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    int d = s[s.size() - 1 - i] - '0';
    if (i % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 == 0;
}

}  // namespace

namespace detail {
const std::set<std::string>& professions() {
  static const std::set<std::string> s{"gp",
                                       "physician",
                                       "nurse",
                                       "midwife",
                                       "pharmacist",
                                       "psychologist",
                                       "tobacco_specialist",
                                       "addiction_specialist",
                                       "social_worker",
                                       "prevention_worker",
                                       "physiotherapist",
                                       "occupational_health",
                                       "patient_expert",
                                       "other"};
  return s;
}
}  // namespace detail

namespace {

http::response profile_response(int status, const std::optional<repo::professional_profile>& p) {
  json::writer j;
  j.begin_object().key("professional");
  if (!p) {
    j.null();
  } else {
    j.begin_object().field("profession", p->profession).field("organisation", p->organisation);
    j.field("department", p->department).field("self_employed", p->self_employed).field("industry", p->industry);
    j.key("legal_name");
    if (p->legal_name)
      j.value(*p->legal_name);
    else
      j.null();
    j.key("rpps");
    if (p->rpps)
      j.value(*p->rpps);
    else
      j.null();
    j.field("updated_at", core::format_rfc3339_ms(p->updated_ms)).end_object();
  }
  j.end_object();
  return http::response::json(status, j.release());
}

}  // namespace

namespace detail {
bool department_code(std::string_view d) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (d.size() == 2) {
    if (d == "2A" || d == "2B") return true;
    if (!digit(d[0]) || !digit(d[1])) return false;
    int n = (d[0] - '0') * 10 + (d[1] - '0');
    return n >= 1 && n <= 95 && n != 20;
  }
  return d.size() == 3 && d[0] == '9' && d[1] == '7' && d[2] >= '1' && d[2] <= '8';
}
}  // namespace detail

awaitable<response> meetings_api::get_professional(request&, const caller& who) {
  auto job = [uid = who.user_id](pqxx::nontransaction& w) { return repo::profile_of(w, uid); };
  auto p = co_await db_.read(std::move(job));
  co_return profile_response(200, p);
}

awaitable<response> meetings_api::put_professional(request& req, const caller& who) {
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto profession = f.text("profession", json::required, 1, 32);
  auto organisation = f.text("organisation", json::required, 1, 200);
  auto department = f.text("department", json::required, 1, 3);
  auto self_employed = f.boolean("self_employed", json::required);
  auto industry = f.boolean("industry", json::required);
  auto legal_name = f.text("legal_name", json::optional, 1, 200);
  auto rpps = f.text("rpps", json::optional, 1, 11);
  check_choice(f, "profession", profession, professions());
  if (department && !department_code(*department)) f.fail("department", core::message(core::msg::bad_department));
  if (rpps && !rpps_number(*rpps)) f.fail("rpps", core::message(core::msg::bad_rpps));
  if (auto e = f.error()) co_return fail(*e, req);
  repo::professional_profile p{*profession, *organisation, *department, *self_employed, *industry, legal_name, rpps};
  auto job = [uid = who.user_id, p](pqxx::work& w) -> core::result<std::optional<repo::professional_profile>> {
    if (!repo::in_professional_space(w, uid)) return forbidden(core::msg::professional_space_only);
    // A coordinator confirmed who the person was: a new profession,
    // organisation, département or industry tie needs a new confirmation.
    if (auto old = repo::profile_of(w, uid);
        old && (old->profession != p.profession || old->organisation != p.organisation ||
                old->department != p.department || old->industry != p.industry))
      for (auto gid : repo::lapse_confirmations(w, uid))
        repo::audit(w, gid, uid, "confirmation_lapsed", uid, std::nullopt, std::nullopt, "");
    repo::put_profile(w, uid, p);
    return repo::profile_of(w, uid);
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return profile_response(200, *out);
}

}  // namespace colibri::groups
