// The server's WebSocket framing (ws_connection), driven byte by byte from a
// raw loopback socket: what RFC 6455 asks of a server, and what our gateway
// relies on (gathered writes, bounded queue, close handshake, keep-alive).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "colibri/http/server.hpp"
#include "ws_raw_client.hpp"

using namespace colibri;
using colibri::test_ws::frame;
using colibri::test_ws::raw_client;

namespace {

// The connection's queued bytes, as last seen by the echo service's "queued".
std::atomic<std::int64_t> g_queued{-1};

// An echo service: "burst:N" answers N frames sent between cork and uncork;
// "fill:N" queues N frames of 60,000 bytes; "close:CODE" closes with that
// code; "queued" records the bytes queued in g_queued.
void answer(http::websocket& ws, const http::ws_frame& f) {
  if (f.data == "queued") {
    g_queued = static_cast<std::int64_t>(ws.queued_bytes());
  } else if (f.data.starts_with("fill:")) {
    auto big = std::make_shared<const std::string>(60000, 'f');
    for (int i = 0, n = std::stoi(f.data.substr(5)); i < n; ++i) ws.send(big);
  } else if (f.data.starts_with("burst:")) {
    int n = std::stoi(f.data.substr(6));
    ws.cork();
    for (int i = 0; i < n; ++i) ws.send(std::make_shared<const std::string>("b" + std::to_string(i)));
    ws.uncork();
  } else if (f.data.starts_with("close:")) {
    ws.close(static_cast<std::uint16_t>(std::stoi(f.data.substr(6))), "bye", false);
  } else {
    ws.send(std::make_shared<const std::string>((f.text ? "text:" : "binary:") + f.data));
  }
}

awaitable<void> echo(std::shared_ptr<http::websocket> ws, http::request) {
  while (auto f = co_await ws->read()) answer(*ws, *f);
}

// The same service read through callbacks (async_read), as the gateway reads.
void echo_next(std::shared_ptr<http::websocket> ws) {
  auto& w = *ws;
  w.async_read([ws = std::move(ws)](std::optional<http::ws_frame> f) mutable {
    if (!f) return;
    answer(*ws, *f);
    echo_next(std::move(ws));
  });
}

awaitable<void> echo_by_callbacks(std::shared_ptr<http::websocket> ws, http::request) {
  echo_next(std::move(ws));
  co_return;
}

// Every test runs against both ways of reading.
class WsFraming : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { start(std::chrono::seconds(60)); }
  void start(std::chrono::seconds idle) {
    http::server_options o;
    o.port = 0;
    o.ws_max_message = 1024;
    o.ws_idle_timeout = idle;
    server_ = std::make_unique<http::server>(io_, o, routes_, GetParam() ? echo_by_callbacks : echo);
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    server_->stop();
    io_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return server_->port(); }

  asio::io_context io_;
  http::router routes_;
  std::unique_ptr<http::server> server_;
  std::thread thread_;
};

}  // namespace

TEST_P(WsFraming, HandshakeAnswersTheRfcAcceptKey) {
  raw_client c(port());
  EXPECT_EQ(c.status_line, "HTTP/1.1 101 Switching Protocols");
  EXPECT_TRUE(c.accept_header);
}

TEST_P(WsFraming, EchoesTextAndBinaryAndJoinsFragmentsAroundAPing) {
  raw_client c(port());
  c.send_raw(raw_client::encode(1, "bonjour"));
  auto f = c.next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, 1u);
  EXPECT_TRUE(f->fin);
  EXPECT_EQ(f->payload, "text:bonjour");
  // Fragments with a ping in between: the pong comes first, then one message.
  c.send_raw(raw_client::encode(1, "dé", false) + raw_client::encode(9, "p1") + raw_client::encode(0, "jà", false) +
             raw_client::encode(0, " vu"));
  f = c.next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, 10u);
  EXPECT_EQ(f->payload, "p1");
  f = c.next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload, "text:déjà vu");  // a character split across fragments is fine
  c.send_raw(raw_client::encode(2, std::string("\x00\xff", 2)));
  f = c.next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload, std::string("binary:\x00\xff", 9));
}

TEST_P(WsFraming, AFrameDeliveredByteByByteAndManyFramesInOneSegment) {
  raw_client c(port());
  auto bytes = raw_client::encode(1, std::string(300, 'x'));  // 16-bit length
  for (char ch : bytes) c.send_raw(std::string(1, ch));
  auto f = c.next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload, "text:" + std::string(300, 'x'));
  std::string many;
  for (int i = 0; i < 50; ++i) many += raw_client::encode(1, std::to_string(i));
  c.send_raw(many);
  for (int i = 0; i < 50; ++i) {
    f = c.next();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->payload, "text:" + std::to_string(i));
  }
}

