#include "colibri/posting/post.hpp"

#include "colibri/core/messages.hpp"
#include "colibri/json/writer.hpp"
#include "colibri/notify/notifications.hpp"
#include "colibri/pg/sql_array.hpp"

namespace colibri::posting {

namespace {

ratelimit::action action_of(kind k) {
  switch (k) {
    case kind::message:
      return ratelimit::action::post;
    case kind::edit:
    case kind::remove:
      return ratelimit::action::edit;
    case kind::react:
      return ratelimit::action::react;
  }
  return ratelimit::action::post;
}

const char* log_kind(kind k) {
  switch (k) {
    case kind::message:
      return "message";
    case kind::edit:
      return "edit";
    case kind::remove:
      return "delete";
    case kind::react:
      return "reaction";
  }
  return "message";
}

// The message an edit, delete or reaction aims at (and whether it is gone),
// and whether a reply's target is a message of the room: one statement.
struct target_state {
  bool found = false;
  bool deleted = false;
  std::int64_t author_id = 0;
};

target_state find_message(pqxx::connection& c, const std::string& room, std::int64_t seq) {
  pqxx::nontransaction w(c);
  auto res = w.exec_params(
      "SELECT coalesce(author_id, 0), EXISTS (SELECT 1 FROM room_events d WHERE d.room = e.room AND d.kind = 'delete' "
      "AND d.target_seq = e.seq) FROM room_events e WHERE e.room = $1 AND e.seq = $2 AND e.kind = 'message'",
      room, seq);
  if (res.empty()) return {};
  return {true, res[0][1].as<bool>(), res[0][0].as<std::int64_t>()};
}

core::error not_own() {
  return core::error::make(core::errc::forbidden, core::message(core::msg::own_messages_only), "seq");
}

core::error reply_not_found() {
  return core::error::validation("reply_to", core::message(core::msg::reply_target_missing));
}

// One `reply` or `mention` notification per person for a new message: the
// replied-to author and the mentioned, if they may read the room (members of
// its group, or of the conversation), are not its author, and have not
// blocked the author; a reply counts once even when also a mention.
std::vector<notify::notification> notify_addressed(pqxx::work& w, const roomlog::event& ev,
                                                   std::optional<std::int64_t> replied,
                                                   const std::vector<std::int64_t>& mentions) {
  std::vector<std::optional<std::int64_t>> ids(mentions.begin(), mentions.end());
  if (replied) ids.push_back(*replied);
  auto rows = w.exec_params(
      "WITH r AS (SELECT $2::text AS room, split_part($2, ':', 1) AS kind, "
      "  nullif(split_part($2, ':', 2), '')::bigint AS id), "
      "g AS (SELECT CASE WHEN r.kind = 'group' THEN r.id WHEN r.kind = 'thread' THEN "
      "  (SELECT group_id FROM threads WHERE id = r.id) END AS group_id FROM r) "
      "SELECT u.id, u.id = $3, (SELECT handle FROM users WHERE id = $4), "
      "  (SELECT name FROM groups WHERE id = g.group_id), g.group_id "
      "FROM users u, r, g WHERE u.id = ANY($1::bigint[]) AND u.id <> $4 AND u.deleted_at IS NULL "
      "AND CASE WHEN r.kind = 'dm' THEN EXISTS (SELECT 1 FROM conversation_members c "
      "  WHERE c.conversation_id = r.id AND c.user_id = u.id) "
      "  ELSE EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = g.group_id AND m.user_id = u.id) END "
      "AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = u.id AND b.blocked_id = $4) ORDER BY u.id",
      pg::bigint_array(ids), ev.room, replied.value_or(0), ev.author_id.value_or(0));
  std::vector<std::int64_t> replies, named;
  std::string handle, place;
  std::optional<std::int64_t> group_id;
  for (auto row : rows) {
    (row[1].as<bool>() ? replies : named).push_back(row[0].as<std::int64_t>());
    handle = row[2].is_null() ? "" : row[2].as<std::string>();
    if (!row[3].is_null()) place = row[3].as<std::string>();
    if (!row[4].is_null()) group_id = row[4].as<std::int64_t>();
  }
  json::writer d;
  d.begin_object().field("room", ev.room).field("seq", ev.seq).field("user_id", ev.author_id.value_or(0));
  if (group_id) d.field("group_id", *group_id);
  d.end_object();
  auto data = d.release();
  auto where = group_id ? core::message(core::msg::note_in_group, {{"group", place}})
                        : core::message(core::msg::note_in_conversation);
  auto out =
      notify::insert_for(w, replies, "reply", core::message(core::msg::note_reply, {{"handle", handle}}), where, data);
  auto more = notify::insert_for(w, named, "mention", core::message(core::msg::note_mention, {{"handle", handle}}),
                                 where, data);
  out.insert(out.end(), more.begin(), more.end());
  if (ev.room.starts_with("dm:")) {
    // The other side of a direct conversation, unless named above, blocking
    // the author, or still holding an unread `dm` of this conversation (one
    // at a time: "X wrote to you" until read).
    std::vector<std::optional<std::int64_t>> told(replies.begin(), replies.end());
    told.insert(told.end(), named.begin(), named.end());
    std::vector<std::int64_t> others;
    for (auto row :
         w.exec_params("SELECT c.user_id FROM conversation_members c WHERE c.conversation_id = $1 AND c.user_id <> $2 "
                       "AND c.user_id <> ALL($3::bigint[]) "
                       "AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = c.user_id AND b.blocked_id = $2) "
                       "AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = c.user_id AND n.kind = 'dm' "
                       "  AND n.read_at IS NULL AND n.data->>'room' = $4) ORDER BY c.user_id",
                       std::stoll(ev.room.substr(3)), ev.author_id.value_or(0), pg::bigint_array(told), ev.room))
      others.push_back(row[0].as<std::int64_t>());
    if (handle.empty() && ev.author_id)
      handle = w.exec_params1("SELECT handle FROM users WHERE id = $1", *ev.author_id)[0].as<std::string>();
    auto dms = notify::insert_for(w, others, "dm", core::message(core::msg::note_dm, {{"handle", handle}}),
                                  core::message(core::msg::note_in_conversation), data);
    out.insert(out.end(), dms.begin(), dms.end());
  }
  return out;
}

}  // namespace

core::error target_not_found() {
  return core::error::make(core::errc::not_found, core::message(core::msg::message_not_found), "seq");
}

awaitable<core::result<outcome>> post(doors d, room_policy& policy, request r) {
  auto rate = co_await d.limits.take(ratelimit::user_subject(r.author_id), action_of(r.kind));
  if (!rate.allowed) co_return rate.error();

  auto access = co_await policy.writable(r.author_id, r.room);
  if (!access) co_return access.err();

  // The target of a change must be a live message of this room: only its
  // author edits it (or reacts... anyone does), its author or a moderator
  // deletes it. A reply must answer a message of this room.
  std::optional<std::int64_t> replied;  // the replied-to author
  if (r.kind != kind::message || r.reply_to) {
    auto seq = r.kind == kind::message ? *r.reply_to : r.target_seq.value_or(0);
    auto lookup = [room = r.room, seq](pqxx::connection& c) { return find_message(c, room, seq); };
    auto t = co_await d.db.run(std::move(lookup));
    if (r.kind == kind::message) {
      if (!t.found) co_return reply_not_found();
      if (t.author_id) replied = t.author_id;
    } else {
      if (!t.found || t.deleted) co_return target_not_found();
      bool own = t.author_id == r.author_id;
      if ((r.kind == kind::edit && !own) || (r.kind == kind::remove && !own && !access->moderator)) co_return not_own();
    }
  }

  // A card must name a structure of the directory (orientation, never a person).
  if (r.kind == kind::message && r.structure_id) {
    auto lookup = [id = *r.structure_id](pqxx::connection& c) {
      pqxx::nontransaction w(c);
      return !w.exec_params("SELECT 1 FROM care_structures WHERE id = $1", id).empty();
    };
    bool exists = co_await d.db.run(std::move(lookup));
    if (!exists) co_return core::error::validation("structure_id", core::message(core::msg::structure_not_found));
  }

  // The group's watched words, on every text a member writes: a message's
  // body, an edit's, a reaction's emoji. Only a new message can be held; a
  // word that would hold or block refuses an edit or a reaction.
  std::optional<moderation::watched_hit> hit;
  const std::optional<std::string>& text = r.kind == kind::react ? r.emoji : r.body;
  if (access->group_id && text) {
    auto rules = co_await policy.watched(access->group_id);
    if (rules) hit = moderation::match_watched(*rules, *text);
  }
  const char* field = r.kind == kind::react ? "emoji" : "body";
  if (hit && hit->action == "block") co_return moderation::blocked_word(field);
  if (hit && hit->action == "hold") {
    if (r.kind != kind::message) co_return moderation::blocked_word(field);
    moderation::held_request h{access->group_id, r.room,     r.author_id,  r.client_msg_id.value_or(""),
                               *r.body,          r.reply_to, hit->pattern, r.structure_id};
    auto job = [h = std::move(h)](pqxx::connection& c) {
      pqxx::work w(c);
      std::vector<notify::notification> notes;
      auto id = moderation::hold_post(w, h, notes);
      w.commit();
      return std::pair{id, std::move(notes)};
    };
    auto [held_id, notes] = co_await d.db.run(std::move(job));
    for (const auto& n : notes) notify::publish(d.pub, n);
    outcome o;
    o.held = true;
    o.held_id = held_id;
    co_return o;
  }

  roomlog::append_request a;
  a.room = r.room;
  a.kind = log_kind(r.kind);
  a.author_id = r.author_id;
  a.client_msg_id = r.client_msg_id;
  a.body = r.body;
  a.reply_to = r.reply_to;
  a.structure_id = r.kind == kind::message ? r.structure_id : std::nullopt;
  a.target_seq = r.target_seq;
  a.emoji = r.emoji;
  a.on = r.on;
  co_await policy.before_append();
  auto res = co_await d.log.append(std::move(a));
  if (!res) co_return res.err();
  outcome o{res->ev, res->duplicate, false, 0, std::move(res->frame)};
  bool direct = r.room.starts_with("dm:");
  if (r.kind == kind::message && !res->duplicate && (replied || !r.mentions.empty() || direct)) {
    auto job = [ev = res->ev, replied, mentions = r.mentions](pqxx::connection& c) {
      pqxx::work w(c);
      auto notes = notify_addressed(w, ev, replied, mentions);
      w.commit();
      return notes;
    };
    auto notes = co_await d.db.run(std::move(job));
    for (const auto& n : notes) notify::publish(d.pub, n);
  }
  if (hit && hit->action == "flag" && !res->duplicate) {
    auto job = [gid = access->group_id, ev = res->ev, p = hit->pattern](pqxx::connection& c) {
      pqxx::work w(c);
      auto notes = moderation::flag_report(w, gid, ev, p);
      w.commit();
      return notes;
    };
    auto notes = co_await d.db.run(std::move(job));
    for (const auto& n : notes) notify::publish(d.pub, n);
  }
  co_return o;
}

core::error cannot_write(const roomlog::room_access& a) {
  auto m = a.muted    ? core::msg::cannot_write_here
           : a.locked ? core::msg::thread_locked
                      : core::msg::cannot_write_conversation;
  return core::error::make(core::errc::forbidden, core::message(m));
}

}  // namespace colibri::posting
