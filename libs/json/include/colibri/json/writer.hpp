#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace colibri::json {

// Streaming JSON writer; commas and escaping handled here. Strings are
// expected to be valid UTF-8 (validated at the edge).
class writer {
 public:
  writer& begin_object();
  writer& end_object();
  writer& begin_array();
  writer& end_array();
  writer& key(std::string_view k);
  writer& value(std::string_view s);
  writer& value(const char* s) { return value(std::string_view(s)); }
  writer& value(const std::string& s) { return value(std::string_view(s)); }
  writer& value(std::int64_t n);
  writer& value(int n) { return value(static_cast<std::int64_t>(n)); }
  writer& value(bool b);
  // A finite number, shortest form that reads back the same (null if not finite).
  writer& value(double d);
  writer& null();
  // An absent value is written as null.
  template <class T>
  writer& value(const std::optional<T>& v) {
    return v ? value(*v) : null();
  }
  // Inserts already-serialised JSON as one value.
  writer& raw(std::string_view json);

  template <class T>
  writer& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

  const std::string& str() const { return out_; }
  std::string release() { return std::move(out_); }

 private:
  void before_value();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element yet
  bool after_key_ = false;
};

}  // namespace colibri::json
