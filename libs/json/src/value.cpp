#include "colibri/json/value.hpp"

#include <simdjson.h>

namespace colibri::json {

const value* value::find(std::string_view key) const {
  if (auto o = as_object())
    for (const auto& [k, v] : *o)
      if (k == key) return &v;
  return nullptr;
}

std::string_view value::type_name() const {
  switch (v.index()) {
    case 0: return "null";
    case 1: return "boolean";
    case 2: case 3: return "number";
    case 4: return "string";
    case 5: return "array";
    default: return "object";
  }
}

namespace {
constexpr int k_max_depth = 64;

core::error invalid(core::text t) { return core::error::make(core::errc::invalid_json, std::move(t)); }

bool convert(simdjson::dom::element e, value& out, int depth, core::error& err) {
  using simdjson::dom::element_type;
  if (depth > k_max_depth) {
    err = invalid({"Le JSON est trop imbriqué.", "The JSON is nested too deeply."});
    return false;
  }
  switch (e.type()) {
    case element_type::NULL_VALUE: out.v = nullptr; return true;
    case element_type::BOOL: out.v = bool(e.get_bool()); return true;
    case element_type::INT64: out.v = std::int64_t(e.get_int64()); return true;
    case element_type::UINT64: out.v = double(e.get_double()); return true;
    case element_type::DOUBLE: out.v = double(e.get_double()); return true;
    case element_type::STRING: out.v = std::string(std::string_view(e.get_string())); return true;
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
      auto obj = std::make_shared<object>();
      for (auto field : e.get_object()) {
        std::string_view k = field.key;
        for (const auto& existing : *obj)
          if (existing.first == k) {
            err = invalid({"Le JSON contient une clé en double : " + std::string(k) + ".",
                           "The JSON has a duplicate key: " + std::string(k) + "."});
            return false;
          }
        obj->emplace_back(std::string(k), value{});
        if (!convert(field.value, obj->back().second, depth + 1, err)) return false;
      }
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
  if (ec == simdjson::UTF8_ERROR)
    return invalid({"Le texte envoyé n'est pas de l'UTF-8 valide.", "The text sent is not valid UTF-8."});
  if (ec == simdjson::CAPACITY || ec == simdjson::DEPTH_ERROR)
    return invalid({"Le JSON est trop imbriqué ou trop grand.", "The JSON is nested too deeply or too large."});
  if (ec) return core::default_error(core::errc::invalid_json);
  value out;
  core::error err;
  if (!convert(root, out, 0, err)) return err;
  return out;
}

}  // namespace colibri::json
