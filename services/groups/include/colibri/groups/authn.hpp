#pragma once
// Who is calling: the Bearer token of a REST request, checked in PostgreSQL.
#include <cstdint>

#include "colibri/core/result.hpp"
#include "colibri/http/message.hpp"
#include "colibri/net/asio.hpp"
#include "colibri/pg/pool.hpp"
#include "colibri/ratelimit/limiter.hpp"

namespace colibri::groups {

struct caller {
  std::int64_t user_id = 0;
  std::int64_t session_id = 0;
};

// unauthenticated when the token is missing, malformed, revoked or expired.
awaitable<core::result<caller>> authenticate(pg::pool& db, const http::request& req);
// The caller, charged the action's cost in the shared rate limiter:
// rate_limited (429 with Retry-After) when over it. Every REST write, and
// every expensive read, authenticates this way.
awaitable<core::result<caller>> authenticate(pg::pool& db, const http::request& req, ratelimit::limiter& limits,
                                             ratelimit::action a);

}  // namespace colibri::groups
