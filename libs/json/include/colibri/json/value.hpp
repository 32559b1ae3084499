#pragma once
// A small owned JSON tree. Input is validated and parsed by simdjson (which
// also rejects invalid UTF-8) and copied into this tree at once, so that
// simdjson stays out of every other header.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "colibri/core/result.hpp"

namespace colibri::json {

struct value;
using array = std::vector<value>;
using object = std::vector<std::pair<std::string, value>>;

struct big_number {};  // an integer beyond int64, or a non-integral number

struct value {
  std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, std::shared_ptr<array>, std::shared_ptr<object>>
      v;

  bool is_null() const { return v.index() == 0; }
  const bool* as_bool() const { return std::get_if<bool>(&v); }
  const std::int64_t* as_int() const { return std::get_if<std::int64_t>(&v); }
  const double* as_double() const { return std::get_if<double>(&v); }
  const std::string* as_string() const { return std::get_if<std::string>(&v); }
  const array* as_array() const {
    auto p = std::get_if<std::shared_ptr<array>>(&v);
    return p ? p->get() : nullptr;
  }
  const object* as_object() const {
    auto p = std::get_if<std::shared_ptr<object>>(&v);
    return p ? p->get() : nullptr;
  }
  const value* find(std::string_view key) const;
  std::string_view type_name() const;
};

// Parses one JSON document. Errors: invalid_json (syntax, invalid UTF-8,
// duplicate keys, nesting deeper than 64).
core::result<value> parse(std::string_view text);

}  // namespace colibri::json
