#pragma once
// HTTP request/response as plain structs: what handlers see. Beast stays in
// this library's src/.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "colibri/core/result.hpp"
#include "colibri/core/text.hpp"
#include "colibri/net/asio.hpp"

namespace colibri::http {

enum class method { get, head, post, put, patch, delete_, options, other };
std::string_view to_string(method m);

// A request body read as it arrives (routes added with router::put_stream).
class body_reader {
 public:
  virtual ~body_reader() = default;
  // Appends at most `max` bytes of the body to `out`; false once the body is
  // whole (nothing appended). Throws std::runtime_error when the connection
  // breaks or stalls past the request timeout.
  virtual awaitable<bool> read(std::string& out, std::size_t max) = 0;
  // The declared length (Content-Length), when there is one.
  virtual std::optional<std::uint64_t> length() const = 0;
};

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
  body_reader* body_stream = nullptr;                      // streaming routes only (body stays empty)

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
  // A body written piece by piece (a download) instead of `body`: the server
  // sends Content-Length `body_length`, then each piece until an empty one.
  // A producer that ends early or throws closes the connection.
  std::function<awaitable<std::string>()> body_pieces;
  std::uint64_t body_length = 0;

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
