// The two spaces of the mission (README, "What it is"), in French, created at start when missing.
#include <chrono>

#include "colibri/calendar/recurrence.hpp"
#include "colibri/core/clock.hpp"
#include "colibri/core/log.hpp"
#include "colibri/groups/community.hpp"
#include "repo/directory.hpp"
#include "repo/groups.hpp"
#include "repo/meetings.hpp"

namespace colibri::groups {

namespace {

struct seed_group {
  const char* slug;
  const char* parent;  // slug, or nullptr for a space
  const char* name;
  const char* description;
  const char* join_policy;
  const char* visibility;
};

constexpr const char* k_self_help_rules =
    "Les règles du débat :\n"
    "1. Bienveillance d'abord : ici, personne n'est jugé, ni pour une cigarette fumée, ni pour une rechute.\n"
    "2. On ne se moque jamais de l'orthographe de personne.\n"
    "3. Chaque question est posée pour la première fois : on y répond avec patience, même la dixième fois.\n"
    "4. Pas de diagnostic ni de prescription : pour un traitement, parlez-en à un professionnel de santé.\n"
    "5. Ce qui se dit ici reste ici : pas de captures d'écran, pas de noms de famille, pas de données de santé "
    "d'autrui.\n"
    "6. Pas de publicité ni de vente.\n"
    "Un souci ? Signalez le message : l'équipe de modération s'en occupe, jour et nuit.";

constexpr const char* k_pro_rules =
    "Espace réservé aux professionnels de santé, aux structures partenaires et aux patients experts invités.\n"
    "Aucune donnée de santé identifiante : les cas sont présentés anonymisés (prénom et initiale), avec l'accord "
    "préalable du patient.\n"
    "Les échanges restent confidentiels. L'industrie pharmaceutique et celle du tabac n'ont pas accès à cet espace.";

const seed_group k_groups[] = {
    {"je-ne-fume-plus", nullptr, "Je ne fume plus",
     "Le groupe d'auto-support des personnes qui arrêtent de fumer, ouvert jour et nuit, avec les bénévoles de "
     "l'association.",
     "request", "listed"},
    {"equipe-accueil", "je-ne-fume-plus", "Équipe d'accueil",
     "Les Colibris qui accueillent les nouveaux membres et félicitent les fêtés du jour.", "invite", "hidden"},
    {"vapotage", "je-ne-fume-plus", "Vapotage",
     "Questions et conseils sur la cigarette électronique pour arrêter de fumer.", "open", "listed"},
    {"grossesse", "je-ne-fume-plus", "Grossesse", "Arrêter de fumer pendant la grossesse, en parler entre parents.",
     "open", "listed"},
    {"rechute", "je-ne-fume-plus", "Rechute", "Une rechute n'est pas un échec : on en parle, et on repart ensemble.",
     "open", "listed"},
    {"machine-a-cafe", "je-ne-fume-plus", "Machine à café", "Pour parler de tout et de rien, sans tabac.", "open",
     "listed"},
    {"e-mediation", nullptr, "Espace professionnel e-médiation",
     "Espace privé des professionnels de santé et des patients experts : échanges, webinaires, documents de "
     "référence.",
     "invite", "hidden"},
    {"pro-general", "e-mediation", "Général", "Échanges entre tous les membres de l'espace professionnel.", "open",
     "listed"},
    {"structures-de-sante", "e-mediation", "Structures de santé",
     "Centres d'addictologie, CSAPA, maisons de santé, pharmacies : se connaître et s'orienter.", "open", "listed"},
    {"entreprises-sante-travail", "e-mediation", "Entreprises et santé au travail",
     "Services de santé au travail et entreprises engagés dans la prévention des conduites addictives.", "open",
     "listed"},
    {"projet-intervision", "e-mediation", "Projet : intervision",
     "Préparer les séances d'intervision (analyse de cas anonymisés, avec le consentement des patients).", "request",
     "listed"},
};

// A few upcoming webinars and a monthly practice session offered twice (a
// newcomer sees the listing filled), once: only while the professional
// space has no meeting at all.
void seed_meetings(pqxx::transaction_base& w) {
  auto space = w.exec_params("SELECT id FROM groups WHERE slug = 'e-mediation'");
  if (space.empty()) return;
  auto sid = space[0][0].as<std::int64_t>();
  if (!w.exec_params("SELECT 1 FROM meetings WHERE space_id = $1 LIMIT 1", sid).empty()) return;
  auto group = [&w](const char* slug) {
    return w.exec_params1("SELECT id FROM groups WHERE slug = $1", std::string(slug))[0].as<std::int64_t>();
  };
  using namespace std::chrono;
  auto today = floor<days>(core::system_clock().now());
  auto day = [&](int in, const char* hhmm) { return core::format_date(year_month_day(today + days(in))) + "T" + hhmm; };
  auto next = [&](weekday wd, int weeks) {  // the weekday after today, `weeks` later
    auto first = today + days(1);
    first += (wd - weekday(first));
    return sys_days(first) + days(7 * weeks);
  };
  auto on = [&](sys_days d, const char* hhmm) { return core::format_date(year_month_day(d)) + "T" + hhmm; };
  auto make = [&](const char* slug, const char* title, const char* description, const char* kind, const char* mode,
                  std::optional<std::string> location, std::int64_t minutes, std::int64_t capacity,
                  std::vector<std::string> starts, std::vector<std::string> keys) {
    repo::new_meeting m;
    m.group_id = group(slug);
    m.title = title;
    m.description = description;
    m.kind = kind;
    m.mode = mode;
    m.location = std::move(location);
    if (std::string_view(mode) != "in_person") m.join_url = "https://visio.e-mediation.example/" + std::string(slug);
    m.timezone = "Europe/Paris";
    m.duration_minutes = minutes;
    m.capacity = capacity;
    m.audience = "space";
    m.local_starts = std::move(starts);
    m.slot_keys = std::move(keys);
    repo::insert_meeting(w, m);
  };
  make("pro-general", "Bienvenue sur e-médiation : prise en main de la plateforme",
       "Une demi-heure pour découvrir l'espace professionnel : les groupes, les webinaires, les documents de "
       "référence. Questions bienvenues.",
       "webinar", "online", std::nullopt, 30, 100,
       {on(next(Tuesday, 0), "12:30"), on(next(Tuesday, 1), "12:30"), on(next(Tuesday, 2), "12:30")},
       {"o0", "o1", "o2"});
  make("structures-de-sante", "Live : accompagner les femmes enceintes fumeuses",
       "Webinaire ouvert à tous les contextes : repérage, conseil minimal, substituts nicotiniques pendant la "
       "grossesse, et l'entourage.",
       "webinar", "online", std::nullopt, 60, 200, {day(20, "13:00")}, {"o0"});
  make("entreprises-sante-travail", "Les nouveaux produits du tabac : ce qu'il faut savoir",
       "Tabac chauffé, sachets de nicotine, puffs : état des connaissances et messages de prévention.", "webinar",
       "online", std::nullopt, 60, 150, {day(34, "18:30")}, {"o0"});
  // The second Thursday of the next three months, at lunchtime and in the evening: the same content twice.
  calendar::recurrence monthly{"monthly", 1, 4, 2, year_month_day(today + days(1)), 3};
  std::vector<std::string> starts, keys;
  int g = 0;
  for (auto d : calendar::expand(monthly)) {
    for (const char* t : {"12:00", "19:00"}) {
      starts.push_back(core::format_date(d) + "T" + t);
      keys.push_back("g" + std::to_string(g));
    }
    ++g;
  }
  make("pro-general", "Intervision de pratique : le sevrage tabagique au quotidien",
       "Une demi-heure de conférence introductive, puis une heure et demie d'échanges à partir d'un cas. Deux "
       "créneaux au même contenu : inscrivez-vous à l'un des deux.",
       "practice", "hybrid", std::string("Maison des associations, Nantes"), 120, 20, starts, keys);
}

// Fictional care structures for the local stack, in Loire-Atlantique and
// Nord: every name starts "Exemple —" and every phone number is in the
// range reserved for fiction (01 99 00 xx xx), so that nobody in distress
// calls a wrong number.
struct seed_structure {
  const char *name, *kind, *services, *address, *postcode, *city, *department;
  double lat, lon;
  const char *phone, *hours;
};

const seed_structure k_structures[] = {
    {"Exemple — CSAPA du centre de Nantes", "csapa", "tabac,alcool,cannabis", "12 rue de l'Exemple", "44000", "Nantes",
     "44", 47.2173, -1.5534, "01 99 00 44 01", "lundi-vendredi 9h-18h, sur rendez-vous"},
    {"Exemple — Consultation de tabacologie du CHU", "tobacco_clinic", "tabac,grossesse", "1 place de l'Hôpital",
     "44000", "Nantes", "44", 47.2120, -1.5540, "01 99 00 44 02", "mardi et jeudi 14h-17h"},
    {"Exemple — Maison de santé de Rezé", "health_centre", "tabac,médecine générale", "5 avenue des Essais", "44400",
     "Rezé", "44", 47.1830, -1.5500, "01 99 00 44 03", "lundi-samedi 8h-19h"},
    {"Exemple — Infirmière Asalée de Saint-Herblain", "asalee", "tabac,suivi", "8 rue du Modèle", "44800",
     "Saint-Herblain", "44", 47.2120, -1.6490, "01 99 00 44 04", "sur rendez-vous"},
    {"Exemple — Pharmacie du port de Saint-Nazaire", "pharmacy", "substituts nicotiniques,conseil", "3 quai Fictif",
     "44600", "Saint-Nazaire", "44", 47.2735, -2.2138, "01 99 00 44 05", "lundi-samedi 9h-19h30"},
    {"Exemple — CSAPA de Châteaubriant", "csapa", "tabac,alcool", "2 rue Imaginaire", "44110", "Châteaubriant", "44",
     47.7170, -1.3760, "01 99 00 44 06", "lundi, mercredi, vendredi 9h-17h"},
    {"Exemple — CSAPA de Lille", "csapa", "tabac,alcool,cannabis", "20 boulevard de l'Exemple", "59000", "Lille", "59",
     50.6310, 3.0570, "01 99 00 59 01", "lundi-vendredi 9h-18h"},
    {"Exemple — Consultation d'addictologie hospitalière de Lille", "hospital_clinic", "tabac,alcool",
     "4 rue de l'Hôpital-Fictif", "59000", "Lille", "59", 50.6100, 3.0350, "01 99 00 59 02", "sur rendez-vous"},
    {"Exemple — Maison de santé de Roubaix", "health_centre", "tabac,médecine générale", "9 rue du Test", "59100",
     "Roubaix", "59", 50.6900, 3.1810, "01 99 00 59 03", "lundi-samedi 8h-20h"},
    {"Exemple — Service de santé au travail de Tourcoing", "occupational_health", "tabac,entreprises",
     "11 avenue Factice", "59200", "Tourcoing", "59", 50.7230, 3.1610, "01 99 00 59 04", "lundi-vendredi 8h30-17h"},
    {"Exemple — CAARUD de Dunkerque", "caarud", "réduction des risques,tabac", "6 quai de la Fiction", "59140",
     "Dunkerque", "59", 51.0340, 2.3770, "01 99 00 59 05", "mardi-samedi 10h-18h"},
    {"Exemple — Équipe mobile d'addictologie de Valenciennes", "mobile_team", "tabac,alcool,aller-vers",
     "1 rue Démonstration", "59300", "Valenciennes", "59", 50.3580, 3.5230, "01 99 00 59 06", "sur appel"},
};

void seed_structures(pqxx::transaction_base& w) {
  if (!w.exec("SELECT 1 FROM care_structures WHERE name LIKE 'Exemple — %' LIMIT 1").empty()) return;
  for (const auto& x : k_structures) {
    repo::structure_fields f;
    f.name = x.name;
    f.kind = x.kind;
    std::vector<std::string> services;
    std::string_view all(x.services);
    for (std::size_t at = 0; at <= all.size();) {
      auto comma = all.find(',', at);
      services.emplace_back(all.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at));
      if (comma == std::string_view::npos) break;
      at = comma + 1;
    }
    f.services = services;
    f.address = x.address;
    f.postcode = x.postcode;
    f.city = x.city;
    f.department = x.department;
    f.lat = x.lat;
    f.lon = x.lon;
    f.phone = x.phone;
    f.hours = x.hours;
    repo::insert_structure(w, f);
  }
}

}  // namespace

int community::seed(pqxx::connection& c) {
  pqxx::work w(c);
  int created = 0;
  for (const auto& g : k_groups) {
    std::string rules;
    if (std::string_view(g.slug) == "je-ne-fume-plus" || (g.parent && std::string_view(g.parent) == "je-ne-fume-plus"))
      rules = k_self_help_rules;
    else
      rules = k_pro_rules;
    repo::new_group ng{std::nullopt,
                       g.name,
                       g.description,
                       rules,
                       g.join_policy,
                       g.visibility,
                       std::string_view(g.slug) == "e-mediation" ? "professional" : "community"};
    if (repo::insert_seed_group(w, g.slug, g.parent ? std::optional<std::string>(g.parent) : std::nullopt, ng))
      ++created;
  }
  // The welcome team greets the self-help group's newcomers.
  repo::name_welcome_team(w, "je-ne-fume-plus", "equipe-accueil");
  seed_meetings(w);
  seed_structures(w);
  w.commit();
  if (created) log::info("groups seeded", {{"created", created}});
  return created;
}

}  // namespace colibri::groups
