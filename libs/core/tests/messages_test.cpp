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

TEST(Messages, TheDefaultErrorsComeFromTheCatalogue) {
  EXPECT_EQ(default_error(errc::not_found).message.fr, message(msg::not_found).fr);
  EXPECT_EQ(default_error(errc::rate_limited).message.en, message(msg::rate_limited).en);
  EXPECT_EQ(message(msg::members_only).in(lang::en), "This content is for the group's members only.");
  EXPECT_EQ(message(msg::members_only).in(lang::fr), "Ce contenu est réservé aux membres du groupe.");
}

}  // namespace
}  // namespace colibri::core
