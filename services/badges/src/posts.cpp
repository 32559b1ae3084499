#include "colibri/badges/posts.hpp"

#include "colibri/core/log.hpp"
#include "colibri/core/utf8.hpp"
#include "colibri/quit/celebrations.hpp"
#include "colibri/quit/milestones.hpp"
#include "colibri/roomlog/room_log.hpp"

namespace colibri::badges {

namespace {

struct due_post {
  std::int64_t id, group_id, author_id;
  std::string body, local_date, occurrence, planned;  // planned: "22/11/2026 à 09:00 (Europe/Paris)"
  bool late;
};

// This instant's occurrence of every post: a one-off post's own instant; a
// recurring post's local time on the local today of its time zone. Due when
// that instant has come, it was not published on that local date yet, its
// author still moderates the group, and (recurring) it is on a chosen day
// and after the post was made or last edited.
std::vector<due_post> due_posts(pqxx::work& w, const std::string& now) {
  auto res = w.exec_params(
      "WITH p AS (SELECT s.*, CASE WHEN s.repeat = 'once' THEN (s.once_at AT TIME ZONE s.timezone)::date "
      "    ELSE ($1::timestamptz AT TIME ZONE s.timezone)::date END AS on_date FROM scheduled_posts s "
      "  WHERE EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = s.group_id AND m.user_id = s.author_id "
      "    AND m.role IN ('moderator', 'owner'))), "
      "o AS (SELECT p.*, CASE WHEN p.repeat = 'once' THEN p.once_at "
      "    ELSE (p.on_date + p.local_time) AT TIME ZONE p.timezone END AS occurrence FROM p) "
      "SELECT o.id, o.group_id, o.author_id, o.body, to_char(o.on_date, 'YYYY-MM-DD'), o.occurrence::text, "
      "  to_char(o.occurrence AT TIME ZONE o.timezone, 'DD/MM/YYYY \"à\" HH24:MI') || ' (' || o.timezone || ')', "
      "  $1::timestamptz - o.occurrence > $2::interval "
      "FROM o WHERE o.occurrence <= $1::timestamptz "
      "  AND (o.repeat = 'once' OR (o.occurrence >= o.active_from "
      "    AND (o.repeat = 'daily' OR extract(isodow FROM o.on_date)::smallint = ANY (o.weekdays)))) "
      "  AND NOT EXISTS (SELECT 1 FROM scheduled_post_runs r WHERE r.post_id = o.id AND r.local_date = o.on_date) "
      "ORDER BY o.occurrence, o.id",
      now, std::to_string(k_late_after.count()) + " minutes");
  std::vector<due_post> out;
  for (auto r : res)
    out.push_back({r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), r[2].as<std::int64_t>(), r[3].as<std::string>(),
                   r[4].as<std::string>(), r[5].as<std::string>(), r[6].as<std::string>(), r[7].as<bool>()});
  return out;
}

// Appends inside w; throws when the room log refuses (a bug: the inputs were
// validated when stored), which rolls the occurrence back.
roomlog::event append(pqxx::work& w, roomlog::append_request req) {
  auto ev = roomlog::append_in(w, req);
  if (!ev) throw std::runtime_error("scheduled post refused by the room log: " + ev.err().message.en);
  return *ev;
}

std::optional<roomlog::event> publish_post(pqxx::connection& c, const due_post& p, const std::string& now) {
  pqxx::work w(c);
  auto room = "group:" + std::to_string(p.group_id);
  // The claim: a concurrent scheduler waits here, then finds the key taken.
  auto claimed = w.exec_params(
      "INSERT INTO scheduled_post_runs (post_id, local_date, occurrence, room, seq, published_at) "
      "SELECT id, $2::date, $3::timestamptz, $4, 0, $5::timestamptz FROM scheduled_posts WHERE id = $1 "
      "ON CONFLICT DO NOTHING RETURNING 1",
      p.id, p.local_date, p.occurrence, room, now);
  if (claimed.empty()) return std::nullopt;  // published meanwhile, or deleted
  auto body = p.body;
  if (p.late) body += "\n\n(Message programmé pour le " + p.planned + ", publié en retard.)";
  roomlog::append_request req;
  req.room = room;
  req.kind = "message";
  req.author_id = p.author_id;
  req.body = std::move(body);
  auto ev = append(w, req);
  w.exec_params("UPDATE scheduled_post_runs SET seq = $3 WHERE post_id = $1 AND local_date = $2::date", p.id,
                p.local_date, ev.seq);
  w.commit();
  return ev;
}

// One post whatever the number celebrated: names while they fit in the room
// log's body limit, then "… et N autres" (a list long enough to be refused
// used to stop every later group's post, F9).
std::string celebration_text(const std::vector<quit::celebrated>& list, std::size_t max_code_points) {
  const std::string head = "Les fêtés du jour 🎉 ", tail = ". Bravo à eux, chaque jour compte !";
  auto length = [](const std::string& t) { return core::code_points(t).value_or(t.size()); };
  // Room for the longest "… et N autres" too.
  std::size_t budget =
      max_code_points - length(head) - length(tail) - length(" … et " + std::to_string(list.size()) + " autres");
  std::string names;
  std::size_t used = 0, named = 0;
  for (const auto& x : list) {
    std::string item = (named ? ", " : "") + x.handle + " (jour " + std::to_string(x.day);
    if (x.milestone)
      if (const auto* m = quit::find_milestone(*x.milestone)) item += " : " + m->name.fr;
    item += ")";
    auto n = length(item);
    if (used + n > budget) break;
    names += item;
    used += n;
    ++named;
  }
  if (named < list.size()) names += " … et " + std::to_string(list.size() - named) + " autres";
  return head + names + tail;
}

// A group's post of its local today (nothing in the room when nobody is
// celebrated; the day is marked done all the same).
std::optional<roomlog::event> celebration_post(pqxx::connection& c, std::int64_t group_id, const std::string& on_date,
                                               const std::string& now) {
  pqxx::work w(c);
  auto claimed = w.exec_params(
      "INSERT INTO celebration_posts (group_id, on_date, published_at) "
      "VALUES ($1, $2::date, $3::timestamptz) ON CONFLICT DO NOTHING RETURNING 1",
      group_id, on_date, now);
  if (claimed.empty()) return std::nullopt;
  auto list = quit::celebrations_of(w, group_id, on_date);
  std::optional<roomlog::event> ev;
  if (!list.empty()) {
    roomlog::append_request req;
    req.room = "group:" + std::to_string(group_id);
    req.kind = "system";
    req.body = celebration_text(list, roomlog::options{}.max_body_code_points);
    ev = append(w, req);
    w.exec_params("UPDATE celebration_posts SET seq = $3 WHERE group_id = $1 AND on_date = $2::date", group_id, on_date,
                  ev->seq);
  }
  w.commit();
  return ev;
}

}  // namespace

