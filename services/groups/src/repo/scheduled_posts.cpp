#include "repo/scheduled_posts.hpp"

#include "colibri/pg/field.hpp"

namespace colibri::groups::repo {

namespace {

constexpr const char* k_post_select =
    "SELECT s.id, s.group_id, s.author_id, coalesce(u.handle, ''), s.body, s.repeat, "
    "  (extract(epoch FROM s.once_at) * 1000)::bigint, to_char(s.local_time, 'HH24:MI'), "
    "  array_to_string(s.weekdays, ','), s.timezone, "
    "  EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = s.group_id AND m.user_id = s.author_id "
    "    AND m.role IN ('moderator', 'owner')) AS active, "
    "  (extract(epoch FROM CASE WHEN s.repeat = 'once' THEN "
    "    CASE WHEN EXISTS (SELECT 1 FROM scheduled_post_runs r WHERE r.post_id = s.id) THEN NULL ELSE s.once_at END "
    "  ELSE (SELECT min(x.o) FROM (SELECT d, (d + s.local_time) AT TIME ZONE s.timezone AS o "
    "      FROM generate_series(0, 7) k, LATERAL (SELECT (now() AT TIME ZONE s.timezone)::date + k AS d) dd) x "
    "    WHERE x.o >= s.active_from AND (x.o > now() OR x.d = (now() AT TIME ZONE s.timezone)::date) "
    "      AND (s.repeat = 'daily' OR extract(isodow FROM x.d)::smallint = ANY (s.weekdays)) "
    "      AND NOT EXISTS (SELECT 1 FROM scheduled_post_runs r WHERE r.post_id = s.id AND r.local_date = x.d)) "
    "  END) * 1000)::bigint, "
    "  (SELECT (extract(epoch FROM max(r.published_at)) * 1000)::bigint FROM scheduled_post_runs r WHERE r.post_id = "
    "s.id), "
    "  (extract(epoch FROM s.created_at) * 1000)::bigint, (extract(epoch FROM s.updated_at) * 1000)::bigint "
    "FROM scheduled_posts s LEFT JOIN users u ON u.id = s.author_id ";

std::optional<std::vector<std::int64_t>> weekdays_of(const pqxx::field& f) {
  auto s = pg::opt<std::string>(f);
  if (!s) return std::nullopt;
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < s->size(); i += 2) out.push_back((*s)[i] - '0');
  return out;
}

std::optional<std::string> weekdays_sql(const std::optional<std::vector<std::int64_t>>& days) {
  if (!days) return std::nullopt;
  std::string s = "{";
  for (auto d : *days) s += (s.size() > 1 ? "," : "") + std::to_string(d);
  return s + "}";
}

scheduled_post_row read_post(const pqxx::row& r) {
  scheduled_post_row p;
  p.id = r[0].as<std::int64_t>();
  p.group_id = r[1].as<std::int64_t>();
  p.author_id = r[2].as<std::int64_t>();
  p.author_handle = r[3].as<std::string>();
  p.plan.body = r[4].as<std::string>();
  p.plan.repeat = r[5].as<std::string>();
  p.at_ms = pg::opt<std::int64_t>(r[6]);
  p.plan.time = pg::opt<std::string>(r[7]);
  p.plan.weekdays = weekdays_of(r[8]);
  p.plan.timezone = r[9].as<std::string>();
  p.active = r[10].as<bool>();
  p.next_ms = pg::opt<std::int64_t>(r[11]);
  p.last_published_ms = pg::opt<std::int64_t>(r[12]);
  p.created_ms = r[13].as<std::int64_t>();
  p.updated_ms = r[14].as<std::int64_t>();
  return p;
}

}  // namespace

std::vector<scheduled_post_row> scheduled_posts_of(pqxx::transaction_base& w, std::int64_t group_id) {
  std::vector<scheduled_post_row> out;
  for (auto r : w.exec_params(std::string(k_post_select) + "WHERE s.group_id = $1 ORDER BY s.id", group_id))
    out.push_back(read_post(r));
  return out;
}

scheduled_post_row scheduled_post(pqxx::transaction_base& w, std::int64_t post_id) {
  return read_post(w.exec_params(std::string(k_post_select) + "WHERE s.id = $1", post_id).at(0));
}

std::optional<std::int64_t> lock_scheduled_post(pqxx::transaction_base& w, std::int64_t post_id) {
  auto r = w.exec_params("SELECT group_id FROM scheduled_posts WHERE id = $1 FOR UPDATE", post_id);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::int64_t>();
}

std::pair<post_plan, bool> plan_of(pqxx::transaction_base& w, std::int64_t post_id) {
  auto r = w.exec_params1(
      "SELECT body, repeat, timezone, once_at::text, to_char(local_time, 'HH24:MI'), "
      "array_to_string(weekdays, ','), EXISTS (SELECT 1 FROM scheduled_post_runs r WHERE r.post_id = s.id) "
      "FROM scheduled_posts s WHERE id = $1",
      post_id);
  return {post_plan{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), pg::opt<std::string>(r[3]),
                    pg::opt<std::string>(r[4]), weekdays_of(r[5])},
          r[6].as<bool>()};
}

std::int64_t insert_scheduled_post(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t author_id,
                                   const post_plan& p) {
  return w
      .exec_params1(
          "INSERT INTO scheduled_posts (group_id, author_id, body, repeat, once_at, local_time, weekdays, "
          "timezone) VALUES ($1, $2, $3, $4, $5::timestamptz, $6::time, $7::smallint[], $8) RETURNING id",
          group_id, author_id, p.body, p.repeat, p.at, p.time, weekdays_sql(p.weekdays), p.timezone)[0]
      .as<std::int64_t>();
}

void update_scheduled_post(pqxx::transaction_base& w, std::int64_t post_id, std::int64_t editor_id,
                           const post_plan& p) {
  w.exec_params(
      "UPDATE scheduled_posts SET body = $2, repeat = $3, once_at = $4::timestamptz, local_time = $5::time, "
      "weekdays = $6::smallint[], timezone = $7, active_from = now(), updated_at = now(), author_id = $8 "
      "WHERE id = $1",
      post_id, p.body, p.repeat, p.at, p.time, weekdays_sql(p.weekdays), p.timezone, editor_id);
}

void delete_scheduled_post(pqxx::transaction_base& w, std::int64_t post_id) {
  w.exec_params("DELETE FROM scheduled_posts WHERE id = $1", post_id);
}

std::string timezone_of(pqxx::transaction_base& w, std::int64_t user_id) {
  return w.exec_params1("SELECT timezone FROM users WHERE id = $1", user_id)[0].as<std::string>();
}

}  // namespace colibri::groups::repo
