#include "colibri/core/identifying.hpp"

#include <gtest/gtest.h>

using colibri::core::identifying;
using colibri::core::identifying_kind;

// The samples of issue 19 (Intervision), each alone and inside a sentence.
TEST(Identifying, RefusesNamesBirthDatesPhonesSocialSecurityNumbersAndAddresses) {
  const std::vector<std::pair<std::string, identifying_kind>> refused{
      {"Jean Dupont", identifying_kind::name},          {"Marie D.", identifying_kind::name},
      {"né le 12/03/1970", identifying_kind::birth},    {"née en 1970 à Lille", identifying_kind::birth},
      {"06 12 34 56 78", identifying_kind::phone},      {"+33 6 12 34 56 78", identifying_kind::phone},
      {"1 85 05 78 006 084 36", identifying_kind::nir}, {"jean.dupont@example.fr", identifying_kind::email},
  };
  for (const auto& [text, kind] : refused) {
    EXPECT_EQ(identifying(text), kind) << text;
    auto sentence = "Situation évoquée : " + text + ", suivi compliqué depuis l'été.";
    EXPECT_EQ(identifying(sentence), kind) << sentence;
  }
  // Variants a professional writes.
  EXPECT_EQ(identifying("Patiente vue avec M. Durand au CMP"), identifying_kind::name);
  EXPECT_EQ(identifying("Mme L. ne vient plus"), identifying_kind::name);
  EXPECT_EQ(identifying("Kenza B. revient après six mois"), identifying_kind::name);
  EXPECT_EQ(identifying("JEAN-PIERRE a repris"), identifying_kind::name);
  EXPECT_EQ(identifying("Né(e) le 3 mai 1980"), identifying_kind::birth);
  EXPECT_EQ(identifying("date de naissance : 03.05.1980"), identifying_kind::birth);
  EXPECT_EQ(identifying("joignable au 0612345678"), identifying_kind::phone);
  EXPECT_EQ(identifying("joignable au 06.12.34.56.78"), identifying_kind::phone);
  EXPECT_EQ(identifying("ou au 0033 6 12 34 56 78"), identifying_kind::phone);
  EXPECT_EQ(identifying("NIR 185057800608436"), identifying_kind::nir);
  EXPECT_EQ(identifying("dossier n° 123456789"), identifying_kind::number);
  EXPECT_EQ(identifying("écrire à j_d+itv@hopital-douai.fr"), identifying_kind::email);
}

TEST(Identifying, LetsClinicalProseThrough) {
  for (const char* text :
       {"Centre Hospitalier de Douai", "suivi au CSAPA depuis 2019", "RDV au CMP le 12/03",
        "Homme, la quarantaine, tabac et alcool", "Il ne boit plus que 2 verres par jour depuis 3 semaines.",
        "Orientation vers l'Hôpital Jean Jaurès et la rue Victor Hugo, clinique Saint-Martin.",
        "Hépatite C. Traitement en cours, TSO à 60 mg, vu 2 fois en 2023 et 2024.",
        "Dette de 1 500 € ; RSA ; 25 000 pas par jour ; 12.03.2024 ; 1er trimestre",
        "Femme d'une trentaine d'années, deux enfants, sans médecin traitant.",
        "Rechute après 18 mois d'abstinence ; demande de relais CSAPA/CAARUD @ Douai.", ""}) {
    EXPECT_EQ(identifying(text), std::nullopt) << text;
  }
}
