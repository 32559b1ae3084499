#pragma once
// What the meeting handlers share (meetings.cpp, registrations.cpp,
// attendance.cpp, calendar.cpp): refusals, the meeting's JSON, notices.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "colibri/core/clock.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/json/writer.hpp"
#include "colibri/notify/notifications.hpp"
#include "colibri/redis/client.hpp"
#include "errors.hpp"
#include "joining.hpp"
#include "repo/meetings.hpp"

namespace colibri::groups::detail {

// Why the caller cannot read a meeting they do not see: 403 when its group is
// visible to them (listed), 404 otherwise (`missing` says what is missing).
core::error unseen(pqxx::transaction_base& w, const repo::meeting_access& a, std::int64_t user_id, core::msg missing);
// The access of the caller to the occurrence named by `oid`, or the refusal.
core::result<repo::meeting_access> occurrence_access(pqxx::transaction_base& w, std::int64_t oid, std::int64_t user_id,
                                                     bool organisers_only);
core::result<repo::meeting_access> meeting_access(pqxx::transaction_base& w, std::int64_t mid, std::int64_t user_id,
                                                  bool organisers_only);

// A meeting's JSON in the parts every reader shares, and the reader's own
// fields (the join link, organiser, each occurrence's my_registration and
// present) added to them: a listing keeps the shared parts by version.
struct meeting_parts {
  std::int64_t version = 0;
  std::string head;  // the object's shared fields, the object left open
  std::optional<std::string> join_url;
  bool scheduled = true;
  struct occurrence {
    std::int64_t id = 0, starts_ms = 0, ends_ms = 0;
    bool scheduled = true;
    std::string head;  // open as well
  };
  std::vector<occurrence> occurrences;
};
meeting_parts parts_of(const repo::meeting_row& m);
// The meeting for one reader, its occurrences overlapping [from, to) when given.
void append_meeting(std::string& out, const meeting_parts& p, bool organiser,
                    const std::map<std::int64_t, repo::my_occurrence>& my, std::optional<std::int64_t> from_ms,
                    std::optional<std::int64_t> to_ms);
std::string meeting_json(const repo::meeting_row& m);

// The shared parts of meetings, by id, valid for one version (bumped by the
// database with any change to what a meeting shows); bounded.
class meeting_cache {
 public:
  std::shared_ptr<const meeting_parts> get(std::int64_t id, std::int64_t version);
  // Many at once (one lock): for each (id, version), the parts or null.
  std::vector<std::shared_ptr<const meeting_parts>> get(const std::vector<std::pair<std::int64_t, std::int64_t>>& keys);
  void put(std::int64_t id, std::shared_ptr<const meeting_parts> p);

 private:
  static constexpr std::size_t k_max = 20000;
  std::mutex mutex_;
  std::unordered_map<std::int64_t, std::shared_ptr<const meeting_parts>> parts_;
};
// What a change of a meeting answers: the meeting as the caller sees it
// after the commit, and the notifications to publish then.
struct meeting_change {
  repo::meeting_row m;
  std::vector<notify::notification> notes;
};
http::response answer_change(redis::publisher& pub, core::result<meeting_change>& out, const http::request& req);

// The meeting as `user_id` sees it now (all its occurrences).
repo::meeting_row load_meeting(pqxx::transaction_base& w, std::int64_t mid, std::int64_t user_id);

// Notices about an occurrence, to each person once, in their language.
std::vector<notify::notification> notify_promoted(pqxx::work& w, const std::vector<std::int64_t>& users,
                                                  std::int64_t occurrence_id);
// Releases the person's registrations (only those of meetings they no
// longer see, or all): freed seats go to the waiting lists, each promotion
// notified once.
std::vector<notify::notification> release_seats(pqxx::work& w, std::int64_t user_id, bool only_unseen);
std::vector<notify::notification> notify_cancelled(pqxx::work& w, const std::vector<std::int64_t>& users,
                                                   const repo::occurrence_label& what, const std::string& reason);

}  // namespace colibri::groups::detail
