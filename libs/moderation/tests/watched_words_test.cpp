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
