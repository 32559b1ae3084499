#pragma once
// A nullable column as std::optional.
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace colibri::pg {

template <class T>
std::optional<T> opt(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<T>();
}

// A text[] column (NULL and NULL elements read as nothing).
std::vector<std::string> strings(const pqxx::field& f);

}  // namespace colibri::pg
