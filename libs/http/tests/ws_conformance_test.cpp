// WebSocket conformance: the cases of Autobahn|Testsuite families 1-7 and 9
// (crossbario/autobahn-testsuite, autobahntestsuite/case/), carried over
// from their descriptions and run against our framing through an echo
// service on loopback. Autobahn cannot be installed here; the table of
// outcomes is docs/websocket-conformance.md (COLIBRI_CONFORMANCE_REPORT=FILE
// writes it).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "colibri/http/server.hpp"
#include "ws_raw_client.hpp"

using namespace colibri;
using colibri::test_ws::frame;
using colibri::test_ws::raw_client;

namespace {

awaitable<void> echo(std::shared_ptr<http::websocket> ws, http::request) {
  while (auto f = co_await ws->read()) {
    // Binary messages go back as they came: the test reads the opcode.
    ws->send(std::make_shared<const std::string>((f->text ? "T" : "B") + f->data));
  }
}

std::string enc(unsigned op, const std::string& p, bool fin = true, unsigned rsv = 0) {
  return raw_client::encode(op, p, fin, true, rsv << 4);
}
std::string close_frame(int code, const std::string& reason = "") {
  std::string p;
  if (code >= 0) {
    p.push_back(static_cast<char>(code >> 8));
    p.push_back(static_cast<char>(code & 0xFF));
    p += reason;
  }
  return enc(8, p);
}

enum class end { clean, fail, peer_close };

struct expected {
  unsigned opcode;  // 1 text, 2 binary, 10 pong
  std::string payload;
};

struct ws_case {
  std::string id, what;
  std::string bytes;     // what the client sends
  std::size_t chop = 0;  // in pieces of this size (0: at once)
  std::vector<expected> frames;
  end how = end::clean;
  std::vector<int> codes{1002};  // fail: the close codes accepted; peer_close: the echo expected
  bool big = false;              // the 16 MiB server (family 9)
  bool non_strict = false;       // Autobahn grades our outcome NON-STRICT
};

std::vector<ws_case>& cases() {
  static std::vector<ws_case> all;
  return all;
}
void add(ws_case c) { cases().push_back(std::move(c)); }

std::string repeat(char c, std::size_t n) { return std::string(n, c); }

void family1_to_5() {
  const std::size_t lens[] = {0, 125, 126, 127, 128, 65535, 65536};
  for (int bin = 0; bin < 2; ++bin) {
    unsigned op = bin ? 2 : 1;
    for (int i = 0; i < 8; ++i) {
      auto n = lens[i < 7 ? i : 6];
      auto p = repeat(bin ? '\xfe' : '*', n);
      add({"1." + std::to_string(bin + 1) + "." + std::to_string(i + 1),
           std::string(bin ? "binary" : "text") + " of " + std::to_string(n) + (i == 7 ? " in chops of 997" : ""),
           enc(op, p),
           i == 7 ? 997u : 0u,
           {{op, p}}});
    }
  }
  add({"2.1", "ping without payload", enc(9, ""), 0, {{10, ""}}});
  add({"2.2", "ping with small text payload", enc(9, "Hello, world!"), 0, {{10, "Hello, world!"}}});
  std::string bin8("\x00\xff\xfe\xfd\xfc\xfb\x00\xff", 8);
  add({"2.3", "ping with small binary payload", enc(9, bin8), 0, {{10, bin8}}});
  add({"2.4", "ping with 125 octets", enc(9, repeat('\xfe', 125)), 0, {{10, repeat('\xfe', 125)}}});
  add({"2.5", "ping with 126 octets", enc(9, repeat('\xfe', 126)), 0, {}, end::fail});
  add({"2.6", "ping with 125 octets, octet-wise", enc(9, repeat('\xfe', 125)), 1, {{10, repeat('\xfe', 125)}}});
  add({"2.7", "unsolicited pong without payload", enc(10, ""), 0, {}});
  add({"2.8", "unsolicited pong with payload", enc(10, "unsolicited pong payload"), 0, {}});
  add({"2.9",
       "unsolicited pong, then ping",
       enc(10, "unsolicited pong payload") + enc(9, "ping payload"),
       0,
       {{10, "ping payload"}}});
  for (int chopped = 0; chopped < 2; ++chopped) {
    std::string b;
    std::vector<expected> e;
    for (int i = 0; i < 10; ++i) {
      b += enc(9, "payload-" + std::to_string(i));
      e.push_back({10, "payload-" + std::to_string(i)});
    }
    add({chopped ? "2.11" : "2.10", "10 pings" + std::string(chopped ? ", octet-wise" : ""), b, chopped ? 1u : 0u, e});
  }
  add({"3.1", "text with RSV = 1", enc(1, "Hello, world!", true, 1), 0, {}, end::fail});
  add({"3.2",
       "text, then text with RSV = 2, then ping",
       enc(1, "Hello, world!") + enc(1, "x", true, 2) + enc(9, ""),
       0,
       {{1, "Hello, world!"}},
       end::fail});
  add({"3.3",
       "as 3.2 with RSV = 3, frame-wise",
       enc(1, "Hello, world!") + enc(1, "x", true, 3) + enc(9, ""),
       0,
       {{1, "Hello, world!"}},
       end::fail});
  add({"3.4",
       "as 3.2 with RSV = 4, octet-wise",
       enc(1, "Hello, world!") + enc(1, "x", true, 4) + enc(9, ""),
       1,
       {{1, "Hello, world!"}},
       end::fail});
  add({"3.5", "binary with RSV = 5", enc(2, bin8, true, 5), 0, {}, end::fail});
  add({"3.6", "ping with RSV = 6", enc(9, "Hello, world!", true, 6), 0, {}, end::fail});
  add({"3.7", "close with RSV = 7", raw_client::encode(8, "", true, true, 7 << 4), 0, {}, end::fail});
  int n = 0;
  for (unsigned op : {3u, 4u, 5u, 6u, 7u}) {
    ++n;
    bool after_echo = op >= 5;
    add({"4.1." + std::to_string(n), "reserved non-control opcode " + std::to_string(op),
         (after_echo ? enc(1, "Hello, world!") : "") + enc(op, op == 3 ? "" : "reserved opcode payload") +
             (after_echo ? enc(9, "") : ""),
         0, after_echo ? std::vector<expected>{{1, "Hello, world!"}} : std::vector<expected>{}, end::fail});
  }
  n = 0;
  for (unsigned op : {11u, 12u, 13u, 14u, 15u}) {
    ++n;
    bool after_echo = op >= 13;
    add({"4.2." + std::to_string(n), "reserved control opcode " + std::to_string(op),
         (after_echo ? enc(1, "Hello, world!") : "") + enc(op, op == 11 ? "" : "reserved opcode payload") +
             (after_echo ? enc(9, "") : ""),
         0, after_echo ? std::vector<expected>{{1, "Hello, world!"}} : std::vector<expected>{}, end::fail});
  }
  // Family 5: fragmentation.
  add({"5.1", "ping in 2 fragments", enc(9, "fragment1", false) + enc(0, "fragment2"), 0, {}, end::fail});
  add({"5.2", "pong in 2 fragments", enc(10, "fragment1", false) + enc(0, "fragment2"), 0, {}, end::fail});
  for (int chop = 0; chop < 2; ++chop) {
    auto b = enc(1, "fragment1", false) + enc(0, "fragment2");
    add({chop ? "5.4" : "5.3",
         "text in 2 fragments" + std::string(chop ? ", octet-wise" : ""),
         b,
         chop ? 1u : 0u,
         {{1, "fragment1fragment2"}}});
  }
  add({"5.5",
       "text in 2 fragments, each sent after a pause",
       enc(1, "fragment1", false) + enc(0, "fragment2"),
       1,
       {{1, "fragment1fragment2"}}});
  auto ping_between = enc(1, "fragment1", false) + enc(9, "ping payload") + enc(0, "fragment2");
  add({"5.6",
       "text in 2 fragments, ping in between",
       ping_between,
       0,
       {{10, "ping payload"}, {1, "fragment1fragment2"}}});
  add({"5.7", "as 5.6, octet-wise", ping_between, 1, {{10, "ping payload"}, {1, "fragment1fragment2"}}});
  add({"5.8", "as 5.6, frame by frame", ping_between, 3, {{10, "ping payload"}, {1, "fragment1fragment2"}}});
  const char* bad_start[] = {"5.9", "5.10", "5.11"};
  for (int i = 0; i < 3; ++i)
    add({bad_start[i],
         "unfragmented continuation first, then a text",
         enc(0, "non-continuation payload") + enc(1, "Hello, world!"),
         i == 1 ? 1u : 0u,
         {},
         end::fail});
  const char* bad_fin[] = {"5.12", "5.13", "5.14"};
  for (int i = 0; i < 3; ++i)
    add({bad_fin[i],
         "continuation (not final) first, then a text",
         enc(0, "non-continuation payload", false) + enc(1, "Hello, world!"),
         i == 1 ? 1u : 0u,
         {},
         end::fail});
  add({"5.15",
       "text in 2 fragments, then continuation after the end",
       enc(1, "fragment1", false) + enc(0, "fragment2") + enc(0, "fragment3", false) + enc(0, "fragment4"),
       0,
       {{1, "fragment1fragment2"}},
       end::fail});
  const char* repeat3[] = {"5.16", "5.17", "5.18"};
  for (int i = 0; i < 3; ++i) {
    std::string b;
    for (int k = 0; k < 2; ++k)
      b += i == 2 ? enc(1, "fragment1", false) + enc(1, "fragment2")
                  : enc(0, "fragment1", i == 1) + enc(1, "fragment2", false) + enc(0, "fragment3");
    add({repeat3[i], "continuation and text frames out of order", b, 0, {}, end::fail});
  }
  auto with_pings = enc(1, "fragment1", false) + enc(0, "fragment2", false) + enc(9, "pongme 1!") +
                    enc(0, "fragment3", false) + enc(9, "pongme 2!") + enc(0, "fragment4", false) + enc(0, "fragment5");
  add({"5.19",
       "text in 5 fragments, 2 pings in between",
       with_pings,
       0,
       {{10, "pongme 1!"}, {10, "pongme 2!"}, {1, "fragment1fragment2fragment3fragment4fragment5"}}});
  add({"5.20",
       "as 5.19, frame by frame",
       with_pings,
       7,
       {{10, "pongme 1!"}, {10, "pongme 2!"}, {1, "fragment1fragment2fragment3fragment4fragment5"}}});
}

void family6_and_7() {
  // 6.1-6.4: UTF-8 across fragments (the byte sequences of case6_*).
  add({"6.1.1", "empty text", enc(1, ""), 0, {{1, ""}}});
  add({"6.1.2", "empty text in 3 empty fragments", enc(1, "", false) + enc(0, "", false) + enc(0, ""), 0, {{1, ""}}});
  add({"6.1.3",
       "text in 3 fragments, first and last empty",
       enc(1, "", false) + enc(0, "middle frame payload", false) + enc(0, ""),
       0,
       {{1, "middle frame payload"}}});
  std::string hello = "Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!";
  add({"6.2.1", "valid UTF-8 in one fragment", enc(1, hello), 0, {{1, hello}}});
  add({"6.2.2",
       "valid UTF-8 in 2 fragments, split on a code point boundary",
       enc(1, hello.substr(0, 12), false) + enc(0, hello.substr(12)),
       0,
       {{1, hello}}});
  std::string all;
  for (char c : hello) all += enc(0, std::string(1, c), false);
  add({"6.2.3", "valid UTF-8 in fragments of one octet", enc(1, "", false) + all + enc(0, ""), 0, {{1, hello}}});
  std::string kappa = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5";
  std::string octets;
  for (char c : kappa) octets += enc(0, std::string(1, c), false);
  add({"6.2.4",
       "valid UTF-8 in fragments of one octet (multi-octet code points)",
       enc(1, "", false) + octets + enc(0, ""),
       0,
       {{1, kappa}}});
  std::string bad = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64";
  add({"6.3.1", "invalid UTF-8 (a surrogate) in one frame", enc(1, bad), 0, {}, end::fail, {1007}});
  std::string octets_bad;
  for (char c : bad) octets_bad += enc(0, std::string(1, c), false);
  add({"6.3.2",
       "the same in fragments of one octet",
       enc(1, "", false) + octets_bad + enc(0, ""),
       0,
       {},
       end::fail,
       {1007},
       false,
       true});
  std::string p1 = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", p2 = "\xf4\x90\x80\x80",
              p3 = "\x65\x64\x69\x74\x65\x64";
  add({"6.4.1",
       "invalid UTF-8 in the middle fragment of 3",
       enc(1, p1, false) + enc(0, p2, false) + enc(0, p3),
       0,
       {},
       end::fail,
       {1007},
       false,
       true});
  add({"6.4.2",
       "as 6.4.1 with the invalid octet alone",
       enc(1, p1 + "\xf4", false) + enc(0, "\x90", false) + enc(0, "\x80\x80" + p3),
       0,
       {},
       end::fail,
       {1007},
       false,
       true});
  add({"6.4.3",
       "invalid UTF-8 sent in chops of 1 octet (one frame)",
       enc(1, p1 + p2 + p3),
       1,
       {},
       end::fail,
       {1007},
       false,
       true});
  add({"6.4.4",
       "as 6.4.3, the frame's octets with pauses",
       enc(1, p1 + p2 + p3),
       1,
       {},
       end::fail,
       {1007},
       false,
       true});

  // Family 7: closing.
  add({"7.1.1", "text, then close", enc(1, "Hello World!"), 0, {{1, "Hello World!"}}});
  add({"7.1.2", "close twice", close_frame(1000) + close_frame(1000), 0, {}, end::peer_close, {1000}});
  add({"7.1.3", "close, then ping", close_frame(1000) + enc(9, "Hello World!"), 0, {}, end::peer_close, {1000}});
  add({"7.1.4", "close, then text", close_frame(1000) + enc(1, "Hello World!"), 0, {}, end::peer_close, {1000}});
  add({"7.1.5",
       "first fragment, close, last fragment",
       enc(1, "fragment1", false) + close_frame(1000) + enc(0, "fragment2"),
       0,
       {},
       end::peer_close,
       {1000}});
  add({"7.1.6",
       "large text, then close, then ping (the close is not overtaken)",
       enc(1, repeat('B', 256 * 1024)) + close_frame(1000) + enc(9, "Hello World!"),
       0,
       {{1, repeat('B', 256 * 1024)}},
       end::peer_close,
       {1000},
       true});
  add({"7.3.1", "close without payload", enc(8, ""), 0, {}, end::peer_close, {1005}});
  add({"7.3.2", "close with a 1-octet payload", enc(8, "*"), 0, {}, end::fail});
  add({"7.3.3", "close with code 1000", close_frame(1000), 0, {}, end::peer_close, {1000}});
  add({"7.3.4",
       "close with code 1000 and a reason",
       close_frame(1000, "Hello World!"),
       0,
       {},
       end::peer_close,
       {1000}});
  add({"7.3.5", "close with a 123-octet reason", close_frame(1000, repeat('*', 123)), 0, {}, end::peer_close, {1000}});
  add({"7.3.6",
       "close with a 124-octet reason (payload 126: too long)",
       close_frame(1000, repeat('*', 124)),
       0,
       {},
       end::fail});
  add({"7.5.1",
       "close with an invalid UTF-8 reason",
       close_frame(1000, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64"),
       0,
       {},
       end::fail,
       {1007}});
  int i = 0;
  for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999})
    add({"7.7." + std::to_string(++i),
         "close with valid code " + std::to_string(code),
         close_frame(code),
         0,
         {},
         end::peer_close,
         {code}});
  i = 0;
  for (int code : {0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999})
    add({"7.9." + std::to_string(++i),
         "close with invalid code " + std::to_string(code),
         close_frame(code),
         0,
         {},
         end::fail});
  add({"7.13.1", "close with code 5000 (out of range)", close_frame(5000), 0, {}, end::fail});
  add({"7.13.2", "close with code 65535", close_frame(65535), 0, {}, end::fail});
}

