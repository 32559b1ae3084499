// Threads, room events over REST (the same room log as the socket), direct
// conversations and blocks.
#include <limits>

#include "colibri/core/clock.hpp"
#include "colibri/core/log.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/groups/authn.hpp"
#include "colibri/groups/community.hpp"
#include "colibri/groups/posting.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/pg/prepared.hpp"
#include "colibri/pg/sql_array.hpp"
#include "colibri/roomlog/access.hpp"
#include "colibri/roomlog/read_state.hpp"
#include "common.hpp"

namespace colibri::groups {

using namespace detail;

namespace {

void write_thread(json::writer& j, const pqxx::row& r) {
  auto id = r[0].as<std::int64_t>();
  j.begin_object()
      .field("id", id)
      .field("group_id", r[1].as<std::int64_t>())
      .field("room", "thread:" + std::to_string(id));
  j.field("title", r[2].as<std::string>());
  j.key("author");
  if (r[3].is_null())
    j.null();
  else
    j.begin_object().field("id", r[3].as<std::int64_t>()).field("handle", r[4].as<std::string>()).end_object();
  j.field("locked", r[5].as<bool>()).field("pinned", r[6].as<bool>());
  j.field("created_at", core::format_rfc3339_ms(r[7].as<std::int64_t>()));
  j.field("last_activity_at", core::format_rfc3339_ms(r[8].as<std::int64_t>()));
  j.field("post_count", r[9].as<std::int64_t>()).field("last_seq", r[10].as<std::int64_t>());
  j.field("read_seq", r[11].as<std::int64_t>()).field("unread", r[12].as<std::int64_t>()).end_object();
}

// Unread without counting the thread: the messages it holds (post_count,
// kept by a trigger) minus those the reader had read when they last marked it
// (read_markers.read_count) minus their own since; only their own messages
// are counted (the idempotency index finds them). $2 is the reader.
constexpr const char* k_thread_select =
    "SELECT t.id, t.group_id, t.title, t.author_id, coalesce(u.handle, ''), t.locked, t.pinned, "
    "(extract(epoch FROM t.created_at) * 1000)::bigint, (extract(epoch FROM t.last_activity_at) * 1000)::bigint, "
    "t.post_count, coalesce(r.last_seq, 0), coalesce(m.seq, 0), "
    "least(1000, greatest(0, t.post_count - coalesce(m.read_count, 0) - (SELECT count(*) FROM room_events e "
    "  WHERE e.room = 'thread:' || t.id AND e.author_id = $2 AND e.client_msg_id IS NOT NULL AND e.kind = 'message' "
    "  AND e.seq > coalesce(m.seq, 0) AND NOT EXISTS (SELECT 1 FROM room_events d WHERE d.room = e.room "
    "  AND d.kind = 'delete' AND d.target_seq = e.seq)))) "
    "FROM threads t LEFT JOIN users u ON u.id = t.author_id LEFT JOIN rooms r ON r.name = 'thread:' || t.id "
    "LEFT JOIN read_markers m ON m.user_id = $2 AND m.room = 'thread:' || t.id ";

std::string thread_json(pqxx::work& w, std::int64_t tid, std::int64_t uid) {
  auto r = w.exec_params1(std::string(k_thread_select) + "WHERE t.id = $1", tid, uid);
  json::writer j;
  j.begin_object().key("thread");
  write_thread(j, r);
  j.end_object();
  return j.release();
}

}  // namespace

awaitable<response> community::list_threads(request& req) {
  auto who = co_await authenticate(db_, req);
  if (!who) co_return fail(who.err(), req);
  auto gid = id_param(req, "id");
  if (!gid) co_return fail(group_not_found(), req);
  auto limit = limit_param(req, s_.page_default, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  auto before = query_id(req, "before");
  if (!before) co_return fail(before.err(), req);
  auto uid = who->user_id;
  auto job = [uid, gid = *gid, n = *limit, b = *before](pqxx::connection& c) -> core::result<std::string> {
    pqxx::nontransaction w(c);  // reads only: no BEGIN/COMMIT round trips
    // One statement for the common case (a member): membership and page together.
    static const std::string sql =
        std::string(k_thread_select) +
        "WHERE t.group_id = $1 AND EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = $1 AND m.user_id = $2) "
        "AND ($3::bigint IS NULL OR (t.last_activity_at, t.id) < "
        "  (SELECT b.last_activity_at, b.id FROM threads b WHERE b.id = $3 AND b.group_id = $1)) "
        "ORDER BY t.last_activity_at DESC, t.id DESC LIMIT $4";
    auto res = pg::exec_prepared(w, "colibri_list_threads", sql, gid, uid, b, n + 1);
    if (res.empty() &&
        w.exec_params("SELECT 1 FROM memberships WHERE group_id = $1 AND user_id = $2", gid, uid).empty()) {
      auto g = load_group(w, gid, uid);
      return g.visible() ? members_only() : group_not_found();
    }
    std::size_t shown = std::min<std::size_t>(res.size(), static_cast<std::size_t>(n));
    json::writer j;
    j.begin_object().key("threads").begin_array();
    for (std::size_t i = 0; i < shown; ++i) write_thread(j, res[i]);
    j.end_array().field("has_more", res.size() > shown).end_object();
    return j.release();
  };
  auto out = co_await db_.run(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return response::json(200, std::move(*out));
}

awaitable<response> community::create_thread(request& req) {
  auto who = co_await authenticate(db_, req, limits_, ratelimit::action::create);
  if (!who) co_return fail(who.err(), req);
  auto gid = id_param(req, "id");
  if (!gid) co_return fail(group_not_found(), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto title = f.text("title", json::required, 1, 200);
  auto body = f.text("body", json::required, 1, log_->opts().max_body_code_points);
  auto cmid = f.text("client_msg_id", json::optional, 1, 64);
  if (auto e = f.error()) co_return fail(*e, req);
  auto uid = who->user_id;
  // The title is the thread's own; its first post goes through the posting
  // policy below, and a refused one takes the new thread with it.
  auto job = [uid, gid = *gid, t = *title](pqxx::connection& c) -> core::result<std::int64_t> {
    pqxx::work w(c);
    auto s = standing(w, uid, "group:" + std::to_string(gid));
    if (auto ok = may_write(s); !ok) return s.hidden_group ? group_not_found() : ok.err();
    if (auto word = moderation::match_watched(moderation::load_watched(w, gid), t); word && word->action == "block")
      return moderation::blocked_word("title");
    auto id = w.exec_params1("INSERT INTO threads (group_id, author_id, title) VALUES ($1, $2, $3) RETURNING id", gid,
                             uid, t)[0]
                  .as<std::int64_t>();
    w.commit();
    return id;
  };
  auto tid = co_await db_.run(std::move(job));
  if (!tid) co_return fail(tid.err(), req);
  posting::request p;
  p.author_id = uid;
  p.room = "thread:" + std::to_string(*tid);
  p.body = std::move(*body);
  p.client_msg_id = cmid.value_or("thread-" + std::to_string(*tid));
  rest_room_policy policy(db_);
  auto d = doors();
  auto posted = co_await posting::post(d, policy, std::move(p));
  auto tid_v = *tid;
  if (!posted) {
    // Refused (a watched word, the rate): no empty thread stays behind.
    auto drop = [tid_v](pqxx::connection& c) {
      pqxx::work w(c);
      w.exec_params("DELETE FROM threads WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM room_events WHERE room = $2)",
                    tid_v, "thread:" + std::to_string(tid_v));
      w.commit();
    };
    co_await db_.run(std::move(drop));
    co_return fail(posted.err(), req);
  }
  auto load = [tid_v, uid](pqxx::connection& c) {
    pqxx::work w(c);
    auto out = thread_json(w, tid_v, uid);
    w.commit();
    return out;
  };
  co_return response::json(201, co_await db_.run(std::move(load)));
}

awaitable<response> community::thread_flag(request& req, const char* column, bool on, const char* action) {
  auto who = co_await authenticate(db_, req, limits_, ratelimit::action::edit);
  if (!who) co_return fail(who.err(), req);
  auto tid = id_param(req, "tid");
  auto missing = not_found(core::message(core::msg::thread_not_found));
  if (!tid) co_return fail(missing, req);
  auto uid = who->user_id;
  auto job = [=, col = std::string(column),
              act = std::string(action)](pqxx::connection& c) -> core::result<std::string> {
    pqxx::work w(c);
    auto r = w.exec_params("SELECT group_id FROM threads WHERE id = $1", *tid);
    if (r.empty()) return missing;
    auto g = load_group(w, r[0][0].as<std::int64_t>(), uid);
    if (!g.member()) return missing;  // a thread exists only for its group's members (F14)
    if (!g.moderator()) return moderators_only();
    w.exec_params("UPDATE threads SET " + col + " = $2 WHERE id = $1", *tid, on);
    audit(w, g.id, uid, act, std::nullopt, "thread:" + std::to_string(*tid), std::nullopt, "");
    auto out = thread_json(w, *tid, uid);
    w.commit();
    return out;
  };
  auto out = co_await db_.run(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return response::json(200, std::move(*out));
}

awaitable<response> community::list_events(request& req) {
  auto who = co_await authenticate(db_, req);
  if (!who) co_return fail(who.err(), req);
  auto ref = roomlog::parse_room(req.param("room"));
  if (!ref) co_return fail(room_not_found(), req);
  auto limit = limit_param(req, s_.page_default, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  auto before = query_id(req, "before");
  if (!before) co_return fail(before.err(), req);
  auto after = query_id(req, "after");
  if (!after) co_return fail(after.err(), req);
  if (*before && *after)
    co_return fail(core::error::validation("before", core::message(core::msg::before_or_after)), req);
  auto room = ref->name();
  auto uid = who->user_id;
  auto check = [uid, room](pqxx::connection& c) {
    pqxx::work w(c);
    auto s = standing(w, uid, room);
    w.commit();
    return may_read(s);
  };
  if (auto ok = co_await db_.run(std::move(check)); !ok) co_return fail(ok.err(), req);
  roomlog::page p;
  if (*after)
    p = co_await log_->read_after(room, **after, *limit);
  else
    p = co_await log_->read_before(room, before->value_or(std::numeric_limits<std::int64_t>::max()), *limit);
  json::writer j;
  j.begin_object().key("events").begin_array();
  for (const auto& e : p.events) j.raw(roomlog::event_json(e));
  j.end_array().field("has_more", p.has_more).end_object();
  co_return response::json(200, j.release());
}

awaitable<response> community::post_event(request& req) {
  auto who = co_await authenticate(db_, req);
  if (!who) co_return fail(who.err(), req);
  auto ref = roomlog::parse_room(req.param("room"));
  if (!ref) co_return fail(room_not_found(), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto kind = f.text("kind", json::required, 1, 16);
  if (kind && *kind != "message") f.fail("kind", core::message(core::msg::only_messages_posted));
  auto body = f.text("body", json::required, 1, log_->opts().max_body_code_points);
  auto cmid = f.text("client_msg_id", json::required, 1, 64);
  auto reply_to = f.integer("reply_to", json::optional, 1, k_max_id);
  if (auto e = f.error()) co_return fail(*e, req);
  posting::request p;
  p.author_id = who->user_id;
  p.room = ref->name();
  p.body = std::move(*body);
  p.client_msg_id = std::move(*cmid);
  p.reply_to = reply_to;
  rest_room_policy policy(db_);
  auto d = doors();
  auto posted = co_await posting::post(d, policy, std::move(p));
  if (!posted) co_return fail(posted.err(), req);
  if (posted->held) {
    json::writer j;
    j.begin_object().key("held_post").begin_object().field("id", posted->held_id).field("room", ref->name());
    j.field("state", "held").end_object().end_object();
    co_return response::json(202, j.release());
  }
  json::writer j;
  j.begin_object().key("event").raw(roomlog::event_json(posted->ev)).end_object();
  co_return response::json(posted->duplicate ? 200 : 201, j.release());
}

namespace {

// The caller's direct conversations (or one of them): members, the room's
// last seq, the caller's read marker and the last event's time, most recent
// first.
pqxx::result conversations_of(pqxx::work& w, std::int64_t uid, std::optional<std::int64_t> only) {
  return w.exec_params(
      "SELECT c.conversation_id, coalesce(r.last_seq, 0), coalesce(m.seq, 0), "
      "  (SELECT (extract(epoch FROM e.created_at) * 1000)::bigint FROM room_events e "
      "    WHERE e.room = 'dm:' || c.conversation_id AND e.seq = r.last_seq), "
      "  (SELECT json_agg(json_build_object('id', u.id, 'handle', u.handle) ORDER BY u.id)::text "
      "    FROM conversation_members o JOIN users u ON u.id = o.user_id WHERE o.conversation_id = c.conversation_id) "
      "FROM conversation_members c LEFT JOIN rooms r ON r.name = 'dm:' || c.conversation_id "
      "LEFT JOIN read_markers m ON m.user_id = c.user_id AND m.room = 'dm:' || c.conversation_id "
      "WHERE c.user_id = $1 AND ($2::bigint IS NULL OR c.conversation_id = $2) ORDER BY 4 DESC NULLS LAST, 1 DESC "
      "LIMIT 200",
      uid, only);
}

void write_conversation(json::writer& j, const pqxx::row& r) {
  auto cid = r[0].as<std::int64_t>();
  j.begin_object()
      .field("id", cid)
      .field("room", "dm:" + std::to_string(cid))
      .key("members")
      .raw(r[4].as<std::string>());
  j.field("last_seq", r[1].as<std::int64_t>()).field("read_seq", r[2].as<std::int64_t>()).key("last_activity_at");
  if (r[3].is_null())
    j.null();
  else
    j.value(core::format_rfc3339_ms(r[3].as<std::int64_t>()));
  j.end_object();
}

}  // namespace

awaitable<response> community::list_conversations(request& req) {
  auto who = co_await authenticate(db_, req);
  if (!who) co_return fail(who.err(), req);
  auto job = [uid = who->user_id](pqxx::connection& c) {
    pqxx::work w(c);
    json::writer j;
    j.begin_object().key("conversations").begin_array();
    for (auto r : conversations_of(w, uid, std::nullopt)) write_conversation(j, r);
    j.end_array().end_object();
    w.commit();
    return j.release();
  };
  co_return response::json(200, co_await db_.run(std::move(job)));
}

awaitable<response> community::create_conversation(request& req) {
  auto who = co_await authenticate(db_, req, limits_, ratelimit::action::create);
  if (!who) co_return fail(who.err(), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  std::vector<std::int64_t> others;
  auto ids = doc->find("user_ids");
  bool ok = ids && ids->as_array() && !ids->as_array()->empty() && ids->as_array()->size() <= 20;
  if (ok)
    for (const auto& v : *ids->as_array()) {
      auto n = v.as_int();
      if (!n || *n < 1 || *n > k_max_id)
        ok = false;
      else if (*n != who->user_id)
        others.push_back(*n);
    }
  std::sort(others.begin(), others.end());
  others.erase(std::unique(others.begin(), others.end()), others.end());
  if (!ok || others.empty())
    co_return fail(core::error::validation("user_ids", core::message(core::msg::bad_dm_user_ids)), req);
  auto uid = who->user_id;
  auto job = [uid, others](pqxx::connection& c) -> core::result<std::string> {
    pqxx::work w(c);
    std::vector<std::optional<std::int64_t>> o(others.begin(), others.end());
    auto arr = pg::bigint_array(o);
    // Each must share a group with the caller, and neither may have blocked the other.
    auto ok =
        w.exec_params1(
             "SELECT count(*) FROM unnest($2::bigint[]) AS x(id) JOIN users u ON u.id = x.id AND u.deleted_at IS NULL "
             "WHERE EXISTS (SELECT 1 FROM memberships a JOIN memberships b ON a.group_id = b.group_id "
             "  WHERE a.user_id = $1 AND b.user_id = x.id) "
             "AND NOT EXISTS (SELECT 1 FROM blocks k WHERE (k.blocker_id = $1 AND k.blocked_id = x.id) "
             "  OR (k.blocker_id = x.id AND k.blocked_id = $1))",
             uid, arr)[0]
            .as<std::size_t>();
    if (ok != others.size())
      return core::error::make(core::errc::forbidden, core::message(core::msg::dm_shared_group_only), "user_ids");
    std::vector<std::optional<std::int64_t>> all(o);
    all.push_back(uid);
    auto all_arr = pg::bigint_array(all);
    // The same people already have a conversation: reuse it.
    // Only the caller's own conversations are looked at (by index), never
    // the whole table (F19).
    auto existing = w.exec_params(
        "SELECT c.conversation_id FROM conversation_members mine JOIN conversation_members c "
        "  ON c.conversation_id = mine.conversation_id WHERE mine.user_id = $2 GROUP BY c.conversation_id "
        "HAVING array_agg(c.user_id ORDER BY c.user_id) = (SELECT array_agg(x ORDER BY x) FROM unnest($1::bigint[]) x) "
        "LIMIT 1",
        all_arr, uid);
    std::int64_t cid;
    if (!existing.empty()) {
      cid = existing[0][0].as<std::int64_t>();
    } else {
      cid = w.exec("INSERT INTO conversations DEFAULT VALUES RETURNING id")[0][0].as<std::int64_t>();
      w.exec_params("INSERT INTO conversation_members (conversation_id, user_id) SELECT $1, unnest($2::bigint[])", cid,
                    all_arr);
    }
    json::writer j;
    j.begin_object().key("conversation");
    write_conversation(j, conversations_of(w, uid, cid).at(0));
    j.end_object();
    w.commit();
    return j.release();
  };
  auto out = co_await db_.run(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return response::json(201, std::move(*out));
}

awaitable<response> community::block_user(request& req, bool on) {
  auto who = co_await authenticate(db_, req, limits_, ratelimit::action::edit);
  if (!who) co_return fail(who.err(), req);
  auto target = id_param(req, "uid");
  auto missing = not_found(core::message(core::msg::person_not_found));
  if (!target || *target == who->user_id) co_return fail(missing, req);
  auto uid = who->user_id;
  auto job = [=](pqxx::connection& c) -> std::optional<core::error> {
    pqxx::work w(c);
    // Any id answers alike (204): whether an account exists, or was erased,
    // is nobody's to learn here (F14). Only live accounts are stored.
    if (on)
      w.exec_params(
          "INSERT INTO blocks (blocker_id, blocked_id) SELECT $1, id FROM users WHERE id = $2 AND deleted_at IS NULL "
          "ON CONFLICT DO NOTHING",
          uid, *target);
    else
      w.exec_params("DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2", uid, *target);
    w.commit();
    return std::nullopt;
  };
  if (auto e = co_await db_.run(std::move(job))) co_return fail(*e, req);
  co_return response::no_content();
}

}  // namespace colibri::groups
