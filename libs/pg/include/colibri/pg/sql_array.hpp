#pragma once
// PostgreSQL array literals, so that a whole batch goes in one statement
// (INSERT ... SELECT FROM unnest($1::text[], ...)). libpqxx 6.4 has no array
// parameters.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace colibri::pg {

std::string text_array(const std::vector<std::optional<std::string>>& v);
std::string strings_array(const std::vector<std::string>& v);
std::string bigint_array(const std::vector<std::optional<std::int64_t>>& v);
std::string bool_array(const std::vector<std::optional<bool>>& v);

}  // namespace colibri::pg
