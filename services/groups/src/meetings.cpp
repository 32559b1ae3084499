// Meetings: webinars, meetings, practice sessions and intervisions of a
// group, with their occurrences (a list of local times or a recurrence,
// converted in the meeting's time zone by PostgreSQL), the listing across the
// caller's groups and spaces, edits and cancellation. Registrations are in
// registrations.cpp, attendance in attendance.cpp, calendars in calendar.cpp.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "api.hpp"
#include "colibri/calendar/recurrence.hpp"
#include "colibri/calendar/spoken.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/groups/validate.hpp"
#include "colibri/json/fields.hpp"
#include "community_shared.hpp"
#include "meetings_shared.hpp"
#include "repo/intervision.hpp"

namespace colibri::groups {

using namespace detail;

meetings_api::meetings_api(api_context& c) : api_base(c), cache_(std::make_shared<meeting_cache>()) {}

void meetings_api::add_routes(http::router& r) {
  using ratelimit::action;
  r.get("/api/v1/me/professional", signed_in(db_, member(this, &meetings_api::get_professional)));
  r.put("/api/v1/me/professional",
        signed_in(db_, limits_, action::edit, member(this, &meetings_api::put_professional)));
  r.post("/api/v1/groups/{id}/meetings",
         signed_in(db_, limits_, action::create, member(this, &meetings_api::create_meeting)));
  r.get("/api/v1/groups/{id}/meetings",
        signed_in(db_, limits_, action::expensive_read, member(this, &meetings_api::list_meetings, true)));
  r.get("/api/v1/meetings",
        signed_in(db_, limits_, action::expensive_read, member(this, &meetings_api::list_meetings, false)));
  // Before /meetings/{mid}, which would take "12.ics" for an id.
  r.get("/api/v1/meetings/{mid}.ics",
        signed_in(db_, limits_, action::expensive_read, member(this, &meetings_api::meeting_ics)));
  r.get("/api/v1/meetings/{mid}", signed_in(db_, member(this, &meetings_api::get_meeting)));
  r.patch("/api/v1/meetings/{mid}", signed_in(db_, limits_, action::edit, member(this, &meetings_api::patch_meeting)));
  r.post("/api/v1/meetings/{mid}/cancel",
         signed_in(db_, limits_, action::edit, member(this, &meetings_api::cancel, true)));
  r.patch("/api/v1/occurrences/{oid}",
          signed_in(db_, limits_, action::edit, member(this, &meetings_api::patch_occurrence)));
  r.post("/api/v1/occurrences/{oid}/cancel",
         signed_in(db_, limits_, action::edit, member(this, &meetings_api::cancel, false)));
  r.post("/api/v1/occurrences/{oid}/registration",
         signed_in(db_, limits_, action::join, member(this, &meetings_api::register_for)));
  r.del("/api/v1/occurrences/{oid}/registration",
        signed_in(db_, limits_, action::join, member(this, &meetings_api::unregister)));
  r.get("/api/v1/occurrences/{oid}/registrations",
        signed_in(db_, limits_, action::expensive_read, member(this, &meetings_api::list_registrations)));
  r.post("/api/v1/occurrences/{oid}/attendance",
         signed_in(db_, limits_, action::edit, member(this, &meetings_api::sign_in)));
  r.put("/api/v1/occurrences/{oid}/attendance/{uid}",
        signed_in(db_, limits_, action::edit, member(this, &meetings_api::mark_attendance)));
  r.get("/api/v1/occurrences/{oid}/attendance.csv",
        signed_in(db_, limits_, action::expensive_read, member(this, &meetings_api::attendance_csv)));
  r.get("/api/v1/occurrences/{oid}/certificate",
        signed_in(db_, limits_, action::expensive_read, member(this, &meetings_api::certificate)));
  r.get("/api/v1/me/calendar-feed", signed_in(db_, member(this, &meetings_api::get_calendar_feed)));
  r.post("/api/v1/me/calendar-feed",
         signed_in(db_, limits_, action::edit, member(this, &meetings_api::create_calendar_feed)));
  r.del("/api/v1/me/calendar-feed",
        signed_in(db_, limits_, action::edit, member(this, &meetings_api::delete_calendar_feed)));
  // No authentication but the token in the path; limited per address.
  r.get("/api/v1/calendar/{token}.ics", [this](http::request& req) { return calendar_feed(req); });
}

namespace detail {

core::error unseen(pqxx::transaction_base& w, const repo::meeting_access& a, std::int64_t user_id, core::msg missing) {
  if (a.exists && repo::load_group(w, a.group_id, user_id).visible()) return members_only();
  return not_found(missing);
}

namespace {
core::result<repo::meeting_access> checked(pqxx::transaction_base& w, const repo::meeting_access& a,
                                           std::int64_t user_id, bool organisers_only, core::msg missing) {
  if (!a.exists) return not_found(missing);
  if (!a.sees && !a.organiser) return unseen(w, a, user_id, missing);
  if (organisers_only && !a.organiser) return forbidden(core::msg::organisers_only);
  return a;
}
}  // namespace

core::result<repo::meeting_access> occurrence_access(pqxx::transaction_base& w, std::int64_t oid, std::int64_t user_id,
                                                     bool organisers_only) {
  return checked(w, repo::access_occurrence(w, oid, user_id), user_id, organisers_only,
                 core::msg::occurrence_not_found);
}

core::result<repo::meeting_access> meeting_access(pqxx::transaction_base& w, std::int64_t mid, std::int64_t user_id,
                                                  bool organisers_only) {
  return checked(w, repo::access_meeting(w, mid, user_id), user_id, organisers_only, core::msg::meeting_not_found);
}

namespace {

std::string json_text(std::string_view v) {
  json::writer j;
  j.value(v);
  return j.release();
}

// A writer's object without its closing brace.
std::string open_object(json::writer& j) {
  j.end_object();
  auto s = j.release();
  s.pop_back();
  return s;
}

}  // namespace

meeting_parts parts_of(const repo::meeting_row& m) {
  auto opt = [](json::writer& j, std::string_view key, const std::optional<std::string>& v) {
    j.key(key);
    if (v)
      j.value(*v);
    else
      j.null();
  };
  meeting_parts p;
  p.version = m.version;
  p.join_url = m.join_url;
  p.scheduled = m.state == "scheduled";
  json::writer j;
  j.begin_object().field("id", m.id).field("group_id", m.group_id).field("space_id", m.space_id);
  j.field("group_name", m.group_name).field("title", m.title).field("description", m.description);
  j.field("kind", m.kind).field("mode", m.mode);
  opt(j, "location", m.location);
  j.field("timezone", m.timezone).field("duration_minutes", m.duration_minutes).field("waitlist", m.waitlist);
  j.field("audience", m.audience).key("max_cases");
  if (m.max_cases)
    j.value(*m.max_cases);
  else
    j.null();
  j.field("state", m.state);
  opt(j, "cancel_reason", m.cancel_reason);
  write_person(j, "created_by", m.created_by, m.created_by_handle);
  j.field("created_at", core::format_rfc3339_ms(m.created_ms))
      .field("updated_at", core::format_rfc3339_ms(m.updated_ms));
  p.head = open_object(j);
  for (const auto& o : m.occurrences) {
    json::writer k;
    k.begin_object().field("id", o.id).field("position", o.position).field("local_start", o.local_start);
    k.field("starts_at", core::format_rfc3339_ms(o.starts_ms)).field("ends_at", core::format_rfc3339_ms(o.ends_ms));
    k.field("state", o.state);
    opt(k, "cancel_reason", o.cancel_reason);
    k.key("capacity");
    if (o.capacity)
      k.value(*o.capacity);
    else
      k.null();
    k.field("registered", o.registered).field("waitlisted", o.waitlisted).key("slot_group");
    if (o.slot_group)
      k.value(*o.slot_group);
    else
      k.null();
    p.occurrences.push_back({o.id, o.starts_ms, o.ends_ms, o.state == "scheduled", open_object(k)});
  }
  return p;
}

void append_meeting(std::string& out, const meeting_parts& p, bool organiser,
                    const std::map<std::int64_t, repo::my_occurrence>& my, std::optional<std::int64_t> from_ms,
                    std::optional<std::int64_t> to_ms) {
  auto in_range = [&](const meeting_parts::occurrence& o) {
    return (!from_ms || o.ends_ms > *from_ms) && (!to_ms || o.starts_ms < *to_ms);
  };
  auto mine = [&](std::int64_t id) -> const repo::my_occurrence* {
    auto it = my.find(id);
    return it == my.end() ? nullptr : &it->second;
  };
  // The link to join: organisers, and people holding a seat while the meeting is on.
  bool seated = false;
  for (const auto& o : p.occurrences) {
    auto m = mine(o.id);
    if (in_range(o) && o.scheduled && m && m->state == "registered") seated = true;
  }
  bool link = organiser || (seated && p.scheduled);
  out += p.head;
  out += ",\"join_url\":";
  out += link && p.join_url ? json_text(*p.join_url) : std::string("null");
  out += organiser ? ",\"organiser\":true" : ",\"organiser\":false";
  out += ",\"occurrences\":[";
  bool first = true;
  for (const auto& o : p.occurrences) {
    if (!in_range(o)) continue;
    if (!first) out += ',';
    first = false;
    out += o.head;
    out += ",\"my_registration\":";
    auto m = mine(o.id);
    if (m && m->state) {
      out += "{\"state\":" + json_text(*m->state);
      if (m->position) out += ",\"position\":" + std::to_string(*m->position);
      out += '}';
    } else {
      out += "null";
    }
    out += m && m->present ? ",\"present\":true}" : ",\"present\":false}";
  }
  out += "]}";
}

std::string meeting_json(const repo::meeting_row& m) {
  std::map<std::int64_t, repo::my_occurrence> my;
  for (const auto& o : m.occurrences)
    if (o.my_state || o.my_present) my[o.id] = {o.my_state, o.my_position, o.my_present};
  std::string out = "{\"meeting\":";
  append_meeting(out, parts_of(m), m.organiser, my, std::nullopt, std::nullopt);
  return out + "}";
}

std::shared_ptr<const meeting_parts> meeting_cache::get(std::int64_t id, std::int64_t version) {
  std::lock_guard lk(mutex_);
  auto it = parts_.find(id);
  if (it == parts_.end() || it->second->version != version) return nullptr;
  return it->second;
}

std::vector<std::shared_ptr<const meeting_parts>> meeting_cache::get(
    const std::vector<std::pair<std::int64_t, std::int64_t>>& keys) {
  std::vector<std::shared_ptr<const meeting_parts>> out(keys.size());
  std::lock_guard lk(mutex_);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto it = parts_.find(keys[i].first);
    if (it != parts_.end() && it->second->version == keys[i].second) out[i] = it->second;
  }
  return out;
}

void meeting_cache::put(std::int64_t id, std::shared_ptr<const meeting_parts> p) {
  std::lock_guard lk(mutex_);
  if (parts_.size() >= k_max && !parts_.count(id)) parts_.clear();  // bounded: start again
  parts_[id] = std::move(p);
}

http::response answer_change(redis::publisher& pub, core::result<meeting_change>& out, const http::request& req) {
  if (!out) return fail(out.err(), req);
  publish_all(pub, out->notes);
  return http::response::json(200, meeting_json(out->m));
}

repo::meeting_row load_meeting(pqxx::transaction_base& w, std::int64_t mid, std::int64_t user_id) {
  return repo::meetings_by_ids(w, {mid}, user_id).at(0);
}

std::vector<notify::notification> notify_promoted(pqxx::work& w, const std::vector<std::int64_t>& users,
                                                  std::int64_t occurrence_id) {
  if (users.empty()) return {};
  auto l = repo::label_of(w, occurrence_id);
  auto when = calendar::spoken(l.local_start, l.timezone);
  auto body = calendar::with_when(core::message(core::msg::note_meeting_promoted_body, {{"title", l.title}}), when);
  json::writer d;
  d.begin_object().field("meeting_id", l.meeting_id).field("occurrence_id", l.occurrence_id).end_object();
  return notify::insert_for(w, users, "meeting_promoted", core::message(core::msg::note_meeting_promoted), body,
                            d.release());
}

std::vector<notify::notification> release_seats(pqxx::work& w, std::int64_t user_id, bool only_unseen) {
  std::map<std::int64_t, std::vector<std::int64_t>> promoted;
  for (auto [who, oid] : repo::release_registrations(w, user_id, only_unseen)) promoted[oid].push_back(who);
  std::vector<notify::notification> out;
  for (const auto& [oid, people] : promoted) {
    auto more = notify_promoted(w, people, oid);
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

std::vector<notify::notification> notify_cancelled(pqxx::work& w, const std::vector<std::int64_t>& users,
                                                   const repo::occurrence_label& what, const std::string& reason) {
  if (users.empty()) return {};
  auto when = calendar::spoken(what.local_start, what.timezone);
  auto body = calendar::with_when(core::message(core::msg::note_meeting_cancelled_body, {{"reason", reason}}), when);
  json::writer d;
  d.begin_object().field("meeting_id", what.meeting_id).field("occurrence_id", what.occurrence_id);
  d.field("reason", reason).end_object();
  return notify::insert_for(w, users, "meeting_cancelled",
                            core::message(core::msg::note_meeting_cancelled, {{"title", what.title}}), body,
                            d.release());
}

}  // namespace detail

namespace {

constexpr int k_max_occurrences = 100;

// "YYYY-MM-DDTHH:MM" between 2000 and 2100; nullopt otherwise.
std::optional<std::string> local_datetime(std::string_view s) {
  if (s.size() != 16 || s[10] != 'T') return std::nullopt;
  auto d = core::parse_date(s.substr(0, 10));
  if (!d || int(d->year()) < 2000 || int(d->year()) > 2100) return std::nullopt;
  if (!valid_local_time(s.substr(11))) return std::nullopt;
  return std::string(s);
}

// The occurrences' local starts and slot keys, from the body.
core::result<std::pair<std::vector<std::string>, std::vector<std::string>>> read_occurrences(const json::value& doc,
                                                                                             json::fields& f) {
  std::vector<std::string> starts;
  const auto* list = doc.find("occurrences");
  const auto* rec = doc.find("recurrence");
  bool has_list = list && !list->is_null(), has_rec = rec && !rec->is_null();
  if (has_list == has_rec)
    return core::error::validation("occurrences", core::message(core::msg::occurrences_or_recurrence));
  if (has_list) {
    const auto* a = list->as_array();
    if (!a || a->empty() || a->size() > k_max_occurrences)
      return core::error::validation("occurrences", core::message(core::msg::bad_local_datetime));
    for (std::size_t i = 0; i < a->size(); ++i) {
      const auto* s = (*a)[i].as_string();
      auto t = s ? local_datetime(*s) : std::nullopt;
      if (!t)
        return core::error::validation("occurrences[" + std::to_string(i) + "]",
                                       core::message(core::msg::bad_local_datetime));
      starts.push_back(*t);
    }
  } else {
    auto r = f.object("recurrence", json::required);
    if (!r) return *f.error();
    auto freq = r->text("freq", json::required, 1, 16);
    check_choice(*r, "freq", freq, std::set<std::string>{"weekly", "monthly"});
    auto interval = r->integer("interval", json::optional, 1, 12);
    auto byday = r->text("byday", json::optional, 2, 2);
    auto setpos = r->integer("setpos", json::optional, -1, 4);
    auto time = r->text("local_time", json::required, 5, 5);
    auto start = r->text("start_date", json::required, 10, 10);
    auto count = r->integer("count", json::required, 1, k_max_occurrences);
    if (auto e = f.error()) return *e;
    calendar::recurrence spec;
    spec.freq = *freq;
    spec.interval = static_cast<int>(interval.value_or(1));
    spec.count = static_cast<int>(*count);
    if (byday) {
      spec.weekday = calendar::parse_weekday(*byday);
      if (!spec.weekday) r->fail("byday", core::message(core::msg::bad_weekday));
    }
    if (setpos) {
      if (*setpos == 0 || *freq != "monthly" || !byday) r->fail("setpos", core::message(core::msg::bad_setpos));
      spec.setpos = static_cast<int>(*setpos);
    } else if (*freq == "monthly" && byday) {
      r->fail("setpos", core::message(core::msg::bad_setpos));
    }
    if (!valid_local_time(*time)) r->fail("local_time", core::message(core::msg::bad_local_datetime));
    auto d = core::parse_date(*start);
    if (!d || int(d->year()) < 2000 || int(d->year()) > 2100)
      r->fail("start_date", core::message(core::msg::bad_local_datetime));
    if (auto e = f.error()) return *e;
    spec.start = *d;
    for (auto day : calendar::expand(spec)) {
      if (int(day.year()) > 2100) break;
      starts.push_back(core::format_date(day) + "T" + *time);
    }
    if (starts.empty()) return core::error::validation("recurrence", core::message(core::msg::bad_local_datetime));
  }
  std::set<std::string> seen(starts.begin(), starts.end());
  if (seen.size() != starts.size())
    return core::error::validation("occurrences", core::message(core::msg::duplicate_occurrence));
  // Slot groups: occurrences listed together are alternatives.
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < starts.size(); ++i) keys.push_back("o" + std::to_string(i));
  if (const auto* sg = doc.find("slot_groups"); sg && !sg->is_null()) {
    const auto* groups = sg->as_array();
    std::set<std::int64_t> used;
    bool ok = groups && groups->size() <= 50;
    for (std::size_t g = 0; ok && g < groups->size(); ++g) {
      const auto* members = (*groups)[g].as_array();
      ok = members && members->size() >= 2;
      for (std::size_t k = 0; ok && k < members->size(); ++k) {
        const auto* n = (*members)[k].as_int();
        ok = n && *n >= 0 && *n < static_cast<std::int64_t>(starts.size()) && used.insert(*n).second;
        if (ok) keys[static_cast<std::size_t>(*n)] = "g" + std::to_string(g);
      }
    }
    if (!ok) return core::error::validation("slot_groups", core::message(core::msg::bad_slot_groups));
  }
  return std::pair{std::move(starts), std::move(keys)};
}

bool web_url(const std::string& u) {
  return (u.rfind("https://", 0) == 0 || u.rfind("http://", 0) == 0) && u.size() > 10 &&
         u.find_first_of(" \t\r\n\"<>") == std::string::npos;
}

// The fields a meeting shares between creation and edits.
void check_mode_and_place(json::fields& f, const std::optional<std::string>& mode,
                          const std::optional<std::string>& location, const std::optional<std::string>& join_url) {
  check_choice(f, "mode", mode, std::set<std::string>{"online", "in_person", "hybrid"});
  if (join_url && !web_url(*join_url)) f.fail("join_url", core::message(core::msg::bad_url));
  if (mode && *mode != "online" && !location) f.fail("location", core::message(core::msg::location_required));
}

}  // namespace

awaitable<response> meetings_api::create_meeting(request& req, const caller& who) {
  auto gid = id_param(req, "id");
  if (!gid) co_return fail(group_not_found(), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  repo::new_meeting m;
  m.group_id = *gid;
  m.created_by = who.user_id;
  auto title = f.text("title", json::required, 1, 200);
  auto description = f.text("description", json::optional, 0, 8000);
  auto kind = f.text("kind", json::required, 1, 16);
  auto mode = f.text("mode", json::required, 1, 16);
  auto location = f.text("location", json::optional, 1, 300);
  auto join_url = f.text("join_url", json::optional, 1, 2000);
  auto tz = f.text("timezone", json::required, 1, 64);
  auto duration = f.integer("duration_minutes", json::required, 5, 1440);
  auto capacity = f.integer("capacity", json::optional, 1, 100000);
  auto waitlist = f.boolean("waitlist", json::optional);
  auto audience = f.text("audience", json::optional, 1, 16);
  auto max_cases = f.integer("max_cases", json::optional, 1, 5);
  check_choice(f, "kind", kind, std::set<std::string>{"webinar", "meeting", "practice", "intervision"});
  check_mode_and_place(f, mode, location, join_url);
  check_choice(f, "audience", audience, std::set<std::string>{"group", "space"});
  if (tz) check_timezone(f, "timezone", *tz);
  if (max_cases && kind && *kind != "intervision")
    f.fail("max_cases", core::message(core::msg::max_cases_intervision_only));
  if (auto e = f.error()) co_return fail(*e, req);
  auto occ = read_occurrences(*doc, f);
  if (!occ) co_return fail(occ.err(), req);
  m.title = *title;
  m.description = description.value_or("");
  m.kind = *kind;
  m.mode = *mode;
  m.location = location;
  m.join_url = join_url;
  m.timezone = *tz;
  m.duration_minutes = *duration;
  m.capacity = capacity;
  m.waitlist = waitlist.value_or(true);
  m.audience = audience.value_or("group");
  if (m.kind == "intervision") m.max_cases = max_cases.value_or(3);
  m.local_starts = std::move(occ->first);
  m.slot_keys = std::move(occ->second);
  auto uid = who.user_id;
  auto job = [uid, m = std::move(m)](pqxx::work& w) -> core::result<repo::meeting_row> {
    auto g = repo::load_group(w, m.group_id, uid);
    if (!g.visible()) return group_not_found();
    if (auto e = not_moderator(g); e && !repo::standing_in(w, g.id, uid).runs()) return *e;
    if (m.kind == "intervision" && g.kind != "professional")
      return core::error::validation("kind", core::message(core::msg::intervision_professional_only));
    auto id = repo::insert_meeting(w, m);
    repo::audit(w, m.group_id, uid, "create_meeting", std::nullopt, std::nullopt, std::nullopt, "");
    return load_meeting(w, id, uid);
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return response::json(201, meeting_json(*out));
}

namespace {

// "first_ms.meeting_id" (opaque to clients).
// Where a page of the listing ends: its last meeting's first occurrence in range.
struct cursor_key {
  std::int64_t first_ms = 0, meeting_id = 0;
};

std::string cursor_of(const cursor_key& k) { return std::to_string(k.first_ms) + "." + std::to_string(k.meeting_id); }

std::optional<cursor_key> parse_cursor(std::string_view s) {
  auto dot = s.find('.');
  if (dot == std::string_view::npos || dot == 0 || s.size() > 40) return std::nullopt;
  cursor_key k;
  auto id = parse_id(s.substr(dot + 1));
  std::int64_t ms = 0;
  for (char c : s.substr(0, dot)) {
    if (c < '0' || c > '9') return std::nullopt;
    ms = ms * 10 + (c - '0');
    if (ms > 9'000'000'000'000) return std::nullopt;
  }
  if (!id) return std::nullopt;
  k.first_ms = ms;
  k.meeting_id = *id;
  return k;
}

core::result<std::int64_t> instant_param(const request& req, std::string_view name, std::int64_t def) {
  auto v = req.query_param(name);
  if (!v) return def;
  auto t = core::parse_rfc3339(*v);
  if (!t) return core::error::validation(std::string(name), core::message(core::msg::bad_instant));
  return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
}

}  // namespace

awaitable<response> meetings_api::list_meetings(request& req, const caller& who, bool in_group) {
  std::optional<std::int64_t> gid;
  if (in_group) {
    auto in = co_await caller_in_group(db_, req, who);
    if (!in) co_return fail(in.err(), req);
    if (!in->g.member()) co_return fail(members_only(), req);
    gid = in->g.id;
  }
  auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(core::system_clock().now().time_since_epoch()).count();
  auto from = instant_param(req, "from", now_ms);
  if (!from) co_return fail(from.err(), req);
  auto to = instant_param(req, "to", *from + 366LL * 86400000);
  if (!to) co_return fail(to.err(), req);
  if (*to <= *from || *to - *from > 3 * 366LL * 86400000)
    co_return fail(core::error::validation("to", core::message(core::msg::bad_instant)), req);
  auto limit = limit_param(req, s_.page_default, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  std::optional<cursor_key> after;
  if (auto c = req.query_param("cursor")) {
    after = parse_cursor(*c);
    if (!after) co_return fail(core::error::validation("cursor", core::message(core::msg::bad_cursor)), req);
  }
  // Every meeting the caller sees, by version: its shared parts from the
  // cache when current (fetched and kept otherwise), its first occurrence in
  // range found among them; the page ordered by it; the caller's own rows
  // apart. The database answers two short statements.
  auto job = [uid = who.user_id, gid, f = *from, t = *to, after, n = *limit,
              cache = cache_](pqxx::nontransaction& w) -> std::string {
    auto seen = repo::visible_meetings(w, uid, gid, f);
    std::vector<std::pair<std::int64_t, std::int64_t>> keys;
    for (const auto& v : seen) keys.emplace_back(v.meeting_id, v.version);
    auto cached = cache->get(keys);
    std::unordered_map<std::int64_t, std::shared_ptr<const meeting_parts>> parts;
    std::vector<std::int64_t> missing;
    for (std::size_t i = 0; i < seen.size(); ++i) {
      if (cached[i])
        parts[seen[i].meeting_id] = std::move(cached[i]);
      else
        missing.push_back(seen[i].meeting_id);
    }
    if (!missing.empty())
      for (const auto& m : repo::meetings_by_ids(w, missing, uid)) {
        auto p = std::make_shared<const meeting_parts>(parts_of(m));
        cache->put(m.id, p);
        parts[m.id] = std::move(p);
      }
    struct entry {
      std::int64_t first_ms, meeting_id;
      bool organiser;
      const meeting_parts* p;
    };
    std::vector<entry> page;
    for (const auto& v : seen) {
      auto it = parts.find(v.meeting_id);
      if (it == parts.end()) continue;  // deleted meanwhile
      // Occurrences are in start order: the first that ends after `from`.
      for (const auto& o : it->second->occurrences)
        if (o.ends_ms > f) {
          if (o.starts_ms < t &&
              (!after || std::tie(o.starts_ms, v.meeting_id) > std::tie(after->first_ms, after->meeting_id)))
            page.push_back({o.starts_ms, v.meeting_id, v.organiser, it->second.get()});
          break;
        }
    }
    auto by_first = [](const entry& a, const entry& b) {
      return std::tie(a.first_ms, a.meeting_id) < std::tie(b.first_ms, b.meeting_id);
    };
    std::string next;
    if (static_cast<int>(page.size()) > n) {
      std::partial_sort(page.begin(), page.begin() + n + 1, page.end(), by_first);
      page.resize(static_cast<std::size_t>(n));
      next = cursor_of({page.back().first_ms, page.back().meeting_id});
    } else {
      std::sort(page.begin(), page.end(), by_first);
    }
    std::vector<std::int64_t> ids;
    for (const auto& e : page) ids.push_back(e.meeting_id);
    auto my = ids.empty() ? std::map<std::int64_t, repo::my_occurrence>() : repo::my_occurrences(w, ids, uid);
    std::string body;
    std::size_t size = 64;
    for (const auto& e : page) {
      size += e.p->head.size() + 160;
      for (const auto& o : e.p->occurrences) size += o.head.size() + 96;
    }
    body.reserve(size);
    body += "{\"meetings\":[";
    for (std::size_t i = 0; i < page.size(); ++i) {
      if (i) body += ',';
      append_meeting(body, *page[i].p, page[i].organiser, my, f, t);
    }
    body += "],\"next_cursor\":";
    body += next.empty() ? std::string("null") : "\"" + next + "\"";
    body += next.empty() ? ",\"has_more\":false}" : ",\"has_more\":true}";
    return body;
  };
  auto body = co_await db_.read(std::move(job));
  co_return response::json(200, std::move(body));
}

awaitable<response> meetings_api::get_meeting(request& req, const caller& who) {
  auto mid = id_param(req, "mid");
  if (!mid) co_return fail(not_found(core::msg::meeting_not_found), req);
  auto job = [uid = who.user_id, mid = *mid](pqxx::nontransaction& w) -> core::result<repo::meeting_row> {
    auto a = meeting_access(w, mid, uid, false);
    if (!a) return a.err();
    return load_meeting(w, mid, uid);
  };
  auto out = co_await db_.read(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return response::json(200, meeting_json(*out));
}

awaitable<response> meetings_api::patch_meeting(request& req, const caller& who) {
  auto mid = id_param(req, "mid");
  if (!mid) co_return fail(not_found(core::msg::meeting_not_found), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  repo::meeting_patch p;
  p.title = f.text("title", json::optional, 1, 200);
  p.description = f.text("description", json::optional, 0, 8000);
  p.mode = f.text("mode", json::optional, 1, 16);
  p.location = f.text("location", json::optional, 1, 300);
  p.join_url = f.text("join_url", json::optional, 1, 2000);
  p.audience = f.text("audience", json::optional, 1, 16);
  p.waitlist = f.boolean("waitlist", json::optional);
  p.clear_location = f.is_null("location");
  p.clear_join_url = f.is_null("join_url");
  check_mode_and_place(f, std::nullopt, p.location, p.join_url);
  check_choice(f, "mode", p.mode, std::set<std::string>{"online", "in_person", "hybrid"});
  check_choice(f, "audience", p.audience, std::set<std::string>{"group", "space"});
  if (auto e = f.error()) co_return fail(*e, req);
  auto job = [uid = who.user_id, mid = *mid, p](pqxx::work& w) -> core::result<meeting_change> {
    auto a = meeting_access(w, mid, uid, true);
    if (!a) return a.err();
    auto before = load_meeting(w, mid, uid);
    auto mode = p.mode.value_or(before.mode);
    bool place = p.clear_location ? false : (p.location || before.location);
    if (mode != "online" && !place)
      return core::error::validation("location", core::message(core::msg::location_required));
    repo::update_meeting(w, mid, p);
    repo::audit(w, a->group_id, uid, "edit_meeting", std::nullopt, std::nullopt, std::nullopt, "");
    // Narrowed to the group: the space's other members lose their seats and places in line.
    std::vector<notify::notification> notes;
    if (p.audience)
      for (auto person : repo::registered_people(w, mid)) {
        auto more = release_seats(w, person, true);
        notes.insert(notes.end(), more.begin(), more.end());
      }
    return meeting_change{load_meeting(w, mid, uid), std::move(notes)};
  };
  auto out = co_await db_.transact(std::move(job));
  co_return answer_change(pub_, out, req);
}

awaitable<response> meetings_api::cancel(request& req, const caller& who, bool whole_meeting) {
  auto id = id_param(req, whole_meeting ? "mid" : "oid");
  auto missing = not_found(whole_meeting ? core::msg::meeting_not_found : core::msg::occurrence_not_found);
  if (!id) co_return fail(missing, req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto reason = f.text("reason", json::required, 1, 500);
  if (auto e = f.error()) co_return fail(*e, req);
  auto job = [uid = who.user_id, id = *id, whole_meeting,
              reason = *reason](pqxx::work& w) -> core::result<meeting_change> {
    auto a = whole_meeting ? meeting_access(w, id, uid, true) : occurrence_access(w, id, uid, true);
    if (!a) return a.err();
    auto what = whole_meeting ? repo::meeting_label(w, id) : repo::label_of(w, id);
    auto people = whole_meeting ? repo::cancel_meeting(w, id, reason) : repo::cancel_occurrence(w, id, reason);
    repo::audit(w, a->group_id, uid, whole_meeting ? "cancel_meeting" : "cancel_occurrence", std::nullopt, std::nullopt,
                std::nullopt, reason);
    auto notes = notify_cancelled(w, people, what, reason);
    return meeting_change{load_meeting(w, a->meeting_id, uid), std::move(notes)};
  };
  auto out = co_await db_.transact(std::move(job));
  co_return answer_change(pub_, out, req);
}

}  // namespace colibri::groups
