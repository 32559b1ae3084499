#pragma once
// Sessions in PostgreSQL (table `sessions`). Every function runs inside the
// caller's transaction, on a pg::pool thread.
#include <chrono>
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

namespace colibri::auth {

// Redis channel on which a revoked session id is announced, so that every
// chat gateway closes the sockets opened with it (close 4003).
inline constexpr const char* k_revoked_channel = "colibri:sessions:revoked";

struct session {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
};

// Creates a session and returns the token to hand to the client (never stored).
std::string create_session(pqxx::work& w, std::int64_t user_id, std::chrono::hours ttl);
// A session unused for this many days has expired, whatever its absolute
// lifetime (a phone lost or sold is not a way in forever).
inline constexpr int k_idle_days = 30;

// A live session for this token (not revoked, not expired, used within
// k_idle_days, user not deleted).
std::optional<session> find_session(pqxx::transaction_base& w, std::string_view token);
// The same for many tokens in two statements (a reconnect storm's hellos);
// one answer per token, in order.
std::vector<std::optional<session>> find_sessions(pqxx::transaction_base& w, const std::vector<std::string>& tokens);
// Returns true when the session was live. Publishing the revocation to open
// sockets is the caller's job.
bool revoke_session(pqxx::work& w, std::int64_t session_id);
// Revokes every live session of the account but `keep`; returns their ids,
// for the caller to announce after its commit.
std::vector<std::int64_t> revoke_sessions(pqxx::work& w, std::int64_t user_id,
                                          std::optional<std::int64_t> keep = std::nullopt);

}  // namespace colibri::auth
