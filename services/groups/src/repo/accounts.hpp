#pragma once
// Accounts: the users table as its owner sees it, single-use links, and the
// addresses and handles an account gave up (kept only so that erasure can
// find them).
#include <chrono>
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>

namespace colibri::groups::repo {

struct user_row {
  std::int64_t id = 0;
  std::string email, handle, locale, timezone;
  bool is_admin = false;
  std::int64_t created_ms = 0;
  bool email_verified = false;
};
std::optional<user_row> user_by_id(pqxx::transaction_base& w, std::int64_t user_id);
// "email" or "handle" when a live account already uses it (case folded), "" otherwise.
std::string taken_field(pqxx::transaction_base& w, const std::string& email, const std::string& handle);
// Throws pqxx::unique_violation when the address or handle is taken meanwhile.
user_row insert_user(pqxx::transaction_base& w, const std::string& email, const std::string& handle,
                     const std::string& password_hash, const std::string& locale, const std::string& timezone);

// What a login needs: the throttle key of the account ("acct:<id>") or, for
// an unknown address, of the address as PostgreSQL folds it ("mail:<addr>").
struct login_row {
  std::string throttle_key;
  std::optional<user_row> user;
  std::string password_hash;
  std::optional<std::string> suspended_reason;
};
login_row login_lookup(pqxx::transaction_base& w, const std::string& email);
std::string password_hash_of(pqxx::transaction_base& w, std::int64_t user_id);
void set_password_hash(pqxx::transaction_base& w, std::int64_t user_id, const std::string& hash);

// What a PATCH /me changes (absent: kept). The handle given up is
// remembered. Throws pqxx::unique_violation when the handle is taken.
user_row update_profile(pqxx::transaction_base& w, std::int64_t user_id, const std::optional<std::string>& handle,
                        const std::optional<std::string>& locale, const std::optional<std::string>& timezone);

// A new address asked for, waiting for its confirmation.
std::optional<std::string> pending_email(pqxx::transaction_base& w, std::int64_t user_id);

// Single-use links: a new one of this purpose replaces the earlier ones; a
// verification link keeps the email-bound invitation its predecessor waited
// with. Only the token's hash is stored.
void replace_account_token(pqxx::transaction_base& w, std::int64_t user_id, const std::string& purpose,
                           const std::string& token_hash, const std::optional<std::string>& email,
                           std::optional<std::int64_t> invitation_id, std::chrono::seconds ttl);
struct spent_verification {
  std::int64_t user_id = 0;
  std::string email;  // the address it proves
  std::optional<std::int64_t> invitation_id;
  bool same_address = false;  // the account's own address (else an email change)
  std::string current_email;
};
// Spends a live verification link (single use); nullopt when none.
std::optional<spent_verification> spend_verification(pqxx::transaction_base& w, const std::string& token_hash);
void mark_email_verified(pqxx::transaction_base& w, std::int64_t user_id);
// The new address counts from now; the old one is remembered for erasure.
// Throws pqxx::unique_violation when another account took it meanwhile.
void replace_email(pqxx::transaction_base& w, std::int64_t user_id, const std::string& old_email,
                   const std::string& new_email);
bool reset_link_alive(pqxx::transaction_base& w, const std::string& token_hash);
// Spends a live reset link; its account, nullopt when none.
std::optional<std::int64_t> spend_reset(pqxx::transaction_base& w, const std::string& token_hash);
// The new password; the link came through the address, so it is proved too.
void reset_password(pqxx::transaction_base& w, std::int64_t user_id, const std::string& hash);

struct mail_target {
  std::int64_t user_id = 0;
  std::string email, handle, locale;
  bool verified = false;
  std::optional<std::string> pending_email;
};
mail_target mail_target_of(pqxx::transaction_base& w, std::int64_t user_id);
std::optional<mail_target> live_account_by_email(pqxx::transaction_base& w, const std::string& email);
// The account locked for an email change, with whether the new address is
// already its own or another account's.
struct email_change {
  mail_target account;
  bool taken_by_other = false, same = false;
};
email_change lock_for_email_change(pqxx::transaction_base& w, std::int64_t user_id, const std::string& new_email);

}  // namespace colibri::groups::repo
