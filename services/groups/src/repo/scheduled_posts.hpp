#pragma once
// Posts moderators schedule into their group's room (published by the
// badge scheduler, services/badges/src/posts.cpp).
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace colibri::groups::repo {

// What a moderator writes.
struct post_plan {
  std::string body, repeat, timezone;
  std::optional<std::string> at;                      // RFC 3339 (once)
  std::optional<std::string> time;                    // HH:MM (daily, weekly)
  std::optional<std::vector<std::int64_t>> weekdays;  // weekly, ISO days
};

// A post as the API shows it: next_at is the next occurrence still to
// publish (absent once a one-off post is out); `active` is false while its
// author no longer moderates the group, and nothing is published then.
struct scheduled_post_row {
  std::int64_t id = 0, group_id = 0, author_id = 0;
  std::string author_handle;
  post_plan plan;
  bool active = false;
  std::optional<std::int64_t> at_ms, next_ms, last_published_ms;
  std::int64_t created_ms = 0, updated_ms = 0;
};
std::vector<scheduled_post_row> scheduled_posts_of(pqxx::transaction_base& w, std::int64_t group_id);
scheduled_post_row scheduled_post(pqxx::transaction_base& w, std::int64_t post_id);

// The post's group, the post locked until the commit; nullopt when absent.
std::optional<std::int64_t> lock_scheduled_post(pqxx::transaction_base& w, std::int64_t post_id);
// The stored plan, and whether it was published at least once.
std::pair<post_plan, bool> plan_of(pqxx::transaction_base& w, std::int64_t post_id);
std::int64_t insert_scheduled_post(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t author_id,
                                   const post_plan& p);
// An edited post starts again from now, under the name of its editor.
void update_scheduled_post(pqxx::transaction_base& w, std::int64_t post_id, std::int64_t editor_id, const post_plan& p);
void delete_scheduled_post(pqxx::transaction_base& w, std::int64_t post_id);

std::string timezone_of(pqxx::transaction_base& w, std::int64_t user_id);

}  // namespace colibri::groups::repo
