#include "repo/accounts.hpp"

#include "colibri/pg/field.hpp"

namespace colibri::groups::repo {

namespace {

constexpr const char* k_user_columns =
    "id, email, handle, locale, timezone, is_admin, (extract(epoch FROM created_at) * 1000)::bigint, "
    "email_verified_at IS NOT NULL";

// The k_user_columns of a row, starting at column `at`.
user_row read_user(const pqxx::row& r, int at = 0) {
  return {r[at].as<std::int64_t>(),     r[at + 1].as<std::string>(), r[at + 2].as<std::string>(),
          r[at + 3].as<std::string>(),  r[at + 4].as<std::string>(), r[at + 5].as<bool>(),
          r[at + 6].as<std::int64_t>(), r[at + 7].as<bool>()};
}

}  // namespace

std::optional<user_row> user_by_id(pqxx::transaction_base& w, std::int64_t user_id) {
  auto r = w.exec_params(std::string("SELECT ") + k_user_columns + " FROM users WHERE id = $1", user_id);
  if (r.empty()) return std::nullopt;
  return read_user(r[0]);
}

std::string taken_field(pqxx::transaction_base& w, const std::string& email, const std::string& handle) {
  auto res = w.exec_params(
      "SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($1)), "
      "EXISTS (SELECT 1 FROM users WHERE lower(handle) = lower($2) AND deleted_at IS NULL)",
      email, handle);
  return res[0][0].as<bool>() ? std::string("email") : res[0][1].as<bool>() ? std::string("handle") : std::string();
}

user_row insert_user(pqxx::transaction_base& w, const std::string& email, const std::string& handle,
                     const std::string& password_hash, const std::string& locale, const std::string& timezone) {
  return read_user(w.exec_params1(std::string("INSERT INTO users (email, handle, password_hash, locale, timezone) "
                                              "VALUES ($1, $2, $3, $4, $5) RETURNING ") +
                                      k_user_columns,
                                  email, handle, password_hash, locale, timezone));
}

login_row login_lookup(pqxx::transaction_base& w, const std::string& email) {
  auto r = w.exec_params1(
      std::string("SELECT coalesce('acct:' || u.id, 'mail:' || lower($1)), u.password_hash, "
                  "CASE WHEN u.suspended_at IS NOT NULL THEN coalesce(u.suspended_reason, '') END, ") +
          k_user_columns +
          " FROM (SELECT 1) one LEFT JOIN users u ON lower(u.email) = lower($1) AND u.deleted_at IS NULL",
      email);
  login_row out;
  out.throttle_key = r[0].as<std::string>();
  if (!r[1].is_null()) {
    out.password_hash = r[1].as<std::string>();
    out.suspended_reason = pg::opt<std::string>(r[2]);
    out.user = read_user(r, 3);
  }
  return out;
}

std::string password_hash_of(pqxx::transaction_base& w, std::int64_t user_id) {
  return w.exec_params1("SELECT password_hash FROM users WHERE id = $1", user_id)[0].as<std::string>();
}

void set_password_hash(pqxx::transaction_base& w, std::int64_t user_id, const std::string& hash) {
  w.exec_params("UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1", user_id, hash);
}

user_row update_profile(pqxx::transaction_base& w, std::int64_t user_id, const std::optional<std::string>& handle,
                        const std::optional<std::string>& locale, const std::optional<std::string>& timezone) {
  if (handle)
    w.exec_params(
        "INSERT INTO user_handles (user_id, handle) SELECT id, handle FROM users WHERE id = $1 AND handle <> $2 "
        "ON CONFLICT (user_id, handle) DO UPDATE SET used_until = now()",
        user_id, *handle);
  return read_user(
      w.exec_params(std::string("UPDATE users SET handle = coalesce($2, handle), locale = coalesce($3, locale), "
                                "timezone = coalesce($4, timezone), updated_at = now() WHERE id = $1 RETURNING ") +
                        k_user_columns,
                    user_id, handle, locale, timezone)
          .at(0));
}

std::optional<std::string> pending_email(pqxx::transaction_base& w, std::int64_t user_id) {
  auto p = w.exec_params(
      "SELECT t.email FROM account_tokens t JOIN users u ON u.id = t.user_id WHERE t.user_id = $1 "
      "AND t.purpose = 'verify' AND t.expires_at > now() AND lower(t.email) <> lower(u.email) "
      "ORDER BY t.created_at DESC LIMIT 1",
      user_id);
  if (p.empty()) return std::nullopt;
  return p[0][0].as<std::string>();
}

void replace_account_token(pqxx::transaction_base& w, std::int64_t uid, const std::string& purpose,
                           const std::string& token_hash, const std::optional<std::string>& email,
                           std::optional<std::int64_t> invitation_id, std::chrono::seconds ttl) {
  if (!invitation_id) {
    auto kept = w.exec_params(
        "SELECT invitation_id FROM account_tokens WHERE user_id = $1 AND purpose = $2 "
        "AND invitation_id IS NOT NULL AND lower(email) = lower($3) ORDER BY created_at DESC LIMIT 1",
        uid, purpose, email);
    if (!kept.empty()) invitation_id = kept[0][0].as<std::int64_t>();
  }
  w.exec_params("DELETE FROM account_tokens WHERE user_id = $1 AND purpose = $2", uid, purpose);
  w.exec_params(
      "INSERT INTO account_tokens (token_hash, user_id, purpose, email, invitation_id, expires_at) "
      "VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))",
      token_hash, uid, purpose, email, invitation_id, static_cast<double>(ttl.count()));
}

std::optional<spent_verification> spend_verification(pqxx::transaction_base& w, const std::string& token_hash) {
  auto t = w.exec_params(
      "DELETE FROM account_tokens t USING users u WHERE t.token_hash = $1 AND t.purpose = 'verify' "
      "AND t.expires_at > now() AND u.id = t.user_id AND u.deleted_at IS NULL "
      "RETURNING t.user_id, t.email, t.invitation_id, lower(t.email) = lower(u.email), u.email",
      token_hash);
  if (t.empty()) return std::nullopt;
  return spent_verification{t[0][0].as<std::int64_t>(), t[0][1].as<std::string>(), pg::opt<std::int64_t>(t[0][2]),
                            t[0][3].as<bool>(), t[0][4].as<std::string>()};
}

void mark_email_verified(pqxx::transaction_base& w, std::int64_t user_id) {
  w.exec_params("UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = $1", user_id);
}

void replace_email(pqxx::transaction_base& w, std::int64_t user_id, const std::string& old_email,
                   const std::string& new_email) {
  w.exec_params(
      "INSERT INTO user_addresses (user_id, email) VALUES ($1, $2) "
      "ON CONFLICT (user_id, email) DO UPDATE SET used_until = now()",
      user_id, old_email);
  w.exec_params("UPDATE users SET email = $2, email_verified_at = now(), updated_at = now() WHERE id = $1", user_id,
                new_email);
}

bool reset_link_alive(pqxx::transaction_base& w, const std::string& token_hash) {
  return !w.exec_params(
               "SELECT 1 FROM account_tokens WHERE token_hash = $1 AND purpose = 'reset' AND expires_at > now()",
               token_hash)
              .empty();
}

std::optional<std::int64_t> spend_reset(pqxx::transaction_base& w, const std::string& token_hash) {
  auto t = w.exec_params(
      "DELETE FROM account_tokens t USING users u WHERE t.token_hash = $1 AND t.purpose = 'reset' "
      "AND t.expires_at > now() AND u.id = t.user_id AND u.deleted_at IS NULL RETURNING t.user_id",
      token_hash);
  if (t.empty()) return std::nullopt;
  return t[0][0].as<std::int64_t>();
}

void reset_password(pqxx::transaction_base& w, std::int64_t user_id, const std::string& hash) {
  w.exec_params(
      "UPDATE users SET password_hash = $2, email_verified_at = coalesce(email_verified_at, now()), "
      "updated_at = now() WHERE id = $1",
      user_id, hash);
}

mail_target mail_target_of(pqxx::transaction_base& w, std::int64_t user_id) {
  auto u = w.exec_params1(
      "SELECT u.email, u.handle, u.locale, u.email_verified_at IS NOT NULL, "
      "(SELECT t.email FROM account_tokens t WHERE t.user_id = u.id AND t.purpose = 'verify' "
      "  AND t.expires_at > now() AND lower(t.email) <> lower(u.email) ORDER BY t.created_at DESC LIMIT 1) "
      "FROM users u WHERE u.id = $1",
      user_id);
  return {user_id,         u[0].as<std::string>(),    u[1].as<std::string>(), u[2].as<std::string>(),
          u[3].as<bool>(), pg::opt<std::string>(u[4])};
}

std::optional<mail_target> live_account_by_email(pqxx::transaction_base& w, const std::string& email) {
  auto u = w.exec_params(
      "SELECT id, email, handle, locale FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL", email);
  if (u.empty()) return std::nullopt;
  return mail_target{u[0][0].as<std::int64_t>(),
                     u[0][1].as<std::string>(),
                     u[0][2].as<std::string>(),
                     u[0][3].as<std::string>(),
                     false,
                     std::nullopt};
}

email_change lock_for_email_change(pqxx::transaction_base& w, std::int64_t user_id, const std::string& new_email) {
  auto u = w.exec_params1(
      "SELECT email, handle, locale, EXISTS (SELECT 1 FROM users o WHERE lower(o.email) = lower($2) "
      "AND o.id <> $1), lower(email) = lower($2) FROM users WHERE id = $1 FOR UPDATE",
      user_id, new_email);
  email_change out;
  out.account = {user_id, u[0].as<std::string>(), u[1].as<std::string>(), u[2].as<std::string>(), false, std::nullopt};
  out.taken_by_other = u[3].as<bool>();
  out.same = u[4].as<bool>();
  return out;
}

}  // namespace colibri::groups::repo
