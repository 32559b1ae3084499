#include "repo/directory.hpp"

#include <algorithm>
#include <cmath>

#include "colibri/core/utf8.hpp"
#include "colibri/pg/field.hpp"
#include "colibri/pg/sql_array.hpp"

namespace colibri::groups::repo {

namespace {

constexpr const char* k_structure_columns =
    "s.id, s.name, s.kind, s.services, s.address, s.postcode, s.city, s.department, s.lat, s.lon, s.phone, "
    "s.website, s.hours, (extract(epoch FROM s.confirmed_at) * 1000)::bigint, "
    "s.confirmed_at < now() - interval '1 year'";

structure_row read_structure(const pqxx::row& r) {
  structure_row s;
  s.id = r[0].as<std::int64_t>();
  s.name = r[1].as<std::string>();
  s.kind = r[2].as<std::string>();
  s.services = pg::strings(r[3]);
  s.address = r[4].as<std::string>();
  s.postcode = r[5].as<std::string>();
  s.city = r[6].as<std::string>();
  s.department = r[7].as<std::string>();
  s.lat = r[8].as<double>();
  s.lon = r[9].as<double>();
  s.phone = pg::opt<std::string>(r[10]);
  s.website = pg::opt<std::string>(r[11]);
  s.hours = pg::opt<std::string>(r[12]);
  s.confirmed_ms = r[13].as<std::int64_t>();
  s.stale = r[14].as<bool>();
  return s;
}

// Great-circle distance in metres from ($lat, $lon), rounded.
constexpr const char* k_distance =
    "round(12742000.0 * asin(sqrt(power(sin(radians(s.lat - $4::float8) / 2), 2) + cos(radians($4::float8)) "
    "* cos(radians(s.lat)) * power(sin(radians(s.lon - $5::float8) / 2), 2))))::bigint";

}  // namespace

std::optional<structure_row> load_structure(pqxx::transaction_base& w, std::int64_t id) {
  auto r = w.exec_params(std::string("SELECT ") + k_structure_columns + " FROM care_structures s WHERE s.id = $1", id);
  if (r.empty()) return std::nullopt;
  return read_structure(r[0]);
}

// Filters by département and kind (an index), every folded word in the
// search text (a trigram index); near a point, a bounding box first (an
// index on lat, lon), then the exact distance, sorted, within the radius.
// Only the filters asked for are in the statement, so that each shape gets
// its own plan with the values in it.
std::vector<structure_row> search_structures(pqxx::transaction_base& w, const structure_query& q) {
  bool near = q.lat && q.lon;
  double lat = q.lat.value_or(0), lon = q.lon.value_or(0);
  double dlat = q.radius_km / 111.0;
  double c = std::max(0.01, std::cos(lat * 3.14159265358979323846 / 180));
  double dlon = std::min(180.0, q.radius_km / (111.0 * c));
  // Every parameter typed once (libpq needs a type for those a shape leaves out).
  std::string sql =
      "WITH p AS (SELECT $1::text, $2::text, $3::boolean, $4::float8, $5::float8, $6::float8, $7::float8, "
      "$8::bigint, $9::bigint, $10::text, $11::bigint, $12::int) SELECT * FROM (SELECT ";
  sql += k_structure_columns;
  sql += ", ";
  sql += near ? k_distance : "0::bigint";
  sql += " AS dist FROM care_structures s WHERE true";
  if (q.department) sql += " AND s.department = $1::text";
  if (q.kind) sql += " AND s.kind = $2::text";
  for (const auto& word : q.words) {
    std::string pat = "%";
    for (char ch : word) {
      if (ch == '%' || ch == '_' || ch == '\\') pat.push_back('\\');
      pat.push_back(ch);
    }
    pat += "%";
    // As a quoted literal (libpq's escaping): with a parameter the planner
    // misjudged how many rows a common word matches and read them all
    // through the trigram index (10 ms instead of 0.2 for "tabac").
    sql += " AND s.search_text LIKE " + w.quote(pat);
  }
  if (near)
    sql +=
        " AND s.lat BETWEEN $4::float8 - $6::float8 AND $4::float8 + $6::float8 "
        "AND s.lon BETWEEN $5::float8 - $7::float8 AND $5::float8 + $7::float8";
  sql += ") x WHERE true";
  if (near) sql += " AND x.dist <= $8::bigint";
  if (q.after_distance) sql += " AND (x.dist, x.id) > ($9::bigint, $11::bigint)";
  if (q.after_name) sql += " AND (x.name, x.id) > ($10::text, $11::bigint)";
  sql += near ? " ORDER BY x.dist, x.id LIMIT $12::int" : " ORDER BY x.name, x.id LIMIT $12::int";
  auto r =
      w.exec_params(sql, q.department, q.kind, near, lat, lon, dlat, dlon,
                    static_cast<std::int64_t>(q.radius_km * 1000), q.after_distance, q.after_name, q.after_id, q.limit);
  std::vector<structure_row> out;
  for (const auto& row : r) {
    auto s = read_structure(row);
    if (near) s.distance_m = row[15].as<std::int64_t>();
    out.push_back(std::move(s));
  }
  return out;
}

namespace {
std::string search_text_of(const std::string& name, const std::string& city, const std::string& postcode,
                           const std::vector<std::string>& services) {
  std::string t = name + " " + city + " " + postcode;
  for (const auto& s : services) t += " " + s;
  return core::fold_for_search(t);
}
}  // namespace

std::int64_t insert_structure(pqxx::transaction_base& w, const structure_fields& f) {
  auto services = f.services.value_or(std::vector<std::string>{});
  return w
      .exec_params1(
          "INSERT INTO care_structures (name, kind, services, address, postcode, city, department, lat, lon, phone, "
          "website, hours, search_text, confirmed_at) VALUES ($1, $2, $3::text[], $4, $5, $6, $7, $8, $9, $10, $11, "
          "$12, $13, coalesce($14::date::timestamptz, now())) RETURNING id",
          *f.name, *f.kind, pg::strings_array(services), *f.address, *f.postcode, *f.city, *f.department, *f.lat,
          *f.lon, f.phone, f.website, f.hours, search_text_of(*f.name, *f.city, *f.postcode, services),
          f.confirmed_on)[0]
      .as<std::int64_t>();
}

// An edit confirms the structure's information as of now (or as of the
// date an admin gives).
void update_structure(pqxx::transaction_base& w, std::int64_t id, const structure_fields& f) {
  auto cur = load_structure(w, id);
  if (!cur) return;
  auto name = f.name.value_or(cur->name);
  auto city = f.city.value_or(cur->city);
  auto postcode = f.postcode.value_or(cur->postcode);
  auto services = f.services.value_or(cur->services);
  auto keep = [](bool clear, const std::optional<std::string>& v, const std::optional<std::string>& old) {
    return clear ? std::nullopt : v ? v : old;
  };
  w.exec_params(
      "UPDATE care_structures SET name = $2, kind = $3, services = $4::text[], address = $5, postcode = $6, "
      "city = $7, department = $8, lat = $9, lon = $10, phone = $11, website = $12, hours = $13, search_text = $14, "
      "confirmed_at = coalesce($15::date::timestamptz, now()) WHERE id = $1",
      id, name, f.kind.value_or(cur->kind), pg::strings_array(services), f.address.value_or(cur->address), postcode,
      city, f.department.value_or(cur->department), f.lat.value_or(cur->lat), f.lon.value_or(cur->lon),
      keep(f.clear_phone, f.phone, cur->phone), keep(f.clear_website, f.website, cur->website),
      keep(f.clear_hours, f.hours, cur->hours), search_text_of(name, city, postcode, services), f.confirmed_on);
}

bool represents(pqxx::transaction_base& w, std::int64_t structure_id, std::int64_t user_id) {
  return !w.exec_params("SELECT 1 FROM structure_representatives WHERE structure_id = $1 AND user_id = $2",
                        structure_id, user_id)
              .empty();
}

std::vector<std::pair<std::string, std::int64_t>> card_months(pqxx::transaction_base& w, std::int64_t structure_id) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (auto r :
       w.exec_params("SELECT to_char(date_trunc('month', created_at AT TIME ZONE 'Europe/Paris'), 'YYYY-MM'), count(*) "
                     "FROM room_events WHERE structure_id = $1 AND kind = 'message' "
                     "AND created_at >= date_trunc('month', now()) - interval '11 months' GROUP BY 1 ORDER BY 1 DESC",
                     structure_id))
    out.emplace_back(r[0].as<std::string>(), r[1].as<std::int64_t>());
  return out;
}

bool use_referral_code(pqxx::transaction_base& w, std::int64_t group_id, const std::string& code) {
  std::string c = code;
  for (auto& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return !w.exec_params("UPDATE referral_codes SET uses = uses + 1 WHERE code = $1 AND group_id = $2 RETURNING 1", c,
                        group_id)
              .empty();
}

}  // namespace colibri::groups::repo
