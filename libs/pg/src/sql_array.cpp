#include "colibri/pg/sql_array.hpp"

namespace colibri::pg {

namespace {
template <class T, class F>
std::string array(const std::vector<std::optional<T>>& v, F element) {
  std::string out = "{";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    if (v[i])
      element(out, *v[i]);
    else
      out += "NULL";
  }
  out += '}';
  return out;
}
}  // namespace

std::string text_array(const std::vector<std::optional<std::string>>& v) {
  return array(v, [](std::string& out, const std::string& s) {
    out += '"';
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  });
}

std::string bigint_array(const std::vector<std::optional<std::int64_t>>& v) {
  return array(v, [](std::string& out, std::int64_t n) { out += std::to_string(n); });
}

std::string bool_array(const std::vector<std::optional<bool>>& v) {
  return array(v, [](std::string& out, bool b) { out += b ? "t" : "f"; });
}

}  // namespace colibri::pg
