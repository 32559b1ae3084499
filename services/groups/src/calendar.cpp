// Calendars: a meeting's .ics, and a personal feed URL a calendar provider
// polls (shown once; only its SHA-256 is stored; a new one replaces it;
// DELETE revokes it). The feed lists the occurrences the person is registered
// or waitlisted for, in the groups and spaces they still belong to, without
// join link or description; nothing in it names or addresses anyone.
#include <chrono>

#include "api.hpp"
#include "colibri/auth/token.hpp"
#include "colibri/calendar/ics.hpp"
#include "colibri/calendar/zones.hpp"
#include "colibri/core/clock.hpp"
#include "community_shared.hpp"
#include "meetings_shared.hpp"

namespace colibri::groups {

using namespace detail;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(core::system_clock().now().time_since_epoch()).count();
}

// The document for rows; `full` adds the description (and the join link
// where the caller may see it: `link`).
calendar::document document_of(pqxx::transaction_base& w, const std::string& name,
                               const std::vector<repo::calendar_row>& rows, bool full, bool link,
                               const std::string& public_url) {
  calendar::document d;
  d.name = name;
  std::vector<calendar::occurrence> occurrences;
  for (const auto& r : rows) occurrences.push_back(r.o);
  calendar::add_zones(w, d, occurrences);
  auto stamp = now_ms();
  for (const auto& r : rows) {
    auto e = calendar::occurrence_event(r.o, public_url, stamp);
    if (full) {
      e.description = r.description;
      bool seated = r.my_state == "registered" && r.state == "scheduled";
      if (r.join_url && (link || seated)) e.description += (e.description.empty() ? "" : "\n\n") + *r.join_url;
    }
    e.status = r.state == "cancelled" ? "CANCELLED" : r.my_state == "waitlisted" ? "TENTATIVE" : "CONFIRMED";
    d.events.push_back(std::move(e));
  }
  return d;
}

http::response ics_response(std::string body, const std::string& filename) {
  http::response r;
  r.status = 200;
  r.content_type = "text/calendar; charset=utf-8";
  r.body = std::move(body);
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + filename + "\"");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Cache-Control", "private, no-store");
  return r;
}

}  // namespace

awaitable<response> meetings_api::meeting_ics(request& req, const caller& who) {
  auto mid = id_param(req, "mid");
  if (!mid) co_return fail(not_found(core::msg::meeting_not_found), req);
  auto job = [uid = who.user_id, mid = *mid,
              url = s_.public_url](pqxx::nontransaction& w) -> core::result<std::string> {
    auto a = meeting_access(w, mid, uid, false);
    if (!a) return a.err();
    auto rows = repo::meeting_calendar(w, mid, uid);
    auto name = rows.empty() ? std::string() : rows.front().o.title;
    return calendar::render(document_of(w, name, rows, true, a->organiser, url));
  };
  auto out = co_await db_.read(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return ics_response(std::move(*out), "rencontre-" + std::to_string(*mid) + ".ics");
}

awaitable<response> meetings_api::get_calendar_feed(request&, const caller& who) {
  auto job = [uid = who.user_id](pqxx::nontransaction& w) { return repo::calendar_feed_created(w, uid); };
  auto created = co_await db_.read(std::move(job));
  json::writer j;
  j.begin_object().key("calendar_feed").begin_object().field("configured", created.has_value()).key("created_at");
  if (created)
    j.value(core::format_rfc3339_ms(*created));
  else
    j.null();
  j.end_object().end_object();
  co_return response::json(200, j.release());
}

awaitable<response> meetings_api::create_calendar_feed(request& req, const caller& who) {
  auto token = auth::new_token();
  auto job = [uid = who.user_id, hash = auth::token_hash(token)](pqxx::work& w) {
    repo::set_calendar_feed(w, uid, hash);
    return std::optional<core::error>();
  };
  if (auto e = co_await db_.transact(std::move(job))) co_return fail(*e, req);
  json::writer j;
  j.begin_object().key("calendar_feed").begin_object();
  j.field("url", s_.public_url + "/api/v1/calendar/" + token + ".ics").field("configured", true);
  j.end_object().end_object();
  auto r = response::json(201, j.release());
  r.headers.emplace_back("Cache-Control", "no-store");
  co_return r;
}

awaitable<response> meetings_api::delete_calendar_feed(request& req, const caller& who) {
  auto job = [uid = who.user_id](pqxx::work& w) {
    repo::delete_calendar_feed(w, uid);
    return std::optional<core::error>();
  };
  if (auto e = co_await db_.transact(std::move(job))) co_return fail(*e, req);
  co_return response::no_content();
}

awaitable<response> meetings_api::calendar_feed(request& req) {
  auto d = co_await limits_.take(ratelimit::address_subject(req.remote_address), ratelimit::action::anonymous_read);
  if (!d.allowed) co_return fail(d.error(), req);
  auto token = std::string(req.param("token"));
  auto missing = not_found(core::msg::calendar_feed_not_found);
  if (!auth::plausible_token(token)) co_return fail(missing, req);
  auto job = [hash = auth::token_hash(token),
              url = s_.public_url](pqxx::nontransaction& w) -> std::optional<std::string> {
    auto uid = repo::calendar_feed_owner(w, hash);
    if (!uid) return std::nullopt;
    auto rows = repo::personal_calendar(w, *uid);
    return calendar::render(document_of(w, "Colibri", rows, false, false, url));
  };
  auto out = co_await db_.read(std::move(job));
  if (!out) co_return fail(missing, req);
  co_return ics_response(std::move(*out), "colibri.ics");
}

}  // namespace colibri::groups
