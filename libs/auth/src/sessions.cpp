#include "colibri/auth/sessions.hpp"

#include "colibri/auth/token.hpp"
#include "colibri/pg/prepared.hpp"
#include "colibri/pg/sql_array.hpp"

namespace colibri::auth {

std::string create_session(pqxx::work& w, std::int64_t user_id, std::chrono::hours ttl) {
  auto token = new_token();
  w.exec_params(
      "INSERT INTO sessions (user_id, token_hash, expires_at) VALUES ($1, $2, now() + make_interval(hours => $3))",
      user_id, token_hash(token), static_cast<int>(ttl.count()));
  return token;
}

std::optional<session> find_session(pqxx::transaction_base& w, std::string_view token) {
  return find_sessions(w, {std::string(token)}).front();
}

std::vector<std::optional<session>> find_sessions(pqxx::transaction_base& w, const std::vector<std::string>& tokens) {
  std::vector<std::optional<session>> out(tokens.size());
  std::vector<std::optional<std::string>> hashes;
  hashes.reserve(tokens.size());
  for (const auto& t : tokens) hashes.push_back(plausible_token(t) ? std::optional(token_hash(t)) : std::nullopt);
  // last_seen_at is refreshed at most once a minute to keep lookups read-mostly.
  static const std::string sql =
      "WITH k AS (SELECT h, i FROM unnest($1::text[]) WITH ORDINALITY AS k(h, i) WHERE h IS NOT NULL), "
      "live AS (SELECT k.i, s.id, s.user_id, s.last_seen_at FROM k JOIN sessions s ON s.token_hash = k.h "
      "  JOIN users u ON u.id = s.user_id "
      "  WHERE s.revoked_at IS NULL AND s.expires_at > now() AND u.deleted_at IS NULL "
      "    AND s.last_seen_at > now() - make_interval(days => $2)), "
      "seen AS (UPDATE sessions s SET last_seen_at = now() FROM live "
      "  WHERE s.id = live.id AND live.last_seen_at < now() - interval '1 minute') "
      "SELECT i, id, user_id FROM live";
  auto r = pg::exec_prepared(w, "colibri_find_sessions", sql, pg::text_array(hashes), k_idle_days);
  for (auto row : r) out[row[0].as<std::size_t>() - 1] = session{row[1].as<std::int64_t>(), row[2].as<std::int64_t>()};
  return out;
}

bool revoke_session(pqxx::work& w, std::int64_t session_id) {
  auto r = w.exec_params("UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", session_id);
  return r.affected_rows() == 1;
}

std::vector<std::int64_t> revoke_sessions(pqxx::work& w, std::int64_t user_id, std::optional<std::int64_t> keep) {
  std::vector<std::int64_t> ids;
  for (auto r : w.exec_params("UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL "
                              "AND id IS DISTINCT FROM $2 RETURNING id",
                              user_id, keep))
    ids.push_back(r[0].as<std::int64_t>());
  return ids;
}

}  // namespace colibri::auth
