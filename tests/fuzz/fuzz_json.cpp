// The JSON decoder (libs/json over simdjson) and the field checks every
// REST body and socket frame goes through: arbitrary text; when it is an
// object, every field check runs on every key it holds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "colibri/core/utf8.hpp"
#include "colibri/json/fields.hpp"
#include "colibri/json/value.hpp"
#include "colibri/json/writer.hpp"

using namespace colibri;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto doc = json::parse(text);
  if (!doc) {
    if (doc.err().code != core::errc::invalid_json) std::abort();
    return 0;
  }
  auto obj = json::body_object(text);
  if (!obj) return 0;
  const auto* o = obj->as_object();
  if (!o) std::abort();
  for (const auto& [key, v] : *o) {
    json::fields f(*obj);
    if (auto t = f.text(key, json::optional, 0, 100); t && !core::valid_utf8(*t)) std::abort();
    f.integer(key, json::optional, -5, 1000);
    f.boolean(key, json::optional);
    f.integers(key, json::optional, 1, 7, 7);
    if (auto nested = f.object(key, json::optional)) nested->text("x", json::required, 1, 10);
    (void)f.error();
  }
  // What was read writes back as JSON that reads again.
  json::writer w;
  w.begin_object().field("echo", std::string(text.substr(0, 0))).end_object();
  if (!json::parse(w.str())) std::abort();
  return 0;
}
