#pragma once
// Reports, mutes and the evidence of hidden messages.
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace colibri::groups::repo {

// The author of a room's event: nullopt when there is no such event; an
// empty author inside for an event without one.
std::optional<std::optional<std::int64_t>> author_of(pqxx::transaction_base& w, const std::string& room,
                                                     std::int64_t seq);

struct new_report {
  std::int64_t group_id = 0, reporter_id = 0;
  std::optional<std::string> room;
  std::optional<std::int64_t> seq, target_user_id;
  std::string reason, note;
};
std::int64_t insert_report(pqxx::transaction_base& w, const new_report& r);

struct report_row {
  std::int64_t id = 0;
  std::optional<std::string> room;
  std::optional<std::int64_t> seq;
  std::string reason, note, state, action;  // action "" while open
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> reporter_id;
  std::string reporter_handle;
  std::optional<std::int64_t> target_id;
  std::string target_handle;
  // What was reported, as it was written: once hidden, the report's
  // evidence; absent when its author deleted it.
  std::optional<std::string> event_kind, event_body;
};
std::vector<report_row> list_reports(pqxx::transaction_base& w, std::int64_t group_id, const std::string& state,
                                     int limit);

struct locked_report {
  std::int64_t group_id = 0;
  std::optional<std::string> room;
  std::optional<std::int64_t> seq, target_id;
  std::string state;
};
// The report, locked until the commit; nullopt when absent.
std::optional<locked_report> lock_report(pqxx::transaction_base& w, std::int64_t report_id);
void close_report(pqxx::transaction_base& w, std::int64_t report_id, const std::string& action,
                  std::int64_t moderator_id);
// Keeps the reported message's text on its reports before it is hidden.
void keep_evidence(pqxx::transaction_base& w, const std::string& room, std::int64_t seq);

// Mutes a member for `minutes`; the end (ms), nullopt when not a member.
std::optional<std::int64_t> mute_for(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id,
                                     int minutes);
// Mutes until a given instant (ms); false when not a member.
bool mute_until(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id, std::int64_t until_ms);
bool unmute(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id);

}  // namespace colibri::groups::repo
