#pragma once
// Login throttling, per account and per client address, in PostgreSQL so that
// every instance of the service shares the counts. A fixed window: after
// `max_failures` failed logins within `window`, further attempts are refused
// with rate_limited until the window ends; a success clears the account's count.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace colibri::auth {

struct throttle_rule {
  std::string key;  // "acct:<lower email>" or "addr:<ip>"
  int max_failures;
};

// Seconds to wait when any rule is over its limit, else nullopt.
std::optional<int> throttle_check(pqxx::work& w, const std::vector<throttle_rule>& rules, std::chrono::seconds window);
void throttle_fail(pqxx::work& w, const std::vector<throttle_rule>& rules, std::chrono::seconds window);
void throttle_clear(pqxx::work& w, const std::string& key);

}  // namespace colibri::auth
