#pragma once
// A time zone's offsets over a span, from PostgreSQL's zone data (the same
// data every local time of a meeting is computed with).
#include <cstdint>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "colibri/calendar/ics.hpp"

namespace colibri::calendar {

// The zone's offset at from_ms and every change up to to_ms, to the minute.
zone_span zone_over(pqxx::transaction_base& w, const std::string& tzid, std::int64_t from_ms, std::int64_t to_ms);
// The zones of every occurrence in `d`, each over the span its occurrences
// cover with a day of slack either side.
void add_zones(pqxx::transaction_base& w, document& d, const std::vector<occurrence>& occurrences);

}  // namespace colibri::calendar
