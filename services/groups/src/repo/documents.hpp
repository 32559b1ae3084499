#pragma once
// A group's documents, their immutable versions and the content-addressed
// chunks that hold their bytes.
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace colibri::groups::repo {

struct version_row {
  int version = 0;
  std::string sha256_hex;
  std::int64_t size = 0;
  std::string content_type, filename;
  std::optional<std::int64_t> uploaded_by;
  std::string uploader_handle;
  std::optional<int> restored_from;
  std::int64_t created_ms = 0;
};

struct document_row {
  std::int64_t id = 0, group_id = 0;
  std::string folder, title, description, status;
  std::optional<std::int64_t> created_by;
  std::string creator_handle;
  int current_version = 0;
  std::int64_t created_ms = 0, updated_ms = 0;
  std::optional<version_row> latest;
};

struct new_document {
  std::int64_t group_id = 0, created_by = 0;
  std::string folder, title, description, status;
};

// nullopt when absent.
std::optional<document_row> load_document(pqxx::transaction_base& w, std::int64_t id);
// The group's documents, newest first, below `before` (0: from the newest).
std::vector<document_row> group_documents(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t before,
                                          int limit);
std::int64_t insert_document(pqxx::transaction_base& w, const new_document& d);
void update_document(pqxx::transaction_base& w, std::int64_t id, const std::optional<std::string>& title,
                     const std::optional<std::string>& description, const std::optional<std::string>& folder,
                     const std::optional<std::string>& status);

std::vector<version_row> versions(pqxx::transaction_base& w, std::int64_t document_id);
std::optional<version_row> version_of(pqxx::transaction_base& w, std::int64_t document_id, int version);

// Stores a chunk under its digest; true when it was not stored yet.
bool put_chunk(pqxx::connection& c, const std::string& digest, const std::string& bytes);
// Removes chunks of `digests` that no version holds (an upload refused
// half-way leaves nothing behind).
void drop_unreferenced_chunks(pqxx::connection& c, const std::vector<std::string>& digests);

struct new_version {
  std::int64_t document_id = 0, uploaded_by = 0;
  std::string sha256;  // raw 32 bytes
  std::int64_t size = 0;
  std::string content_type, filename;
  std::vector<std::string> chunks;  // raw digests, in order
  std::optional<int> restored_from;
};
// Appends the next version (the document's row locked); returns its number.
int append_version(pqxx::transaction_base& w, const new_version& v);
// A restore: the next version holds the same chunks as `from`. nullopt when
// `from` does not exist.
std::optional<int> restore_version(pqxx::transaction_base& w, std::int64_t document_id, int from, std::int64_t user_id);

// The digests of a version's chunks, in order, with their sizes.
std::vector<std::pair<std::string, std::int64_t>> version_chunks(pqxx::transaction_base& w, std::int64_t document_id,
                                                                 int version);
// One chunk's bytes.
std::string chunk_bytes(pqxx::transaction_base& w, const std::string& digest);

}  // namespace colibri::groups::repo
