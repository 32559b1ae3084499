#pragma once
// Reads a JSON object into a struct, field by field, and remembers the first
// problem as a validation_failed error naming the field ("quit.date").
//
//   json::fields f(doc, lang);
//   auto email = f.text("email", json::required, 3, 254);
//   if (auto e = f.error()) return *e;
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "colibri/core/result.hpp"
#include "colibri/json/value.hpp"

namespace colibri::json {

enum presence { optional, required };

class fields {
 public:
  // obj must be an object; use body_object() to get one from a request body.
  explicit fields(const value& obj, std::string prefix = {});

  // Absent or null: nullopt (an error when required). Strings must hold
  // between min_cp and max_cp Unicode code points.
  std::optional<std::string> text(std::string_view key, presence p, std::size_t min_cp, std::size_t max_cp);
  std::optional<std::int64_t> integer(std::string_view key, presence p, std::int64_t min, std::int64_t max);
  std::optional<bool> boolean(std::string_view key, presence p);
  // An array of min_items..max_items integers, each within min..max.
  std::optional<std::vector<std::int64_t>> integers(std::string_view key, presence p, std::int64_t min,
                                                    std::int64_t max, std::size_t max_items, std::size_t min_items = 1);
  // An array of at most max_items strings (possibly empty), each of
  // min_cp..max_cp code points; reported as "key[i]" when one is wrong.
  std::optional<std::vector<std::string>> strings(std::string_view key, presence p, std::size_t min_cp,
                                                  std::size_t max_cp, std::size_t max_items);
  // A nested object; its own errors are reported with the "key." prefix.
  std::optional<fields> object(std::string_view key, presence p);
  // Present (even null).
  bool has(std::string_view key) const { return obj_->find(key) != nullptr; }
  // True when the key is present with JSON null.
  bool is_null(std::string_view key) const;

  // Records a problem found by the caller's own checks (first one wins).
  void fail(std::string_view key, core::text message);
  std::optional<core::error> error() const;
  bool ok() const;

  std::string path(std::string_view key) const;

 private:
  const value* get(std::string_view key, presence p);
  const value* obj_;
  std::string prefix_;
  std::shared_ptr<std::optional<core::error>> err_;  // shared with nested readers
};

// Parses a request body that must be a JSON object.
core::result<value> body_object(std::string_view body);

}  // namespace colibri::json
