#pragma once
// Notifications: stored per user in PostgreSQL (the record), then published
// on the user's Redis channel (the doorbell) so that every gateway holding
// one of the user's sockets pushes it live. A socket that missed some
// (offline, Redis down) gets them back after `hello` with
// `notifications_after`; REST lists them.
//
// Writers call insert() inside their own transaction, commit, then publish().
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "colibri/core/text.hpp"
#include "colibri/redis/client.hpp"

namespace colibri::notify {

struct notification {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string kind;   // welcome, newcomer, badge, ... (docs/protocol.md)
  std::string title;  // rendered in the user's language
  std::string body;
  std::string data_json;  // a JSON object
  std::int64_t at_ms = 0;
  bool read = false;
};

// The kinds docs/protocol.md names.
bool known_kind(std::string_view kind);

// The notification object (docs/protocol.md): {id, kind, title, body, data, at, read}.
std::string notification_json(const notification& n);
// The socket frame: {"type":"notification","notification":{...}}.
std::string notification_frame(const notification& n);
// The notification's id when `frame` is a notification frame.
std::optional<std::int64_t> frame_notification_id(std::string_view frame);

// Stores a notification (data_json must be a JSON object).
notification insert(pqxx::work& w, std::int64_t user_id, std::string_view kind, std::string_view title,
                    std::string_view body, std::string_view data_json = "{}");
// Stores one notification per recipient (live accounts only), each in the
// recipient's own language.
std::vector<notification> insert_for(pqxx::work& w, const std::vector<std::int64_t>& users, std::string_view kind,
                                     const core::text& title, const core::text& body,
                                     std::string_view data_json = "{}");
// The user's notifications with id > after: the newest `limit` of them,
// in ascending id order.
std::vector<notification> latest_after(pqxx::work& w, std::int64_t user_id, std::int64_t after, int limit);

// The user's notifications with id > after (only unread ones if asked), the
// oldest `limit` of them, ascending: REST pages.
std::vector<notification> page_after(pqxx::work& w, std::int64_t user_id, std::int64_t after, bool only_unread,
                                     int limit);

// After commit: to the user's sockets on every gateway.
void publish(redis::publisher& pub, const notification& n);

}  // namespace colibri::notify
