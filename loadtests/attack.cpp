// colibri-attack: the hostile visitors of the security audit, at stated
// rates, against a local stack's services (directly, not through nginx: the
// services must hold on their own). Used by loadtests/attack_soak.sh while
// ordinary clients chat (colibri-chat-load); every attack counts what it sent
// and how it was answered.
//
//   colibri-attack --pg-url URL --groups 127.0.0.1:8081 --gateway 127.0.0.1:8082
//     --seconds 30 [--only ping,keys,logins,typing,rest,backfill,queries,anon]
//
// Loopback only: every target is a 127.0.0.0/8 address. Every loop ends with
// --seconds.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <mutex>
#include <pqxx/pqxx>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "colibri/auth/password.hpp"
#include "colibri/auth/sessions.hpp"
#include "colibri/pg/sql_array.hpp"
#include "colibri/roomlog/room_log.hpp"

using namespace colibri;
using clk = std::chrono::steady_clock;

namespace {

struct endpoint {
  std::string host;
  unsigned short port = 0;
};

endpoint parse_endpoint(const std::string& s) {
  auto c = s.rfind(':');
  return {s.substr(0, c), static_cast<unsigned short>(std::stoi(s.substr(c + 1)))};
}

struct args {
  std::string pg_url;
  endpoint groups{"127.0.0.1", 8081}, gateway{"127.0.0.1", 8082};
  int seconds = 30;
  std::set<std::string> only;
  bool on(const std::string& a) const { return only.empty() || only.count(a); }
};

// What one attack sent and how it was answered.
struct tally {
  std::mutex m;
  std::map<std::string, std::map<std::string, long>> counts;
  void add(const std::string& attack, const std::string& what, long n = 1) {
    std::lock_guard lk(m);
    counts[attack][what] += n;
  }
};

// A blocking TCP connection to a loopback address, from a chosen source
// address, with timeouts on every read and write.
int dial(const endpoint& to, const std::string& from = "127.0.0.1", int rcvbuf = 0) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in src{};
  src.sin_family = AF_INET;
  inet_pton(AF_INET, from.c_str(), &src.sin_addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(to.port);
  inet_pton(AF_INET, to.host.c_str(), &a.sin_addr);
  if ((ntohl(a.sin_addr.s_addr) >> 24) != 127) {
    ::close(fd);
    return -1;  // loopback only
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    auto n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

// One HTTP/1.1 exchange on a keep-alive connection; the status, or 0.
int http(int fd, const std::string& method, const std::string& target, const std::string& body,
         const std::string& token = {}) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  if (!token.empty()) req += "Authorization: Bearer " + token + "\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  if (!send_all(fd, req)) return 0;
  std::string in;
  char buf[16384];
  for (;;) {
    auto end = in.find("\r\n\r\n");
    if (end != std::string::npos) {
      std::size_t len = 0;
      auto cl = in.find("Content-Length: ");
      if (cl == std::string::npos) cl = in.find("content-length: ");
      if (cl != std::string::npos && cl < end) len = std::stoul(in.substr(cl + 16));
      if (in.size() >= end + 4 + len) return std::atoi(in.c_str() + 9);
    }
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return 0;
    in.append(buf, static_cast<std::size_t>(n));
  }
}

// A keep-alive HTTP client that dials again after a failure; 0 for a
// request that got no answer.
struct http_client {
  endpoint to;
  std::string from;
  int fd = -1;
  int call(const std::string& method, const std::string& target, const std::string& body,
           const std::string& token = {}) {
    if (fd < 0) fd = dial(to, from);
    int st = fd < 0 ? 0 : http(fd, method, target, body, token);
    if (st == 0 && fd >= 0) {
      ::close(fd);
      fd = -1;
    }
    return st;
  }
  ~http_client() {
    if (fd >= 0) ::close(fd);
  }
};

// A client frame (masked).
std::string frame(unsigned opcode, const std::string& payload) {
  std::string out;
  out.push_back(static_cast<char>(0x80 | opcode));
  if (payload.size() < 126) {
    out.push_back(static_cast<char>(0x80 | payload.size()));
  } else if (payload.size() <= 0xFFFF) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(payload.size() >> 8));
    out.push_back(static_cast<char>(payload.size() & 0xFF));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((std::uint64_t{payload.size()} >> (8 * i)) & 0xFF));
  }
  const unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};
  out.append(reinterpret_cast<const char*>(key), 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    out.push_back(static_cast<char>(static_cast<unsigned char>(payload[i]) ^ key[i & 3]));
  return out;
}

