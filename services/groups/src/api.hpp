#pragma once
// The community's REST resources, one class each, registering its own routes
// (route-level authentication: colibri/groups/authn.hpp signed_in) and
// sharing one api_context. colibri::groups::community assembles them.
#include <memory>

#include "colibri/groups/authn.hpp"
#include "colibri/groups/community.hpp"
#include "colibri/http/router.hpp"
#include "colibri/pg/pool.hpp"
#include "colibri/posting/post.hpp"
#include "colibri/ratelimit/limiter.hpp"
#include "colibri/redis/client.hpp"
#include "colibri/roomlog/room_log.hpp"

namespace colibri::groups {

// What every resource handler shares.
struct api_context {
  pg::pool& db;
  redis::publisher& pub;
  std::shared_ptr<roomlog::room_log> log;
  ratelimit::limiter& limits;
  community_settings s;
};

class api_base {
 protected:
  explicit api_base(api_context& c) : db_(c.db), pub_(c.pub), log_(c.log), limits_(c.limits), s_(c.s) {}
  // The doors of the one posting policy (colibri/posting/post.hpp).
  posting::doors doors() { return {db_, pub_, *log_, limits_}; }

  pg::pool& db_;
  redis::publisher& pub_;
  std::shared_ptr<roomlog::room_log> log_;
  ratelimit::limiter& limits_;
  const community_settings& s_;
};

// Groups and membership: the group tree, joining, the moderators' queue, invitations, members and roles.
class groups_api : api_base {
 public:
  explicit groups_api(api_context& c) : api_base(c) {}
  void add_routes(http::router& r);

 private:
  awaitable<http::response> list_groups(http::request& req, const caller& who);
  awaitable<http::response> create_group(http::request& req, const caller& who);
  awaitable<http::response> get_group(http::request& req, const caller& who);
  awaitable<http::response> patch_group(http::request& req, const caller& who);
  awaitable<http::response> join(http::request& req, const caller& who);
  awaitable<http::response> list_join_requests(http::request& req, const caller& who);
  awaitable<http::response> decide_join_request(http::request& req, const caller& who, bool approve);
  awaitable<http::response> create_invitation(http::request& req, const caller& who);
  awaitable<http::response> accept_invitation(http::request& req, const caller& who);
  awaitable<http::response> list_members(http::request& req, const caller& who);
  awaitable<http::response> set_role(http::request& req, const caller& who);
  awaitable<http::response> remove_member(http::request& req, const caller& who);
};

// Threads, room events over REST (the same room log as the socket), direct conversations and blocks.
class rooms_api : api_base {
 public:
  explicit rooms_api(api_context& c) : api_base(c) {}
  void add_routes(http::router& r);

 private:
  awaitable<http::response> list_threads(http::request& req, const caller& who);
  awaitable<http::response> create_thread(http::request& req, const caller& who);
  awaitable<http::response> thread_flag(http::request& req, const caller& who, const char* column, bool on,
                                        const char* action);
  awaitable<http::response> list_events(http::request& req, const caller& who);
  awaitable<http::response> post_event(http::request& req, const caller& who);
  awaitable<http::response> create_conversation(http::request& req, const caller& who);
  awaitable<http::response> list_conversations(http::request& req, const caller& who);
  awaitable<http::response> block_user(http::request& req, const caller& who, bool on);
};

// Moderation: reports, mutes, watched words, held posts and the audit log.
class moderation_api : api_base {
 public:
  explicit moderation_api(api_context& c) : api_base(c) {}
  void add_routes(http::router& r);

 private:
  awaitable<http::response> create_report(http::request& req, const caller& who);
  awaitable<http::response> list_reports(http::request& req, const caller& who);
  awaitable<http::response> resolve_report(http::request& req, const caller& who);
  awaitable<http::response> mute(http::request& req, const caller& who);
  awaitable<http::response> unmute(http::request& req, const caller& who);
  awaitable<http::response> put_watched_words(http::request& req, const caller& who);
  awaitable<http::response> get_watched_words(http::request& req, const caller& who);
  awaitable<http::response> list_held(http::request& req, const caller& who);
  awaitable<http::response> decide_held(http::request& req, const caller& who, bool approve);
  awaitable<http::response> list_audit(http::request& req, const caller& who);
  awaitable<http::response> on_call(http::request& req, const caller& who);
};

// Quit and badges: the catalogue, a person's badges and "les fêtés du jour".
class badges_api : api_base {
 public:
  explicit badges_api(api_context& c) : api_base(c) {}
  void add_routes(http::router& r);

