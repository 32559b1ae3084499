#pragma once
// Meetings (webinars, meetings, practice sessions, intervisions), their
// occurrences, registrations with a waiting list, attendance and calendar
// feeds. Every seat decision happens under the occurrence's row lock, in one
// conditional UPDATE of its registered count: concurrent sign-ups through
// any number of REST processes never exceed the capacity.
#include <cstdint>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "colibri/calendar/ics.hpp"

namespace colibri::groups::repo {

struct occurrence_row {
  std::int64_t id = 0, meeting_id = 0;
  int position = 0;
  std::string local_start;  // "YYYY-MM-DDTHH:MM" in the meeting's time zone
  std::int64_t starts_ms = 0, ends_ms = 0;
  std::optional<std::int64_t> capacity;
  std::optional<std::int64_t> slot_group;
  std::string state;
  std::optional<std::string> cancel_reason;
  std::int64_t registered = 0, waitlisted = 0;
  // The caller's standing.
  std::optional<std::string> my_state;  // registered, waitlisted
  std::optional<std::int64_t> my_position;
  bool my_present = false;
};

struct meeting_row {
  std::int64_t id = 0, group_id = 0, space_id = 0;
  std::string group_name;
  std::optional<std::int64_t> created_by;
  std::string created_by_handle;
  std::string title, description, kind, mode, timezone, audience, state;
  std::optional<std::string> location, join_url, cancel_reason;
  std::int64_t duration_minutes = 0;
  bool waitlist = true;
  std::optional<std::int64_t> max_cases;
  std::int64_t created_ms = 0, updated_ms = 0;
  std::int64_t version = 0;  // bumped by any change to what the meeting shows
  bool organiser = false;    // the caller moderates the meeting's group
  std::vector<occurrence_row> occurrences;
};

// Who the caller is to a meeting (or to the meeting of an occurrence).
struct meeting_access {
  bool exists = false;
  std::int64_t meeting_id = 0, group_id = 0, occurrence_id = 0;
  bool sees = false;       // a member of its group, or of its space for a space-wide meeting
  bool organiser = false;  // a moderator or owner of its group
};
meeting_access access_meeting(pqxx::transaction_base& w, std::int64_t meeting_id, std::int64_t user_id);
meeting_access access_occurrence(pqxx::transaction_base& w, std::int64_t occurrence_id, std::int64_t user_id);

struct new_meeting {
  std::int64_t group_id = 0;
  std::optional<std::int64_t> created_by;  // none for the seed
  std::string title, description, kind, mode, timezone, audience;
  std::optional<std::string> location, join_url;
  std::int64_t duration_minutes = 60;
  std::optional<std::int64_t> capacity;
  bool waitlist = true;
  std::optional<std::int64_t> max_cases;
  std::vector<std::string> local_starts;  // "YYYY-MM-DDTHH:MM"
  std::vector<std::string> slot_keys;     // per occurrence
};
// The meeting and its occurrences, local times converted in its time zone.
std::int64_t insert_meeting(pqxx::transaction_base& w, const new_meeting& m);

struct meeting_patch {
  std::optional<std::string> title, description, mode, location, join_url, audience;
  std::optional<bool> waitlist;
  bool clear_location = false, clear_join_url = false;
};
void update_meeting(pqxx::transaction_base& w, std::int64_t meeting_id, const meeting_patch& p);

// Meetings by id with their occurrences overlapping [from, to) (all when
// absent), as `user_id` sees them, in the order of `ids`.
std::vector<meeting_row> meetings_by_ids(pqxx::transaction_base& w, const std::vector<std::int64_t>& ids,
                                         std::int64_t user_id, std::optional<std::int64_t> from_ms = std::nullopt,
                                         std::optional<std::int64_t> to_ms = std::nullopt);

// The meetings the caller sees for a listing (their groups', or one group's,
// then their spaces' space-wide ones), with the version of what each shows.
struct visible_meeting {
  std::int64_t meeting_id = 0;
  std::int64_t version = 0;
  bool organiser = false;  // the caller moderates its group
};
// Only meetings not over at from_ms.
std::vector<visible_meeting> visible_meetings(pqxx::transaction_base& w, std::int64_t user_id,
                                              std::optional<std::int64_t> group_id, std::int64_t from_ms);

// The caller's own standing in occurrences of these meetings: by occurrence.
struct my_occurrence {
  std::optional<std::string> state;  // registered, waitlisted
  std::optional<std::int64_t> position;
  bool present = false;
};
std::map<std::int64_t, my_occurrence> my_occurrences(pqxx::transaction_base& w, const std::vector<std::int64_t>& ids,
                                                     std::int64_t user_id);

// The occurrence, locked until the commit, with what registering needs.
struct occurrence_lock {
  bool exists = false;
  std::int64_t meeting_id = 0;
  std::string slot_key, state, meeting_state, title;
  bool ended = false, waitlist = true;
  std::optional<std::int64_t> capacity;
  std::int64_t registered = 0;
};
occurrence_lock lock_occurrence(pqxx::transaction_base& w, std::int64_t occurrence_id);

struct registration_row {
  std::int64_t occurrence_id = 0, user_id = 0;
  std::string state;
  std::optional<std::int64_t> position;
  std::int64_t created_ms = 0;
  std::string handle;
  std::optional<std::string> profession, organisation, department;
};
std::optional<registration_row> registration_of(pqxx::transaction_base& w, std::int64_t occurrence_id,
                                                std::int64_t user_id);
// The seat decision and the registration in one statement: the occurrence's
// row is locked by the UPDATE that counts the seat (or the place in line), so
// the lock is held for one statement and the commit only.
enum class sign_up { registered, waitlisted, closed, conflict };
// closed: absent, cancelled, over, or full without a waiting list (nothing
// changed); conflict: the person holds a registration of the same slot group,
// or one appeared meanwhile (the transaction must be rolled back).
sign_up register_seat(pqxx::transaction_base& w, std::int64_t occurrence_id, std::int64_t user_id);
// Removes the person's registration: its state, nullopt when none.
std::optional<std::string> delete_registration(pqxx::transaction_base& w, std::int64_t occurrence_id,
                                               std::int64_t user_id);
// Promotes up to `seats` waitlisted people in order (all when nullopt): who.
std::vector<std::int64_t> promote(pqxx::transaction_base& w, std::int64_t occurrence_id,
                                  std::optional<std::int64_t> seats);
void set_capacity(pqxx::transaction_base& w, std::int64_t occurrence_id, std::optional<std::int64_t> capacity);
std::vector<registration_row> registrations(pqxx::transaction_base& w, std::int64_t occurrence_id);
// Everyone registered or waitlisted for any occurrence of the meeting.
std::vector<std::int64_t> registered_people(pqxx::transaction_base& w, std::int64_t meeting_id);

// Cancels an occurrence (or every occurrence not over yet and the meeting):
// the people registered or waitlisted, each once; empty when already cancelled.
std::vector<std::int64_t> cancel_occurrence(pqxx::transaction_base& w, std::int64_t occurrence_id,
                                            const std::string& reason);
std::vector<std::int64_t> cancel_meeting(pqxx::transaction_base& w, std::int64_t meeting_id, const std::string& reason);

// Attendance.
struct attendance_row {
  std::int64_t user_id = 0;
  std::string handle;
  std::optional<std::string> legal_name, profession, registration;
  std::optional<bool> self_employed, present;
  std::optional<std::int64_t> signed_ms;
  std::optional<std::string> signed_by, rpps;
};
// The occurrence's timing relative to now: minutes since its start (negative
// before) and whether it is over.
struct timing {
  std::int64_t starts_ms = 0, ends_ms = 0;
  bool opens = false;  // from 30 minutes before the start
  bool over = false;
};
timing occurrence_timing(pqxx::transaction_base& w, std::int64_t occurrence_id);
// Whether the sheet already says present (a self sign-in is idempotent).
std::optional<attendance_row> attendance_of(pqxx::transaction_base& w, std::int64_t occurrence_id,
                                            std::int64_t user_id);
void sign(pqxx::transaction_base& w, std::int64_t occurrence_id, std::int64_t user_id, std::int64_t by, bool present);
std::vector<attendance_row> attendance_sheet(pqxx::transaction_base& w, std::int64_t occurrence_id);

struct certificate_row {
  std::string title, kind, group_name, local_start, timezone, handle;
  std::int64_t duration_minutes = 0;
  std::optional<std::string> legal_name, rpps, profession;
  std::int64_t signed_ms = 0;
};
std::optional<certificate_row> certificate(pqxx::transaction_base& w, std::int64_t occurrence_id, std::int64_t user_id);

// Calendar: what an .ics holds.
struct calendar_row {
  calendar::occurrence o;
  std::string description, mode, state;
  std::optional<std::string> join_url, my_state;
};
std::vector<calendar_row> meeting_calendar(pqxx::transaction_base& w, std::int64_t meeting_id, std::int64_t user_id);
// The occurrences a person is registered or waitlisted for, in the groups
// and spaces they still belong to (from 90 days back, at most 500).
std::vector<calendar_row> personal_calendar(pqxx::transaction_base& w, std::int64_t user_id);
void set_calendar_feed(pqxx::transaction_base& w, std::int64_t user_id, const std::string& token_hash);
bool delete_calendar_feed(pqxx::transaction_base& w, std::int64_t user_id);
std::optional<std::int64_t> calendar_feed_created(pqxx::transaction_base& w, std::int64_t user_id);
std::optional<std::int64_t> calendar_feed_owner(pqxx::transaction_base& w, const std::string& token_hash);

// Releases a person's registrations (all of them, or those of meetings they
// no longer see): seats freed and the waiting lists promoted; the promoted
// people and their occurrence.
std::vector<std::pair<std::int64_t, std::int64_t>> release_registrations(pqxx::transaction_base& w,
                                                                         std::int64_t user_id, bool only_unseen);

}  // namespace colibri::groups::repo

namespace colibri::groups::repo {

// What a notification about an occurrence says: its meeting's title, local
// start and zone.
struct occurrence_label {
  std::int64_t meeting_id = 0, occurrence_id = 0;
  std::string title, local_start, timezone;
};
occurrence_label label_of(pqxx::transaction_base& w, std::int64_t occurrence_id);
// The meeting's first occurrence not over yet (or its last), for a meeting-wide notice.
occurrence_label meeting_label(pqxx::transaction_base& w, std::int64_t meeting_id);

}  // namespace colibri::groups::repo
