#include "colibri/auth/password.hpp"

#include <sodium.h>

#include <mutex>
#include <stdexcept>

namespace colibri::auth {

void init_crypto() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

std::string hash_password(std::string_view password, const argon2_params& p) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), p.opslimit, p.memlimit_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("password hashing ran out of memory");
  return out;
}

bool verify_password(const std::string& hash, std::string_view password) {
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool needs_rehash(const std::string& hash, const argon2_params& p) {
  // 1: parameters differ; -1: not an argon2id hash at all. Both mean rehash.
  return crypto_pwhash_str_needs_rehash(hash.c_str(), p.opslimit, p.memlimit_bytes) != 0;
}

const std::string& dummy_hash(const argon2_params& p) {
  static std::once_flag once;
  static std::string hash;
  std::call_once(once, [&] {
    unsigned char random[16];
    randombytes_buf(random, sizeof random);
    hash = hash_password(std::string_view(reinterpret_cast<const char*>(random), sizeof random), p);
  });
  return hash;
}

}  // namespace colibri::auth
