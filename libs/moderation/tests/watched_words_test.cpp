#include "colibri/moderation/watched_words.hpp"

#include <gtest/gtest.h>

using namespace colibri::moderation;

TEST(WatchedWords, FoldCaseLowersAsciiAndFrenchCapitals) {
  EXPECT_EQ(fold_case("ÉCOLE Œuvre À ÇA × Ü"), "école œuvre à ça × ü");
  EXPECT_EQ(fold_case("déjà vu"), "déjà vu");
  EXPECT_EQ(fold_case(""), "");
}

TEST(WatchedWords, TheMostSevereRuleWinsIgnoringCase) {
  std::vector<watched_hit> rules{{"arnaque", "flag"}, {"Acheter", "hold"}, {"insulte", "block"}};
  EXPECT_FALSE(match_watched(rules, "Bonjour à tous"));
  EXPECT_EQ(match_watched(rules, "Une ARNAQUE")->action, "flag");
  EXPECT_EQ(match_watched(rules, "acheter une arnaque")->action, "hold");
  auto hit = match_watched(rules, "INSULTE, arnaque, acheter");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->action, "block");
  EXPECT_EQ(hit->pattern, "insulte");
  EXPECT_EQ(match_watched({{"éducation", "flag"}}, "ÉDUCATION")->pattern, "éducation");
  EXPECT_FALSE(match_watched({}, "anything"));
}

TEST(WatchedWords, InvisibleCharactersAndLookAlikeLettersDoNotHideAWord) {
  // F17: "ar\u200Bnaque" or a Cyrillic "а" went through every rule.
  std::vector<watched_hit> rules{{"arnaque", "block"}};
  EXPECT_TRUE(match_watched(rules, "une ar\u200Bna\u00ADque"));
  EXPECT_TRUE(match_watched(rules, "une \u0430rn\u0430que"));       // Cyrillic а
  EXPECT_TRUE(match_watched(rules, "une \uFF21\uFF32\uFF2Eaque"));  // full-width ARN
  EXPECT_TRUE(match_watched(rules, "une ARNΑQUE"));                 // Greek Alpha
  EXPECT_FALSE(match_watched(rules, "une arme"));
  EXPECT_EQ(fold_case("pr\u200Dé\uFE0Fvu"), "prévu");
}
