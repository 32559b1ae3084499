#pragma once
// iCalendar (RFC 5545) files for meetings: one VEVENT per occurrence with
// its local start and end under a TZID, and a VTIMEZONE for that zone built
// from the offset changes PostgreSQL's zone data gives over the span the
// events cover (colibri/calendar/zones.hpp), so that any parser expands each
// event to the occurrence's exact UTC instant. CRLF line ends, lines folded at
// 75 octets without splitting a UTF-8 sequence, TEXT values escaped. Never an
// ATTENDEE or ORGANIZER: no name or address is ever written.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace colibri::calendar {

// A change of UTC offset (seconds east of UTC) at an instant.
struct zone_change {
  std::int64_t at_ms = 0;
  int from_s = 0, to_s = 0;
};

// A zone over a span: its offset at the span's start and its changes inside.
struct zone_span {
  std::int64_t from_ms = 0;
  int base_offset_s = 0;
  std::vector<zone_change> changes;
};

struct event {
  std::string uid;
  std::int64_t starts_ms = 0, ends_ms = 0;
  std::string tzid;
  std::string local_start, local_end;  // "YYYY-MM-DDTHH:MM:SS" in tzid
  std::string summary, location, description, url;
  std::string status = "CONFIRMED";  // CONFIRMED, TENTATIVE, CANCELLED
  int sequence = 0;
  std::int64_t stamp_ms = 0;  // DTSTAMP
};

struct document {
  std::string name;                        // X-WR-CALNAME
  std::map<std::string, zone_span> zones;  // by TZID, for every tzid the events use
  std::vector<event> events;
};

// An occurrence of a meeting, as a calendar shows it.
struct occurrence {
  std::int64_t id = 0, meeting_id = 0;
  std::string title, timezone;
  std::string local_start, local_end;  // "YYYY-MM-DDTHH:MM:SS" in timezone
  std::optional<std::string> location;
  std::int64_t starts_ms = 0, ends_ms = 0, sequence = 0;
};
// Its event: UID occurrence-{id}@colibri, the meeting's page on the web
// client ({public_url}/#/meetings/{id}) as URL, confirmed.
event occurrence_event(const occurrence& o, const std::string& public_url, std::int64_t stamp_ms);

// The file's text.
std::string render(const document& d);

// A TEXT value escaped (backslash, semicolon, comma, newlines).
std::string escape_text(std::string_view s);
// One content line folded at 75 octets, CRLF-terminated.
std::string fold(std::string_view line);

}  // namespace colibri::calendar
