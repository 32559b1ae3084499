#pragma once
// Login throttling, per account and per client address, in PostgreSQL so that
// every instance of the service shares the counts. A fixed window: after
// `max_failures` failed logins within `window`, further attempts are refused
// with rate_limited until the window ends; a success clears the account's
// count.
//
// An attempt is counted (reserved) before the password is checked, in the
// statement that checks the limit: the row lock orders parallel attempts, so
// N attempts at once yield at most max_failures checks of the password, never
// N. A success gives its reservation back.
#include <chrono>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace colibri::auth {

struct throttle_rule {
  std::string key;  // "acct:<user id>", "mail:<email as the lookup folds it>" or "addr:<address subject>"
  int max_failures;
};

// Counts one attempt against every rule. When a rule is over its limit,
// returns the seconds to wait: the caller then rolls the transaction back, so
// that a refused attempt counts nothing. Otherwise nullopt (commit).
std::optional<int> throttle_reserve(pqxx::work& w, const std::vector<throttle_rule>& rules,
                                    std::chrono::seconds window);
// The attempt reserved under `key` was not a failure.
void throttle_release(pqxx::work& w, const std::string& key);
void throttle_clear(pqxx::work& w, const std::string& key);

}  // namespace colibri::auth
