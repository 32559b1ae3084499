#pragma once
// What the REST load generators share (rest_load.cpp, meetings_load.cpp):
// the clock, the target's address, a keep-alive connection and the wait for
// a request's scheduled time (latency is counted from it).
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "colibri/net/asio.hpp"

namespace loadtest {

inline std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// "127.0.0.1:8081".
inline void parse_target(const std::string& v, std::string& host, unsigned short& port) {
  auto colon = v.rfind(':');
  host = v.substr(0, colon);
  port = static_cast<unsigned short>(std::stoi(v.substr(colon + 1)));
}

// Connects (no Nagle); false with the reason in `first_bad` (when empty) otherwise.
inline colibri::awaitable<bool> connect_to(boost::beast::tcp_stream& stream, const std::string& host,
                                           unsigned short port, std::string& first_bad) {
  using tcp = boost::asio::ip::tcp;
  auto [ec] = co_await stream.async_connect(tcp::endpoint(boost::asio::ip::make_address(host), port),
                                            boost::asio::as_tuple(boost::asio::use_awaitable));
  if (ec) {
    if (first_bad.empty()) first_bad = "connect: " + ec.message();
    co_return false;
  }
  stream.socket().set_option(tcp::no_delay(true));
  co_return true;
}

// Until the scheduled time (now_us() clock).
inline colibri::awaitable<void> wait_until(boost::asio::steady_timer& timer, std::int64_t due_us) {
  if (auto wait = due_us - now_us(); wait > 0) {
    timer.expires_after(std::chrono::microseconds(wait));
    co_await timer.async_wait(boost::asio::use_awaitable);
  }
}

}  // namespace loadtest
