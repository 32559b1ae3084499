#include "colibri/auth/sessions.hpp"

#include "colibri/auth/token.hpp"

namespace colibri::auth {

std::string create_session(pqxx::work& w, std::int64_t user_id, std::chrono::hours ttl) {
  auto token = new_token();
  w.exec_params(
      "INSERT INTO sessions (user_id, token_hash, expires_at) VALUES ($1, $2, now() + make_interval(hours => $3))",
      user_id, token_hash(token), static_cast<int>(ttl.count()));
  return token;
}

std::optional<session> find_session(pqxx::work& w, std::string_view token) {
  if (!plausible_token(token)) return std::nullopt;
  // last_seen_at is refreshed at most once a minute to keep lookups read-mostly.
  auto r = w.exec_params(
      "UPDATE sessions s SET last_seen_at = now() "
      "FROM users u "
      "WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now() "
      "  AND u.id = s.user_id AND u.deleted_at IS NULL AND s.last_seen_at < now() - interval '1 minute' "
      "RETURNING s.id, s.user_id",
      token_hash(token));
  if (r.empty()) {
    r = w.exec_params(
        "SELECT s.id, s.user_id FROM sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.deleted_at IS NULL",
        token_hash(token));
  }
  if (r.empty()) return std::nullopt;
  return session{r[0][0].as<std::int64_t>(), r[0][1].as<std::int64_t>()};
}

bool revoke_session(pqxx::work& w, std::int64_t session_id) {
  auto r = w.exec_params("UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", session_id);
  return r.affected_rows() == 1;
}

int revoke_all_sessions(pqxx::work& w, std::int64_t user_id) {
  auto r = w.exec_params("UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL", user_id);
  return static_cast<int>(r.affected_rows());
}

}  // namespace colibri::auth
