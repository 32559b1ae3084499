// colibri-meetings-load: the professional space's two hot paths over REST.
//
//   --mode register: --people people (sessions made in PostgreSQL) register
//     for one webinar occurrence of --capacity seats, all within --seconds
//     (default 1), over --connections keep-alive connections. Every answer
//     must be 201; afterwards exactly min(people, capacity) are registered,
//     the rest waitlisted at positions 1..n, and the occurrence's count
//     agrees with the rows: no over-booking.
//   --mode listing: --people professionals, each a member of the same
//     --groups groups of a professional space holding --occurrences upcoming
//     occurrences (5 per meeting), ask for the first page (50) of
//     GET /api/v1/meetings at --rate requests/s for --seconds. Many people
//     rather than one so that no one exceeds their own budget in the shared
//     limiter (expensive_read: 2 tokens of 10 per 10 s); the limits are the
//     service's defaults.
// Latency runs from the scheduled time to the complete response.
//
//   colibri-meetings-load --pg-url URL --target 127.0.0.1:8081 --mode register --people 1000 --capacity 800
//   colibri-meetings-load --pg-url URL --target 127.0.0.1:8081 --mode listing --rate 500 --seconds 10
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "colibri/auth/sessions.hpp"
#include "colibri/net/asio.hpp"
#include "colibri/pg/sql_array.hpp"
#include "histogram.hpp"
#include "http_load.hpp"

using namespace colibri;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

struct args {
  std::string pg_url, host = "127.0.0.1", mode = "register";
  unsigned short port = 8081;
  double rate = 500, seconds = 1;
  int warmup_seconds = 0, connections = 64, people = 1000, capacity = 800, groups = 50, occurrences = 2000;
};

using loadtest::now_us;

struct fixture {
  std::string tag;
  std::vector<std::string> tokens;
  std::int64_t occurrence_id = 0;
};

// People with sessions, members of a new professional space and of its `groups` sub-groups.
fixture setup(const args& a, std::vector<std::int64_t>& group_ids) {
  fixture f;
  f.tag = std::to_string(now_us());
  pqxx::connection c(a.pg_url);
  pqxx::work w(c);
  auto space = w.exec_params1(
                    "INSERT INTO groups (name, join_policy, visibility, kind) VALUES ($1, 'invite', 'hidden', "
                    "'professional') RETURNING id",
                    "charge pro " + f.tag)[0]
                   .as<std::int64_t>();
  for (int g = 0; g < a.groups; ++g)
    group_ids.push_back(w.exec_params1("INSERT INTO groups (name, parent_id, join_policy, visibility) VALUES ($1, $2, "
                                       "'invite', 'hidden') RETURNING id",
                                       "pôle " + std::to_string(g), space)[0]
                            .as<std::int64_t>());
  std::vector<std::optional<std::string>> emails, handles;
  for (int i = 0; i < a.people; ++i) {
    emails.push_back("pro" + f.tag + "-" + std::to_string(i) + "@example.invalid");
    handles.push_back("p" + f.tag.substr(f.tag.size() - 8) + "-" + std::to_string(i));
  }
  std::vector<std::int64_t> uids;
  for (auto row :
       w.exec_params("INSERT INTO users (email, handle, password_hash) SELECT e, h, 'load-test: no password' "
                     "FROM unnest($1::text[], $2::text[]) AS x(e, h) RETURNING id",
                     pg::text_array(emails), pg::text_array(handles)))
    uids.push_back(row[0].as<std::int64_t>());
  std::string all = "{";
  for (auto u : uids) all += (all.size() > 1 ? "," : "") + std::to_string(u);
  all += "}";
  std::string gs = "{" + std::to_string(space);
  for (auto g : group_ids) gs += "," + std::to_string(g);
  gs += "}";
  w.exec_params(
      "INSERT INTO memberships (group_id, user_id) SELECT g, u FROM unnest($1::bigint[]) g, "
      "unnest($2::bigint[]) u",
      gs, all);
  for (auto uid : uids) f.tokens.push_back(auth::create_session(w, uid, std::chrono::hours(2)));
  if (a.mode == "register") {
    auto mid = w.exec_params1(
                    "INSERT INTO meetings (group_id, space_id, title, kind, mode, timezone, duration_minutes, "
                    "waitlist, audience) VALUES ($1, $2, 'Webinaire de lancement', 'webinar', 'online', "
                    "'Europe/Paris', 60, true, 'space') RETURNING id",
                    group_ids.front(), space)[0]
                   .as<std::int64_t>();
    f.occurrence_id = w.exec_params1(
                           "INSERT INTO meeting_occurrences (meeting_id, position, local_start, starts_at, ends_at, "
                           "capacity, slot_key) VALUES ($1, 0, (now() + interval '7 days')::timestamp, "
                           "now() + interval '7 days', now() + interval '7 days 1 hour', $2, 'o0') RETURNING id",
                           mid, a.capacity)[0]
                          .as<std::int64_t>();
  } else {
    // Meetings of five weekly occurrences each, spread over the groups, in the coming months.
    int meetings = a.occurrences / 5;
    for (int k = 0; k < meetings; ++k) {
      auto mid = w.exec_params1(
                      "INSERT INTO meetings (group_id, space_id, title, description, kind, mode, timezone, "
                      "duration_minutes, join_url) VALUES ($1, $2, $3, 'Échanges de pratiques.', 'webinar', "
                      "'online', 'Europe/Paris', 90, 'https://visio.example/x') RETURNING id",
                      group_ids[static_cast<std::size_t>(k % a.groups)], space, "Webinaire " + std::to_string(k))[0]
                     .as<std::int64_t>();
      w.exec_params(
          "INSERT INTO meeting_occurrences (meeting_id, position, local_start, starts_at, ends_at, capacity, "
          "slot_key) SELECT $1, n, (s AT TIME ZONE 'Europe/Paris'), s, s + interval '90 minutes', 100, 'o' || n "
          "FROM generate_series(0, 4) n, LATERAL (SELECT now() + make_interval(hours => $2 * 7 + n * 168) AS s) x",
          mid, k);
    }
  }
  w.commit();
  // Steady state, as autovacuum leaves it within a minute: statistics and the
  // visibility map of what was just written (index-only scans need it).
  pqxx::nontransaction v(c);
  v.exec("VACUUM (ANALYZE) meetings, meeting_occurrences, memberships");
  return f;
}

