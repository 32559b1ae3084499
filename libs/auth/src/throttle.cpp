#include "colibri/auth/throttle.hpp"

namespace colibri::auth {

std::optional<int> throttle_check(pqxx::work& w, const std::vector<throttle_rule>& rules, std::chrono::seconds window) {
  std::optional<int> wait;
  for (const auto& r : rules) {
    auto res = w.exec_params(
        "SELECT ceil(extract(epoch FROM window_start + make_interval(secs => $2) - now()))::int "
        "FROM login_throttle WHERE key = $1 AND failures >= $3 AND window_start + make_interval(secs => $2) > now()",
        r.key, static_cast<double>(window.count()), r.max_failures);
    if (!res.empty()) {
      int s = std::max(1, res[0][0].as<int>());
      wait = std::max(wait.value_or(0), s);
    }
  }
  return wait;
}

void throttle_fail(pqxx::work& w, const std::vector<throttle_rule>& rules, std::chrono::seconds window) {
  for (const auto& r : rules) {
    w.exec_params(
        "INSERT INTO login_throttle AS t (key, window_start, failures) VALUES ($1, now(), 1) "
        "ON CONFLICT (key) DO UPDATE SET "
        "  failures = CASE WHEN t.window_start + make_interval(secs => $2) > now() THEN t.failures + 1 ELSE 1 END, "
        "  window_start = CASE WHEN t.window_start + make_interval(secs => $2) > now() THEN t.window_start ELSE now() END",
        r.key, static_cast<double>(window.count()));
  }
}

void throttle_clear(pqxx::work& w, const std::string& key) {
  w.exec_params("DELETE FROM login_throttle WHERE key = $1", key);
}

}  // namespace colibri::auth
