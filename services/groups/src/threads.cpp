// Threads, room events over REST (the same room log as the socket), direct
// conversations and blocks.
#include "repo/threads.hpp"

#include <limits>

#include "api.hpp"
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
#include "errors.hpp"
#include "joining.hpp"
#include "params.hpp"
#include "repo/audit.hpp"
#include "repo/groups.hpp"
#include "repo/memberships.hpp"
#include "repo/users.hpp"
#include "views.hpp"

namespace colibri::groups {

using namespace detail;

void rooms_api::add_routes(http::router& r) {
  using ratelimit::action;
  auto edit = [&](const char* column, bool on, const char* audit) {
    return signed_in(db_, limits_, action::edit, member(this, &rooms_api::thread_flag, column, on, audit));
  };
  r.get("/api/v1/groups/{id}/threads", signed_in(db_, member(this, &rooms_api::list_threads)));
  r.post("/api/v1/groups/{id}/threads",
         signed_in(db_, limits_, action::create, member(this, &rooms_api::create_thread)));
  r.post("/api/v1/threads/{tid}/lock", edit("locked", true, "lock_thread"));
  r.post("/api/v1/threads/{tid}/unlock", edit("locked", false, "unlock_thread"));
  r.post("/api/v1/threads/{tid}/pin", edit("pinned", true, "pin_thread"));
  r.post("/api/v1/threads/{tid}/unpin", edit("pinned", false, "unpin_thread"));
  r.get("/api/v1/rooms/{room}/events", signed_in(db_, member(this, &rooms_api::list_events)));
  r.post("/api/v1/rooms/{room}/events", signed_in(db_, member(this, &rooms_api::post_event)));
  r.post("/api/v1/conversations",
         signed_in(db_, limits_, action::create, member(this, &rooms_api::create_conversation)));
  r.get("/api/v1/conversations", signed_in(db_, member(this, &rooms_api::list_conversations)));
  r.put("/api/v1/blocks/{uid}", signed_in(db_, limits_, action::edit, member(this, &rooms_api::block_user, true)));
  r.del("/api/v1/blocks/{uid}", signed_in(db_, limits_, action::edit, member(this, &rooms_api::block_user, false)));
}

namespace {
void write_thread(json::writer& j, const repo::thread_row& t) {
  j.begin_object().field("id", t.id).field("group_id", t.group_id).field("room", "thread:" + std::to_string(t.id));
  j.field("title", t.title);
  write_person(j, "author", t.author_id, t.author_handle);
  j.field("locked", t.locked).field("pinned", t.pinned);
  j.field("created_at", core::format_rfc3339_ms(t.created_ms));
  j.field("last_activity_at", core::format_rfc3339_ms(t.last_activity_ms));
  j.field("post_count", t.post_count).field("last_seq", t.last_seq);
  j.field("read_seq", t.read_seq).field("unread", t.unread).end_object();
}

std::string thread_json(const repo::thread_row& t) {
  json::writer j;
  j.begin_object().key("thread");
  write_thread(j, t);
  j.end_object();
  return j.release();
}

}  // namespace

awaitable<response> rooms_api::list_threads(request& req, const caller& who) {
  auto gid = id_param(req, "id");
  if (!gid) co_return fail(group_not_found(), req);
  auto limit = limit_param(req, s_.page_default, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  auto before = query_id(req, "before");
  if (!before) co_return fail(before.err(), req);
  auto uid = who.user_id;
  auto job = [uid, gid = *gid, n = *limit, b = *before](pqxx::nontransaction& w) -> core::result<std::string> {
    auto rows = repo::list_threads(w, gid, uid, b, n + 1);
    if (rows.empty() && !repo::is_member(w, gid, uid))
      return repo::load_group(w, gid, uid).visible() ? members_only() : group_not_found();
    return page_json("threads", rows, n, write_thread);
  };
  auto out = co_await db_.read(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return response::json(200, std::move(*out));
}

awaitable<response> rooms_api::create_thread(request& req, const caller& who) {
  auto gid = id_param(req, "id");
  if (!gid) co_return fail(group_not_found(), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto title = f.text("title", json::required, 1, 200);
  auto body = f.text("body", json::required, 1, log_->opts().max_body_code_points);
  auto cmid = f.text("client_msg_id", json::optional, 1, 64);
  if (auto e = f.error()) co_return fail(*e, req);
  auto uid = who.user_id;
  // The title is the thread's own; its first post goes through the posting
  // policy below, and a refused one takes the new thread with it.
  auto job = [uid, gid = *gid, t = *title](pqxx::work& w) -> core::result<std::int64_t> {
    auto s = standing(w, uid, "group:" + std::to_string(gid));
    if (auto ok = may_write(s); !ok) return s.hidden_group ? group_not_found() : ok.err();
    if (auto word = moderation::match_watched(moderation::load_watched(w, gid), t); word && word->action == "block")
      return moderation::blocked_word("title");
    return repo::insert_thread(w, gid, uid, t);
  };
  auto tid = co_await db_.transact(std::move(job));
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
    auto drop = [tid_v](pqxx::work& w) { repo::delete_empty_thread(w, tid_v); };
    co_await db_.transact(std::move(drop));
    co_return fail(posted.err(), req);
  }
  auto load = [tid_v, uid](pqxx::nontransaction& w) { return repo::thread_by_id(w, tid_v, uid); };
  co_return response::json(201, thread_json(co_await db_.read(std::move(load))));
}

awaitable<response> rooms_api::thread_flag(request& req, const caller& who, const char* column, bool on,
                                           const char* action) {
  auto flag = std::string_view(column) == "locked" ? repo::thread_flag::locked : repo::thread_flag::pinned;
  auto tid = id_param(req, "tid");
  auto missing = not_found(core::msg::thread_not_found);
  if (!tid) co_return fail(missing, req);
  auto uid = who.user_id;
  auto job = [=, act = std::string(action)](pqxx::work& w) -> core::result<repo::thread_row> {
    auto gid = repo::thread_group(w, *tid);
    if (!gid) return missing;
    auto g = repo::load_group(w, *gid, uid);
    if (!g.member()) return missing;  // a thread exists only for its group's members (F14)
    if (!g.moderator()) return moderators_only();
    repo::set_thread_flag(w, *tid, flag, on);
    repo::audit(w, g.id, uid, act, std::nullopt, "thread:" + std::to_string(*tid), std::nullopt, "");
    return repo::thread_by_id(w, *tid, uid);
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return response::json(200, thread_json(*out));
}

awaitable<response> rooms_api::list_events(request& req, const caller& who) {
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
  auto uid = who.user_id;
  auto check = [uid, room](pqxx::nontransaction& w) { return may_read(standing(w, uid, room)); };
  if (auto ok = co_await db_.read(std::move(check)); !ok) co_return fail(ok.err(), req);
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

awaitable<response> rooms_api::post_event(request& req, const caller& who) {
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
  auto structure_id = f.integer("structure_id", json::optional, 1, k_max_id);
  auto mentions = f.integers("mentions", json::optional, 1, k_max_id, posting::k_max_mentions, 0);
  if (auto e = f.error()) co_return fail(*e, req);
  posting::request p;
  p.author_id = who.user_id;
  p.room = ref->name();
  p.body = std::move(*body);
  p.client_msg_id = std::move(*cmid);
  p.reply_to = reply_to;
  p.structure_id = structure_id;
  p.mentions = mentions.value_or(std::vector<std::int64_t>{});
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
void write_conversation(json::writer& j, const repo::conversation_row& c) {
  j.begin_object().field("id", c.id).field("room", "dm:" + std::to_string(c.id)).key("members").raw(c.members_json);
  j.field("last_seq", c.last_seq).field("read_seq", c.read_seq).key("last_activity_at");
  if (c.last_activity_ms)
    j.value(core::format_rfc3339_ms(*c.last_activity_ms));
  else
    j.null();
  j.end_object();
}

}  // namespace

awaitable<response> rooms_api::list_conversations(request&, const caller& who) {
  auto job = [uid = who.user_id](pqxx::nontransaction& w) { return repo::conversations_of(w, uid, std::nullopt); };
  auto rows = co_await db_.read(std::move(job));
  json::writer j;
  j.begin_object().key("conversations").begin_array();
  for (const auto& c : rows) write_conversation(j, c);
  j.end_array().end_object();
  co_return response::json(200, j.release());
}

awaitable<response> rooms_api::create_conversation(request& req, const caller& who) {
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
      else if (*n != who.user_id)
        others.push_back(*n);
    }
  std::sort(others.begin(), others.end());
  others.erase(std::unique(others.begin(), others.end()), others.end());
  if (!ok || others.empty())
    co_return fail(core::error::validation("user_ids", core::message(core::msg::bad_dm_user_ids)), req);
  auto uid = who.user_id;
  auto job = [uid, others](pqxx::work& w) -> core::result<repo::conversation_row> {
    // Each must share a group with the caller, and neither may have blocked the other.
    if (repo::reachable(w, uid, others) != others.size())
      return core::error::make(core::errc::forbidden, core::message(core::msg::dm_shared_group_only), "user_ids");
    // The same people already have a conversation: reuse it.
    auto all = others;
    all.push_back(uid);
    auto cid = repo::conversation_of(w, uid, all);
    return repo::conversations_of(w, uid, cid).at(0);
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  json::writer j;
  j.begin_object().key("conversation");
  write_conversation(j, *out);
  j.end_object();
  co_return response::json(201, j.release());
}

awaitable<response> rooms_api::block_user(request& req, const caller& who, bool on) {
  auto target = id_param(req, "uid");
  auto missing = not_found(core::msg::person_not_found);
  if (!target || *target == who.user_id) co_return fail(missing, req);
  auto uid = who.user_id;
  // Any id answers alike (204): whether an account exists, or was erased, is
  // nobody's to learn here (F14). Only live accounts are stored.
  auto job = [=](pqxx::work& w) {
    if (on)
      repo::block(w, uid, *target);
    else
      repo::unblock(w, uid, *target);
  };
  co_await db_.transact(std::move(job));
  co_return response::no_content();
}

}  // namespace colibri::groups
