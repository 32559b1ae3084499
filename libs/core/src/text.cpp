#include "colibri/core/text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace colibri::core {

bool parse_lang(std::string_view s, lang& out) {
  if (s == "fr") { out = lang::fr; return true; }
  if (s == "en") { out = lang::en; return true; }
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
        try { q = std::stod(qs); } catch (...) { q = 0; }
      }
    }
    std::string primary;
    for (char c : tag.substr(0, tag.find('-'))) primary += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    lang l;
    if (parse_lang(primary, l) && q > best_q) { best_q = q; best = l; }
  }
  return best;
}

}  // namespace colibri::core
