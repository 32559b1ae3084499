#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace colibri::core {

// True when s is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool valid_utf8(std::string_view s);

// Number of Unicode code points, or nullopt when s is not valid UTF-8.
std::optional<std::size_t> code_points(std::string_view s);

// Decodes the code point at s[i] (s must be valid UTF-8) and advances i.
char32_t next_code_point(std::string_view s, std::size_t& i);

// At most `max_bytes` of s, cut before a code point, with "…" appended when
// something was cut (s must be valid UTF-8).
std::string shorten(std::string_view s, std::size_t max_bytes);
// For matching what people type against what is stored: lower case, French
// (and other Latin-1) accents folded, œ and æ spelled out, apostrophes and
// hyphens as spaces ("Hôpital Saint-Étienne" -> "hopital saint etienne").
// s must be valid UTF-8.
std::string fold_for_search(std::string_view s);

}  // namespace colibri::core
