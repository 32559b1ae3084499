#include "repo/professionals.hpp"

#include "colibri/pg/field.hpp"

namespace colibri::groups::repo {

std::optional<professional_profile> profile_of(pqxx::transaction_base& w, std::int64_t user_id) {
  auto r = w.exec_params(
      "SELECT profession, organisation, department, self_employed, industry, legal_name, rpps, "
      "(extract(epoch FROM updated_at) * 1000)::bigint FROM professional_profiles WHERE user_id = $1",
      user_id);
  if (r.empty()) return std::nullopt;
  return professional_profile{r[0][0].as<std::string>(),
                              r[0][1].as<std::string>(),
                              r[0][2].as<std::string>(),
                              r[0][3].as<bool>(),
                              r[0][4].as<bool>(),
                              pg::opt<std::string>(r[0][5]),
                              pg::opt<std::string>(r[0][6]),
                              r[0][7].as<std::int64_t>()};
}

void put_profile(pqxx::transaction_base& w, std::int64_t user_id, const professional_profile& p) {
  w.exec_params(
      "INSERT INTO professional_profiles (user_id, profession, organisation, department, self_employed, industry, "
      "legal_name, rpps) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id) DO UPDATE SET "
      "profession = $2, organisation = $3, department = $4, self_employed = $5, industry = $6, legal_name = $7, "
      "rpps = $8, updated_at = now()",
      user_id, p.profession, p.organisation, p.department, p.self_employed, p.industry, p.legal_name, p.rpps);
}

bool in_professional_space(pqxx::transaction_base& w, std::int64_t user_id) {
  return w
      .exec_params1(
          "SELECT EXISTS (SELECT 1 FROM memberships m JOIN groups g ON g.id = m.group_id "
          "WHERE m.user_id = $1 AND g.kind = 'professional')",
          user_id)[0]
      .as<bool>();
}

}  // namespace colibri::groups::repo
