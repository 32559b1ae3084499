#include "colibri/json/writer.hpp"

#include <gtest/gtest.h>

#include "colibri/json/value.hpp"

using colibri::json::writer;

TEST(Writer, NestsAndSeparates) {
  writer w;
  w.begin_object().field("a", 1).key("b").begin_array().value("x").value(true).null().end_array();
  w.key("c").begin_object().end_object().end_object();
  EXPECT_EQ(w.str(), R"({"a":1,"b":["x",true,null],"c":{}})");
}

TEST(Writer, EscapesEverythingJsonAndJavascriptNeed) {
  writer w;
  w.value(std::string_view("q\"b\\n\n\x01\x7f\u2028é", 13));
  EXPECT_EQ(w.str(), "\"q\\\"b\\\\n\\n\\u0001\\u007f\\u2028é\"");
}

TEST(Writer, RoundTripsThroughTheParser) {
  writer w;
  w.begin_object().field("t", "ligne\n\"citée\" 🚭").field("n", std::int64_t{9007199254740991}).end_object();
  auto v = colibri::json::parse(w.str());
  ASSERT_TRUE(v);
  EXPECT_EQ(*v->find("t")->as_string(), "ligne\n\"citée\" 🚭");
  EXPECT_EQ(*v->find("n")->as_int(), 9007199254740991);
}
