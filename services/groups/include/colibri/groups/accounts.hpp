#pragma once
// Accounts and sessions: POST /api/v1/auth/register|login|logout,
// GET|PATCH /api/v1/me.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "colibri/auth/password.hpp"
#include "colibri/core/config.hpp"
#include "colibri/groups/authn.hpp"
#include "colibri/http/router.hpp"
#include "colibri/json/value.hpp"
#include "colibri/net/asio.hpp"
#include "colibri/pg/pool.hpp"
#include "colibri/ratelimit/limiter.hpp"
#include "colibri/redis/client.hpp"
#include "colibri/roomlog/room_log.hpp"

namespace colibri::groups {

struct account_settings {
  auth::argon2_params argon2;
  std::chrono::hours session_ttl{24 * 30};
  int max_failures_per_account = 10;
  int max_failures_per_address = 100;
  std::chrono::seconds throttle_window{15 * 60};
  // Password hashes computed or waiting at once; past it: 503 with Retry-After.
  int hash_queue_max = 32;
  // Where mailed links point (the web client's origin): {public_url}/#/verify?token=…
  std::string public_url = "http://127.0.0.1:8080";
  std::chrono::hours verify_ttl{24 * 7};
  std::chrono::minutes reset_ttl{60};
};

account_settings read_account_settings(core::config& cfg);

class accounts {
 public:
  // cpu: where password hashing runs (never the I/O threads).
  // log: where the `join` event of a group joined with an invitation at
  // registration goes.
  accounts(pg::pool& db, redis::publisher& pub, std::shared_ptr<roomlog::room_log> log, asio::any_io_executor cpu,
           ratelimit::limiter& limits, account_settings s);
  void add_routes(http::router& r);

 private:
  awaitable<http::response> register_user(http::request& req);
  awaitable<http::response> login(http::request& req);
  awaitable<http::response> logout(http::request& req, const caller& who);
  awaitable<http::response> get_me(http::request& req, const caller& who);
  awaitable<http::response> patch_me(http::request& req, const caller& who);
  awaitable<http::response> get_progress(http::request& req, const caller& who);
  awaitable<http::response> change_password(http::request& req, const caller& who);
  // Admins: POST (with a reason) / DELETE /api/v1/admin/users/{uid}/suspend.
  awaitable<http::response> suspend(http::request& req, const caller& who, bool on);
  // Erasure (DELETE /api/v1/me), with the password.
  awaitable<http::response> delete_me(http::request& req, const caller& who);
  // The caller's password, checked like a login: counted against the
  // account's and the address's throttle before the hash is verified (429
  // past it); forbidden, naming `field`, when wrong. nullopt when right.
  awaitable<std::optional<core::error>> confirm_password(std::int64_t user_id, std::string password, std::string field,
                                                         std::string address);
  // Account recovery (account_recovery.cpp): POST /api/v1/auth/verify,
  // /auth/verify/resend, /auth/password-reset, /auth/password-reset/confirm,
  // PUT /api/v1/me/email.
  awaitable<http::response> verify_email(http::request& req);
  awaitable<http::response> resend_verification(http::request& req, const caller& who);
  awaitable<http::response> request_reset(http::request& req);
  awaitable<http::response> confirm_reset(http::request& req);
  awaitable<http::response> change_email(http::request& req, const caller& who);
  // An anonymous request's JSON body, once the client address's login budget
  // allowed it (login, mailed links, reset requests).
  awaitable<core::result<json::value>> anonymous_body(http::request& req);
  class hash_slot;
  awaitable<std::string> hash(std::string password);
  awaitable<bool> verify(std::string hash, std::string password);

  pg::pool& db_;
  redis::publisher& pub_;
  std::shared_ptr<roomlog::room_log> log_;
  asio::any_io_executor cpu_;
  ratelimit::limiter& limits_;
  account_settings s_;
  std::atomic<int> hashing_{0};
};

}  // namespace colibri::groups
