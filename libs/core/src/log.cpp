#include "colibri/core/log.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "colibri/core/clock.hpp"

namespace colibri::log {

namespace {
std::mutex g_mutex;
std::string g_service = "colibri";
std::atomic<int> g_level{static_cast<int>(level::info)};
std::function<void(std::string_view)> g_sink;

std::string_view level_name(level l) {
  switch (l) {
    case level::debug:
      return "debug";
    case level::info:
      return "info";
    case level::warn:
      return "warn";
    case level::error:
      return "error";
  }
  return "info";
}
}  // namespace

void set_service(std::string_view name) {
  std::lock_guard lk(g_mutex);
  g_service = name;
}
void set_level(level l) { g_level = static_cast<int>(l); }
bool parse_level(std::string_view s, level& out) {
  for (auto l : {level::debug, level::info, level::warn, level::error})
    if (s == level_name(l)) {
      out = l;
      return true;
    }
  return false;
}
void set_sink(std::function<void(std::string_view)> sink) {
  std::lock_guard lk(g_mutex);
  g_sink = std::move(sink);
}

std::string_view error_summary(std::string_view what) {
  auto nl = what.find('\n');
  auto first = what.substr(0, nl);
  while (!first.empty() && (first.back() == ' ' || first.back() == '\r')) first.remove_suffix(1);
  return first;
}

bool is_secret_key(std::string_view key) {
  std::string k(key);
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
  for (auto w : {"token", "password", "secret", "authorization", "cookie"})
    if (k.find(w) != std::string::npos) return true;
  return false;
}

void append_escaped(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.reserve(out.size() + s.size() + 8);
  for (std::size_t i = 0; i < s.size(); ++i) {
    // A run of characters that need no escape goes in at once.
    std::size_t run = i;
    while (run < s.size()) {
      auto r = static_cast<unsigned char>(s[run]);
      if (r < 0x20 || r == '"' || r == '\\' || r == 0x7f || r == 0xE2) break;
      ++run;
    }
    if (run > i) {
      out.append(s.data() + i, run - i);
      i = run;
      if (i == s.size()) break;
    }
    auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xF];
        } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                   (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
          // U+2028/U+2029 are valid JSON but break JavaScript string literals.
          out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
          i += 2;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

void write(level l, std::string_view msg, std::initializer_list<field> fields) {
  if (static_cast<int>(l) < g_level.load()) return;
  std::string line;
  line.reserve(128);
  line += "{\"ts\":\"";
  line += core::format_rfc3339(std::chrono::system_clock::now());
  line += "\",\"level\":\"";
  line += level_name(l);
  line += "\",\"svc\":\"";
  {
    std::lock_guard lk(g_mutex);
    append_escaped(line, g_service);
  }
  line += "\",\"msg\":\"";
  append_escaped(line, msg);
  line += '"';
  for (const auto& f : fields) {
    line += ",\"";
    append_escaped(line, f.key);
    line += "\":";
    if (is_secret_key(f.key)) {
      line += "\"[redacted]\"";
    } else if (f.key == "error" && !f.number) {
      line += '"';
      append_escaped(line, error_summary(f.value));
      line += '"';
    } else if (f.number) {
      line += f.value;
    } else {
      line += '"';
      append_escaped(line, f.value);
      line += '"';
    }
  }
  line += "}\n";
  std::lock_guard lk(g_mutex);
  if (g_sink) {
    g_sink(line);
  } else {
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  }
}

}  // namespace colibri::log
