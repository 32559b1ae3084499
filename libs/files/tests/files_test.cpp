#include <gtest/gtest.h>

#include "colibri/core/utf8.hpp"
#include "colibri/files/chunker.hpp"
#include "colibri/files/sniff.hpp"

using namespace colibri;

namespace {

bool sniff(const std::string& declared, const std::string& bytes, std::size_t piece = 3) {
  files::sniffer s(files::media_type(declared));
  for (std::size_t i = 0; i < bytes.size(); i += piece) s.feed(std::string_view(bytes).substr(i, piece));
  return s.finish();
}

std::string le16(unsigned v) { return {static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)}; }

// A minimal ZIP: local headers then a central directory naming `names`.
std::string zip(const std::vector<std::string>& names, const std::string& first_content = "") {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += std::string("PK\x03\x04", 4) + std::string(22, '\0') + le16(names[i].size()) + le16(0) + names[i];
    if (i == 0) out += first_content;
  }
  for (const auto& n : names)
    out += std::string("PK\x01\x02", 4) + std::string(24, '\0') + le16(n.size()) + std::string(16, '\0') + n;
  out += std::string("PK\x05\x06", 4) + std::string(18, '\0');
  return out;
}

}  // namespace

TEST(Sniff, RecognisesEachAcceptedTypeFromItsContent) {
  EXPECT_TRUE(sniff("application/pdf", "%PDF-1.7\n%...\n"));
  EXPECT_TRUE(sniff("image/png", std::string("\x89PNG\r\n\x1a\n", 8) + "IHDR"));
  EXPECT_TRUE(sniff("image/jpeg", "\xFF\xD8\xFF\xE0 JFIF"));
  EXPECT_TRUE(sniff("text/plain; charset=utf-8", "Protocole de sevrage : étape 1\nÉtape 2 — suivi\n"));
  auto odt = zip({"mimetype", "content.xml"}, "application/vnd.oasis.opendocument.text");
  EXPECT_TRUE(sniff("application/vnd.oasis.opendocument.text", odt));
  EXPECT_FALSE(sniff("application/vnd.oasis.opendocument.spreadsheet", odt));
  auto docx = zip({"[Content_Types].xml", "_rels/.rels", "word/document.xml"});
  EXPECT_TRUE(sniff("application/vnd.openxmlformats-officedocument.wordprocessingml.document", docx));
  EXPECT_FALSE(sniff("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", docx));
  EXPECT_TRUE(sniff("application/msword", std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + "rest"));
}

TEST(Sniff, RefusesMarkupArchivesAndMismatches) {
  EXPECT_FALSE(sniff("text/html", "<!doctype html><p>x"));
  EXPECT_FALSE(sniff("text/plain", "<!doctype html><script>alert(1)</script>"));
  EXPECT_FALSE(sniff("text/plain", "\xEF\xBB\xBF  \n<svg xmlns='http://www.w3.org/2000/svg'/>"));
  EXPECT_FALSE(sniff("image/svg+xml", "<svg/>"));
  EXPECT_FALSE(sniff("application/pdf", std::string("\x89PNG\r\n\x1a\n", 8)));  // a PNG declared as PDF
  EXPECT_FALSE(sniff("image/png", "%PDF-1.4"));
  EXPECT_FALSE(sniff("application/zip", zip({"a.txt"})));
  EXPECT_FALSE(sniff("application/vnd.openxmlformats-officedocument.wordprocessingml.document", zip({"a.txt"})));
  EXPECT_FALSE(sniff("text/plain", std::string("MZ\x90\0\3", 5)));  // a binary as text
  EXPECT_FALSE(sniff("text/plain", "caf\xC3"));                     // cut UTF-8 at the end
  EXPECT_FALSE(sniff("text/plain", "\xC0\xAF"));                    // overlong
  EXPECT_FALSE(sniff("application/pdf", ""));
}

TEST(Sniff, TextStraddlingPiecesIsChecked) {
  std::string t = "é€😀 fin";
  for (std::size_t piece = 1; piece <= t.size(); ++piece) EXPECT_TRUE(sniff("text/plain", t, piece)) << piece;
}

TEST(Chunker, IncrementalHashEqualsWholeHash) {
  std::string data(300000, 'x');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  files::hasher h;
  for (std::size_t i = 0; i < data.size(); i += 65536) h.update(std::string_view(data).substr(i, 65536));
  EXPECT_EQ(files::to_hex(h.final()), files::to_hex(files::sha256(data)));
  EXPECT_EQ(files::to_hex(files::sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Fold, FoldsAccentsCaseAndPunctuation) {
  EXPECT_EQ(core::fold_for_search("Hôpital Saint-Étienne"), "hopital saint etienne");
  EXPECT_EQ(core::fold_for_search("Cœur d’Œuvre ÇA"), "coeur d oeuvre ca");
}
