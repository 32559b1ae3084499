#pragma once
// What the two moderation files share (moderation.cpp, moderation_tools.cpp).
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "colibri/pg/pool.hpp"
#include "errors.hpp"
#include "joining.hpp"
#include "params.hpp"
#include "repo/audit.hpp"
#include "repo/groups.hpp"
#include "repo/memberships.hpp"
#include "repo/users.hpp"
#include "views.hpp"

namespace colibri::groups::detail {

const std::set<std::string>& report_reasons();
core::error report_not_found();
// The group a moderator acts in, from the {id} parameter: visible, and the caller moderates it.
awaitable<core::result<group_view>> moderated_group(pg::pool& db, const request& req, std::int64_t uid);
// A private reminder of the group's rules: never public shaming.
std::vector<notify::notification> remind_rules(pqxx::work& w, const group_view& g, std::int64_t user_id);
// A private word from the moderators to one person.
std::vector<notify::notification> tell(pqxx::work& w, const group_view& g, std::int64_t user_id, const core::text& body,
                                       std::string_view action);
std::string until_text(std::int64_t ms);

}  // namespace colibri::groups::detail
