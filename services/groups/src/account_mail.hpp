#pragma once
// Single-use account links and the mails that carry them (verification,
// password reset, email change), queued in the caller's transaction
// (libs/mail's outbox). Links carry their token in the URL fragment
// ({public_url}/#/verify?token=…), which browsers never send to a server, so
// no access log holds it.
#include <chrono>
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>

#include "colibri/core/text.hpp"

namespace colibri::groups::detail {

core::lang lang_of(std::string_view locale);

// A new link of this purpose ("verify" or "reset") for the account; earlier
// ones of the same purpose stop working. `email`: the address a verification
// proves; `invitation_id`: an email-bound invitation accepted once it is
// proved (a new verification link keeps the one its predecessor waited with).
std::string issue_account_token(pqxx::work& w, std::int64_t user_id, std::string_view purpose,
                                const std::optional<std::string>& email, std::optional<std::int64_t> invitation_id,
                                std::chrono::seconds ttl);

// `change`: the address is a new one replacing the account's current address.
void mail_verification(pqxx::work& w, std::int64_t user_id, const std::string& to, const std::string& handle,
                       core::lang l, const std::string& public_url, const std::string& token, bool change);
void mail_reset(pqxx::work& w, std::int64_t user_id, const std::string& to, const std::string& handle, core::lang l,
                const std::string& public_url, const std::string& token);
// To the old address when a change is asked: who did not ask knows at once.
void mail_change_notice(pqxx::work& w, std::int64_t user_id, const std::string& to, const std::string& handle,
                        core::lang l, const std::string& public_url);
// To an address another account already uses (said to its owner, never to the asker).
void mail_address_in_use(pqxx::work& w, const std::string& to, core::lang l, const std::string& public_url);

}  // namespace colibri::groups::detail
