#pragma once
// One client socket (after Asio's chat_server): a reader coroutine and a
// writer coroutine on the connection's strand. Only the writer writes; it
// sleeps on a timer that deliver() cancels. The outbox is bounded: past the
// bound the client is too slow and is closed with 4008.
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "colibri/core/result.hpp"
#include "colibri/http/websocket.hpp"
#include "colibri/net/asio.hpp"

namespace colibri::chat {

class gateway;

namespace close_code {
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t policy = 1008;
inline constexpr std::uint16_t server_error = 1011;
inline constexpr std::uint16_t no_hello = 4001;
inline constexpr std::uint16_t token_revoked = 4003;
inline constexpr std::uint16_t slow_consumer = 4008;
inline constexpr std::uint16_t rate_limited = 4029;
}  // namespace close_code

class session : public std::enable_shared_from_this<session> {
 public:
  session(std::shared_ptr<gateway> gw, std::shared_ptr<http::websocket> ws);
  awaitable<void> run();

  // Thread-safe: hop onto the session's strand.
  void post_deliver(std::shared_ptr<const std::string> frame);
  void post_close(std::uint16_t code, std::string reason);

 private:
  void deliver(std::shared_ptr<const std::string> frame);
  void close(std::uint16_t code, std::string reason);
  awaitable<void> writer_loop();
  awaitable<void> handle(const std::string& text);
  awaitable<void> hello(const std::string* id_json, const std::string& token);
  void send_error(const std::string* id_json, const core::error& e, bool fatal = false);

  std::shared_ptr<gateway> gw_;
  std::shared_ptr<http::websocket> ws_;
  asio::steady_timer wake_;
  std::deque<std::shared_ptr<const std::string>> outbox_;
  std::size_t outbox_bytes_ = 0;
  std::optional<std::pair<std::uint16_t, std::string>> close_;
  bool done_ = false;
  std::int64_t user_id_ = 0;
  std::int64_t session_id_ = 0;
  std::string locale_ = "fr";
};

}  // namespace colibri::chat
