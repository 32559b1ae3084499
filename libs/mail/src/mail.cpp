#include "colibri/mail/mail.hpp"

#include <curl/curl.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>

#include "colibri/core/log.hpp"
#include "colibri/pg/pool.hpp"
#include "colibri/pg/server_keys.hpp"

namespace colibri::mail {

void enqueue(pqxx::transaction_base& w, std::optional<std::int64_t> user_id, std::string_view kind, const message& m) {
  std::optional<std::string> name, type, data;
  if (m.attachment) name = m.attachment->filename, type = m.attachment->content_type, data = m.attachment->data;
  w.exec_params(
      "INSERT INTO mail_outbox (user_id, kind, to_address, subject, body, attachment_name, attachment_type, "
      "attachment, list_unsubscribe) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, nullif($9, ''))",
      user_id, std::string(kind), m.to, m.subject, m.text, name, type, data, m.list_unsubscribe);
}

namespace {
std::string unsubscribe_key(pqxx::transaction_base& w) {
  return pg::server_key(w, "unsubscribe", [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not start");
    std::string fresh(crypto_auth_hmacsha256_KEYBYTES, '\0');
    randombytes_buf(fresh.data(), fresh.size());
    return fresh;
  });
}
}  // namespace

std::string unsubscribe_token(pqxx::transaction_base& w, std::int64_t user_id) {
  auto key = unsubscribe_key(w);
  auto id = "unsubscribe:" + std::to_string(user_id);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256(mac, reinterpret_cast<const unsigned char*>(id.data()), id.size(),
                         reinterpret_cast<const unsigned char*>(key.data()));
  std::string hex(sizeof mac * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), mac, sizeof mac);
  hex.pop_back();
  return hex;
}

bool unsubscribe_token_valid(pqxx::transaction_base& w, std::int64_t user_id, std::string_view token) {
  auto good = unsubscribe_token(w, user_id);
  return token.size() == good.size() && sodium_memcmp(token.data(), good.data(), good.size()) == 0;
}

