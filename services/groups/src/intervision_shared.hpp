#pragma once
// What the Intervision handlers share (intervision.cpp, intervision_agenda.cpp):
// the contract's enums (Annexe II of the guide), the screening of free text,
// and the JSON of cases and agenda items.
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "colibri/json/fields.hpp"
#include "colibri/json/writer.hpp"
#include "repo/intervision.hpp"

namespace colibri::groups::detail {

// The enums of docs/protocol.md, "Intervision" (tests/lint/intervision_enums.py
// checks that this file, proto/openapi.yaml and the contract agree).
struct intervision_enums {
  std::set<std::string> requester{"gp",    "cmp_epsm", "pharmacist", "hospital_addiction",
                                  "csapa", "social",   "caarud",     "other"};
  std::set<std::string> addictions{"heroin_ost", "cocaine", "medication", "alcohol", "cannabis", "tobacco", "other"};
  std::set<std::string> reasons{"new_patient",     "treatment_adjustment",
                                "follow_up",       "handover",
                                "worsening",       "care_coordination",
                                "misuse",          "orientation",
                                "overconsumption", "professional_in_difficulty",
                                "nomadism",        "care_breakdown",
                                "psychosocial",    "other"};
  std::set<std::string> difficulties{"social_cover", "housing",  "family",          "children", "work",        "money",
                                     "legal",        "violence", "extreme_poverty", "somatic",  "psychiatric", "other"};
  std::set<std::string> motivation_stage{"precontemplation", "contemplation", "decision",
                                         "action",           "maintenance",   "relapse"};
  std::set<std::string> proposals{"find_gp",          "contact_gp",     "adjust_treatment",
                                  "adapt_dispensing", "remobilise",     "continue_care",
                                  "optimise_support", "joint_support",  "refer",
                                  "social_support",   "contact_family", "synthesis",
                                  "report_to_absent", "other"};
  std::set<std::string> consent_recorded{"yes", "no", "unknown"};
  std::set<std::string> objective_met{"yes", "partly", "no"};
  std::set<std::string> basis{"written", "oral", "care_breakdown"};
  std::set<std::string> roles{"facilitator", "coordinator", "expert"};
};
const intervision_enums& enums();

// Fails the field when the text looks identifying (colibri/core/identifying.hpp).
void screen(json::fields& f, std::string_view key, const std::optional<std::string>& text);
// Fails the field unless every value is one of `allowed`.
void check_all(json::fields& f, std::string_view key, const std::optional<std::vector<std::string>>& values,
               const std::set<std::string>& allowed);

void write_case(json::writer& j, const repo::case_row& c);
void write_item(json::writer& j, const repo::agenda_item& a);

}  // namespace colibri::groups::detail