 private:
  awaitable<http::response> badge_catalogue(http::request& req, const caller& who);
  awaitable<http::response> my_badges(http::request& req, const caller& who);
  awaitable<http::response> user_badges(http::request& req, const caller& who);
  awaitable<http::response> celebrations(http::request& req, const caller& who);
  awaitable<http::response> congratulated(http::request& req, const caller& who);
};

// Posts moderators schedule into their group's room.
class scheduled_posts_api : api_base {
 public:
  explicit scheduled_posts_api(api_context& c) : api_base(c) {}
  void add_routes(http::router& r);

 private:
  awaitable<http::response> list_scheduled_posts(http::request& req, const caller& who);
  awaitable<http::response> create_scheduled_post(http::request& req, const caller& who);
  awaitable<http::response> edit_scheduled_post(http::request& req, const caller& who);
  awaitable<http::response> delete_scheduled_post(http::request& req, const caller& who);
};

// The caller's notifications and their data (export).
class me_api : api_base {
 public:
  explicit me_api(api_context& c) : api_base(c) {}
  void add_routes(http::router& r);

 private:
  awaitable<http::response> list_notifications(http::request& req, const caller& who);
  awaitable<http::response> read_notifications(http::request& req, const caller& who);
  awaitable<http::response> export_me(http::request& req, const caller& who);
};

// The professional space: profiles, meetings and their occurrences,
// registrations with a waiting list, attendance, calendars.
namespace detail {
class meeting_cache;
}

class meetings_api : api_base {
 public:
  explicit meetings_api(api_context& c);
  void add_routes(http::router& r);

 private:
  // Meetings as every reader sees them, by version (meetings_shared.hpp).
  std::shared_ptr<detail::meeting_cache> cache_;
  // meetings.cpp
  awaitable<http::response> create_meeting(http::request& req, const caller& who);
  awaitable<http::response> list_meetings(http::request& req, const caller& who, bool in_group);
  awaitable<http::response> get_meeting(http::request& req, const caller& who);
  awaitable<http::response> patch_meeting(http::request& req, const caller& who);
  awaitable<http::response> cancel(http::request& req, const caller& who, bool whole_meeting);
  // registrations.cpp
  awaitable<http::response> register_for(http::request& req, const caller& who);
  awaitable<http::response> unregister(http::request& req, const caller& who);
  awaitable<http::response> list_registrations(http::request& req, const caller& who);
  awaitable<http::response> patch_occurrence(http::request& req, const caller& who);
  // attendance.cpp
  awaitable<http::response> sign_in(http::request& req, const caller& who);
  awaitable<http::response> mark_attendance(http::request& req, const caller& who);
  awaitable<http::response> attendance_csv(http::request& req, const caller& who);
  awaitable<http::response> certificate(http::request& req, const caller& who);
  // calendar.cpp
  awaitable<http::response> meeting_ics(http::request& req, const caller& who);
  awaitable<http::response> get_calendar_feed(http::request& req, const caller& who);
  awaitable<http::response> create_calendar_feed(http::request& req, const caller& who);
  awaitable<http::response> delete_calendar_feed(http::request& req, const caller& who);
  awaitable<http::response> calendar_feed(http::request& req);
  // professional.cpp
  awaitable<http::response> get_professional(http::request& req, const caller& who);
  awaitable<http::response> put_professional(http::request& req, const caller& who);
};

// The professional space's documents: versions stored content-addressed,
// uploads streamed, downloads checked at every request (documents.cpp).
class documents_api : api_base {
 public:
  explicit documents_api(api_context& c) : api_base(c) {}
  void add_routes(http::router& r);

