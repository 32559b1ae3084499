#include "colibri/badges/pushes.hpp"

#include <algorithm>

#include "colibri/core/log.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/core/utf8.hpp"
#include "colibri/json/writer.hpp"
#include "colibri/mail/mail.hpp"
#include "colibri/pg/pool.hpp"
#include "colibri/push/webpush.hpp"

namespace colibri::badges {

namespace {

constexpr auto k_lease = std::chrono::minutes(5);

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

struct claimed {
  std::int64_t id = 0, subscription_id = 0, notification_id = 0;
  int attempts = 0;
  bool urgent = false;
  std::string endpoint, p256dh, auth, kind, title, room, group;
  std::optional<std::int64_t> group_id, seq;
  std::optional<std::string> text;  // the message's live text, when the person chose text in pushes
  core::lang lang = core::lang::fr;
};

// Where the push opens the web client.
std::string target(const claimed& c) {
  if (c.kind == "report" || c.kind == "join_request" || c.kind == "distress")
    return c.group_id ? "#/groups/" + std::to_string(*c.group_id) + "/moderation" : "#/notifications";
  auto colon = c.room.find(':');
  if (colon == std::string::npos || !c.seq) return "#/notifications";
  auto kind = c.room.substr(0, colon), id = c.room.substr(colon + 1);
  auto at = "?at=" + std::to_string(*c.seq);
  if (kind == "dm") return "#/dm/" + id + at;
  if (!c.group_id) return "#/notifications";
  auto g = "#/groups/" + std::to_string(*c.group_id);
  return kind == "thread" ? g + "/threads/" + id + at : g + at;
}

// The neutral sentence: what happened and where, never what was written.
std::string neutral(const claimed& c) {
  using core::msg;
  auto in_group = [&](msg m) { return core::message(m, {{"group", c.group}}).in(c.lang); };
  bool dm = c.room.starts_with("dm:");
  if (c.kind == "reply") return dm ? core::message(msg::push_private).in(c.lang) : in_group(msg::push_reply);
  if (c.kind == "mention") return dm ? core::message(msg::push_private).in(c.lang) : in_group(msg::push_mention);
  if (c.kind == "dm") return core::message(msg::push_private).in(c.lang);
  if (c.kind == "distress") return in_group(msg::push_distress);
  if (c.kind == "report" || c.kind == "join_request") return in_group(msg::push_moderation);
  return core::message(msg::push_congrats).in(c.lang);
}

std::string payload(const claimed& c) {
  json::writer j;
  j.begin_object().field("kind", c.kind).field("url", target(c)).field("tag", "n" + std::to_string(c.notification_id));
  if (c.text) {
    j.field("title", c.title);
    j.field("body", core::shorten(*c.text, 1000));  // the whole fits one record
  } else {
    j.field("title", "Colibri").field("body", neutral(c));
  }
  j.field("urgent", c.urgent).end_object();
  return j.release();
}

std::chrono::seconds backoff(int attempts, std::optional<std::chrono::seconds> retry_after) {
  auto ours = mail::backoff(attempts);
  return retry_after ? std::clamp(*retry_after, std::chrono::seconds(1), std::chrono::seconds(3600)) : ours;
}

}  // namespace

push_settings read_push_settings(core::config& cfg, const std::string& public_url) {
  push_settings s;
  s.services = cfg.list("COLIBRI_PUSH_SERVICES", join(push::default_services()));
  auto fallback = public_url.starts_with("https://") ? public_url : std::string("mailto:no-reply@localhost");
  s.subject = cfg.str("COLIBRI_PUSH_SUBJECT", fallback);
  if (s.subject.empty()) s.subject = fallback;  // set but empty, as in the example file
  if (!s.subject.starts_with("mailto:") && !s.subject.starts_with("https://"))
    cfg.fail("COLIBRI_PUSH_SUBJECT", "must be a mailto: or https: URL");
  s.poll = std::chrono::milliseconds(cfg.integer("COLIBRI_PUSH_POLL_MS", 1000, 50, 60000));
  return s;
}

pushes_result run_pushes(pqxx::connection& c, core::time_point now, const push_settings& s) {
  pushes_result out;
  auto at =
      core::format_rfc3339_ms(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  std::vector<claimed> batch;
  std::optional<push::vapid_key> key;
  {
    // Claim: in quiet hours, a non-urgent push moves to the end of them
    // (local time, DST included) without counting an attempt; any other is
    // leased while it is sent.
    pqxx::work w(c);
    auto rows = w.exec_params(
        "WITH due AS (SELECT q.id FROM push_queue q WHERE q.next_attempt_at IS NULL OR q.next_attempt_at <= $1 "
        "  ORDER BY q.next_attempt_at NULLS FIRST, q.id LIMIT $2 FOR UPDATE SKIP LOCKED), "
        "info AS (SELECT q.id, u.timezone AS tz, p.quiet_from AS qf, p.quiet_to AS qt, "
        "  ($1::timestamptz AT TIME ZONE u.timezone) AS local, "
        "  NOT q.urgent AND p.quiet_from IS NOT NULL AND CASE "
        "    WHEN p.quiet_from < p.quiet_to THEN ($1::timestamptz AT TIME ZONE u.timezone)::time >= p.quiet_from "
        "      AND ($1::timestamptz AT TIME ZONE u.timezone)::time < p.quiet_to "
        "    WHEN p.quiet_from > p.quiet_to THEN ($1::timestamptz AT TIME ZONE u.timezone)::time >= p.quiet_from "
        "      OR ($1::timestamptz AT TIME ZONE u.timezone)::time < p.quiet_to "
        "    ELSE false END AS quiet "
        "  FROM due d JOIN push_queue q ON q.id = d.id JOIN push_subscriptions s ON s.id = q.subscription_id "
        "  JOIN users u ON u.id = s.user_id LEFT JOIN preferences p ON p.user_id = s.user_id), "
        "upd AS (UPDATE push_queue q SET "
        "  next_attempt_at = CASE WHEN i.quiet THEN (CASE WHEN i.local::time < i.qt THEN i.local::date + i.qt "
        "    ELSE i.local::date + 1 + i.qt END) AT TIME ZONE i.tz ELSE $1::timestamptz + $3::interval END, "
        "  attempts = q.attempts + CASE WHEN i.quiet THEN 0 ELSE 1 END "
        "  FROM info i WHERE q.id = i.id RETURNING q.id, i.quiet, q.attempts, q.urgent, q.subscription_id, "
        "  q.notification_id) "
        "SELECT upd.id, upd.quiet, upd.attempts, upd.urgent, upd.subscription_id, upd.notification_id, s.endpoint, "
        "  s.p256dh, s.auth, n.kind, n.title, u.locale, coalesce(p.push_text, false), n.data->>'room', "
        "  (n.data->>'seq')::bigint, (n.data->>'group_id')::bigint, g.name, "
        "  CASE WHEN coalesce(p.push_text, false) AND n.data ? 'room' THEN "
        "    colibri_live_text(n.data->>'room', (n.data->>'seq')::bigint) END "
        "FROM upd JOIN push_subscriptions s ON s.id = upd.subscription_id "
        "JOIN notifications n ON n.id = upd.notification_id JOIN users u ON u.id = s.user_id "
        "LEFT JOIN preferences p ON p.user_id = s.user_id "
        "LEFT JOIN groups g ON g.id = (n.data->>'group_id')::bigint ORDER BY upd.id",
        at, s.batch, std::to_string(std::chrono::seconds(k_lease).count()) + " seconds");
    for (auto r : rows) {
      if (r[1].as<bool>()) {
        ++out.deferred;
        continue;
      }
      claimed x;
      x.id = r[0].as<std::int64_t>();
      x.attempts = r[2].as<int>();
      x.urgent = r[3].as<bool>();
      x.subscription_id = r[4].as<std::int64_t>();
      x.notification_id = r[5].as<std::int64_t>();
      x.endpoint = r[6].as<std::string>();
      x.p256dh = pqxx::binarystring(r[7]).str();
      x.auth = pqxx::binarystring(r[8]).str();
      x.kind = r[9].as<std::string>();
      x.title = r[10].as<std::string>();
      core::parse_lang(r[11].as<std::string>(), x.lang);
      if (!r[13].is_null()) x.room = r[13].as<std::string>();
      if (!r[14].is_null()) x.seq = r[14].as<std::int64_t>();
      if (!r[15].is_null()) x.group_id = r[15].as<std::int64_t>();
      if (!r[16].is_null()) x.group = r[16].as<std::string>();
      if (r[12].as<bool>()) x.text = r[17].is_null() ? x.title : r[17].as<std::string>();
      batch.push_back(std::move(x));
    }
    if (!batch.empty()) key = push::server_key(w);
    w.commit();
  }
  // Send outside any transaction; then settle each row.
  std::vector<std::pair<const claimed*, push::response>> answers;
  for (const auto& x : batch) {
    push::response res;
    if (!push::endpoint_allowed(x.endpoint, s.services)) {
      res.status = 410;  // a service no longer allowed: as good as gone
    } else {
      push::request req;
      req.endpoint = x.endpoint;
      req.body = push::encrypt(payload(x), x.p256dh, x.auth);
      req.authorization =
          key->authorization(x.endpoint, s.subject, std::chrono::system_clock::now() + std::chrono::hours(12));
      req.urgency = x.urgent ? "high" : "normal";
      req.ttl_seconds = x.urgent ? 3600 : 86400;
      req.topic = "n" + std::to_string(x.notification_id);
      res = push::send(req);
    }
    answers.emplace_back(&x, std::move(res));
  }
  if (answers.empty()) return out;
  pqxx::work w(c);
  for (const auto& [x, res] : answers) {
    if (res.status >= 200 && res.status < 300) {
      w.exec_params("DELETE FROM push_queue WHERE id = $1", x->id);
      w.exec_params("UPDATE push_subscriptions SET last_success_at = now() WHERE id = $1", x->subscription_id);
      ++out.sent;
    } else if (res.status == 404 || res.status == 410) {
      w.exec_params("DELETE FROM push_subscriptions WHERE id = $1", x->subscription_id);
      ++out.gone;
    } else if ((res.status == 0 || res.status == 429 || res.status >= 500) && x->attempts < s.max_attempts) {
      w.exec_params("UPDATE push_queue SET next_attempt_at = $2::timestamptz + $3::interval WHERE id = $1", x->id, at,
                    std::to_string(backoff(x->attempts, res.retry_after).count()) + " seconds");
      ++out.retried;
    } else {
      w.exec_params("DELETE FROM push_queue WHERE id = $1", x->id);
      ++out.dropped;
      log::warn("push dropped", {{"notification_id", x->notification_id},
                                 {"status", static_cast<std::int64_t>(res.status)},
                                 {"attempts", static_cast<std::int64_t>(x->attempts)}});
    }
  }
  w.commit();
  return out;
}

namespace {
struct wake : pqxx::notification_receiver {
  explicit wake(pqxx::connection_base& c) : pqxx::notification_receiver(c, "colibri_push") {}
  void operator()(const std::string&, int) override {}
};
}  // namespace

push_worker::push_worker(std::string pg_url, const core::clock& clock, push_settings s)
    : url_(pg::with_connect_timeout(pg_url, 2, "colibri-push")), clock_(clock), s_(std::move(s)) {}

push_worker::~push_worker() { stop(); }

void push_worker::start() {
  thread_ = std::thread([this] { loop(); });
}

void push_worker::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void push_worker::loop() {
  std::unique_ptr<pqxx::connection> conn;
  std::unique_ptr<wake> listener;
  bool full = false;
  while (!stopping_) {
    try {
      if (!conn) {
        conn = std::make_unique<pqxx::connection>(url_);
        listener = std::make_unique<wake>(*conn);
      }
      if (!full) {
        // Wake on a NOTIFY, or after `poll` for what a deferral or a
        // backoff made due; in slices, so that stop() is heard.
        auto secs = s_.poll.count() / 1000, usecs = (s_.poll.count() % 1000) * 1000;
        conn->await_notification(secs, usecs);
        if (stopping_) break;
      }
      auto r = run_pushes(*conn, clock_.now(), s_);
      full = r.sent + r.deferred + r.retried + r.dropped + r.gone >= s_.batch;
      if (r.sent || r.gone || r.dropped)
        log::info("pushes", {{"sent", static_cast<std::int64_t>(r.sent)},
                             {"gone", static_cast<std::int64_t>(r.gone)},
                             {"retried", static_cast<std::int64_t>(r.retried)},
                             {"dropped", static_cast<std::int64_t>(r.dropped)}});
    } catch (const std::exception& e) {
      listener.reset();
      conn.reset();
      log::warn("push pass failed", {{"error", e.what()}});
      for (int i = 0; i < 20 && !stopping_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  listener.reset();
  conn.reset();
}

}  // namespace colibri::badges
