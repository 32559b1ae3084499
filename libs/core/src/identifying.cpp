#include "colibri/core/identifying.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "colibri/core/utf8.hpp"

namespace colibri::core {

namespace {

// Common first names in France (folded: lower case, no accents), without
// those that are also common words capitalised at a sentence's start
// (France, Rose, Aurore, Blanche, Noël, Marine, Victoire...).
constexpr std::array k_first_names{
    "aaron",    "abdel",     "adam",       "adele",     "adrien",     "agathe",    "agnes",      "ahmed",
    "aicha",    "alain",     "alais",      "albert",    "alexandra",  "alexandre", "alexis",     "alice",
    "aline",    "amandine",  "amelie",     "amine",     "anais",      "andre",     "andrea",     "angelique",
    "anne",     "annie",     "antoine",    "arnaud",    "arthur",     "audrey",    "aurelie",    "aurelien",
    "axelle",   "baptiste",  "benjamin",   "benoit",    "bernadette", "bernard",   "bertrand",   "brigitte",
    "bruno",    "camille",   "carole",     "caroline",  "catherine",  "cedric",    "celine",     "chantal",
    "charles",  "charlotte", "chloe",      "christian", "christiane", "christine", "christophe", "claire",
    "claude",   "claudine",  "clement",    "colette",   "corinne",    "cyril",     "damien",     "daniel",
    "danielle", "david",     "delphine",   "denis",     "denise",     "didier",    "dominique",  "dylan",
    "edouard",  "elise",     "elodie",     "eloise",    "emilie",     "emma",      "emmanuel",   "enzo",
    "eric",     "estelle",   "etienne",    "fabien",    "fabrice",    "fanny",     "farid",      "fatima",
    "florence", "florian",   "francis",    "francine",  "francois",   "francoise", "franck",     "frederic",
    "gabriel",  "gael",      "gaelle",     "genevieve", "georges",    "gerard",    "gilbert",    "gilles",
    "ginette",  "guillaume", "guy",        "helene",    "henri",      "herve",     "hugo",       "hugues",
    "ines",     "isabelle",  "jacqueline", "jacques",   "jean",       "jeanne",    "jeremy",     "jerome",
    "joel",     "johanna",   "jonathan",   "jordan",    "joseph",     "josette",   "josiane",    "julie",
    "julien",   "juliette",  "justine",    "karim",     "karine",     "kenza",     "kevin",      "laetitia",
    "laura",    "laurence",  "laurent",    "lea",       "leo",        "leon",      "liliane",    "lina",
    "loic",     "louis",     "louise",     "luc",       "lucas",      "lucie",     "ludovic",    "madeleine",
    "manon",    "marc",      "marcel",     "margaux",   "marguerite", "maria",     "marie",      "marine",
    "martine",  "mathieu",   "mathilde",   "matthieu",  "maurice",    "maxime",    "melanie",    "michel",
    "michele",  "mickael",   "mohamed",    "monique",   "morgane",    "mounir",    "myriam",     "nadia",
    "nadine",   "nathalie",  "nicolas",    "nicole",    "noemie",     "odette",    "olivier",    "oceane",
    "pascal",   "pascale",   "patrice",    "patricia",  "patrick",    "paul",      "pauline",    "philippe",
    "pierre",   "quentin",   "rachel",     "rachid",    "raphael",    "raymond",   "regis",      "remi",
    "renee",    "richard",   "robert",     "roger",     "romain",     "sabrina",   "samia",      "samir",
    "samuel",   "sandrine",  "sarah",      "sebastien", "serge",      "simon",     "simone",     "sofia",
    "sophie",   "stephane",  "stephanie",  "suzanne",   "sylvain",    "sylvie",    "theo",       "thierry",
    "thomas",   "tom",       "valerie",    "vanessa",   "veronique",  "victor",    "vincent",    "virginie",
    "xavier",   "yann",      "yannick",    "yasmine",   "yves",       "yvette",    "yvonne",     "zoe"};

// Words before a capitalised name that make it a place or an institution
// ("Hôpital Jean Jaurès", "rue Victor Hugo", "Saint-Martin").
constexpr std::array k_place_words{"saint",     "sainte",  "st",      "ste",   "rue",      "avenue",    "av",
                                   "boulevard", "bd",      "place",   "allee", "quai",     "chemin",    "impasse",
                                   "square",    "cours",   "hopital", "ch",    "chu",      "chr",       "clinique",
                                   "centre",    "lycee",   "college", "ecole", "institut", "fondation", "maison",
                                   "residence", "ehpad",   "foyer",   "cmp",   "csapa",    "caarud",    "pole",
                                   "pharmacie", "cabinet", "parc",    "pont",  "espace",   "cite",      "groupe"};

// Words a lone capital letter may follow without naming anyone
// ("hépatite C.", "vitamine B.").
constexpr std::array k_letter_words{"hepatite",  "vitamine", "groupe", "type",   "annexe", "niveau",
                                    "stade",     "classe",   "phase",  "plan",   "point",  "article",
                                    "categorie", "zone",     "bloc",   "option", "etape",  "partie"};

constexpr std::array k_civilities{"m", "mr", "mme", "mlle", "monsieur", "madame", "mademoiselle"};

template <std::size_t N>
bool in(const std::array<const char*, N>& words, const std::string& w) {
  return std::any_of(words.begin(), words.end(), [&](const char* x) { return w == x; });
}

bool letter(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7);
}
bool upper(char32_t c) { return (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) || c == 0x152; }

struct word {
  std::size_t begin = 0, end = 0;  // bytes of the original text
  std::string folded;              // fold_for_search of the word
  bool capital = false;            // starts with an upper-case letter
  std::size_t letters = 0;
};

std::vector<word> words_of(std::string_view s) {
  std::vector<word> out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t at = i;
    char32_t c = next_code_point(s, i);
    if (!letter(c)) continue;
    word w;
    w.begin = at;
    w.capital = upper(c);
    w.letters = 1;
    std::size_t j = i;
    while (j < s.size()) {
      std::size_t k = j;
      if (!letter(next_code_point(s, k))) break;
      j = k;
      ++w.letters;
    }
    w.end = j;
    w.folded = fold_for_search(s.substr(w.begin, w.end - w.begin));
    i = j;
    out.push_back(std::move(w));
  }
  return out;
}

