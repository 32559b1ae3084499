#include "colibri/groups/quit_profile.hpp"

#include "colibri/core/clock.hpp"
#include "colibri/core/messages.hpp"
#include "colibri/pg/field.hpp"
#include "repo/quit.hpp"

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
  return *core::parse_date(repo::local_today(w, user_id));
}

core::result<void> save_quit(pqxx::work& w, std::int64_t user_id, const quit_input& q) {
  auto today = local_today(w, user_id);
  auto limit = std::chrono::year_month_day(std::chrono::sys_days(today) + std::chrono::days(366));
  if (q.quit_date > limit)
    return core::error::validation("quit.date", core::message(core::msg::quit_date_within_a_year));
  repo::attempt_row a{
      core::format_date(q.quit_date), 1, q.cigarettes_per_day, q.pack_price_cents, q.pack_size, q.share};
  auto cur = repo::lock_current_attempt(w, user_id);
  if (cur && cur->quit_date == a.quit_date) {
    repo::update_current_attempt(w, user_id, a);
    return {};
  }
  if (cur) a.attempt = cur->attempt + 1;
  repo::start_attempt(w, user_id, a);
  return {};
}

void write_quit(json::writer& j, pqxx::transaction_base& w, std::int64_t user_id) {
  auto a = repo::current_attempt(w, user_id);
  j.key("quit");
  if (!a) {
    j.null();
    return;
  }
  j.begin_object().field("date", a->quit_date).field("attempt", a->attempt);
  j.field("cigarettes_per_day", a->cigarettes_per_day).field("pack_price_cents", a->pack_price_cents);
  j.field("pack_size", a->pack_size).field("share", a->share).end_object();
}

std::string progress_json(pqxx::transaction_base& w, std::int64_t user_id, core::lang l) {
  auto a = repo::current_attempt(w, user_id);
  json::writer j;
  j.begin_object().key("progress");
  if (!a) {
    j.null().end_object();
    return j.release();
  }
  quit::profile p{*core::parse_date(a->quit_date), a->cigarettes_per_day, a->pack_price_cents, a->pack_size};
  auto today = local_today(w, user_id);
  auto g = quit::progress_on(p, today);
  j.begin_object().field("quit_date", a->quit_date).field("attempt", a->attempt);
  j.field("today", core::format_date(today)).field("days", g.days).field("days_until", g.days_until);
  j.field("cigarettes_not_smoked", g.cigarettes_not_smoked).field("money_saved_cents", g.money_saved_cents);
  j.field("minutes_regained", g.minutes_regained);
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
