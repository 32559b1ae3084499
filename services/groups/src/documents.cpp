// A group's documents (GET|POST /groups/{id}/documents, GET|PATCH
// /documents/{did}) and their versions: uploads stream through their own
// route (PUT /documents/{did}/content), outside the JSON body limit, hashed
// with SHA-256 while they stream, checked from their content, cut into
// content-addressed chunks of 256 KiB; nothing of a refused upload stays.
// Downloads are attachments with nosniff and a sandbox policy, read chunk by
// chunk, the access checked at every request.
#include "repo/documents.hpp"

#include "api.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/log.hpp"
#include "colibri/core/utf8.hpp"
#include "colibri/files/chunker.hpp"
#include "colibri/files/sniff.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/json/writer.hpp"
#include "community_shared.hpp"

namespace colibri::groups {

using namespace detail;

namespace {

constexpr std::size_t k_chunk = 256 * 1024;

void write_version(json::writer& j, const repo::version_row& v) {
  j.begin_object().field("version", v.version).field("sha256", v.sha256_hex).field("size", v.size);
  j.field("content_type", v.content_type).field("filename", v.filename);
  j.key("uploaded_by");
  if (v.uploaded_by)
    j.begin_object().field("id", *v.uploaded_by).field("handle", v.uploader_handle).end_object();
  else
    j.null();
  j.key("restored_from");
  if (v.restored_from)
    j.value(*v.restored_from);
  else
    j.null();
  j.field("created_at", core::format_rfc3339_ms(v.created_ms)).end_object();
}

void write_document(json::writer& j, const repo::document_row& d) {
  j.begin_object().field("id", d.id).field("group_id", d.group_id).field("folder", d.folder);
  j.field("title", d.title).field("description", d.description).field("status", d.status);
  j.key("created_by");
  if (d.created_by)
    j.begin_object().field("id", *d.created_by).field("handle", d.creator_handle).end_object();
  else
    j.null();
  j.field("current_version", d.current_version);
  j.key("latest");
  if (d.latest)
    write_version(j, *d.latest);
  else
    j.null();
  j.field("created_at", core::format_rfc3339_ms(d.created_ms))
      .field("updated_at", core::format_rfc3339_ms(d.updated_ms));
  j.end_object();
}

response document_response(int status, const repo::document_row& d) {
  json::writer j;
  j.begin_object().key("document");
  write_document(j, d);
  j.end_object();
  return response::json(status, j.release());
}

response version_response(int status, const repo::version_row& v) {
  json::writer j;
  j.begin_object().key("version");
  write_version(j, v);
  j.end_object();
  return response::json(status, j.release());
}

// A document and its group as the caller stands: not_found when the
// document or its group is out of the caller's sight, forbidden for a
// listed group they are not a member of (left it, or never joined).
struct in_document {
  repo::document_row doc;
  group_view g;
};

core::result<in_document> document_for(pqxx::transaction_base& w, std::int64_t did, std::int64_t uid) {
  auto d = repo::load_document(w, did);
  if (!d) return not_found(core::msg::document_not_found);
  auto g = repo::load_group(w, d->group_id, uid);
  if (!g.visible()) return not_found(core::msg::document_not_found);
  if (!g.member()) return members_only();
  return in_document{std::move(*d), std::move(g)};
}

// A file name for Content-Disposition: 1..200 code points of UTF-8 without
// path separators, quotes or control characters.
std::optional<std::string> clean_filename(std::string_view f) {
  if (f.empty() || f.size() > 800 || !core::valid_utf8(f)) return std::nullopt;
  auto n = core::code_points(f);
  if (!n || *n > 200) return std::nullopt;
  for (unsigned char c : f)
    if (c < 0x20 || c == 0x7F || c == '/' || c == '\\' || c == '"') return std::nullopt;
  if (f == "." || f == "..") return std::nullopt;
  return std::string(f);
}

// RFC 5987 for filename*: UTF-8, percent-encoded.
std::string rfc5987(std::string_view s) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(k_hex[c >> 4]);
      out.push_back(k_hex[c & 15]);
    }
  }
  return out;
}

// The ASCII fallback of a file name (anything else as '_').
std::string ascii_name(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out.push_back(c >= 0x20 && c < 0x7F && c != '"' && c != '\\' ? static_cast<char>(c) : '_');
  return out;
}

struct download_state {
  std::vector<std::pair<std::string, std::int64_t>> chunks;
  std::size_t next = 0;
};

