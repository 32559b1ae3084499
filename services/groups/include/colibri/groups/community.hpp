#pragma once
// Groups, membership, threads, room events over REST, moderation,
// notifications and the caller's rights over their data (docs/protocol.md, REST).
//
// Every event in a group or thread goes through the room log: a REST post and
// a socket `send` are the same append. Everything a group holds is readable
// by its members only: a hidden group does not exist for others (404), a
// listed one shows its card but none of its content (403).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "colibri/core/config.hpp"
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
};

community_settings read_community_settings(core::config& cfg);

class community {
 public:
  community(pg::pool& db, redis::publisher& pub, std::shared_ptr<roomlog::room_log> log, ratelimit::limiter& limits,
            community_settings s);
  void add_routes(http::router& r);

  // The two spaces of the mission (README, "What it is") and their sub-groups, in French; idempotent
  // (groups are found again by slug). Returns how many groups it created.
  static int seed(pqxx::connection& c);

 private:
  // Groups and membership.
  awaitable<http::response> list_groups(http::request& req);
  awaitable<http::response> create_group(http::request& req);
  awaitable<http::response> get_group(http::request& req);
  awaitable<http::response> patch_group(http::request& req);
  awaitable<http::response> join(http::request& req);
  awaitable<http::response> list_join_requests(http::request& req);
  awaitable<http::response> decide_join_request(http::request& req, bool approve);
  awaitable<http::response> create_invitation(http::request& req);
  awaitable<http::response> accept_invitation(http::request& req);
  awaitable<http::response> list_members(http::request& req);
  awaitable<http::response> set_role(http::request& req);
  awaitable<http::response> remove_member(http::request& req);

  // Threads and room events.
  awaitable<http::response> list_threads(http::request& req);
  awaitable<http::response> create_thread(http::request& req);
  awaitable<http::response> thread_flag(http::request& req, const char* column, bool on, const char* action);
  awaitable<http::response> list_events(http::request& req);
  awaitable<http::response> post_event(http::request& req);
  awaitable<http::response> create_conversation(http::request& req);
  awaitable<http::response> list_conversations(http::request& req);
  awaitable<http::response> block_user(http::request& req, bool on);

  // Moderation.
  awaitable<http::response> create_report(http::request& req);
  awaitable<http::response> list_reports(http::request& req);
  awaitable<http::response> resolve_report(http::request& req);
  awaitable<http::response> mute(http::request& req);
  awaitable<http::response> unmute(http::request& req);
  awaitable<http::response> put_watched_words(http::request& req);
  awaitable<http::response> get_watched_words(http::request& req);
  awaitable<http::response> list_held(http::request& req);
  awaitable<http::response> decide_held(http::request& req, bool approve);
  awaitable<http::response> list_audit(http::request& req);

  // Badges and "les fêtés du jour".
  awaitable<http::response> badge_catalogue(http::request& req);
  awaitable<http::response> my_badges(http::request& req);
  awaitable<http::response> user_badges(http::request& req);
  awaitable<http::response> celebrations(http::request& req);
  awaitable<http::response> congratulated(http::request& req);

  // Scheduled posts (moderators).
  awaitable<http::response> list_scheduled_posts(http::request& req);
  awaitable<http::response> create_scheduled_post(http::request& req);
  awaitable<http::response> edit_scheduled_post(http::request& req);
  awaitable<http::response> delete_scheduled_post(http::request& req);

  // Notifications and the caller's data.
  awaitable<http::response> list_notifications(http::request& req);
  awaitable<http::response> read_notifications(http::request& req);
  awaitable<http::response> export_me(http::request& req);

  pg::pool& db_;
  redis::publisher& pub_;
  std::shared_ptr<roomlog::room_log> log_;
  ratelimit::limiter& limits_;
  community_settings s_;
  posting::doors doors() { return {db_, pub_, *log_, limits_}; }
};

}  // namespace colibri::groups
