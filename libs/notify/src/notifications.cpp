#include "colibri/notify/notifications.hpp"

#include <array>

#include "colibri/core/clock.hpp"
#include "colibri/json/value.hpp"
#include "colibri/json/writer.hpp"
#include "colibri/pg/sql_array.hpp"
#include "colibri/roomlog/event.hpp"

namespace colibri::notify {

namespace {
constexpr std::array<std::string_view, 19> k_kinds = {"welcome",
                                                      "newcomer",
                                                      "badge",
                                                      "daily_congrats",
                                                      "join_request",
                                                      "join_approved",
                                                      "mention",
                                                      "reply",
                                                      "event_reminder",
                                                      "moderation",
                                                      "report",
                                                      "meeting_reminder",
                                                      "meeting_promoted",
                                                      "meeting_cancelled",
                                                      "watch_digest",
                                                      "case_withdrawn",
                                                      "case_review_due",
                                                      "distress",
                                                      "dm"};

constexpr const char* k_columns =
    "id, user_id, kind, title, body, data::text, (extract(epoch FROM created_at) * 1000)::bigint, read_at IS NOT NULL";

notification from_row(const pqxx::row& r) {
  notification n;
  n.id = r[0].as<std::int64_t>();
  n.user_id = r[1].as<std::int64_t>();
  n.kind = r[2].as<std::string>();
  n.title = r[3].as<std::string>();
  n.body = r[4].as<std::string>();
  n.data_json = r[5].as<std::string>();
  n.at_ms = r[6].as<std::int64_t>();
  n.read = r[7].as<bool>();
  return n;
}
}  // namespace

bool known_kind(std::string_view kind) {
  for (auto k : k_kinds)
    if (k == kind) return true;
  return false;
}

std::string notification_json(const notification& n) {
  json::writer w;
  w.begin_object().field("id", n.id).field("kind", n.kind).field("title", n.title).field("body", n.body);
  w.key("data").raw(n.data_json.empty() ? std::string_view("{}") : std::string_view(n.data_json));
  w.field("at", core::format_rfc3339_ms(n.at_ms)).field("read", n.read).end_object();
  return w.release();
}

std::string notification_frame(const notification& n) {
  json::writer w;
  w.begin_object().field("type", "notification").key("notification").raw(notification_json(n)).end_object();
  return w.release();
}

std::optional<std::int64_t> frame_notification_id(std::string_view frame) {
  auto doc = json::parse(frame);
  if (!doc) return std::nullopt;
  auto type = doc->find("type");
  if (!type || !type->as_string() || *type->as_string() != "notification") return std::nullopt;
  auto n = doc->find("notification");
  if (!n) return std::nullopt;
  auto id = n->find("id");
  if (!id || !id->as_int()) return std::nullopt;
  return *id->as_int();
}

notification insert(pqxx::work& w, std::int64_t user_id, std::string_view kind, std::string_view title,
                    std::string_view body, std::string_view data_json) {
  auto r = w.exec_params1(std::string("INSERT INTO notifications (user_id, kind, title, body, data) "
                                      "VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING ") +
                              k_columns,
                          user_id, std::string(kind), std::string(title), std::string(body),
                          std::string(data_json.empty() ? "{}" : data_json));
  return from_row(r);
}

std::vector<notification> insert_for(pqxx::work& w, const std::vector<std::int64_t>& users, std::string_view kind,
                                     const core::text& title, const core::text& body, std::string_view data_json) {
  std::vector<notification> out;
  if (users.empty()) return out;
  std::vector<std::optional<std::int64_t>> ids(users.begin(), users.end());
  auto res =
      w.exec_params("SELECT id, locale FROM users WHERE id = ANY($1::bigint[]) AND deleted_at IS NULL ORDER BY id",
                    pg::bigint_array(ids));
  for (auto r : res) {
    core::lang l = core::lang::fr;
    core::parse_lang(r[1].as<std::string>(), l);
    out.push_back(insert(w, r[0].as<std::int64_t>(), kind, title.in(l), body.in(l), data_json));
  }
  return out;
}

std::vector<notification> page_after(pqxx::work& w, std::int64_t user_id, std::int64_t after, bool only_unread,
                                     int limit) {
  auto res = w.exec_params(std::string("SELECT ") + k_columns +
                               " FROM notifications WHERE user_id = $1 AND id > $2 AND ($3 = false OR read_at IS NULL) "
                               "ORDER BY id LIMIT $4",
                           user_id, after, only_unread, limit);
  std::vector<notification> out;
  out.reserve(res.size());
  for (const auto& r : res) out.push_back(from_row(r));
  return out;
}

std::vector<notification> latest_after(pqxx::work& w, std::int64_t user_id, std::int64_t after, int limit) {
  auto res = w.exec_params(std::string("SELECT * FROM (SELECT ") + k_columns +
                               " FROM notifications WHERE user_id = $1 AND id > $2 ORDER BY id DESC LIMIT $3) x "
                               "ORDER BY 1",
                           user_id, after, limit);
  std::vector<notification> out;
  out.reserve(res.size());
  for (const auto& r : res) out.push_back(from_row(r));
  return out;
}

void publish(redis::publisher& pub, const notification& n) {
  pub.publish(roomlog::user_channel(n.user_id), notification_frame(n));
}

}  // namespace colibri::notify
