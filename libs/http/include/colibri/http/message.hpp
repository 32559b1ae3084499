#pragma once
// HTTP request/response as plain structs: what handlers see. Beast stays in
// this library's src/.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "colibri/core/result.hpp"
#include "colibri/core/text.hpp"

namespace colibri::http {

enum class method { get, head, post, put, patch, delete_, options, other };
std::string_view to_string(method m);

struct request {
  method verb = method::get;
  std::string target;                                        // as received
  std::string path;                                          // percent-decoded, without the query
  std::vector<std::pair<std::string, std::string>> query;    // decoded
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string remote_address;                              // the client, as told by a trusted proxy, else the peer
  std::map<std::string, std::string, std::less<>> params;  // from the route pattern
  core::lang lang = core::lang::fr;                        // from Accept-Language

  std::string_view header(std::string_view lower_name) const;
  std::optional<std::string_view> query_param(std::string_view name) const;
  std::string_view param(std::string_view name) const;
  // "Authorization: Bearer <token>" -> token, else empty.
  std::string_view bearer_token() const;
};

struct response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;

  static response json(int status, std::string body);
  static response no_content();
  // {"error": {"code", "message", "field"?}} in the request's language,
  // with Retry-After when the error carries one.
  static response error(const core::error& e, core::lang l);
  static response error(core::errc c, core::lang l) { return error(core::default_error(c), l); }
};

// Splits "a=1&b=x%20y" into decoded pairs ('+' is a space).
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view q);
// Percent-decoding; nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

}  // namespace colibri::http
