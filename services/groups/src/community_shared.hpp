#pragma once
// What the group and membership handlers share (community.cpp, membership.cpp).
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "colibri/groups/authn.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/json/writer.hpp"
#include "colibri/pg/pool.hpp"
#include "colibri/ratelimit/limiter.hpp"
#include "errors.hpp"
#include "joining.hpp"
#include "params.hpp"
#include "repo/audit.hpp"
#include "repo/groups.hpp"
#include "repo/memberships.hpp"
#include "repo/users.hpp"
#include "views.hpp"

namespace colibri::groups::detail {

// The caller and the group named by the {id} parameter, as one lookup.
struct in_group {
  caller who;
  group_view g;
};

// The group named by {id}, as the (authenticated) caller sees it: not_found
// when they cannot see it.
awaitable<core::result<in_group>> caller_in_group(pg::pool& db, const request& req, const caller& who);
const std::set<std::string>& policies();
const std::set<std::string>& visibilities();
// A field whose value must be one of `allowed` (when present).
void check_choice(json::fields& f, std::string_view key, const std::optional<std::string>& v,
                  const std::set<std::string>& allowed);

// The professions of a professional profile (docs/protocol.md).
const std::set<std::string>& professions();
// A French département code ("44", "2A", "971").
bool department_code(std::string_view d);

// A count people could be told apart by: exact at 5 or more, "<5" below.
void small_count(json::writer& j, std::string_view key, std::int64_t n);
// A total over counts, rounded to 5 when one of them is hidden (else it would
// give the hidden one away by subtraction); small_count it too.
std::int64_t rounded_total(std::int64_t total, bool hidden);

}  // namespace colibri::groups::detail
