#pragma once
// Intervision: roles and confirmations in a pole, cases with their consent,
// agenda items on intervision occurrences, follow-up sheets, withdrawals and
// the yearly counts. Who is a participant is decided by the database views
// intervision_eligible and intervision_participants (migration 0023).
#include <cstdint>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace colibri::groups::repo {

// The caller's standing in a pole.
struct pole_standing {
  bool professional = false;  // a group of a professional space
  bool owner = false;         // an owner of the group
  std::optional<std::string> role;
  bool eligible = false;  // may take part in its intervisions
  bool runs() const { return eligible && (role == "facilitator" || role == "coordinator"); }
  bool coordinates() const { return eligible && role == "coordinator"; }
};
pole_standing standing_in(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id);
// Whether the person is a member of the group with a profile that may take
// part (not industry, not patient_expert, not other), confirmed or not.
bool professional_member(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id);
bool member_of(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id);
bool has_profile(pqxx::transaction_base& w, std::int64_t user_id);

void put_role(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id, const std::string& role,
              std::int64_t by);
bool delete_role(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id);
void confirm(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id, std::int64_t by);
bool unconfirm(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id);
// Drops the person's confirmations (their profile changed); the poles concerned.
std::vector<std::int64_t> lapse_confirmations(pqxx::transaction_base& w, std::int64_t user_id);

struct roster_row {
  std::int64_t user_id = 0;
  std::string handle, profession, organisation, department;
  bool industry = false, confirmed = false, eligible = false;
  std::optional<std::string> role, legal_name, rpps;
  std::optional<std::int64_t> confirmed_ms;
};
// The pole's members with a professional profile.
std::vector<roster_row> roster(pqxx::transaction_base& w, std::int64_t group_id);

struct new_case {
  std::int64_t group_id = 0, filed_by = 0;
  std::string requester, summary, basis;
  std::vector<std::string> addictions, reasons, withheld;
  std::vector<std::int64_t> invited, excluded;
};
// The new case's id, or nullopt when the code is taken.
std::optional<std::int64_t> insert_case(pqxx::transaction_base& w, const new_case& c, const std::string& code);

struct participant {
  std::int64_t user_id = 0;
  std::string handle;
  std::optional<std::string> profession, role;
};
struct case_visit {
  std::int64_t agenda_item_id = 0, occurrence_id = 0, starts_ms = 0;
  bool sheet = false;
};
struct case_row {
  std::int64_t id = 0, group_id = 0;
  std::string code, requester, summary, basis, state;
  std::optional<std::int64_t> filed_by, approved_by, approved_ms;
  std::vector<std::string> addictions, reasons, withheld;
  std::vector<std::int64_t> invited, excluded;
  std::vector<participant> participants;
  std::vector<case_visit> agenda;
  std::int64_t created_ms = 0, updated_ms = 0;
};
// The case when the user takes part in it; nullopt otherwise (absent or not theirs alike).
std::optional<case_row> load_case(pqxx::transaction_base& w, std::int64_t case_id, std::int64_t user_id,
                                  bool lock = false);
std::vector<std::int64_t> participants_of(pqxx::transaction_base& w, std::int64_t case_id);
bool takes_part(pqxx::transaction_base& w, std::int64_t case_id, std::int64_t user_id);
// The user's cases in the pole, newest first, ids below `before`.
std::vector<case_row> cases_of(pqxx::transaction_base& w, std::int64_t group_id, std::int64_t user_id,
                               std::optional<std::int64_t> before, int limit);
void approve_case(pqxx::transaction_base& w, std::int64_t case_id, std::int64_t by);
// Withdrawal: keeps the HMAC of the code (hex), deletes the case with its
// agenda items, sheets and review notices.
void withdraw_case(pqxx::transaction_base& w, std::int64_t case_id, std::int64_t group_id,
                   const std::string& code_hmac_hex);
bool code_withdrawn(pqxx::transaction_base& w, const std::string& code_hmac_hex);

// An occurrence and its agenda's size (locked for a change of its agenda).
struct agenda_slot {
  bool exists = false;
  std::int64_t group_id = 0;
  std::string kind, state;
  std::int64_t max_cases = 0, items = 0, starts_ms = 0;
};
agenda_slot agenda_of(pqxx::transaction_base& w, std::int64_t occurrence_id, bool lock);
std::optional<std::int64_t> item_of(pqxx::transaction_base& w, std::int64_t occurrence_id, std::int64_t case_id);
std::int64_t insert_item(pqxx::transaction_base& w, std::int64_t occurrence_id, std::int64_t case_id, std::int64_t by);

struct sheet_row {
  std::string consent_recorded, motivation_stage, issues_found, proposal_details, objective_met;
  std::vector<std::string> requesters, addictions, reasons, difficulties, proposals;
  bool has_gp = false, gp_invited = false, has_pharmacist = false, pharmacist_invited = false;
  std::int64_t report_back_user_id = 0;
  std::optional<std::int64_t> next_review_in_days, review_due_ms, filled_by;
  std::int64_t updated_ms = 0;
};
struct agenda_item {
  std::int64_t id = 0, occurrence_id = 0, case_id = 0, group_id = 0, starts_ms = 0, created_ms = 0;
  std::string code;
  bool review = false;  // the case was on an earlier occurrence's agenda
  std::optional<std::int64_t> added_by;
  std::optional<sheet_row> sheet;
};
// The items of the occurrence whose case the user takes part in.
std::vector<agenda_item> agenda_for(pqxx::transaction_base& w, std::int64_t occurrence_id, std::int64_t user_id);
// The item when the user takes part in its case.
std::optional<agenda_item> item_for(pqxx::transaction_base& w, std::int64_t item_id, std::int64_t user_id);
void delete_item(pqxx::transaction_base& w, std::int64_t item_id);
void put_sheet(pqxx::transaction_base& w, std::int64_t item_id, const sheet_row& s, std::int64_t by);

// The yearly counts over a set of poles.
struct report_counts {
  std::int64_t meetings = 0, cases = 0, reviews = 0, sheets = 0, withdrawn = 0;
  std::map<std::string, std::map<std::string, std::int64_t>> breakdowns;  // field -> value -> count
};
report_counts yearly_counts(pqxx::transaction_base& w, const std::vector<std::int64_t>& groups, int year);
// The space's poles (its groups of a professional space, itself included).
std::vector<std::int64_t> groups_of_space(pqxx::transaction_base& w, std::int64_t space_id);
// Whether the user coordinates a pole of the space.
bool coordinates_in_space(pqxx::transaction_base& w, std::int64_t space_id, std::int64_t user_id);
// Whether the occurrence's meeting is an intervision the user may not attend.
bool intervision_closed_to(pqxx::transaction_base& w, std::int64_t occurrence_id, std::int64_t user_id);
bool coordinates_occurrence(pqxx::transaction_base& w, std::int64_t occurrence_id, std::int64_t user_id,
                            bool& intervision);

}  // namespace colibri::groups::repo
