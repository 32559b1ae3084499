#pragma once
// What a stored file really is, from its bytes: the accepted document types
// (PDF, OpenDocument and Office documents, PNG, JPEG, plain text), each
// recognised from its content, never from its name or the declared type
// alone. Everything else (HTML, SVG, scripts, archives, executables) is
// refused, and so is a file whose content is not what the client declared.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace colibri::files {

// The media type with its parameters stripped and lower-cased
// ("Text/Plain; charset=utf-8" -> "text/plain").
std::string media_type(std::string_view content_type);

// Whether a declared media type is one of the accepted ones.
bool accepted_type(std::string_view media);

// Checks a file as it streams: feed the bytes in order, then finish(). The
// head (first bytes) and the tail (last bytes, where a ZIP keeps its
// directory) are kept; plain text is checked over the whole content.
class sniffer {
 public:
  explicit sniffer(std::string declared_media) : declared_(std::move(declared_media)) {}
  void feed(std::string_view bytes);
  // True when the bytes are a file of the declared type; `why` says what it
  // looked like otherwise (for logs, never for the client).
  bool finish(std::string* why = nullptr);
  // What the content looks like, from the head alone ("application/pdf",
  // "zip", "ole2", "text", "markup", "" when nothing known). Early refusal.
  std::string head_kind() const;
  // False when the head alone shows the content is not of the declared type
  // (refused before anything is stored).
  bool head_plausible() const;
  static constexpr std::size_t k_head = 4096;
  static constexpr std::size_t k_tail = 64 * 1024;

 private:
  std::string declared_;
  std::string head_, tail_;
  std::uint64_t total_ = 0;
  bool text_ok_ = true;  // valid UTF-8 without control characters so far
  std::string pending_;  // an unfinished UTF-8 sequence at a chunk boundary
  void check_text(std::string_view bytes);
};

}  // namespace colibri::files