struct tally {
  histogram lat;
  std::uint64_t sent = 0, ok = 0, bad = 0, measured = 0, bytes = 0;
  std::string first_bad;
};

awaitable<void> connection(const args& a, const fixture& f, int index, std::int64_t start, tally& t) {
  auto ex = co_await asio::this_coro::executor;
  beast::tcp_stream stream(ex);
  bool connected = co_await loadtest::connect_to(stream, a.host, a.port, t.first_bad);
  if (!connected) {
    ++t.bad;
    co_return;
  }
  asio::steady_timer timer(ex);
  beast::flat_buffer buf;
  bool reg = a.mode == "register";
  const auto total =
      reg ? static_cast<std::uint64_t>(a.people) : static_cast<std::uint64_t>(a.rate * (a.seconds + a.warmup_seconds));
  const double step_us = reg ? a.seconds * 1e6 / a.people : 1e6 / a.rate;
  const std::int64_t measure_from = start + a.warmup_seconds * 1'000'000LL;
  for (std::uint64_t i = static_cast<std::uint64_t>(index); i < total; i += static_cast<std::uint64_t>(a.connections)) {
    auto due = start + static_cast<std::int64_t>(static_cast<double>(i) * step_us);
    co_await loadtest::wait_until(timer, due);
    bhttp::request<bhttp::string_body> req;
    req.version(11);
    req.set(bhttp::field::host, a.host);
    req.set(bhttp::field::authorization, "Bearer " + f.tokens[i % f.tokens.size()]);
    if (reg) {
      req.method(bhttp::verb::post);
      req.target("/api/v1/occurrences/" + std::to_string(f.occurrence_id) + "/registration");
    } else {
      req.method(bhttp::verb::get);
      req.target("/api/v1/meetings?limit=50");
    }
    req.prepare_payload();
    ++t.sent;
    auto [wec, wn] = co_await bhttp::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
    bhttp::response<bhttp::string_body> res;
    auto [rec, rn] = wec ? std::tuple{wec, std::size_t{0}}
                         : co_await bhttp::async_read(stream, buf, res, asio::as_tuple(asio::use_awaitable));
    (void)wn;
    (void)rn;
    unsigned want = reg ? 201 : 200;
    bool full_page = reg || res.body().find("\"has_more\":true") != std::string::npos;
    if (wec || rec || res.result_int() != want || !full_page) {
      ++t.bad;
      if (t.first_bad.empty())
        t.first_bad = wec   ? wec.message()
                      : rec ? rec.message()
                            : std::to_string(res.result_int()) + " " + res.body().substr(0, 300);
      if (wec || rec) co_return;
      continue;
    }
    ++t.ok;
    t.bytes += res.body().size();
    if (due >= measure_from) {
      ++t.measured;
      t.lat.add(now_us() - due);
    }
  }
}