// 6.5-6.23: every UTF-8 test sequence of Autobahn's case6_x_x (Markus
// Kuhn's UTF-8 decoder test), one text frame each, valid ones echoed and
// invalid ones failing with 1007; generated from case6_x_x.py's own builder
// into tests/data/autobahn_case6.tsv (id, valid, payload in hex, group).
void family6_sequences() {
  std::ifstream in(COLIBRI_HTTP_TEST_DATA "/autobahn_case6.tsv");
  std::string line;
  while (std::getline(in, line)) {
    auto t1 = line.find('\t'), t2 = line.find('\t', t1 + 1), t3 = line.find('\t', t2 + 1);
    auto id = line.substr(0, t1);
    bool valid = line[t1 + 1] == '1';
    auto hex = line.substr(t2 + 1, t3 - t2 - 1);
    std::string p;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
      p.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    auto what = line.substr(t3 + 1) + (valid ? ", valid" : ", invalid") + " (0x" + hex.substr(0, 40) +
                (hex.size() > 40 ? "..." : "") + ")";
    if (valid)
      add({id, what, enc(1, p), 0, {{1, p}}});
    else
      add({id, what, enc(1, p), 0, {}, end::fail, {1007}});
  }
}

void family9() {
  const std::size_t sizes[] = {64 << 10, 256 << 10, 1 << 20, 4 << 20, 8 << 20, 16 << 20};
  for (int bin = 0; bin < 2; ++bin)
    for (int i = 0; i < 6; ++i) {
      unsigned op = bin ? 2 : 1;
      auto p = repeat(bin ? '\xfe' : '*', sizes[i]);
      add({"9." + std::to_string(bin + 1) + "." + std::to_string(i + 1),
           std::string(bin ? "binary" : "text") + " of " + std::to_string(sizes[i] >> 10) + " KiB",
           enc(op, p),
           0,
           {{op, p}},
           end::clean,
           {},
           true});
    }
  const std::size_t frags[] = {64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20};
  for (int bin = 0; bin < 2; ++bin)
    for (int i = 0; i < 9; ++i) {
      unsigned op = bin ? 2 : 1;
      std::size_t total = 4 << 20, f = frags[i];
      auto p = repeat(bin ? '\xfe' : '*', total);
      std::string b;
      for (std::size_t at = 0; at < total; at += f) b += enc(at == 0 ? op : 0, p.substr(at, f), at + f >= total);
      add({"9." + std::to_string(bin + 3) + "." + std::to_string(i + 1),
           std::string(bin ? "binary" : "text") + " of 4 MiB in fragments of " + std::to_string(f),
           b,
           0,
           {{op, p}},
           end::clean,
           {},
           true});
    }
  const std::size_t chops[] = {64, 128, 256, 512, 1024, 2048};
  for (int bin = 0; bin < 2; ++bin)
    for (int i = 0; i < 6; ++i) {
      unsigned op = bin ? 2 : 1;
      auto p = repeat(bin ? '\xfe' : '*', 1 << 20);
      add({"9." + std::to_string(bin + 5) + "." + std::to_string(i + 1),
           std::string(bin ? "binary" : "text") + " of 1 MiB in chops of " + std::to_string(chops[i]),
           enc(op, p),
           chops[i],
           {{op, p}},
           end::clean,
           {},
           true});
    }
  const std::size_t small[] = {0, 16, 64, 256, 1024, 4096};
  for (int bin = 0; bin < 2; ++bin)
    for (int i = 0; i < 6; ++i) {
      unsigned op = bin ? 2 : 1;
      auto p = repeat(bin ? '\xfe' : '*', small[i]);
      std::string b;
      std::vector<expected> e;
      for (int k = 0; k < 1000; ++k) {
        b += enc(op, p);
        e.push_back({op, p});
      }
      add({"9." + std::to_string(bin + 7) + "." + std::to_string(i + 1),
           "1000 " + std::string(bin ? "binary" : "text") + " messages of " + std::to_string(small[i]),
           b,
           0,
           e,
           end::clean,
           {},
           true});
    }
}

