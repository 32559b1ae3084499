#pragma once
// Statements that run on every request are prepared once per connection and
// planned once (their planning cost more than their execution: a few
// milliseconds for the CTEs over arrays). libpqxx registers a prepared
// statement with the server on its first use on a connection, and again on a
// new connection; preparing the same name with the same text is a no-op.
#include <pqxx/pqxx>
#include <string>
#include <utility>

namespace colibri::pg {

template <class... Args>
pqxx::result exec_prepared(pqxx::transaction_base& w, const char* name, const std::string& sql, Args&&... args) {
  w.conn().prepare(name, sql);
  return w.exec_prepared(name, std::forward<Args>(args)...);
}

}  // namespace colibri::pg
