// The account seen by its owner: GET|PATCH /api/v1/me, /me/progress, PUT /me/password.
#include <algorithm>
#include <optional>

#include "account_mail.hpp"
#include "account_rows.hpp"
#include "colibri/auth/sessions.hpp"
#include "colibri/auth/throttle.hpp"
#include "colibri/auth/token.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/log.hpp"
#include "colibri/groups/accounts.hpp"
#include "colibri/groups/authn.hpp"
#include "colibri/groups/quit_profile.hpp"
#include "colibri/groups/validate.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/json/writer.hpp"
#include "errors.hpp"
#include "joining.hpp"
#include "params.hpp"
#include "repo/audit.hpp"
#include "repo/groups.hpp"
#include "repo/memberships.hpp"
#include "repo/users.hpp"
#include "views.hpp"

namespace colibri::groups {

using http::request;
using http::response;
using namespace detail;

awaitable<response> accounts::change_password(request& req, const caller& who) {
  auto doc = json::body_object(req.body);
  if (!doc) co_return response::error(doc.err(), req.lang);
  json::fields f(*doc);
  auto current = f.text("current_password", json::required, 1, k_password_max);
  auto password = f.text("password", json::required, k_password_min, k_password_max);
  if (auto e = f.error()) co_return response::error(*e, req.lang);
  if (auto e = co_await confirm_password(who.user_id, *current, "current_password",
                                         ratelimit::address_subject(req.remote_address)))
    co_return response::error(*e, req.lang);
  auto hashed = co_await hash(*password);
  auto uid = who.user_id, keep = who.session_id;
  // The new password, and every other session ended (a leaked password is
  // dealt with by changing it): in one transaction.
  auto job = [uid, keep, hashed](pqxx::work& w) {
    repo::set_password_hash(w, uid, hashed);
    return auth::revoke_sessions(w, uid, keep);
  };
  auto ended = co_await db_.transact(std::move(job));
  for (auto sid : ended) pub_.publish(auth::k_revoked_channel, std::to_string(sid));
  log::info("password changed", {{"user_id", uid}, {"sessions_ended", static_cast<std::int64_t>(ended.size())}});
  co_return response::no_content();
}

awaitable<response> accounts::get_me(request&, const caller& who) {
  auto uid = who.user_id;
  auto load = [uid](pqxx::work& w) {
    return std::tuple{repo::user_by_id(w, uid).value(), quit_field(w, uid), repo::pending_email(w, uid)};
  };
  auto [user, quit_json, pending] = co_await db_.transact(std::move(load));
  co_return user_response(200, user, nullptr, quit_json, pending);
}

awaitable<response> accounts::get_progress(request& req, const caller& who) {
  auto uid = who.user_id;
  auto lang = req.lang;
  auto load = [uid, lang](pqxx::nontransaction& w) { return progress_json(w, uid, lang); };
  co_return response::json(200, co_await db_.read(std::move(load)));
}

awaitable<response> accounts::patch_me(request& req, const caller& who) {
  auto doc = json::body_object(req.body);
  if (!doc) co_return response::error(doc.err(), req.lang);
  json::fields f(*doc);
  auto handle = f.text("handle", json::optional, 2, 32);
  auto locale = read_locale(f);
  auto timezone = f.text("timezone", json::optional, 1, 64);
  if (handle) check_handle(f, "handle", *handle);
  if (timezone) check_timezone(f, "timezone", *timezone);
  auto quit = read_quit(f);
  if (auto e = f.error()) co_return response::error(*e, req.lang);
  // A new quit date recomputes badges: it costs more than a name change.
  if (quit)
    if (auto d = co_await limits_.take(ratelimit::user_subject(who.user_id), ratelimit::action::quit_profile);
        !d.allowed)
      co_return response::error(d.error(), req.lang);

  auto uid = who.user_id;
  struct updated {
    user_row user;
    std::optional<core::error> err;
    std::string quit_json;
  };
  auto update = [&, uid](pqxx::work& w) -> updated {
    try {
      // The handle given up is remembered, only so that erasure can scrub it
      // from other people's notifications.
      auto user = repo::update_profile(w, uid, handle, locale, timezone);
      // The quit date is checked against the person's (possibly new) time zone.
      if (quit)
        if (auto saved = save_quit(w, uid, *quit); !saved) return {{}, saved.err(), {}};
      return updated{std::move(user), {}, quit_field(w, uid)};
    } catch (const pqxx::unique_violation&) {
      return updated{{}, conflict_for("handle"), {}};
    }
  };
  auto out = co_await db_.transact(std::move(update));
  if (out.err) co_return response::error(*out.err, req.lang);
  co_return user_response(200, out.user, nullptr, out.quit_json);
}

}  // namespace colibri::groups
