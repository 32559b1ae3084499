#include "repo/documents.hpp"

#include "colibri/pg/field.hpp"

namespace colibri::groups::repo {

namespace {

constexpr const char* k_version_columns =
    "v.version, encode(v.sha256, 'hex'), v.size, v.content_type, v.filename, v.uploaded_by, coalesce(u.handle, ''), "
    "v.restored_from, (extract(epoch FROM v.created_at) * 1000)::bigint";

version_row read_version(const pqxx::row& r, int at) {
  version_row v;
  v.version = r[at].as<int>();
  v.sha256_hex = r[at + 1].as<std::string>();
  v.size = r[at + 2].as<std::int64_t>();
  v.content_type = r[at + 3].as<std::string>();
  v.filename = r[at + 4].as<std::string>();
  v.uploaded_by = pg::opt<std::int64_t>(r[at + 5]);
  v.uploader_handle = r[at + 6].as<std::string>();
  v.restored_from = pg::opt<int>(r[at + 7]);
  v.created_ms = r[at + 8].as<std::int64_t>();
  return v;
}

const std::string k_document_select =
    std::string(
        "SELECT d.id, d.group_id, d.folder, d.title, d.description, d.status, d.created_by, coalesce(c.handle, ''), "
        "d.current_version, (extract(epoch FROM d.created_at) * 1000)::bigint, "
        "(extract(epoch FROM d.updated_at) * 1000)::bigint, v.version IS NOT NULL, ") +
    k_version_columns +
    " FROM documents d LEFT JOIN users c ON c.id = d.created_by "
    "LEFT JOIN document_versions v ON v.document_id = d.id AND v.version = d.current_version "
    "LEFT JOIN users u ON u.id = v.uploaded_by ";

document_row read_document(const pqxx::row& r) {
  document_row d;
  d.id = r[0].as<std::int64_t>();
  d.group_id = r[1].as<std::int64_t>();
  d.folder = r[2].as<std::string>();
  d.title = r[3].as<std::string>();
  d.description = r[4].as<std::string>();
  d.status = r[5].as<std::string>();
  d.created_by = pg::opt<std::int64_t>(r[6]);
  d.creator_handle = r[7].as<std::string>();
  d.current_version = r[8].as<int>();
  d.created_ms = r[9].as<std::int64_t>();
  d.updated_ms = r[10].as<std::int64_t>();
  if (r[11].as<bool>()) d.latest = read_version(r, 12);
  return d;
}

}  // namespace

std::optional<document_row> load_document(pqxx::transaction_base& w, std::int64_t id) {
  auto r = w.exec_params(k_document_select + "WHERE d.id = $1", id);
  if (r.empty()) return std::nullopt;
  return read_document(r[0]);
}

std::vector<document_row> group_documents(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t before,
                                          int limit) {
  auto r =
      w.exec_params(k_document_select + "WHERE d.group_id = $1 AND ($2 = 0 OR d.id < $2) ORDER BY d.id DESC LIMIT $3",
                    group_id, before, limit);
  std::vector<document_row> out;
  for (const auto& row : r) out.push_back(read_document(row));
  return out;
}

std::int64_t insert_document(pqxx::transaction_base& w, const new_document& d) {
  return w
      .exec_params1(
          "INSERT INTO documents (group_id, folder, title, description, status, created_by) "
          "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
          d.group_id, d.folder, d.title, d.description, d.status, d.created_by)[0]
      .as<std::int64_t>();
}

void update_document(pqxx::transaction_base& w, std::int64_t id, const std::optional<std::string>& title,
                     const std::optional<std::string>& description, const std::optional<std::string>& folder,
                     const std::optional<std::string>& status) {
  w.exec_params(
      "UPDATE documents SET title = coalesce($2, title), description = coalesce($3, description), "
      "folder = coalesce($4, folder), status = coalesce($5, status), updated_at = now() WHERE id = $1",
      id, title, description, folder, status);
}

std::vector<version_row> versions(pqxx::transaction_base& w, std::int64_t document_id) {
  auto r = w.exec_params(std::string("SELECT ") + k_version_columns +
                             " FROM document_versions v LEFT JOIN users u ON u.id = v.uploaded_by "
                             "WHERE v.document_id = $1 ORDER BY v.version DESC",
                         document_id);
  std::vector<version_row> out;
  for (const auto& row : r) out.push_back(read_version(row, 0));
  return out;
}

std::optional<version_row> version_of(pqxx::transaction_base& w, std::int64_t document_id, int version) {
  auto r = w.exec_params(std::string("SELECT ") + k_version_columns +
                             " FROM document_versions v LEFT JOIN users u ON u.id = v.uploaded_by "
                             "WHERE v.document_id = $1 AND v.version = $2",
                         document_id, version);
  if (r.empty()) return std::nullopt;
  return read_version(r[0], 0);
}

bool put_chunk(pqxx::connection& c, const std::string& digest, const std::string& bytes) {
  pqxx::nontransaction w(c);
  auto r = w.exec_params(
      "INSERT INTO document_chunks (sha256, data, size) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING "
      "RETURNING 1",
      pqxx::binarystring(digest), pqxx::binarystring(bytes), static_cast<std::int64_t>(bytes.size()));
  return !r.empty();
}

void drop_unreferenced_chunks(pqxx::connection& c, const std::vector<std::string>& digests) {
  pqxx::nontransaction w(c);
  for (const auto& d : digests)
    w.exec_params(
        "DELETE FROM document_chunks k WHERE k.sha256 = $1 AND NOT EXISTS "
        "(SELECT 1 FROM document_version_chunks v WHERE v.chunk = k.sha256)",
        pqxx::binarystring(d));
}

int append_version(pqxx::transaction_base& w, const new_version& v) {
  auto n = w.exec_params1(
                "UPDATE documents SET current_version = current_version + 1, updated_at = now() "
                "WHERE id = $1 RETURNING current_version",
                v.document_id)[0]
               .as<int>();
  w.exec_params(
      "INSERT INTO document_versions (document_id, version, sha256, size, content_type, filename, uploaded_by, "
      "restored_from) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      v.document_id, n, pqxx::binarystring(v.sha256), v.size, v.content_type, v.filename, v.uploaded_by,
      v.restored_from);
  for (std::size_t i = 0; i < v.chunks.size(); ++i)
    w.exec_params("INSERT INTO document_version_chunks (document_id, version, n, chunk) VALUES ($1, $2, $3, $4)",
                  v.document_id, n, static_cast<int>(i), pqxx::binarystring(v.chunks[i]));
  return n;
}

std::optional<int> restore_version(pqxx::transaction_base& w, std::int64_t document_id, int from,
                                   std::int64_t user_id) {
  auto src = w.exec_params(
      "SELECT sha256, size, content_type, filename FROM document_versions WHERE document_id = $1 AND version = $2",
      document_id, from);
  if (src.empty()) return std::nullopt;
  auto n = w.exec_params1(
                "UPDATE documents SET current_version = current_version + 1, updated_at = now() "
                "WHERE id = $1 RETURNING current_version",
                document_id)[0]
               .as<int>();
  w.exec_params(
      "INSERT INTO document_versions (document_id, version, sha256, size, content_type, filename, uploaded_by, "
      "restored_from) SELECT document_id, $3, sha256, size, content_type, filename, $4, version "
      "FROM document_versions WHERE document_id = $1 AND version = $2",
      document_id, from, n, user_id);
  w.exec_params(
      "INSERT INTO document_version_chunks (document_id, version, n, chunk) "
      "SELECT document_id, $3, n, chunk FROM document_version_chunks WHERE document_id = $1 AND version = $2",
      document_id, from, n);
  return n;
}

std::vector<std::pair<std::string, std::int64_t>> version_chunks(pqxx::transaction_base& w, std::int64_t document_id,
                                                                 int version) {
  auto r = w.exec_params(
      "SELECT encode(v.chunk, 'hex'), k.size FROM document_version_chunks v JOIN document_chunks k "
      "ON k.sha256 = v.chunk WHERE v.document_id = $1 AND v.version = $2 ORDER BY v.n",
      document_id, version);
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const auto& row : r) out.emplace_back(row[0].as<std::string>(), row[1].as<std::int64_t>());
  return out;
}

std::string chunk_bytes(pqxx::transaction_base& w, const std::string& digest_hex) {
  auto r = w.exec_params("SELECT data FROM document_chunks WHERE sha256 = decode($1, 'hex')", digest_hex);
  if (r.empty()) throw std::runtime_error("document chunk missing");
  pqxx::binarystring b(r[0][0]);
  return b.str();
}

}  // namespace colibri::groups::repo
