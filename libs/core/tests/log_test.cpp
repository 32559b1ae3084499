#include "colibri/core/log.hpp"

#include <gtest/gtest.h>

#include "colibri/core/text.hpp"

namespace log = colibri::log;

TEST(Log, SecretFieldsAreNeverWritten) {
  std::string captured;
  log::set_sink([&](std::string_view line) { captured += line; });
  log::info("login", {{"token", "abcdef0123"},
                      {"password", "hunter2"},
                      {"Authorization", "Bearer xyz"},
                      {"user_id", 42},
                      {"note", "a \"quoted\"\nline"}});
  log::set_sink(nullptr);
  EXPECT_EQ(captured.find("abcdef0123"), std::string::npos);
  EXPECT_EQ(captured.find("hunter2"), std::string::npos);
  EXPECT_EQ(captured.find("xyz"), std::string::npos);
  EXPECT_NE(captured.find("\"user_id\":42"), std::string::npos);
  EXPECT_NE(captured.find("a \\\"quoted\\\"\\nline"), std::string::npos);
  EXPECT_EQ(captured.back(), '\n');
}

TEST(Log, AnErrorKeepsItsFirstLineNotThePostgresRowItFailedOn) {
  // Audit F22: "request failed" logged PostgreSQL's DETAIL with whole rows.
  std::string captured;
  log::set_sink([&](std::string_view line) { captured += line; });
  log::error("request failed", {{"error",
                                 "ERROR:  new row for relation \"notifications\" violates check constraint "
                                 "\"notifications_body_check\"\nDETAIL:  Failing row contains (7, 42, welcome, "
                                 "Bienvenue, Je suis Alice Martin)."}});
  log::set_sink(nullptr);
  EXPECT_NE(captured.find("violates check constraint"), std::string::npos);
  EXPECT_EQ(captured.find("Alice Martin"), std::string::npos) << captured;
  EXPECT_EQ(captured.find("DETAIL"), std::string::npos);
}

TEST(Log, LevelsFilter) {
  std::string captured;
  log::set_sink([&](std::string_view line) { captured += line; });
  log::set_level(log::level::warn);
  log::info("hidden");
  log::warn("shown");
  log::set_level(log::level::info);
  log::set_sink(nullptr);
  EXPECT_EQ(captured.find("hidden"), std::string::npos);
  EXPECT_NE(captured.find("shown"), std::string::npos);
}

TEST(Text, AcceptLanguagePicksEnglishOnlyWhenPreferred) {
  using colibri::core::lang;
  using colibri::core::lang_from_accept_language;
  EXPECT_EQ(lang_from_accept_language(""), lang::fr);
  EXPECT_EQ(lang_from_accept_language("en-US,en;q=0.9"), lang::en);
  EXPECT_EQ(lang_from_accept_language("fr-FR,fr;q=0.9,en;q=0.8"), lang::fr);
  EXPECT_EQ(lang_from_accept_language("de,en;q=0.5"), lang::en);
  EXPECT_EQ(lang_from_accept_language("en;q=0.3,fr;q=0.7"), lang::fr);
}
