#include "errors.hpp"

namespace colibri::groups::detail {

using core::errc;
using core::msg;

core::error not_found(msg what) { return core::error::make(errc::not_found, core::message(what)); }
core::error forbidden(msg why, std::string field) {
  return core::error::make(errc::forbidden, core::message(why), std::move(field));
}
core::error conflict(msg why, std::string field) {
  return core::error::make(errc::conflict, core::message(why), std::move(field));
}
core::error group_not_found() { return not_found(msg::group_not_found); }
core::error members_only() { return forbidden(msg::members_only); }
core::error moderators_only() { return forbidden(msg::moderators_only); }
core::error already_member() { return conflict(msg::already_member); }
core::error last_owner() { return conflict(msg::last_owner); }
core::error invitation_invalid() { return not_found(msg::invitation_invalid); }
core::error parent_first(const std::string& parent_name) {
  return core::error::make(errc::forbidden, core::message(msg::parent_first, {{"group", parent_name}}));
}

}  // namespace colibri::groups::detail
