#include "colibri/roomlog/room_log.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "colibri/core/log.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/core/utf8.hpp"
#include "colibri/pg/field.hpp"
#include "colibri/pg/sql_array.hpp"

namespace colibri::roomlog {

namespace {

using pg::bigint_array;
using pg::bool_array;
using pg::text_array;

constexpr const char* k_event_columns =
    "e.id, e.room, e.seq, e.kind, e.author_id, coalesce(u.handle, ''), e.body, e.target_seq, e.emoji, "
    "e.reaction_on, e.reply_to, (extract(epoch FROM e.created_at) * 1000)::bigint, "
    "s.id, s.name, s.kind, s.city, s.department, s.phone, s.website";
// The author's handle and the card of the structure a message carries, read
// from the directory whenever the event is read (never a copy).
constexpr const char* k_event_joins =
    " LEFT JOIN users u ON u.id = e.author_id LEFT JOIN care_structures s ON s.id = e.structure_id ";

// The k_event_columns of a row, starting at column `at`.
event read_event(const pqxx::row& r, int at = 0) {
  event e;
  e.id = r[at].as<std::int64_t>();
  e.room = r[at + 1].as<std::string>();
  e.seq = r[at + 2].as<std::int64_t>();
  e.kind = r[at + 3].as<std::string>();
  e.author_id = pg::opt<std::int64_t>(r[at + 4]);
  e.author_handle = r[at + 5].as<std::string>();
  e.body = pg::opt<std::string>(r[at + 6]);
  e.target_seq = pg::opt<std::int64_t>(r[at + 7]);
  e.emoji = pg::opt<std::string>(r[at + 8]);
  e.on = pg::opt<bool>(r[at + 9]);
  e.reply_to = pg::opt<std::int64_t>(r[at + 10]);
  e.at_ms = r[at + 11].as<std::int64_t>();
  if (!r[at + 12].is_null()) {
    structure_card c;
    c.id = r[at + 12].as<std::int64_t>();
    c.name = r[at + 13].as<std::string>();
    c.kind = r[at + 14].as<std::string>();
    c.city = r[at + 15].as<std::string>();
    c.department = r[at + 16].as<std::string>();
    c.phone = pg::opt<std::string>(r[at + 17]);
    c.website = pg::opt<std::string>(r[at + 18]);
    e.structure = std::move(c);
  }
  return e;
}

using idem_key = std::tuple<std::string, std::int64_t, std::string>;

std::optional<idem_key> key_of(const append_request& r) {
  if (!r.client_msg_id || !r.author_id) return std::nullopt;
  return idem_key{r.room, *r.author_id, *r.client_msg_id};
}

// A whole batch in one statement (one round trip, one implicit transaction):
// `old` finds retries already stored; the rest allocate their seqs by
// updating their rooms' rows (locked in name order, so concurrent writers in
// other processes neither deadlock nor leave holes) and are inserted, each
// room's requests numbered in request order. One row comes back per request:
// its ordinal, whether it was a retry, and the stored event.
constexpr const char* k_append_statement = "colibri_room_log_append";
const std::string k_append_sql =
    std::string(
        "WITH req AS (SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], "
        "  $7::text[], $8::boolean[], $9::bigint[], $10::bigint[]) WITH ORDINALITY "
        "  AS r(room, kind, author_id, client_msg_id, body, target_seq, emoji, reaction_on, reply_to, structure_id, "
        "i)), "
        "old AS (SELECT r.i, e.* FROM req r JOIN room_events e ON e.room = r.room AND e.author_id = r.author_id "
        "  AND e.client_msg_id = r.client_msg_id), "
        "fresh AS (SELECT r.*, count(*) OVER (PARTITION BY r.room) AS n, "
        "  row_number() OVER (PARTITION BY r.room ORDER BY r.i) AS k FROM req r WHERE r.i NOT IN (SELECT i FROM old)), "
        "alloc AS (INSERT INTO rooms AS rm (name, last_seq) SELECT room, count(*) FROM fresh GROUP BY room ORDER BY "
        "room "
        "  ON CONFLICT (name) DO UPDATE SET last_seq = rm.last_seq + EXCLUDED.last_seq RETURNING name, last_seq), "
        "numbered AS (SELECT f.*, a.last_seq - f.n + f.k AS seq FROM fresh f JOIN alloc a ON a.name = f.room), "
        "ins AS (INSERT INTO room_events (room, seq, kind, author_id, client_msg_id, body, target_seq, emoji, "
        "  reaction_on, reply_to, structure_id) SELECT room, seq, kind, author_id, client_msg_id, body, target_seq, "
        "  emoji, reaction_on, reply_to, structure_id FROM numbered ORDER BY room, seq RETURNING *) "
        "SELECT n.i, false, ") +
    k_event_columns + " FROM ins e JOIN numbered n ON n.room = e.room AND n.seq = e.seq" + k_event_joins +
    "UNION ALL SELECT e.i, true, " + k_event_columns + " FROM old e" + k_event_joins;

// One statement over the batch's first occurrences; a retry repeated inside
// the batch gets its first occurrence's event.
std::vector<append_result> write_batch_once(pqxx::connection& c, const std::vector<append_request>& reqs) {
  std::vector<append_result> out(reqs.size());
  std::map<idem_key, std::size_t> first_in_batch;
  std::vector<std::optional<std::size_t>> same_as(reqs.size());
  std::vector<std::size_t> sent;  // indexes of the requests in the statement
  std::vector<std::optional<std::string>> room, kind, cmid, body, emoji;
  std::vector<std::optional<std::int64_t>> author, target, reply, structure;
  std::vector<std::optional<bool>> on;
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    const auto& r = reqs[i];
    if (auto k = key_of(r)) {
      if (auto [it, added] = first_in_batch.emplace(*k, i); !added) {
        same_as[i] = it->second;
        continue;
      }
    }
    sent.push_back(i);
    room.push_back(r.room);
    kind.push_back(r.kind);
    author.push_back(r.author_id);
    cmid.push_back(r.client_msg_id);
    body.push_back(r.body);
    target.push_back(r.target_seq);
    emoji.push_back(r.emoji);
    on.push_back(r.on);
    reply.push_back(r.reply_to);
    structure.push_back(r.structure_id);
  }
  c.prepare(k_append_statement, k_append_sql);  // registered with the server on first use
  pqxx::nontransaction w(c);
  auto res = w.exec_prepared(k_append_statement, text_array(room), text_array(kind), bigint_array(author),
                             text_array(cmid), text_array(body), bigint_array(target), text_array(emoji),
                             bool_array(on), bigint_array(reply), bigint_array(structure));
  if (res.size() != sent.size()) throw std::logic_error("room log: one row per request expected");
  for (auto row : res) {
    auto& o = out[sent.at(row[0].as<std::size_t>() - 1)];
    o.duplicate = row[1].as<bool>();
    o.ev = read_event(row, 2);
  }
  for (std::size_t i = 0; i < reqs.size(); ++i)
    if (same_as[i]) {
      out[i].ev = out[*same_as[i]].ev;
      out[i].duplicate = true;
    }
  return out;
}

std::vector<append_result> write_batch(pqxx::connection& c, const std::vector<append_request>& reqs) {
  for (int attempt = 1;; ++attempt) {
    try {
      return write_batch_once(c, reqs);
    } catch (const pqxx::unique_violation&) {
      // A retry of one of these requests was committed by another process
      // after our statement's snapshot: run again, it is found this time.
      if (attempt == 3) throw;
    }
  }
}

bool has_nul(const std::optional<std::string>& s) { return s && s->find('\0') != std::string::npos; }

core::error invalid(std::string field, core::text t) { return core::error::validation(std::move(field), std::move(t)); }

}  // namespace

