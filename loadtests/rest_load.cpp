// colibri-rest-load: thread listing and posting over REST at a fixed rate.
//
// Sets up a group with --members members (sessions created directly in
// PostgreSQL) and --threads threads, then sends, on a fixed schedule of
// --rate requests/s for --seconds, a mix of
//   GET  /api/v1/groups/{id}/threads?limit=20       (--read-share of them)
//   POST /api/v1/rooms/thread:{tid}/events          (the rest: a message)
// over --connections keep-alive HTTP/1.1 connections, each request as a
// different member. Latency runs from the scheduled time to the complete
// response (a late server cannot hide its backlog). Every response must be
// 200 (list) or 201 (post); afterwards every 201 must be a row.
//
//   colibri-rest-load --pg-url URL --target 127.0.0.1:8081 --rate 2000 --seconds 10
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <pqxx/pqxx>
#include <random>
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
  std::string pg_url, host = "127.0.0.1";
  unsigned short port = 8081;
  double rate = 2000, read_share = 0.5;
  int seconds = 10, warmup_seconds = 2, connections = 64, members = 200, threads = 50;
};

using loadtest::now_us;

struct fixture {
  std::int64_t group_id = 0;
  std::vector<std::string> tokens;
  std::vector<std::int64_t> threads;
  std::string tag;
};

fixture setup(const args& a) {
  fixture f;
  f.tag = std::to_string(now_us());
  pqxx::connection c(a.pg_url);
  pqxx::work w(c);
  f.group_id = w.exec_params1("INSERT INTO groups (name) VALUES ($1) RETURNING id", "charge REST " + f.tag)[0]
                   .as<std::int64_t>();
  std::vector<std::optional<std::string>> emails, handles;
  for (int i = 0; i < a.members; ++i) {
    emails.push_back("rest" + f.tag + "-" + std::to_string(i) + "@example.invalid");
    handles.push_back("r" + f.tag.substr(f.tag.size() - 8) + "-" + std::to_string(i));
  }
  std::vector<std::int64_t> uids;
  for (auto row :
       w.exec_params("INSERT INTO users (email, handle, password_hash) SELECT e, h, 'load-test: no password' "
                     "FROM unnest($1::text[], $2::text[]) AS x(e, h) RETURNING id",
                     pg::text_array(emails), pg::text_array(handles)))
    uids.push_back(row[0].as<std::int64_t>());
  for (auto uid : uids) {
    w.exec_params("INSERT INTO memberships (group_id, user_id) VALUES ($1, $2)", f.group_id, uid);
    f.tokens.push_back(auth::create_session(w, uid, std::chrono::hours(2)));
  }
  for (int t = 0; t < a.threads; ++t)
    f.threads.push_back(
        w.exec_params1("INSERT INTO threads (group_id, author_id, title) VALUES ($1, $2, $3) RETURNING id", f.group_id,
                       uids[t % uids.size()], "Fil " + std::to_string(t))[0]
            .as<std::int64_t>());
  w.commit();
  return f;
}

