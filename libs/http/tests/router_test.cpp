#include "colibri/http/router.hpp"

#include <gtest/gtest.h>

using namespace colibri;
using namespace colibri::http;

namespace {
handler ok(int tag) {
  return [tag](request&) -> awaitable<response> { co_return response::json(200, std::to_string(tag)); };
}
}  // namespace

TEST(Router, MatchesParametersAndMethods) {
  router r;
  r.get("/api/v1/groups/{id}", ok(1));
  r.patch("/api/v1/groups/{id}", ok(2));
  r.del("/api/v1/groups/{id}/members/{uid}", ok(3));
  request q;
  q.verb = method::patch;
  q.path = "/api/v1/groups/42";
  auto m = r.find(q);
  ASSERT_TRUE(m.h);
  EXPECT_EQ(q.param("id"), "42");
  EXPECT_EQ(*m.pattern, "/api/v1/groups/{id}");

  q.verb = method::delete_;
  q.path = "/api/v1/groups/7/members/me";
  ASSERT_TRUE(r.find(q).h);
  EXPECT_EQ(q.param("uid"), "me");
}

TEST(Router, WrongMethodListsAllowedOnesAndUnknownPathIsAMiss) {
  router r;
  r.get("/api/v1/me", ok(1));
  r.patch("/api/v1/me", ok(2));
  request q;
  q.verb = method::post;
  q.path = "/api/v1/me";
  auto m = r.find(q);
  EXPECT_FALSE(m.h);
  EXPECT_EQ(m.allow, "GET, PATCH");
  q.path = "/api/v1/nothing";
  m = r.find(q);
  EXPECT_FALSE(m.h);
  EXPECT_TRUE(m.allow.empty());
}

TEST(Router, TrailingAndDoubleSlashesDoNotCreateNewRoutes) {
  router r;
  r.get("/api/v1/me", ok(1));
  request q;
  q.path = "/api/v1/me/";
  EXPECT_TRUE(r.find(q).h);
  q.path = "/api/v1/me/extra";
  EXPECT_FALSE(r.find(q).h);
}

TEST(Router, AParameterWithASuffixMatchesOnlyPartsEndingWithIt) {
  router r;
  r.get("/api/v1/meetings/{mid}.ics", ok(1));
  r.get("/api/v1/meetings/{mid}", ok(2));
  request q;
  q.path = "/api/v1/meetings/12.ics";
  auto m = r.find(q);
  ASSERT_TRUE(m.h);
  EXPECT_EQ(*m.pattern, "/api/v1/meetings/{mid}.ics");
  EXPECT_EQ(q.param("mid"), "12");
  q.path = "/api/v1/meetings/12";
  m = r.find(q);
  ASSERT_TRUE(m.h);
  EXPECT_EQ(*m.pattern, "/api/v1/meetings/{mid}");
  // The suffix alone is not a parameter.
  q.path = "/api/v1/meetings/.ics";
  m = r.find(q);
  ASSERT_TRUE(m.h);
  EXPECT_EQ(*m.pattern, "/api/v1/meetings/{mid}");
  EXPECT_EQ(q.param("mid"), ".ics");
}
