#include "colibri/groups/posting.hpp"

#include "colibri/core/log.hpp"
#include "colibri/json/writer.hpp"
#include "colibri/pg/prepared.hpp"
#include "common.hpp"

namespace colibri::groups {

using namespace detail;

core::error room_not_found() {
  return core::error::make(core::errc::not_found, {"Ce salon n'existe pas.", "This room does not exist."});
}

room_standing standing(pqxx::transaction_base& w, std::int64_t uid, const std::string& room) {
  room_standing s;
  s.access = roomlog::check_access_many(w, {uid}, {room}).front();
  if (!s.access.member) {
    auto ref = roomlog::parse_room(room);
    std::optional<std::int64_t> gid;
    if (ref && ref->kind == roomlog::room_kind::group) gid = ref->id;
    if (ref && ref->kind == roomlog::room_kind::thread) {
      auto r = w.exec_params("SELECT group_id FROM threads WHERE id = $1", ref->id);
      if (!r.empty()) gid = r[0][0].as<std::int64_t>();
    }
    s.hidden_group = !gid || !load_group(w, *gid, uid).visible();
  }
  return s;
}

core::result<void> may_read(const room_standing& s) {
  if (s.access.member) return {};
  if (s.hidden_group) return room_not_found();
  return members_only();
}

core::result<void> may_write(const room_standing& s) {
  if (auto r = may_read(s); !r) return r;
  if (s.access.can_send) return {};
  if (s.access.muted)
    return core::error::make(core::errc::forbidden, {"Vous ne pouvez pas écrire dans ce groupe pour le moment.",
                                                     "You cannot write in this group for now."});
  if (s.access.locked)
    return core::error::make(core::errc::forbidden, {"Cette discussion est verrouillée.", "This thread is locked."});
  return core::error::make(core::errc::forbidden,
                           {"Vous ne pouvez pas écrire dans cette conversation.", "You cannot write in this conversation."});
}

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

std::optional<watched_hit> screen(pqxx::transaction_base& w, std::int64_t group_id, const std::string& text) {
  return match_watched(load_watched(w, group_id), text);
}

core::error blocked_word(std::string field) {
  return core::error::validation(std::move(field), {"Ce message contient un terme que ce groupe n'accepte pas. Merci de le reformuler.",
                                                    "This message holds a term this group does not accept. Please rephrase it."});
}

namespace {

struct screened {
  core::result<void> allowed;
  std::optional<watched_hit> hit;
  std::int64_t group_id = 0;
  std::int64_t held_id = 0;
  std::vector<notify::notification> notes;
};

screened check_and_hold(pqxx::connection& c, const post_request& p) {
  screened out;
  {
    pqxx::nontransaction r(c);  // reads only (the common case): no BEGIN/COMMIT round trips
    auto s = standing(r, p.user_id, p.room);
    out.allowed = may_write(s);
    if (!out.allowed) return out;
    out.group_id = s.access.group_id;
    if (out.group_id) out.hit = screen(r, out.group_id, p.body);
  }
  if (out.hit && out.hit->action == "block") {
    out.allowed = blocked_word("body");
    return out;
  }
  if (out.hit && out.hit->action == "hold") {
    pqxx::work w(c);
    out.held_id = hold_post(w, out.group_id, p, out.hit->pattern, out.notes);
    w.commit();
  }
  return out;
}

}  // namespace

std::int64_t hold_post(pqxx::work& w, std::int64_t group_id, const post_request& p, const std::string& pattern,
                       std::vector<notify::notification>& notes) {
  auto r = w.exec_params("INSERT INTO held_posts (group_id, room, author_id, client_msg_id, body, reply_to, pattern) "
                         "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id",
                         group_id, p.room, p.user_id, p.client_msg_id, p.body, p.reply_to, pattern);
  if (r.empty())  // a retry of a post already held
    return w.exec_params1("SELECT id FROM held_posts WHERE room = $1 AND author_id = $2 AND client_msg_id = $3", p.room,
                          p.user_id, p.client_msg_id)[0]
        .as<std::int64_t>();
  auto id = r[0][0].as<std::int64_t>();
  json::writer d;
  d.begin_object().field("group_id", group_id).field("held_post_id", id).field("room", p.room).end_object();
  auto more = notify_users(w, moderators_of(w, group_id), "moderation",
                           {"Un message attend votre validation", "A post awaits your approval"},
                           {"Un message retenu par le mot surveillé « " + pattern + " » attend votre décision.",
                            "A post held by the watched word \"" + pattern + "\" awaits your decision."},
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
  return notify_users(w, moderators_of(w, group_id), "report", {"Message signalé", "Post flagged"},
                      {"Un message contient le mot surveillé « " + pattern + " ».",
                       "A post holds the watched word \"" + pattern + "\"."},
                      d.release());
}

awaitable<core::result<posted>> post_message(pg::pool& db, redis::publisher& pub, std::shared_ptr<roomlog::room_log> log,
                                             post_request p) {
  auto check = [p](pqxx::connection& c) { return check_and_hold(c, p); };
  auto s = co_await db.run(std::move(check));
  if (!s.allowed) co_return s.allowed.err();
  for (const auto& n : s.notes) notify::publish(pub, n);
  if (s.held_id) {
    posted out;
    out.held = true;
    out.held_id = s.held_id;
    co_return out;
  }
  roomlog::append_request a;
  a.room = p.room;
  a.kind = "message";
  a.author_id = p.user_id;
  a.client_msg_id = p.client_msg_id;
  a.body = p.body;
  a.reply_to = p.reply_to;
  auto r = co_await log->append(std::move(a));
  if (!r) co_return r.err();
  posted out{r->ev, r->duplicate, false, 0};
  if (s.hit && s.hit->action == "flag" && !r->duplicate) {
    auto flag = [gid = s.group_id, ev = r->ev, pattern = s.hit->pattern](pqxx::connection& c) {
      pqxx::work w(c);
      auto notes = flag_report(w, gid, ev, pattern);
      w.commit();
      return notes;
    };
    auto notes = co_await db.run(std::move(flag));
    for (const auto& n : notes) notify::publish(pub, n);
  }
  co_return out;
}

}  // namespace colibri::groups
