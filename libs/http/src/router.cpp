#include "colibri/http/router.hpp"

namespace colibri::http {

namespace {
std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}
}  // namespace

void router::add(method m, std::string pattern, handler h, bool streaming) {
  route r{m, pattern, {}, std::move(h), streaming};
  for (auto s : split(pattern)) r.segments.emplace_back(s);
  routes_.push_back(std::move(r));
}

router::match router::find(request& req) const {
  auto parts = split(req.path);
  match out;
  for (const auto& r : routes_) {
    if (r.segments.size() != parts.size()) continue;
    std::map<std::string, std::string, std::less<>> params;
    bool ok = true;
    for (std::size_t i = 0; i < parts.size() && ok; ++i) {
      const auto& seg = r.segments[i];
      auto close = seg.find('}');
      if (seg.size() > 2 && seg.front() == '{' && close != std::string::npos) {
        // "{name}" or "{name}.suffix": the part, without the suffix, which it must end with.
        std::string_view suffix = std::string_view(seg).substr(close + 1);
        std::string_view part = parts[i];
        ok = part.size() > suffix.size() && part.substr(part.size() - suffix.size()) == suffix;
        if (ok) params[seg.substr(1, close - 1)] = std::string(part.substr(0, part.size() - suffix.size()));
      } else {
        ok = seg == parts[i];
      }
    }
    if (!ok) continue;
    bool method_ok = r.m == req.verb || (r.m == method::get && req.verb == method::head);
    if (method_ok) {
      req.params = std::move(params);
      out.h = &r.h;
      out.pattern = &r.pattern;
      out.streaming = r.streaming;
      out.allow.clear();
      return out;
    }
    if (!out.allow.empty()) out.allow += ", ";
    out.allow += to_string(r.m);
  }
  return out;
}

}  // namespace colibri::http
