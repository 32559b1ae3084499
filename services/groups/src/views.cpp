#include "views.hpp"

#include "colibri/core/clock.hpp"

namespace colibri::groups::detail {

void write_group(json::writer& w, const repo::group_view& g) {
  w.begin_object();
  w.field("id", g.id).key("parent_id");
  if (g.parent_id)
    w.value(*g.parent_id);
  else
    w.null();
  w.field("name", g.name).field("description", g.description).field("rules", g.rules);
  w.field("join_policy", g.join_policy).field("visibility", g.visibility).field("kind", g.kind);
  w.field("room", "group:" + std::to_string(g.id));
  w.field("member_count", g.member_count);
  w.field("timezone", g.timezone).key("celebrations_post_at");
  if (g.celebrations_post_at)
    w.value(*g.celebrations_post_at);
  else
    w.null();
  w.field("created_at", core::format_rfc3339_ms(g.created_ms));
  w.key("my_membership");
  if (g.member()) {
    w.begin_object().field("state", "member").field("role", g.role).key("muted_until");
    if (g.muted_until_ms)
      w.value(core::format_rfc3339_ms(*g.muted_until_ms));
    else
      w.null();
    w.end_object();
  } else if (g.pending_request_id) {
    w.begin_object().field("state", "pending").field("request_id", *g.pending_request_id).end_object();
  } else {
    w.null();
  }
  w.end_object();
}

http::response group_response(int status, const repo::group_view& g) {
  json::writer w;
  w.begin_object().key("group");
  write_group(w, g);
  w.end_object();
  return http::response::json(status, w.release());
}

void write_person(json::writer& j, std::string_view key, std::optional<std::int64_t> id, const std::string& handle) {
  j.key(key);
  if (id)
    j.begin_object().field("id", *id).field("handle", handle).end_object();
  else
    j.null();
}

void write_professional_card(json::writer& j, const std::optional<std::string>& profession,
                             const std::optional<std::string>& organisation,
                             const std::optional<std::string>& department) {
  if (!profession) return;
  j.key("professional").begin_object().field("profession", *profession);
  j.field("organisation", organisation.value_or("")).field("department", department.value_or("")).end_object();
}

void end_cursor_page(json::writer& j, bool more, const std::string& next) {
  j.end_array().key("next_cursor");
  if (more)
    j.value(next);
  else
    j.null();
  j.field("has_more", more).end_object();
}

std::string html_escape(std::string_view v) {
  std::string out;
  for (char c : v) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

http::response html_page(int status, core::lang l, std::string_view title, const std::string& inner,
                         std::string_view style) {
  http::response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = "<!doctype html><html lang=\"" + std::string(core::to_string(l)) +
           "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>" +
           html_escape(title) + "</title><style>body{font-family:sans-serif;max-width:40em;margin:3em auto;" +
           "padding:0 1em;line-height:1.5}h1{font-size:1.6em}" + std::string(style) + "</style></head><body><h1>" +
           html_escape(title) + "</h1>" + inner + "</body></html>";
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace colibri::groups::detail
