#pragma once
// A raw WebSocket client over a loopback socket for the framing and
// conformance tests: it sends hand-made frames (masked unless told
// otherwise) and reads the server's frames one by one, every read bounded.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace colibri::test_ws {

struct frame {
  unsigned opcode = 0;
  bool fin = false;
  std::string payload;
};

class raw_client {
 public:
  explicit raw_client(std::uint16_t port, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    timeval tv{5, 0};  // every read below is bounded
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect");
    send_raw(
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    while (buf_.find("\r\n\r\n") == std::string::npos)
      if (!fill()) throw std::runtime_error("no handshake answer");
    auto end = buf_.find("\r\n\r\n") + 4;
    status_line = buf_.substr(0, buf_.find("\r\n"));
    accept_header = buf_.find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != std::string::npos;
    buf_.erase(0, end);
  }
  ~raw_client() { ::close(fd_); }

  void send_raw(const std::string& bytes) {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  }

  // A client frame: masked unless told otherwise.
  static std::string encode(unsigned opcode, const std::string& payload, bool fin = true, bool masked = true,
                            unsigned rsv = 0) {
    std::string out;
    out.push_back(static_cast<char>((fin ? 0x80 : 0) | rsv | opcode));
    unsigned char m = masked ? 0x80 : 0;
    if (payload.size() < 126) {
      out.push_back(static_cast<char>(m | payload.size()));
    } else if (payload.size() <= 0xFFFF) {
      out.push_back(static_cast<char>(m | 126));
      out.push_back(static_cast<char>(payload.size() >> 8));
      out.push_back(static_cast<char>(payload.size() & 0xFF));
    } else {
      out.push_back(static_cast<char>(m | 127));
      for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((std::uint64_t{payload.size()} >> (8 * i)) & 0xFF));
    }
    const unsigned char key[4] = {0x12, 0x34, 0x56, 0x78};
    if (masked) out.append(reinterpret_cast<const char*>(key), 4);
    for (std::size_t i = 0; i < payload.size(); ++i)
      out.push_back(masked ? static_cast<char>(static_cast<unsigned char>(payload[i]) ^ key[i & 3]) : payload[i]);
    return out;
  }

  // The next server frame, or nullopt at end of stream / after 5 s.
  std::optional<frame> next() {
    for (;;) {
      if (buf_.size() >= 2) {
        auto b = reinterpret_cast<const unsigned char*>(buf_.data());
        EXPECT_EQ(b[1] & 0x80, 0) << "server frames are never masked";
        std::size_t len = b[1] & 0x7F, head = 2;
        if (len == 126 && buf_.size() >= 4) {
          len = (b[2] << 8) | b[3];
          head = 4;
        } else if (len == 127 && buf_.size() >= 10) {
          len = 0;
          for (int i = 2; i < 10; ++i) len = (len << 8) | b[i];
          head = 10;
        }
        if (len < 126 || head > 2) {
          if (buf_.size() >= head + len) {
            frame f{b[0] & 0x0Fu, (b[0] & 0x80) != 0, buf_.substr(head, len)};
            buf_.erase(0, head + len);
            return f;
          }
        }
      }
      if (!fill()) return std::nullopt;
    }
  }

  // The close code of the server's close frame, skipping data frames.
  int close_code() {
    while (auto f = next())
      if (f->opcode == 8)
        return f->payload.size() >= 2
                   ? (static_cast<unsigned char>(f->payload[0]) << 8) | static_cast<unsigned char>(f->payload[1])
                   : 1005;
    return -1;
  }

  // True when the server ends the TCP stream within 5 s.
  bool sees_eof() {
    for (;;) {
      char c[4096];
      auto n = ::recv(fd_, c, sizeof c, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }

  std::string status_line;
  bool accept_header = false;

 private:
  bool fill() {
    char c[65536];
    auto n = ::recv(fd_, c, sizeof c, 0);
    if (n <= 0) return false;
    buf_.append(c, static_cast<std::size_t>(n));
    return true;
  }
  int fd_ = -1;
  std::string buf_;
};

}  // namespace colibri::test_ws
