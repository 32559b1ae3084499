// What a request names: the path (percent-decoded) and query up to the
// router's match, room names, and the ids, cursors and page sizes the
// handlers read (services/groups/src/params.cpp).
// Input: "<path>[?<query>]" then, after a newline, a room name.
#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "colibri/http/message.hpp"
#include "colibri/http/router.hpp"
#include "colibri/roomlog/event.hpp"
#include "params.hpp"  // services/groups: ids and cursors

using namespace colibri;

namespace {
http::router make_router() {
  http::router r;
  http::handler h;  // never called: only the match is looked at
  for (const char* p : {"/api/v1/groups", "/api/v1/groups/{id}", "/api/v1/groups/{id}/members/{uid}",
                        "/api/v1/rooms/{room}/events", "/api/v1/invitations/{code}/accept", "/api/v1/me"}) {
    r.get(p, h);
    r.post(p, h);
  }
  return r;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const http::router routes = make_router();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  auto target = in.substr(0, nl);
  auto room = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);

  http::request req;
  req.verb = size % 2 ? http::method::get : http::method::post;
  req.target = std::string(target);
  auto q = target.find('?');
  req.path = http::percent_decode(target.substr(0, q), false).value_or(std::string(target.substr(0, q)));
  if (q != std::string_view::npos) req.query = http::parse_query(target.substr(q + 1));
  auto m = routes.find(req);
  if (m.h) {
    if (!m.allow.empty()) std::abort();
    for (const auto& [k, v] : req.params)
      if (v.empty()) std::abort();  // a parameter matches a non-empty segment
  }
  for (const auto& [k, v] : req.query) {
    (void)req.query_param(k);
    // An id or cursor (?before=, ?after=, {id}) is 1..2^53 written in
    // decimal digits only (leading zeros allowed), and prints back as itself.
    if (auto id = groups::detail::parse_id(v)) {
      if (*id < 1 || *id > groups::detail::k_max_id) std::abort();
      if (v.find_first_not_of("0123456789") != std::string::npos) std::abort();
      if (std::to_string(*id) != v.substr(std::min(v.find_first_not_of('0'), v.size()))) std::abort();
    }
    auto cursor = groups::detail::query_id(req, k);
    if (cursor && *cursor && (**cursor < 1 || **cursor > groups::detail::k_max_id)) std::abort();
    auto limit = groups::detail::limit_param(req, 50, 200);
    if (limit && (*limit < 1 || *limit > 200)) std::abort();
  }

  if (auto ref = roomlog::parse_room(room)) {
    // A room name that parses prints back as itself.
    if (ref->name() != room) std::abort();
    if (ref->id < 1) std::abort();
  }
  return 0;
}
