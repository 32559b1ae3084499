#include "colibri/badges/scheduler.hpp"

namespace colibri::badges {

scheduler::scheduler(std::string pg_url) : lock_(std::move(pg_url), k_leader_key) {}
void scheduler::start() { lock_.start(); }
void scheduler::stop() { lock_.stop(); }

}  // namespace colibri::badges
