#pragma once
// Routes "/api/v1/groups/{id}/members/{uid}" to handlers. A path that matches
// with another method answers 405 method_not_allowed (with Allow); no match,
// 404 not_found.
#include <functional>
#include <string>
#include <vector>

#include "colibri/http/message.hpp"
#include "colibri/net/asio.hpp"

namespace colibri::http {

using handler = std::function<awaitable<response>(request&)>;

class router {
 public:
  void add(method m, std::string pattern, handler h, bool streaming = false);
  void get(std::string p, handler h) { add(method::get, std::move(p), std::move(h)); }
  void post(std::string p, handler h) { add(method::post, std::move(p), std::move(h)); }
  void put(std::string p, handler h) { add(method::put, std::move(p), std::move(h)); }
  void patch(std::string p, handler h) { add(method::patch, std::move(p), std::move(h)); }
  void del(std::string p, handler h) { add(method::delete_, std::move(p), std::move(h)); }
  // A route whose body the handler reads as it arrives (request::body_stream),
  // outside the JSON body limit: uploads.
  void put_stream(std::string p, handler h) { add(method::put, std::move(p), std::move(h), true); }

  // Fills req.params on a match. Never throws for a routing miss.
  struct match {
    const handler* h = nullptr;
    const std::string* pattern = nullptr;  // for logs: never the raw path (it may hold a code)
    std::string allow;                     // when the path exists with other methods
    bool streaming = false;                // the handler reads the body itself
  };
  match find(request& req) const;

 private:
  struct route {
    method m;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" for a parameter, "{name}.ics" for one with a suffix
    handler h;
    bool streaming = false;
  };
  std::vector<route> routes_;
};

}  // namespace colibri::http