posts_result run_posts(pqxx::connection& c, core::time_point now) {
  posts_result out;
  auto at = core::format_rfc3339(now);
  std::vector<due_post> due;
  pqxx::result groups;
  {
    pqxx::work w(c);
    due = due_posts(w, at);
    groups = w.exec_params(
        "SELECT g.id, to_char(($1::timestamptz AT TIME ZONE g.timezone)::date, 'YYYY-MM-DD') FROM groups g "
        "WHERE g.celebrations_post_at IS NOT NULL "
        "  AND ($1::timestamptz AT TIME ZONE g.timezone)::time >= g.celebrations_post_at "
        "  AND NOT EXISTS (SELECT 1 FROM celebration_posts p WHERE p.group_id = g.id "
        "    AND p.on_date = ($1::timestamptz AT TIME ZONE g.timezone)::date) ORDER BY g.id",
        at);
    w.commit();
  }
  // One transaction per occurrence (few fall in one tick); after a failure
  // the next tick finds whatever was not committed still due. One that
  // fails never keeps the others from being published.
  auto each = [&](const char* what, std::int64_t id, auto publish) {
    try {
      if (auto ev = publish()) out.events.push_back(std::move(*ev));
    } catch (const pqxx::broken_connection&) {
      throw;  // PostgreSQL is away: the whole pass waits for the next tick
    } catch (const std::exception& e) {
      ++out.failed;
      log::error("scheduled publication failed; the others go on", {{"what", what}, {"id", id}, {"error", e.what()}});
    }
  };
  for (const auto& p : due) each("scheduled_post", p.id, [&] { return publish_post(c, p, at); });
  for (auto r : groups) {
    auto gid = r[0].as<std::int64_t>();
    auto day = r[1].as<std::string>();
    each("celebration_post", gid, [&] { return celebration_post(c, gid, day, at); });
  }
  return out;
}

int purge_evidence(pqxx::connection& c, core::time_point now) {
  pqxx::work w(c);
  auto r = w.exec_params(
      "UPDATE reports SET evidence = NULL WHERE evidence IS NOT NULL AND state = 'resolved' "
      "AND resolved_at < $1::timestamptz - make_interval(hours => $2)",
      core::format_rfc3339(now), static_cast<int>(k_evidence_kept.count()));
  w.commit();
  return static_cast<int>(r.affected_rows());
}

}  // namespace colibri::badges
