// iCalendar text (folding, escaping, the zone) and recurrence dates.
#include "colibri/calendar/ics.hpp"

#include <gtest/gtest.h>

#include "colibri/calendar/recurrence.hpp"
#include "colibri/core/clock.hpp"

namespace colibri::calendar {
namespace {

using namespace std::chrono;

std::vector<std::string> dates(const recurrence& r) {
  std::vector<std::string> out;
  for (auto d : expand(r)) out.push_back(core::format_date(d));
  return out;
}

TEST(Recurrence, TheSecondThursdayOfEachMonth) {
  recurrence r{"monthly", 1, parse_weekday("TH"), 2, 2026y / January / 1, 6};
  EXPECT_EQ(dates(r), (std::vector<std::string>{"2026-01-08", "2026-02-12", "2026-03-12", "2026-04-09", "2026-05-14",
                                                "2026-06-11"}));
}

TEST(Recurrence, TheLastFridayEveryTwoMonthsAndNeverBeforeTheStart) {
  recurrence r{"monthly", 2, parse_weekday("FR"), -1, 2026y / January / 31, 3};
  // January's last Friday (the 30th) is before the start: March, May, July.
  EXPECT_EQ(dates(r), (std::vector<std::string>{"2026-03-27", "2026-05-29", "2026-07-31"}));
}

TEST(Recurrence, MonthlyOnTheThirtyFirstSkipsShortMonths) {
  recurrence r{"monthly", 1, std::nullopt, std::nullopt, 2026y / January / 31, 3};
  EXPECT_EQ(dates(r), (std::vector<std::string>{"2026-01-31", "2026-03-31", "2026-05-31"}));
}

TEST(Recurrence, WeeklyFromTheFirstMatchingDay) {
  recurrence r{"weekly", 2, parse_weekday("TU"), std::nullopt, 2026y / December / 2, 3};  // a Wednesday
  EXPECT_EQ(dates(r), (std::vector<std::string>{"2026-12-08", "2026-12-22", "2027-01-05"}));
  EXPECT_FALSE(parse_weekday("XX"));
  EXPECT_TRUE(expand({"yearly", 1, std::nullopt, std::nullopt, 2026y / January / 1, 3}).empty());
}

TEST(Ics, LinesAreFoldedAt75OctetsWithoutSplittingACharacter) {
  std::string value(70, 'a');
  value += "éééééé";
  auto folded = fold("SUMMARY:" + value);
  std::size_t start = 0;
  while (start < folded.size()) {
    auto end = folded.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 75u);
    // A continuation line starts with one space and no broken sequence.
    if (start > 0) {
      EXPECT_EQ(folded[start], ' ');
      EXPECT_NE(static_cast<unsigned char>(folded[start + 1]) & 0xC0, 0x80);
    }
    start = end + 2;
  }
  std::string unfolded;
  for (std::size_t i = 0; i < folded.size(); ++i) {
    if (folded.compare(i, 3, "\r\n ") == 0) {
      i += 2;
      continue;
    }
    unfolded += folded[i];
  }
  EXPECT_EQ(unfolded, "SUMMARY:" + value + "\r\n");
}

TEST(Ics, TextIsEscapedAndNoLineCanBeInjected) {
  EXPECT_EQ(escape_text("a;b,c\\d\r\ne\nf"), "a\\;b\\,c\\\\d\\ne\\nf");
  document d;
  d.zones["Europe/Paris"] = {0, 3600, {}};
  event e;
  e.uid = "occurrence-1@colibri";
  e.tzid = "Europe/Paris";
  e.local_start = "2026-01-08T12:30";
  e.local_end = "2026-01-08T14:00:00";
  e.summary = "Webinaire\r\nATTENDEE:mailto:x@example.fr";
  d.events.push_back(e);
  auto text = render(d);
  EXPECT_EQ(text.find("\r\nATTENDEE"), std::string::npos);
  EXPECT_NE(text.find("DTSTART;TZID=Europe/Paris:20260108T123000\r\n"), std::string::npos);
  EXPECT_NE(text.find("DTEND;TZID=Europe/Paris:20260108T140000\r\n"), std::string::npos);
  // Every line ends in CRLF: no bare LF.
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      EXPECT_EQ(text[i - 1], '\r');
    }
  }
}

TEST(Ics, TheZoneHasItsBaseOffsetAndEachChange) {
  document d;
  // Paris from 2026-01-01: +01:00, then +02:00 from 29 March 01:00Z, back on 25 October 01:00Z.
  d.zones["Europe/Paris"] = {1767225600000, 3600, {{1774746000000, 3600, 7200}, {1792890000000, 7200, 3600}}};
  auto text = render(d);
  EXPECT_NE(text.find("BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace colibri::calendar
