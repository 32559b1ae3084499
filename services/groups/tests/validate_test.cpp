#include "colibri/groups/validate.hpp"

#include <gtest/gtest.h>

using namespace colibri::groups;

TEST(Handle, AcceptsFrenchNamesAndTheAllowedPunctuation) {
  EXPECT_TRUE(valid_handle("Élodie"));
  EXPECT_TRUE(valid_handle("jean-françois_75"));
  EXPECT_TRUE(valid_handle("Marie Ève"));
  EXPECT_TRUE(valid_handle("Zoë.B"));
  EXPECT_TRUE(valid_handle("ab"));
  EXPECT_TRUE(valid_handle(std::string(32, 'x')));
}

TEST(Handle, RejectsLengthSymbolsAndSpacing) {
  EXPECT_FALSE(valid_handle("a"));
  EXPECT_FALSE(valid_handle(std::string(33, 'x')));
  EXPECT_FALSE(valid_handle(" lead"));
  EXPECT_FALSE(valid_handle("trail "));
  EXPECT_FALSE(valid_handle("two  spaces"));
  EXPECT_FALSE(valid_handle("emoji🚭"));
  EXPECT_FALSE(valid_handle("at@sign"));
  EXPECT_FALSE(valid_handle("tab\there"));
  EXPECT_FALSE(valid_handle("x×y"));
  EXPECT_FALSE(valid_handle("\xC3"));
}

TEST(Handle, OneAlphabetPerHandleSoNobodyLooksLikeAModerator) {
  // Audit F15: "Mоdérateur" with a Cyrillic о looks like the real one.
  EXPECT_TRUE(mixed_scripts("M\u043Ed\u00E9rateur"));
  EXPECT_TRUE(mixed_scripts("Al\u03B9ce"));  // Greek iota
  EXPECT_FALSE(mixed_scripts("Élodie 75"));
  EXPECT_FALSE(mixed_scripts("\u041D\u0430\u0442\u0430\u0448\u0430"));  // Наташа
  EXPECT_FALSE(mixed_scripts("\u3055\u304F\u3089\u685C"));              // kana and kanji together
}

TEST(Handle, NobodyAliveMayPassAsAnErasedMember) {
  EXPECT_TRUE(reserved_handle("membre supprimé"));
  EXPECT_TRUE(reserved_handle("Membre Supprime"));
  EXPECT_TRUE(reserved_handle("MEMBRE_SUPPRIMÉ"));
  EXPECT_TRUE(reserved_handle("membre-supprimè"));
  EXPECT_TRUE(reserved_handle("Deleted member"));
  EXPECT_FALSE(reserved_handle("membre actif"));
  EXPECT_FALSE(reserved_handle("Léa"));
}

TEST(Email, PlausibleAddressesOnly) {
  EXPECT_TRUE(valid_email("marie@example.fr"));
  EXPECT_TRUE(valid_email("a.b+tag@sub.example.org"));
  EXPECT_FALSE(valid_email("no-at-sign"));
  EXPECT_FALSE(valid_email("@example.fr"));
  EXPECT_FALSE(valid_email("a@b"));
  EXPECT_FALSE(valid_email("a@@b.fr"));
  EXPECT_FALSE(valid_email("a b@c.fr"));
  EXPECT_FALSE(valid_email("a@b..fr"));
  EXPECT_FALSE(valid_email("a@.b.fr"));
}

TEST(Lower, AsciiOnly) { EXPECT_EQ(ascii_lower("MaRie@EXAMPLE.fr"), "marie@example.fr"); }

TEST(LocalTime, HoursAndMinutesOnly) {
  for (const char* ok : {"00:00", "09:05", "23:59", "12:30"}) EXPECT_TRUE(valid_local_time(ok)) << ok;
  for (const char* bad : {"24:00", "9:05", "09:60", "09-05", "09:5", "", "09:05:00", "ab:cd", "-1:00"})
    EXPECT_FALSE(valid_local_time(bad)) << bad;
}