struct registry {
  registry() {
    family1_to_5();
    family6_and_7();
    family6_sequences();
    family9();
  }
};

class WsConformance : public ::testing::TestWithParam<std::size_t> {
 protected:
  static void SetUpTestSuite() {
    for (int big = 0; big < 2; ++big) {
      http::server_options o;
      o.port = 0;
      o.ws_max_message = big ? 16u << 20 : 64u << 10;
      servers_[big] = std::make_unique<http::server>(io_, o, routes_, echo);
      servers_[big]->start();
    }
    thread_ = std::thread([] { io_.run(); });
  }
  static void TearDownTestSuite() {
    for (auto& s : servers_) s->stop();
    io_.stop();
    thread_.join();
  }
  static inline asio::io_context io_;
  static inline http::router routes_;
  static inline std::unique_ptr<http::server> servers_[2];
  static inline std::thread thread_;
};

// The outcome of one case: "" when it passes.
std::string run_case(const ws_case& c, std::uint16_t port) {
  raw_client cl(port);
  if (c.chop == 0) {
    cl.send_raw(c.bytes);
  } else {
    for (std::size_t at = 0; at < c.bytes.size(); at += c.chop) cl.send_raw(c.bytes.substr(at, c.chop));
  }
  for (std::size_t i = 0; i < c.frames.size(); ++i) {
    auto f = cl.next();
    if (!f) return "frame " + std::to_string(i) + " missing";
    auto want = c.frames[i];
    std::string got = f->payload;
    unsigned op = f->opcode;
    if (op == 1 && !got.empty()) {  // the echo service tags the kind
      op = got[0] == 'B' ? 2 : 1;
      got.erase(0, 1);
    }
    if (op != want.opcode) return "frame " + std::to_string(i) + ": opcode " + std::to_string(op);
    if (got != want.payload)
      return "frame " + std::to_string(i) + ": payload differs (" + std::to_string(got.size()) + " octets)";
  }
  if (c.how == end::clean) cl.send_raw(close_frame(1000));
  auto f = cl.next();
  if (!f) return "no close frame";
  if (f->opcode != 8) return "a frame (opcode " + std::to_string(f->opcode) + ") instead of the close";
  int code = f->payload.size() >= 2
                 ? (static_cast<unsigned char>(f->payload[0]) << 8) | static_cast<unsigned char>(f->payload[1])
                 : 1005;
  if (c.how == end::clean && code != 1000) return "closed with " + std::to_string(code);
  if (c.how != end::clean) {
    bool ok = false;
    for (int want : c.codes) ok = ok || want == code;
    if (!ok) return "closed with " + std::to_string(code);
  }
  if (c.how == end::fail) cl.send_raw(close_frame(code == 1005 ? 1000 : code));
  if (!cl.sees_eof()) return "the server did not end the TCP stream";
  return "";
}

