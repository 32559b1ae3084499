#pragma once
// Domain errors: an errc (one per wire error code of docs/protocol.md), a
// localised human sentence, the offending field, and result<T>.
#include <cassert>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "colibri/core/text.hpp"

namespace colibri::core {

enum class errc {
  invalid_json,
  validation_failed,
  unauthenticated,
  forbidden,
  not_found,
  method_not_allowed,
  conflict,
  payload_too_large,
  rate_limited,
  unavailable,
  internal,
};

// The wire code ("validation_failed") and the HTTP status of an errc.
std::string_view code_string(errc e);
int http_status(errc e);

struct error {
  errc code = errc::internal;
  text message;
  std::string field;             // optional JSON path of the offending field
  int retry_after_s = 0;         // for rate_limited / unavailable
  std::int64_t existing_id = 0;  // a duplicate's original (409 conflict), when known

  static error make(errc c, text msg, std::string field = {}) {
    error e;
    e.code = c;
    e.message = std::move(msg);
    e.field = std::move(field);
    return e;
  }
  static error validation(std::string field, text msg) {
    return make(errc::validation_failed, std::move(msg), std::move(field));
  }
};

// The default sentence for each code, for callers that have nothing better.
error default_error(errc c);

// Thrown by infrastructure (database, queue) when a dependency cannot serve
// now; the edges answer `unavailable` (503 with Retry-After), without detail.
struct dependency_unavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class T>
class [[nodiscard]] result {
 public:
  // An internal error until assigned (containers and pool jobs need a default).
  result() : v_(error{}) {}
  result(T value) : v_(std::move(value)) {}
  result(error e) : v_(std::move(e)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const {
    assert(ok());
    return std::get<0>(v_);
  }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const error& err() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, error> v_;
};

template <>
class [[nodiscard]] result<void> {
 public:
  result() = default;
  result(error e) : e_(std::move(e)), ok_(false) {}
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const error& err() const {
    assert(!ok_);
    return e_;
  }

 private:
  error e_;
  bool ok_ = true;
};

}  // namespace colibri::core
