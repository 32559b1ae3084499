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
#include "common.hpp"

namespace colibri::groups {

using http::request;
using http::response;
using namespace detail;

awaitable<response> accounts::change_password(request& req) {
  auto who = co_await authenticate(db_, req, limits_, ratelimit::action::edit);
  if (!who) co_return response::error(who.err(), req.lang);
  auto doc = json::body_object(req.body);
  if (!doc) co_return response::error(doc.err(), req.lang);
  json::fields f(*doc);
  auto current = f.text("current_password", json::required, 1, k_password_max);
  auto password = f.text("password", json::required, k_password_min, k_password_max);
  if (auto e = f.error()) co_return response::error(*e, req.lang);
  if (auto e = co_await confirm_password(who->user_id, *current, "current_password",
                                         ratelimit::address_subject(req.remote_address)))
    co_return response::error(*e, req.lang);
  auto hashed = co_await hash(*password);
  auto uid = who->user_id, keep = who->session_id;
  // The new password, and every other session ended (a leaked password is
  // dealt with by changing it): in one transaction.
  auto job = [uid, keep, hashed](pqxx::connection& c) {
    pqxx::work w(c);
    w.exec_params("UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1", uid, hashed);
    auto ended = auth::revoke_sessions(w, uid, keep);
    w.commit();
    return ended;
  };
  auto ended = co_await db_.run(std::move(job));
  for (auto sid : ended) pub_.publish(auth::k_revoked_channel, std::to_string(sid));
  log::info("password changed", {{"user_id", uid}, {"sessions_ended", static_cast<std::int64_t>(ended.size())}});
  co_return response::no_content();
}

awaitable<response> accounts::get_me(request& req) {
  auto who = co_await authenticate(db_, req);
  if (!who) co_return response::error(who.err(), req.lang);
  auto uid = who->user_id;
  auto load = [uid](pqxx::connection& c) {
    pqxx::work w(c);
    auto r = w.exec_params(std::string("SELECT ") + k_user_columns + " FROM users WHERE id = $1", uid);
    // A new address asked for, waiting for its confirmation.
    auto p = w.exec_params(
        "SELECT t.email FROM account_tokens t JOIN users u ON u.id = t.user_id WHERE t.user_id = $1 "
        "AND t.purpose = 'verify' AND t.expires_at > now() AND lower(t.email) <> lower(u.email) "
        "ORDER BY t.created_at DESC LIMIT 1",
        uid);
    std::optional<std::string> pending;
    if (!p.empty()) pending = p[0][0].as<std::string>();
    auto out = std::tuple{read_user(r.at(0)), quit_field(w, uid), pending};
    w.commit();
    return out;
  };
  auto [user, quit_json, pending] = co_await db_.run(std::move(load));
  co_return user_response(200, user, nullptr, quit_json, pending);
}

awaitable<response> accounts::get_progress(request& req) {
  auto who = co_await authenticate(db_, req);
  if (!who) co_return response::error(who.err(), req.lang);
  auto uid = who->user_id;
  auto lang = req.lang;
  auto load = [uid, lang](pqxx::connection& c) {
    pqxx::nontransaction w(c);
    return progress_json(w, uid, lang);
  };
  co_return response::json(200, co_await db_.run(std::move(load)));
}

awaitable<response> accounts::patch_me(request& req) {
  auto who = co_await authenticate(db_, req, limits_, ratelimit::action::edit);
  if (!who) co_return response::error(who.err(), req.lang);
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
    if (auto d = co_await limits_.take(ratelimit::user_subject(who->user_id), ratelimit::action::quit_profile);
        !d.allowed)
      co_return response::error(d.error(), req.lang);

  auto uid = who->user_id;
  struct updated {
    user_row user;
    bool conflict = false;
    std::optional<core::error> err;
    std::string quit_json;
  };
  auto update = [&, uid](pqxx::connection& c) -> updated {
    try {
      pqxx::work w(c);
      // The handle given up is remembered, only so that erasure can scrub it
      // from other people's notifications.
      if (handle)
        w.exec_params(
            "INSERT INTO user_handles (user_id, handle) SELECT id, handle FROM users WHERE id = $1 AND handle <> $2 "
            "ON CONFLICT (user_id, handle) DO UPDATE SET used_until = now()",
            uid, *handle);
      auto r =
          w.exec_params(std::string("UPDATE users SET handle = coalesce($2, handle), locale = coalesce($3, locale), "
                                    "timezone = coalesce($4, timezone), updated_at = now() WHERE id = $1 RETURNING ") +
                            k_user_columns,
                        uid, handle, locale, timezone);
      // The quit date is checked against the person's (possibly new) time zone.
      if (quit)
        if (auto saved = save_quit(w, uid, *quit); !saved) return {{}, false, saved.err(), {}};
      updated out{read_user(r.at(0)), false, {}, quit_field(w, uid)};
      w.commit();
      return out;
    } catch (const pqxx::unique_violation&) {
      return {{}, true, {}, {}};
    }
  };
  auto out = co_await db_.run(std::move(update));
  if (out.conflict) co_return response::error(conflict_for("handle"), req.lang);
  if (out.err) co_return response::error(*out.err, req.lang);
  co_return user_response(200, out.user, nullptr, out.quit_json);
}

}  // namespace colibri::groups
