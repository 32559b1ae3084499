#pragma once
// The groups' audit log: who moderated what, and why.
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

namespace colibri::groups::repo {

void audit(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t actor_id, std::string_view action,
           std::optional<std::int64_t> target_user_id, std::optional<std::string> room, std::optional<std::int64_t> seq,
           std::string_view reason);

struct audit_row {
  std::int64_t id = 0;
  std::optional<std::int64_t> actor_id;
  std::string actor_handle, action;
  std::optional<std::int64_t> target_id;
  std::string target_handle;
  std::optional<std::string> room;
  std::optional<std::int64_t> seq;
  std::string reason;
  std::int64_t at_ms = 0;
};
// Newest first, ids below `before` when given, at most `limit`.
std::vector<audit_row> list_audit(pqxx::transaction_base& w, std::int64_t group_id, std::optional<std::int64_t> before,
                                  int limit);

}  // namespace colibri::groups::repo
