#include "colibri/files/sniff.hpp"

#include <algorithm>
#include <array>

namespace colibri::files {

namespace {

constexpr std::string_view k_zip = "PK\x03\x04";
constexpr std::string_view k_ole2 = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
constexpr std::string_view k_png = "\x89PNG\r\n\x1a\n";
constexpr std::string_view k_jpeg = "\xFF\xD8\xFF";
constexpr std::string_view k_pdf = "%PDF-";

constexpr std::array<std::string_view, 4> k_odf = {
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation", "application/vnd.oasis.opendocument.graphics"};

struct ooxml {
  std::string_view type, part;
};
constexpr std::array<ooxml, 3> k_ooxml = {{
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "word/document.xml"},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xl/workbook.xml"},
    {"application/vnd.openxmlformats-officedocument.presentationml.presentation", "ppt/presentation.xml"},
}};

constexpr std::array<std::string_view, 3> k_legacy_office = {"application/msword", "application/vnd.ms-excel",
                                                             "application/vnd.ms-powerpoint"};

bool starts(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

template <std::size_t N>
bool among(const std::array<std::string_view, N>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

const ooxml* ooxml_of(std::string_view media) {
  for (const auto& o : k_ooxml)
    if (o.type == media) return &o;
  return nullptr;
}

// After a UTF-8 byte order mark and white space.
std::string_view text_start(std::string_view head) {
  if (starts(head, "\xEF\xBB\xBF")) head.remove_prefix(3);
  while (!head.empty() && (head.front() == ' ' || head.front() == '\t' || head.front() == '\r' ||
                           head.front() == '\n' || head.front() == '\f'))
    head.remove_prefix(1);
  return head;
}

// A ZIP's central directory names `part` (an entry header "PK\1\2" whose
// name is at offset 46), within the tail that holds the directory.
bool zip_names(std::string_view tail, std::string_view part) {
  if (tail.find("PK\x05\x06") == std::string_view::npos) return false;  // no end of central directory
  for (auto at = tail.find("PK\x01\x02"); at != std::string_view::npos; at = tail.find("PK\x01\x02", at + 4)) {
    if (at + 46 > tail.size()) break;
    auto len = static_cast<unsigned char>(tail[at + 28]) | (static_cast<unsigned char>(tail[at + 29]) << 8);
    if (tail.substr(at + 46, len) == part) return true;
  }
  return false;
}

// Scans `s` as text; `consumed` stops before a sequence the piece cuts short.
bool utf8_text(std::string_view s, std::size_t& consumed) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7F) return false;
      ++i;
      continue;
    }
    std::size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    if (len == 0) return false;
    if (i + len > s.size()) break;  // finished by the next piece
    auto b1 = static_cast<unsigned char>(s[i + 1]);
    if ((b1 & 0xC0) != 0x80) return false;
    if ((c == 0xE0 && b1 < 0xA0) || (c == 0xF0 && b1 < 0x90)) return false;  // overlong
    if (c == 0xED && b1 > 0x9F) return false;                                // surrogates
    if (c == 0xF4 && b1 > 0x8F) return false;                                // above U+10FFFF
    for (std::size_t k = 2; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += len;
  }
  consumed = i;
  return true;
}

}  // namespace

std::string media_type(std::string_view content_type) {
  auto semi = content_type.find(';');
  auto t = content_type.substr(0, semi);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  std::string out(t);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool accepted_type(std::string_view m) {
  return m == "application/pdf" || m == "image/png" || m == "image/jpeg" || m == "text/plain" || among(k_odf, m) ||
         ooxml_of(m) != nullptr || among(k_legacy_office, m);
}

void sniffer::feed(std::string_view bytes) {
  if (head_.size() < k_head) head_.append(bytes.substr(0, k_head - head_.size()));
  if (bytes.size() >= k_tail) {
    tail_.assign(bytes.substr(bytes.size() - k_tail));
  } else {
    tail_.append(bytes);
    if (tail_.size() > k_tail) tail_.erase(0, tail_.size() - k_tail);
  }
  total_ += bytes.size();
  if (declared_ == "text/plain" && text_ok_) check_text(bytes);
}

// Valid UTF-8 (sequences may straddle two pieces), no NUL and no control
// character but tab, line feed, form feed and carriage return.
void sniffer::check_text(std::string_view bytes) {
  std::string joined;
  if (!pending_.empty()) {
    joined = pending_ + std::string(bytes);
    bytes = joined;
    pending_.clear();
  }
  std::size_t consumed = 0;
  if (!utf8_text(bytes, consumed)) {
    text_ok_ = false;
    return;
  }
  pending_.assign(bytes.substr(consumed));
}

std::string sniffer::head_kind() const {
  std::string_view h(head_);
  if (starts(h, k_pdf)) return "application/pdf";
  if (starts(h, k_png)) return "image/png";
  if (starts(h, k_jpeg)) return "image/jpeg";
  if (starts(h, k_zip)) return "zip";
  if (starts(h, k_ole2)) return "ole2";
  auto t = text_start(h);
  if (!t.empty() && t.front() == '<') return "markup";
  return h.empty() ? "" : "text";
}

bool sniffer::head_plausible() const {
  auto kind = head_kind();
  if (declared_ == "text/plain") return kind == "text";
  if (among(k_odf, declared_) || ooxml_of(declared_)) return kind == "zip";
  if (among(k_legacy_office, declared_)) return kind == "ole2";
  return kind == declared_;
}

bool sniffer::finish(std::string* why) {
  auto say = [&](const char* w) {
    if (why) *why = w;
    return false;
  };
  if (total_ == 0) return say("empty");
  if (!accepted_type(declared_)) return say("type not accepted");
  auto kind = head_kind();
  if (kind == "markup") return say("markup (HTML, SVG or XML)");
  std::string_view h(head_);
  if (declared_ == "application/pdf" || declared_ == "image/png" || declared_ == "image/jpeg")
    return kind == declared_ ? true : say("content is not the declared type");
  if (declared_ == "text/plain") {
    if (kind != "text") return say("content is not plain text");
    if (!text_ok_ || !pending_.empty()) return say("not UTF-8 text");
    return true;
  }
  if (among(k_odf, declared_)) {
    // The first entry is "mimetype", stored, holding the declared type.
    if (kind != "zip" || h.substr(30, 8) != "mimetype" || h.substr(38, declared_.size()) != declared_)
      return say("not the declared OpenDocument type");
    return true;
  }
  if (auto o = ooxml_of(declared_)) {
    if (kind != "zip" || !zip_names(tail_, "[Content_Types].xml") || !zip_names(tail_, o->part))
      return say("not the declared Office Open XML type");
    return true;
  }
  if (among(k_legacy_office, declared_)) return kind == "ole2" ? true : say("not an Office compound document");
  return say("type not accepted");
}

}  // namespace colibri::files
