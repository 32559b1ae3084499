#include "colibri/groups/accounts.hpp"

#include <algorithm>
#include <optional>

#include "account_mail.hpp"
#include "account_rows.hpp"
#include "colibri/auth/sessions.hpp"
#include "colibri/auth/throttle.hpp"
#include "colibri/auth/token.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/log.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/groups/authn.hpp"
#include "colibri/groups/quit_profile.hpp"
#include "colibri/groups/validate.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/json/writer.hpp"
#include "errors.hpp"
#include "joining.hpp"
#include "params.hpp"
#include "repo/audit.hpp"
#include "repo/groups.hpp"
#include "repo/memberships.hpp"
#include "repo/users.hpp"
#include "views.hpp"

namespace colibri::groups {

using http::request;
using http::response;

account_settings read_account_settings(core::config& cfg) {
  account_settings s;
  s.argon2.opslimit = static_cast<unsigned long long>(cfg.integer("COLIBRI_ARGON2_OPSLIMIT", 2, 2, 20));
  s.argon2.memlimit_bytes =
      static_cast<std::size_t>(cfg.integer("COLIBRI_ARGON2_MEMLIMIT_KIB", 19 * 1024, 19 * 1024, 1024 * 1024)) * 1024;
  s.session_ttl = std::chrono::hours(cfg.integer("COLIBRI_SESSION_TTL_HOURS", 24 * 30, 1, 24 * 365));
  s.max_failures_per_account = static_cast<int>(cfg.integer("COLIBRI_LOGIN_MAX_FAILURES_PER_ACCOUNT", 10, 1, 100000));
  s.max_failures_per_address = static_cast<int>(cfg.integer("COLIBRI_LOGIN_MAX_FAILURES_PER_ADDRESS", 100, 1, 1000000));
  s.throttle_window = std::chrono::seconds(cfg.integer("COLIBRI_LOGIN_WINDOW_SECONDS", 900, 1, 86400));
  s.hash_queue_max = static_cast<int>(cfg.integer("COLIBRI_HASH_QUEUE_MAX", 32, 1, 10000));
  s.public_url = cfg.str("COLIBRI_PUBLIC_URL", s.public_url);
  while (!s.public_url.empty() && s.public_url.back() == '/') s.public_url.pop_back();
  if (s.public_url.rfind("http://", 0) != 0 && s.public_url.rfind("https://", 0) != 0)
    cfg.fail("COLIBRI_PUBLIC_URL", "must start with http:// or https://");
  return s;
}

namespace detail {

// The quit profile's JSON value ({...} or null), for write_user.
std::string quit_field(pqxx::transaction_base& w, std::int64_t uid) {
  json::writer j;
  j.begin_object();
  write_quit(j, w, uid);
  j.end_object();
  auto s = j.release();  // {"quit":VALUE}
  constexpr std::string_view prefix = "{\"quit\":";
  return s.substr(prefix.size(), s.size() - prefix.size() - 1);
}

// The caller's own view of their account (the email is never shown to others).
void write_user(json::writer& w, const user_row& u, const std::string& quit_member,
                const std::optional<std::string>& pending_email) {
  w.begin_object();
  w.field("id", u.id).field("handle", u.handle).field("email", u.email).field("email_verified", u.email_verified);
  if (pending_email) w.field("pending_email", *pending_email);
  w.field("locale", u.locale);
  w.field("timezone", u.timezone).field("is_admin", u.is_admin);
  w.field("created_at", core::format_rfc3339_ms(u.created_ms));
  if (!quit_member.empty()) w.key("quit").raw(quit_member);
  w.end_object();
}

response user_response(int status, const user_row& u, const std::string* token, const std::string& quit_member,
                       const std::optional<std::string>& pending_email, bool invitation_pending) {
  json::writer w;
  w.begin_object().key("user");
  write_user(w, u, quit_member, pending_email);
  if (invitation_pending) w.field("invitation_pending", true);
  if (token) w.field("token", *token);
  w.end_object();
  return response::json(status, w.release());
}

// Which unique index a unique_violation hit.
std::string conflicting_field(const pqxx::unique_violation& e) {
  std::string what = e.what();
  if (what.find("users_email_key") != std::string::npos) return "email";
  if (what.find("users_handle_key") != std::string::npos) return "handle";
  return {};
}

core::error conflict_for(const std::string& field) {
  if (field == "email") return core::error::make(core::errc::conflict, core::message(core::msg::email_taken), "email");
  return core::error::make(core::errc::conflict, core::message(core::msg::handle_taken), "handle");
}

const core::error& bad_credentials() {
  static const core::error e =
      core::error::make(core::errc::unauthenticated, core::message(core::msg::bad_credentials));
  return e;
}

core::error throttled(int retry_after_s) {
  auto e = core::default_error(core::errc::rate_limited);
  e.retry_after_s = retry_after_s;
  return e;
}

std::optional<std::string> read_locale(json::fields& f) {
  auto l = f.text("locale", json::optional, 2, 2);
  core::lang parsed;
  if (l && !core::parse_lang(*l, parsed)) {
    f.fail("locale", core::message(core::msg::bad_locale));
    return std::nullopt;
  }
  return l;
}

}  // namespace detail

using namespace detail;

accounts::accounts(pg::pool& db, redis::publisher& pub, std::shared_ptr<roomlog::room_log> log,
                   asio::any_io_executor cpu, ratelimit::limiter& limits, account_settings s)
    : db_(db), pub_(pub), log_(std::move(log)), cpu_(std::move(cpu)), limits_(limits), s_(std::move(s)) {}

void accounts::add_routes(http::router& r) {
  using ratelimit::action;
  r.post("/api/v1/auth/register", [this](request& q) { return register_user(q); });
  r.post("/api/v1/auth/login", [this](request& q) { return login(q); });
  r.post("/api/v1/auth/logout", signed_in(db_, member(this, &accounts::logout)));
  r.get("/api/v1/me", signed_in(db_, member(this, &accounts::get_me)));
  r.patch("/api/v1/me", signed_in(db_, limits_, action::edit, member(this, &accounts::patch_me)));
  r.get("/api/v1/me/progress", signed_in(db_, member(this, &accounts::get_progress)));
  r.put("/api/v1/me/password", signed_in(db_, limits_, action::edit, member(this, &accounts::change_password)));
  r.del("/api/v1/me", signed_in(db_, limits_, action::edit, member(this, &accounts::delete_me)));
  r.put("/api/v1/me/email", signed_in(db_, limits_, action::edit, member(this, &accounts::change_email)));
  r.post("/api/v1/auth/verify", [this](request& q) { return verify_email(q); });
  r.post("/api/v1/auth/verify/resend",
         signed_in(db_, limits_, action::edit, member(this, &accounts::resend_verification)));
  r.post("/api/v1/auth/password-reset", [this](request& q) { return request_reset(q); });
  r.post("/api/v1/auth/password-reset/confirm", [this](request& q) { return confirm_reset(q); });
  r.post("/api/v1/admin/users/{uid}/suspend",
         signed_in(db_, limits_, action::edit, member(this, &accounts::suspend, true)));
  r.del("/api/v1/admin/users/{uid}/suspend",
        signed_in(db_, limits_, action::edit, member(this, &accounts::suspend, false)));
}

namespace {
// Coroutine functions with by-value parameters rather than capturing lambdas:
// see docs/adr/0002-gcc12-coroutine-temporaries.md.
awaitable<std::string> hash_job(std::string password, auth::argon2_params p) {
  co_return auth::hash_password(password, p);
}

awaitable<bool> verify_job(std::string hash, std::string password) { co_return auth::verify_password(hash, password); }
}  // namespace

// A place in the bounded hashing queue, held for one hash or verification.
class accounts::hash_slot {
 public:
  explicit hash_slot(std::atomic<int>& n, int max) : n_(n) {
    if (n_.fetch_add(1) >= max) {
      n_.fetch_sub(1);
      throw core::dependency_unavailable("password hashing queue full");
    }
  }
  ~hash_slot() { n_.fetch_sub(1); }
  hash_slot(const hash_slot&) = delete;
  hash_slot& operator=(const hash_slot&) = delete;

