#include "colibri/http/message.hpp"

#include <cctype>

#include "colibri/json/writer.hpp"

namespace colibri::http {

std::string_view to_string(method m) {
  switch (m) {
    case method::get:
      return "GET";
    case method::head:
      return "HEAD";
    case method::post:
      return "POST";
    case method::put:
      return "PUT";
    case method::patch:
      return "PATCH";
    case method::delete_:
      return "DELETE";
    case method::options:
      return "OPTIONS";
    case method::other:
      return "OTHER";
  }
  return "OTHER";
}

std::string_view request::header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers)
    if (k == lower_name) return v;
  return {};
}

std::optional<std::string_view> request::query_param(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return std::string_view(v);
  return std::nullopt;
}

std::string_view request::param(std::string_view name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string_view{} : std::string_view(it->second);
}

std::string_view request::bearer_token() const {
  auto h = header("authorization");
  constexpr std::string_view prefix = "Bearer ";
  if (h.size() <= prefix.size()) return {};
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(h[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return {};
  auto t = h.substr(prefix.size());
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  return t;
}

response response::json(int status, std::string body) {
  response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

response response::no_content() {
  response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

response response::error(const core::error& e, core::lang l) {
  json::writer w;
  w.begin_object().key("error").begin_object();
  w.field("code", core::code_string(e.code));
  w.field("message", e.message.in(l));
  if (!e.field.empty()) w.field("field", e.field);
  if (e.existing_id > 0) w.field("existing_id", e.existing_id);
  w.end_object().end_object();
  auto r = json(core::http_status(e.code), w.release());
  if (e.retry_after_s > 0) r.headers.emplace_back("Retry-After", std::to_string(e.retry_after_s));
  return r;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view q) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto item = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    if (item.empty()) continue;
    auto eq = item.find('=');
    auto k = percent_decode(item.substr(0, eq), true);
    auto v = percent_decode(eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1), true);
    if (k && v) out.emplace_back(std::move(*k), std::move(*v));
  }
  return out;
}

}  // namespace colibri::http
