#include "colibri/groups/quit_profile.hpp"

#include "colibri/core/clock.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/pg/field.hpp"

namespace colibri::groups {

std::optional<quit_input> read_quit(json::fields& f) {
  auto q = f.object("quit", json::optional);
  if (!q) return std::nullopt;
  quit_input out;
  auto date = q->text("date", json::required, 10, 10);
  out.cigarettes_per_day = q->integer("cigarettes_per_day", json::optional, 1, 200);
  out.pack_price_cents = q->integer("pack_price_cents", json::optional, 1, 100000);
  out.pack_size = q->integer("pack_size", json::optional, 1, 100);
  auto share = q->text("share", json::optional, 1, 16);
  if (share && *share != "private" && *share != "groups") q->fail("share", core::message(core::msg::bad_share));
  if (share) out.share = *share;
  if (date) {
    auto d = core::parse_date(*date);
    if (!d)
      q->fail("date", core::message(core::msg::bad_date));
    else if (*d < quit::date{std::chrono::year(1950), std::chrono::January, std::chrono::day(1)})
      q->fail("date", core::message(core::msg::date_before_1950));
    else
      out.quit_date = *d;
  }
  if (out.pack_price_cents.has_value() != out.pack_size.has_value() && f.ok())
    q->fail(out.pack_size ? "pack_price_cents" : "pack_size", core::message(core::msg::pack_price_and_size));
  if (!f.ok()) return std::nullopt;
  return out;
}

quit::date local_today(pqxx::transaction_base& w, std::int64_t user_id) {
  auto s = w.exec_params1("SELECT to_char((now() AT TIME ZONE timezone)::date, 'YYYY-MM-DD') FROM users WHERE id = $1",
                          user_id)[0]
               .as<std::string>();
  return *core::parse_date(s);
}

core::result<void> save_quit(pqxx::work& w, std::int64_t user_id, const quit_input& q) {
  auto today = local_today(w, user_id);
  auto limit = std::chrono::year_month_day(std::chrono::sys_days(today) + std::chrono::days(366));
  if (q.quit_date > limit)
    return core::error::validation("quit.date", core::message(core::msg::quit_date_within_a_year));
  auto date = core::format_date(q.quit_date);
  auto cur = w.exec_params(
      "SELECT attempt, to_char(quit_date, 'YYYY-MM-DD') FROM quit_attempts "
      "WHERE user_id = $1 AND current FOR UPDATE",
      user_id);
  if (!cur.empty() && cur[0][1].as<std::string>() == date) {
    w.exec_params(
        "UPDATE quit_attempts SET cigarettes_per_day = $2, pack_price_cents = $3, pack_size = $4, share = $5, "
        "updated_at = now() WHERE user_id = $1 AND current",
        user_id, q.cigarettes_per_day, q.pack_price_cents, q.pack_size, q.share);
    return {};
  }
  int attempt = cur.empty() ? 1 : cur[0][0].as<int>() + 1;
  w.exec_params("UPDATE quit_attempts SET current = false, updated_at = now() WHERE user_id = $1 AND current", user_id);
  w.exec_params(
      "INSERT INTO quit_attempts (user_id, attempt, quit_date, cigarettes_per_day, pack_price_cents, pack_size, "
      "share) VALUES ($1, $2, $3::date, $4, $5, $6, $7)",
      user_id, attempt, date, q.cigarettes_per_day, q.pack_price_cents, q.pack_size, q.share);
  return {};
}

void write_quit(json::writer& j, pqxx::transaction_base& w, std::int64_t user_id) {
  auto r = w.exec_params(
      "SELECT to_char(quit_date, 'YYYY-MM-DD'), attempt, cigarettes_per_day, pack_price_cents, "
      "pack_size, share FROM quit_attempts WHERE user_id = $1 AND current",
      user_id);
  j.key("quit");
  if (r.empty()) {
    j.null();
    return;
  }
  j.begin_object().field("date", r[0][0].as<std::string>()).field("attempt", r[0][1].as<std::int64_t>());
  for (int c : {2, 3, 4}) {
    j.key(c == 2 ? "cigarettes_per_day" : c == 3 ? "pack_price_cents" : "pack_size");
    if (r[0][c].is_null())
      j.null();
    else
      j.value(r[0][c].as<std::int64_t>());
  }
  j.field("share", r[0][5].as<std::string>()).end_object();
}

std::string progress_json(pqxx::transaction_base& w, std::int64_t user_id, core::lang l) {
  auto r = w.exec_params(
      "SELECT to_char(quit_date, 'YYYY-MM-DD'), attempt, cigarettes_per_day, pack_price_cents, pack_size "
      "FROM quit_attempts WHERE user_id = $1 AND current",
      user_id);
  json::writer j;
  j.begin_object().key("progress");
  if (r.empty()) {
    j.null().end_object();
    return j.release();
  }
  quit::profile p{*core::parse_date(r[0][0].as<std::string>()), pg::opt<int>(r[0][2]), pg::opt<int>(r[0][3]),
                  pg::opt<int>(r[0][4])};
  auto today = local_today(w, user_id);
  auto g = quit::progress_on(p, today);
  auto opt_field = [&](const char* k, const std::optional<std::int64_t>& v) {
    j.key(k);
    if (v)
      j.value(*v);
    else
      j.null();
  };
  j.begin_object().field("quit_date", r[0][0].as<std::string>()).field("attempt", r[0][1].as<std::int64_t>());
  j.field("today", core::format_date(today)).field("days", g.days).field("days_until", g.days_until);
  opt_field("cigarettes_not_smoked", g.cigarettes_not_smoked);
  opt_field("money_saved_cents", g.money_saved_cents);
  opt_field("minutes_regained", g.minutes_regained);
  j.key("next_milestone");
  if (g.next)
    j.begin_object()
        .field("key", g.next->key)
        .field("name", g.next->name.in(l))
        .field("date", core::format_date(*g.next_on))
        .end_object();
  else
    j.null();
  const auto& fact = quit::fact_for(g.days);
  j.key("health_fact").begin_object().field("text", fact.text.in(l)).field("source", fact.source).end_object();
  j.end_object().end_object();
  return j.release();
}

}  // namespace colibri::groups
