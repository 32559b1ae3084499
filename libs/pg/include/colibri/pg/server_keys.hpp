#pragma once
// Secrets made once for the whole deployment and kept in `server_keys`
// (migration 0023): the intervision codes' HMAC key, the VAPID key of Web
// Push, the key of mail unsubscribe links.
#include <functional>
#include <pqxx/pqxx>
#include <string>

namespace colibri::pg {

// The stored key named `name` (raw bytes); when there is none yet, fresh()
// is stored and returned (of two processes racing, the first one's stays).
std::string server_key(pqxx::transaction_base& w, const std::string& name, const std::function<std::string()>& fresh);

}  // namespace colibri::pg
