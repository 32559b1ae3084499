#include "colibri/pg/server_keys.hpp"

namespace colibri::pg {

std::string server_key(pqxx::transaction_base& w, const std::string& name, const std::function<std::string()>& fresh) {
  static const std::string read = "SELECT key FROM server_keys WHERE name = $1";
  auto r = w.exec_params(read, name);
  if (r.empty()) {
    w.exec_params("INSERT INTO server_keys (name, key) VALUES ($1, $2) ON CONFLICT DO NOTHING", name,
                  pqxx::binarystring(fresh()));
    r = w.exec_params(read, name);
  }
  return pqxx::binarystring(r.at(0)[0]).str();
}

}  // namespace colibri::pg
