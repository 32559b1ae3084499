// Accounts people can recover (issue 14, item 2): email verification and
// resend, password reset by mail, email change verified before it counts.
#include <optional>

#include "account_mail.hpp"
#include "colibri/auth/sessions.hpp"
#include "colibri/auth/throttle.hpp"
#include "colibri/auth/token.hpp"
#include "colibri/core/log.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/groups/accounts.hpp"
#include "colibri/groups/authn.hpp"
#include "colibri/groups/validate.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/mail/mail.hpp"
#include "errors.hpp"
#include "joining.hpp"
#include "params.hpp"
#include "repo/accounts.hpp"
#include "repo/audit.hpp"
#include "repo/groups.hpp"
#include "repo/memberships.hpp"
#include "repo/users.hpp"
#include "views.hpp"

namespace colibri::groups {

using http::request;
using http::response;

namespace detail {

core::lang lang_of(std::string_view locale) { return locale == "en" ? core::lang::en : core::lang::fr; }

std::string issue_account_token(pqxx::work& w, std::int64_t uid, std::string_view purpose,
                                const std::optional<std::string>& email, std::optional<std::int64_t> invitation_id,
                                std::chrono::seconds ttl) {
  auto token = auth::new_token();
  repo::replace_account_token(w, uid, std::string(purpose), auth::token_hash(token), email, invitation_id, ttl);
  return token;
}

namespace {

const char* k_signature_fr = "\n\n— Colibri, la communauté d'entraide pour arrêter le tabac\n";
const char* k_signature_en = "\n\n— Colibri, the peer-support community for quitting smoking\n";

void queue(pqxx::work& w, std::optional<std::int64_t> uid, std::string_view kind, const std::string& to, core::lang l,
           const core::text& subject, const core::text& body) {
  mail::enqueue(
      w, uid, kind,
      {to, subject.in(l), body.in(l) + (l == core::lang::en ? k_signature_en : k_signature_fr), std::nullopt});
}

}  // namespace

void mail_verification(pqxx::work& w, std::int64_t uid, const std::string& to, const std::string& handle, core::lang l,
                       const std::string& public_url, const std::string& token, bool change) {
  auto link = public_url + "/#/verify?token=" + token;
  if (change)
    queue(w, uid, "verify_new_email", to, l, core::message(core::msg::mail_verify_new_email_subject),
          core::message(core::msg::mail_verify_new_email_body, {{"handle", handle}, {"link", link}}));
  else
    queue(w, uid, "verify_email", to, l, core::message(core::msg::mail_verify_email_subject),
          core::message(core::msg::mail_verify_email_body, {{"handle", handle}, {"link", link}}));
}

void mail_reset(pqxx::work& w, std::int64_t uid, const std::string& to, const std::string& handle, core::lang l,
                const std::string& public_url, const std::string& token) {
  queue(w, uid, "password_reset", to, l, core::message(core::msg::mail_reset_subject),
        core::message(core::msg::mail_reset_body,
                      {{"handle", handle}, {"link", public_url + "/#/reset?token=" + token}}));
}

void mail_change_notice(pqxx::work& w, std::int64_t uid, const std::string& to, const std::string& handle, core::lang l,
                        const std::string& public_url) {
  queue(w, uid, "email_change_notice", to, l, core::message(core::msg::mail_change_notice_subject),
        core::message(core::msg::mail_change_notice_body, {{"handle", handle}, {"url", public_url}}));
}

void mail_address_in_use(pqxx::work& w, const std::string& to, core::lang l, const std::string& public_url) {
  queue(w, std::nullopt, "address_in_use", to, l, core::message(core::msg::mail_address_in_use_subject),
        core::message(core::msg::mail_address_in_use_body, {{"url", public_url}}));
}

}  // namespace detail

namespace {

core::error link_invalid() { return core::error::validation("token", core::message(core::msg::link_invalid)); }

// The token of a link, shape-checked before any lookup.
std::optional<std::string> read_token(json::fields& f) {
  auto t = f.text("token", json::required, 1, 64);
  if (t && !auth::plausible_token(*t)) {
    f.fail("token", link_invalid().message);
    return std::nullopt;
  }
  return t;
}

response accepted() { return response::json(202, "{}"); }

}  // namespace

awaitable<response> accounts::verify_email(request& req) {
  // Anonymous (the link may open on another device).
  auto doc = co_await anonymous_body(req);
  if (!doc) co_return response::error(doc.err(), req.lang);
  json::fields f(*doc);
  auto token = read_token(f);
  if (auto e = f.error()) co_return response::error(*e, req.lang);
  struct verified {
    std::optional<core::error> err;
    std::int64_t uid = 0;
    std::vector<notify::notification> notes;
    std::int64_t joined_group = 0;
  };
  auto job = [hash = auth::token_hash(*token)](pqxx::work& w) -> verified {
    try {
      // Single use: the link is spent by the transaction that uses it.
      auto t = repo::spend_verification(w, hash);
      verified out;
      if (!t) {
        out.err = link_invalid();
        return out;
      }
      out.uid = t->user_id;
      if (t->same_address)
        repo::mark_email_verified(w, out.uid);
      else  // an email change: the old address is remembered only for erasure
        repo::replace_email(w, out.uid, t->current_email, t->email);
      if (t->invitation_id) {
        // The invitation bound to this address, given at registration: it
        // counts now. Gone stale meanwhile (used, expired): the address is
        // proved all the same.
        auto joined = detail::accept_invitation(w, out.uid, *t->invitation_id);
        if (joined) {
          out.notes = std::move(joined->notes);
          out.joined_group = joined->g.id;
        }
      }
      return out;
    } catch (const pqxx::unique_violation&) {
      verified out;
      out.err = core::error::make(core::errc::conflict, core::message(core::msg::address_taken), "email");
      return out;
    }
  };
  auto out = co_await db_.transact(std::move(job));
  if (out.err) co_return response::error(*out.err, req.lang);
  for (const auto& n : out.notes) notify::publish(pub_, n);
  if (out.joined_group) co_await detail::announce(log_, out.joined_group, out.uid, "join");
  log::info("email verified", {{"user_id", out.uid}});
  co_return response::no_content();
}

awaitable<response> accounts::resend_verification(request& req, const caller& who) {
  if (auto d = co_await limits_.take(ratelimit::user_subject(who.user_id), ratelimit::action::mail); !d.allowed)
    co_return response::error(d.error(), req.lang);
  auto uid = who.user_id;
  auto ttl = s_.verify_ttl;
  auto public_url = s_.public_url;
  // The address waiting to be proved: a pending change's, else the
  // account's own if not proved yet; nothing once everything is proved.
  auto job = [uid, ttl, public_url](pqxx::work& w) {
    auto u = repo::mail_target_of(w, uid);
    bool change = u.pending_email.has_value();
    if (!change && u.verified) return;
    auto to = change ? *u.pending_email : u.email;
    auto link = detail::issue_account_token(w, uid, "verify", to, std::nullopt, ttl);
    detail::mail_verification(w, uid, to, u.handle, detail::lang_of(u.locale), public_url, link, change);
  };
  co_await db_.transact(std::move(job));
  co_return accepted();
}

awaitable<response> accounts::request_reset(request& req) {
  auto doc = co_await anonymous_body(req);
  if (!doc) co_return response::error(doc.err(), req.lang);
  json::fields f(*doc);
  auto email = f.text("email", json::required, 3, 254);
  if (email) check_email(f, "email", *email);
  if (auto e = f.error()) co_return response::error(*e, req.lang);
  // The same answer whether the address has an account or not, and whether
  // its inbox's budget is spent or not: nothing to learn here.
  if (auto d = co_await limits_.take(ratelimit::recipient_subject(*email), ratelimit::action::mail); !d.allowed)
    co_return accepted();
  auto ttl = std::chrono::duration_cast<std::chrono::seconds>(s_.reset_ttl);
  auto public_url = s_.public_url;
  auto job = [e = *email, ttl, public_url](pqxx::work& w) {
    auto u = repo::live_account_by_email(w, e);
    if (!u) return;
    auto link = detail::issue_account_token(w, u->user_id, "reset", std::nullopt, std::nullopt, ttl);
    detail::mail_reset(w, u->user_id, u->email, u->handle, detail::lang_of(u->locale), public_url, link);
  };
  co_await db_.transact(std::move(job));
  co_return accepted();
}

awaitable<response> accounts::confirm_reset(request& req) {
  auto doc = co_await anonymous_body(req);
  if (!doc) co_return response::error(doc.err(), req.lang);
  json::fields f(*doc);
  auto token = read_token(f);
  auto password = f.text("password", json::required, k_password_min, k_password_max);
  if (auto e = f.error()) co_return response::error(*e, req.lang);
  auto link = auth::token_hash(*token);
  // A dead link is told before the costly hash.
  auto alive = [link](pqxx::nontransaction& r) { return repo::reset_link_alive(r, link); };
  bool usable = co_await db_.read(std::move(alive));
  if (!usable) co_return response::error(link_invalid(), req.lang);
  auto hashed = co_await hash(*password);
  struct reset {
    std::optional<core::error> err;
    std::int64_t uid = 0;
    std::vector<std::int64_t> ended;
  };
  auto job = [link, hashed](pqxx::work& w) -> reset {
    auto spent = repo::spend_reset(w, link);
    reset out;
    if (!spent) {
      out.err = link_invalid();
      return out;
    }
    out.uid = *spent;
    // The link came through the address: it is proved too. Every session
    // ends (whoever knew the old password is out), and the account's login
    // throttle starts afresh.
    repo::reset_password(w, out.uid, hashed);
    out.ended = auth::revoke_sessions(w, out.uid);
    auth::throttle_clear(w, "acct:" + std::to_string(out.uid));
    return out;
  };
  auto out = co_await db_.transact(std::move(job));
  if (out.err) co_return response::error(*out.err, req.lang);
  for (auto sid : out.ended) pub_.publish(auth::k_revoked_channel, std::to_string(sid));
  log::info("password reset", {{"user_id", out.uid}, {"sessions_ended", static_cast<std::int64_t>(out.ended.size())}});
  co_return response::no_content();
}

awaitable<response> accounts::change_email(request& req, const caller& who) {
  auto doc = json::body_object(req.body);
  if (!doc) co_return response::error(doc.err(), req.lang);
  json::fields f(*doc);
  auto password = f.text("password", json::required, 1, k_password_max);
  auto email = f.text("email", json::required, 3, 254);
  if (email) check_email(f, "email", *email);
  if (auto e = f.error()) co_return response::error(*e, req.lang);
  if (auto e =
          co_await confirm_password(who.user_id, *password, "password", ratelimit::address_subject(req.remote_address)))
    co_return response::error(*e, req.lang);
  // Named, not a braced list: no temporary lives across a co_await (ADR 0002).
  std::vector<std::string> budgets{ratelimit::user_subject(who.user_id), ratelimit::recipient_subject(*email)};
  for (const auto& subject : budgets)
    if (auto d = co_await limits_.take(subject, ratelimit::action::mail); !d.allowed)
      co_return response::error(d.error(), req.lang);
  auto uid = who.user_id, keep = who.session_id;
  auto ttl = s_.verify_ttl;
  auto public_url = s_.public_url;
  struct asked {
    std::optional<core::error> err;
    std::vector<std::int64_t> ended;
  };
  auto job = [uid, keep, ttl, public_url, to = *email](pqxx::work& w) -> asked {
    auto u = repo::lock_for_email_change(w, uid, to);
    const auto& current = u.account.email;
    const auto& handle = u.account.handle;
    auto l = detail::lang_of(u.account.locale);
    asked out;
    if (u.same) {
      out.err = core::error::validation("email", core::message(core::msg::same_address));
      return out;
    }
    // Whether the address is taken is told to its owner, never here.
    if (u.taken_by_other) {
      detail::mail_address_in_use(w, to, l, public_url);
    } else {
      auto link = detail::issue_account_token(w, uid, "verify", to, std::nullopt, ttl);
      detail::mail_verification(w, uid, to, handle, l, public_url, link, true);
    }
    detail::mail_change_notice(w, uid, current, handle, l, public_url);
    out.ended = auth::revoke_sessions(w, uid, keep);
    return out;
  };
  auto out = co_await db_.transact(std::move(job));
  if (out.err) co_return response::error(*out.err, req.lang);
  for (auto sid : out.ended) pub_.publish(auth::k_revoked_channel, std::to_string(sid));
  co_return accepted();
}

}  // namespace colibri::groups