TEST_P(WsFraming, ABurstLeavesInOrderWithAllItsFrames) {
  raw_client c(port());
  c.send_raw(raw_client::encode(1, "burst:2000"));
  for (int i = 0; i < 2000; ++i) {
    auto f = c.next();
    ASSERT_TRUE(f) << i;
    ASSERT_EQ(f->payload, "b" + std::to_string(i));
  }
}

namespace {
// Waits (bounded) for the echo service to record its queue after "queued".
std::int64_t queued_now(raw_client& c) {
  g_queued = -1;
  c.send_raw(raw_client::encode(1, "queued"));
  for (int i = 0; i < 500 && g_queued < 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return g_queued;
}
}  // namespace

TEST_P(WsFraming, APingFloodFromAPeerThatNeverReadsQueuesABoundedNumberOfPongs) {
  // F1: each ping used to queue a pong; a peer that never reads grew the
  // gateway by about 1 GB in 8 s. Past 16 pongs waiting to leave, a ping
  // replaces the payload of the last one: the latest ping is answered.
  raw_client c(port(), 4096);
  c.send_raw(raw_client::encode(1, "fill:200"));  // 12 MB: the socket stops taking bytes
  auto before = queued_now(c);
  ASSERT_GT(before, 0);
  std::string pings;
  for (int i = 0; i < 1000; ++i) pings += raw_client::encode(9, "p" + std::to_string(i));
  for (int i = 0; i < 100; ++i) c.send_raw(pings);  // 100,000 pings
  auto after = queued_now(c);
  ASSERT_GE(after, 0);
  EXPECT_LE(after, before + 16 * (2 + 125)) << "more than 16 pongs queued";
  // Reading again: the data, then at most 16 pongs, the last carrying the latest ping.
  int pongs = 0;
  std::string last;
  for (int data = 0; data < 200 || last != "p999";) {
    auto f = c.next();
    ASSERT_TRUE(f);
    if (f->opcode == 10) {
      ++pongs;
      last = f->payload;
    } else if (f->fin) {
      ++data;
    }
    ASSERT_LE(pongs, 17);
  }
  EXPECT_EQ(last, "p999");
}

TEST_P(WsFraming, TenPingsInOneBurstGetTenPongsInOrder) {
  // Autobahn 2.10 and 2.11: every ping of a burst is answered, in order,
  // whether the bytes arrive at once or one by one.
  for (bool bytewise : {false, true}) {
    raw_client c(port());
    std::string pings;
    for (int i = 0; i < 10; ++i) pings += raw_client::encode(9, "payload-" + std::to_string(i));
    if (bytewise)
      for (char b : pings) c.send_raw(std::string(1, b));
    else
      c.send_raw(pings);
    for (int i = 0; i < 10; ++i) {
      auto f = c.next();
      ASSERT_TRUE(f) << i;
      EXPECT_EQ(f->opcode, 10u);
      EXPECT_EQ(f->payload, "payload-" + std::to_string(i)) << (bytewise ? "bytewise" : "at once");
    }
  }
}

TEST_P(WsFraming, ProtocolErrorsClose1002) {
  {
    raw_client c(port());
    c.send_raw(raw_client::encode(1, "no mask", true, /*masked=*/false));
    EXPECT_EQ(c.close_code(), 1002);
    EXPECT_TRUE(c.sees_eof());
  }
  {
    raw_client c(port());
    c.send_raw(raw_client::encode(1, "rsv", true, true, /*rsv=*/0x40));
    EXPECT_EQ(c.close_code(), 1002);
  }
  {
    raw_client c(port());
    c.send_raw(raw_client::encode(0, "continuation without a start"));
    EXPECT_EQ(c.close_code(), 1002);
  }
  {
    raw_client c(port());
    c.send_raw(raw_client::encode(1, "a", false) + raw_client::encode(1, "new message inside a fragmented one"));
    EXPECT_EQ(c.close_code(), 1002);
  }
  {
    raw_client c(port());
    c.send_raw(raw_client::encode(9, std::string(126, 'p')));  // control frame over 125 bytes
    EXPECT_EQ(c.close_code(), 1002);
  }
  {
    raw_client c(port());
    c.send_raw(raw_client::encode(3, "reserved opcode"));
    EXPECT_EQ(c.close_code(), 1002);
  }
  {
    raw_client c(port());
    c.send_raw(raw_client::encode(8, std::string("\x03\xed", 2)));  // close code 1005 may not be sent
    EXPECT_EQ(c.close_code(), 1002);
  }
}

TEST_P(WsFraming, OversizedMessagesClose1009BeforeTheirBytesArrive) {
  {
    raw_client c(port());
    // Only the header of a 2^40-byte frame: refused from the header alone.
    std::string head = "\x81\xff";
    for (int i = 7; i >= 0; --i) head.push_back(static_cast<char>(i == 4 ? 1 : 0));
    head += "abcd";
    c.send_raw(head);
    EXPECT_EQ(c.close_code(), 1009);
  }
  {
    raw_client c(port());
    // Fragments that add up past the 1024-byte limit.
    c.send_raw(raw_client::encode(1, std::string(600, 'a'), false) + raw_client::encode(0, std::string(600, 'b')));
    EXPECT_EQ(c.close_code(), 1009);
  }
  {
    raw_client c(port());
    c.send_raw(raw_client::encode(1, std::string(1024, 'a')));  // exactly the limit passes
    auto f = c.next();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->payload.size(), 5u + 1024u);
  }
}

