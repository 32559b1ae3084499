#pragma once
// Passwords: argon2id (libsodium), parameters stored in the hash string, so
// that raising them later only needs needs_rehash() at the next login.
#include <cstddef>
#include <string>
#include <string_view>

namespace colibri::auth {

struct argon2_params {
  // OWASP's floor for argon2id: m = 19 MiB, t = 2, p = 1.
  unsigned long long opslimit = 2;
  std::size_t memlimit_bytes = 19 * 1024 * 1024;
};

// Initialises libsodium; safe to call more than once. Throws if it cannot.
void init_crypto();

// CPU- and memory-heavy (tens of ms): call off the event loop.
std::string hash_password(std::string_view password, const argon2_params& p);
bool verify_password(const std::string& hash, std::string_view password);
bool needs_rehash(const std::string& hash, const argon2_params& p);

// A hash of a random password, verified against when the account does not
// exist so that an unknown email costs as much time as a wrong password.
const std::string& dummy_hash(const argon2_params& p);

}  // namespace colibri::auth
