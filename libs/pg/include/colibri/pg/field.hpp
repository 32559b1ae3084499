#pragma once
// A nullable column as std::optional.
#include <optional>
#include <pqxx/pqxx>

namespace colibri::pg {

template <class T>
std::optional<T> opt(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<T>();
}

}  // namespace colibri::pg