TEST_P(WsFraming, InvalidUtf8TextCloses1007) {
  raw_client c(port());
  c.send_raw(raw_client::encode(1, "\xC3\x28"));
  EXPECT_EQ(c.close_code(), 1007);
}

TEST_P(WsFraming, TheCloseHandshakeBothWays) {
  {
    raw_client c(port());  // the client closes: its code is echoed, then the server ends the stream
    c.send_raw(raw_client::encode(8, std::string("\x03\xe8", 2) + "fin"));
    EXPECT_EQ(c.close_code(), 1000);
    EXPECT_TRUE(c.sees_eof());
  }
  {
    raw_client c(port());  // the server closes: frames queued before it still arrive
    c.send_raw(raw_client::encode(1, "avant") + raw_client::encode(1, "close:4008"));
    auto f = c.next();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->payload, "text:avant");
    EXPECT_EQ(c.close_code(), 4008);
    c.send_raw(raw_client::encode(1, "ignored while closing") + raw_client::encode(8, std::string("\x0f\xa8", 2)));
    EXPECT_TRUE(c.sees_eof());
  }
}

class WsKeepAlive : public WsFraming {
 protected:
  void SetUp() override { start(std::chrono::seconds(2)); }
};

TEST_P(WsKeepAlive, ASilentPeerIsPingedThenDropped) {
  raw_client c(port());
  auto f = c.next();  // after 1 s of silence
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, 9u);
  // No pong: dropped at the next tick.
  EXPECT_FALSE(c.next());
}

TEST_P(WsKeepAlive, APeerThatAnswersPingsStays) {
  raw_client c(port());
  for (int i = 0; i < 3; ++i) {
    auto f = c.next();
    ASSERT_TRUE(f);
    ASSERT_EQ(f->opcode, 9u);
    c.send_raw(raw_client::encode(10, f->payload));
  }
  c.send_raw(raw_client::encode(1, "encore là"));
  auto f = c.next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload, "text:encore là");
}

TEST(HttpServer, HeadAnswersTheHeaderWithoutTheBodySoKeepAliveStaysInStep) {
  // F17: HEAD was answered with the GET handler's body.
  asio::io_context io;
  http::router routes;
  routes.get("/thing",
             [](http::request&) -> awaitable<http::response> { co_return http::response::json(200, R"({"a":1})"); });
  http::server_options o;
  o.port = 0;
  http::server server(io, o, routes);
  server.start();
  std::thread th([&] { io.run(); });
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(server.port());
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  std::string req = "HEAD /thing HTTP/1.1\r\nHost: x\r\n\r\nGET /thing HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  std::string in;
  char buf[4096];
  while (in.find("{\"a\":1}") == std::string::npos) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  server.stop();
  io.stop();
  th.join();
  auto second = in.find("HTTP/1.1 200", 1);
  ASSERT_NE(second, std::string::npos) << in;
  auto first = in.substr(0, second);
  EXPECT_NE(first.find("Content-Length: 7"), std::string::npos) << first;
  EXPECT_EQ(first.find("{\"a\":1}"), std::string::npos) << "a HEAD answer carried a body";
  EXPECT_EQ(first.substr(first.size() - 4), "\r\n\r\n");
}

INSTANTIATE_TEST_SUITE_P(ReadBy, WsFraming, ::testing::Values(false, true),
                         [](const auto& i) { return i.param ? "callbacks" : "coroutine"; });
INSTANTIATE_TEST_SUITE_P(ReadBy, WsKeepAlive, ::testing::Values(false, true),
                         [](const auto& i) { return i.param ? "callbacks" : "coroutine"; });
