#include "colibri/calendar/ics.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>

namespace colibri::calendar {

namespace {

// "YYYYMMDDTHHMMSS" for an instant shifted by offset_s (UTC when 0).
std::string basic_time(std::int64_t ms, int offset_s = 0) {
  using namespace std::chrono;
  auto t = sys_seconds(seconds(ms / 1000 - (ms % 1000 < 0 ? 1 : 0) + offset_s));
  auto day = floor<days>(t);
  year_month_day ymd(day);
  hh_mm_ss hms(t - day);
  char b[32];
  std::snprintf(b, sizeof b, "%04d%02u%02uT%02d%02d%02d", int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()),
                int(hms.hours().count()), int(hms.minutes().count()), int(hms.seconds().count()));
  return b;
}

// "YYYY-MM-DDTHH:MM[:SS]" as "YYYYMMDDTHHMMSS".
std::string basic_local(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '-' && c != ':') out += c;
  while (out.size() < 15) out += '0';
  return out.substr(0, 15);
}

std::string offset(int s) {
  char b[16];
  int a = s < 0 ? -s : s;
  if (a % 60)
    std::snprintf(b, sizeof b, "%c%02d%02d%02d", s < 0 ? '-' : '+', a / 3600, a / 60 % 60, a % 60);
  else
    std::snprintf(b, sizeof b, "%c%02d%02d", s < 0 ? '-' : '+', a / 3600, a / 60 % 60);
  return b;
}

void line(std::string& out, std::string_view name, std::string_view value) {
  std::string l(name);
  l += ':';
  l += value;
  out += fold(l);
}

void timezone(std::string& out, const std::string& tzid, const zone_span& z) {
  int lowest = z.base_offset_s;
  for (const auto& c : z.changes) lowest = std::min({lowest, c.from_s, c.to_s});
  out += fold("BEGIN:VTIMEZONE");
  line(out, "TZID", tzid);
  auto component = [&](std::int64_t at_ms, int from, int to) {
    const char* kind = to > lowest ? "DAYLIGHT" : "STANDARD";
    line(out, "BEGIN", kind);
    line(out, "DTSTART", basic_time(at_ms, from));
    line(out, "TZOFFSETFROM", offset(from));
    line(out, "TZOFFSETTO", offset(to));
    line(out, "END", kind);
  };
  component(z.from_ms, z.base_offset_s, z.base_offset_s);
  for (const auto& c : z.changes) component(c.at_ms, c.from_s, c.to_s);
  out += fold("END:VTIMEZONE");
}

}  // namespace

std::string escape_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' || c == ';' || c == ',') {
      out += '\\';
      out += c;
    } else if (c == '\r') {
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
      out += "\\n";
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += ' ';  // no other control character in a TEXT value
    } else {
      out += c;
    }
  }
  return out;
}

std::string fold(std::string_view l) {
  std::string out;
  std::size_t width = 0, limit = 75;
  for (std::size_t i = 0; i < l.size();) {
    // The length of the UTF-8 sequence starting here.
    auto c = static_cast<unsigned char>(l[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    n = std::min(n, l.size() - i);
    if (width + n > limit) {
      out += "\r\n ";
      width = 1;
    }
    out.append(l.substr(i, n));
    width += n;
    i += n;
  }
  return out + "\r\n";
}

event occurrence_event(const occurrence& o, const std::string& public_url, std::int64_t stamp_ms) {
  event e;
  e.uid = "occurrence-" + std::to_string(o.id) + "@colibri";
  e.starts_ms = o.starts_ms;
  e.ends_ms = o.ends_ms;
  e.tzid = o.timezone;
  e.local_start = o.local_start;
  e.local_end = o.local_end;
  e.summary = o.title;
  if (o.location) e.location = *o.location;
  e.url = public_url + "/#/meetings/" + std::to_string(o.meeting_id);
  e.sequence = static_cast<int>(o.sequence);
  e.stamp_ms = stamp_ms;
  return e;
}

std::string render(const document& d) {
  std::string out;
  out += fold("BEGIN:VCALENDAR");
  line(out, "VERSION", "2.0");
  line(out, "PRODID", "-//Colibri//Colibri meetings//FR");
  line(out, "CALSCALE", "GREGORIAN");
  line(out, "METHOD", "PUBLISH");
  if (!d.name.empty()) line(out, "X-WR-CALNAME", escape_text(d.name));
  for (const auto& [tzid, z] : d.zones) timezone(out, tzid, z);
  for (const auto& e : d.events) {
    out += fold("BEGIN:VEVENT");
    line(out, "UID", e.uid);
    line(out, "DTSTAMP", basic_time(e.stamp_ms) + "Z");
    line(out, "DTSTART;TZID=" + e.tzid, basic_local(e.local_start));
    line(out, "DTEND;TZID=" + e.tzid, basic_local(e.local_end));
    line(out, "SUMMARY", escape_text(e.summary));
    if (!e.location.empty()) line(out, "LOCATION", escape_text(e.location));
    if (!e.description.empty()) line(out, "DESCRIPTION", escape_text(e.description));
    if (!e.url.empty()) line(out, "URL", e.url);
    line(out, "STATUS", e.status);
    line(out, "SEQUENCE", std::to_string(e.sequence));
    line(out, "TRANSP", "OPAQUE");
    out += fold("END:VEVENT");
  }
  out += fold("END:VCALENDAR");
  return out;
}

}  // namespace colibri::calendar
