#pragma once
// Screening of free text that must not identify a person (Intervision: the
// case's summary, what was found, what is proposed). Colibri keeps no name,
// initial or alias of the person followed, so a text that looks like it
// carries one is refused and the professional rewrites it. The rules live
// here only; they are tuned on French clinical prose and err on the side of
// refusing (libs/core/tests/identifying_test.cpp holds the samples).
#include <optional>
#include <string_view>

namespace colibri::core {

enum class identifying_kind {
  name,    // a first name, "M. X", "Mme Y", "Kenza B."
  birth,   // "né le 12/03/1970", "née en 1970", "date de naissance"
  phone,   // "06 12 34 56 78", "+33 6 12 34 56 78"
  nir,     // a social security number (13 or 15 digits)
  email,   // "jean.dupont@example.fr"
  number,  // any other long number (9 digits or more): a file, an RPPS
};

// What the text first seems to carry that identifies someone; nullopt when
// nothing. `text` must be valid UTF-8.
std::optional<identifying_kind> identifying(std::string_view text);

}  // namespace colibri::core
