#include "colibri/auth/throttle.hpp"

#include <algorithm>

namespace colibri::auth {

std::optional<int> throttle_reserve(pqxx::work& w, const std::vector<throttle_rule>& rules,
                                    std::chrono::seconds window) {
  std::optional<int> wait;
  for (const auto& r : rules) {
    auto res = w.exec_params1(
        "INSERT INTO login_throttle AS t (key, window_start, failures) VALUES ($1, now(), 1) "
        "ON CONFLICT (key) DO UPDATE SET "
        "  failures = CASE WHEN t.window_start + make_interval(secs => $2) > now() THEN t.failures + 1 ELSE 1 END, "
        "  window_start = CASE WHEN t.window_start + make_interval(secs => $2) > now() THEN t.window_start ELSE now() "
        "END "
        "RETURNING failures, ceil(extract(epoch FROM window_start + make_interval(secs => $2) - now()))::int",
        r.key, static_cast<double>(window.count()));
    if (res[0].as<int>() > r.max_failures) wait = std::max(wait.value_or(1), std::max(1, res[1].as<int>()));
  }
  return wait;
}

void throttle_release(pqxx::work& w, const std::string& key) {
  w.exec_params("UPDATE login_throttle SET failures = greatest(failures - 1, 0) WHERE key = $1", key);
}

void throttle_clear(pqxx::work& w, const std::string& key) {
  w.exec_params("DELETE FROM login_throttle WHERE key = $1", key);
}

}  // namespace colibri::auth