awaitable<std::string> next_piece(pg::pool* db, std::shared_ptr<download_state> st) {
  if (st->next >= st->chunks.size()) co_return std::string();
  auto digest = st->chunks[st->next++].first;
  auto job = [digest](pqxx::nontransaction& w) { return repo::chunk_bytes(w, digest); };
  co_return co_await db->read(std::move(job));
}

}  // namespace

void documents_api::add_routes(http::router& r) {
  using ratelimit::action;
  r.get("/api/v1/groups/{id}/documents", signed_in(db_, member(this, &documents_api::list_documents)));
  r.post("/api/v1/groups/{id}/documents",
         signed_in(db_, limits_, action::create, member(this, &documents_api::create_document)));
  r.get("/api/v1/documents/{did}", signed_in(db_, member(this, &documents_api::get_document)));
  r.patch("/api/v1/documents/{did}",
          signed_in(db_, limits_, action::edit, member(this, &documents_api::patch_document)));
  r.put_stream("/api/v1/documents/{did}/content",
               signed_in(db_, limits_, action::upload, member(this, &documents_api::upload)));
  r.get("/api/v1/documents/{did}/content",
        signed_in(db_, limits_, action::download, member(this, &documents_api::download)));
  r.get("/api/v1/documents/{did}/versions", signed_in(db_, member(this, &documents_api::list_versions)));
  r.post("/api/v1/documents/{did}/versions/{n}/restore",
         signed_in(db_, limits_, action::create, member(this, &documents_api::restore)));
}

awaitable<response> documents_api::list_documents(request& req, const caller& who) {
  auto limit = limit_param(req, s_.page_default, s_.page_max);
  if (!limit) co_return fail(limit.err(), req);
  auto before = query_id(req, "before");
  if (!before) co_return fail(before.err(), req);
  auto gid = id_param(req, "id");
  if (!gid) co_return fail(group_not_found(), req);
  auto job = [gid = *gid, uid = who.user_id, n = *limit,
              b = before->value_or(0)](pqxx::nontransaction& w) -> core::result<std::vector<repo::document_row>> {
    auto g = repo::load_group(w, gid, uid);
    if (auto e = not_member(g)) return *e;
    return repo::group_documents(w, gid, b, n + 1);
  };
  auto docs = co_await db_.read(std::move(job));
  if (!docs) co_return fail(docs.err(), req);
  bool more = static_cast<int>(docs->size()) > *limit;
  if (more) docs->pop_back();
  json::writer j;
  j.begin_object().key("documents").begin_array();
  for (const auto& d : *docs) write_document(j, d);
  j.end_array().field("has_more", more).end_object();
  co_return response::json(200, j.release());
}

