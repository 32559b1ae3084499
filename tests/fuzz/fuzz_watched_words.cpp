// Watched-word matching (libs/moderation): folding any UTF-8 or not, and
// matching a folded pattern. Input: "<pattern>\n<text>".
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "colibri/core/utf8.hpp"
#include "colibri/moderation/watched_words.hpp"

using namespace colibri;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  auto pattern = std::string(in.substr(0, nl));
  auto text = nl == std::string_view::npos ? std::string() : std::string(in.substr(nl + 1));
  auto folded = moderation::fold_case(text);
  // Folding valid UTF-8 gives valid UTF-8, and folding twice changes nothing.
  if (core::valid_utf8(text) && !core::valid_utf8(folded)) std::abort();
  if (core::valid_utf8(text) && moderation::fold_case(folded) != folded) std::abort();
  std::vector<moderation::watched_hit> rules{{pattern, "flag"}, {"tabac", "block"}};
  auto hit = moderation::match_watched(rules, text);
  // A text holding the pattern itself, once folded, is caught.
  if (!pattern.empty() && core::valid_utf8(pattern) && !moderation::fold_case(pattern).empty() &&
      core::valid_utf8(text) && text.find(pattern) != std::string::npos && !hit)
    std::abort();
  return 0;
}
