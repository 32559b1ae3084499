#pragma once
// A real SMTP server catching mail for tests, as the local stack runs it:
// Debian's python3-aiosmtpd writing each message it accepts into a Maildir
// in a temporary folder. Tests read the mail the services sent through the
// whole path (outbox, the scheduler's sender, libcurl, SMTP).
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "colibri/test/process.hpp"

namespace colibri::test {

struct mail {
  std::string to, subject, text;  // the subject and the text decoded (UTF-8)
  // Attached files of a multipart message: file name and decoded content.
  std::vector<std::pair<std::string, std::string>> attachments;
};

class mail_catcher {
 public:
  mail_catcher();
  ~mail_catcher();
  mail_catcher(const mail_catcher&) = delete;
  mail_catcher& operator=(const mail_catcher&) = delete;
  // A relay that is down: connections refused, until start() again (same port).
  void stop();
  void start();
  unsigned short port() const { return port_; }
  // What COLIBRI_SMTP_URL should say.
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  std::string maildir() const { return dir_.path() + "/maildir"; }
  // Every message caught so far, oldest first.
  std::vector<mail> all() const;
  // The first message to `to` (case-insensitive) whose text holds `needle`,
  // waited for (bounded).
  std::optional<mail> wait_for(const std::string& to, const std::string& needle = "",
                               std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

 private:
  temp_dir dir_;
  unsigned short port_;
  process proc_;
};

// The token of the first `#/<route>?token=` link in a text ("" if none).
std::string link_token(const std::string& text, const std::string& route);

// One raw message (headers and body) decoded.
mail parse_mail(const std::string& raw);

}  // namespace colibri::test