// Upgrades to a WebSocket; the socket, or -1.
int ws_open(const endpoint& gw, const std::string& from = "127.0.0.1", int rcvbuf = 0) {
  int fd = dial(gw, from, rcvbuf);
  if (fd < 0) return -1;
  if (!send_all(fd,
                "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")) {
    ::close(fd);
    return -1;
  }
  std::string in;
  char c;
  while (in.find("\r\n\r\n") == std::string::npos) {
    if (::recv(fd, &c, 1, 0) != 1) {
      ::close(fd);
      return -1;
    }
    in.push_back(c);
  }
  if (in.find(" 101 ") == std::string::npos) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads and discards whatever the server sent, without waiting.
long drain(int fd) {
  char buf[65536];
  long total = 0;
  for (;;) {
    auto n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) return n == 0 ? -1 : total;
    total += n;
  }
}

// Runs `step` every `period` until the deadline.
template <class F>
void every(std::chrono::microseconds period, clk::time_point until, F step) {
  auto next = clk::now();
  while (clk::now() < until) {
    step();
    next += period;
    std::this_thread::sleep_until(next);
  }
}

struct setup_result {
  std::string token;        // the attacker's session
  std::string flood_token;  // a second account's, for the ping flood (10 sockets per account)
  std::int64_t attacker_id = 0;
  std::vector<std::string> rooms;     // the ordinary clients' rooms, the attacker a member
  std::vector<std::int64_t> victims;  // ordinary users' ids
  std::string big_room;               // a room full of 16 KB messages
};

// The attacker is a member of the ordinary rooms (a hostile member of a big
// open group), of a room it filled with 300 posts of 4,000 emoji, and owns a
// session; everything set up in PostgreSQL like colibri-chat-load does.
setup_result setup(const args& a) {
  pqxx::connection c(a.pg_url);
  pqxx::work w(c);
  setup_result out;
  auto tag = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  out.attacker_id = w.exec_params1("INSERT INTO users (email, handle, password_hash) VALUES ($1, $2, 'x') RETURNING id",
                                   "attack" + tag + "@example.invalid", "a" + tag.substr(tag.size() - 10))[0]
                        .as<std::int64_t>();
  out.token = auth::create_session(w, out.attacker_id, std::chrono::hours(2));
  auto flooder = w.exec_params1("INSERT INTO users (email, handle, password_hash) VALUES ($1, $2, 'x') RETURNING id",
                                "flood" + tag + "@example.invalid", "f" + tag.substr(tag.size() - 10))[0]
                     .as<std::int64_t>();
  out.flood_token = auth::create_session(w, flooder, std::chrono::hours(2));
  for (auto r :
       w.exec("SELECT id FROM groups WHERE name LIKE 'charge %' AND created_at > now() - interval '10 minutes'"))
    out.rooms.push_back("group:" + r[0].as<std::string>());
  w.exec_params(
      "INSERT INTO memberships (group_id, user_id) SELECT id, $1 FROM groups WHERE name LIKE 'charge %' "
      "AND created_at > now() - interval '10 minutes' ON CONFLICT DO NOTHING",
      out.attacker_id);
  for (auto r :
       w.exec("SELECT m.user_id FROM memberships m JOIN groups g ON g.id = m.group_id WHERE g.name LIKE 'charge %' "
              "AND g.created_at > now() - interval '10 minutes' LIMIT 200"))
    out.victims.push_back(r[0].as<std::int64_t>());
  auto big = w.exec_params1("INSERT INTO groups (name) VALUES ($1) RETURNING id", "gros " + tag)[0].as<std::int64_t>();
  w.exec_params("INSERT INTO memberships (group_id, user_id) VALUES ($1, $2)", big, out.attacker_id);
  out.big_room = "group:" + std::to_string(big);
  std::string body;
  for (int i = 0; i < 4000; ++i) body += "\xF0\x9F\x98\x80";
  for (int i = 0; i < 300; ++i) {
    roomlog::append_request r;
    r.room = out.big_room;
    r.kind = "message";
    r.author_id = out.attacker_id;
    r.body = body;
    if (!roomlog::append_in(w, r)) throw std::runtime_error("big room refused");
  }
  w.commit();
  return out;
}

