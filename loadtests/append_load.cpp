// colibri-append-load: the room log alone, without sockets or Redis.
//
// Appends messages through roomlog::room_log (the gateways' own write path:
// group commit, one statement per batch, fsync on commit) on a fixed
// schedule, spread over --rooms rooms and --authors authors, each with a
// client_msg_id. Latency runs from the scheduled time to the committed
// result. Afterwards it checks in PostgreSQL that every acked event is a row
// and that each room's seqs run 1..n without a hole. It measures what
// PostgreSQL and the batcher can take on this machine, to tell apart the cost
// of persistence from the cost of the sockets (colibri-chat-load).
//
//   colibri-append-load --pg-url URL --rate 20000 --seconds 10 [--warmup-seconds 2]
//     [--rooms 1000] [--authors 1000] [--pool 4] [--batch-max 256] [--delay-us 2000] [--inflight 2]
//
// The warm-up (connections opened, the statement prepared on each) is
// appended and checked but left out of the figures.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "colibri/net/asio.hpp"
#include "colibri/pg/pool.hpp"
#include "colibri/pg/sql_array.hpp"
#include "colibri/roomlog/room_log.hpp"
#include "histogram.hpp"

using namespace colibri;

namespace {

struct args {
  std::string pg_url;
  double rate = 10000;
  int seconds = 10, rooms = 1000, authors = 1000;
  int warmup_seconds = 2;  // appended and checked, not in the latency figures
  std::size_t pool = 4;
  roomlog::options log;
};

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct tally {
  histogram ack;
  std::int64_t measure_from = 0;  // scheduled times before it are the warm-up
  std::uint64_t sent = 0, acked = 0, failed = 0, measured = 0;
  std::map<std::string, std::int64_t> max_seq;  // per room, from the acks
};

awaitable<void> append_one(std::shared_ptr<roomlog::room_log> log, roomlog::append_request r, std::int64_t due,
                           tally& t) {
  try {
    auto res = co_await log->append(std::move(r));
    if (!res) {
      ++t.failed;
      co_return;
    }
    ++t.acked;
    if (due >= t.measure_from) {
      ++t.measured;
      t.ack.add(now_us() - due);
    }
    auto& m = t.max_seq[res->ev.room];
    m = std::max(m, res->ev.seq);
  } catch (const std::exception&) {
    ++t.failed;
  }
}

// Sends on schedule; all appends run on the one io thread, as in a gateway.
awaitable<void> schedule(std::shared_ptr<roomlog::room_log> log, const args& a, const std::vector<std::string>& rooms,
                         const std::vector<std::int64_t>& authors, std::string tag, tally& t) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex);
  const std::int64_t start = now_us() + 200'000;
  t.measure_from = start + a.warmup_seconds * 1'000'000LL;
  const auto total = static_cast<std::uint64_t>(a.rate * (a.seconds + a.warmup_seconds));
  const double step_us = 1e6 / a.rate;
  for (std::uint64_t i = 0; i < total;) {
    auto now = now_us();
    // Everything due by now leaves now: the timer's resolution is coarser than the step.
    for (; i < total && start + static_cast<std::int64_t>(i * step_us) <= now; ++i) {
      roomlog::append_request r;
      r.room = rooms[i % rooms.size()];
      r.kind = "message";
      r.author_id = authors[(i / rooms.size()) % authors.size()];
      r.client_msg_id = tag + "-" + std::to_string(i);
      r.body = "Tenir bon, une heure après l'autre. Message " + std::to_string(i);
      ++t.sent;
      asio::co_spawn(ex, append_one(log, std::move(r), start + static_cast<std::int64_t>(i * step_us), t),
                     asio::detached);
    }
    timer.expires_after(std::chrono::microseconds(200));
    co_await timer.async_wait(asio::use_awaitable);
  }
}

}  // namespace