core::result<void> room_log::validate(const append_request& r, const options& o) {
  if (!parse_room(r.room)) return invalid("room", core::message(core::msg::room_not_found));
  static const std::set<std::string> kinds{"message", "edit", "delete", "reaction", "join", "leave", "system"};
  if (!kinds.count(r.kind)) return invalid("kind", core::message(core::msg::bad_event_kind));
  bool authored = r.kind != "system";
  if (authored && !r.author_id) return invalid("author", core::message(core::msg::missing_author));
  if (has_nul(r.body) || has_nul(r.emoji) || has_nul(r.client_msg_id))
    return invalid("body", core::message(core::msg::nul_character));
  if (r.client_msg_id) {
    auto n = core::code_points(*r.client_msg_id);
    if (!n || *n < 1 || *n > 64) return invalid("client_msg_id", core::message(core::msg::bad_client_msg_id));
  }
  bool needs_body = r.kind == "message" || r.kind == "edit" || r.kind == "system";
  if (needs_body) {
    auto n = r.body ? core::code_points(*r.body) : std::optional<std::size_t>{};
    if (!n || *n < 1 || *n > o.max_body_code_points)
      return invalid("body",
                     core::message(core::msg::message_length, {{"max", std::to_string(o.max_body_code_points)}}));
  }
  bool targets = r.kind == "edit" || r.kind == "delete" || r.kind == "reaction";
  if (targets && (!r.target_seq || *r.target_seq < 1)) return invalid("seq", core::message(core::msg::missing_target));
  if (r.kind == "reaction") {
    auto n = r.emoji ? core::code_points(*r.emoji) : std::optional<std::size_t>{};
    if (!n || *n < 1 || *n > 16) return invalid("emoji", core::message(core::msg::invalid_reaction));
    if (!r.on) return invalid("on", core::message(core::msg::reaction_needs_on));
  }
  if (r.reply_to && *r.reply_to < 1) return invalid("reply_to", core::message(core::msg::invalid_reply));
  return {};
}

std::shared_ptr<room_log> room_log::create(asio::any_io_executor ex, pg::pool& db, redis::publisher* pub, options o) {
  return std::shared_ptr<room_log>(new room_log(std::move(ex), db, pub, o));
}

