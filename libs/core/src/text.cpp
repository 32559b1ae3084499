#include "colibri/core/text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace colibri::core {

bool parse_lang(std::string_view s, lang& out) {
  if (s == "fr") {
    out = lang::fr;
    return true;
  }
  if (s == "en") {
    out = lang::en;
    return true;
  }
  return false;
}

std::string_view to_string(lang l) { return l == lang::en ? "en" : "fr"; }

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace

lang lang_from_accept_language(std::string_view header) {
  // Highest q wins; on a tie the first listed wins. Only fr and en count.
  double best_q = -1;
  lang best = lang::fr;
  while (!header.empty()) {
    auto comma = header.find(',');
    auto item = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    auto semi = item.find(';');
    auto tag = trim(item.substr(0, semi));
    double q = 1.0;
    if (semi != std::string_view::npos) {
      auto params = trim(item.substr(semi + 1));
      if (params.size() > 2 && params[0] == 'q' && params[1] == '=') {
        std::string qs(params.substr(2));
        try {
          q = std::stod(qs);
        } catch (...) {
          q = 0;
        }
      }
    }
    std::string primary;
    for (char c : tag.substr(0, tag.find('-')))
      primary += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    lang l;
    if (parse_lang(primary, l) && q > best_q) {
      best_q = q;
      best = l;
    }
  }
  return best;
}

}  // namespace colibri::core

#include <sys/stat.h>

namespace colibri::core {

bool valid_timezone(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  // Area/Location[/Sub]: letters, digits, '_', '-', '+'; no dots, so no path tricks.
  bool segment_start = true;
  for (char c : name) {
    if (c == '/') {
      if (segment_start) return false;
      segment_start = true;
      continue;
    }
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '+';
    if (!ok || (segment_start && !std::isalpha(static_cast<unsigned char>(c)))) return false;
    segment_start = false;
  }
  if (segment_start) return false;
  // "posixrules", "localtime", "Factory" are files but not zones people live in.
  if (name == "posixrules" || name == "localtime" || name == "Factory") return false;
  std::string path = "/usr/share/zoneinfo/" + std::string(name);
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace colibri::core
