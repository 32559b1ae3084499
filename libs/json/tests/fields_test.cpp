#include "colibri/json/fields.hpp"

#include <gtest/gtest.h>

using namespace colibri;
using colibri::core::errc;

TEST(Parse, RejectsBrokenJsonInvalidUtf8AndDuplicates) {
  EXPECT_EQ(json::parse("{\"a\":").err().code, errc::invalid_json);
  EXPECT_EQ(json::parse("{\"a\":\"\xC3\x28\"}").err().code, errc::invalid_json);
  EXPECT_EQ(json::parse(R"({"a":1,"a":2})").err().code, errc::invalid_json);
  EXPECT_EQ(json::parse("1e999").err().code, errc::invalid_json);
  EXPECT_EQ(json::body_object("[1]").err().code, errc::invalid_json);
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_EQ(json::parse(deep).err().code, errc::invalid_json);
}

TEST(Fields, ReadsTypedFieldsWithLimits) {
  auto doc = json::body_object(R"({"email":"a@b.fr","n":5,"ok":true,"q":{"date":"2026-01-01"}})");
  ASSERT_TRUE(doc);
  json::fields f(*doc);
  EXPECT_EQ(f.text("email", json::required, 3, 254), "a@b.fr");
  EXPECT_EQ(f.integer("n", json::required, 0, 10), 5);
  EXPECT_EQ(f.boolean("ok", json::optional), true);
  auto q = f.object("q", json::optional);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->text("date", json::required, 10, 10), "2026-01-01");
  EXPECT_FALSE(f.text("absent", json::optional, 1, 5));
  EXPECT_TRUE(f.ok());
}

TEST(Fields, FirstErrorNamesTheFieldWithItsPath) {
  auto doc = json::body_object(R"({"a":12,"q":{"date":3},"n":1e300})");
  json::fields f(*doc);
  auto q = f.object("q", json::required);
  q->text("date", json::required, 1, 10);
  f.text("a", json::required, 1, 10);  // also wrong, but the first error wins
  auto e = f.error();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, errc::validation_failed);
  EXPECT_EQ(e->field, "q.date");
}

TEST(Fields, CountsCodePointsAndChecksRanges) {
  auto doc = json::body_object(R"({"h":"Élo","big":9223372036854775807,"huge":18446744073709551615})");
  json::fields f(*doc);
  EXPECT_EQ(f.text("h", json::required, 3, 3), "Élo");
  EXPECT_FALSE(f.integer("big", json::required, 0, 100));
  EXPECT_EQ(f.error()->field, "big");
  json::fields g(*doc);
  EXPECT_FALSE(g.integer("huge", json::required, 0, 100));
  EXPECT_EQ(g.error()->field, "huge");
  json::fields h(*doc);
  EXPECT_FALSE(h.text("missing", json::required, 1, 2));
  EXPECT_EQ(h.error()->field, "missing");
}

TEST(Fields, TextWithUPlus0000IsRefused) {
  auto doc = json::body_object(R"({"t":"avant\u0000après","ok":"é"})");
  ASSERT_TRUE(doc);
  json::fields f(*doc);
  EXPECT_EQ(f.text("ok", json::required, 1, 10), "é");
  EXPECT_FALSE(f.text("t", json::required, 1, 100));
  ASSERT_TRUE(f.error());
  EXPECT_EQ(f.error()->field, "t");
}

TEST(Fields, IntegerListsWithinBounds) {
  auto doc = json::body_object(R"({"d":[1,5,7],"empty":[],"big":[8],"mixed":[1,"x"],"many":[1,2,3]})");
  ASSERT_TRUE(doc);
  json::fields f(*doc);
  EXPECT_EQ(f.integers("d", json::required, 1, 7, 7), (std::vector<std::int64_t>{1, 5, 7}));
  EXPECT_TRUE(f.ok());
  for (const char* bad : {"empty", "big", "mixed", "many", "absent"}) {
    json::fields g(*doc);
    EXPECT_FALSE(g.integers(bad, json::required, 1, 7, 2)) << bad;
    ASSERT_TRUE(g.error()) << bad;
    EXPECT_EQ(g.error()->field, bad);
  }
}