std::string many_keys_body() {
  std::string s = "{";
  for (int i = 0; s.size() < 65000; ++i) s += "\"k" + std::to_string(i) + "\":0,";
  s.back() = '}';
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--pg-url")
      a.pg_url = v;
    else if (k == "--groups")
      a.groups = parse_endpoint(v);
    else if (k == "--gateway")
      a.gateway = parse_endpoint(v);
    else if (k == "--seconds")
      a.seconds = std::stoi(v);
    else if (k == "--only") {
      std::stringstream ss(v);
      std::string x;
      while (std::getline(ss, x, ',')) a.only.insert(x);
    } else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  if (a.pg_url.empty()) {
    std::cerr << "--pg-url is required\n";
    return 2;
  }
  rlimit rl{65536, 65536};
  setrlimit(RLIMIT_NOFILE, &rl);
  auth::init_crypto();
  auto s = setup(a);
  std::cerr << "attacker " << s.attacker_id << " in " << s.rooms.size() << " rooms, big room " << s.big_room << "\n";
  auto until = clk::now() + std::chrono::seconds(a.seconds);
  tally t;
  std::vector<std::thread> threads;
  using std::chrono::microseconds;
  using std::chrono::milliseconds;

  // F1: 20 sockets that never read (4 KiB receive buffer), 10 before hello and
  // 10 after it, each sending 1,000 empty pings every 100 ms (200,000/s).
  if (a.on("ping"))
    for (int i = 0; i < 20; ++i)
      threads.emplace_back([&, i] {
        while (clk::now() < until) {
          int fd = ws_open(a.gateway, "127.0.0.3", 4096);
          if (fd < 0) {
            t.add("ping", "refused");
            std::this_thread::sleep_for(milliseconds(200));
            continue;
          }
          if (i % 2) send_all(fd, frame(1, R"({"type":"hello","token":")" + s.flood_token + R"("})"));
          std::string pings;
          for (int k = 0; k < 1000; ++k) pings += frame(9, "");
          bool open = true;
          every(milliseconds(100), until, [&] {
            if (!open) return;
            if (send_all(fd, pings))
              t.add("ping", "pings", 1000);
            else
              open = false;
          });
          ::close(fd);
        }
      });

  // F3: 64 KiB bodies of ~6,500 keys to the login endpoint, 20/s, before login.
  if (a.on("keys"))
    threads.emplace_back([&] {
      auto body = many_keys_body();
      http_client c{a.groups, "127.0.0.4"};
      every(milliseconds(50), until,
            [&] { t.add("keys", std::to_string(c.call("POST", "/api/v1/auth/login", body))); });
    });

  // F4: every second, 60 wrong logins at once for one address.
  if (a.on("logins"))
    threads.emplace_back([&] {
      every(milliseconds(1000), until, [&] {
        std::vector<std::thread> burst;
        for (int k = 0; k < 60; ++k)
          burst.emplace_back([&] {
            http_client c{a.groups, "127.0.0.5"};
            t.add("logins", std::to_string(c.call("POST", "/api/v1/auth/login",
                                                  R"({"email":"victime@example.invalid","password":"devine"})")));
          });
        for (auto& b : burst) b.join();
      });
    });

  // F5: a member floods typing in every ordinary room (1,000 frames/s in all)
  // and posts over REST (100/s).
  if (a.on("typing"))
    threads.emplace_back([&] {
      int fd = ws_open(a.gateway, "127.0.0.6");
      if (fd < 0) return t.add("typing", "refused");
      send_all(fd, frame(1, R"({"type":"hello","token":")" + s.token + R"("})"));
      std::size_t k = 0;
      every(milliseconds(10), until, [&] {
        std::string batch;
        for (int j = 0; j < 10 && !s.rooms.empty(); ++j, ++k)
          batch += frame(1, R"({"type":"typing","room":")" + s.rooms[k % s.rooms.size()] + R"("})");
        if (send_all(fd, batch)) t.add("typing", "frames", 10);
        drain(fd);
      });
      ::close(fd);
    });
  if (a.on("rest"))
    threads.emplace_back([&] {
      http_client c{a.groups, "127.0.0.6"};
      long k = 0;
      every(milliseconds(10), until, [&] {
        if (s.rooms.empty()) return;
        auto room = s.rooms[static_cast<std::size_t>(k) % s.rooms.size()];
        auto body = R"({"kind":"message","body":"spam","client_msg_id":"spam)" + std::to_string(k++) + "\"}";
        t.add("rest", std::to_string(c.call("POST", "/api/v1/rooms/" + room + "/events", body, s.token)));
      });
    });

  // F18: subscribe from 0 to the room of 300 posts of 16 KB, 10 times a second.
  if (a.on("backfill"))
    threads.emplace_back([&] {
      int fd = ws_open(a.gateway, "127.0.0.7");
      if (fd < 0) return t.add("backfill", "refused");
      send_all(fd, frame(1, R"({"type":"hello","token":")" + s.token + R"("})"));
      every(milliseconds(100), until, [&] {
        send_all(fd, frame(1, R"({"type":"subscribe","room":")" + s.big_room + R"(","since":0})") +
                         frame(1, R"({"type":"unsubscribe","room":")" + s.big_room + R"("})"));
        auto n = drain(fd);
        if (n < 0) {
          t.add("backfill", "closed");
          ::close(fd);
          fd = ws_open(a.gateway, "127.0.0.7");
          if (fd >= 0) send_all(fd, frame(1, R"({"type":"hello","token":")" + s.token + R"("})"));
        } else {
          t.add("backfill", "bytes", n);
          t.add("backfill", "subscribes");
        }
      });
      if (fd >= 0) ::close(fd);
    });

  // F19: expensive reads and writes, 50/s in all.
  if (a.on("queries"))
    threads.emplace_back([&] {
      http_client c{a.groups, "127.0.0.8"};
      std::mt19937 rng(42);
      long k = 0;
      every(milliseconds(20), until, [&] {
        int st = 0;
        switch (k++ % 3) {
          case 0:
            st = c.call("GET", "/api/v1/groups?limit=200", "", s.token);
            break;
          case 1: {
            auto v = s.victims.empty() ? 1 : s.victims[rng() % s.victims.size()];
            st = c.call("POST", "/api/v1/conversations", R"({"user_ids":[)" + std::to_string(v) + "]}", s.token);
            break;
          }
          default:
            st = c.call("GET",
                        "/api/v1/groups/" + s.big_room.substr(6) + "/celebrations?date=19" +
                            std::to_string(50 + rng() % 50) + "-01-01",
                        "", s.token);
        }
        t.add("queries", std::to_string(st));
      });
    });

  // F20: 200 new sockets a second that never say hello, held open.
  if (a.on("anon"))
    threads.emplace_back([&] {
      std::vector<int> held;
      every(milliseconds(50), until, [&] {
        for (int k = 0; k < 10; ++k) {
          int fd = ws_open(a.gateway, "127.0.0.9");
          if (fd < 0) {
            t.add("anon", "refused");
            continue;
          }
          t.add("anon", "opened");
          held.push_back(fd);
        }
        // The server closes them (1013 past the cap, 4001 after 10 s): let go.
        std::erase_if(held, [&](int fd) {
          if (drain(fd) < 0) {
            ::close(fd);
            t.add("anon", "closed by server");
            return true;
          }
          return false;
        });
      });
      for (int fd : held) ::close(fd);
    });

  for (auto& th : threads) th.join();
  for (const auto& [attack, m] : t.counts) {
    std::printf("%-9s", attack.c_str());
    for (const auto& [what, n] : m) std::printf(" %s=%ld", what.c_str(), n);
    std::printf("\n");
  }
  return 0;
}
