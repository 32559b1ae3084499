#include "colibri/moderation/watched_words.hpp"

#include "colibri/core/messages.hpp"
#include "colibri/core/utf8.hpp"
#include "colibri/json/writer.hpp"
#include "colibri/pg/prepared.hpp"

namespace colibri::moderation {

namespace {

// Characters that show nothing: inserted in a word, they hid it from a
// substring match (F17).
bool invisible(char32_t c) {
  return c == 0x00AD || c == 0x034F || c == 0x061C || c == 0x115F || c == 0x1160 || c == 0x17B4 || c == 0x17B5 ||
         (c >= 0x180B && c <= 0x180F) || (c >= 0x200B && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2060 && c <= 0x206F) || (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFEFF;
}

// Each Latin letter and the Cyrillic and Greek letters drawn like it.
struct look_alikes {
  char32_t latin;
  const char32_t* others;
};
constexpr look_alikes k_look_alikes[] = {
    {U'a', U"аАαΑ"}, {U'b', U"ВΒ"},   {U'c', U"сС"},   {U'd', U"ԁ"},   {U'e', U"еЕΕ"}, {U'h', U"һНΗ"},
    {U'i', U"іІιΙ"}, {U'j', U"јЈ"},   {U'k', U"КκΚ"},  {U'l', U"ӏ"},   {U'm', U"МΜ"},  {U'n', U"Ν"},
    {U'o', U"оОοΟ"}, {U'p', U"рРρΡ"}, {U'q', U"ԛ"},    {U's', U"ѕЅ"},  {U't', U"ТτΤ"}, {U'u', U"υ"},
    {U'v', U"ν"},    {U'w', U"ԝ"},    {U'x', U"хХχΧ"}, {U'y', U"уУΥ"}, {U'z', U"Ζ"},
};

// Cyrillic and Greek letters drawn like Latin ones, and full-width ASCII:
// the letter they pass for (lower case), or 0.
char32_t look_alike(char32_t c) {
  if (c >= 0xFF01 && c <= 0xFF5E) return c - 0xFEE0;
  for (const auto& l : k_look_alikes)
    for (const char32_t* o = l.others; *o; ++o)
      if (*o == c) return l.latin;
  return 0;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

}  // namespace

std::string fold_case(std::string_view text) {
  if (!core::valid_utf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    char32_t c = core::next_code_point(text, i);
    if (invisible(c)) continue;
    if (auto l = look_alike(c)) c = l;
    if (c >= U'A' && c <= U'Z')
      c += 32;
    else if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
      c += 32;  // À..Þ, not ×
    else if (c == 0x152)
      c = 0x153;  // Œ
    append_utf8(out, c);
  }
  return out;
}

std::vector<watched_hit> load_watched(pqxx::transaction_base& w, std::int64_t group_id) {
  std::vector<watched_hit> out;
  for (auto r : pg::exec_prepared(w, "colibri_watched_words",
                                  "SELECT pattern, action FROM watched_words WHERE group_id = $1", group_id))
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>()});
  return out;
}

std::optional<watched_hit> match_watched(const std::vector<watched_hit>& rules, const std::string& text) {
  if (rules.empty()) return std::nullopt;
  auto folded = fold_case(text);
  auto severity = [](const std::string& a) { return a == "block" ? 0 : a == "hold" ? 1 : 2; };
  std::optional<watched_hit> best;
  for (const auto& r : rules)
    if (folded.find(fold_case(r.pattern)) != std::string::npos &&
        (!best || severity(r.action) < severity(best->action) ||
         (severity(r.action) == severity(best->action) && r.pattern < best->pattern)))
      best = r;
  return best;
}

core::error blocked_word(std::string field) {
  return core::error::validation(std::move(field), core::message(core::msg::blocked_word));
}

std::vector<std::int64_t> moderators_of(pqxx::transaction_base& w, std::int64_t group_id, bool on_call_only) {
  std::vector<std::int64_t> out;
  for (auto r : w.exec_params("SELECT user_id FROM memberships WHERE group_id = $1 AND role IN ('moderator', 'owner') "
                              "AND (on_call OR NOT $2) ORDER BY user_id",
                              group_id, on_call_only))
    out.push_back(r[0].as<std::int64_t>());
  return out;
}

std::int64_t hold_post(pqxx::work& w, const held_request& p, std::vector<notify::notification>& notes) {
  auto r = w.exec_params(
      "INSERT INTO held_posts (group_id, room, author_id, client_msg_id, body, reply_to, pattern, structure_id) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING id",
      p.group_id, p.room, p.author_id, p.client_msg_id, p.body, p.reply_to, p.pattern, p.structure_id);
  if (r.empty())  // a retry of a post already held
    return w
        .exec_params1("SELECT id FROM held_posts WHERE room = $1 AND author_id = $2 AND client_msg_id = $3", p.room,
                      p.author_id, p.client_msg_id)[0]
        .as<std::int64_t>();
  auto id = r[0][0].as<std::int64_t>();
  json::writer d;
  d.begin_object().field("group_id", p.group_id).field("held_post_id", id).field("room", p.room).end_object();
  auto more =
      notify::insert_for(w, moderators_of(w, p.group_id), "moderation", core::message(core::msg::note_post_held),
                         core::message(core::msg::note_post_held_body, {{"word", p.pattern}}), d.release());
  notes.insert(notes.end(), more.begin(), more.end());
  return id;
}

std::vector<notify::notification> flag_report(pqxx::work& w, std::int64_t group_id, const roomlog::event& ev,
                                              const std::string& pattern) {
  auto id = w.exec_params1(
                 "INSERT INTO reports (group_id, room, seq, target_user_id, reason, note) "
                 "VALUES ($1, $2, $3, $4, 'watched_word', $5) RETURNING id",
                 group_id, ev.room, ev.seq, ev.author_id, "« " + pattern + " »")[0]
                .as<std::int64_t>();
  json::writer d;
  d.begin_object()
      .field("group_id", group_id)
      .field("report_id", id)
      .field("room", ev.room)
      .field("seq", ev.seq)
      .end_object();
  return notify::insert_for(w, moderators_of(w, group_id), "report", core::message(core::msg::note_post_flagged),
                            core::message(core::msg::note_post_flagged_body, {{"word", pattern}}), d.release());
}

}  // namespace colibri::moderation