TEST_P(WsConformance, Case) {
  static const registry once;
  const auto& c = cases().at(GetParam());
  auto outcome = run_case(c, servers_[c.big ? 1 : 0]->port());
  EXPECT_EQ(outcome, "") << c.id << " (" << c.what << ")";
  if (const char* report = std::getenv("COLIBRI_CONFORMANCE_REPORT")) {
    std::ofstream out(report, std::ios::app);
    out << "| " << c.id << " | " << c.what << " | "
        << (outcome.empty() ? (c.non_strict ? "pass (NON-STRICT: fails at the message's end, not fast)" : "pass")
                            : "FAIL: " + outcome)
        << " |\n";
  }
}

std::size_t case_count() {
  static const registry once;
  return cases().size();
}

INSTANTIATE_TEST_SUITE_P(Autobahn, WsConformance, ::testing::Range<std::size_t>(0, case_count()),
                         [](const ::testing::TestParamInfo<std::size_t>& info) {
                           auto id = cases().at(info.param).id;
                           for (auto& ch : id)
                             if (ch == '.') ch = '_';
                           return "Case" + id;
                         });

}  // namespace

namespace {

// The table is whole: a missing data file or a dropped family fails here.
TEST(WsConformanceTable, HoldsEveryCaseOfFamilies1To7And9) {
  std::map<std::string, int> per_family;
  for (std::size_t i = 0; i < case_count(); ++i) ++per_family[cases()[i].id.substr(0, cases()[i].id.find('.'))];
  EXPECT_EQ(per_family["1"], 16);
  EXPECT_EQ(per_family["2"], 11);
  EXPECT_EQ(per_family["3"], 7);
  EXPECT_EQ(per_family["4"], 10);
  EXPECT_EQ(per_family["5"], 20);
  EXPECT_EQ(per_family["6"], 3 + 4 + 2 + 4 + 132);
  EXPECT_EQ(per_family["7"], 6 + 6 + 1 + 13 + 9 + 2);
  EXPECT_EQ(per_family["9"], 54);
  EXPECT_EQ(case_count(), 300u);
}

}  // namespace