room_log::room_log(asio::any_io_executor ex, pg::pool& db, redis::publisher* pub, options o) : db_(db), opts_(o) {
  pg::batcher_options bo{o.batch_max, o.batch_delay, o.max_inflight, o.queue_max};
  auto job = [](pqxx::connection& c, const std::vector<append_request>& reqs) { return write_batch(c, reqs); };
  // Announced after the commit, once per new event, never per recipient.
  auto committed = [pub](std::vector<append_result>& results) {
    for (auto& r : results) {
      r.frame = event_frame(r.ev);
      if (pub && !r.duplicate) pub->publish(room_channel(r.ev.room), r.frame);
    }
  };
  // One author's requests in a room never in two batches at once: a door
  // with several appends in flight (the socket's pipeline) keeps their order.
  auto key = [](const append_request& r) { return r.room + '\n' + std::to_string(r.author_id.value_or(0)); };
  batch_ = appender::create(std::move(ex), db, std::move(job), bo, std::move(committed), std::move(key));
}

awaitable<core::result<append_result>> room_log::append(append_request r) {
  if (auto v = validate(r, opts_); !v) co_return v.err();
  co_return co_await batch_->run(std::move(r));
}

core::result<event> append_in(pqxx::work& w, const append_request& r, const options& o) {
  if (auto v = room_log::validate(r, o); !v) return v.err();
  // The room's row is locked until the caller's commit: like a batch, this
  // leaves no hole, and one room per transaction cannot deadlock.
  auto res = w.exec_params(
      std::string(
          "WITH alloc AS (INSERT INTO rooms AS rm (name, last_seq) VALUES ($1, 1) "
          "  ON CONFLICT (name) DO UPDATE SET last_seq = rm.last_seq + 1 RETURNING last_seq), "
          "ins AS (INSERT INTO room_events (room, seq, kind, author_id, client_msg_id, body, target_seq, emoji, "
          "  reaction_on, reply_to, structure_id) SELECT $1, last_seq, $2, $3, $4, $5, $6, $7, $8, $9, $10 "
          "  FROM alloc RETURNING *) "
          "SELECT ") +
          k_event_columns + " FROM ins e" + k_event_joins,
      r.room, r.kind, r.author_id, r.client_msg_id, r.body, r.target_seq, r.emoji, r.on, r.reply_to, r.structure_id);
  return read_event(res.at(0));
}

std::vector<page> read_after_many(pqxx::work& w, const std::vector<std::string>& rooms,
                                  const std::vector<std::int64_t>& after, int limit) {
  std::vector<std::optional<std::string>> r(rooms.begin(), rooms.end());
  std::vector<std::optional<std::int64_t>> a(after.begin(), after.end());
  // One more than asked per room, to know whether there are more.
  auto res = w.exec_params(
      std::string("SELECT k.i, x.* FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS k(room, since, i) "
                  "CROSS JOIN LATERAL (SELECT ") +
          k_event_columns + " FROM room_events e" + k_event_joins +
          "WHERE e.room = k.room AND e.seq > k.since ORDER BY e.seq LIMIT $3) x ORDER BY k.i, 4",
      pg::text_array(r), pg::bigint_array(a), limit + 1);
  std::vector<page> out(rooms.size());
  for (auto row : res) {
    auto& p = out[row[0].as<std::size_t>() - 1];
    if (static_cast<int>(p.events.size()) == limit) {
      p.has_more = true;
      continue;
    }
    p.events.push_back(read_event(row, 1));
  }
  return out;
}

awaitable<page> room_log::read_after(std::string room, std::int64_t after_seq, int limit) {
  auto job = [room = std::move(room), after_seq, limit](pqxx::connection& c) {
    pqxx::work w(c);
    auto p = std::move(read_after_many(w, {room}, {after_seq}, limit).front());
    w.commit();
    return p;
  };
  co_return co_await db_.run(std::move(job));
}

awaitable<page> room_log::read_before(std::string room, std::int64_t before_seq, int limit) {
  // The `limit` events closest before before_seq, returned ascending, one
  // more than asked to know whether there are more.
  auto job = [room = std::move(room), before_seq, limit](pqxx::connection& c) {
    pqxx::work w(c);
    auto res = w.exec_params(std::string("SELECT ") + k_event_columns + " FROM room_events e" + k_event_joins +
                                 "WHERE e.room = $1 AND "
                                 "e.seq < $2 ORDER BY e.seq DESC LIMIT $3",
                             room, before_seq, limit + 1);
    page p;
    for (auto row : res) p.events.push_back(read_event(row));
    if (static_cast<int>(p.events.size()) > limit) {
      p.events.pop_back();
      p.has_more = true;
    }
    std::reverse(p.events.begin(), p.events.end());
    w.commit();
    return p;
  };
  co_return co_await db_.run(std::move(job));
}

awaitable<std::int64_t> room_log::last_seq(std::string room) {
  auto job = [room = std::move(room)](pqxx::connection& c) {
    pqxx::work w(c);
    auto r = w.exec_params("SELECT last_seq FROM rooms WHERE name = $1", room);
    w.commit();
    return r.empty() ? std::int64_t{0} : r[0][0].as<std::int64_t>();
  };
  co_return co_await db_.run(std::move(job));
}

void publish(redis::publisher& pub, const event& ev) { pub.publish(room_channel(ev.room), event_frame(ev)); }

}  // namespace colibri::roomlog
