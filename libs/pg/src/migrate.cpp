#include "colibri/pg/migrate.hpp"

#include <algorithm>
#include <map>

#include "colibri/core/log.hpp"

namespace colibri::pg {

namespace {
// Any constant works as long as nothing else in the database uses it.
constexpr long long k_migration_lock = 0x636f6c6962726901;  // "colibri\x01"

struct advisory_lock {
  explicit advisory_lock(pqxx::connection& c) : c_(c) {
    pqxx::nontransaction n(c_);
    n.exec("SELECT pg_advisory_lock(" + std::to_string(k_migration_lock) + ")");
  }
  ~advisory_lock() {
    try {
      pqxx::nontransaction n(c_);
      n.exec("SELECT pg_advisory_unlock(" + std::to_string(k_migration_lock) + ")");
    } catch (...) {
      // The session ends with the connection, and the lock with it.
    }
  }
  pqxx::connection& c_;
};
}  // namespace

int migrate(pqxx::connection& conn, const std::vector<migration>& migrations) {
  for (std::size_t i = 1; i < migrations.size(); ++i)
    if (migrations[i].version <= migrations[i - 1].version)
      throw migration_error("migrations must be listed in increasing version order");

  advisory_lock lock(conn);
  {
    pqxx::work w(conn);
    w.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version integer PRIMARY KEY,"
        " name text NOT NULL,"
        " checksum text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())");
    w.commit();
  }
  std::map<int, std::pair<std::string, std::string>> applied;
  {
    pqxx::work w(conn);
    for (auto row : w.exec("SELECT version, name, checksum FROM schema_migrations"))
      applied[row[0].as<int>()] = {row[1].as<std::string>(), row[2].as<std::string>()};
    w.commit();
  }
  int count = 0;
  for (const auto& m : migrations) {
    pqxx::work w(conn);
    std::string checksum = w.exec_params1("SELECT md5($1)", m.sql)[0].as<std::string>();
    if (auto it = applied.find(m.version); it != applied.end()) {
      if (it->second.second != checksum)
        throw migration_error("migration " + std::to_string(m.version) + " (" + m.name +
                              ") was changed after it was applied; add a new migration instead");
      continue;
    }
    w.exec(m.sql);
    w.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", m.version, m.name,
                  checksum);
    w.commit();
    log::info("migration applied", {{"version", m.version}, {"name", m.name}});
    ++count;
  }
  for (const auto& entry : applied) {
    const auto& version = entry.first;  // a named variable: clang 14 cannot capture a structured binding
    bool known =
        std::any_of(migrations.begin(), migrations.end(), [&](const migration& m) { return m.version == version; });
    if (!known)
      log::warn("database has a migration this binary does not know (newer binary ran?)", {{"version", version}});
  }
  return count;
}

}  // namespace colibri::pg
