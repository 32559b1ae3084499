#pragma once
// Professional profiles: who a professional is (profession, organisation,
// département, self-employed, industry affiliation; legal name and RPPS for
// certificates and payment), for members of a professional space only.
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>

namespace colibri::groups::repo {

struct professional_profile {
  std::string profession, organisation, department;
  bool self_employed = false, industry = false;
  std::optional<std::string> legal_name, rpps;
  std::int64_t updated_ms = 0;
};
std::optional<professional_profile> profile_of(pqxx::transaction_base& w, std::int64_t user_id);
void put_profile(pqxx::transaction_base& w, std::int64_t user_id, const professional_profile& p);
// Whether the person belongs to a space of kind professional.
bool in_professional_space(pqxx::transaction_base& w, std::int64_t user_id);

}  // namespace colibri::groups::repo
