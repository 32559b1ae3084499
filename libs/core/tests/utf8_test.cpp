#include "colibri/core/utf8.hpp"

#include <gtest/gtest.h>

using colibri::core::code_points;

TEST(Utf8, CountsCodePointsNotBytes) {
  EXPECT_EQ(code_points("abc"), 3u);
  EXPECT_EQ(code_points("Élodie"), 6u);
  EXPECT_EQ(code_points("🚭 ok"), 4u);
  EXPECT_EQ(code_points(""), 0u);
}

TEST(Utf8, RejectsMalformedSequences) {
  EXPECT_FALSE(code_points("\xC3"));              // truncated
  EXPECT_FALSE(code_points("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(code_points("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(code_points("\xF4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(code_points("\xFF"));
  EXPECT_FALSE(code_points("a\x80z"));
}

TEST(Utf8, DecodesCodePoints) {
  std::string_view s = "é🚭";
  std::size_t i = 0;
  EXPECT_EQ(colibri::core::next_code_point(s, i), U'é');
  EXPECT_EQ(colibri::core::next_code_point(s, i), U'🚭');
  EXPECT_EQ(i, s.size());
}
