// colibri-admin: the operator's tool for platform admins. Admins are made by
// the operator only, never by registration (security audit F2):
//
//   colibri-admin grant EMAIL     make the account with this address an admin
//   colibri-admin revoke EMAIL    take it back
//
// The account must exist and, to be granted, have verified its address. It
// reads COLIBRI_PG_URL (or --pg-url URL). Exit codes: 0 done, 1 refused (no
// such account, not verified), 2 usage.
#include <iostream>
#include <pqxx/pqxx>
#include <string>

#include "colibri/core/config.hpp"
#include "colibri/pg/pool.hpp"

using namespace colibri;

int main(int argc, char** argv) {
  if (argc < 3 || (std::string(argv[1]) != "grant" && std::string(argv[1]) != "revoke")) {
    std::cerr << "usage: colibri-admin grant|revoke EMAIL [--pg-url URL]\n";
    return 2;
  }
  std::string action = argv[1], email = argv[2];
  try {
    core::config cfg(argc - 2, argv + 2);
    auto url = cfg.str("COLIBRI_PG_URL", "postgresql://colibri@127.0.0.1:55432/colibri", true);
    cfg.finish();
    pqxx::connection c(pg::with_connect_timeout(url, 5, "colibri-admin"));
    pqxx::work w(c);
    auto r = w.exec_params(
        "SELECT id, email_verified_at IS NOT NULL, is_admin FROM users "
        "WHERE lower(email) = lower($1) AND deleted_at IS NULL FOR UPDATE",
        email);
    if (r.empty()) {
      std::cerr << "colibri-admin: no account uses " << email << "\n";
      return 1;
    }
    auto id = r[0][0].as<std::int64_t>();
    if (action == "grant" && !r[0][1].as<bool>()) {
      std::cerr << "colibri-admin: account " << id << " has not verified its address; refused\n";
      return 1;
    }
    w.exec_params("UPDATE users SET is_admin = $2, updated_at = now() WHERE id = $1", id, action == "grant");
    w.commit();
    std::cout << "account " << id << (action == "grant" ? " is now an admin" : " is no longer an admin") << "\n";
    return 0;
  } catch (const core::config_error& e) {
    std::cerr << "colibri-admin: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "colibri-admin: " << e.what() << "\n";
    return 1;
  }
}
