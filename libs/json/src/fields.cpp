#include "colibri/json/fields.hpp"

#include <limits>

#include "colibri/core/messages.hpp"
#include "colibri/core/utf8.hpp"

namespace colibri::json {

fields::fields(const value& obj, std::string prefix)
    : obj_(&obj), prefix_(std::move(prefix)), err_(std::make_shared<std::optional<core::error>>()) {}

std::string fields::path(std::string_view key) const {
  return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
}

void fields::fail(std::string_view key, core::text message) {
  if (!*err_) *err_ = core::error::validation(path(key), std::move(message));
}

std::optional<core::error> fields::error() const { return *err_; }
bool fields::ok() const { return !err_->has_value(); }

bool fields::is_null(std::string_view key) const {
  auto v = obj_->find(key);
  return v && v->is_null();
}

const value* fields::get(std::string_view key, presence p) {
  auto v = obj_->find(key);
  if (!v || v->is_null()) {
    if (p == required) fail(key, core::message(core::msg::field_required));
    return nullptr;
  }
  return v;
}

std::optional<std::string> fields::text(std::string_view key, presence p, std::size_t min_cp, std::size_t max_cp) {
  auto v = get(key, p);
  if (!v) return std::nullopt;
  auto s = v->as_string();
  if (!s) {
    fail(key, core::message(core::msg::field_not_string));
    return std::nullopt;
  }
  auto n = core::code_points(*s);
  if (!n) {
    fail(key, core::message(core::msg::field_not_utf8));
    return std::nullopt;
  }
  // PostgreSQL's text cannot hold U+0000 (libpq would cut the text there).
  if (s->find('\0') != std::string::npos) {
    fail(key, core::message(core::msg::nul_character));
    return std::nullopt;
  }
  if (*n < min_cp || *n > max_cp) {
    if (*n < min_cp && min_cp == 1)
      fail(key, core::message(core::msg::field_empty));
    else
      fail(key,
           core::message(core::msg::text_length, {{"min", std::to_string(min_cp)}, {"max", std::to_string(max_cp)}}));
    return std::nullopt;
  }
  return *s;
}

std::optional<std::int64_t> fields::integer(std::string_view key, presence p, std::int64_t min, std::int64_t max) {
  auto v = get(key, p);
  if (!v) return std::nullopt;
  auto i = v->as_int();
  if (!i) {
    if (v->as_double())
      fail(key, core::message(core::msg::number_out_of_range));
    else
      fail(key, core::message(core::msg::field_not_integer));
    return std::nullopt;
  }
  if (*i < min || *i > max) {
    fail(key, core::message(core::msg::number_range, {{"min", std::to_string(min)}, {"max", std::to_string(max)}}));
    return std::nullopt;
  }
  return *i;
}

std::optional<bool> fields::boolean(std::string_view key, presence p) {
  auto v = get(key, p);
  if (!v) return std::nullopt;
  auto b = v->as_bool();
  if (!b) {
    fail(key, core::message(core::msg::field_not_boolean));
    return std::nullopt;
  }
  return *b;
}

std::optional<std::vector<std::int64_t>> fields::integers(std::string_view key, presence p, std::int64_t min,
                                                          std::int64_t max, std::size_t max_items,
                                                          std::size_t min_items) {
  auto v = get(key, p);
  if (!v) return std::nullopt;
  auto a = v->as_array();
  if (!a || a->size() < min_items || a->size() > max_items) {
    fail(key, core::message(core::msg::integer_list, {{"max", std::to_string(max_items)}}));
    return std::nullopt;
  }
  std::vector<std::int64_t> out;
  for (const auto& item : *a) {
    auto i = item.as_int();
    if (!i || *i < min || *i > max) {
      fail(key,
           core::message(core::msg::integer_list_item, {{"min", std::to_string(min)}, {"max", std::to_string(max)}}));
      return std::nullopt;
    }
    out.push_back(*i);
  }
  return out;
}

std::optional<std::vector<std::string>> fields::strings(std::string_view key, presence p, std::size_t min_cp,
                                                        std::size_t max_cp, std::size_t max_items) {
  auto v = get(key, p);
  if (!v) return std::nullopt;
  auto a = v->as_array();
  if (!a || a->size() > max_items) {
    fail(key, core::message(core::msg::string_list, {{"max", std::to_string(max_items)}}));
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& item : *a) {
    auto s = item.as_string();
    auto n = s ? core::code_points(*s) : std::nullopt;
    if (!n || *n < min_cp || *n > max_cp || s->find('\0') != std::string::npos) {
      fail(key,
           core::message(core::msg::text_length, {{"min", std::to_string(min_cp)}, {"max", std::to_string(max_cp)}}));
      return std::nullopt;
    }
    out.emplace_back(*s);
  }
  return out;
}

std::optional<fields> fields::object(std::string_view key, presence p) {
  auto v = get(key, p);
  if (!v) return std::nullopt;
  if (!v->as_object()) {
    fail(key, core::message(core::msg::field_not_object));
    return std::nullopt;
  }
  fields nested(*v, path(key));
  nested.err_ = err_;
  return nested;
}

core::result<value> body_object(std::string_view body) {
  auto doc = parse(body);
  if (!doc) return doc.err();
  if (!doc->as_object()) return core::error::make(core::errc::invalid_json, core::message(core::msg::body_not_object));
  return doc;
}

}  // namespace colibri::json
