// The message as the relay receives it: headers that no value can break,
// a subject and body that survive in UTF-8, the retry schedule.
#include "colibri/mail/mail.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

namespace colibri::mail {
namespace {

std::string header(const std::string& raw, const std::string& name) {
  auto at = raw.find("\r\n" + name + ": ");
  if (raw.rfind(name + ": ", 0) == 0)
    at = 0;
  else if (at == std::string::npos)
    return {};
  else
    at += 2;
  auto end = raw.find("\r\n", at);
  return raw.substr(at + name.size() + 2, end - at - name.size() - 2);
}

std::string unbase64(const std::string& b64) {
  std::string clean;
  for (char c : b64)
    if (c != '\r' && c != '\n') clean += c;
  std::string out(clean.size(), '\0');
  std::size_t len = 0;
  EXPECT_EQ(sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), clean.data(), clean.size(),
                              nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL),
            0);
  out.resize(len);
  return out;
}

TEST(Mail, ARenderedMessageCarriesItsUtf8TextAndSubjectIntact) {
  message m{"lea@example.fr", "Confirmez votre adresse e-mail — Colibri, c'est presque fini !",
            "Bonjour Léa,\nOuvrez ce lien : http://127.0.0.1:8080/#/verify?token=abc_DEF-123\n"};
  auto raw = render(m, "Colibri <no-reply@colibri.example>", std::chrono::system_clock::from_time_t(1796151969));
  EXPECT_EQ(header(raw, "From"), "Colibri <no-reply@colibri.example>");
  EXPECT_EQ(header(raw, "To"), "lea@example.fr");
  EXPECT_EQ(header(raw, "Date"), "Tue, 01 Dec 2026 19:06:09 +0000");
  EXPECT_NE(header(raw, "Message-ID").find("@colibri.example>"), std::string::npos);
  EXPECT_EQ(header(raw, "Content-Type"), "text/plain; charset=UTF-8");
  // The subject: encoded words, folded, none longer than 75 characters.
  auto subject_start = raw.find("Subject: ") + 9;
  auto subject_end = raw.find("\r\nMessage-ID");
  std::string decoded, folded = raw.substr(subject_start, subject_end - subject_start);
  std::size_t pos = 0;
  while ((pos = folded.find("=?UTF-8?B?", pos)) != std::string::npos) {
    auto end = folded.find("?=", pos + 10);
    EXPECT_LE(end + 2 - pos, 75u);
    decoded += unbase64(folded.substr(pos + 10, end - pos - 10));
    pos = end + 2;
  }
  EXPECT_EQ(decoded, m.subject);
  auto body = raw.substr(raw.find("\r\n\r\n") + 4);
  for (std::size_t at = 0; at < body.size();) {
    auto nl = body.find("\r\n", at);
    EXPECT_LE(nl - at, 76u);
    at = nl + 2;
  }
  EXPECT_EQ(unbase64(body), m.text);
}

TEST(Mail, NoValueCanAddAHeaderOfItsOwn) {
  message m{"a@example.fr\r\nBcc: victim@example.fr", "Objet\r\nBcc: other@example.fr", "x"};
  auto raw = render(m, "Colibri <no-reply@localhost>\nBcc: third@example.fr", std::chrono::system_clock::now());
  auto headers = raw.substr(0, raw.find("\r\n\r\n"));
  EXPECT_EQ(headers.find("\r\nBcc:"), std::string::npos);
  EXPECT_EQ(headers.find("\nBcc:"), std::string::npos);
}

TEST(Mail, TheEnvelopeAddressComesFromInsideTheBrackets) {
  EXPECT_EQ(address_of("Colibri <no-reply@colibri.example>"), "no-reply@colibri.example");
  EXPECT_EQ(address_of("no-reply@colibri.example"), "no-reply@colibri.example");
}

TEST(Mail, RetriesBackOffFromThirtySecondsToAnHour) {
  EXPECT_EQ(backoff(1).count(), 30);
  EXPECT_EQ(backoff(2).count(), 60);
  EXPECT_EQ(backoff(5).count(), 480);
  EXPECT_EQ(backoff(8).count(), 3600);
  EXPECT_EQ(backoff(40).count(), 3600);
}

}  // namespace
}  // namespace colibri::mail
