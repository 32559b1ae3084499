#pragma once
// The weekly watch digest: on Monday from 09:00 in the person's time zone,
// the watch items added in their groups over the week before, for those who
// asked for it (preferences.watch_digest). Exactly once per person and week,
// with the daily pass's pattern: a run row (person, week) inserted with ON
// CONFLICT DO NOTHING in the transaction that stores the notification and
// queues the mail, so that a restart, a takeover or several schedulers never
// send one twice. A week without anything new sends nothing (the run row
// still says the week is done).
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "colibri/core/clock.hpp"
#include "colibri/notify/notifications.hpp"

namespace colibri::badges {

struct digests_result {
  std::vector<notify::notification> notifications;
  int weeks = 0;  // run rows written (people whose week is now done)
  int mailed = 0;
};

// One pass in its own transaction, at `now`; at most `batch` people.
digests_result run_watch_digests(pqxx::connection& c, core::time_point now, const std::string& public_url,
                                 int batch = 500);

// The mail digest for those away (issue 20): a person with a verified
// address and `mail_digest` on (the default), no session seen for a day (an
// open socket keeps its session seen: the gateway rechecks it every few
// seconds, which refreshes last_seen_at once a minute), and unread replies,
// mentions, direct messages or celebrations newer than the last digest gets
// one mail: counts only, each message quoted only when the person chose it
// (`mail_text`), a neutral subject, a one-click unsubscribe link that needs no
// sign-in. At most one a day: the state row is claimed (upsert guarded by
// last_sent_at) in the transaction that queues the mail.
struct mail_digests_result {
  int mailed = 0;
};
mail_digests_result run_mail_digests(pqxx::connection& c, core::time_point now, const std::string& public_url,
                                     int batch = 200);

}  // namespace colibri::badges
