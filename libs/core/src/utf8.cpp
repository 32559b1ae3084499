#include "colibri/core/utf8.hpp"

namespace colibri::core {

namespace {
// Returns the length of the sequence at s[i], or 0 when malformed.
std::size_t sequence_length(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}
}  // namespace

std::optional<std::size_t> code_points(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) {
    auto len = sequence_length(s, i);
    if (len == 0) return std::nullopt;
    i += len;
    ++n;
  }
  return n;
}

bool valid_utf8(std::string_view s) { return code_points(s).has_value(); }

char32_t next_code_point(std::string_view s, std::size_t& i) {
  auto c = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F); };
  char32_t cp;
  if (c < 0x80) {
    cp = c;
    i += 1;
  } else if (c < 0xE0) {
    cp = (static_cast<char32_t>(c & 0x1F) << 6) | cont(1);
    i += 2;
  } else if (c < 0xF0) {
    cp = (static_cast<char32_t>(c & 0x0F) << 12) | (cont(1) << 6) | cont(2);
    i += 3;
  } else {
    cp = (static_cast<char32_t>(c & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3);
    i += 4;
  }
  return cp;
}

namespace {
// U+00C0..U+00FF folded to ASCII (0: kept as is).
constexpr const char* k_latin1_fold[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c",     "e", "e", "e", "e", "i", "i", "i",  "i",   // C0..CF
    "d", "n", "o", "o", "o", "o", "o",  nullptr, "o", "u", "u", "u", "u", "y", "th", "ss",  // D0..DF
    "a", "a", "a", "a", "a", "a", "ae", "c",     "e", "e", "e", "e", "i", "i", "i",  "i",   // E0..EF
    "d", "n", "o", "o", "o", "o", "o",  nullptr, "o", "u", "u", "u", "u", "y", "th", "y",   // F0..FF
};
}  // namespace

std::string fold_for_search(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t at = i;
    char32_t c = next_code_point(s, i);
    if (c < 0x80) {
      char a = static_cast<char>(c);
      if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
      if (a == '\'' || a == '-') a = ' ';
      out.push_back(a);
    } else if (c >= 0xC0 && c <= 0xFF && k_latin1_fold[c - 0xC0]) {
      out += k_latin1_fold[c - 0xC0];
    } else if (c == 0x152 || c == 0x153) {
      out += "oe";
    } else if (c == 0x178) {
      out += "y";
    } else if (c == 0x2019 || c == 0x2018 || c == 0x2010 || c == 0x2011 || c == 0x2013 || c == 0x2014) {
      out.push_back(' ');
    } else {
      out.append(s.substr(at, i - at));
    }
  }
  return out;
}

std::string shorten(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  auto cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "…";
}

}  // namespace colibri::core
