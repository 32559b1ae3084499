#include "colibri/notify/notifications.hpp"

#include <gtest/gtest.h>

#include "colibri/json/value.hpp"

using namespace colibri;

TEST(Notifications, FrameCarriesTheObjectAndItsId) {
  notify::notification n;
  n.id = 42;
  n.user_id = 7;
  n.kind = "welcome";
  n.title = "Bienvenue « chez nous »";
  n.body = "Les règles\n1. Bienveillance";
  n.data_json = R"({"group_id":3})";
  n.at_ms = 1700000000123;
  auto frame = notify::notification_frame(n);
  auto doc = json::parse(frame);
  ASSERT_TRUE(doc) << frame;
  EXPECT_EQ(*doc->find("type")->as_string(), "notification");
  auto obj = doc->find("notification");
  ASSERT_TRUE(obj);
  EXPECT_EQ(*obj->find("id")->as_int(), 42);
  EXPECT_EQ(*obj->find("title")->as_string(), n.title);
  EXPECT_EQ(*obj->find("body")->as_string(), n.body);
  EXPECT_EQ(*obj->find("data")->find("group_id")->as_int(), 3);
  EXPECT_EQ(*obj->find("at")->as_string(), "2023-11-14T22:13:20.123Z");
  EXPECT_FALSE(*obj->find("read")->as_bool());
  EXPECT_FALSE(obj->find("user_id"));  // the recipient is implied
  EXPECT_EQ(notify::frame_notification_id(frame), 42);
}

TEST(Notifications, OtherFramesHaveNoNotificationId) {
  EXPECT_FALSE(notify::frame_notification_id(R"({"type":"unread","room":"group:1","unread":2})"));
  EXPECT_FALSE(notify::frame_notification_id("not json"));
  EXPECT_FALSE(notify::frame_notification_id(R"({"type":"notification"})"));
}

TEST(Notifications, KindsAreThoseOfTheProtocol) {
  for (auto k : {"welcome", "newcomer", "badge", "daily_congrats", "join_request", "join_approved", "mention", "reply",
                 "event_reminder", "moderation", "report"})
    EXPECT_TRUE(notify::known_kind(k)) << k;
  EXPECT_FALSE(notify::known_kind("spam"));
  EXPECT_FALSE(notify::known_kind(""));
}
