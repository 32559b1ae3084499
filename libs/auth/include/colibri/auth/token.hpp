#pragma once
// Session tokens: 256 random bits, base64url (43 characters) on the wire;
// only their SHA-256 (hex) is stored, so a database leak yields no session.
#include <string>
#include <string_view>

namespace colibri::auth {

std::string new_token();
std::string token_hash(std::string_view token);
// Shape check before any lookup: 43 base64url characters.
bool plausible_token(std::string_view token);

}  // namespace colibri::auth
