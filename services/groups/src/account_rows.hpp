#pragma once
// The account's rows and shapes, shared by the account handlers
// (accounts.cpp, account_profile.cpp, account_erasure.cpp).
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "colibri/core/result.hpp"
#include "colibri/http/message.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/json/writer.hpp"
#include "repo/accounts.hpp"

namespace colibri::groups::detail {

using repo::user_row;
// The quit profile's JSON value ({...} or null), for write_user.
std::string quit_field(pqxx::transaction_base& w, std::int64_t uid);
// The caller's own view of their account (the email is never shown to others).
void write_user(json::writer& w, const user_row& u, const std::string& quit_member = {},
                const std::optional<std::string>& pending_email = std::nullopt);
http::response user_response(int status, const user_row& u, const std::string* token,
                             const std::string& quit_member = {},
                             const std::optional<std::string>& pending_email = std::nullopt,
                             bool invitation_pending = false);
// Which unique index a unique_violation hit ("email", "handle" or "").
std::string conflicting_field(const pqxx::unique_violation& e);
core::error conflict_for(const std::string& field);
const core::error& bad_credentials();
// rate_limited, with the wait the login throttle asks for.
core::error throttled(int retry_after_s);
// An optional "locale" ("fr" or "en"; a validation error otherwise).
std::optional<std::string> read_locale(json::fields& f);

}  // namespace colibri::groups::detail
