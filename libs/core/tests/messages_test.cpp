#include "colibri/core/messages.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "colibri/core/result.hpp"

namespace colibri::core {
namespace {

TEST(Messages, EveryMessageHasBothLanguagesAndNoTwoMessagesReadAlike) {
  std::set<std::string> fr, en;
  for (int i = 0; i < static_cast<int>(msg::count_); ++i) {
    const auto& t = message(static_cast<msg>(i));
    EXPECT_FALSE(t.fr.empty()) << i;
    EXPECT_FALSE(t.en.empty()) << i;
    EXPECT_NE(t.fr, t.en) << "untranslated: " << t.en;
    EXPECT_TRUE(fr.insert(t.fr).second) << "twice in French: " << t.fr;
    EXPECT_TRUE(en.insert(t.en).second) << "twice in English: " << t.en;
  }
}

// Both languages name the same values: a French sentence never loses the
// group's name the English one shows.
TEST(Messages, BothLanguagesHaveTheSamePlaceholders) {
  auto names = [](const std::string& s) {
    std::multiset<std::string> out;
    for (auto at = s.find('{'); at != std::string::npos; at = s.find('{', at + 1))
      if (auto close = s.find('}', at); close != std::string::npos) out.insert(s.substr(at, close - at + 1));
    return out;
  };
  for (int i = 0; i < static_cast<int>(msg::count_); ++i) {
    const auto& t = message(static_cast<msg>(i));
    EXPECT_EQ(names(t.fr), names(t.en)) << t.en;
  }
}

TEST(Messages, ValuesFillThePlaceholdersOnceAndAreNeverReadAsTemplates) {
  auto t = message(msg::mail_reset_body, {{"handle", "{link}"}, {"link", "https://x/#/reset?token=T"}});
  EXPECT_EQ(t.en.rfind("Hello {link},", 0), 0u) << t.en;
  EXPECT_NE(t.en.find("https://x/#/reset?token=T"), std::string::npos);
  EXPECT_EQ(t.fr.find("{handle}"), std::string::npos);
  auto g = message(msg::parent_first, {{"group", "Grossesse"}});
  EXPECT_EQ(g.fr, "Rejoignez d'abord le groupe parent « Grossesse ».");
  EXPECT_EQ(g.en, "Join the parent group \"Grossesse\" first.");
}

TEST(Messages, TheDefaultErrorsComeFromTheCatalogue) {
  EXPECT_EQ(default_error(errc::not_found).message.fr, message(msg::not_found).fr);
  EXPECT_EQ(default_error(errc::rate_limited).message.en, message(msg::rate_limited).en);
  EXPECT_EQ(message(msg::members_only).in(lang::en), "This content is for the group's members only.");
  EXPECT_EQ(message(msg::members_only).in(lang::fr), "Ce contenu est réservé aux membres du groupe.");
}

}  // namespace
}  // namespace colibri::core
