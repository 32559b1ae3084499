#include "colibri/calendar/zones.hpp"

#include <algorithm>
#include <map>

namespace colibri::calendar {

zone_span zone_over(pqxx::transaction_base& w, const std::string& tzid, std::int64_t from_ms, std::int64_t to_ms) {
  // Days where the offset changed, then the minute of each change inside them.
  static const char* sql =
      "WITH span AS (SELECT to_timestamp($2::double precision / 1000) AS a, "
      "  to_timestamp($3::double precision / 1000) AS b), "
      "d AS (SELECT t, extract(epoch FROM (t AT TIME ZONE $1) - (t AT TIME ZONE 'UTC'))::int AS off "
      "  FROM span, generate_series(span.a, span.b + interval '1 day', interval '1 day') t), "
      "c AS (SELECT t FROM (SELECT t, off, lag(off) OVER (ORDER BY t) AS prev FROM d) x "
      "  WHERE prev IS NOT NULL AND off <> prev), "
      "m AS (SELECT DISTINCT s, extract(epoch FROM (s AT TIME ZONE $1) - (s AT TIME ZONE 'UTC'))::int AS off "
      "  FROM c, generate_series(c.t - interval '1 day', c.t, interval '1 minute') s) "
      "SELECT (SELECT off FROM d ORDER BY t LIMIT 1), NULL::bigint, NULL::int, NULL::int "
      "UNION ALL "
      "SELECT NULL, (extract(epoch FROM s) * 1000)::bigint, prev, off FROM "
      "  (SELECT s, off, lag(off) OVER (ORDER BY s) AS prev FROM m) y WHERE prev IS NOT NULL AND off <> prev";
  zone_span z;
  z.from_ms = from_ms;
  bool first = true;
  for (auto r : w.exec_params(sql, tzid, from_ms, to_ms)) {
    if (first) {
      z.base_offset_s = r[0].as<int>();
      first = false;
      continue;
    }
    z.changes.push_back({r[1].as<std::int64_t>(), r[2].as<int>(), r[3].as<int>()});
  }
  std::sort(z.changes.begin(), z.changes.end(),
            [](const zone_change& a, const zone_change& b) { return a.at_ms < b.at_ms; });
  return z;
}

void add_zones(pqxx::transaction_base& w, document& d, const std::vector<occurrence>& occurrences) {
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> spans;
  for (const auto& o : occurrences) {
    auto [it, fresh] = spans.try_emplace(o.timezone, o.starts_ms, o.ends_ms);
    it->second.first = std::min(it->second.first, o.starts_ms);
    it->second.second = std::max(it->second.second, o.ends_ms);
  }
  for (const auto& [tz, span] : spans) d.zones[tz] = zone_over(w, tz, span.first - 86400000, span.second + 86400000);
}

}  // namespace colibri::calendar
