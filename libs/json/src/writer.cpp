#include "colibri/json/writer.hpp"

#include <charconv>
#include <cmath>

#include "colibri/core/log.hpp"

namespace colibri::json {

void writer::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
}

writer& writer::begin_object() {
  before_value();
  out_ += '{';
  first_.push_back(true);
  return *this;
}
writer& writer::end_object() {
  out_ += '}';
  first_.pop_back();
  return *this;
}
writer& writer::begin_array() {
  before_value();
  out_ += '[';
  first_.push_back(true);
  return *this;
}
writer& writer::end_array() {
  out_ += ']';
  first_.pop_back();
  return *this;
}
writer& writer::key(std::string_view k) {
  before_value();
  out_ += '"';
  log::append_escaped(out_, k);
  out_ += "\":";
  after_key_ = true;
  return *this;
}
writer& writer::value(std::string_view s) {
  before_value();
  out_ += '"';
  log::append_escaped(out_, s);
  out_ += '"';
  return *this;
}
writer& writer::value(std::int64_t n) {
  before_value();
  out_ += std::to_string(n);
  return *this;
}
writer& writer::value(double d) {
  if (!std::isfinite(d)) return null();
  before_value();
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  out_.append(buf, ec == std::errc{} ? end : buf);
  return *this;
}
writer& writer::value(bool b) {
  before_value();
  out_ += b ? "true" : "false";
  return *this;
}
writer& writer::null() {
  before_value();
  out_ += "null";
  return *this;
}
writer& writer::raw(std::string_view json) {
  before_value();
  out_ += json;
  return *this;
}

}  // namespace colibri::json
