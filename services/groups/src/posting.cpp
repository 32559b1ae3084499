#include "colibri/groups/posting.hpp"

#include "colibri/core/log.hpp"
#include "colibri/moderation/watched_words.hpp"
#include "errors.hpp"
#include "joining.hpp"
#include "params.hpp"
#include "repo/audit.hpp"
#include "repo/groups.hpp"
#include "repo/memberships.hpp"
#include "repo/threads.hpp"
#include "repo/users.hpp"
#include "views.hpp"

namespace colibri::groups {

using namespace detail;

core::error room_not_found() {
  return core::error::make(core::errc::not_found, core::message(core::msg::room_not_found));
}

room_standing standing(pqxx::transaction_base& w, std::int64_t uid, const std::string& room) {
  room_standing s;
  s.access = roomlog::check_access_many(w, {uid}, {room}).front();
  if (!s.access.member) {
    auto ref = roomlog::parse_room(room);
    std::optional<std::int64_t> gid;
    if (ref && ref->kind == roomlog::room_kind::group) gid = ref->id;
    if (ref && ref->kind == roomlog::room_kind::thread) {
      gid = repo::thread_group(w, ref->id);
    }
    // A thread exists only for its group's members: elsewhere it answers as
    // an unknown id does (F14), whether its group is listed or not.
    s.hidden_group = !gid || ref->kind == roomlog::room_kind::thread || !repo::load_group(w, *gid, uid).visible();
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
  return posting::cannot_write(s.access);
}

awaitable<core::result<roomlog::room_access>> rest_room_policy::writable(std::int64_t uid, const std::string& room) {
  struct answer {
    core::result<void> ok;
    roomlog::room_access access;
    std::vector<moderation::watched_hit> rules;
  };
  auto job = [uid, room](pqxx::nontransaction& r) {  // reads only: no BEGIN/COMMIT round trips
    answer out;
    auto s = standing(r, uid, room);
    out.ok = may_write(s);
    out.access = s.access;
    if (out.ok && s.access.group_id) out.rules = moderation::load_watched(r, s.access.group_id);
    return out;
  };
  auto a = co_await db_.read(std::move(job));
  if (!a.ok) co_return a.ok.err();
  rules_group_ = a.access.group_id;
  rules_ = std::make_shared<const std::vector<moderation::watched_hit>>(std::move(a.rules));
  co_return a.access;
}

awaitable<posting::watched_rules> rest_room_policy::watched(std::int64_t group_id) {
  if (rules_ && rules_group_ == group_id) co_return rules_;
  auto job = [group_id](pqxx::nontransaction& r) { return moderation::load_watched(r, group_id); };
  rules_group_ = group_id;
  rules_ = std::make_shared<const std::vector<moderation::watched_hit>>(co_await db_.read(std::move(job)));
  co_return rules_;
}

}  // namespace colibri::groups
