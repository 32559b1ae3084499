#include "colibri/core/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

extern char** environ;

namespace colibri::core {

std::string flag_to_env(std::string_view flag) {
  while (!flag.empty() && flag.front() == '-') flag.remove_prefix(1);
  std::string out = "COLIBRI_";
  for (char c : flag) out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string redact_credentials(std::string_view v) {
  std::string s(v);
  if (auto scheme = s.find("://"); scheme != std::string::npos) {
    auto at = s.find('@', scheme + 3);
    auto colon = s.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at) {
      s.replace(colon + 1, at - colon - 1, "[redacted]");
    }
  }
  if (auto p = s.find("password="); p != std::string::npos) {
    auto end = s.find(' ', p);
    s.replace(p + 9, (end == std::string::npos ? s.size() : end) - p - 9, "[redacted]");
  }
  return s;
}

config::config(int argc, const char* const* argv) {
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    if (!kv.starts_with("COLIBRI_")) continue;
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    values_[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  for (int i = 1; i < argc; ++i) {
    std::string_view a(argv[i]);
    if (a == "--help" || a == "-h") {
      help_ = true;
      continue;
    }
    if (!a.starts_with("--")) {
      errors_.push_back("unexpected argument '" + std::string(a) + "'");
      continue;
    }
    std::string name, value;
    if (auto eq = a.find('='); eq != std::string_view::npos) {
      name = flag_to_env(a.substr(0, eq));
      value = std::string(a.substr(eq + 1));
    } else if (i + 1 < argc) {
      name = flag_to_env(a);
      value = argv[++i];
    } else {
      errors_.push_back("flag " + std::string(a) + " needs a value");
      continue;
    }
    values_[name] = value;
    used_flags_[name] = false;
  }
}

config::config(std::map<std::string, std::string> values) : values_(std::move(values)) {}

const std::string* config::raw(std::string_view name) {
  auto it = values_.find(std::string(name));
  if (auto f = used_flags_.find(std::string(name)); f != used_flags_.end()) f->second = true;
  return it == values_.end() ? nullptr : &it->second;
}

void config::fail(std::string_view name, std::string_view why) {
  errors_.push_back(std::string(name) + ": " + std::string(why));
}

std::string config::str(std::string_view name, std::string_view def, bool secret) {
  const std::string* r = raw(name);
  std::string v = r ? *r : std::string(def);
  std::string shown = secret ? (v.empty() ? "" : "[redacted]") : redact_credentials(v);
  settings_.push_back({std::string(name), shown, r == nullptr});
  return v;
}

std::int64_t config::integer(std::string_view name, std::int64_t def, std::int64_t min, std::int64_t max) {
  const std::string* r = raw(name);
  std::int64_t v = def;
  if (r) {
    auto [p, ec] = std::from_chars(r->data(), r->data() + r->size(), v);
    if (ec != std::errc{} || p != r->data() + r->size()) {
      fail(name, "'" + *r + "' is not an integer");
      v = def;
    } else if (v < min || v > max) {
      fail(name, std::to_string(v) + " is outside " + std::to_string(min) + ".." + std::to_string(max));
      v = def;
    }
  }
  settings_.push_back({std::string(name), std::to_string(v), r == nullptr});
  return v;
}

bool config::boolean(std::string_view name, bool def) {
  const std::string* r = raw(name);
  bool v = def;
  if (r) {
    std::string s = *r;
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    if (s == "1" || s == "true" || s == "yes" || s == "on")
      v = true;
    else if (s == "0" || s == "false" || s == "no" || s == "off")
      v = false;
    else
      fail(name, "'" + *r + "' is not a boolean (true/false)");
  }
  settings_.push_back({std::string(name), v ? "true" : "false", r == nullptr});
  return v;
}

std::vector<std::string> config::list(std::string_view name, std::string_view def) {
  std::string v = str(name, def);
  std::vector<std::string> out;
  std::string_view rest = v;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto item = rest.substr(0, comma);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.remove_prefix(1);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

std::optional<std::pair<std::string, std::uint16_t>> config::optional_endpoint(std::string_view name) {
  std::string v = str(name, "");
  if (v.empty()) return std::nullopt;
  return parse_endpoint(name, v);
}

std::pair<std::string, std::uint16_t> config::endpoint(std::string_view name, std::string_view def) {
  return parse_endpoint(name, str(name, def));
}

std::vector<std::pair<std::string, std::uint16_t>> config::endpoints(std::string_view name, std::string_view def) {
  std::vector<std::pair<std::string, std::uint16_t>> out;
  for (const auto& item : list(name, def)) out.push_back(parse_endpoint(name, item));
  if (out.empty()) fail(name, "expected host:port, or a comma-separated list of them");
  return out;
}

std::pair<std::string, std::uint16_t> config::parse_endpoint(std::string_view name, const std::string& v) {
  auto colon = v.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0) {
    fail(name, "'" + v + "' is not host:port");
    return {"", 0};
  }
  auto ps = std::string_view(v).substr(colon + 1);
  auto [p, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), port);
  if (ec != std::errc{} || p != ps.data() + ps.size() || port < 1 || port > 65535) {
    fail(name, "'" + v + "' has no valid port");
    return {"", 0};
  }
  return {v.substr(0, colon), static_cast<std::uint16_t>(port)};
}

void config::finish() {
  for (auto& [name, used] : used_flags_)
    if (!used) errors_.push_back("unknown setting " + name);
  if (errors_.empty()) return;
  std::string msg = "invalid configuration:";
  for (auto& e : errors_) msg += "\n  " + e;
  throw config_error(msg);
}

}  // namespace colibri::core
