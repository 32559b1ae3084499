#include "repo/memberships.hpp"

#include "colibri/pg/field.hpp"

namespace colibri::groups::repo {

std::string role_in(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id) {
  auto r = w.exec_params("SELECT role FROM memberships WHERE group_id = $1 AND user_id = $2", group_id, user_id);
  return r.empty() ? std::string() : r[0][0].as<std::string>();
}

bool is_admin(pqxx::transaction_base& w, std::int64_t user_id) {
  return w.exec_params1("SELECT coalesce((SELECT is_admin FROM users WHERE id = $1), false)", user_id)[0].as<bool>();
}

bool is_member(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id) {
  return !w.exec_params("SELECT 1 FROM memberships WHERE group_id = $1 AND user_id = $2", group_id, user_id).empty();
}

std::vector<std::int64_t> member_ids(pqxx::transaction_base& w, std::int64_t group_id) {
  std::vector<std::int64_t> out;
  for (auto r : w.exec_params("SELECT user_id FROM memberships WHERE group_id = $1", group_id))
    out.push_back(r[0].as<std::int64_t>());
  return out;
}

bool lock_membership_shared(pqxx::transaction_base& w, std::optional<std::int64_t> group_id, std::int64_t user_id) {
  if (!group_id) return true;
  return !w.exec_params("SELECT 1 FROM memberships WHERE group_id = $1 AND user_id = $2 FOR SHARE", *group_id, user_id)
              .empty();
}

int lock_owners(pqxx::transaction_base& w, std::int64_t group_id) {
  return static_cast<int>(
      w.exec_params("SELECT 1 FROM memberships WHERE group_id = $1 AND role = 'owner' FOR UPDATE", group_id).size());
}

int owner_count(pqxx::transaction_base& w, std::int64_t group_id) {
  return w.exec_params1("SELECT count(*) FROM memberships WHERE group_id = $1 AND role = 'owner'", group_id)[0]
      .as<int>();
}

bool insert_member(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id) {
  auto r =
      w.exec_params("INSERT INTO memberships (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1",
                    group_id, user_id);
  if (r.empty()) return false;
  w.exec_params(
      "UPDATE join_requests SET state = 'approved', decided_at = now() WHERE group_id = $1 AND user_id = $2 "
      "AND state = 'pending'",
      group_id, user_id);
  return true;
}

void claim_first_owner(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id) {
  w.exec_params(
      "UPDATE memberships SET role = 'owner' WHERE group_id = $1 AND user_id = $2 AND NOT EXISTS "
      "(SELECT 1 FROM memberships o WHERE o.group_id = $1 AND o.role = 'owner')",
      group_id, user_id);
}

bool set_role(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id, const std::string& role) {
  return !w.exec_params("UPDATE memberships SET role = $3 WHERE group_id = $1 AND user_id = $2 RETURNING 1", group_id,
                        user_id, role)
              .empty();
}

void remove_from_subtree(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id) {
  w.exec_params("SELECT 1 FROM memberships WHERE group_id = $1 AND user_id = $2 FOR UPDATE", group_id, user_id);
  w.exec_params(
      "WITH RECURSIVE tree AS (SELECT id FROM groups WHERE id = $1 UNION ALL "
      "SELECT g.id FROM groups g JOIN tree t ON g.parent_id = t.id) "
      "DELETE FROM memberships WHERE user_id = $2 AND group_id IN (SELECT id FROM tree)",
      group_id, user_id);
}

std::vector<member_row> list_members(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t after, int limit,
                                     bool professional) {
  std::vector<member_row> out;
  for (auto r :
       w.exec_params("SELECT u.id, u.handle, m.role, (extract(epoch FROM m.joined_at) * 1000)::bigint, "
                     "(extract(epoch FROM m.muted_until) * 1000)::bigint, p.profession, p.organisation, p.department "
                     "FROM memberships m JOIN users u ON u.id = m.user_id "
                     "LEFT JOIN professional_profiles p ON $4 AND p.user_id = u.id "
                     "WHERE m.group_id = $1 AND u.id > $2 ORDER BY u.id LIMIT $3",
                     group_id, after, limit, professional))
    out.push_back({r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::int64_t>(),
                   pg::opt<std::int64_t>(r[4]), pg::opt<std::string>(r[5]), pg::opt<std::string>(r[6]),
                   pg::opt<std::string>(r[7])});
  return out;
}

std::optional<join_request_row> insert_join_request(pqxx::dbtransaction& w, std::int64_t group_id, std::int64_t user_id,
                                                    const std::string& motivation) {
  try {
    pqxx::subtransaction s(w, "join_request");
    auto r = s.exec_params1(
        "INSERT INTO join_requests (group_id, user_id, motivation) VALUES ($1, $2, $3) "
        "RETURNING id, (extract(epoch FROM created_at) * 1000)::bigint",
        group_id, user_id, motivation);
    s.commit();
    join_request_row out;
    out.id = r[0].as<std::int64_t>();
    out.user_id = user_id;
    out.motivation = motivation;
    out.state = "pending";
    out.created_ms = r[1].as<std::int64_t>();
    return out;
  } catch (const pqxx::unique_violation&) {
    return std::nullopt;
  }
}

std::vector<join_request_row> list_join_requests(pqxx::transaction_base& w, std::int64_t group_id,
                                                 const std::string& state, int limit) {
  std::vector<join_request_row> out;
  for (auto r : w.exec_params(
           "SELECT r.id, r.user_id, u.handle, r.motivation, r.state, coalesce(r.reason, ''), "
           "(extract(epoch FROM r.created_at) * 1000)::bigint FROM join_requests r JOIN users u ON u.id = r.user_id "
           "WHERE r.group_id = $1 AND r.state = $2 ORDER BY r.id LIMIT $3",
           group_id, state, limit))
    out.push_back({r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), r[2].as<std::string>(), r[3].as<std::string>(),
                   r[4].as<std::string>(), r[5].as<std::string>(), r[6].as<std::int64_t>()});
  return out;
}

