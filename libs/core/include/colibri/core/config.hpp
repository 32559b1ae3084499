#pragma once
// Typed configuration from the environment (COLIBRI_PG_URL) and flags
// (--pg-url=... or --pg-url ...), flags winning. Every setting read is
// remembered so that the whole configuration can be logged at start, with
// secrets redacted. Errors are collected and reported together by finish().
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace colibri::core {

struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class config {
 public:
  struct setting {
    std::string name;
    std::string value;  // already redacted when secret
    bool from_default = false;
  };

  // Reads the process environment and argv (argv[0] skipped).
  config(int argc, const char* const* argv);
  // For tests: explicit COLIBRI_* values, no environment.
  explicit config(std::map<std::string, std::string> values);

  std::string str(std::string_view name, std::string_view def, bool secret = false);
  std::int64_t integer(std::string_view name, std::int64_t def, std::int64_t min, std::int64_t max);
  bool boolean(std::string_view name, bool def);
  // Comma-separated, items trimmed, empty items dropped.
  std::vector<std::string> list(std::string_view name, std::string_view def);
  // host:port, port in 1..65535.
  std::pair<std::string, std::uint16_t> endpoint(std::string_view name, std::string_view def);
  // One or more host:port, comma-separated (at least one).
  std::vector<std::pair<std::string, std::uint16_t>> endpoints(std::string_view name, std::string_view def);
  // The same, or nothing when the setting is empty (a listener turned off).
  std::optional<std::pair<std::string, std::uint16_t>> optional_endpoint(std::string_view name);

  // Records an error against a setting (for cross-field checks).
  void fail(std::string_view name, std::string_view why);
  // Throws config_error listing every problem, including unknown flags.
  void finish();

  const std::vector<setting>& settings() const { return settings_; }
  bool help_requested() const { return help_; }

 private:
  const std::string* raw(std::string_view name);
  std::pair<std::string, std::uint16_t> parse_endpoint(std::string_view name, const std::string& v);

  std::map<std::string, std::string> values_;
  std::map<std::string, bool> used_flags_;
  std::vector<setting> settings_;
  std::vector<std::string> errors_;
  bool help_ = false;
};

// "--pg-url" <-> "COLIBRI_PG_URL".
std::string flag_to_env(std::string_view flag);
// Replaces the password of a URL (scheme://user:pass@host) or of a
// libpq conninfo (password=...) with "[redacted]".
std::string redact_credentials(std::string_view value);

}  // namespace colibri::core
