#pragma once
// Who is calling: the Bearer token of a REST request, checked in PostgreSQL.
#include <cstdint>
#include <functional>

#include "colibri/core/result.hpp"
#include "colibri/http/message.hpp"
#include "colibri/http/router.hpp"
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

// Route-level authentication: a handler that runs for a signed-in caller
// only. The route authenticates (and, given an action, charges its cost in
// the shared limiter) before the handler sees the request; a refusal is
// answered there, in the request's language.
using caller_handler = std::function<awaitable<http::response>(http::request&, const caller&)>;
http::handler signed_in(pg::pool& db, caller_handler h);
http::handler signed_in(pg::pool& db, ratelimit::limiter& limits, ratelimit::action a, caller_handler h);

// A resource's member function as a caller_handler, with the arguments
// that follow the caller bound: member(this, &threads_api::flag, "locked").
template <class Api, class... P, class... A>
caller_handler member(Api* self, awaitable<http::response> (Api::*m)(http::request&, const caller&, P...), A... args) {
  return [self, m, args...](http::request& q, const caller& who) { return (self->*m)(q, who, args...); };
}

}  // namespace colibri::groups
