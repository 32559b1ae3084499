#include "params.hpp"

#include <charconv>
#include <string>

#include "colibri/core/messages.hpp"

namespace colibri::groups::detail {

std::optional<std::int64_t> parse_id(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 1 || v > k_max_id) return std::nullopt;
  return v;
}

std::optional<std::int64_t> id_param(const request& req, std::string_view name) { return parse_id(req.param(name)); }

core::result<int> limit_param(const request& req, int def, int max) {
  auto v = req.query_param("limit");
  if (!v) return def;
  auto n = parse_id(*v);
  if (!n || *n > max)
    return core::error::validation("limit", core::message(core::msg::bad_limit, {{"max", std::to_string(max)}}));
  return static_cast<int>(*n);
}

core::result<std::optional<std::int64_t>> query_id(const request& req, std::string_view name) {
  auto v = req.query_param(name);
  if (!v) return std::optional<std::int64_t>{};
  auto n = parse_id(*v);
  if (!n)
    return core::error::validation(std::string(name), core::message(core::msg::bad_id, {{"name", std::string(name)}}));
  return std::optional<std::int64_t>{*n};
}

}  // namespace colibri::groups::detail