// Only blanks or a hyphen between two words (they read as one name).
bool joined(std::string_view s, const word& a, const word& b) {
  auto gap = s.substr(a.end, b.begin - a.end);
  return !gap.empty() && gap.size() <= 3 && gap.find_first_not_of(" -") == std::string_view::npos;
}

bool is_birth_word(std::string_view s, const word& w) {
  auto raw = s.substr(w.begin, w.end - w.begin);
  // "né", "née", "nés", "nées" (the accent tells them from the negation "ne").
  bool ne = (raw.rfind("n\xC3\xA9", 0) == 0 || raw.rfind("N\xC3\xA9", 0) == 0 || raw.rfind("N\xC3\x89", 0) == 0) &&
            (w.folded == "ne" || w.folded == "nee" || w.folded == "nes" || w.folded == "nees");
  return ne || w.folded == "naissance" || w.folded == "ddn";
}

std::optional<identifying_kind> names(std::string_view s) {
  auto ws = words_of(s);
  for (std::size_t i = 0; i < ws.size(); ++i) {
    const auto& w = ws[i];
    if (is_birth_word(s, w)) {
      auto after = s.substr(w.end, 40);
      if (after.find_first_of("0123456789") != std::string_view::npos) return identifying_kind::birth;
    }
    bool after_place = false;
    for (std::size_t k = i; k > 0; --k) {  // "Hôpital Jean Jaurès": walk back over the joined capitalised words
      if (!joined(s, ws[k - 1], ws[k])) break;
      if (in(k_place_words, ws[k - 1].folded)) {
        after_place = true;
        break;
      }
      if (!ws[k - 1].capital) break;
    }
    if (w.capital && !after_place && in(k_first_names, w.folded)) return identifying_kind::name;
    // "M. Dupont", "Mme D."
    if (in(k_civilities, w.folded) && w.capital && i + 1 < ws.size() && ws[i + 1].capital &&
        ws[i + 1].begin - w.end <= 3)
      return identifying_kind::name;
    // "Kenza B.": a capitalised word, then one capital letter and a full stop.
    if (w.capital && w.letters >= 2 && i + 1 < ws.size() && ws[i + 1].letters == 1 && ws[i + 1].capital &&
        joined(s, w, ws[i + 1]) && ws[i + 1].end < s.size() && s[ws[i + 1].end] == '.' &&
        !in(k_letter_words, w.folded) && !after_place)
      return identifying_kind::name;
  }
  return std::nullopt;
}

