#pragma once
// A time zone's offsets over a span, from PostgreSQL's zone data (the same
// data every local time of a meeting is computed with).
#include <cstdint>
#include <pqxx/pqxx>
#include <string>

#include "colibri/calendar/ics.hpp"

namespace colibri::calendar {

// The zone's offset at from_ms and every change up to to_ms, to the minute.
zone_span zone_over(pqxx::transaction_base& w, const std::string& tzid, std::int64_t from_ms, std::int64_t to_ms);

}  // namespace colibri::calendar