namespace {

std::string base64(std::string_view in) {
  if (in.empty()) return {};
  std::string out(sodium_base64_ENCODED_LEN(in.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(in.data()), in.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

// A header value on one line: no CR or LF can start a header of its own.
std::string one_line(std::string_view v) {
  std::string out(v);
  std::replace(out.begin(), out.end(), '\r', ' ');
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

bool ascii(std::string_view v) {
  return std::all_of(v.begin(), v.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// RFC 2047 encoded words of at most 75 characters, cut between UTF-8
// characters, folded on continuation lines.
std::string encoded_subject(std::string_view s) {
  if (ascii(s) && s.size() < 70) return std::string(s);
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t n = std::min<std::size_t>(45, s.size() - i);  // 45 bytes: 60 base64 characters
    while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) --n;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(s.substr(i, n)) + "?=";
    i += n;
  }
  return out;
}

std::string rfc5322_date(core::time_point now) {
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
                months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string message_id(std::string_view from) {
  auto addr = address_of(from);
  auto at = addr.find('@');
  std::string domain = at == std::string::npos ? "localhost" : addr.substr(at + 1);
  unsigned char r[16];
  randombytes_buf(r, sizeof r);
  char hex[33];
  sodium_bin2hex(hex, sizeof hex, r, sizeof r);
  return "<" + std::string(hex) + "@" + domain + ">";
}

struct upload {
  std::string data;
  std::size_t at = 0;
};

std::size_t read_upload(char* buf, std::size_t size, std::size_t n, void* user) {
  auto* u = static_cast<upload*>(user);
  std::size_t len = std::min(size * n, u->data.size() - u->at);
  std::memcpy(buf, u->data.data() + u->at, len);
  u->at += len;
  return len;
}

// The relay URL with the name this client gives in EHLO (the URL's path):
// the sender's domain unless the URL names one (a bare EHLO is refused).
std::string with_ehlo_name(const std::string& url, std::string_view from) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), &curl_url_cleanup);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return url;
  char* path = nullptr;
  std::string p;
  if (curl_url_get(u.get(), CURLUPART_PATH, &path, 0) == CURLUE_OK) {
    p = path;
    curl_free(path);
  }
  if (!p.empty() && p != "/") return url;
  auto addr = address_of(from);
  auto at = addr.find('@');
  std::string name = "/" + (at == std::string::npos ? std::string("localhost") : addr.substr(at + 1));
  curl_url_set(u.get(), CURLUPART_PATH, name.c_str(), 0);
  char* full = nullptr;
  if (curl_url_get(u.get(), CURLUPART_URL, &full, 0) != CURLUE_OK) return url;
  std::string out = full;
  curl_free(full);
  return out;
}

bool loopback_host(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), &curl_url_cleanup);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return false;
  char* host = nullptr;
  if (curl_url_get(u.get(), CURLUPART_HOST, &host, 0) != CURLUE_OK) return false;
  std::string h = host;
  curl_free(host);
  return h == "localhost" || h.rfind("127.", 0) == 0 || h == "[::1]";
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::string address_of(std::string_view from) {
  auto open = from.rfind('<');
  auto close = from.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open)
    return std::string(from.substr(open + 1, close - open - 1));
  return std::string(from);
}

std::string render(const message& m, std::string_view from, core::time_point now) {
  std::string out;
  out += "Date: " + rfc5322_date(now) + "\r\n";
  out += "From: " + one_line(from) + "\r\n";
  out += "To: " + one_line(m.to) + "\r\n";
  out += "Subject: " + encoded_subject(one_line(m.subject)) + "\r\n";
  out += "Message-ID: " + message_id(from) + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Auto-Submitted: auto-generated\r\n";
  if (!m.list_unsubscribe.empty()) {
    out += "List-Unsubscribe: <" + one_line(m.list_unsubscribe) + ">\r\n";
    out += "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n";
  }
  auto part = [&out](std::string_view type) {
    out += "Content-Type: " + one_line(type) + "\r\n";
    out += "Content-Transfer-Encoding: base64\r\n";
  };
  auto encoded = [&out](std::string_view data) {
    auto b = base64(data);
    for (std::size_t i = 0; i < b.size(); i += 76) out += b.substr(i, 76) + "\r\n";
  };
  if (!m.attachment) {
    part("text/plain; charset=UTF-8");
    out += "\r\n";
    encoded(m.text);
    return out;
  }
  // A boundary no base64 line can contain ('=' and '_' together).
  std::string boundary = "=_colibri_" + std::to_string(now.time_since_epoch().count());
  out += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n";
  out += "--" + boundary + "\r\n";
  part("text/plain; charset=UTF-8");
  out += "\r\n";
  encoded(m.text);
  out += "--" + boundary + "\r\n";
  std::string name;
  for (char c : m.attachment->filename)
    if (c != '"' && c != '\\' && c != '\r' && c != '\n') name += c;
  part(m.attachment->content_type + "; name=\"" + name + "\"");
  out += "Content-Disposition: attachment; filename=\"" + name + "\"\r\n\r\n";
  encoded(m.attachment->data);
  out += "--" + boundary + "--\r\n";
  return out;
}

std::optional<std::string> send(const smtp_settings& s, const message& m) {
  global_init();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> c(curl_easy_init(), &curl_easy_cleanup);
  if (!c) return "curl_easy_init failed";
  upload body{render(m, s.from, std::chrono::system_clock::now())};
  std::string from = "<" + one_line(address_of(s.from)) + ">";
  curl_slist* rcpt = curl_slist_append(nullptr, ("<" + one_line(m.to) + ">").c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt_guard(rcpt, &curl_slist_free_all);
  auto url = with_ehlo_name(s.url, s.from);
  curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  // A remote relay only over TLS (credentials and links never cross a network
  // in clear); a relay on this machine as it comes.
  curl_easy_setopt(c.get(), CURLOPT_USE_SSL, loopback_host(s.url) ? CURLUSESSL_TRY : CURLUSESSL_ALL);
  curl_easy_setopt(c.get(), CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c.get(), CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(c.get(), CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(c.get(), CURLOPT_READDATA, &body);
  curl_easy_setopt(c.get(), CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c.get(), CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(c.get(), CURLOPT_TIMEOUT, static_cast<long>(s.timeout.count()));
  auto rc = curl_easy_perform(c.get());
  if (rc == CURLE_OK) return std::nullopt;
  long code = 0;
  curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &code);
  return std::string(curl_easy_strerror(rc)) + (code ? " (SMTP " + std::to_string(code) + ")" : "");
}

sender_settings read_sender_settings(core::config& cfg) {
  sender_settings s;
  s.smtp.url = cfg.str("COLIBRI_SMTP_URL", "", true);
  s.smtp.from = cfg.str("COLIBRI_MAIL_FROM", s.smtp.from);
  s.poll = std::chrono::milliseconds(cfg.integer("COLIBRI_MAIL_POLL_MS", 1000, 50, 600000));
  return s;
}

std::chrono::seconds backoff(int failed_attempts) {
  auto n = std::clamp(failed_attempts, 1, 8);
  return std::min(std::chrono::seconds(3600), std::chrono::seconds(30) * (1 << (n - 1)));
}

outbox_sender::outbox_sender(std::string pg_url, std::function<bool()> may_send, sender_settings s)
    : url_(pg::with_connect_timeout(pg_url, 2, "colibri-mail")), may_send_(std::move(may_send)), s_(std::move(s)) {}

outbox_sender::~outbox_sender() { stop(); }

void outbox_sender::start() {
  if (s_.smtp.url.empty()) {
    log::warn("COLIBRI_SMTP_URL is unset: mail waits in the outbox", {});
    return;
  }
  global_init();
  thread_ = std::thread([this] { loop(); });
}

void outbox_sender::stop() {
  {
    std::lock_guard lk(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void outbox_sender::loop() {
  std::unique_ptr<pqxx::connection> conn;
  bool full = false;
  for (;;) {
    {
      std::unique_lock lk(mutex_);
      // A full batch: the next one at once (still stoppable).
      if (cv_.wait_for(lk, full ? std::chrono::milliseconds(0) : s_.poll, [&] { return stopping_; })) return;
    }
    full = false;
    if (!may_send_()) continue;
    try {
      if (!conn) conn = std::make_unique<pqxx::connection>(url_);
      full = pass(*conn) >= s_.batch;
    } catch (const std::exception& e) {
      conn.reset();
      log::warn("mail pass failed", {{"error", e.what()}});
    }
  }
}

int outbox_sender::pass(pqxx::connection& c) {
  struct claimed {
    std::int64_t id;
    std::string kind;
    message m;
    int attempts;
  };
  std::vector<claimed> due;
  {
    // Claimed with a lease: another sender (after a takeover) leaves them
    // alone for five minutes; a sender that dies mid-send retries after it.
    pqxx::work w(c);
    for (auto r : w.exec_params(
             "UPDATE mail_outbox SET attempts = attempts + 1, "
             "next_attempt_at = now() + interval '5 minutes' WHERE id IN ("
             "  SELECT id FROM mail_outbox WHERE next_attempt_at <= now() ORDER BY next_attempt_at, id "
             "  LIMIT $1 FOR UPDATE SKIP LOCKED) "
             "RETURNING id, kind, to_address, subject, body, attempts, attachment_name, attachment_type, attachment, "
             "coalesce(list_unsubscribe, '')",
             s_.batch)) {
      due.push_back({r[0].as<std::int64_t>(),
                     r[1].as<std::string>(),
                     {r[2].as<std::string>(), r[3].as<std::string>(), r[4].as<std::string>(), std::nullopt},
                     r[5].as<int>()});
      if (!r[6].is_null())
        due.back().m.attachment = attachment{r[6].as<std::string>(), r[7].as<std::string>(), r[8].as<std::string>()};
      due.back().m.list_unsubscribe = r[9].as<std::string>();
    }
    w.commit();
  }
  std::sort(due.begin(), due.end(), [](const claimed& a, const claimed& b) { return a.id < b.id; });
  for (const auto& d : due) {
    auto err = send(s_.smtp, d.m);
    pqxx::work w(c);
    if (!err) {
      w.exec_params("DELETE FROM mail_outbox WHERE id = $1", d.id);
      ++sent_;
      log::info("mail sent", {{"mail_id", d.id}, {"kind", d.kind}, {"attempt", d.attempts}});
    } else if (d.attempts >= s_.max_attempts) {
      w.exec_params("DELETE FROM mail_outbox WHERE id = $1", d.id);
      ++failed_;
      log::error("mail given up", {{"mail_id", d.id}, {"kind", d.kind}, {"attempts", d.attempts}, {"error", *err}});
    } else {
      auto wait = backoff(d.attempts);
      w.exec_params(
          "UPDATE mail_outbox SET next_attempt_at = now() + make_interval(secs => $2), last_error = $3 "
          "WHERE id = $1",
          d.id, static_cast<double>(wait.count()), *err);
      ++failed_;
      log::warn("mail not sent, will retry", {{"mail_id", d.id},
                                              {"kind", d.kind},
                                              {"attempt", d.attempts},
                                              {"retry_in_s", static_cast<std::int64_t>(wait.count())},
                                              {"error", *err}});
    }
    w.commit();
  }
  return static_cast<int>(due.size());
}

}  // namespace colibri::mail
