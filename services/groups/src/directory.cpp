// The directory of care structures (GET /structures, GET|PATCH
// /structures/{sid}, POST /structures), their representatives, the monthly
// count of messages that carried a structure's card, and the referral codes
// professionals give their patients ("hold"). Places, never people: no
// endpoint here names a person, and no count smaller than 5 is shown.
#include "repo/directory.hpp"

#include <cmath>

#include "api.hpp"
#include "colibri/auth/token.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/utf8.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/json/writer.hpp"
#include "colibri/pg/field.hpp"
#include "community_shared.hpp"
#include "repo/professionals.hpp"

namespace colibri::groups {

using namespace detail;

namespace {

const std::set<std::string>& structure_kinds() {
  static const std::set<std::string> s{
      "csapa",          "hospital_clinic", "gp_practice",         "health_centre", "asalee", "pharmacy",
      "tobacco_clinic", "caarud",          "occupational_health", "mobile_team",   "other"};
  return s;
}

void write_structure(json::writer& j, const repo::structure_row& s, std::optional<bool> can_edit = std::nullopt) {
  j.begin_object().field("id", s.id).field("name", s.name).field("kind", s.kind).key("services").begin_array();
  for (const auto& x : s.services) j.value(x);
  j.end_array().field("address", s.address).field("postcode", s.postcode).field("city", s.city);
  j.field("department", s.department).field("lat", s.lat).field("lon", s.lon);
  if (s.phone) j.field("phone", *s.phone);
  if (s.website) j.field("website", *s.website);
  if (s.hours) j.field("hours", *s.hours);
  j.field("updated_at", core::format_rfc3339_ms(s.confirmed_ms)).field("stale", s.stale);
  if (s.distance_m) j.field("distance_km", std::round(static_cast<double>(*s.distance_m) / 100.0) / 10.0);
  if (can_edit) j.field("can_edit", *can_edit);
  j.end_object();
}

response structure_response(int status, const repo::structure_row& s, bool can_edit) {
  json::writer j;
  j.begin_object().key("structure");
  write_structure(j, s, can_edit);
  j.end_object();
  return response::json(status, j.release());
}

std::optional<double> parse_number(std::string_view s) {
  if (s.empty() || s.size() > 32) return std::nullopt;
  std::string t(s);
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

bool phone_number(const std::string& p) {
  int digits = 0;
  for (char c : p) {
    if (c >= '0' && c <= '9')
      ++digits;
    else if (c != ' ' && c != '.' && c != '+' && c != '-')
      return false;
  }
  return digits >= 4 && digits <= 15;
}

bool iso_date(const std::string& d) {
  return d.size() == 10 && d[4] == '-' && d[7] == '-' &&
         std::all_of(d.begin(), d.end(), [](char c) { return (c >= '0' && c <= '9') || c == '-'; });
}

// The fields of a structure, all optional (POST checks the required ones).
repo::structure_fields read_structure_fields(json::fields& f) {
  repo::structure_fields s;
  s.name = f.text("name", json::optional, 1, 200);
  s.kind = f.text("kind", json::optional, 1, 32);
  s.services = f.strings("services", json::optional, 1, 60, 20);
  s.address = f.text("address", json::optional, 1, 300);
  s.postcode = f.text("postcode", json::optional, 5, 5);
  s.city = f.text("city", json::optional, 1, 100);
  s.department = f.text("department", json::optional, 2, 3);
  s.clear_phone = f.is_null("phone");
  s.clear_website = f.is_null("website");
  s.clear_hours = f.is_null("hours");
  s.phone = f.text("phone", json::optional, 4, 30);
  s.website = f.text("website", json::optional, 8, 500);
  s.hours = f.text("hours", json::optional, 1, 500);
  s.confirmed_on = f.text("confirmed_on", json::optional, 10, 10);
  check_choice(f, "kind", s.kind, structure_kinds());
  if (s.department && !department_code(*s.department)) f.fail("department", core::message(core::msg::bad_department));
  if (s.postcode) {
    const auto& p = *s.postcode;
    bool ok = std::isdigit(static_cast<unsigned char>(p[0])) &&
              (std::isdigit(static_cast<unsigned char>(p[1])) || p[1] == 'A' || p[1] == 'B') &&
              std::all_of(p.begin() + 2, p.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!ok) f.fail("postcode", core::message(core::msg::bad_postcode));
  }
  if (s.phone && !phone_number(*s.phone)) f.fail("phone", core::message(core::msg::bad_phone));
  if (s.website && s.website->rfind("https://", 0) != 0 && s.website->rfind("http://", 0) != 0)
    f.fail("website", core::message(core::msg::bad_url));
  if (s.confirmed_on && !iso_date(*s.confirmed_on)) f.fail("confirmed_on", core::message(core::msg::bad_date));
  return s;
}

// Coordinates are numbers, possibly with decimals (json::fields reads integers).
void read_position(const json::value& doc, json::fields& f, repo::structure_fields& s) {
  for (const char* key : {"lat", "lon"}) {
    auto v = doc.find(key);
    if (!v) continue;
    std::optional<double> d;
    if (auto x = v->as_double()) d = *x;
    if (auto i = v->as_int()) d = static_cast<double>(*i);
    double lim = std::string_view(key) == "lat" ? 90 : 180;
    if (!d || *d < -lim || *d > lim) {
      f.fail(key, core::message(core::msg::bad_position));
      continue;
    }
    (std::string_view(key) == "lat" ? s.lat : s.lon) = *d;
  }
}

std::optional<int> parse_hex_byte(std::string_view h) {
  int v = 0;
  for (char c : h) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    v = v * 16 + d;
  }
  return v;
}

// "ORI-" and 8 characters nobody misreads (no 0/O, 1/I/L).
std::string new_referral_code() {
  static constexpr std::string_view k_alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
  auto t = auth::new_token();
  std::string code = "ORI-";
  for (std::size_t i = 0; i < 8 && i < t.size(); ++i)
    code.push_back(k_alphabet[static_cast<unsigned char>(t[i]) % k_alphabet.size()]);
  return code;
}

}  // namespace

void directory_api::add_routes(http::router& r) {
  using ratelimit::action;
  r.get("/api/v1/structures", signed_in(db_, limits_, action::expensive_read, member(this, &directory_api::search)));
  r.post("/api/v1/structures", signed_in(db_, limits_, action::create, member(this, &directory_api::create)));
  r.get("/api/v1/structures/{sid}", signed_in(db_, member(this, &directory_api::get)));
  r.patch("/api/v1/structures/{sid}", signed_in(db_, limits_, action::edit, member(this, &directory_api::patch)));
  r.put("/api/v1/structures/{sid}/representatives/{uid}",
        signed_in(db_, limits_, action::edit, member(this, &directory_api::set_representative, true)));
  r.del("/api/v1/structures/{sid}/representatives/{uid}",
        signed_in(db_, limits_, action::edit, member(this, &directory_api::set_representative, false)));
  r.get("/api/v1/structures/{sid}/stats",
        signed_in(db_, limits_, action::expensive_read, member(this, &directory_api::stats)));
  r.post("/api/v1/groups/{id}/referral-codes",
         signed_in(db_, limits_, action::create, member(this, &directory_api::create_referral_code)));
  r.get("/api/v1/me/referral-codes", signed_in(db_, member(this, &directory_api::my_referral_codes)));
}

awaitable<response> directory_api::search(request& req, const caller&) {
  auto limit = limit_param(req, 20, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  repo::structure_query q;
  q.limit = *limit + 1;
  auto bad = [&](const char* field, core::msg m) {
    return fail(core::error::validation(field, core::message(m)), req);
  };
  if (auto d = req.query_param("department"); d && !d->empty()) {
    if (!department_code(*d)) co_return bad("department", core::msg::bad_department);
    q.department = std::string(*d);
  }
  if (auto k = req.query_param("kind"); k && !k->empty()) {
    if (!structure_kinds().count(std::string(*k))) co_return bad("kind", core::msg::bad_choice);
    q.kind = std::string(*k);
  }
  if (auto text = req.query_param("q"); text && !text->empty()) {
    if (text->size() > 200 || !core::valid_utf8(*text)) co_return bad("q", core::msg::field_not_utf8);
    auto folded = core::fold_for_search(*text);
    std::size_t at = 0;
    while (at < folded.size() && q.words.size() < 8) {
      auto sp = folded.find(' ', at);
      auto w = folded.substr(at, sp == std::string::npos ? std::string::npos : sp - at);
      if (!w.empty()) q.words.push_back(w);
      if (sp == std::string::npos) break;
      at = sp + 1;
    }
  }
  if (auto near = req.query_param("near"); near && !near->empty()) {
    auto comma = near->find(',');
    auto lat = comma == std::string_view::npos ? std::nullopt : parse_number(near->substr(0, comma));
    auto lon = comma == std::string_view::npos ? std::nullopt : parse_number(near->substr(comma + 1));
    if (!lat || !lon || *lat < -90 || *lat > 90 || *lon < -180 || *lon > 180)
      co_return bad("near", core::msg::bad_position);
    q.lat = lat;
    q.lon = lon;
  }
  if (auto r = req.query_param("radius_km"); r && !r->empty()) {
    auto v = parse_number(*r);
    if (!v || *v <= 0 || *v > 500) co_return bad("radius_km", core::msg::bad_radius);
    q.radius_km = *v;
  }
  // The cursor: "d<metres>.<id>" near a point, "n<hex of the name>.<id>" otherwise.
  if (auto c = req.query_param("cursor"); c && !c->empty()) {
    auto dot = c->rfind('.');
    auto id = dot == std::string_view::npos ? std::nullopt : parse_id(c->substr(dot + 1));
    bool near = q.lat.has_value();
    bool ok = id && c->front() == (near ? 'd' : 'n');
    if (ok && near) {
      auto d = c->substr(1, dot - 1);
      ok = d == "0" || parse_id(d).has_value();
      if (ok) q.after_distance = d == "0" ? 0 : *parse_id(d);
    } else if (ok) {
      auto hex = c->substr(1, dot - 1);
      std::string name;
      ok = hex.size() % 2 == 0;
      for (std::size_t i = 0; ok && i < hex.size(); i += 2) {
        auto v = parse_hex_byte(hex.substr(i, 2));
        ok = v.has_value();
        if (ok) name.push_back(static_cast<char>(*v));
      }
      q.after_name = name;
    }
    if (!ok) co_return bad("cursor", core::msg::bad_cursor);
    q.after_id = *id;
  }
  auto job = [q](pqxx::nontransaction& w) { return repo::search_structures(w, q); };
  auto rows = co_await db_.read(std::move(job));
  bool more = static_cast<int>(rows.size()) > *limit;
  if (more) rows.pop_back();
  json::writer j;
  j.begin_object().key("structures").begin_array();
  for (const auto& s : rows) write_structure(j, s);
  j.end_array().key("next_cursor");
  if (more && !rows.empty()) {
    const auto& last = rows.back();
    std::string c;
    if (last.distance_m) {
      c = "d" + std::to_string(*last.distance_m);
    } else {
      static constexpr char k_hex[] = "0123456789abcdef";
      c = "n";
      for (unsigned char ch : last.name) {
        c.push_back(k_hex[ch >> 4]);
        c.push_back(k_hex[ch & 15]);
      }
    }
    j.value(c + "." + std::to_string(last.id));
  } else {
    j.null();
  }
  j.field("has_more", more).end_object();
  co_return response::json(200, j.release());
}

awaitable<response> directory_api::get(request& req, const caller& who) {
  auto sid = id_param(req, "sid");
  if (!sid) co_return fail(not_found(core::msg::structure_not_found), req);
  struct found {
    std::optional<repo::structure_row> s;
    bool can_edit = false;
  };
  auto job = [sid = *sid, uid = who.user_id](pqxx::nontransaction& w) {
    found f{repo::load_structure(w, sid), false};
    if (f.s) f.can_edit = repo::is_admin(w, uid) || repo::represents(w, sid, uid);
    return f;
  };
  auto f = co_await db_.read(std::move(job));
  if (!f.s) co_return fail(not_found(core::msg::structure_not_found), req);
  co_return structure_response(200, *f.s, f.can_edit);
}

awaitable<response> directory_api::create(request& req, const caller& who) {
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto s = read_structure_fields(f);
  read_position(*doc, f, s);
  const std::pair<const char*, bool> required[] = {
      {"name", s.name.has_value()},         {"kind", s.kind.has_value()}, {"address", s.address.has_value()},
      {"postcode", s.postcode.has_value()}, {"city", s.city.has_value()}, {"department", s.department.has_value()},
      {"lat", s.lat.has_value()},           {"lon", s.lon.has_value()}};
  for (const auto& [key, present] : required)
    if (!present) f.fail(key, core::message(core::msg::field_required));
  if (auto e = f.error()) co_return fail(*e, req);
  auto job = [s, uid = who.user_id](pqxx::work& w) -> core::result<repo::structure_row> {
    if (!repo::is_admin(w, uid)) return forbidden(core::msg::admins_only);
    return *repo::load_structure(w, repo::insert_structure(w, s));
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return structure_response(201, *out, true);
}

awaitable<response> directory_api::patch(request& req, const caller& who) {
  auto sid = id_param(req, "sid");
  if (!sid) co_return fail(not_found(core::msg::structure_not_found), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto s = read_structure_fields(f);
  read_position(*doc, f, s);
  for (const char* key : {"name", "kind", "address", "postcode", "city", "department"})
    if (f.is_null(key)) f.fail(key, core::message(core::msg::field_required));
  if (auto e = f.error()) co_return fail(*e, req);
  auto job = [s, sid = *sid, uid = who.user_id](pqxx::work& w) -> core::result<repo::structure_row> {
    if (!repo::load_structure(w, sid)) return not_found(core::msg::structure_not_found);
    bool admin = repo::is_admin(w, uid);
    if (!admin && !repo::represents(w, sid, uid)) return forbidden(core::msg::representatives_only);
    auto fields = s;
    if (!admin) fields.confirmed_on.reset();  // a representative's edit confirms as of today
    repo::update_structure(w, sid, fields);
    return *repo::load_structure(w, sid);
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return structure_response(200, *out, true);
}

awaitable<response> directory_api::set_representative(request& req, const caller& who, bool on) {
  auto sid = id_param(req, "sid");
  auto target = id_param(req, "uid");
  if (!sid) co_return fail(not_found(core::msg::structure_not_found), req);
  if (!target) co_return fail(not_found(core::msg::account_not_found), req);
  auto job = [sid = *sid, target = *target, uid = who.user_id, on](pqxx::work& w) -> core::result<bool> {
    if (!repo::is_admin(w, uid)) return forbidden(core::msg::admins_only);
    if (!repo::load_structure(w, sid)) return not_found(core::msg::structure_not_found);
    if (on) {
      if (w.exec_params("SELECT 1 FROM users WHERE id = $1 AND deleted_at IS NULL", target).empty())
        return not_found(core::msg::account_not_found);
      w.exec_params(
          "INSERT INTO structure_representatives (structure_id, user_id) VALUES ($1, $2) "
          "ON CONFLICT DO NOTHING",
          sid, target);
    } else {
      w.exec_params("DELETE FROM structure_representatives WHERE structure_id = $1 AND user_id = $2", sid, target);
    }
    return true;
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return response::no_content();
}

awaitable<response> directory_api::stats(request& req, const caller& who) {
  auto sid = id_param(req, "sid");
  if (!sid) co_return fail(not_found(core::msg::structure_not_found), req);
  using months = std::vector<std::pair<std::string, std::int64_t>>;
  auto job = [sid = *sid, uid = who.user_id](pqxx::nontransaction& w) -> core::result<months> {
    if (!repo::load_structure(w, sid)) return not_found(core::msg::structure_not_found);
    if (!repo::represents(w, sid, uid) && !repo::is_admin(w, uid)) return forbidden(core::msg::representatives_only);
    return repo::card_months(w, sid);
  };
  auto out = co_await db_.read(std::move(job));
  if (!out) co_return fail(out.err(), req);
  json::writer j;
  j.begin_object().key("stats").begin_object().field("structure_id", *sid).key("months").begin_array();
  for (const auto& [month, n] : *out) {
    j.begin_object().field("month", month);
    small_count(j, "messages", n);
    j.end_object();
  }
  j.end_array().end_object().end_object();
  co_return response::json(200, j.release());
}

awaitable<response> directory_api::create_referral_code(request& req, const caller& who) {
  auto gid = id_param(req, "id");
  if (!gid) co_return fail(group_not_found(), req);
  struct made {
    std::string code, group_name;
    std::int64_t created_ms = 0;
  };
  auto job = [gid = *gid, uid = who.user_id](pqxx::work& w) -> core::result<made> {
    auto g = repo::load_group(w, gid, uid);
    if (!g.visible()) return group_not_found();
    if (!repo::in_professional_space(w, uid) || !repo::profile_of(w, uid))
      return forbidden(core::msg::referral_professionals_only);
    if (g.kind != "community" || g.join_policy != "request")
      return core::error::validation("group_id", core::message(core::msg::referral_request_groups_only));
    for (int attempt = 0;; ++attempt) {
      auto code = new_referral_code();
      auto r = w.exec_params(
          "INSERT INTO referral_codes (code, group_id, created_by) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING "
          "RETURNING (extract(epoch FROM created_at) * 1000)::bigint",
          code, gid, uid);
      if (!r.empty()) return made{code, g.name, r[0][0].as<std::int64_t>()};
      if (attempt == 5) throw std::runtime_error("referral code space exhausted");
    }
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  json::writer j;
  j.begin_object().key("referral_code").begin_object().field("code", out->code).field("group_id", *gid);
  j.field("group_name", out->group_name);
  small_count(j, "uses", 0);
  j.field("created_at", core::format_rfc3339_ms(out->created_ms)).end_object().end_object();
  co_return response::json(201, j.release());
}

awaitable<response> directory_api::my_referral_codes(request&, const caller& who) {
  auto job = [uid = who.user_id](pqxx::nontransaction& w) {
    return w.exec_params(
        "SELECT r.code, r.group_id, g.name, r.uses, (extract(epoch FROM r.created_at) * 1000)::bigint "
        "FROM referral_codes r JOIN groups g ON g.id = r.group_id WHERE r.created_by = $1 ORDER BY r.id DESC",
        uid);
  };
  auto rows = co_await db_.read(std::move(job));
  std::int64_t total = 0;
  bool hidden = false;
  json::writer j;
  j.begin_object().key("referral_codes").begin_array();
  for (auto r : rows) {
    auto uses = r[3].as<std::int64_t>();
    total += uses;
    hidden = hidden || uses < 5;
    j.begin_object().field("code", r[0].as<std::string>()).field("group_id", r[1].as<std::int64_t>());
    j.field("group_name", r[2].as<std::string>());
    small_count(j, "uses", uses);
    j.field("created_at", core::format_rfc3339_ms(r[4].as<std::int64_t>())).end_object();
  }
  j.end_array();
  small_count(j, "total_uses", rounded_total(total, hidden));
  j.field("has_more", false).end_object();
  co_return response::json(200, j.release());
}

namespace detail {

void small_count(json::writer& j, std::string_view key, std::int64_t n) {
  if (n >= 5)
    j.field(key, n);
  else
    j.field(key, "<5");
}

std::int64_t rounded_total(std::int64_t total, bool hidden) {
  return hidden && total > 0 ? (total + 2) / 5 * 5 : total;
}

}  // namespace detail

}  // namespace colibri::groups