std::optional<identifying_kind> email(std::string_view s) {
  for (auto at = s.find('@'); at != std::string_view::npos; at = s.find('@', at + 1)) {
    auto local_ok = at > 0 && (std::isalnum(static_cast<unsigned char>(s[at - 1])) || s[at - 1] == '.' ||
                               s[at - 1] == '_' || s[at - 1] == '-' || s[at - 1] == '+');
    std::size_t j = at + 1;
    bool dot = false;
    std::size_t tld = 0;
    while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '-' || s[j] == '.')) {
      if (s[j] == '.') {
        dot = true;
        tld = 0;
      } else {
        ++tld;
      }
      ++j;
    }
    if (local_ok && dot && tld >= 2) return identifying_kind::email;
  }
  return std::nullopt;
}

bool digit(char c) { return c >= '0' && c <= '9'; }

// The length of a separator between two groups of a number: a space, a dot,
// a hyphen, a no-break space or a narrow one; 0 when none.
std::size_t separator(std::string_view s, std::size_t i) {
  if (i >= s.size()) return 0;
  if (s[i] == ' ' || s[i] == '.' || s[i] == '-') return 1;
  if (s.substr(i, 2) == "\xC2\xA0") return 2;
  if (s.substr(i, 3) == "\xE2\x80\xAF") return 3;
  return 0;
}

std::optional<identifying_kind> numbers(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (!digit(s[i])) {
      ++i;
      continue;
    }
    bool plus = i > 0 && s[i - 1] == '+';
    // Groups of at most 3 digits join across one separator ("06 12 34 56 78",
    // "1 85 05 78 006 084 36"); a single group may be of any length.
    std::string d;
    std::size_t j = i, groups = 0, last = 0;
    for (;;) {
      std::size_t g = j;
      while (g < s.size() && digit(s[g])) ++g;
      std::size_t len = g - j;
      if (groups > 0 && (len > 3 || (last > 3 && d != "0033"))) break;
      d.append(s.substr(j, len));
      ++groups;
      last = len;
      j = g;
      auto sep = separator(s, j);
      if (sep == 0 || j + sep >= s.size() || !digit(s[j + sep])) break;
      j += sep;
    }
    if ((plus && d.size() >= 8) || (d.size() == 10 && d[0] == '0') || (d.rfind("0033", 0) == 0 && d.size() == 13))
      return identifying_kind::phone;
    if ((d.size() == 13 || d.size() == 15) && std::string_view("123478").find(d[0]) != std::string_view::npos)
      return identifying_kind::nir;
    if (d.size() >= 9) return identifying_kind::number;
    i = std::max(j, i + 1);
    while (i < s.size() && digit(s[i])) ++i;
  }
  return std::nullopt;
}

}  // namespace

std::optional<identifying_kind> identifying(std::string_view text) {
  if (auto k = email(text)) return k;
  if (auto k = numbers(text)) return k;
  return names(text);
}

}  // namespace colibri::core
