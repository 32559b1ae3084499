#include "colibri/http/health.hpp"

#include <memory>

#include "colibri/json/writer.hpp"

namespace colibri::http {

void add_health_routes(router& r, std::string service, std::vector<readiness_check> checks) {
  r.get("/healthz", [service](request&) -> awaitable<response> {
    json::writer w;
    w.begin_object().field("status", "ok").field("service", service).end_object();
    co_return response::json(200, w.release());
  });
  auto shared = std::make_shared<std::vector<readiness_check>>(std::move(checks));
  r.get("/readyz", [shared](request& req) -> awaitable<response> {
    bool all = true;
    json::writer checks;
    checks.begin_object();
    for (const auto& c : *shared) {
      bool ok = false;
      try {
        ok = co_await c.probe();
      } catch (...) {
        ok = false;
      }
      all = all && ok;
      checks.field(c.name, ok ? "ok" : "down");
    }
    checks.end_object();
    json::writer w;
    w.begin_object();
    if (all) {
      w.field("status", "ready");
    } else {
      auto e = core::default_error(core::errc::unavailable);
      w.key("error").begin_object().field("code", core::code_string(e.code)).field("message", e.message.in(req.lang));
      w.end_object();
    }
    w.key("checks").raw(checks.str()).end_object();
    auto res = response::json(all ? 200 : 503, w.release());
    if (!all) res.headers.emplace_back("Retry-After", "5");
    co_return res;
  });
}

}  // namespace colibri::http
