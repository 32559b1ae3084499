#pragma once
// Time: an injectable clock (tests move time), RFC 3339 formatting and parsing.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace colibri::core {

using time_point = std::chrono::system_clock::time_point;
using millis = std::chrono::milliseconds;

class clock {
 public:
  virtual ~clock() = default;
  virtual time_point now() const = 0;
};

class system_clock final : public clock {
 public:
  time_point now() const override { return std::chrono::system_clock::now(); }
};

// A clock that starts at a given instant and runs `factor` times faster than
// the system clock (3600: an hour per second). For tests and demonstrations
// of processes that cannot be told the time otherwise; several processes
// given the same start and factor agree within their start-up skew.
class accelerated_clock final : public clock {
 public:
  accelerated_clock(time_point start, double factor)
      : start_(start), factor_(factor), origin_(std::chrono::steady_clock::now()) {}
  time_point now() const override {
    auto real = std::chrono::steady_clock::now() - origin_;
    return start_ + std::chrono::duration_cast<time_point::duration>(real * factor_);
  }

 private:
  time_point start_;
  double factor_;
  std::chrono::steady_clock::time_point origin_;
};

// A clock that only moves when told to.
class manual_clock final : public clock {
 public:
  explicit manual_clock(time_point start) : ms_(to_ms(start)) {}
  time_point now() const override { return time_point(millis(ms_.load())); }
  void set(time_point t) { ms_ = to_ms(t); }
  void advance(millis d) { ms_ += d.count(); }

 private:
  static std::int64_t to_ms(time_point t) { return std::chrono::duration_cast<millis>(t.time_since_epoch()).count(); }
  std::atomic<std::int64_t> ms_;
};

// "2026-11-22T09:00:00.000Z"
std::string format_rfc3339(time_point t);
std::string format_rfc3339_ms(std::int64_t unix_ms);
// Accepts RFC 3339 with 'Z' or a numeric offset, fraction optional.
std::optional<time_point> parse_rfc3339(std::string_view s);
// "YYYY-MM-DD", a real calendar date.
std::optional<std::chrono::year_month_day> parse_date(std::string_view s);
std::string format_date(std::chrono::year_month_day d);

}  // namespace colibri::core
