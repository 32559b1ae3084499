#pragma once
// What the group and membership handlers share (community.cpp, membership.cpp).
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "colibri/groups/authn.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/pg/pool.hpp"
#include "colibri/ratelimit/limiter.hpp"
#include "common.hpp"

namespace colibri::groups::detail {

// The caller and the group named by the {id} parameter, as one lookup.
struct in_group {
  caller who;
  group_view g;
};

// With limits: the caller is charged the action's cost in the shared limiter
// first. A group the caller cannot see is not_found.
awaitable<core::result<in_group>> caller_in_group(pg::pool& db, const request& req,
                                                  ratelimit::limiter* limits = nullptr,
                                                  ratelimit::action a = ratelimit::action::edit);
const std::set<std::string>& policies();
const std::set<std::string>& visibilities();
// A field whose value must be one of `allowed` (when present).
void check_choice(json::fields& f, std::string_view key, const std::optional<std::string>& v,
                  const std::set<std::string>& allowed);

}  // namespace colibri::groups::detail
