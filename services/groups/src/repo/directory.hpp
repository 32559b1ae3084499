#pragma once
// The directory of care structures (places, never people), their
// representatives, the cards messages carried, and referral codes.
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace colibri::groups::repo {

struct structure_row {
  std::int64_t id = 0;
  std::string name, kind;
  std::vector<std::string> services;
  std::string address, postcode, city, department;
  double lat = 0, lon = 0;
  std::optional<std::string> phone, website, hours;
  std::int64_t confirmed_ms = 0;
  bool stale = false;
  std::optional<std::int64_t> distance_m;  // from the searched point
};

struct structure_fields {
  std::optional<std::string> name, kind, address, postcode, city, department, phone, website, hours;
  std::optional<std::vector<std::string>> services;
  std::optional<double> lat, lon;
  std::optional<std::string> confirmed_on;  // "YYYY-MM-DD", admins only
  // Present with JSON null: cleared.
  bool clear_phone = false, clear_website = false, clear_hours = false;
};

struct structure_query {
  std::optional<std::string> department, kind;
  std::vector<std::string> words;  // folded
  std::optional<double> lat, lon;
  double radius_km = 50;
  // Where the previous page ended: (distance in metres or name, id).
  std::optional<std::int64_t> after_distance;
  std::optional<std::string> after_name;
  std::int64_t after_id = 0;
  int limit = 50;
};

std::optional<structure_row> load_structure(pqxx::transaction_base& w, std::int64_t id);
std::vector<structure_row> search_structures(pqxx::transaction_base& w, const structure_query& q);
std::int64_t insert_structure(pqxx::transaction_base& w, const structure_fields& f);
void update_structure(pqxx::transaction_base& w, std::int64_t id, const structure_fields& f);
bool represents(pqxx::transaction_base& w, std::int64_t structure_id, std::int64_t user_id);
// Messages that carried the structure's card, per month (newest first, the last 12 months).
std::vector<std::pair<std::string, std::int64_t>> card_months(pqxx::transaction_base& w, std::int64_t structure_id);

// Counts one use of a group's code; false when the code is not this group's.
bool use_referral_code(pqxx::transaction_base& w, std::int64_t group_id, const std::string& code);

}  // namespace colibri::groups::repo
