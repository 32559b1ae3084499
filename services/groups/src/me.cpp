// The caller's notifications, and their rights over their data: export
// (GDPR art. 15/20) and erasure (art. 17).
#include "api.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/groups/authn.hpp"
#include "colibri/groups/community.hpp"
#include "colibri/json/fields.hpp"
#include "errors.hpp"
#include "joining.hpp"
#include "params.hpp"
#include "repo/audit.hpp"
#include "repo/export.hpp"
#include "repo/groups.hpp"
#include "repo/memberships.hpp"
#include "repo/users.hpp"
#include "views.hpp"

namespace colibri::groups {

using namespace detail;

void me_api::add_routes(http::router& r) {
  using ratelimit::action;
  r.get("/api/v1/notifications", signed_in(db_, member(this, &me_api::list_notifications)));
  r.post("/api/v1/notifications/read",
         signed_in(db_, limits_, action::mark_read, member(this, &me_api::read_notifications)));
  r.get("/api/v1/me/export", signed_in(db_, limits_, action::expensive_read, member(this, &me_api::export_me)));
}

awaitable<response> me_api::list_notifications(request& req, const caller& who) {
  auto limit = limit_param(req, s_.page_default, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  auto after = query_id(req, "after");
  if (!after) co_return fail(after.err(), req);
  auto unread = req.query_param("unread");
  if (unread && *unread != "true" && *unread != "false")
    co_return fail(core::error::validation("unread", core::message(core::msg::bad_unread)), req);
  bool only_unread = unread && *unread == "true";
  auto uid = who.user_id;
  auto job = [uid, only_unread, n = *limit, a = after->value_or(0)](pqxx::work& w) {
    return notify::page_after(w, uid, a, only_unread, n + 1);
  };
  auto page = co_await db_.transact(std::move(job));
  auto n = *limit;
  json::writer j;
  j.begin_object().key("notifications").begin_array();
  for (std::size_t i = 0; i < page.size() && static_cast<int>(i) < n; ++i) j.raw(notify::notification_json(page[i]));
  j.end_array().field("has_more", static_cast<int>(page.size()) > n).end_object();
  co_return response::json(200, j.release());
}

awaitable<response> me_api::read_notifications(request& req, const caller& who) {
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto up_to = f.integer("up_to_id", json::required, 1, k_max_id);
  if (auto e = f.error()) co_return fail(*e, req);
  auto uid = who.user_id;
  auto job = [uid, up = *up_to](pqxx::work& w) { repo::mark_notifications_read(w, uid, up); };
  co_await db_.transact(std::move(job));
  co_return response::no_content();
}

awaitable<response> me_api::export_me(request&, const caller& who) {
  auto uid = who.user_id;
  auto job = [uid](pqxx::work& w) { return repo::export_account(w, uid); };
  co_return response::json(200, co_await db_.transact(std::move(job)));
}

}  // namespace colibri::groups
