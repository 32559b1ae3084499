#pragma once
// The quit profile (PATCH /api/v1/me `quit`) and GET /api/v1/me/progress.
// Attempts are kept: a new quit date starts a new one (after a relapse; the
// word never appears anywhere public), other fields update the current one.
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "colibri/core/result.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/json/writer.hpp"
#include "colibri/quit/milestones.hpp"

namespace colibri::groups {

struct quit_input {
  quit::date quit_date;
  std::optional<int> cigarettes_per_day, pack_price_cents, pack_size;
  std::string share = "private";
};

// Reads and checks the `quit` object (errors recorded on f, as "quit.date").
std::optional<quit_input> read_quit(json::fields& f);
// Stores it in the caller's transaction: validation_failed when the date is
// more than a year after the person's local today.
core::result<void> save_quit(pqxx::work& w, std::int64_t user_id, const quit_input& q);
// The person's local calendar day (their time zone, by PostgreSQL).
quit::date local_today(pqxx::transaction_base& w, std::int64_t user_id);
// "quit": {date, attempt, cigarettes_per_day, pack_price_cents, pack_size, share} or null.
void write_quit(json::writer& j, pqxx::transaction_base& w, std::int64_t user_id);
// {"progress": {...}} in the person's language.
std::string progress_json(pqxx::transaction_base& w, std::int64_t user_id, core::lang l);

}  // namespace colibri::groups
