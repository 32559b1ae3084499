#include "colibri/groups/posting.hpp"

#include "colibri/core/log.hpp"
#include "colibri/moderation/watched_words.hpp"
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

std::optional<moderation::watched_hit> screen(pqxx::transaction_base& w, std::int64_t group_id, const std::string& text) {
  return moderation::match_watched(moderation::load_watched(w, group_id), text);
}

namespace {

struct screened {
  core::result<void> allowed;
  std::optional<moderation::watched_hit> hit;
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
    out.allowed = moderation::blocked_word("body");
    return out;
  }
  if (out.hit && out.hit->action == "hold") {
    pqxx::work w(c);
    out.held_id = moderation::hold_post(
        w, {out.group_id, p.room, p.user_id, p.client_msg_id, p.body, p.reply_to, out.hit->pattern}, out.notes);
    w.commit();
  }
  return out;
}

}  // namespace

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
      auto notes = moderation::flag_report(w, gid, ev, pattern);
      w.commit();
      return notes;
    };
    auto notes = co_await db.run(std::move(flag));
    for (const auto& n : notes) notify::publish(pub, n);
  }
  co_return out;
}

}  // namespace colibri::groups
