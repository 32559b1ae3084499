#pragma once
// Minimal blocking HTTP and WebSocket clients for tests (loopback only).
// Every read has a timeout, so a test can fail but never hang.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace colibri::test {

bool tcp_port_open(unsigned short port);

struct http_result {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& lower) const {
    auto it = headers.find(lower);
    return it == headers.end() ? std::string() : it->second;
  }
};

http_result http_call(unsigned short port, const std::string& method, const std::string& target,
                      const std::string& body = {}, const std::map<std::string, std::string>& headers = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(20));
inline http_result http_get(unsigned short port, const std::string& target,
                            const std::map<std::string, std::string>& headers = {}) {
  return http_call(port, "GET", target, {}, headers);
}

struct ws_close {
  int code = 0;  // 0: closed without a close frame (or not closed)
  std::string reason;
};

class ws_client {
 public:
  // Connects and upgrades; on refusal, handshake_status() holds the HTTP status.
  // receive_buffer > 0 shrinks the socket's kernel buffer (slow-consumer tests).
  ws_client(unsigned short port, const std::string& path = "/ws", const std::string& origin = {},
            int receive_buffer = 0);
  ~ws_client();
  bool open() const;
  int handshake_status() const;
  void send(const std::string& text);
  // A text frame; nullopt on timeout (the read stays pending, the socket
  // open) or on close (then closed() says how).
  std::optional<std::string> read(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads until a frame contains `needle` (bounded).
  std::optional<std::string> read_until(const std::string& needle,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Frames of this JSON "type" (e.g. "presence") are skipped by read().
  void ignore_type(const std::string& type);
  const std::optional<ws_close>& closed() const;
  // Waits until the server closes; returns its close code.
  ws_close wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(15));

 private:
  std::optional<std::string> read_one(std::chrono::milliseconds timeout);
  struct impl;
  std::unique_ptr<impl> impl_;
};

// A value in a flat JSON text ("\"code\":\"x\"" style checks are brittle):
// parses and returns the string or number at a dotted path ("a.0.b": an
// array index), or nullopt.
std::optional<std::string> json_at(const std::string& json, const std::string& path);

// Without its trailing newlines and spaces (psql's and redis-cli's answers).
std::string trimmed(std::string s);

}  // namespace colibri::test
