#include "repo/quit.hpp"

#include "colibri/pg/field.hpp"

namespace colibri::groups::repo {

namespace {
constexpr const char* k_attempt_select =
    "SELECT to_char(quit_date, 'YYYY-MM-DD'), attempt, cigarettes_per_day, pack_price_cents, pack_size, share "
    "FROM quit_attempts WHERE user_id = $1 AND current";

std::optional<attempt_row> read_attempt(const pqxx::result& r) {
  if (r.empty()) return std::nullopt;
  return attempt_row{r[0][0].as<std::string>(), r[0][1].as<std::int64_t>(), pg::opt<int>(r[0][2]),
                     pg::opt<int>(r[0][3]),     pg::opt<int>(r[0][4]),      r[0][5].as<std::string>()};
}
}  // namespace

std::optional<attempt_row> current_attempt(pqxx::transaction_base& w, std::int64_t user_id) {
  return read_attempt(w.exec_params(k_attempt_select, user_id));
}

std::optional<attempt_row> lock_current_attempt(pqxx::transaction_base& w, std::int64_t user_id) {
  return read_attempt(w.exec_params(std::string(k_attempt_select) + " FOR UPDATE", user_id));
}

void update_current_attempt(pqxx::transaction_base& w, std::int64_t user_id, const attempt_row& a) {
  w.exec_params(
      "UPDATE quit_attempts SET cigarettes_per_day = $2, pack_price_cents = $3, pack_size = $4, share = $5, "
      "updated_at = now() WHERE user_id = $1 AND current",
      user_id, a.cigarettes_per_day, a.pack_price_cents, a.pack_size, a.share);
}

void start_attempt(pqxx::transaction_base& w, std::int64_t user_id, const attempt_row& a) {
  w.exec_params("UPDATE quit_attempts SET current = false, updated_at = now() WHERE user_id = $1 AND current", user_id);
  w.exec_params(
      "INSERT INTO quit_attempts (user_id, attempt, quit_date, cigarettes_per_day, pack_price_cents, pack_size, "
      "share) VALUES ($1, $2, $3::date, $4, $5, $6, $7)",
      user_id, a.attempt, a.quit_date, a.cigarettes_per_day, a.pack_price_cents, a.pack_size, a.share);
}

std::string local_today(pqxx::transaction_base& w, std::int64_t user_id) {
  return w
      .exec_params1("SELECT to_char((now() AT TIME ZONE timezone)::date, 'YYYY-MM-DD') FROM users WHERE id = $1",
                    user_id)[0]
      .as<std::string>();
}

}  // namespace colibri::groups::repo
