#include "colibri/test/mail.hpp"

#include <sodium.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "colibri/test/client.hpp"

namespace colibri::test {

namespace {

std::string unbase64(std::string_view in) {
  std::string clean;
  for (char c : in)
    if (c != '\r' && c != '\n' && c != ' ') clean += c;
  std::string out(clean.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), clean.data(), clean.size(), nullptr,
                        &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    throw std::runtime_error("mail: bad base64");
  out.resize(len);
  return out;
}

// RFC 2047 B-encoded words (what libs/mail writes); other text as is.
std::string decode_words(const std::string& v) {
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    auto start = v.find("=?UTF-8?B?", pos);
    if (start == std::string::npos) {
      out += v.substr(pos);
      return out;
    }
    auto between = v.substr(pos, start - pos);
    if (between.find_first_not_of(" \t\r\n") != std::string::npos) out += between;
    auto end = v.find("?=", start + 10);
    out += unbase64(v.substr(start + 10, end - start - 10));
    pos = end + 2;
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

mail parse_mail(const std::string& raw) {
  auto split = raw.find("\r\n\r\n");
  std::size_t sep = 4;
  if (split == std::string::npos) {
    split = raw.find("\n\n");
    sep = 2;
  }
  std::string head = raw.substr(0, split), body = split == std::string::npos ? "" : raw.substr(split + sep);
  // Unfold, then one header per line.
  std::string unfolded;
  for (std::size_t i = 0; i < head.size(); ++i) {
    if (head[i] == '\r') continue;
    if (head[i] == '\n' && i + 1 < head.size() && (head[i + 1] == ' ' || head[i + 1] == '\t')) continue;
    unfolded += head[i];
  }
  mail m;
  bool b64 = false;
  std::string type, filename;
  std::istringstream lines(unfolded);
  std::string line;
  while (std::getline(lines, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto name = lower(line.substr(0, colon));
    auto value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    if (name == "to") m.to = value;
    if (name == "subject") m.subject = decode_words(value);
    if (name == "content-transfer-encoding") b64 = lower(value) == "base64";
    if (name == "content-type") type = value;
    if (name == "content-disposition") {
      auto at = value.find("filename=\"");
      if (at != std::string::npos) filename = value.substr(at + 10, value.find('"', at + 10) - at - 10);
    }
  }
  if (lower(type).rfind("multipart/", 0) == 0) {
    // Each part parsed as a message of its own: the first text is the text.
    auto at = type.find("boundary=\"");
    auto boundary = "--" + type.substr(at + 10, type.find('"', at + 10) - at - 10);
    for (auto p = body.find(boundary); p != std::string::npos;) {
      auto start = body.find('\n', p) + 1;
      auto next = body.find(boundary, start);
      if (next == std::string::npos || body.compare(p + boundary.size(), 2, "--") == 0) break;
      auto part = parse_mail(body.substr(start, next - start));
      if (!part.attachments.empty())
        m.attachments.insert(m.attachments.end(), part.attachments.begin(), part.attachments.end());
      else if (m.text.empty())
        m.text = part.text;
      p = next;
    }
    return m;
  }
  auto content = b64 ? unbase64(body) : body;
  if (!filename.empty())
    m.attachments.emplace_back(filename, content);
  else
    m.text = content;
  return m;
}

mail_catcher::mail_catcher() : port_(free_port()) {
  // The handler makes the Maildir (new/, cur/, tmp/) itself; an empty
  // folder made beforehand would refuse every message.
  start();
}

void mail_catcher::stop() { proc_.stop(15, std::chrono::seconds(5)); }

void mail_catcher::start() {
  proc_ = process({"/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(port_), "-c",
                   "aiosmtpd.handlers.Mailbox", maildir()},
                  {}, dir_.path() + "/aiosmtpd.log");
  for (int i = 0; i < 400; ++i) {
    if (tcp_port_open(port_)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  throw std::runtime_error("the mail catcher did not start: " + proc_.log_tail());
}

mail_catcher::~mail_catcher() { stop(); }

std::vector<mail> mail_catcher::all() const {
  std::vector<std::pair<std::filesystem::file_time_type, std::string>> files;
  for (const auto* sub : {"/new", "/cur"}) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(maildir() + sub, ec))
      if (e.is_regular_file()) files.emplace_back(e.last_write_time(), e.path().string());
  }
  std::sort(files.begin(), files.end());
  std::vector<mail> out;
  for (const auto& [_, path] : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out.push_back(parse_mail(ss.str()));
  }
  return out;
}

std::optional<mail> mail_catcher::wait_for(const std::string& to, const std::string& needle,
                                           std::chrono::milliseconds timeout) const {
  auto until = std::chrono::steady_clock::now() + timeout;
  do {
    for (const auto& m : all())
      if (lower(m.to) == lower(to) && m.text.find(needle) != std::string::npos) return m;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < until);
  return std::nullopt;
}

std::string link_token(const std::string& text, const std::string& route) {
  auto key = "#/" + route + "?token=";
  auto at = text.find(key);
  if (at == std::string::npos) return {};
  at += key.size();
  auto end = at;
  while (end < text.size() &&
         (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '-' || text[end] == '_'))
    ++end;
  return text.substr(at, end - at);
}

}  // namespace colibri::test
