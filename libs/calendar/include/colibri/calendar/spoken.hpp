#pragma once
// A local date and time as people read it in a notification or a mail:
// "jeudi 8 janvier 2026, 12:30 (Europe/Paris)" / "Thursday 8 January 2026,
// 12:30 (Europe/Paris)".
#include <string>
#include <string_view>

#include "colibri/core/text.hpp"

namespace colibri::calendar {

// local: "YYYY-MM-DDTHH:MM[:SS]"; the input itself when malformed.
std::string spoken(std::string_view local, std::string_view tz, core::lang l);
// Both languages (for core::text values).
core::text spoken(std::string_view local, std::string_view tz);
// `t` with "{when}" replaced in each language by `when` in that language.
core::text with_when(core::text t, const core::text& when);

}  // namespace colibri::calendar
