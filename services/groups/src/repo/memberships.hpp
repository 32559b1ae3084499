#pragma once
// Memberships, join requests and invitations. Functions that decide under a
// lock say which rows they lock; the caller's transaction holds them to its
// commit.
#include <chrono>
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace colibri::groups::repo {

// The user's role in the group ("" when not a member).
std::string role_in(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id);
bool is_admin(pqxx::transaction_base& w, std::int64_t user_id);
bool is_member(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id);
std::vector<std::int64_t> member_ids(pqxx::transaction_base& w, std::int64_t group_id);
void set_on_call(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id, bool on);
// Whether the user is a member of the group (true when parent_id is empty),
// that membership then locked (FOR SHARE) until the commit.
bool lock_membership_shared(pqxx::transaction_base& w, std::optional<std::int64_t> group_id, std::int64_t user_id);
// Locks the group's owners' rows (FOR UPDATE); their count.
int lock_owners(pqxx::transaction_base& w, std::int64_t group_id);
int owner_count(pqxx::transaction_base& w, std::int64_t group_id);
// Adds a plain member and closes their pending request; false when they
// already were one.
bool insert_member(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id);
// The first owner of a group nobody runs yet.
void claim_first_owner(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id);
// false when not a member.
bool set_role(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id, const std::string& role);
// Removes the member from the group and every group below it. The
// membership is locked first, in its own statement: a join of a child holds
// it (lock_membership_shared) until its commit, and the removal then sees
// that new child membership too.
void remove_from_subtree(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id);

struct member_row {
  std::int64_t user_id = 0;
  std::string handle, role;
  std::int64_t joined_ms = 0;
  std::optional<std::int64_t> muted_until_ms;
  // In a professional group, the member's professional profile if any.
  std::optional<std::string> profession, organisation, department;
};
// By user id above `after`, at most `limit`; with professional profiles when asked.
std::vector<member_row> list_members(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t after, int limit,
                                     bool professional = false);

struct join_request_row {
  std::int64_t id = 0, user_id = 0;
  std::string handle, motivation, state, reason;
  std::int64_t created_ms = 0;
};
// nullopt when one is already pending.
std::optional<join_request_row> insert_join_request(pqxx::dbtransaction& w, std::int64_t group_id, std::int64_t user_id,
                                                    const std::string& motivation);
std::vector<join_request_row> list_join_requests(pqxx::transaction_base& w, std::int64_t group_id,
                                                 const std::string& state, int limit);
// Closes a pending request; its person, nullopt when none was pending.
std::optional<std::int64_t> decide_join_request(pqxx::transaction_base& w, std::int64_t request_id,
                                                std::int64_t group_id, bool approve,
                                                const std::optional<std::string>& reason, std::int64_t moderator_id);

// An invitation's code is stored hashed; its expiry (ms).
std::int64_t insert_invitation(pqxx::transaction_base& w, std::int64_t group_id, const std::string& code_hash,
                               const std::optional<std::string>& email, std::int64_t created_by,
                               std::chrono::hours ttl);
struct invitation_ref {
  std::int64_t id = 0;
  bool email_bound = false;
};
// The usable invitation a code names for this person (unused, unexpired, and
// bound to their address if bound to any), locked; nullopt otherwise.
std::optional<invitation_ref> find_invitation(pqxx::transaction_base& w, std::int64_t user_id,
                                              const std::string& code_hash);
// The group of a usable invitation, locked; nullopt when used or expired.
std::optional<std::int64_t> lock_invitation(pqxx::transaction_base& w, std::int64_t invitation_id);
void mark_invitation_used(pqxx::transaction_base& w, std::int64_t invitation_id, std::int64_t user_id);

}  // namespace colibri::groups::repo
