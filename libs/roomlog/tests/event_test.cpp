#include "colibri/roomlog/event.hpp"

#include <gtest/gtest.h>

#include "colibri/json/value.hpp"

using namespace colibri::roomlog;

TEST(Rooms, ParseOnlyCanonicalNames) {
  auto r = parse_room("group:12");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, room_kind::group);
  EXPECT_EQ(r->id, 12);
  EXPECT_EQ(r->name(), "group:12");
  EXPECT_TRUE(parse_room("thread:1"));
  EXPECT_TRUE(parse_room("dm:9007199254740992"));
  for (auto bad : {"group:", "group:0", "group:012", "group:-1", "group:1x", "room:1", "group12", "",
                   "dm:9007199254740993", "group:99999999999999999999"})
    EXPECT_FALSE(parse_room(bad)) << bad;
}

TEST(Events, FrameIsValidJsonWithOptionalFieldsOnlyWhenSet) {
  event e;
  e.id = 5;
  e.room = "group:1";
  e.seq = 3;
  e.kind = "message";
  e.author_id = 7;
  e.author_handle = "Zoé";
  e.body = "Bonjour \"à tous\"\n";
  e.at_ms = 0;
  auto f = event_frame(e);
  auto v = colibri::json::parse(f);
  ASSERT_TRUE(v) << f;
  EXPECT_EQ(*v->find("type")->as_string(), "event");
  EXPECT_EQ(*v->find("body")->as_string(), "Bonjour \"à tous\"\n");
  EXPECT_EQ(*v->find("author")->find("handle")->as_string(), "Zoé");
  EXPECT_FALSE(v->find("emoji"));
  EXPECT_EQ(*v->find("at")->as_string(), "1970-01-01T00:00:00.000Z");
  e.author_id.reset();
  EXPECT_TRUE(colibri::json::parse(event_frame(e))->find("author")->is_null());
}
