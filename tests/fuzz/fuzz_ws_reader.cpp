// The WebSocket frame reader (libs/http/src/ws_reader): arbitrary bytes,
// delivered in arbitrary pieces. The first input byte picks the piece size
// (1..256 bytes), the rest is the stream. Whatever comes, the reader never
// reads outside its buffer, never delivers a text message that is not
// UTF-8 or a message over its limit, and stops at its first failure.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "colibri/core/utf8.hpp"
#include "ws_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using colibri::http::detail::ws_reader;
  if (size == 0) return 0;
  std::size_t piece = 1 + data[0];
  ++data, --size;
  constexpr std::size_t k_max = 4096;
  ws_reader r(k_max);
  bool failed = false;
  for (std::size_t at = 0; at < size;) {
    auto n = std::min(piece, size - at);
    std::memcpy(r.reserve(n), data + at, n);
    r.commit(n);
    at += n;
    for (int guard = 0; guard < 100000; ++guard) {
      auto e = r.next();
      using kind = ws_reader::event::kind;
      if (e.k == kind::need_more) break;
      if (failed) std::abort();  // nothing after a failure
      if (e.k == kind::fail) {
        if (e.code != 1002 && e.code != 1007 && e.code != 1009) std::abort();
        failed = true;
      }
      if (e.k == kind::message) {
        if (e.data.size() > k_max) std::abort();
        if (e.text && !colibri::core::valid_utf8(e.data)) std::abort();
      }
      if (e.k == kind::ping && e.data.size() > 125) std::abort();
      if (e.k == kind::close && e.code != 1005 && !colibri::http::detail::valid_close_code(e.code)) std::abort();
    }
    r.compact();
  }
  return 0;
}
