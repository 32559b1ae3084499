#include "colibri/pg/sql_array.hpp"

#include "colibri/pg/field.hpp"

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

std::string strings_array(const std::vector<std::string>& v) {
  return text_array(std::vector<std::optional<std::string>>(v.begin(), v.end()));
}

std::vector<std::string> strings(const pqxx::field& f) {
  std::vector<std::string> out;
  if (f.is_null()) return out;
  auto p = f.as_array();
  for (;;) {
    auto [j, v] = p.get_next();
    if (j == pqxx::array_parser::done) break;
    if (j == pqxx::array_parser::string_value) out.push_back(std::move(v));
  }
  return out;
}

}  // namespace colibri::pg
