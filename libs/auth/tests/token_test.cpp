#include "colibri/auth/token.hpp"

#include <gtest/gtest.h>

#include <set>

#include "colibri/auth/password.hpp"

using namespace colibri::auth;

TEST(Token, Has256RandomBitsInBase64url) {
  init_crypto();
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto t = new_token();
    EXPECT_TRUE(plausible_token(t)) << t;
    EXPECT_TRUE(seen.insert(t).second);
  }
}

TEST(Token, HashIsSha256Hex) {
  init_crypto();
  // SHA-256("abc")
  EXPECT_EQ(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Token, ShapeCheck) {
  EXPECT_FALSE(plausible_token(""));
  EXPECT_FALSE(plausible_token(std::string(43, '=')));
  EXPECT_FALSE(plausible_token(std::string(44, 'a')));
  EXPECT_TRUE(plausible_token(std::string(43, 'a')));
}
