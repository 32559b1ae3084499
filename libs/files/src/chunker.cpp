#include "colibri/files/chunker.hpp"

#include <sodium.h>

namespace colibri::files {

struct hasher::state {
  crypto_hash_sha256_state s;
};

hasher::hasher() : st_(std::make_unique<state>()) { crypto_hash_sha256_init(&st_->s); }
hasher::~hasher() = default;

void hasher::update(std::string_view bytes) {
  crypto_hash_sha256_update(&st_->s, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

digest hasher::final() {
  digest d{};
  crypto_hash_sha256_final(&st_->s, d.data());
  return d;
}

digest sha256(std::string_view bytes) {
  digest d{};
  crypto_hash_sha256(d.data(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return d;
}

std::string to_hex(const digest& d) {
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (auto b : d) {
    out.push_back(k_hex[b >> 4]);
    out.push_back(k_hex[b & 15]);
  }
  return out;
}

}  // namespace colibri::files
