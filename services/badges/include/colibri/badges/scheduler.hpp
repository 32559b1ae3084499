#pragma once
// The badge scheduler's frame: among all running instances, the one holding
// the leader lock does the scheduled work; the others stand by and take over
// within seconds if it dies. The work itself (daily congratulations,
// milestones, recurring posts) comes with the badges issue.
#include <atomic>
#include <memory>
#include <string>

#include "colibri/pg/leader.hpp"

namespace colibri::badges {

// The advisory-lock key that elects the scheduler leader.
inline constexpr long long k_leader_key = 0x636f6c6962726902;  // "colibri\x02"

class scheduler {
 public:
  explicit scheduler(std::string pg_url);
  void start();
  void stop();
  bool leader() const { return lock_.held(); }

 private:
  pg::leader_lock lock_;
};

}  // namespace colibri::badges
