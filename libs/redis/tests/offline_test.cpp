// Behaviour without a server (a closed loopback port). The same classes are
// exercised against a real Redis in tests/redis_test.cpp.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>

#include "colibri/redis/client.hpp"

using namespace colibri;

namespace {
// A loopback port bound but never listened on, held for the whole test binary:
// connecting is refused, and no server started by a test running in parallel
// can take it (a port merely found free and released could be).
std::uint16_t closed_port() {
  static asio::io_context io;
  static asio::ip::tcp::socket held = [] {
    asio::ip::tcp::socket s(io);
    s.open(asio::ip::tcp::v4());
    s.bind({asio::ip::make_address("127.0.0.1"), 0});
    return s;
  }();
  return held.local_endpoint().port();
}
}  // namespace

TEST(RedisOffline, PublisherIsUnhealthyAndDropsWhileDisconnected) {
  asio::io_context io;
  redis::options o;
  o.port = closed_port();
  o.reconnect_min = std::chrono::milliseconds(10);
  redis::publisher pub(io.get_executor(), o);
  pub.start();
  pub.publish("c", "m1");
  pub.publish("c", "m2");
  io.run_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(pub.healthy());
  EXPECT_EQ(pub.dropped(), 2u);
  pub.stop();
  io.run_for(std::chrono::milliseconds(50));
}

TEST(RedisOffline, SubscriberNeverReportsConnectWithoutServer) {
  asio::io_context io;
  redis::options o;
  o.port = closed_port();
  o.reconnect_min = std::chrono::milliseconds(10);
  int connects = 0, disconnects = 0;
  redis::subscriber sub(io.get_executor(), o,
                        {[](std::string_view, std::string_view) {}, [&] { ++disconnects; }, [&] { ++connects; }});
  sub.start();
  sub.subscribe("room:1");
  io.run_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(sub.connected());
  EXPECT_EQ(connects, 0);
  EXPECT_EQ(disconnects, 0);  // it was never connected, so nothing was missed
  sub.stop();
  io.run_for(std::chrono::milliseconds(50));
}
