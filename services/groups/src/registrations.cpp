// Registrations: a seat or a place on the waiting list of an occurrence,
// decided under the occurrence's row lock by one conditional UPDATE (never
// over capacity, whatever the number of REST processes); cancelling promotes
// the first waitlisted, a capacity raise as many as there are new seats, in
// order, each promotion notified once, in the same transaction.
#include "api.hpp"
#include "colibri/json/fields.hpp"
#include "community_shared.hpp"
#include "meetings_shared.hpp"
#include "repo/intervision.hpp"

namespace colibri::groups {

using namespace detail;

namespace {

void write_registration(json::writer& j, const repo::registration_row& r, bool with_person) {
  j.begin_object().field("occurrence_id", r.occurrence_id).field("state", r.state);
  if (r.position) j.field("position", *r.position);
  j.field("created_at", core::format_rfc3339_ms(r.created_ms));
  if (with_person) {
    j.key("user").begin_object().field("id", r.user_id).field("handle", r.handle).end_object();
    write_professional_card(j, r.profession, r.organisation, r.department);
  }
  j.end_object();
}

core::error no_occurrence() { return not_found(core::msg::occurrence_not_found); }

// Seats freed on a scheduled occurrence go to the waiting list, in order.
std::vector<notify::notification> fill_seats(pqxx::work& w, std::int64_t oid) {
  auto l = repo::lock_occurrence(w, oid);
  if (!l.exists || l.state != "scheduled" || l.meeting_state != "scheduled" || l.ended) return {};
  std::optional<std::int64_t> free;
  if (l.capacity) free = *l.capacity - l.registered;
  if (free && *free <= 0) return {};
  return notify_promoted(w, repo::promote(w, oid, free), oid);
}

}  // namespace

awaitable<response> meetings_api::register_for(request& req, const caller& who) {
  auto oid = id_param(req, "oid");
  if (!oid) co_return fail(no_occurrence(), req);
  auto uid = who.user_id;
  // created: a new registration (201); otherwise the one the caller holds (200).
  auto job = [uid, oid = *oid](pqxx::work& w) -> core::result<bool> {
    auto a = occurrence_access(w, oid, uid, false);
    if (!a) return a.err();
    // Intervisions: the pole's confirmed professionals only (no industry).
    if (repo::intervision_closed_to(w, oid, uid)) return forbidden(core::msg::intervision_only);
    if (repo::registration_of(w, oid, uid)) return false;  // a retry
    switch (repo::register_seat(w, oid, uid)) {
      case repo::sign_up::registered:
      case repo::sign_up::waitlisted:
        return true;
      case repo::sign_up::conflict:
        return conflict(core::msg::already_in_slot);  // rolled back; a concurrent retry is told below
      case repo::sign_up::closed:
        break;
    }
    // Why it is closed (nothing was changed).
    auto l = repo::lock_occurrence(w, oid);
    if (l.state != "scheduled" || l.meeting_state != "scheduled") return conflict(core::msg::meeting_cancelled);
    if (l.ended) return conflict(core::msg::meeting_over);
    return conflict(core::msg::meeting_full);
  };
  auto created = co_await db_.transact(std::move(job));
  if (!created && created.err().code != core::errc::conflict) co_return fail(created.err(), req);
  // The registration as it stands after the commit (with its place in line).
  auto read = [uid, oid = *oid](pqxx::nontransaction& w) { return repo::registration_of(w, oid, uid); };
  auto r = co_await db_.read(std::move(read));
  if (!created && !r) co_return fail(created.err(), req);
  json::writer j;
  j.begin_object().key("registration");
  write_registration(j, *r, false);
  j.end_object();
  co_return response::json(created && *created ? 201 : 200, j.release());
}

awaitable<response> meetings_api::unregister(request& req, const caller& who) {
  // Always 204: cancelling what one does not hold changes nothing.
  auto oid = id_param(req, "oid");
  if (!oid) co_return response::no_content();
  auto job = [uid = who.user_id, oid = *oid](pqxx::work& w) -> std::vector<notify::notification> {
    auto l = repo::lock_occurrence(w, oid);
    if (!l.exists) return {};
    if (repo::delete_registration(w, oid, uid) != "registered") return {};
    return fill_seats(w, oid);
  };
  auto notes = co_await db_.transact(std::move(job));
  publish_all(pub_, notes);
  co_return response::no_content();
}

awaitable<response> meetings_api::list_registrations(request& req, const caller& who) {
  auto oid = id_param(req, "oid");
  if (!oid) co_return fail(no_occurrence(), req);
  auto job = [uid = who.user_id,
              oid = *oid](pqxx::nontransaction& w) -> core::result<std::vector<repo::registration_row>> {
    auto a = occurrence_access(w, oid, uid, true);
    if (!a) return a.err();
    return repo::registrations(w, oid);
  };
  auto out = co_await db_.read(std::move(job));
  if (!out) co_return fail(out.err(), req);
  json::writer j;
  j.begin_object().key("registrations").begin_array();
  for (const auto& r : *out) write_registration(j, r, true);
  j.end_array().field("has_more", false).end_object();
  co_return response::json(200, j.release());
}

awaitable<response> meetings_api::patch_occurrence(request& req, const caller& who) {
  auto oid = id_param(req, "oid");
  if (!oid) co_return fail(no_occurrence(), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  bool unlimited = f.is_null("capacity");
  auto capacity = f.integer("capacity", unlimited ? json::optional : json::required, 1, 100000);
  if (auto e = f.error()) co_return fail(*e, req);
  auto job = [uid = who.user_id, oid = *oid, capacity](pqxx::work& w) -> core::result<meeting_change> {
    auto a = occurrence_access(w, oid, uid, true);
    if (!a) return a.err();
    auto l = repo::lock_occurrence(w, oid);
    if (capacity && *capacity < l.registered)
      return core::error::make(
          core::errc::conflict,
          core::message(core::msg::capacity_below_registered, {{"count", std::to_string(l.registered)}}), "capacity");
    repo::set_capacity(w, oid, capacity);
    auto notes = fill_seats(w, oid);
    repo::audit(w, a->group_id, uid, "set_capacity", std::nullopt, std::nullopt, std::nullopt,
                capacity ? std::to_string(*capacity) : "unlimited");
    return meeting_change{load_meeting(w, a->meeting_id, uid), std::move(notes)};
  };
  auto out = co_await db_.transact(std::move(job));
  co_return answer_change(pub_, out, req);
}

}  // namespace colibri::groups
