#include "colibri/groups/authn.hpp"

#include "colibri/auth/sessions.hpp"
#include "colibri/core/messages.hpp"

namespace colibri::groups {

awaitable<core::result<caller>> authenticate(pg::pool& db, const http::request& req) {
  std::string token(req.bearer_token());
  if (token.empty()) co_return core::default_error(core::errc::unauthenticated);
  auto lookup = [token](pqxx::connection& c) {
    pqxx::nontransaction w(c);  // one statement: no BEGIN/COMMIT round trips
    return auth::find_session(w, token);
  };
  auto s = co_await db.run(std::move(lookup));
  if (!s) co_return core::error::make(core::errc::unauthenticated, core::message(core::msg::session_expired));
  co_return caller{s->user_id, s->id};
}

awaitable<core::result<caller>> authenticate(pg::pool& db, const http::request& req, ratelimit::limiter& limits,
                                             ratelimit::action a) {
  auto who = co_await authenticate(db, req);
  if (!who) co_return who;
  auto d = co_await limits.take(ratelimit::user_subject(who->user_id), a);
  if (!d.allowed) co_return d.error();
  co_return who;
}

}  // namespace colibri::groups
