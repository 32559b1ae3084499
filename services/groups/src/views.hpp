#pragma once
// JSON shapes the group handlers share.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "colibri/http/message.hpp"
#include "colibri/json/writer.hpp"
#include "repo/groups.hpp"

namespace colibri::groups::detail {

// Text for HTML element content and attribute values.
std::string html_escape(std::string_view v);
// A small page of its own, without script (a certificate, the unsubscribe
// page): `inner` is HTML already escaped; `style` extra CSS.
http::response html_page(int status, core::lang l, std::string_view title, const std::string& inner,
                         std::string_view style = "");

void write_group(json::writer& w, const repo::group_view& g);
http::response group_response(int status, const repo::group_view& g);
// "<key>": {"id", "handle"} of a person, or null when there is none.
// Closes a list written as `{"key": [...` with its cursor: `], "next_cursor":
// next or null, "has_more": more}`.
void end_cursor_page(json::writer& j, bool more, const std::string& next);
void write_person(json::writer& j, std::string_view key, std::optional<std::int64_t> id, const std::string& handle);
// "professional": {profession, organisation, department}, when the person has a profile.
void write_professional_card(json::writer& j, const std::optional<std::string>& profession,
                             const std::optional<std::string>& organisation,
                             const std::optional<std::string>& department);

// {"<key>": [...], "has_more": bool} from rows read with one more than the
// page holds, to know whether there are more; write_row(writer, row)
// writes one item.
template <class Row, class F>
std::string page_json(std::string_view key, const std::vector<Row>& rows, int n, F write_row) {
  json::writer j;
  j.begin_object().key(key).begin_array();
  int i = 0;
  for (const auto& r : rows) {
    if (i++ == n) break;
    write_row(j, r);
  }
  j.end_array().field("has_more", static_cast<int>(rows.size()) > n).end_object();
  return j.release();
}

}  // namespace colibri::groups::detail
