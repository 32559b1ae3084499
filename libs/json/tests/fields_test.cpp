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

namespace {
std::string object_of_keys(std::size_t n, bool repeat_first_at_end) {
  std::string s = "{";
  for (std::size_t i = 0; i < n; ++i) s += "\"k" + std::to_string(i) + "\":0,";
  if (repeat_first_at_end) s += "\"k0\":1,";
  s.back() = '}';
  return s;
}
}  // namespace

TEST(Parse, AManyKeyObjectIsRefusedBeforeItsKeysAreCompared) {
  // F3: thousands of short keys in a 64 KiB body cost ~130 ms in the pairwise scan.
  auto big = object_of_keys(6500, false);
  ASSERT_LT(big.size(), 65536u);
  auto r = json::parse(big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().code, errc::invalid_json);
  EXPECT_NE(r.err().message.fr.find("256"), std::string::npos);
  EXPECT_TRUE(json::parse(object_of_keys(256, false)));
  EXPECT_FALSE(json::parse(object_of_keys(257, false)));
  // Many objects of many keys are fine: the cap is per object.
  std::string arr = "[";
  for (int i = 0; i < 30; ++i) arr += object_of_keys(200, false) + ",";
  arr.back() = ']';
  EXPECT_TRUE(json::parse(arr));
}

TEST(Parse, DuplicateKeysAreFoundInLargeObjectsToo) {
  // Past the small-object scan, the keys are sorted: a duplicate far apart is still found.
  auto r = json::parse(object_of_keys(255, true));
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.en.find("duplicate key: k0"), std::string::npos);
  EXPECT_FALSE(json::parse(object_of_keys(10, true)));
  auto ok = json::parse(object_of_keys(100, false));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->as_object()->size(), 100u);
  EXPECT_EQ(ok->as_object()->at(99).first, "k99");  // order kept
}
