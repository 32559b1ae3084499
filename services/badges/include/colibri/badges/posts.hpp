#pragma once
// Posts the scheduler publishes into groups' rooms, at a given instant:
//   - the posts moderators schedule (once at an instant; daily at a local
//     time; weekly on given ISO days), in the post's time zone, DST included
//     (PostgreSQL's `AT TIME ZONE`). At most one occurrence per post and
//     local date. After downtime a one-off post is published late with its
//     planned time noted; a recurring one publishes only today's occurrence.
//     A post publishes only while its author moderates the group.
//   - for groups that ask for it (groups.celebrations_post_at), one system
//     post a day, at that local time in the group's time zone, listing
//     today's celebrated among the members who share their quit.
// Each occurrence's run row and its event commit in one transaction (the
// room log's append_in), so the run's key makes it exactly once whatever the
// number of schedulers. The caller publishes the returned events' frames
// after the commit.
#include <pqxx/pqxx>
#include <vector>

#include "colibri/core/clock.hpp"
#include "colibri/roomlog/event.hpp"

namespace colibri::badges {

// A one-off post published later than this after its instant says so.
inline constexpr std::chrono::minutes k_late_after{5};

struct posts_result {
  std::vector<roomlog::event> events;  // committed, in publication order
  int failed = 0;                      // publications that failed (logged; retried at the next tick)
};

posts_result run_posts(pqxx::connection& c, core::time_point now);

// How long a hidden message's text stays with its report, once resolved.
inline constexpr std::chrono::hours k_evidence_kept{24 * 90};
// Nulls the evidence of reports resolved more than k_evidence_kept before
// `now`; returns how many. Idempotent: any instance, any tick.
int purge_evidence(pqxx::connection& c, core::time_point now);

}  // namespace colibri::badges
