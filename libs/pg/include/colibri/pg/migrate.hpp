#pragma once
// Versioned, forward-only SQL migrations. Applied once, in order, under a
// PostgreSQL advisory lock so that several processes may start together; each
// applied migration's checksum (md5 of its text) is recorded, and a process
// refuses to start if an applied migration's text has since changed.
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
#include <vector>

namespace colibri::pg {

struct migration {
  int version;
  std::string name;
  std::string sql;
};

struct migration_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Returns how many migrations were applied by this call.
int migrate(pqxx::connection& conn, const std::vector<migration>& migrations);

}  // namespace colibri::pg
