#pragma once
// What deleting an account deletes (docs/privacy.md), and suspensions.
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace colibri::groups::repo {

// Groups the user alone owns, locked, with the moderator who has served
// longest (the successor), if any.
struct sole_owned {
  std::int64_t group_id = 0;
  std::string name;
  std::optional<std::int64_t> successor;
};
std::vector<sole_owned> sole_owned_groups(pqxx::transaction_base& w, std::int64_t user_id);
void promote_to_owner(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id);
std::vector<std::int64_t> admin_ids(pqxx::transaction_base& w);

// Everything that names or was written by the account goes, its row stays
// as a tombstone ("membre supprimé") that nothing identifies: what others
// received about them, under every handle and address they used; the text
// of what they wrote (the events stay, so that conversations keep their
// shape); their memberships, notifications, markers, blocks, held posts,
// tokens, mails, throttle rows and sessions.
void erase_account(pqxx::transaction_base& w, std::int64_t user_id);

// The live (not erased) account, locked; false when absent.
bool lock_live_user(pqxx::transaction_base& w, std::int64_t user_id);
void set_suspension(pqxx::transaction_base& w, std::int64_t user_id, bool on, const std::string& reason);
void admin_audit(pqxx::transaction_base& w, std::int64_t actor_id, const std::string& action, std::int64_t target_id,
                 const std::string& reason);

}  // namespace colibri::groups::repo
