#pragma once
// What the caller may take away (GET /api/v1/me/export) and their
// notifications' read state.
#include <cstdint>
#include <pqxx/pqxx>
#include <string>

namespace colibri::groups::repo {

// Everything stored about the account, as one JSON document
// ("colibri-export-1"): one section per table, a row per object, times in
// RFC 3339. Moderation about them says what was done and when, never who
// reported them, the notes or the moderator's name.
std::string export_account(pqxx::transaction_base& w, std::int64_t user_id);

void mark_notifications_read(pqxx::transaction_base& w, std::int64_t user_id, std::int64_t up_to_id);

}  // namespace colibri::groups::repo
