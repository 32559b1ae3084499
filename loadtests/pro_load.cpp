// colibri-pro-load: the professional space's heavy paths, measured.
//
//   --mode files: one person uploads a --mib MiB document (default 20: a PDF
//     header and pseudo-random bytes, streamed in 64 KiB writes with its
//     length announced), then downloads it and checks its SHA-256; both
//     timed, repeated --repeat times. Meanwhile the groups service's
//     resident memory (--pid, /proc/PID/status VmRSS) is sampled every 5 ms:
//     the growth above the level before each transfer is reported.
//   --mode directory: --structures care structures (default 10,000, spread
//     over France's départements) and --people people with sessions, written
//     in PostgreSQL; then GET /api/v1/structures at --rate requests/s for
//     --seconds, cycling through four shapes (a département; a département
//     and a kind; words; 30 km around a point, sorted by distance). Many
//     people so that nobody exceeds their own budget in the shared limiter
//     (2 tokens of the history bucket, 10 per 10 s). Every answer must be 200;
//     latency is counted after --warmup-seconds (default 2: connections and
//     caches warm, as in steady use).
//
//   --mode search: a synthetic French corpus of --messages messages (default
//     2,000,000) over --groups group rooms (default 250), written in SQL (0:
//     reuse the corpus of an earlier run), and --people people each a member
//     of 8 of those groups; then GET /api/v1/search at --rate for --seconds,
//     cycling through six shapes (search_mode).
//
//   colibri-pro-load --pg-url URL --target 127.0.0.1:8081 --mode files --pid $(pgrep -f 'colibri-groups' | head -1)
//   colibri-pro-load --pg-url URL --target 127.0.0.1:8081 --mode directory --rate 300 --seconds 10
//   colibri-pro-load --pg-url URL --target 127.0.0.1:8081 --mode search --rate 50 --seconds 30
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "colibri/auth/sessions.hpp"
#include "colibri/files/chunker.hpp"
#include "colibri/net/asio.hpp"
#include "colibri/pg/sql_array.hpp"
#include "histogram.hpp"
#include "http_load.hpp"

using namespace colibri;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using loadtest::now_us;

namespace {

struct args {
  std::string pg_url, host = "127.0.0.1", mode = "files";
  unsigned short port = 8081;
  int pid = 0, mib = 20, repeat = 3, structures = 10000, people = 1000, connections = 32;
  int messages = 2'000'000, groups = 250;
  double rate = 300, seconds = 10, warmup_seconds = 2;
};

std::string tag() { return std::to_string(now_us()); }

// "2026-11-25": the UTC date `days` ago.
std::string core_date_days_ago(int days) {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - std::chrono::hours(24 * days));
  char buf[16];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// A person with a session (and, for files, a document in a professional group).
struct person {
  std::string token;
  std::int64_t document_id = 0, id = 0;
};

std::vector<person> make_people(pqxx::work& w, int n, const std::string& t) {
  std::vector<std::optional<std::string>> emails, handles;
  for (int i = 0; i < n; ++i) {
    emails.push_back("load" + t + "-" + std::to_string(i) + "@example.invalid");
    handles.push_back("l" + t.substr(t.size() - 8) + "-" + std::to_string(i));
  }
  std::vector<person> out;
  for (auto row : w.exec_params("INSERT INTO users (email, handle, password_hash) SELECT e, h, 'load-test' "
                                "FROM unnest($1::text[], $2::text[]) AS x(e, h) RETURNING id",
                                pg::text_array(emails), pg::text_array(handles)))
    out.push_back(
        {auth::create_session(w, row[0].as<std::int64_t>(), std::chrono::hours(2)), 0, row[0].as<std::int64_t>()});
  return out;
}

std::int64_t vm_rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  return 0;
}

