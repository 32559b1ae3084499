#include "colibri/roomlog/event.hpp"

#include <charconv>

#include "colibri/core/clock.hpp"
#include "colibri/json/writer.hpp"

namespace colibri::roomlog {

std::string room_ref::name() const {
  std::string prefix = kind == room_kind::group ? "group:" : kind == room_kind::thread ? "thread:" : "dm:";
  return prefix + std::to_string(id);
}

std::optional<room_ref> parse_room(std::string_view name) {
  auto colon = name.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto prefix = name.substr(0, colon);
  auto digits = name.substr(colon + 1);
  room_ref r{};
  if (prefix == "group")
    r.kind = room_kind::group;
  else if (prefix == "thread")
    r.kind = room_kind::thread;
  else if (prefix == "dm")
    r.kind = room_kind::dm;
  else
    return std::nullopt;
  if (digits.empty() || digits.size() > 16 || digits.front() == '0') return std::nullopt;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), r.id);
  if (ec != std::errc{} || p != digits.data() + digits.size() || r.id < 1 || r.id > (std::int64_t{1} << 53))
    return std::nullopt;
  return r;
}

namespace {
void write_fields(json::writer& w, const event& e) {
  w.field("room", e.room).field("seq", e.seq).field("event_id", e.id).field("kind", e.kind);
  w.key("author");
  if (e.author_id) {
    w.begin_object().field("id", *e.author_id).field("handle", e.author_handle).end_object();
  } else {
    w.null();
  }
  if (e.body) w.field("body", *e.body);
  if (e.target_seq) w.field("target_seq", *e.target_seq);
  if (e.emoji) w.field("emoji", *e.emoji);
  if (e.on) w.field("on", *e.on);
  if (e.reply_to) w.field("reply_to", *e.reply_to);
  if (e.structure) {
    const auto& c = *e.structure;
    w.key("structure").begin_object().field("id", c.id).field("name", c.name).field("kind", c.kind);
    w.field("city", c.city).field("department", c.department);
    if (c.phone) w.field("phone", *c.phone);
    if (c.website) w.field("website", *c.website);
    w.end_object();
  }
  w.field("at", core::format_rfc3339_ms(e.at_ms));
}
}  // namespace

std::string event_frame(const event& e) {
  json::writer w;
  w.begin_object().field("type", "event");
  write_fields(w, e);
  w.end_object();
  return w.release();
}

std::string event_json(const event& e) {
  json::writer w;
  w.begin_object();
  write_fields(w, e);
  w.end_object();
  return w.release();
}

std::string room_channel(std::string_view room) { return "colibri:room:" + std::string(room); }

std::string user_channel(std::int64_t user_id) { return std::string(k_user_channel_prefix) + std::to_string(user_id); }

}  // namespace colibri::roomlog
