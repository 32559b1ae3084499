#include "colibri/quit/milestones.hpp"

#include <stdexcept>

namespace colibri::quit {

using namespace std::chrono;

namespace {

date add_months(date d, int n) {
  year_month_day r = d + months(n);
  if (r.ok()) return r;
  return year_month_day_last(r.year(), month_day_last(r.month()));  // no such day: the month's last
}

date add_days(date d, int n) { return year_month_day(sys_days(d) + days(n)); }

constexpr const char* k_who =
    "OMS, « Tabac : les bienfaits de l'arrêt » / WHO, \"Tobacco: health benefits of smoking "
    "cessation\", https://www.who.int/news-room/questions-and-answers/item/"
    "tobacco-health-benefits-of-smoking-cessation";

}  // namespace

std::int64_t days_between(date a, date b) { return (sys_days(b) - sys_days(a)).count(); }

const std::vector<milestone>& catalogue() {
  static const std::vector<milestone> c{
      {"1d", {"1 jour sans tabac", "1 day without tobacco"}, "1 day"},
      {"3d", {"3 jours sans tabac", "3 days without tobacco"}, "3 days"},
      {"1w", {"1 semaine sans tabac", "1 week without tobacco"}, "7 days"},
      {"2w", {"2 semaines sans tabac", "2 weeks without tobacco"}, "14 days"},
      {"3w", {"3 semaines sans tabac", "3 weeks without tobacco"}, "21 days"},
      {"1m", {"1 mois sans tabac", "1 month without tobacco"}, "1 month"},
      {"2m", {"2 mois sans tabac", "2 months without tobacco"}, "2 months"},
      {"3m", {"3 mois sans tabac", "3 months without tobacco"}, "3 months"},
      {"100d", {"100 jours sans tabac", "100 days without tobacco"}, "100 days"},
      {"6m", {"6 mois sans tabac", "6 months without tobacco"}, "6 months"},
      {"1y", {"1 an sans tabac", "1 year without tobacco"}, "1 year"},
      {"2y", {"2 ans sans tabac", "2 years without tobacco"}, "2 years"},
      {"5y", {"5 ans sans tabac", "5 years without tobacco"}, "5 years"},
      {"10y", {"10 ans sans tabac", "10 years without tobacco"}, "10 years"},
  };
  return c;
}

const milestone* find_milestone(const std::string& key) {
  for (const auto& m : catalogue())
    if (m.key == key) return &m;
  return nullptr;
}

date falls_on(const std::string& key, date q) {
  if (key == "1d") return add_days(q, 1);
  if (key == "3d") return add_days(q, 3);
  if (key == "1w") return add_days(q, 7);
  if (key == "2w") return add_days(q, 14);
  if (key == "3w") return add_days(q, 21);
  if (key == "1m") return add_months(q, 1);
  if (key == "2m") return add_months(q, 2);
  if (key == "3m") return add_months(q, 3);
  if (key == "100d") return add_days(q, 100);
  if (key == "6m") return add_months(q, 6);
  if (key == "1y") return add_months(q, 12);
  if (key == "2y") return add_months(q, 24);
  if (key == "5y") return add_months(q, 60);
  if (key == "10y") return add_months(q, 120);
  throw std::invalid_argument("unknown milestone " + key);
}

std::vector<const milestone*> reached(date quit_date, date today) {
  std::vector<const milestone*> out;
  for (const auto& m : catalogue())
    if (falls_on(m.key, quit_date) <= today) out.push_back(&m);
  return out;
}

progress progress_on(const profile& p, date today) {
  progress out;
  auto d = days_between(p.quit_date, today);
  out.days = d > 0 ? d : 0;
  out.days_until = d < 0 ? -d : 0;
  if (p.cigarettes_per_day) {
    out.cigarettes_not_smoked = out.days * *p.cigarettes_per_day;
    out.minutes_regained = *out.cigarettes_not_smoked * 11;
    if (p.pack_price_cents && p.pack_size && *p.pack_size > 0)
      out.money_saved_cents = *out.cigarettes_not_smoked * *p.pack_price_cents / *p.pack_size;
  }
  for (const auto& m : catalogue()) {
    auto on = falls_on(m.key, p.quit_date);
    if (on > today) {
      out.next = &m;
      out.next_on = on;
      break;
    }
  }
  return out;
}

const health_fact& fact_for(std::int64_t days) {
  static const std::vector<std::pair<std::int64_t, health_fact>> stages{
      {0,
       {{"Vingt minutes après la dernière cigarette, le rythme cardiaque et la tension artérielle baissent ; après 12 "
         "heures, le taux de monoxyde de carbone dans le sang redevient normal.",
         "Twenty minutes after the last cigarette, heart rate and blood pressure drop; after 12 hours, the carbon "
         "monoxide level in the blood drops to normal."},
        k_who}},
      {14,
       {{"Entre 2 et 12 semaines après l'arrêt, la circulation s'améliore et la fonction pulmonaire augmente.",
         "Within 2 to 12 weeks of quitting, circulation improves and lung function increases."},
        k_who}},
      {30,
       {{"Entre 1 et 9 mois après l'arrêt, la toux et l'essoufflement diminuent.",
         "Within 1 to 9 months of quitting, coughing and shortness of breath decrease."},
        k_who}},
      {365,
       {{"Un an après l'arrêt, le risque de maladie coronarienne est environ la moitié de celui d'un fumeur.",
         "One year after quitting, the risk of coronary heart disease is about half that of a smoker."},
        k_who}},
      {1826,
       {{"Cinq à quinze ans après l'arrêt, le risque d'accident vasculaire cérébral rejoint celui d'un non-fumeur.",
         "Five to fifteen years after quitting, the risk of stroke is reduced to that of a non-smoker."},
        k_who}},
      {3652,
       {{"Dix ans après l'arrêt, le risque de cancer du poumon est environ la moitié de celui d'un fumeur.",
         "Ten years after quitting, the risk of lung cancer falls to about half that of a smoker."},
        k_who}},
      {5479,
       {{"Quinze ans après l'arrêt, le risque de maladie coronarienne est celui d'un non-fumeur.",
         "Fifteen years after quitting, the risk of coronary heart disease is that of a non-smoker."},
        k_who}},
  };
  const health_fact* out = &stages.front().second;
  for (const auto& [from, f] : stages)
    if (days >= from) out = &f;
  return *out;
}

}  // namespace colibri::quit
