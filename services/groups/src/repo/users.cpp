#include "repo/users.hpp"

namespace colibri::groups::repo {

std::string handle_of(pqxx::transaction_base& w, std::int64_t user_id) {
  auto r = w.exec_params("SELECT handle FROM users WHERE id = $1", user_id);
  return r.empty() ? std::string() : r[0][0].as<std::string>();
}

bool email_verified(pqxx::transaction_base& w, std::int64_t user_id) {
  return w.exec_params1("SELECT email_verified_at IS NOT NULL FROM users WHERE id = $1", user_id)[0].as<bool>();
}

}  // namespace colibri::groups::repo
