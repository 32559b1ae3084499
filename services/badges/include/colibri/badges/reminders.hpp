#pragma once
// Meeting reminders, with the daily pass's exactly-once pattern: a run row
// per (occurrence, person, kind) inserted with ON CONFLICT DO NOTHING in the
// transaction that stores the notification and queues the mail, so that a
// restart, a takeover or several schedulers never send one twice.
//   - "24h": from 24 hours to 12 hours before the start (someone who
//     registers later gets only the next one);
//   - "1h": within the hour before the start.
// To registered people only (never the waitlisted), for occurrences and
// meetings not cancelled. In-app, and by mail to a verified address with the
// occurrence's .ics attached.
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "colibri/core/clock.hpp"
#include "colibri/notify/notifications.hpp"

namespace colibri::badges {

struct reminders_result {
  std::vector<notify::notification> notifications;
  int mailed = 0;
};

// One pass in its own transaction, at `now`; at most `batch` reminders.
reminders_result run_reminders(pqxx::connection& c, core::time_point now, const std::string& public_url,
                               int batch = 2000);

}  // namespace colibri::badges

namespace colibri::badges {

// Intervision reviews: a follow-up sheet with next_review_in_days is due that
// many days after its occurrence's start; the pass sends `case_review_due` to
// the case's participants who facilitate its pole, once (the sheet's
// review_sent_at is set in the transaction that stores the notifications; a
// new delay on the sheet arms it again). No case text in the notification.
std::vector<notify::notification> run_case_reviews(pqxx::connection& c, core::time_point now, int batch = 500);

}  // namespace colibri::badges
