#include "colibri/moderation/watched_words.hpp"

#include "colibri/json/writer.hpp"
#include "colibri/pg/prepared.hpp"

namespace colibri::moderation {

std::string fold_case(std::string_view text) {
  std::string out(text);
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto c = static_cast<unsigned char>(out[i]);
    if (c >= 'A' && c <= 'Z') {
      out[i] = static_cast<char>(c + 32);
    } else if (i + 1 < out.size()) {
      auto d = static_cast<unsigned char>(out[i + 1]);
      if (c == 0xC3 && d >= 0x80 && d <= 0x9E && d != 0x97) out[i + 1] = static_cast<char>(d + 0x20);  // À..Þ, not ×
      else if (c == 0xC5 && d == 0x92) out[i + 1] = static_cast<char>(0x93);                             // Œ
    }
  }
  return out;
}

std::vector<watched_hit> load_watched(pqxx::transaction_base& w, std::int64_t group_id) {
  std::vector<watched_hit> out;
  for (auto r : pg::exec_prepared(w, "colibri_watched_words", "SELECT pattern, action FROM watched_words WHERE group_id = $1",
                                  group_id))
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
  return core::error::validation(std::move(field),
                                 {"Ce message contient un terme que ce groupe n'accepte pas. Merci de le reformuler.",
                                  "This message holds a term this group does not accept. Please rephrase it."});
}

std::vector<std::int64_t> moderators_of(pqxx::transaction_base& w, std::int64_t group_id) {
  std::vector<std::int64_t> out;
  for (auto r : w.exec_params("SELECT user_id FROM memberships WHERE group_id = $1 AND role IN ('moderator', 'owner') "
                              "ORDER BY user_id",
                              group_id))
    out.push_back(r[0].as<std::int64_t>());
  return out;
}

std::int64_t hold_post(pqxx::work& w, const held_request& p, std::vector<notify::notification>& notes) {
  auto r = w.exec_params("INSERT INTO held_posts (group_id, room, author_id, client_msg_id, body, reply_to, pattern) "
                         "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id",
                         p.group_id, p.room, p.author_id, p.client_msg_id, p.body, p.reply_to, p.pattern);
  if (r.empty())  // a retry of a post already held
    return w.exec_params1("SELECT id FROM held_posts WHERE room = $1 AND author_id = $2 AND client_msg_id = $3", p.room,
                          p.author_id, p.client_msg_id)[0]
        .as<std::int64_t>();
  auto id = r[0][0].as<std::int64_t>();
  json::writer d;
  d.begin_object().field("group_id", p.group_id).field("held_post_id", id).field("room", p.room).end_object();
  auto more = notify::insert_for(w, moderators_of(w, p.group_id), "moderation",
                                 {"Un message attend votre validation", "A post awaits your approval"},
                                 {"Un message retenu par le mot surveillé « " + p.pattern + " » attend votre décision.",
                                  "A post held by the watched word \"" + p.pattern + "\" awaits your decision."},
                                 d.release());
  notes.insert(notes.end(), more.begin(), more.end());
  return id;
}

std::vector<notify::notification> flag_report(pqxx::work& w, std::int64_t group_id, const roomlog::event& ev,
                                              const std::string& pattern) {
  auto id = w.exec_params1("INSERT INTO reports (group_id, room, seq, target_user_id, reason, note) "
                           "VALUES ($1, $2, $3, $4, 'watched_word', $5) RETURNING id",
                           group_id, ev.room, ev.seq, ev.author_id, "« " + pattern + " »")[0]
                .as<std::int64_t>();
  json::writer d;
  d.begin_object().field("group_id", group_id).field("report_id", id).field("room", ev.room).field("seq", ev.seq).end_object();
  return notify::insert_for(w, moderators_of(w, group_id), "report", {"Message signalé", "Post flagged"},
                            {"Un message contient le mot surveillé « " + pattern + " ».",
                             "A post holds the watched word \"" + pattern + "\"."},
                            d.release());
}

}  // namespace colibri::moderation