 private:
  std::atomic<int>& n_;
};

awaitable<std::string> accounts::hash(std::string password) {
  hash_slot slot(hashing_, s_.hash_queue_max);
  co_return co_await asio::co_spawn(cpu_, hash_job(std::move(password), s_.argon2), asio::use_awaitable);
}

awaitable<bool> accounts::verify(std::string hash, std::string password) {
  hash_slot slot(hashing_, s_.hash_queue_max);
  co_return co_await asio::co_spawn(cpu_, verify_job(std::move(hash), std::move(password)), asio::use_awaitable);
}

awaitable<response> accounts::register_user(request& req) {
  if (auto d =
          co_await limits_.take(ratelimit::address_subject(req.remote_address), ratelimit::action::register_account);
      !d.allowed)
    co_return response::error(d.error(), req.lang);
  auto doc = json::body_object(req.body);
  if (!doc) co_return response::error(doc.err(), req.lang);
  json::fields f(*doc);
  auto email = f.text("email", json::required, 3, 254);
  auto password = f.text("password", json::required, k_password_min, k_password_max);
  auto handle = f.text("handle", json::required, 2, 32);
  auto locale = read_locale(f);
  auto timezone = f.text("timezone", json::optional, 1, 64);
  if (email) check_email(f, "email", *email);
  if (handle) check_handle(f, "handle", *handle);
  if (timezone) check_timezone(f, "timezone", *timezone);
  auto invitation = f.text("invitation", json::optional, 1, 64);
  auto bad_invitation = core::error::validation("invitation", core::message(core::msg::invitation_invalid));
  if (invitation && !auth::plausible_token(*invitation)) f.fail("invitation", bad_invitation.message);
  if (auto e = f.error()) co_return response::error(*e, req.lang);

  // The cheap check before the costly hash: a taken address or handle
  // answers at once (the insert below still settles a race).
  auto taken = [e = *email, h = *handle](pqxx::nontransaction& r) { return repo::taken_field(r, e, h); };
  if (auto field = co_await db_.read(std::move(taken)); !field.empty())
    co_return response::error(conflict_for(field), req.lang);
  std::string password_hash = co_await hash(*password);
  auto ttl = s_.session_ttl;
  struct created {
    user_row user;
    std::string token;
    std::optional<core::error> err;
    std::vector<notify::notification> notes;
    std::int64_t joined_group = 0;
    bool invitation_pending = false;
  };
  auto verify_ttl = s_.verify_ttl;
  auto public_url = s_.public_url;
  // Never an admin: admins are made by the operator (colibri-admin).
  auto insert = [&, ttl, verify_ttl, public_url, locale = locale.value_or("fr"),
                 tz = timezone.value_or("Europe/Paris")](pqxx::work& w) -> created {
    try {
      created out{repo::insert_user(w, *email, *handle, password_hash, locale, tz), {}, {}, {}, 0, false};
      out.token = auth::create_session(w, out.user.id, ttl);
      // With an invitation, the account and the membership come together or
      // not at all; one bound to this address waits until it is proved.
      std::optional<std::int64_t> waiting;
      if (invitation) {
        auto found = repo::find_invitation(w, out.user.id, auth::token_hash(*invitation));
        if (!found) {
          out.err = bad_invitation;
          return out;
        }
        if (found->email_bound) {
          waiting = found->id;
        } else {
          auto joined = detail::accept_invitation(w, out.user.id, found->id);
          if (!joined) {
            out.err = joined.err().code == core::errc::not_found ? bad_invitation : joined.err();
            return out;
          }
          out.notes = std::move(joined->notes);
          out.joined_group = joined->g.id;
        }
      }
      out.invitation_pending = waiting.has_value();
      auto link = detail::issue_account_token(w, out.user.id, "verify", *email, waiting, verify_ttl);
      detail::mail_verification(w, out.user.id, *email, *handle, detail::lang_of(locale), public_url, link, false);
      return out;
    } catch (const pqxx::unique_violation& e) {
      auto field = conflicting_field(e);
      return created{{}, {}, conflict_for(field.empty() ? "email" : field), {}, 0, false};
    }
  };
  auto out = co_await db_.transact(std::move(insert));
  if (out.err) co_return response::error(*out.err, req.lang);
  for (const auto& n : out.notes) notify::publish(pub_, n);
  if (out.joined_group) co_await detail::announce(log_, out.joined_group, out.user.id, "join");
  log::info("account created", {{"user_id", out.user.id}});
  co_return user_response(201, out.user, &out.token, {}, std::nullopt, out.invitation_pending);
}

awaitable<core::result<json::value>> accounts::anonymous_body(request& req) {
  // Before anything else: the address's budget (sized for carrier-grade NAT).
  auto d = co_await limits_.take(ratelimit::address_subject(req.remote_address), ratelimit::action::login);
  if (!d.allowed) co_return d.error();
  co_return json::body_object(req.body);
}

awaitable<response> accounts::login(request& req) {
  auto address = ratelimit::address_subject(req.remote_address);
  auto doc = co_await anonymous_body(req);
  if (!doc) co_return response::error(doc.err(), req.lang);
  json::fields f(*doc);
  auto email = f.text("email", json::required, 1, 254);
  auto password = f.text("password", json::required, 1, k_password_max);
  if (auto e = f.error()) co_return response::error(*e, req.lang);

  auto window = s_.throttle_window;
  int max_account = s_.max_failures_per_account, max_address = s_.max_failures_per_address;
  struct lookup {
    std::optional<core::error> err;  // throttled: rolled back, a refused attempt counts nothing
    repo::login_row row;
    std::vector<auth::throttle_rule> rules;
  };
  // The account is found first, so that its throttle is keyed by its id: any
  // spelling of the address that the lookup folds to it (Kelvin sign, dotted
  // capital I, accented capitals) counts against the same key. An unknown
  // address is keyed by the lookup's own folding, lower() in PostgreSQL. The
  // attempt is reserved in the same transaction, before the password is checked.
  auto find = [&, window, max_account, max_address](pqxx::work& w) {
    lookup out;
    out.row = repo::login_lookup(w, *email);
    out.rules = {{out.row.throttle_key, max_account}, {"addr:" + address, max_address}};
    if (auto wait = auth::throttle_reserve(w, out.rules, window)) out.err = throttled(*wait);
    return out;
  };
  auto found = co_await db_.transact(std::move(find));
  if (found.err) {
    log::warn("login throttled", {});
    co_return response::error(*found.err, req.lang);
  }
  const auto& row = found.row;
  // An unknown email costs the same hashing time as a wrong password.
  bool ok = co_await verify(row.user ? row.password_hash : auth::dummy_hash(s_.argon2), *password);
  if (!ok || !row.user) co_return response::error(bad_credentials(), req.lang);  // the reservation stays: a failure
  // Suspended: said (with the reason) only to whoever knows the password.
  if (row.suspended_reason)
    co_return response::error(
        core::error::make(core::errc::forbidden,
                          core::message(core::msg::account_suspended, {{"reason", *row.suspended_reason}})),
        req.lang);
  std::optional<std::string> rehashed;
  if (auth::needs_rehash(row.password_hash, s_.argon2)) rehashed = co_await hash(*password);
  auto ttl = s_.session_ttl;
  auto user = *row.user;
  auto rules = found.rules;
  auto open_session = [&, ttl](pqxx::work& w) {
    auth::throttle_clear(w, rules[0].key);
    auth::throttle_release(w, rules[1].key);
    if (rehashed) repo::set_password_hash(w, user.id, *rehashed);
    return auth::create_session(w, user.id, ttl);
  };
  auto token = co_await db_.transact(std::move(open_session));
  co_return user_response(200, user, &token);
}

awaitable<std::optional<core::error>> accounts::confirm_password(std::int64_t uid, std::string password,
                                                                 std::string field, std::string address) {
  auto window = s_.throttle_window;
  std::vector<auth::throttle_rule> rules{{"acct:" + std::to_string(uid), s_.max_failures_per_account},
                                         {"addr:" + address, s_.max_failures_per_address}};
  struct stored {
    std::optional<core::error> err;  // throttled: rolled back, a refused attempt counts nothing
    std::string hash;
  };
  auto reserve = [uid, rules, window](pqxx::work& w) {
    stored out;
    out.hash = repo::password_hash_of(w, uid);
    if (auto wait = auth::throttle_reserve(w, rules, window)) out.err = throttled(*wait);
    return out;
  };
  auto found = co_await db_.transact(std::move(reserve));
  if (found.err) co_return found.err;
  bool right = co_await verify(found.hash, std::move(password));
  if (!right) co_return core::error::make(core::errc::forbidden, core::message(core::msg::bad_password), field);
  auto release = [rules](pqxx::work& w) {
    auth::throttle_clear(w, rules[0].key);
    auth::throttle_release(w, rules[1].key);
  };
  co_await db_.transact(std::move(release));
  co_return std::nullopt;
}

awaitable<response> accounts::logout(request&, const caller& who) {
  auto sid = who.session_id;
  auto revoke = [sid](pqxx::work& w) { auth::revoke_session(w, sid); };
  co_await db_.transact(std::move(revoke));
  // Committed first: the token is dead for every new request now, and a
  // gateway cut from Redis that misses this message re-checks its sessions
  // against PostgreSQL when it reconnects.
  pub_.publish(auth::k_revoked_channel, std::to_string(sid));
  co_return response::no_content();
}

}  // namespace colibri::groups
