#pragma once
// The community's REST side (docs/protocol.md, REST): groups and
// membership, threads and rooms, moderation, quit and badges, scheduled
// posts, notifications and the caller's data, one resource class each
// (services/groups/src/api.hpp) assembled here.
//
// Every event in a group or thread goes through the room log: a REST post and
// a socket `send` are the same append. Everything a group holds is readable
// by its members only: a hidden group does not exist for others (404), a
// listed one shows its card but none of its content (403).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "colibri/core/config.hpp"
#include "colibri/groups/authn.hpp"
#include "colibri/http/router.hpp"
#include "colibri/net/asio.hpp"
#include "colibri/pg/pool.hpp"
#include "colibri/posting/post.hpp"
#include "colibri/ratelimit/limiter.hpp"
#include "colibri/redis/client.hpp"
#include "colibri/roomlog/room_log.hpp"

namespace colibri::groups {

struct community_settings {
  std::chrono::hours invitation_ttl{24 * 14};
  int page_default = 50;
  int page_max = 200;
  // The web client's origin, for the calendar feed's URL (COLIBRI_PUBLIC_URL).
  std::string public_url = "http://127.0.0.1:8080";
  // The largest document version accepted (COLIBRI_UPLOAD_LIMIT_BYTES).
  std::uint64_t upload_limit = 20u << 20;
  // Search: above this many matches in the whole log (the planner's
  // estimate), a query is read room by room (COLIBRI_SEARCH_COMMON_MATCHES).
  double search_common_matches = 5000;
  // The push services a subscription may name (COLIBRI_PUSH_SERVICES).
  std::vector<std::string> push_services;
};

community_settings read_community_settings(core::config& cfg);

class community {
 public:
  community(pg::pool& db, redis::publisher& pub, std::shared_ptr<roomlog::room_log> log, ratelimit::limiter& limits,
            community_settings s);
  ~community();
  void add_routes(http::router& r);

  // The two spaces of the mission (README, "What it is") and their sub-groups, in French; idempotent
  // (groups are found again by slug). Returns how many groups it created.
  static int seed(pqxx::connection& c);

 private:
  struct apis;
  std::unique_ptr<apis> apis_;
};

}  // namespace colibri::groups
