#pragma once
// What a request names in its path and query: ids, page sizes, cursors.
#include <cstdint>
#include <optional>
#include <string_view>

#include "colibri/core/result.hpp"
#include "colibri/http/message.hpp"

namespace colibri::groups::detail {

using http::request;
using http::response;

// The largest id the contract allows (JSON integers stay below 2^53).
inline constexpr std::int64_t k_max_id = 9007199254740992;

// An id (1 .. 2^53) written in decimal; nullopt otherwise.
std::optional<std::int64_t> parse_id(std::string_view s);
// A path parameter that is an id; nullopt otherwise.
std::optional<std::int64_t> id_param(const request& req, std::string_view name);
// ?limit= within 1..max (default def); a validation error otherwise.
core::result<int> limit_param(const request& req, int def, int max);
// An optional id in the query (?before=, ?after=); a validation error when malformed.
core::result<std::optional<std::int64_t>> query_id(const request& req, std::string_view name);

}  // namespace colibri::groups::detail
