#pragma once
// Content addressing: a file's SHA-256 over all its bytes, computed while it
// streams, and its cut into fixed-size chunks each named by its own SHA-256.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace colibri::files {

using digest = std::array<unsigned char, 32>;

std::string to_hex(const digest& d);
digest sha256(std::string_view bytes);

// SHA-256 fed piece by piece.
class hasher {
 public:
  hasher();
  ~hasher();
  hasher(const hasher&) = delete;
  hasher& operator=(const hasher&) = delete;
  void update(std::string_view bytes);
  digest final();

 private:
  struct state;
  std::unique_ptr<state> st_;
};

}  // namespace colibri::files
