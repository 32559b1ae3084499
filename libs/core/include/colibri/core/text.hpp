#pragma once
#include <string>
#include <string_view>

namespace colibri::core {

// User-facing languages. French first: the community is French.
enum class lang { fr, en };

// A user-facing sentence in every supported language.
struct text {
  std::string fr;
  std::string en;
  const std::string& in(lang l) const { return l == lang::en ? en : fr; }
};

// "fr" / "en"; anything else is nullopt-like: returns false.
bool parse_lang(std::string_view s, lang& out);
std::string_view to_string(lang l);

// Picks the language from an Accept-Language header: English only when the
// client prefers it over French; French otherwise.
lang lang_from_accept_language(std::string_view header);

}  // namespace colibri::core

namespace colibri::core {
// An IANA time zone name known to this machine's tz database
// ("Europe/Paris", "America/Guadeloupe", "UTC"). PostgreSQL on Debian uses
// the same database (/usr/share/zoneinfo), so both agree on what exists.
bool valid_timezone(std::string_view name);
}  // namespace colibri::core