// Samples a process's RSS until stopped; the maximum seen.
struct rss_sampler {
  int pid;
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> peak{0};
  std::thread th;
  explicit rss_sampler(int p) : pid(p) {
    if (pid <= 0) return;
    peak = vm_rss_kib(pid);
    th = std::thread([this] {
      while (!stop) {
        auto v = vm_rss_kib(pid);
        if (v > peak) peak = v;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
  }
  std::int64_t finish() {
    stop = true;
    if (th.joinable()) th.join();
    return peak;
  }
};

int dial(const args& a) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(a.port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) throw std::runtime_error("connect");
  return fd;
}

// The response's status, headers and body, read until Content-Length is met.
std::pair<int, std::uint64_t> read_response(int fd, files::hasher* h) {
  std::string buf(1 << 16, '\0'), head;
  std::uint64_t length = 0, got = 0;
  int status = 0;
  bool in_body = false;
  for (;;) {
    auto n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n <= 0) break;
    std::string_view piece(buf.data(), static_cast<std::size_t>(n));
    if (!in_body) {
      head.append(piece);
      auto end = head.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      status = std::stoi(head.substr(9, 3));
      auto cl = head.find("Content-Length: ");
      if (cl == std::string::npos) cl = head.find("content-length: ");
      if (cl != std::string::npos) length = std::stoull(head.substr(cl + 16));
      piece = std::string_view(head).substr(end + 4);
      in_body = true;
      if (h) h->update(piece);
      got += piece.size();
    } else {
      if (h) h->update(piece);
      got += piece.size();
    }
    if (in_body && got >= length) break;
  }
  return {status, got};
}

int files_mode(const args& a) {
  auto t = tag();
  person p;
  {
    pqxx::connection c(a.pg_url);
    pqxx::work w(c);
    auto space = w.exec_params1(
                      "INSERT INTO groups (name, join_policy, visibility, kind) VALUES ($1, 'invite', "
                      "'hidden', 'professional') RETURNING id",
                      "charge documents " + t)[0]
                     .as<std::int64_t>();
    p = make_people(w, 1, t).front();
    w.exec_params("INSERT INTO memberships (group_id, user_id) VALUES ($1, $2)", space, p.id);
    p.document_id =
        w.exec_params1("INSERT INTO documents (group_id, title) VALUES ($1, 'Charge') RETURNING id", space)[0]
            .as<std::int64_t>();
    w.commit();
  }
  std::uint64_t size = static_cast<std::uint64_t>(a.mib) << 20;
  std::string piece(64 * 1024, '\0');
  std::mt19937_64 rng(42);
  bool ok = true;
  for (int run = 1; run <= a.repeat; ++run) {
    // Upload: the bytes made as they are sent (the generator holds 64 KiB).
    files::hasher sent_hash;
    int fd = dial(a);
    std::string head = "PUT /api/v1/documents/" + std::to_string(p.document_id) +
                       "/content?filename=charge.pdf HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + p.token +
                       "\r\nContent-Type: application/pdf\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n";
    auto base = a.pid ? vm_rss_kib(a.pid) : 0;
    rss_sampler up(a.pid);
    auto t0 = now_us();
    ::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
    for (std::uint64_t at = 0; at < size; at += piece.size()) {
      for (std::size_t i = 0; i < piece.size(); i += 8) {
        auto v = rng();
        std::memcpy(piece.data() + i, &v, 8);
      }
      if (at == 0) std::memcpy(piece.data(), "%PDF-1.7\n", 9);
      sent_hash.update(piece);
      for (std::size_t off = 0; off < piece.size();) {
        auto n = ::send(fd, piece.data() + off, piece.size() - off, MSG_NOSIGNAL);
        if (n <= 0) throw std::runtime_error("upload broken");
        off += static_cast<std::size_t>(n);
      }
    }
    auto [ustatus, ubytes] = read_response(fd, nullptr);
    auto up_us = now_us() - t0;
    auto up_peak = up.finish();
    ::close(fd);
    (void)ubytes;
    auto digest = files::to_hex(sent_hash.final());
    // Download the latest version, hashing it as it comes.
    auto base2 = a.pid ? vm_rss_kib(a.pid) : 0;
    rss_sampler down(a.pid);
    fd = dial(a);
    std::string get = "GET /api/v1/documents/" + std::to_string(p.document_id) +
                      "/content HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + p.token + "\r\n\r\n";
    auto t1 = now_us();
    ::send(fd, get.data(), get.size(), MSG_NOSIGNAL);
    files::hasher got_hash;
    auto [dstatus, dbytes] = read_response(fd, &got_hash);
    auto down_us = now_us() - t1;
    auto down_peak = down.finish();
    ::close(fd);
    bool same = files::to_hex(got_hash.final()) == digest && dbytes == size;
    ok = ok && ustatus == 201 && dstatus == 200 && same;
    std::printf(
        "run %d: upload %d MiB: %d in %.2f s = %.1f MiB/s, RSS +%.1f MiB (from %.1f); download: %d in %.2f s = %.1f "
        "MiB/s, RSS +%.1f MiB; both: +%.1f MiB; sha256 %s\n",
        run, a.mib, ustatus, static_cast<double>(up_us) / 1e6, a.mib / (static_cast<double>(up_us) / 1e6),
        static_cast<double>(up_peak - base) / 1024, static_cast<double>(base) / 1024, dstatus,
        static_cast<double>(down_us) / 1e6, a.mib / (static_cast<double>(down_us) / 1e6),
        static_cast<double>(down_peak - base2) / 1024, static_cast<double>(std::max(up_peak, down_peak) - base) / 1024,
        same ? "same" : "DIFFERENT");
  }
  return ok ? 0 : 1;
}

struct tally {
  histogram lat;
  std::uint64_t ok = 0, bad = 0, results = 0;
  std::string first_bad;
};

const char* k_depts[] = {"01", "02", "06", "13", "14", "21", "29", "31", "33", "34", "35", "38", "44", "49",
                         "54", "57", "59", "62", "67", "69", "75", "76", "83", "85", "92", "93", "2A", "971"};

// One keep-alive connection's share of an open-loop run: request i (every
// `connections`-th) at start + i / rate, its target from target_of(i), by
// person i; an answer holding `found` counts as non-empty.
using target_fn = std::function<std::string(std::uint64_t)>;
awaitable<void> connection(const args& a, const std::vector<person>& people, const target_fn& target_of,
                           std::string_view found, int index, std::int64_t start, tally& t) {
  auto ex = co_await asio::this_coro::executor;
  beast::tcp_stream stream(ex);
  std::string first;
  bool connected = co_await loadtest::connect_to(stream, a.host, a.port, first);
  if (!connected) {
    ++t.bad;
    t.first_bad = first;
    co_return;
  }
  asio::steady_timer timer(ex);
  beast::flat_buffer buf;
  auto total = static_cast<std::uint64_t>(a.rate * (a.seconds + a.warmup_seconds));
  const std::int64_t measure_from = start + static_cast<std::int64_t>(a.warmup_seconds * 1e6);
  double step_us = 1e6 / a.rate;
  for (std::uint64_t i = static_cast<std::uint64_t>(index); i < total; i += static_cast<std::uint64_t>(a.connections)) {
    auto due = start + static_cast<std::int64_t>(static_cast<double>(i) * step_us);
    co_await loadtest::wait_until(timer, due);
    auto target = target_of(i);
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
    req.set(bhttp::field::host, a.host);
    req.set(bhttp::field::authorization, "Bearer " + people[i % people.size()].token);
    auto [wec, wn] = co_await bhttp::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
    bhttp::response<bhttp::string_body> res;
    auto [rec, rn] = wec ? std::tuple{wec, std::size_t{0}}
                         : co_await bhttp::async_read(stream, buf, res, asio::as_tuple(asio::use_awaitable));
    (void)wn;
    (void)rn;
    if (wec || rec || res.result_int() != 200) {
      ++t.bad;
      if (t.first_bad.empty())
        t.first_bad = wec ? wec.message() : rec ? rec.message() : std::to_string(res.result_int()) + " " + res.body();
      if (wec || rec) co_return;
      continue;
    }
    ++t.ok;
    if (res.body().find(found) != std::string::npos) ++t.results;
    if (due >= measure_from) t.lat.add(now_us() - due);
  }
}

int open_loop(const args& a, const std::vector<person>& people, const target_fn& target_of, std::string_view found,
              const char* what) {
  asio::io_context io(1);
  tally t;
  auto start = now_us() + 300'000;
  for (int c = 0; c < a.connections; ++c)
    asio::co_spawn(io, connection(a, people, target_of, found, c, start, t), asio::detached);
  io.run();
  std::printf("%s: ok %llu, failed %llu, non-empty %llu; latency ms p50 %.2f p99 %.2f p99.9 %.2f max %.2f\n", what,
              static_cast<unsigned long long>(t.ok), static_cast<unsigned long long>(t.bad),
              static_cast<unsigned long long>(t.results), t.lat.percentile(0.5), t.lat.percentile(0.99),
              t.lat.percentile(0.999), t.lat.max / 1000.0);
  if (!t.first_bad.empty()) std::fprintf(stderr, "first failure: %s\n", t.first_bad.c_str());
  return t.bad == 0 ? 0 : 1;
}

// Four shapes in turn: a département; a département and a kind; words; 30 km around a point.
std::string directory_target(std::uint64_t i) {
  std::string target = "/api/v1/structures?";
  const char* dept = k_depts[i % (sizeof k_depts / sizeof *k_depts)];
  switch (i % 4) {
    case 0:
      return target + "department=" + dept;
    case 1:
      return target + "department=" + dept + "&kind=csapa";
    case 2:
      return target + "q=tabac%20consultation";
    default: {
      char near[96];
      std::snprintf(near, sizeof near, "near=%.3f,%.3f&radius_km=30", 43.5 + static_cast<double>(i % 70) / 10,
                    -1.0 + static_cast<double>(i % 60) / 10);
      return target + near;
    }
  }
}

int directory_mode(const args& a) {
  auto t = tag();
  std::vector<person> people;
  {
    pqxx::connection c(a.pg_url);
    pqxx::work w(c);
    // Structures spread over mainland France (and a few overseas), names and services varied.
    w.exec_params(
        "INSERT INTO care_structures (name, kind, services, address, postcode, city, department, lat, lon, phone, "
        "search_text, confirmed_at) "
        "SELECT 'Charge ' || $1 || ' — ' || k || ' ' || n, k, ARRAY['tabac', CASE WHEN n % 3 = 0 THEN "
        "'consultation' ELSE 'alcool' END], n || ' rue de la Charge', rpad(d, 5, '0'), 'Ville ' || (n % 500), d, "
        "41.5 + random() * 9.5, -4.5 + random() * 12.5, '01 99 00 00 00', "
        "lower('charge ' || k || ' ' || n || ' ville ' || (n % 500) || ' tabac ' || CASE WHEN n % 3 = 0 THEN "
        "'consultation' ELSE 'alcool' END), now() - (n % 500) * interval '1 day' "
        "FROM generate_series(1, $2) n, LATERAL (SELECT (ARRAY['csapa','hospital_clinic','gp_practice',"
        "'health_centre','asalee','pharmacy','tobacco_clinic','caarud'])[1 + n % 8] AS k, "
        "(ARRAY['01','02','06','13','14','21','29','31','33','34','35','38','44','49','54','57','59','62','67',"
        "'69','75','76','83','85','92','93','2A','971'])[1 + n % 28] AS d) x",
        t, a.structures);
    people = make_people(w, a.people, t);
    w.commit();
    pqxx::nontransaction v(c);
    v.exec("VACUUM (ANALYZE) care_structures");
    auto total = v.exec1("SELECT count(*) FROM care_structures")[0].as<std::int64_t>();
    std::printf("directory: %lld structures in all\n", static_cast<long long>(total));
  }
  return open_loop(a, people, directory_target, "\"id\":", "directory search");
}

// A synthetic French corpus, as members write in their first weeks: a
// moment, what they live (one in ten says "envie de fumer"), a closing. Each
// of ten choices per slot, so a common word is in about one message in ten;
// "vapoteuse" is in one in a thousand (a rare word). The choices follow h, a
// multiplicative hash of the message's number g, so that they do not follow
// the room (g % groups) the way g's own digits would.
constexpr const char* k_corpus_sql =
    "(ARRAY['Aujourd''hui', 'Ce soir', 'Depuis trois jours', 'Ce matin', 'Au travail', 'Après le repas', "
    "'Avec le café', 'Le week-end', 'Cette nuit', 'Hier'])[1 + h % 10] || ', ' || "
    "(ARRAY['j''ai très envie de fumer', 'je tiens bon sans cigarette', 'les patchs m''aident bien', "
    "'les gommes ne suffisent pas', 'je pense à rechuter', 'la prise de poids m''inquiète', 'je respire mieux', "
    "'le manque est difficile', 'mon médecin m''a parlé de la varénicline', 'je marche pour oublier'])"
    "[1 + (h / 10) % 10] || ', ' || "
    "(ARRAY['merci pour vos messages', 'et vous ?', 'courage à tous', 'c''est dur', 'je compte les jours', "
    "'j''ai économisé cinquante euros', 'ma famille m''encourage', 'je bois beaucoup d''eau', "
    "'la fumée des autres me dérange', 'les colibris m''aident'])[1 + (h / 100) % 10] || "
    "CASE WHEN h % 1000 = 7 THEN ' (j''ai essayé la vapoteuse)' ELSE '.' END";

// --messages group-room messages over --groups groups (written in SQL in
// batches; 0 reuses what the last run wrote), --people people each a member
// of 8 groups; then GET /api/v1/search at --rate for --seconds: a rare word,
// a common word, two common words, a word typed without its accent, a
// common word in one group, a common word over the last week.
int search_mode(const args& a) {
  auto t = tag();
  std::vector<person> people;
  std::vector<std::vector<std::int64_t>> groups_of;
  {
    pqxx::connection c(a.pg_url);
    if (a.messages > 0) {
      std::vector<std::int64_t> gids;
      {
        pqxx::work w(c);
        for (auto r : w.exec_params("INSERT INTO groups (name, join_policy) SELECT 'Recherche ' || $1 || ' ' || n, "
                                    "'open' FROM generate_series(1, $2) n RETURNING id",
                                    t, a.groups))
          gids.push_back(r[0].as<std::int64_t>());
        std::vector<std::optional<std::int64_t>> ids(gids.begin(), gids.end());
        w.exec_params("INSERT INTO rooms (name, last_seq) SELECT 'group:' || id, $2 FROM unnest($1::bigint[]) id",
                      pg::bigint_array(ids), (a.messages + a.groups - 1) / a.groups);
        w.commit();
      }
      std::vector<std::optional<std::int64_t>> ids(gids.begin(), gids.end());
      auto t0 = now_us();
      constexpr int k_batch = 200000;
      for (int from = 0; from < a.messages; from += k_batch) {
        pqxx::work w(c);
        // Message g goes to group g % groups at seq g / groups + 1, a second apart, newest last.
        w.exec_params(std::string("INSERT INTO room_events (room, seq, kind, body, created_at) "
                                  "SELECT 'group:' || ($1::bigint[])[1 + g % $4], g / $4 + 1, 'message', ") +
                          k_corpus_sql +
                          ", now() - ($3 - g) * interval '1 second' FROM generate_series($2::int, least($2 + " +
                          std::to_string(k_batch) +
                          ", $3) - 1) g, LATERAL (SELECT (g::bigint * 2654435761) % "
                          "4294967296 / 7 AS h) x",
                      pg::bigint_array(ids), from, a.messages, a.groups);
        w.commit();
        std::printf("corpus: %d messages written (%.0f s)\n", std::min(from + k_batch, a.messages),
                    static_cast<double>(now_us() - t0) / 1e6);
        std::fflush(stdout);
      }
      pqxx::nontransaction v(c);
      v.exec("VACUUM (ANALYZE) room_events");
    }
    pqxx::work w(c);
    std::vector<std::int64_t> gids;
    for (auto r : w.exec("SELECT id FROM groups WHERE name LIKE 'Recherche %' ORDER BY id"))
      gids.push_back(r[0].as<std::int64_t>());
    if (gids.size() < 8) throw std::runtime_error("no corpus: run once with --messages");
    people = make_people(w, a.people, t);
    for (std::size_t p = 0; p < people.size(); ++p) {
      std::vector<std::int64_t> mine;
      for (std::size_t k = 0; k < 8; ++k) mine.push_back(gids[(p * 8 + k * 37) % gids.size()]);
      std::vector<std::optional<std::int64_t>> ids(mine.begin(), mine.end());
      w.exec_params(
          "INSERT INTO memberships (group_id, user_id) SELECT unnest($1::bigint[]), $2 ON CONFLICT DO NOTHING",
          pg::bigint_array(ids), people[p].id);
      groups_of.push_back(std::move(mine));
    }
    w.commit();
    auto total =
        c.is_open() ? pqxx::nontransaction(c).exec1("SELECT count(*) FROM room_events")[0].as<std::int64_t>() : 0;
    std::printf("search: %lld events in all, %zu groups in the corpus, %d people in 8 groups each\n",
                static_cast<long long>(total), gids.size(), a.people);
  }
  auto target = [&](std::uint64_t i) {
    std::string q = "/api/v1/search?limit=20&q=";
    switch (i % 6) {
      case 0:
        return q + "vapoteuse";
      case 1:
        return q + "envie";
      case 2:
        return q + "envie%20fumer";
      case 3:
        return q + "fumee";
      case 4:
        return q + "cigarette&group=" + std::to_string(groups_of[i % groups_of.size()][i % 8]);
      default:
        return q + "merci&since=" + core_date_days_ago(7);
    }
  };
  return open_loop(a, people, target, "\"seq\":", "search");
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
    else if (k == "--pid")
      a.pid = std::stoi(v);
    else if (k == "--mib")
      a.mib = std::stoi(v);
    else if (k == "--repeat")
      a.repeat = std::stoi(v);
    else if (k == "--structures")
      a.structures = std::stoi(v);
    else if (k == "--messages")
      a.messages = std::stoi(v);
    else if (k == "--groups")
      a.groups = std::stoi(v);
    else if (k == "--people")
      a.people = std::stoi(v);
    else if (k == "--connections")
      a.connections = std::stoi(v);
    else if (k == "--rate")
      a.rate = std::stod(v);
    else if (k == "--seconds")
      a.seconds = std::stod(v);
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  if (a.pg_url.empty() || (a.mode != "files" && a.mode != "directory" && a.mode != "search") || a.groups < 8 ||
      a.messages < 0 || a.mib <= 0 || a.mib > 1024 || a.repeat <= 0 || a.people <= 0 || a.connections <= 0 ||
      a.rate <= 0 || a.seconds <= 0) {
    std::cerr << "usage: colibri-pro-load --pg-url URL [--target 127.0.0.1:8081] --mode files|directory|search ...\n";
    return 2;
  }
  if (a.mode == "search") return search_mode(a);
  return a.mode == "files" ? files_mode(a) : directory_mode(a);
}