struct tally {
  histogram list, post;
  std::uint64_t sent = 0, ok = 0, bad = 0, posted = 0, measured = 0;
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
  std::mt19937 rng(static_cast<unsigned>(index));
  const auto total = static_cast<std::uint64_t>(a.rate * (a.seconds + a.warmup_seconds));
  const double step_us = 1e6 / a.rate;
  const std::int64_t measure_from = start + a.warmup_seconds * 1'000'000LL;
  for (std::uint64_t i = static_cast<std::uint64_t>(index); i < total; i += static_cast<std::uint64_t>(a.connections)) {
    auto due = start + static_cast<std::int64_t>(static_cast<double>(i) * step_us);
    co_await loadtest::wait_until(timer, due);
    bool list = std::uniform_real_distribution<double>(0, 1)(rng) < a.read_share;
    const auto& token = f.tokens[i % f.tokens.size()];
    bhttp::request<bhttp::string_body> req;
    req.version(11);
    req.set(bhttp::field::host, a.host);
    req.set(bhttp::field::authorization, "Bearer " + token);
    if (list) {
      req.method(bhttp::verb::get);
      req.target("/api/v1/groups/" + std::to_string(f.group_id) + "/threads?limit=20");
    } else {
      req.method(bhttp::verb::post);
      auto tid = f.threads[std::uniform_int_distribution<std::size_t>(0, f.threads.size() - 1)(rng)];
      req.target("/api/v1/rooms/thread:" + std::to_string(tid) + "/events");
      req.set(bhttp::field::content_type, "application/json");
      req.body() = R"({"kind":"message","body":"Tenir bon, une envie passe en quelques minutes.","client_msg_id":")" +
                   f.tag + "-" + std::to_string(i) + "\"}";
      req.prepare_payload();
    }
    ++t.sent;
    auto [wec, wn] = co_await bhttp::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
    bhttp::response<bhttp::string_body> res;
    auto [rec, rn] = wec ? std::tuple{wec, std::size_t{0}}
                         : co_await bhttp::async_read(stream, buf, res, asio::as_tuple(asio::use_awaitable));
    (void)wn;
    (void)rn;
    unsigned want = list ? 200 : 201;
    if (wec || rec || res.result_int() != want) {
      ++t.bad;
      if (t.first_bad.empty())
        t.first_bad = wec ? wec.message() : rec ? rec.message() : std::to_string(res.result_int()) + " " + res.body();
      if (wec || rec) co_return;
      continue;
    }
    ++t.ok;
    if (!list) ++t.posted;
    if (due >= measure_from) {
      ++t.measured;
      (list ? t.list : t.post).add(now_us() - due);
    }
  }
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
    else if (k == "--rate")
      a.rate = std::stod(v);
    else if (k == "--seconds")
      a.seconds = std::stoi(v);
    else if (k == "--warmup-seconds")
      a.warmup_seconds = std::stoi(v);
    else if (k == "--connections")
      a.connections = std::stoi(v);
    else if (k == "--members")
      a.members = std::stoi(v);
    else if (k == "--threads")
      a.threads = std::stoi(v);
    else if (k == "--read-share")
      a.read_share = std::stod(v);
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  if (a.pg_url.empty() || a.rate <= 0 || a.connections <= 0 || a.members <= 0 || a.threads <= 0) {
    std::cerr << "usage: colibri-rest-load --pg-url URL [--target 127.0.0.1:8081] --rate R --seconds S\n";
    return 2;
  }
  auto f = setup(a);
  asio::io_context io(1);
  tally t;
  auto start = now_us() + 300'000;
  for (int c = 0; c < a.connections; ++c) asio::co_spawn(io, connection(a, f, c, start, t), asio::detached);
  io.run();
  double secs = a.seconds;
  std::printf("requests %llu, ok %llu, failed %llu; measured %llu after the %d s warm-up (%.0f/s)\n",
              static_cast<unsigned long long>(t.sent), static_cast<unsigned long long>(t.ok),
              static_cast<unsigned long long>(t.bad), static_cast<unsigned long long>(t.measured), a.warmup_seconds,
              t.measured / secs);
  std::printf("list threads: %llu, latency ms p50 %.2f p99 %.2f p99.9 %.2f max %.2f\n",
              static_cast<unsigned long long>(t.list.count), t.list.percentile(0.5), t.list.percentile(0.99),
              t.list.percentile(0.999), t.list.max / 1000.0);
  std::printf("post message: %llu, latency ms p50 %.2f p99 %.2f p99.9 %.2f max %.2f\n",
              static_cast<unsigned long long>(t.post.count), t.post.percentile(0.5), t.post.percentile(0.99),
              t.post.percentile(0.999), t.post.max / 1000.0);
  if (!t.first_bad.empty()) std::fprintf(stderr, "first failure: %s\n", t.first_bad.c_str());
  // Every 201 is a row.
  pqxx::connection c(a.pg_url);
  pqxx::work w(c);
  auto rows = w.exec_params1("SELECT count(*) FROM room_events WHERE client_msg_id LIKE $1 || '-%'", f.tag)[0]
                  .as<std::uint64_t>();
  std::printf("posts stored %llu of %llu acknowledged\n", static_cast<unsigned long long>(rows),
              static_cast<unsigned long long>(t.posted));
  return t.bad == 0 && rows == t.posted ? 0 : 1;
}
