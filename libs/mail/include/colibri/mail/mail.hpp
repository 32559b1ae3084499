#pragma once
// Mail: a durable outbox in PostgreSQL, sent over SMTP by one sender.
//
// A message is queued with enqueue() inside the transaction that decides it
// (an account created, a reset asked), so that it leaves if and only if that
// transaction commits. The outbox_sender (run by the scheduler's leader)
// claims due messages, hands each to the relay through libcurl's SMTP, and
// deletes it once accepted; a refused or failed attempt is retried with
// exponential backoff (30 s doubling, at most an hour apart) up to
// max_attempts, then given up. Nothing here logs an address, a subject or a
// body: only the message's id and kind. See docs/adr/0004-mail-outbox-libcurl.md.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <thread>

#include "colibri/core/clock.hpp"
#include "colibri/core/config.hpp"

namespace colibri::mail {

// A file carried with a message (a meeting's .ics).
struct attachment {
  std::string filename;      // ASCII, no quote
  std::string content_type;  // e.g. "text/calendar; charset=UTF-8; method=PUBLISH"
  std::string data;
};

struct message {
  std::string to;       // one address
  std::string subject;  // UTF-8, one line
  std::string text;     // UTF-8 plain text
  std::optional<mail::attachment> attachment;
  // An https or http URL that unsubscribes with one POST (RFC 8058): sent as
  // List-Unsubscribe and List-Unsubscribe-Post. Empty: none.
  std::string list_unsubscribe = {};
};

// Queues `m` in the caller's transaction. `user_id` ties the message to an
// account (erasure deletes what was not sent yet); `kind` names it in logs.
void enqueue(pqxx::transaction_base& w, std::optional<std::int64_t> user_id, std::string_view kind, const message& m);

// The secret part of a person's unsubscribe link: hex HMAC-SHA-256 of the
// user id under a server key made once (server_keys, "unsubscribe"), so the
// link works without signing in and names nobody else.
std::string unsubscribe_token(pqxx::transaction_base& w, std::int64_t user_id);
// Whether `token` is that of `user_id` (constant time).
bool unsubscribe_token_valid(pqxx::transaction_base& w, std::int64_t user_id, std::string_view token);

struct smtp_settings {
  // The relay: smtp://host:port (STARTTLS when offered; required unless the
  // host is loopback) or smtps://host:port; credentials, if any, as
  // smtp://user:password@host:port. Empty: nothing is sent.
  std::string url;
  std::string from = "Colibri <no-reply@localhost>";
  std::chrono::seconds timeout{30};
};

// The message as handed to the relay: RFC 5322 headers (the subject in RFC
// 2047), a base64 UTF-8 text body, CRLF line ends; with an attachment, a
// multipart/mixed body of the text and the file, both base64.
std::string render(const message& m, std::string_view from, core::time_point now);
// The address inside "Name <address>" (or the whole string).
std::string address_of(std::string_view from);
// nullopt when the relay accepted the message; otherwise why not (curl's
// description and the SMTP reply code, never the server's reply text, which
// may quote the address).
std::optional<std::string> send(const smtp_settings& s, const message& m);

struct sender_settings {
  smtp_settings smtp;
  std::chrono::milliseconds poll{1000};
  int max_attempts = 12;  // about seven hours of retries
  int batch = 20;
};

// COLIBRI_SMTP_URL (secret: never logged), COLIBRI_MAIL_FROM, COLIBRI_MAIL_POLL_MS.
sender_settings read_sender_settings(core::config& cfg);

// The delay before attempt n+1 after n failed ones: 30 s doubling, at most 1 h.
std::chrono::seconds backoff(int failed_attempts);

class outbox_sender {
 public:
  // may_send: whether this instance sends now (the scheduler's leadership).
  outbox_sender(std::string pg_url, std::function<bool()> may_send, sender_settings s);
  ~outbox_sender();
  void start();
  void stop();
  std::uint64_t sent() const { return sent_; }
  std::uint64_t failed() const { return failed_; }

 private:
  void loop();
  // One batch; how many messages it claimed.
  int pass(pqxx::connection& c);
  std::string url_;
  std::function<bool()> may_send_;
  sender_settings s_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> sent_{0}, failed_{0};
  std::thread thread_;
};

}  // namespace colibri::mail
