#pragma once
// Who people are to others: their public handle and what their account proved.
#include <cstdint>
#include <pqxx/pqxx>
#include <string>

namespace colibri::groups::repo {

// A public handle ("" when absent): the handle of an erased account is
// already "membre supprimé".
std::string handle_of(pqxx::transaction_base& w, std::int64_t user_id);
bool email_verified(pqxx::transaction_base& w, std::int64_t user_id);

}  // namespace colibri::groups::repo
