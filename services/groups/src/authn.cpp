#include "colibri/groups/authn.hpp"

#include "colibri/auth/sessions.hpp"
#include "colibri/core/messages.hpp"

namespace colibri::groups {

awaitable<core::result<caller>> authenticate(pg::pool& db, const http::request& req) {
  std::string token(req.bearer_token());
  if (token.empty()) co_return core::default_error(core::errc::unauthenticated);
  auto lookup = [token](pqxx::nontransaction& w) { return auth::find_session(w, token); };
  auto s = co_await db.read(std::move(lookup));
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

namespace {

struct route_auth {
  pg::pool& db;
  ratelimit::limiter* limits;
  ratelimit::action a;
  caller_handler h;
};

awaitable<http::response> run_signed_in(std::shared_ptr<const route_auth> r, http::request& req) {
  core::result<caller> who;
  if (r->limits)
    who = co_await authenticate(r->db, req, *r->limits, r->a);
  else
    who = co_await authenticate(r->db, req);
  if (!who) co_return http::response::error(who.err(), req.lang);
  co_return co_await r->h(req, *who);
}

http::handler route(std::shared_ptr<const route_auth> r) {
  return [r = std::move(r)](http::request& req) { return run_signed_in(r, req); };
}

}  // namespace

http::handler signed_in(pg::pool& db, caller_handler h) {
  return route(std::make_shared<const route_auth>(route_auth{db, nullptr, ratelimit::action::edit, std::move(h)}));
}

http::handler signed_in(pg::pool& db, ratelimit::limiter& limits, ratelimit::action a, caller_handler h) {
  return route(std::make_shared<const route_auth>(route_auth{db, &limits, a, std::move(h)}));
}

}  // namespace colibri::groups
