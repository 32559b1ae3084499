#include "colibri/groups/validate.hpp"

#include "colibri/core/messages.hpp"
#include "colibri/core/text.hpp"
#include "colibri/core/utf8.hpp"

namespace colibri::groups {

namespace {
enum class script { none, latin, greek, cyrillic, hebrew, arabic, japanese_chinese, hangul };

script script_of(char32_t c) {
  if ((c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || (c >= 0xC0 && c <= 0x24F) || (c >= 0x1E00 && c <= 0x1EFF))
    return script::latin;
  if (c >= 0x386 && c <= 0x3FF) return script::greek;
  if (c >= 0x400 && c <= 0x4FF) return script::cyrillic;
  if (c >= 0x5D0 && c <= 0x5EA) return script::hebrew;
  if (c >= 0x620 && c <= 0x64A) return script::arabic;
  if ((c >= 0x3041 && c <= 0x30FF) || (c >= 0x4E00 && c <= 0x9FFF)) return script::japanese_chinese;
  if (c >= 0xAC00 && c <= 0xD7A3) return script::hangul;
  return script::none;
}

bool is_letter(char32_t c) {
  if ((c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z')) return true;
  if (c >= 0xC0 && c <= 0x24F) return c != 0xD7 && c != 0xF7;   // Latin-1 letters, Latin Extended-A/B
  if (c >= 0x1E00 && c <= 0x1EFF) return true;                  // Latin Extended Additional
  if (c >= 0x386 && c <= 0x3FF) return c != 0x387;              // Greek
  if (c >= 0x400 && c <= 0x4FF) return c < 0x482 || c > 0x489;  // Cyrillic
  if (c >= 0x5D0 && c <= 0x5EA) return true;                    // Hebrew
  if (c >= 0x620 && c <= 0x64A) return true;                    // Arabic
  if (c >= 0x3041 && c <= 0x30FF) return c != 0x30FB;           // Hiragana, Katakana
  if (c >= 0x4E00 && c <= 0x9FFF) return true;                  // CJK
  if (c >= 0xAC00 && c <= 0xD7A3) return true;                  // Hangul
  return false;
}
}  // namespace

bool mixed_scripts(std::string_view h) {
  script seen = script::none;
  for (std::size_t i = 0; i < h.size();) {
    auto s = script_of(core::next_code_point(h, i));
    if (s == script::none) continue;
    if (seen != script::none && s != seen) return true;
    seen = s;
  }
  return false;
}

bool reserved_handle(std::string_view h) {
  // Folded: ASCII lower case, é/É/e alike, separators dropped.
  std::string folded;
  for (std::size_t i = 0; i < h.size();) {
    char32_t c = core::next_code_point(h, i);
    if (c == U' ' || c == U'.' || c == U'_' || c == U'-') continue;
    if (c >= U'A' && c <= U'Z') c = c - U'A' + U'a';
    if (c == 0xC9 || c == 0xE9 || c == 0xC8 || c == 0xE8) c = U'e';
    if (c > 0x7F) return false;
    folded += static_cast<char>(c);
  }
  return folded == "membresupprime" || folded == "deletedmember";
}

bool valid_handle(std::string_view h) {
  auto n = core::code_points(h);
  if (!n || *n < 2 || *n > 32) return false;
  if (h.front() == ' ' || h.back() == ' ') return false;
  bool prev_space = false;
  for (std::size_t i = 0; i < h.size();) {
    char32_t c = core::next_code_point(h, i);
    if (c == U' ') {
      if (prev_space) return false;
      prev_space = true;
      continue;
    }
    prev_space = false;
    bool ok = is_letter(c) || (c >= U'0' && c <= U'9') || c == U'_' || c == U'.' || c == U'-';
    if (!ok) return false;
  }
  return true;
}

bool valid_email(std::string_view e) {
  if (e.size() < 3 || e.size() > 254) return false;
  auto at = e.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64 || e.find('@', at + 1) != std::string_view::npos) return false;
  auto domain = e.substr(at + 1);
  if (domain.size() < 3 || domain.find('.') == std::string_view::npos || domain.front() == '.' ||
      domain.back() == '.' || domain.find("..") != std::string_view::npos)
    return false;
  for (char c : e) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' || c == ';' || c == ':' ||
        c == '\\' || c == '"' || c == '[' || c == ']')
      return false;
  }
  return core::valid_utf8(e);
}

void check_email(json::fields& f, std::string_view key, const std::string& email) {
  if (!valid_email(email)) f.fail(key, core::message(core::msg::bad_email));
}

void check_handle(json::fields& f, std::string_view key, const std::string& handle) {
  if (!valid_handle(handle))
    f.fail(key, core::message(core::msg::handle_shape));
  else if (mixed_scripts(handle))
    f.fail(key, core::message(core::msg::handle_mixed_scripts));
  else if (reserved_handle(handle))
    f.fail(key, core::message(core::msg::handle_reserved));
}

void check_timezone(json::fields& f, std::string_view key, const std::string& tz) {
  if (!core::valid_timezone(tz)) f.fail(key, core::message(core::msg::bad_timezone));
}

bool valid_local_time(std::string_view t) {
  auto digit = [&](std::size_t i) { return t[i] >= '0' && t[i] <= '9'; };
  if (t.size() != 5 || t[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4)) return false;
  return (t[0] - '0') * 10 + (t[1] - '0') < 24 && t[3] < '6';
}

void check_local_time(json::fields& f, std::string_view key, const std::string& hhmm) {
  if (!valid_local_time(hhmm)) f.fail(key, core::message(core::msg::bad_time_of_day));
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace colibri::groups
