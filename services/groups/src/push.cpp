// Push subscriptions and the mail unsubscribe link (docs/protocol.md,
// "Push and mail"). A subscription's endpoint is a URL the scheduler will
// POST to, so only the push services of COLIBRI_PUSH_SERVICES are accepted
// (no request to anything else, our own loopback services included); its
// keys must be a P-256 point and a 16-octet secret.
#include "api.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/mail/mail.hpp"
#include "colibri/push/webpush.hpp"
#include "community_shared.hpp"

namespace colibri::groups {

using namespace detail;

namespace {

constexpr int k_max_subscriptions = 10;  // devices per person

void write_subscription(json::writer& j, const pqxx::row& r) {
  j.begin_object().field("id", r[0].as<std::int64_t>()).field("service", push::origin_of(r[1].as<std::string>()));
  j.field("created_at", core::format_rfc3339_ms(r[2].as<std::int64_t>()));
  if (r[3].is_null())
    j.key("last_success_at").null();
  else
    j.field("last_success_at", core::format_rfc3339_ms(r[3].as<std::int64_t>()));
  j.end_object();
}

constexpr const char* k_subscription_columns =
    "id, endpoint, (extract(epoch FROM created_at) * 1000)::bigint, "
    "(extract(epoch FROM last_success_at) * 1000)::bigint";

}  // namespace

void push_api::add_routes(http::router& r) {
  using ratelimit::action;
  r.get("/api/v1/push/key", signed_in(db_, member(this, &push_api::key)));
  r.get("/api/v1/me/push-subscriptions", signed_in(db_, member(this, &push_api::list)));
  r.post("/api/v1/me/push-subscriptions", signed_in(db_, limits_, action::edit, member(this, &push_api::subscribe)));
  r.del("/api/v1/me/push-subscriptions/{sid}",
        signed_in(db_, limits_, action::edit, member(this, &push_api::unsubscribe_device)));
  r.get("/api/v1/mail/unsubscribe", [this](request& req) { return unsubscribe(req, false); });
  r.post("/api/v1/mail/unsubscribe", [this](request& req) { return unsubscribe(req, true); });
}

awaitable<response> push_api::key(request&, const caller&) {
  auto job = [](pqxx::work& w) { return push::b64url_encode(push::server_key(w).public_bytes()); };
  auto k = co_await db_.transact(std::move(job));
  json::writer j;
  j.begin_object().field("public_key", k).end_object();
  co_return response::json(200, j.release());
}

awaitable<response> push_api::list(request&, const caller& who) {
  auto job = [uid = who.user_id](pqxx::nontransaction& w) {
    return w.exec_params(
        std::string("SELECT ") + k_subscription_columns + " FROM push_subscriptions WHERE user_id = $1 ORDER BY id",
        uid);
  };
  auto rows = co_await db_.read(std::move(job));
  json::writer j;
  j.begin_object().key("push_subscriptions").begin_array();
  for (auto r : rows) write_subscription(j, r);
  j.end_array().end_object();
  co_return response::json(200, j.release());
}

awaitable<response> push_api::subscribe(request& req, const caller& who) {
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto endpoint = f.text("endpoint", json::required, 10, 2000);
  std::optional<std::string> p256dh, auth;
  if (auto keys = f.object("keys", json::required)) {
    auto p = keys->text("p256dh", json::required, 1, 200);
    auto a = keys->text("auth", json::required, 1, 100);
    if (p) p256dh = push::b64url_decode(*p);
    if (a) auth = push::b64url_decode(*a);
    if (p && (!p256dh || !push::valid_public_key(*p256dh)))
      keys->fail("p256dh", core::message(core::msg::push_keys_invalid));
    if (a && (!auth || auth->size() != 16)) keys->fail("auth", core::message(core::msg::push_keys_invalid));
  }
  if (endpoint && !push::endpoint_allowed(*endpoint, s_.push_services))
    f.fail("endpoint", core::message(core::msg::push_endpoint_refused));
  if (auto e = f.error()) co_return fail(*e, req);
  struct out_t {
    std::optional<core::error> err;
    bool created = false;
    std::string json;
  };
  auto job = [uid = who.user_id, endpoint = *endpoint, p256dh = *p256dh, auth = *auth](pqxx::work& w) {
    out_t out;
    // One person at a time per endpoint: a browser signed in again as
    // someone else moves its subscription (and no earlier push follows it).
    w.exec_params("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", uid);
    auto mine = w.exec_params("SELECT user_id = $2 FROM push_subscriptions WHERE endpoint = $1", endpoint, uid);
    auto count = w.exec_params1("SELECT count(*) FROM push_subscriptions WHERE user_id = $1", uid)[0].as<int>();
    bool already = !mine.empty() && mine[0][0].as<bool>();
    if (!already && count >= k_max_subscriptions) {
      out.err = conflict(core::msg::push_too_many);
      return out;
    }
    if (!mine.empty() && !already) w.exec_params("DELETE FROM push_subscriptions WHERE endpoint = $1", endpoint);
    auto r = w.exec_params1(std::string("INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth) "
                                        "VALUES ($1, $2, $3, $4) ON CONFLICT (endpoint) DO UPDATE SET "
                                        "p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth RETURNING ") +
                                k_subscription_columns,
                            uid, endpoint, pqxx::binarystring(p256dh), pqxx::binarystring(auth));
    out.created = !already;
    json::writer j;
    j.begin_object().key("push_subscription");
    write_subscription(j, r);
    j.end_object();
    out.json = j.release();
    return out;
  };
  auto out = co_await db_.transact(std::move(job));
  if (out.err) co_return fail(*out.err, req);
  co_return response::json(out.created ? 201 : 200, std::move(out.json));
}

awaitable<response> push_api::unsubscribe_device(request& req, const caller& who) {
  auto sid = id_param(req, "sid");
  auto job = [uid = who.user_id, sid = sid.value_or(0)](pqxx::work& w) {
    return w.exec_params("DELETE FROM push_subscriptions WHERE id = $1 AND user_id = $2", sid, uid).affected_rows();
  };
  if (!sid || co_await db_.transact(std::move(job)) == 0)
    co_return fail(not_found(core::msg::push_subscription_not_found), req);
  co_return response::no_content();
}

// GET shows a page with one button (a link opened by a mail scanner changes
// nothing); POST, from that button or a mail client's one-click (RFC 8058),
// turns the digest off. No session needed; limited per address.
awaitable<response> push_api::unsubscribe(request& req, bool confirm) {
  auto d = co_await limits_.take(ratelimit::address_subject(req.remote_address), ratelimit::action::anonymous_read);
  if (!d.allowed) co_return fail(d.error(), req);
  auto uid = parse_id(req.query_param("u").value_or(""));
  auto token = std::string(req.query_param("t").value_or(""));
  struct out_t {
    bool valid = false;
    core::lang lang = core::lang::fr;
  };
  auto job = [uid = uid.value_or(0), token, confirm](pqxx::work& w) {
    out_t out;
    auto u = w.exec_params("SELECT locale FROM users WHERE id = $1 AND deleted_at IS NULL", uid);
    if (u.empty() || token.size() != 64 || !mail::unsubscribe_token_valid(w, uid, token)) return out;
    out.valid = true;
    core::parse_lang(u[0][0].as<std::string>(), out.lang);
    if (confirm)
      w.exec_params(
          "INSERT INTO preferences (user_id, mail_digest) VALUES ($1, false) "
          "ON CONFLICT (user_id) DO UPDATE SET mail_digest = false, updated_at = now()",
          uid);
    return out;
  };
  out_t out;
  if (uid) out = co_await db_.transact(std::move(job));
  auto l = out.valid ? out.lang : req.lang;
  const auto& title = core::message(core::msg::unsubscribe_title).in(l);
  if (!out.valid)
    co_return html_page(404, l, title,
                        "<p>" + html_escape(core::message(core::msg::unsubscribe_invalid).in(l)) + "</p>");
  if (confirm)
    co_return html_page(200, l, title, "<p>" + html_escape(core::message(core::msg::unsubscribe_done).in(l)) + "</p>");
  auto action = "?u=" + std::to_string(*uid) + "&t=" + token;
  co_return html_page(200, l, title,
                      "<form method=\"post\" action=\"" + html_escape(action) + "\"><button type=\"submit\">" +
                          html_escape(core::message(core::msg::unsubscribe_button).in(l)) + "</button></form>",
                      "button{font-size:1.2em;padding:.6em 1.2em}");
}

}  // namespace colibri::groups
