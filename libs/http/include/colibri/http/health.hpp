#pragma once
// /healthz (the process answers) and /readyz (its dependencies answer).
#include <functional>
#include <string>
#include <vector>

#include "colibri/http/router.hpp"

namespace colibri::http {

struct readiness_check {
  std::string name;                        // "postgresql", "redis"
  std::function<awaitable<bool>()> probe;  // must not throw; bounded in time
};

// /healthz: 200 {"status":"ok","service":...}.
// /readyz: 200 {"status":"ready","checks":{name:"ok"}} or 503 unavailable
// (with Retry-After) and the same "checks" naming what is down.
void add_health_routes(router& r, std::string service, std::vector<readiness_check> checks);

}  // namespace colibri::http