awaitable<response> documents_api::create_document(request& req, const caller& who) {
  auto gid = id_param(req, "id");
  if (!gid) co_return fail(group_not_found(), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto title = f.text("title", json::required, 1, 200);
  auto description = f.text("description", json::optional, 0, 4000);
  auto folder = f.text("folder", json::optional, 0, 200);
  auto status = f.text("status", json::optional, 1, 16);
  check_choice(f, "status", status, std::set<std::string>{"working", "reference"});
  if (auto e = f.error()) co_return fail(*e, req);
  repo::new_document d{
      *gid, who.user_id, folder.value_or(""), *title, description.value_or(""), status.value_or("working")};
  auto job = [d = std::move(d)](pqxx::work& w) -> core::result<repo::document_row> {
    auto g = repo::load_group(w, d.group_id, d.created_by);
    if (auto e = not_member(g)) return *e;
    if (d.status == "reference" && !g.moderator()) return forbidden(core::msg::reference_moderators_only, "status");
    auto id = repo::insert_document(w, d);
    if (d.status == "reference")
      repo::audit(w, d.group_id, d.created_by, "document_reference", std::nullopt, std::nullopt, id, d.title);
    return *repo::load_document(w, id);
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return document_response(201, *out);
}

awaitable<response> documents_api::get_document(request& req, const caller& who) {
  auto did = id_param(req, "did");
  if (!did) co_return fail(not_found(core::msg::document_not_found), req);
  auto job = [did = *did, uid = who.user_id](pqxx::nontransaction& w) { return document_for(w, did, uid); };
  auto in = co_await db_.read(std::move(job));
  if (!in) co_return fail(in.err(), req);
  co_return document_response(200, in->doc);
}

awaitable<response> documents_api::patch_document(request& req, const caller& who) {
  auto did = id_param(req, "did");
  if (!did) co_return fail(not_found(core::msg::document_not_found), req);
  auto doc = json::body_object(req.body);
  if (!doc) co_return fail(doc.err(), req);
  json::fields f(*doc);
  auto title = f.text("title", json::optional, 1, 200);
  auto description = f.text("description", json::optional, 0, 4000);
  auto folder = f.text("folder", json::optional, 0, 200);
  auto status = f.text("status", json::optional, 1, 16);
  check_choice(f, "status", status, std::set<std::string>{"working", "reference"});
  if (auto e = f.error()) co_return fail(*e, req);
  auto job = [did = *did, uid = who.user_id, title, description, folder,
              status](pqxx::work& w) -> core::result<repo::document_row> {
    auto in = document_for(w, did, uid);
    if (!in) return in.err();
    // The status is the moderators' word (a reference document is what the
    // group stands behind), and every change of it is audited.
    bool status_change = status && *status != in->doc.status;
    if (status_change && !in->g.moderator()) return forbidden(core::msg::reference_moderators_only, "status");
    repo::update_document(w, did, title, description, folder, status);
    if (status_change)
      repo::audit(w, in->doc.group_id, uid, *status == "reference" ? "document_reference" : "document_working",
                  std::nullopt, std::nullopt, did, in->doc.title);
    return *repo::load_document(w, did);
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return document_response(200, *out);
}

awaitable<response> documents_api::upload(request& req, const caller& who) {
  auto did = id_param(req, "did");
  if (!did) co_return fail(not_found(core::msg::document_not_found), req);
  auto media = files::media_type(req.header("content-type"));
  auto filename = clean_filename(req.query_param("filename").value_or("document"));
  auto uid = who.user_id;
  auto check = [did = *did, uid](pqxx::nontransaction& w) -> core::result<bool> {
    auto in = document_for(w, did, uid);
    if (!in) return in.err();
    return true;
  };
  auto allowed = co_await db_.read(std::move(check));
  if (!allowed) co_return fail(allowed.err(), req);
  if (!filename) co_return fail(core::error::validation("filename", core::message(core::msg::bad_filename)), req);
  if (!files::accepted_type(media))
    co_return fail(core::error::validation("content", core::message(core::msg::file_type_refused)), req);
  auto declared = req.body_stream->length();
  if (declared && *declared > s_.upload_limit) co_return fail(core::default_error(core::errc::payload_too_large), req);

  // Each full chunk is stored as it comes; what this upload stored first is
  // remembered, to be removed if the upload ends refused.
  files::sniffer sniff(media);
  files::hasher whole;
  std::vector<std::string> chunks, fresh;
  std::uint64_t total = 0;
  std::string buf;
  buf.reserve(k_chunk);
  std::optional<core::error> refusal;
  bool broken = false;         // the client went away mid-body
  std::exception_ptr failure;  // PostgreSQL failed us: cleaned up, then rethrown
  try {
    for (bool more = true; more && !refusal;) {
      try {
        more = co_await req.body_stream->read(buf, k_chunk - buf.size());
      } catch (const std::runtime_error&) {
        broken = true;
        break;
      }
      if (total + buf.size() > s_.upload_limit) {
        refusal = core::default_error(core::errc::payload_too_large);
        break;
      }
      if (buf.size() < k_chunk && (more || buf.empty())) continue;
      sniff.feed(buf);
      whole.update(buf);
      if (chunks.empty() && !sniff.head_plausible()) {
        refusal = core::error::validation("content", core::message(core::msg::file_content_mismatch));
        break;
      }
      auto d = files::sha256(buf);
      std::string digest(reinterpret_cast<const char*>(d.data()), d.size());
      total += buf.size();
      auto store = [digest, bytes = std::move(buf)](pqxx::connection& c) { return repo::put_chunk(c, digest, bytes); };
      buf = std::string();
      buf.reserve(k_chunk);
      bool added = co_await db_.run(std::move(store));
      chunks.push_back(digest);
      if (added) fresh.push_back(digest);
    }
  } catch (...) {
    failure = std::current_exception();
  }
  std::string why;
  if (!refusal && !broken && !failure && !sniff.finish(&why))
    refusal = core::error::validation("content", core::message(core::msg::file_content_mismatch));
  std::optional<core::result<repo::version_row>> stored;
  if (!refusal && !broken && !failure) {
    auto d = whole.final();
    repo::new_version v{*did,
                        uid,
                        std::string(reinterpret_cast<const char*>(d.data()), d.size()),
                        static_cast<std::int64_t>(total),
                        media,
                        *filename,
                        chunks,
                        std::nullopt};
    auto commit = [v = std::move(v)](pqxx::work& w) -> core::result<repo::version_row> {
      auto in = document_for(w, v.document_id, v.uploaded_by);  // still a member at the end of the upload
      if (!in) return in.err();
      auto n = repo::append_version(w, v);
      return *repo::version_of(w, v.document_id, n);
    };
    try {
      stored = co_await db_.transact(std::move(commit));
    } catch (...) {
      failure = std::current_exception();
    }
  }
  if (!stored || !*stored) {
    auto drop = [fresh](pqxx::connection& c) { repo::drop_unreferenced_chunks(c, fresh); };
    if (!fresh.empty()) co_await db_.run(std::move(drop));
    if (failure) std::rethrow_exception(failure);
    if (broken) throw std::runtime_error("upload broken off by the client");
    if (!why.empty()) log::info("upload refused", {{"document", *did}, {"why", why}});
    co_return fail(refusal ? *refusal : stored->err(), req);
  }
  co_return version_response(201, **stored);
}

awaitable<response> documents_api::download(request& req, const caller& who) {
  auto did = id_param(req, "did");
  if (!did) co_return fail(not_found(core::msg::document_not_found), req);
  std::optional<int> version;
  if (auto v = req.query_param("version")) {
    auto n = parse_id(*v);
    if (!n || *n > 1000000) co_return fail(core::error::validation("version", core::message(core::msg::bad_id)), req);
    version = static_cast<int>(*n);
  }
  struct found {
    repo::version_row v;
    std::vector<std::pair<std::string, std::int64_t>> chunks;
  };
  auto job = [did = *did, uid = who.user_id, version](pqxx::nontransaction& w) -> core::result<found> {
    auto in = document_for(w, did, uid);
    if (!in) return in.err();
    auto n = version.value_or(in->doc.current_version);
    auto v = n > 0 ? repo::version_of(w, did, n) : std::nullopt;
    if (!v) return not_found(core::msg::version_not_found);
    return found{*v, repo::version_chunks(w, did, n)};
  };
  auto f = co_await db_.read(std::move(job));
  if (!f) co_return fail(f.err(), req);
  response res;
  res.status = 200;
  res.content_type = f->v.content_type == "text/plain" ? "text/plain; charset=utf-8" : f->v.content_type;
  res.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + ascii_name(f->v.filename) +
                                                      "\"; filename*=UTF-8''" + rfc5987(f->v.filename));
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  res.headers.emplace_back("Content-Security-Policy", "sandbox");
  res.headers.emplace_back("ETag", "\"" + f->v.sha256_hex + "\"");
  res.body_length = static_cast<std::uint64_t>(f->v.size);
  auto st = std::make_shared<download_state>();
  st->chunks = std::move(f->chunks);
  res.body_pieces = [db = &db_, st] { return next_piece(db, st); };
  co_return res;
}

awaitable<response> documents_api::list_versions(request& req, const caller& who) {
  auto did = id_param(req, "did");
  if (!did) co_return fail(not_found(core::msg::document_not_found), req);
  auto job = [did = *did, uid = who.user_id](pqxx::nontransaction& w) -> core::result<std::vector<repo::version_row>> {
    auto in = document_for(w, did, uid);
    if (!in) return in.err();
    return repo::versions(w, did);
  };
  auto vs = co_await db_.read(std::move(job));
  if (!vs) co_return fail(vs.err(), req);
  json::writer j;
  j.begin_object().key("versions").begin_array();
  for (const auto& v : *vs) write_version(j, v);
  j.end_array().field("has_more", false).end_object();
  co_return response::json(200, j.release());
}

awaitable<response> documents_api::restore(request& req, const caller& who) {
  auto did = id_param(req, "did");
  if (!did) co_return fail(not_found(core::msg::document_not_found), req);
  auto n = id_param(req, "n");
  if (!n || *n > 1000000) co_return fail(not_found(core::msg::version_not_found), req);
  auto job = [did = *did, uid = who.user_id,
              from = static_cast<int>(*n)](pqxx::work& w) -> core::result<repo::version_row> {
    auto in = document_for(w, did, uid);
    if (!in) return in.err();
    auto made = repo::restore_version(w, did, from, uid);
    if (!made) return not_found(core::msg::version_not_found);
    return *repo::version_of(w, did, *made);
  };
  auto out = co_await db_.transact(std::move(job));
  if (!out) co_return fail(out.err(), req);
  co_return version_response(201, *out);
}

}  // namespace colibri::groups
