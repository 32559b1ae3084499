#include "colibri/auth/password.hpp"

#include <gtest/gtest.h>

using namespace colibri::auth;

class Password : public ::testing::Test {
 protected:
  void SetUp() override { init_crypto(); }
};

TEST_F(Password, HashIsArgon2idWithAtLeastOwaspParameters) {
  argon2_params p;
  auto h = hash_password("correct horse battery staple", p);
  EXPECT_TRUE(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << h;
  EXPECT_TRUE(verify_password(h, "correct horse battery staple"));
  EXPECT_FALSE(verify_password(h, "correct horse battery stapl"));
  EXPECT_EQ(h.find("correct"), std::string::npos);
}

TEST_F(Password, SamePasswordHashesDifferently) {
  argon2_params p;
  EXPECT_NE(hash_password("pw-123456", p), hash_password("pw-123456", p));
}

TEST_F(Password, RaisedParametersAskForRehash) {
  argon2_params p;
  auto h = hash_password("pw-123456", p);
  EXPECT_FALSE(needs_rehash(h, p));
  argon2_params stronger{3, p.memlimit_bytes};
  EXPECT_TRUE(needs_rehash(h, stronger));
  EXPECT_TRUE(needs_rehash("not a hash", p));
}

TEST_F(Password, DummyHashRejectsEverything) {
  argon2_params p;
  EXPECT_FALSE(verify_password(dummy_hash(p), ""));
  EXPECT_FALSE(verify_password(dummy_hash(p), "password"));
}
