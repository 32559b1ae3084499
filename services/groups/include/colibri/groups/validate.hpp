#pragma once
// Field rules of docs/protocol.md for accounts. Pure functions: unit-tested.
#include <string>
#include <string_view>

#include "colibri/json/fields.hpp"

namespace colibri::groups {

// Each checks one field and records a validation error on `f` (naming `key`)
// when it fails. Lengths are in code points.
void check_email(json::fields& f, std::string_view key, const std::string& email);
void check_handle(json::fields& f, std::string_view key, const std::string& handle);
void check_timezone(json::fields& f, std::string_view key, const std::string& tz);
// A local time of day, "HH:MM" (00:00 .. 23:59).
bool valid_local_time(std::string_view hhmm);
void check_local_time(json::fields& f, std::string_view key, const std::string& hhmm);

// Letters (Latin with accents, Greek, Cyrillic, Hebrew, Arabic, CJK, kana,
// Hangul), ASCII digits, '_', '.', '-' and single inner spaces.
bool valid_handle(std::string_view handle);
// Letters from more than one script (Latin with Cyrillic or Greek...): a
// look-alike of someone else's handle (audit F15). Kana and CJK count as one.
bool mixed_scripts(std::string_view handle);
// What erased accounts are shown as ("membre supprimé"), in any case,
// spacing or accent: nobody alive may pass as one (audit F15).
bool reserved_handle(std::string_view handle);
bool valid_email(std::string_view email);

constexpr std::size_t k_password_min = 8;
constexpr std::size_t k_password_max = 256;

// ASCII lower-casing, for throttle keys.
std::string ascii_lower(std::string_view s);

}  // namespace colibri::groups