int main(int argc, char** argv) {
  args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--pg-url")
      a.pg_url = v;
    else if (k == "--rate")
      a.rate = std::stod(v);
    else if (k == "--seconds")
      a.seconds = std::stoi(v);
    else if (k == "--rooms")
      a.rooms = std::stoi(v);
    else if (k == "--authors")
      a.authors = std::stoi(v);
    else if (k == "--warmup-seconds")
      a.warmup_seconds = std::stoi(v);
    else if (k == "--pool")
      a.pool = std::stoul(v);
    else if (k == "--batch-max")
      a.log.batch_max = std::stoul(v);
    else if (k == "--delay-us")
      a.log.batch_delay = std::chrono::microseconds(std::stoll(v));
    else if (k == "--inflight")
      a.log.max_inflight = std::stoul(v);
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  if (a.pg_url.empty() || a.rate <= 0 || a.seconds <= 0 || a.rooms <= 0 || a.authors <= 0) {
    std::cerr << "usage: colibri-append-load --pg-url URL --rate R --seconds S [--rooms N] [--authors N] [--pool N]\n";
    return 2;
  }
  auto tag = "append" + std::to_string(now_us());
  // Rooms that no other run uses (their names only need to be well formed:
  // the room log does not authorise), and authors that exist.
  std::vector<std::string> rooms;
  std::vector<std::int64_t> authors;
  {
    pqxx::connection c(a.pg_url);
    pqxx::work w(c);
    auto base = w.exec("SELECT coalesce(max(split_part(name, ':', 2)::bigint), 0) FROM rooms")[0][0].as<std::int64_t>();
    for (int r = 0; r < a.rooms; ++r) rooms.push_back("group:" + std::to_string(base + 1'000'000 + r));
    std::vector<std::optional<std::string>> emails, handles;
    for (int i = 0; i < a.authors; ++i) {
      emails.push_back(tag + "-" + std::to_string(i) + "@example.invalid");
      handles.push_back("a" + tag.substr(tag.size() - 8) + "-" + std::to_string(i));
    }
    for (auto row :
         w.exec_params("INSERT INTO users (email, handle, password_hash) SELECT e, h, 'load-test: no password' "
                       "FROM unnest($1::text[], $2::text[]) AS x(e, h) RETURNING id",
                       pg::text_array(emails), pg::text_array(handles)))
      authors.push_back(row[0].as<std::int64_t>());
    w.commit();
  }

  asio::io_context io(1);
  pg::pool db({a.pg_url, a.pool, 1'000'000, 5}, "colibri-append-load");
  auto log = roomlog::room_log::create(io.get_executor(), db, nullptr, a.log);
  tally t;
  auto t0 = now_us();
  asio::co_spawn(io, schedule(log, a, rooms, authors, tag, t), asio::detached);
  io.run();
  double secs = (now_us() - t0) / 1e6 - 0.2 - a.warmup_seconds;
  db.stop();

  std::printf(
      "appended %llu after the %d s warm-up (%.0f/s over %.1f s), failed %llu; ack latency ms p50 %.2f p99 %.2f "
      "p99.9 %.2f max %.2f\n",
      static_cast<unsigned long long>(t.measured), a.warmup_seconds, t.measured / secs, secs,
      static_cast<unsigned long long>(t.failed), t.ack.percentile(0.5), t.ack.percentile(0.99), t.ack.percentile(0.999),
      t.ack.max / 1000.0);

  // Every ack a row; every room 1..n without a hole.
  pqxx::connection c(a.pg_url);
  pqxx::work w(c);
  std::vector<std::optional<std::string>> names(rooms.begin(), rooms.end());
  auto r = w.exec_params(
      "SELECT coalesce(sum(n), 0), count(*), coalesce(sum(CASE WHEN n = last THEN 1 ELSE 0 END), 0) FROM ("
      " SELECT e.room, count(*) AS n, max(e.seq) AS last FROM room_events e WHERE e.room = ANY($1::text[]) GROUP BY "
      "e.room) x",
      pg::text_array(names))[0];
  std::uint64_t acked_in_rooms = 0;
  bool acks_match = true;
  auto rows = w.exec_params("SELECT room, max(seq) FROM room_events WHERE room = ANY($1::text[]) GROUP BY room",
                            pg::text_array(names));
  for (auto row : rows)
    if (t.max_seq[row[0].as<std::string>()] != row[1].as<std::int64_t>()) acks_match = false;
  for (auto& [room, seq] : t.max_seq) acked_in_rooms += seq;
  bool no_holes = r[1].as<std::int64_t>() == r[2].as<std::int64_t>();
  bool all_rows = r[0].as<std::uint64_t>() == t.acked && acked_in_rooms == t.acked;
  std::printf("rows %llu in %lld rooms, holes %s, every ack a row %s\n",
              static_cast<unsigned long long>(r[0].as<std::uint64_t>()),
              static_cast<long long>(r[1].as<std::int64_t>()), no_holes ? "none" : "FOUND",
              all_rows && acks_match ? "yes" : "NO");
  return t.failed == 0 && no_holes && all_rows && acks_match ? 0 : 1;
}