std::optional<std::int64_t> decide_join_request(pqxx::transaction_base& w, std::int64_t request_id,
                                                std::int64_t group_id, bool approve,
                                                const std::optional<std::string>& reason, std::int64_t moderator_id) {
  auto r = w.exec_params(
      "UPDATE join_requests SET state = $3, reason = $4, decided_by = $5, decided_at = now() "
      "WHERE id = $1 AND group_id = $2 AND state = 'pending' RETURNING user_id",
      request_id, group_id, approve ? "approved" : "rejected", reason, moderator_id);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::int64_t>();
}

std::int64_t insert_invitation(pqxx::transaction_base& w, std::int64_t group_id, const std::string& code_hash,
                               const std::optional<std::string>& email, std::int64_t created_by,
                               std::chrono::hours ttl) {
  return w
      .exec_params1(
          "INSERT INTO invitations (group_id, code_hash, email, created_by, expires_at) "
          "VALUES ($1, $2, $3, $4, now() + make_interval(hours => $5)) "
          "RETURNING (extract(epoch FROM expires_at) * 1000)::bigint",
          group_id, code_hash, email, created_by, static_cast<int>(ttl.count()))[0]
      .as<std::int64_t>();
}

std::optional<invitation_ref> find_invitation(pqxx::transaction_base& w, std::int64_t user_id,
                                              const std::string& code_hash) {
  auto r = w.exec_params(
      "SELECT i.id, i.email IS NOT NULL FROM invitations i WHERE i.code_hash = $1 AND i.used_at IS NULL "
      "AND i.expires_at > now() AND (i.email IS NULL OR lower(i.email) = "
      "(SELECT lower(email) FROM users WHERE id = $2)) FOR UPDATE",
      code_hash, user_id);
  if (r.empty()) return std::nullopt;
  return invitation_ref{r[0][0].as<std::int64_t>(), r[0][1].as<bool>()};
}

std::optional<std::int64_t> lock_invitation(pqxx::transaction_base& w, std::int64_t invitation_id) {
  auto r = w.exec_params(
      "SELECT group_id FROM invitations WHERE id = $1 AND used_at IS NULL AND expires_at > now() FOR UPDATE",
      invitation_id);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::int64_t>();
}

void mark_invitation_used(pqxx::transaction_base& w, std::int64_t invitation_id, std::int64_t user_id) {
  w.exec_params("UPDATE invitations SET used_by = $2, used_at = now() WHERE id = $1", invitation_id, user_id);
}

void set_on_call(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id, bool on) {
  w.exec_params("UPDATE memberships SET on_call = $3 WHERE group_id = $1 AND user_id = $2", group_id, user_id, on);
}

}  // namespace colibri::groups::repo
