#pragma once
// The refusals the group handlers share, their words from the message
// catalogue (colibri/core/messages.hpp).
#include <optional>
#include <string>

#include "colibri/core/messages.hpp"
#include "colibri/core/result.hpp"
#include "colibri/http/message.hpp"

namespace colibri::groups::detail {

core::error group_not_found();
core::error members_only();
core::error moderators_only();
core::error already_member();
core::error last_owner();
core::error invitation_invalid();
core::error parent_first(const std::string& parent_name);
core::error not_found(core::msg what);
core::error forbidden(core::msg why, std::string field = {});
core::error conflict(core::msg why, std::string field = {});

// The shape of an error response for a result.
inline http::response fail(const core::error& e, const http::request& req) {
  return http::response::error(e, req.lang);
}

}  // namespace colibri::groups::detail
