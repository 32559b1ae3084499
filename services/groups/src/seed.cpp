// The two spaces of the mission (README, "What it is"), in French, created at start when missing.
#include "colibri/core/log.hpp"
#include "colibri/groups/community.hpp"
#include "repo/groups.hpp"

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
  w.commit();
  if (created) log::info("groups seeded", {{"created", created}});
  return created;
}

}  // namespace colibri::groups
