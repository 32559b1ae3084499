#pragma once
// Structured logging: one JSON object per line on stderr.
// Fields whose key names a secret (token, password, secret, authorization,
// cookie) are always written as "[redacted]", whatever the caller passes.
// An "error" field keeps its first line only: PostgreSQL's next lines
// (DETAIL: Failing row contains (...), key values) carry people's data.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

namespace colibri::log {

enum class level { debug = 0, info = 1, warn = 2, error = 3 };

struct field {
  field(std::string_view k, std::string_view v) : key(k), value(v) {}
  field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  field(std::string_view k, const std::string& v) : key(k), value(v) {}
  field(std::string_view k, std::int64_t v) : key(k), value(std::to_string(v)), number(true) {}
  field(std::string_view k, int v) : field(k, static_cast<std::int64_t>(v)) {}
  field(std::string_view k, unsigned v) : field(k, static_cast<std::int64_t>(v)) {}
  field(std::string_view k, std::uint64_t v) : key(k), value(std::to_string(v)), number(true) {}
  field(std::string_view k, double v) : key(k), value(std::to_string(v)), number(true) {}
  field(std::string_view k, bool v) : key(k), value(v ? "true" : "false"), number(true) {}
  std::string key;
  std::string value;
  bool number = false;
};

void set_service(std::string_view name);
void set_level(level l);
bool parse_level(std::string_view s, level& out);
// Redirects output (tests); nullptr restores stderr.
void set_sink(std::function<void(std::string_view line)> sink);

void write(level l, std::string_view msg, std::initializer_list<field> fields = {});
inline void debug(std::string_view m, std::initializer_list<field> f = {}) { write(level::debug, m, f); }
inline void info(std::string_view m, std::initializer_list<field> f = {}) { write(level::info, m, f); }
inline void warn(std::string_view m, std::initializer_list<field> f = {}) { write(level::warn, m, f); }
inline void error(std::string_view m, std::initializer_list<field> f = {}) { write(level::error, m, f); }

bool is_secret_key(std::string_view key);
// What an "error" field keeps of a message: its first line.
std::string_view error_summary(std::string_view what);
// JSON string escaping (quotes not included).
void append_escaped(std::string& out, std::string_view s);

}  // namespace colibri::log
