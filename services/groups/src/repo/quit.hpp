#pragma once
// Quit attempts: a new quit date starts a new one, the other fields update
// the current one.
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>

namespace colibri::groups::repo {

struct attempt_row {
  std::string quit_date;  // YYYY-MM-DD
  std::int64_t attempt = 0;
  std::optional<int> cigarettes_per_day, pack_price_cents, pack_size;
  std::string share;
};
std::optional<attempt_row> current_attempt(pqxx::transaction_base& w, std::int64_t user_id);
// The same, locked until the commit.
std::optional<attempt_row> lock_current_attempt(pqxx::transaction_base& w, std::int64_t user_id);
// Changes the current attempt's other fields (its date stays).
void update_current_attempt(pqxx::transaction_base& w, std::int64_t user_id, const attempt_row& a);
// Ends the current attempt and starts a.attempt.
void start_attempt(pqxx::transaction_base& w, std::int64_t user_id, const attempt_row& a);
// The person's local calendar day (their time zone, by PostgreSQL), YYYY-MM-DD.
std::string local_today(pqxx::transaction_base& w, std::int64_t user_id);

}  // namespace colibri::groups::repo
