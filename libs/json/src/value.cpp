#include "colibri/json/value.hpp"

#include <simdjson.h>

#include <algorithm>

#include "colibri/core/messages.hpp"

namespace colibri::json {

const value* value::find(std::string_view key) const {
  if (auto o = as_object())
    for (const auto& [k, v] : *o)
      if (k == key) return &v;
  return nullptr;
}

std::string_view value::type_name() const {
  switch (v.index()) {
    case 0:
      return "null";
    case 1:
      return "boolean";
    case 2:
    case 3:
      return "number";
    case 4:
      return "string";
    case 5:
      return "array";
    default:
      return "object";
  }
}

namespace {
constexpr int k_max_depth = 64;
// Beyond this many keys an object is refused before any of its values is
// copied: no message of the protocol has more than a few dozen fields.
constexpr std::size_t k_max_keys = 256;
// Up to this many keys a linear scan per key beats sorting; past it the keys
// are sorted once, so that a request's cost stays linear in its size.
constexpr std::size_t k_scan_keys = 16;

core::error invalid(core::text t) { return core::error::make(core::errc::invalid_json, std::move(t)); }

core::error duplicate(std::string_view k) {
  return invalid(core::message(core::msg::json_duplicate_key, {{"key", std::string(k)}}));
}

// Finds a duplicate key among an object's keys: O(n) comparisons for small
// objects, O(n log n) with n <= k_max_keys otherwise.
const std::string* find_duplicate(const object& obj) {
  if (obj.size() <= k_scan_keys) {
    for (std::size_t i = 1; i < obj.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (obj[i].first == obj[j].first) return &obj[i].first;
    return nullptr;
  }
  std::vector<const std::string*> keys;
  keys.reserve(obj.size());
  for (const auto& kv : obj) keys.push_back(&kv.first);
  std::sort(keys.begin(), keys.end(), [](auto a, auto b) { return *a < *b; });
  auto it = std::adjacent_find(keys.begin(), keys.end(), [](auto a, auto b) { return *a == *b; });
  return it == keys.end() ? nullptr : *it;
}

bool convert(simdjson::dom::element e, value& out, int depth, core::error& err) {
  using simdjson::dom::element_type;
  if (depth > k_max_depth) {
    err = invalid(core::message(core::msg::json_too_deep));
    return false;
  }
  switch (e.type()) {
    case element_type::NULL_VALUE:
      out.v = nullptr;
      return true;
    case element_type::BOOL:
      out.v = bool(e.get_bool());
      return true;
    case element_type::INT64:
      out.v = std::int64_t(e.get_int64());
      return true;
    case element_type::UINT64:
      out.v = double(e.get_double());
      return true;
    case element_type::DOUBLE:
      out.v = double(e.get_double());
      return true;
    case element_type::STRING:
      out.v = std::string(std::string_view(e.get_string()));
      return true;
    case element_type::ARRAY: {
      auto arr = std::make_shared<array>();
      for (auto child : e.get_array()) {
        arr->emplace_back();
        if (!convert(child, arr->back(), depth + 1, err)) return false;
      }
      out.v = std::move(arr);
      return true;
    }
    case element_type::OBJECT: {
      auto o = e.get_object().value_unsafe();
      if (o.size() > k_max_keys) {
        err = invalid(core::message(core::msg::json_too_many_keys, {{"max", std::to_string(k_max_keys)}}));
        return false;
      }
      auto obj = std::make_shared<object>();
      obj->reserve(o.size());
      for (auto field : o) obj->emplace_back(std::string(std::string_view(field.key)), value{});
      if (auto k = find_duplicate(*obj)) {
        err = duplicate(*k);
        return false;
      }
      std::size_t i = 0;
      for (auto field : o)
        if (!convert(field.value, (*obj)[i++].second, depth + 1, err)) return false;
      out.v = std::move(obj);
      return true;
    }
  }
  return false;
}
}  // namespace

core::result<value> parse(std::string_view text) {
  thread_local simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element root;
  auto ec = parser.parse(padded).get(root);
  if (ec == simdjson::UTF8_ERROR) return invalid(core::message(core::msg::body_not_utf8));
  if (ec == simdjson::CAPACITY || ec == simdjson::DEPTH_ERROR)
    return invalid(core::message(core::msg::json_too_deep_or_large));
  if (ec) return core::default_error(core::errc::invalid_json);
  value out;
  core::error err;
  if (!convert(root, out, 0, err)) return err;
  return out;
}

}  // namespace colibri::json