 private:
  awaitable<http::response> list_documents(http::request& req, const caller& who);
  awaitable<http::response> create_document(http::request& req, const caller& who);
  awaitable<http::response> get_document(http::request& req, const caller& who);
  awaitable<http::response> patch_document(http::request& req, const caller& who);
  awaitable<http::response> upload(http::request& req, const caller& who);
  awaitable<http::response> download(http::request& req, const caller& who);
  awaitable<http::response> list_versions(http::request& req, const caller& who);
  awaitable<http::response> restore(http::request& req, const caller& who);
};

// The watch, preferences and the news feed (watch.cpp).
class watch_api : api_base {
 public:
  explicit watch_api(api_context& c) : api_base(c) {}
  void add_routes(http::router& r);

 private:
  awaitable<http::response> list_watch(http::request& req, const caller& who);
  awaitable<http::response> create_watch(http::request& req, const caller& who);
  awaitable<http::response> get_preferences(http::request& req, const caller& who);
  awaitable<http::response> put_preferences(http::request& req, const caller& who);
  awaitable<http::response> feed(http::request& req, const caller& who);
};

// The directory of care structures and the referral codes (directory.cpp).
class directory_api : api_base {
 public:
  explicit directory_api(api_context& c) : api_base(c) {}
  void add_routes(http::router& r);

 private:
  awaitable<http::response> search(http::request& req, const caller& who);
  awaitable<http::response> get(http::request& req, const caller& who);
  awaitable<http::response> create(http::request& req, const caller& who);
  awaitable<http::response> patch(http::request& req, const caller& who);
  awaitable<http::response> set_representative(http::request& req, const caller& who, bool on);
  awaitable<http::response> stats(http::request& req, const caller& who);
  awaitable<http::response> create_referral_code(http::request& req, const caller& who);
  awaitable<http::response> my_referral_codes(http::request& req, const caller& who);
};

// Intervision: roles and confirmations in a pole, cases with their consent,
// agendas, follow-up sheets and the yearly report (intervision.cpp,
// intervision_agenda.cpp).
class intervision_api : api_base {
 public:
  explicit intervision_api(api_context& c) : api_base(c) {}
  void add_routes(http::router& r);

 private:
  awaitable<http::response> set_role(http::request& req, const caller& who, bool on);
  awaitable<http::response> set_confirmation(http::request& req, const caller& who, bool on);
  awaitable<http::response> roster(http::request& req, const caller& who);
  awaitable<http::response> create_case(http::request& req, const caller& who);
  awaitable<http::response> list_cases(http::request& req, const caller& who);
  awaitable<http::response> get_case(http::request& req, const caller& who);
  awaitable<http::response> approve(http::request& req, const caller& who);
  awaitable<http::response> withdraw(http::request& req, const caller& who);
  // intervision_agenda.cpp
  awaitable<http::response> add_to_agenda(http::request& req, const caller& who);
  awaitable<http::response> agenda(http::request& req, const caller& who);
  awaitable<http::response> remove_item(http::request& req, const caller& who);
  awaitable<http::response> put_sheet(http::request& req, const caller& who);
  awaitable<http::response> report(http::request& req, const caller& who);
};

// Search over what the caller may read (search.cpp).
class search_api : api_base {
 public:
  explicit search_api(api_context& c) : api_base(c) {}
  void add_routes(http::router& r);

 private:
  awaitable<http::response> search(http::request& req, const caller& who);
};

// Push subscriptions and the mail unsubscribe link (push.cpp).
class push_api : api_base {
 public:
  explicit push_api(api_context& c) : api_base(c) {}
  void add_routes(http::router& r);

 private:
  awaitable<http::response> key(http::request& req, const caller& who);
  awaitable<http::response> list(http::request& req, const caller& who);
  awaitable<http::response> subscribe(http::request& req, const caller& who);
  awaitable<http::response> unsubscribe_device(http::request& req, const caller& who);
  awaitable<http::response> unsubscribe(http::request& req, bool confirm);
};

}  // namespace colibri::groups