double cpu_seconds_of_self() {
  std::timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--pg-url")
      a.pg_url = v;
    else if (k == "--target")
      loadtest::parse_target(v, a.host, a.port);
    else if (k == "--mode")
      a.mode = v;
    else if (k == "--rate")
      a.rate = std::stod(v);
    else if (k == "--seconds")
      a.seconds = std::stod(v);
    else if (k == "--warmup-seconds")
      a.warmup_seconds = std::stoi(v);
    else if (k == "--connections")
      a.connections = std::stoi(v);
    else if (k == "--people")
      a.people = std::stoi(v);
    else if (k == "--capacity")
      a.capacity = std::stoi(v);
    else if (k == "--groups")
      a.groups = std::stoi(v);
    else if (k == "--occurrences")
      a.occurrences = std::stoi(v);
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  if (a.pg_url.empty() || (a.mode != "register" && a.mode != "listing") || a.people <= 0 || a.groups <= 0 ||
      a.connections <= 0 || a.rate <= 0 || a.seconds <= 0) {
    std::cerr << "usage: colibri-meetings-load --pg-url URL [--target 127.0.0.1:8081] --mode register|listing ...\n";
    return 2;
  }
  if (a.mode == "listing" && a.warmup_seconds == 0) a.warmup_seconds = 2;
  std::vector<std::int64_t> groups;
  auto f = setup(a, groups);
  asio::io_context io(1);
  tally t;
  auto cpu0 = cpu_seconds_of_self();
  auto start = now_us() + 300'000;
  for (int c = 0; c < a.connections; ++c) asio::co_spawn(io, connection(a, f, c, start, t), asio::detached);
  io.run();
  auto wall = static_cast<double>(now_us() - start) / 1e6;
  std::printf("%s: requests %llu, ok %llu, failed %llu, measured %llu; done in %.2f s (generator CPU %.2f s)\n",
              a.mode.c_str(), static_cast<unsigned long long>(t.sent), static_cast<unsigned long long>(t.ok),
              static_cast<unsigned long long>(t.bad), static_cast<unsigned long long>(t.measured), wall,
              cpu_seconds_of_self() - cpu0);
  std::printf("latency ms p50 %.2f p99 %.2f p99.9 %.2f max %.2f; %.1f KiB per response\n", t.lat.percentile(0.5),
              t.lat.percentile(0.99), t.lat.percentile(0.999), t.lat.max / 1000.0,
              t.ok ? static_cast<double>(t.bytes) / static_cast<double>(t.ok) / 1024 : 0.0);
  if (!t.first_bad.empty()) std::fprintf(stderr, "first failure: %s\n", t.first_bad.c_str());
  bool ok = t.bad == 0;
  if (a.mode == "register") {
    pqxx::connection c(a.pg_url);
    pqxx::work w(c);
    auto r = w.exec_params1(
        "SELECT count(*) FILTER (WHERE state = 'registered'), count(*) FILTER (WHERE state = 'waitlisted'), "
        "count(DISTINCT waitlist_no) FILTER (WHERE state = 'waitlisted'), "
        "(SELECT registered_count FROM meeting_occurrences WHERE id = $1) FROM meeting_registrations "
        "WHERE occurrence_id = $1",
        f.occurrence_id);
    auto registered = r[0].as<long long>(), waitlisted = r[1].as<long long>(), distinct = r[2].as<long long>(),
         counted = r[3].as<long long>();
    long long want = std::min(a.people, a.capacity);
    std::printf("registered %lld (capacity %d), waitlisted %lld (distinct places %lld), the count says %lld\n",
                registered, a.capacity, waitlisted, distinct, counted);
    ok = ok && registered == want && waitlisted == a.people - want && distinct == waitlisted && counted == registered;
    std::printf(ok ? "no over-booking: correct\n" : "WRONG\n");
  }
  return ok ? 0 : 1;
}
