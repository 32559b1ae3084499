// Intervision through the real groups service, PostgreSQL, Redis and the
// scheduler: the role table row by row, consent exclusions, the screening of
// free text, max_cases under concurrent submissions, withdrawal (404 at once,
// one notice each, nothing of the case left anywhere, also after the
// participants erase their accounts), the follow-up sheet and its review
// reminder exactly once, and a seeded year's report against counts computed
// here.
#include <gtest/gtest.h>

#include <csignal>
#include <future>
#include <regex>
#include <set>
#include <thread>

#include "community_fixture.hpp"

using namespace colibri::test;

namespace {

class Intervision : public Community {
 protected:
  void configure(std::map<std::string, std::string>& env) override {
    Community::configure(env);
    env["COLIBRI_RATE_EVENTS"] = "100000";
    env["COLIBRI_RATE_HISTORY"] = "1000/1";
  }
  // A professional space, its pole (`pole_`, listed) and the pole's people:
  // owner O (a platform admin who created the space), facilitator F,
  // coordinator C, expert E, confirmed professionals P1..P3.
  void SetUp() override {
    Community::SetUp();
    owner_ = admin("Proprio");
    auto r = post("/api/v1/groups",
                  R"({"name":"Addictions Hauts-de-France","description":"d","rules":"r","join_policy":"invite",)"
                  R"("visibility":"listed","kind":"professional"})",
                  owner_);
    ASSERT_EQ(r.status, 201) << r.body;
    space_ = json_at(r.body, "group.id").value_or("0");
    pole_ = make_group(owner_, "Pôle Douaisis", "invite", "listed", space_);
    f_ = pro("Animatrice", "gp");
    c_ = pro("Coordinatrice", "nurse");
    e_ = pro("Expert", "addiction_specialist");
    for (auto [p, role] :
         std::vector<std::pair<person, std::string>>{{f_, "facilitator"}, {c_, "coordinator"}, {e_, "expert"}})
      ASSERT_EQ(
          call("PUT", "/api/v1/groups/" + pole_ + "/intervision-roles/" + p.id, R"({"role":")" + role + "\"}", owner_)
              .status,
          200);
    p1_ = confirmed(pro("Medecin1", "gp"));
    p2_ = confirmed(pro("Pharma2", "pharmacist"));
    p3_ = confirmed(pro("Psy3", "psychologist"));
  }
  // A member of the space and the pole with a professional profile.
  person pro(const std::string& handle, const std::string& profession, bool industry = false,
             const std::string& extra = "") {
    auto p = someone(handle);
    member(space_, p.id);
    member(pole_, p.id);
    auto r = call("PUT", "/api/v1/me/professional",
                  R"({"profession":")" + profession + R"(","organisation":"CSAPA Douai","department":"59",)" +
                      R"("self_employed":true,"industry":)" + (industry ? "true" : "false") + extra + "}",
                  p);
    EXPECT_EQ(r.status, 200) << r.body;
    return p;
  }
  person confirmed(const person& p) {
    auto r = call("PUT", "/api/v1/groups/" + pole_ + "/professionals/" + p.id + "/confirmation", "", c_);
    EXPECT_EQ(r.status, 200) << r.body;
    return p;
  }
  // A case filed by `by`; the whole response.
  http_result file(const person& by, const std::string& summary, const std::string& consent,
                   const std::string& invited = "[]", const std::string& gid = "") {
    return post("/api/v1/groups/" + (gid.empty() ? pole_ : gid) + "/cases",
                R"({"requester":"gp","addictions":["alcohol","tobacco"],"reasons":["worsening"],"summary":")" +
                    summary + R"(","consent":)" + consent + R"(,"invited_user_ids":)" + invited + "}",
                by);
  }
  std::string case_id(const http_result& r) {
    EXPECT_EQ(r.status, 201) << r.body << (r.status == 500 ? groups_->log_tail() : "");
    return json_at(r.body, "case.id").value_or("0");
  }
  // An intervision meeting of the pole made by the facilitator; its first occurrence's id.
  std::string intervision(int max_cases = 3, const std::string& when = "2027-03-04T12:30") {
    auto r = post("/api/v1/groups/" + pole_ + "/meetings",
                  R"({"title":"Intervision du Douaisis","kind":"intervision","mode":"in_person",)"
                  R"("location":"CSAPA de Douai","timezone":"Europe/Paris","duration_minutes":90,"capacity":15,)"
                  R"("max_cases":)" +
                      std::to_string(max_cases) + R"(,"occurrences":[")" + when + R"("]})",
                  f_);
    EXPECT_EQ(r.status, 201) << r.body;
    return json_at(r.body, "meeting.occurrences.0.id").value_or("0");
  }
  // Moves an occurrence to a past local time (the report counts held meetings).
  void held_on(const std::string& oid, const std::string& local) {
    sql("UPDATE meeting_occurrences SET local_start = '" + local + "', starts_at = '" + local +
        "'::timestamp AT TIME ZONE 'Europe/Paris', ends_at = ('" + local +
        "'::timestamp AT TIME ZONE 'Europe/Paris') + interval '90 minutes' WHERE id = " + oid);
  }
  std::string sheet(const std::string& extra_fields, const std::string& report_back) {
    return R"({"consent_recorded":"yes","requesters":["gp","csapa"],"addictions":["alcohol"],)"
           R"("reasons":["worsening","care_coordination"],"has_gp":true,"gp_invited":true,"has_pharmacist":false,)"
           R"("pharmacist_invited":false,"difficulties":["housing"],"motivation_stage":"contemplation",)"
           R"("issues_found":"Isolement, rechutes après chaque sortie.","proposals":["joint_support","synthesis"],)"
           R"("proposal_details":"Accompagnement conjoint CSAPA et médecin traitant.","objective_met":"partly",)"
           R"("report_back_user_id":)" +
           report_back + extra_fields + "}";
  }
  person owner_, f_, c_, e_, p1_, p2_, p3_;
  std::string space_, pole_;
};

const char* k_consent = R"({"basis":"written","excluded_user_ids":[],"withheld":["situation judiciaire"]})";

TEST_F(Intervision, TheRoleTableHoldsRowByRowWithEachRefusalsStatus) {
  auto m = someone("Membre");  // a plain pole member, no profile
  member(space_, m.id);
  member(pole_, m.id);
  auto x = confirmed(pro("Labo", "pharmacist", true));  // industry
  auto pe = confirmed(pro("PatientExpert", "patient_expert"));
  auto u = pro("NonConfirme", "gp");  // never confirmed
  auto root = admin("Plateforme");    // a platform admin, no role, not a member
  auto roles = "/api/v1/groups/" + pole_ + "/intervision-roles/";

  // Pole owners and platform admins appoint; roles go to professionals only.
  EXPECT_EQ(call("PUT", roles + p1_.id, R"({"role":"expert"})", f_).status, 403);
  EXPECT_EQ(call("PUT", roles + p1_.id, R"({"role":"expert"})", m).status, 403);
  auto r = call("PUT", roles + x.id, R"({"role":"expert"})", owner_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json_at(r.body, "error.field"), "user_id");
  EXPECT_EQ(call("PUT", roles + pe.id, R"({"role":"expert"})", owner_).status, 400);
  EXPECT_EQ(call("PUT", roles + m.id, R"({"role":"expert"})", owner_).status, 400);
  EXPECT_EQ(call("PUT", roles + p3_.id, R"({"role":"chef"})", owner_).status, 400);
  EXPECT_EQ(call("PUT", roles + p3_.id, R"({"role":"expert"})", root).status, 200);
  EXPECT_EQ(call("DELETE", roles + p3_.id, "", root).status, 204);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action IN ('intervision_role', 'intervision_role_removed') "
                  "AND group_id = " +
                  pole_),
            5);

  // Coordinators confirm profiles (audited); nobody else.
  auto confirm = "/api/v1/groups/" + pole_ + "/professionals/" + u.id + "/confirmation";
  EXPECT_EQ(call("PUT", confirm, "", f_).status, 403);
  EXPECT_EQ(call("PUT", confirm, "", p1_).status, 403);
  EXPECT_EQ(call("PUT", confirm, "", owner_).status, 403);
  EXPECT_EQ(call("PUT", "/api/v1/groups/" + pole_ + "/professionals/" + m.id + "/confirmation", "", c_).status, 400);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'confirm_professional' AND group_id = " + pole_), 5);

  // Filing: confirmed professionals of the pole, not industry, not patient_expert.
  for (const auto& p : {m, x, pe, u, owner_, root}) {
    auto f = file(p, "Homme, la quarantaine, alcool.", k_consent);
    EXPECT_EQ(f.status, 403) << p.handle << " " << f.body;
  }
  EXPECT_EQ(file(someone("Dehors"), "Homme, la quarantaine.", k_consent).status, 403);  // the pole is listed
  // Exclusions: an excluded person is never invited; nor the ineligible.
  auto excluding = R"({"basis":"oral","excluded_user_ids":[)" + p3_.id + R"(],"withheld":[]})";
  r = file(p1_, "Homme, la quarantaine, alcool.", excluding, "[" + p2_.id + "," + p3_.id + "]");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json_at(r.body, "error.field"), "invited_user_ids");
  r = file(p1_, "Homme, la quarantaine, alcool.", excluding, "[" + x.id + "]");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json_at(r.body, "error.field"), "invited_user_ids");
  r = file(p1_, "Homme, la quarantaine, alcool.", R"({"basis":"oral","excluded_user_ids":[)" + p1_.id + "]}");
  EXPECT_EQ(json_at(r.body, "error.field"), "consent.excluded_user_ids");
  r = file(p1_, "Homme, la quarantaine, alcool.", R"({"basis":"maybe"})");
  EXPECT_EQ(json_at(r.body, "error.field"), "consent.basis");
  auto cid = case_id(file(p1_, "Homme, la quarantaine, alcool.", excluding, "[" + p2_.id + "]"));
  auto got = get("/api/v1/cases/" + cid, p1_);
  ASSERT_EQ(got.status, 200);
  auto code = json_at(got.body, "case.code").value_or("");
  EXPECT_TRUE(std::regex_match(code, std::regex("ITV(-[2-9A-HJKMNP-TV-Z]{4}){3}"))) << code;
  EXPECT_EQ(json_at(got.body, "case.filed_by"), p1_.id);
  EXPECT_EQ(json_at(got.body, "case.consent.excluded_user_ids.0"), p3_.id);
  EXPECT_EQ(json_at(got.body, "case.state"), "active");
  // Participants: the filer, the invited, the pole's facilitators, coordinators, experts.
  for (const auto& p : {p1_, p2_, f_, c_, e_}) EXPECT_EQ(get("/api/v1/cases/" + cid, p).status, 200) << p.handle;
  // Everyone else: 404, the excluded, the pole's other members and platform admins included.
  for (const auto& p : {p3_, u, m, x, owner_, root, someone("Inconnu")})
    EXPECT_EQ(get("/api/v1/cases/" + cid, p).status, 404) << p.handle;
  // The consent may refuse a facilitator: then they do not see it either.
  auto without_f =
      case_id(file(p1_, "Femme, la trentaine, tabac.", R"({"basis":"written","excluded_user_ids":[)" + f_.id + "]}"));
  EXPECT_EQ(get("/api/v1/cases/" + without_f, f_).status, 404);
  EXPECT_EQ(get("/api/v1/cases/" + without_f, c_).status, 200);
  // The pole's list of cases: each one's own.
  EXPECT_EQ(json_at(get("/api/v1/groups/" + pole_ + "/cases", f_).body, "cases.0.id"), cid);
  EXPECT_EQ(get("/api/v1/groups/" + pole_ + "/cases", m).status, 403);

  // care_breakdown waits for a facilitator or coordinator (audited).
  auto breakdown = case_id(file(p1_, "Homme, la cinquantaine, rupture de soins.", R"({"basis":"care_breakdown"})"));
  EXPECT_EQ(json_at(get("/api/v1/cases/" + breakdown, p1_).body, "case.state"), "awaiting_approval");
  auto oid = intervision();
  r = post("/api/v1/occurrences/" + oid + "/agenda", R"({"case_id":)" + breakdown + "}", p1_);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(post("/api/v1/cases/" + breakdown + "/approval", "", p1_).status, 403);
  EXPECT_EQ(post("/api/v1/cases/" + breakdown + "/approval", "", e_).status, 403);
  r = post("/api/v1/cases/" + breakdown + "/approval", "", f_);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_at(r.body, "case.state"), "active");
  EXPECT_EQ(json_at(r.body, "case.consent.approved_by"), f_.id);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'approve_case'"), 1);
  EXPECT_EQ(post("/api/v1/occurrences/" + oid + "/agenda", R"({"case_id":)" + breakdown + "}", p1_).status, 201);

  // Scheduling: facilitators and coordinators (and moderators), not others.
  EXPECT_EQ(post("/api/v1/groups/" + pole_ + "/meetings",
                 R"({"title":"T","kind":"intervision","mode":"online","timezone":"UTC","duration_minutes":60,)"
                 R"("occurrences":["2027-01-01T12:30"]})",
                 p1_)
                .status,
            403);
  // Registration: industry and unconfirmed professionals cannot attend an intervision.
  EXPECT_EQ(post("/api/v1/occurrences/" + oid + "/registration", "", x).status, 403);
  EXPECT_EQ(post("/api/v1/occurrences/" + oid + "/registration", "", u).status, 403);
  EXPECT_EQ(post("/api/v1/occurrences/" + oid + "/registration", "", p1_).status, 201);
  // Attendance sheet: the pole's coordinators, with legal name and RPPS.
  ASSERT_EQ(call("PUT", "/api/v1/me/professional",
                 R"({"profession":"gp","organisation":"CSAPA Douai","department":"59","self_employed":true,)"
                 R"("industry":false,"legal_name":"Dr Camille Medecin","rpps":"10003456786"})",
                 p1_)
                .status,
            200);
  sql("INSERT INTO meeting_attendance (occurrence_id, user_id, present, signed_at, signed_by) VALUES (" + oid + ", " +
      p1_.id + ", true, now(), " + p1_.id + ")");
  auto csv = get("/api/v1/occurrences/" + oid + "/attendance.csv", c_);
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_NE(csv.body.find("\"Dr Camille Medecin\""), std::string::npos) << csv.body;
  EXPECT_NE(csv.body.find("\"10003456786\""), std::string::npos) << csv.body;
  for (const auto& p : {f_, p1_, e_}) EXPECT_EQ(get("/api/v1/occurrences/" + oid + "/attendance.csv", p).status, 403);
  // The profile changed nothing a coordinator confirmed (legal name, RPPS): still confirmed.
  EXPECT_EQ(get("/api/v1/cases/" + cid, p1_).status, 200);
  // A new organisation lapses the confirmation (audited): P2 no longer takes part.
  ASSERT_EQ(call("PUT", "/api/v1/me/professional",
                 R"({"profession":"pharmacist","organisation":"Officine du centre","department":"59",)"
                 R"("self_employed":true,"industry":false})",
                 p2_)
                .status,
            200);
  EXPECT_EQ(get("/api/v1/cases/" + cid, p2_).status, 404);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'confirmation_lapsed' AND target_user_id = " + p2_.id),
            1);
  confirmed(p2_);
  EXPECT_EQ(get("/api/v1/cases/" + cid, p2_).status, 200);

  // Report: the pole's facilitators and coordinators; the space's owners and coordinators.
  for (const auto& p : {f_, c_})
    EXPECT_EQ(get("/api/v1/groups/" + pole_ + "/intervision-report?year=2027", p).status, 200) << p.handle;
  for (const auto& p : {p1_, e_, m, x, owner_})
    EXPECT_EQ(get("/api/v1/groups/" + pole_ + "/intervision-report?year=2027", p).status, 403) << p.handle;
  for (const auto& p : {owner_, c_})
    EXPECT_EQ(get("/api/v1/groups/" + space_ + "/intervision-report?year=2027", p).status, 200) << p.handle;
  EXPECT_EQ(get("/api/v1/groups/" + space_ + "/intervision-report?year=2027", f_).status, 403);
  EXPECT_EQ(get("/api/v1/groups/" + pole_ + "/intervision-report?year=1789", f_).status, 400);

  // Withdrawal: the filer or a facilitator.
  for (const auto& p : {p2_, c_, e_}) EXPECT_EQ(post("/api/v1/cases/" + cid + "/consent/withdraw", "", p).status, 403);
  EXPECT_EQ(post("/api/v1/cases/" + cid + "/consent/withdraw", "", p3_).status, 404);
  EXPECT_EQ(post("/api/v1/cases/" + cid + "/consent/withdraw", "", f_).status, 204);
  EXPECT_EQ(post("/api/v1/cases/" + cid + "/consent/withdraw", "", p1_).status, 404);
  // A community group has no intervision.
  auto community = make_group(owner_, "Entraide", "open");
  EXPECT_EQ(call("PUT", "/api/v1/groups/" + community + "/intervision-roles/" + p1_.id, R"({"role":"expert"})", owner_)
                .status,
            403);
}

TEST_F(Intervision, FreeTextThatIdentifiesIsRefusedWithTheFieldAndClinicalProsePasses) {
  for (const char* sample : {"Jean Dupont", "Marie D.", "né le 12/03/1970", "née en 1970 à Lille", "06 12 34 56 78",
                             "+33 6 12 34 56 78", "1 85 05 78 006 084 36", "jean.dupont@example.fr"}) {
    auto r = file(p1_, std::string("Situation : ") + sample + ", suivi difficile.", k_consent);
    EXPECT_EQ(r.status, 400) << sample;
    EXPECT_EQ(json_at(r.body, "error.field"), "summary") << sample;
    EXPECT_FALSE(json_at(r.body, "error.message").value_or("").empty());
    r = file(p1_, "Homme, la quarantaine.",
             R"({"basis":"oral","withheld":["adresse : )" + std::string(sample) + "\"]}");
    EXPECT_EQ(r.status, 400) << sample;
    EXPECT_EQ(json_at(r.body, "error.field"), "consent.withheld") << sample;
  }
  EXPECT_EQ(count("SELECT count(*) FROM intervision_cases"), 0);
  for (const char* sample : {"Centre Hospitalier de Douai", "suivi au CSAPA depuis 2019", "RDV au CMP le 12/03",
                             "Homme, la quarantaine, tabac et alcool"})
    EXPECT_EQ(file(p1_, sample, k_consent).status, 201) << sample;
  // The sheet's free text too.
  auto cid = case_id(file(p1_, "Femme, la trentaine.", k_consent, "[" + p2_.id + "]"));
  auto oid = intervision();
  auto item = post("/api/v1/occurrences/" + oid + "/agenda", R"({"case_id":)" + cid + "}", p1_);
  ASSERT_EQ(item.status, 201) << item.body;
  auto aid = json_at(item.body, "agenda_item.id").value_or("0");
  auto body = sheet("", p2_.id);
  auto phone = std::regex_replace(body, std::regex("Isolement"), "Joindre au 06 12 34 56 78");
  auto r = call("PUT", "/api/v1/agenda-items/" + aid + "/sheet", phone, f_);
  EXPECT_EQ(json_at(r.body, "error.field"), "issues_found") << r.body;
  auto mail = std::regex_replace(body, std::regex("Accompagnement conjoint"), "Écrire à jean.dupont@example.fr");
  r = call("PUT", "/api/v1/agenda-items/" + aid + "/sheet", mail, f_);
  EXPECT_EQ(json_at(r.body, "error.field"), "proposal_details") << r.body;
  EXPECT_EQ(count("SELECT count(*) FROM intervision_sheets"), 0);
}

TEST_F(Intervision, AnAgendaTakesAtMostMaxCasesUnderTwentyConcurrentSubmissions) {
  auto oid = intervision(3);
  std::vector<std::string> cases;
  for (int i = 0; i < 20; ++i) cases.push_back(case_id(file(p1_, "Homme, la quarantaine, alcool.", k_consent)));
  std::vector<std::future<int>> tries;
  for (const auto& cid : cases)
    tries.push_back(std::async(std::launch::async, [&, cid] {
      return post("/api/v1/occurrences/" + oid + "/agenda", R"({"case_id":)" + cid + "}", p1_).status;
    }));
  int created = 0, full = 0;
  for (auto& t : tries) {
    auto s = t.get();
    created += s == 201;
    full += s == 409;
  }
  EXPECT_EQ(created, 3);
  EXPECT_EQ(full, 17);
  EXPECT_EQ(count("SELECT count(*) FROM intervision_agenda_items WHERE occurrence_id = " + oid), 3);
  // The same case twice: 409 naming the item.
  auto first =
      one("SELECT case_id FROM intervision_agenda_items WHERE occurrence_id = " + oid + " ORDER BY id LIMIT 1");
  auto again = post("/api/v1/occurrences/" + oid + "/agenda", R"({"case_id":)" + first + "}", p1_);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(json_at(again.body, "error.existing_id"),
            one("SELECT id FROM intervision_agenda_items WHERE case_id = " + first));
  // Participants see the items of their cases, and how full the agenda is.
  auto seen = get("/api/v1/occurrences/" + oid + "/agenda", f_);
  EXPECT_EQ(json_at(seen.body, "total"), "3");
  EXPECT_TRUE(json_at(seen.body, "agenda_items.2.code").has_value());
  auto others = get("/api/v1/occurrences/" + oid + "/agenda", p2_);
  EXPECT_EQ(json_at(others.body, "total"), "3");
  EXPECT_FALSE(json_at(others.body, "agenda_items.0.id").has_value()) << others.body;
  // A case of another pole or a meeting that is not an intervision: 400.
  auto webinar = post("/api/v1/groups/" + pole_ + "/meetings",
                      R"({"title":"W","kind":"webinar","mode":"online","timezone":"UTC","duration_minutes":60,)"
                      R"("occurrences":["2027-01-01T12:30"]})",
                      owner_);
  auto woid = json_at(webinar.body, "meeting.occurrences.0.id").value_or("0");
  auto r = post("/api/v1/occurrences/" + woid + "/agenda", R"({"case_id":)" + cases[5] + "}", p1_);
  EXPECT_EQ(r.status, 400) << r.body;
  // A review: the same case on a later occurrence.
  auto later = intervision(3, "2027-06-03T12:30");
  r = post("/api/v1/occurrences/" + later + "/agenda", R"({"case_id":)" + first + "}", p1_);
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json_at(r.body, "agenda_item.review"), "true");
}

TEST_F(Intervision, WithdrawalErasesTheCaseAtOnceTellsEachParticipantOnceAndLeavesNoTextAnywhere) {
  const std::string summary = "Homme, la quarantaine, marqueur-sigma alcool et tabac.";
  const std::string withheld = "marqueur-omega judiciaire";
  auto cid = case_id(file(p1_, summary, R"({"basis":"written","withheld":[")" + withheld + "\"]}", "[" + p2_.id + "]"));
  auto code = json_at(get("/api/v1/cases/" + cid, p1_).body, "case.code").value_or("?");
  auto oid = intervision(5);
  auto later = intervision(5, "2027-06-03T12:30");
  std::vector<std::string> items;
  for (const auto& o : {oid, later}) {
    auto r = post("/api/v1/occurrences/" + o + "/agenda", R"({"case_id":)" + cid + "}", p2_);
    ASSERT_EQ(r.status, 201) << r.body;
    items.push_back(json_at(r.body, "agenda_item.id").value_or("0"));
  }
  auto body = std::regex_replace(sheet(R"(,"next_review_in_days":1)", p2_.id), std::regex("Isolement"),
                                 "marqueur-tau isolement");
  ASSERT_EQ(call("PUT", "/api/v1/agenda-items/" + items[0] + "/sheet", body, f_).status, 200);
  // A review notice already sent for it (as the scheduler would).
  sql("INSERT INTO notifications (user_id, kind, title, body, data) VALUES (" + f_.id +
      ", 'case_review_due', 't', 'b', '{\"case_id\": " + cid + "}')");
  EXPECT_EQ(count("SELECT count(*) FROM intervision_withdrawals"), 0);

  auto withdrawn = post("/api/v1/cases/" + cid + "/consent/withdraw", "", p1_);
  ASSERT_EQ(withdrawn.status, 204) << groups_->log_tail();
  // At once: 404 for every participant, on the case, its items and the agendas.
  for (const auto& p : {p1_, p2_, f_, c_, e_}) {
    EXPECT_EQ(get("/api/v1/cases/" + cid, p).status, 404) << p.handle;
    for (const auto& o : {oid, later})
      EXPECT_EQ(json_at(get("/api/v1/occurrences/" + o + "/agenda", p).body, "total"), "0");
    EXPECT_EQ(call("PUT", "/api/v1/agenda-items/" + items[0] + "/sheet", body, p).status, 404);
    // One case_withdrawn notice each, with nothing of the case.
    EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE kind = 'case_withdrawn' AND user_id = " + p.id), 1)
        << p.handle;
  }
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE kind = 'case_withdrawn'"), 5);
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE kind = 'case_withdrawn' AND (data ? 'case_id' OR "
                  "data::text LIKE '%" +
                  code + "%' OR body LIKE '%" + code + "%')"),
            0);
  EXPECT_EQ(post("/api/v1/occurrences/" + oid + "/agenda", R"({"case_id":)" + cid + "}", p1_).status, 404);
  // Only the HMAC of the code remains.
  EXPECT_EQ(count("SELECT count(*) FROM intervision_withdrawals WHERE octet_length(code_hmac) = 32"), 1);
  std::vector<std::string> needles{"marqueur-", code, code.substr(4)};
  int scanned = 0;
  EXPECT_EQ(text_hits(needles, scanned), "") << "columns holding the case's text or code";
  EXPECT_GT(scanned, 20);
  // The report counts it as withdrawn only (the year of the withdrawal).
  auto year = one("SELECT extract(year FROM now() AT TIME ZONE 'Europe/Paris')::int");
  auto report = get("/api/v1/groups/" + pole_ + "/intervision-report?year=" + year, f_);
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_EQ(count("SELECT count(*) FROM intervision_withdrawals WHERE group_id = " + pole_), 1);
  EXPECT_EQ(json_at(report.body, "intervision_report.withdrawn"), "<5");
  EXPECT_EQ(json_at(report.body, "intervision_report.reasons.total"), "<5");
  EXPECT_EQ(json_at(report.body, "intervision_report.reasons.rounded"), "false");

  // The participants erase their accounts: still nothing, in tables, Redis or logs.
  for (const auto& p : {p1_, p2_, f_, c_, e_})
    ASSERT_EQ(call("DELETE", "/api/v1/me", R"({"password":"un mot de passe"})", p).status, 202) << p.handle;
  EXPECT_EQ(text_hits(needles, scanned), "");
  EXPECT_EQ(count("SELECT count(*) FROM intervision_roles"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM professional_confirmations WHERE user_id IN (" + p1_.id + "," + p2_.id + ")"),
            0);
  auto keys = run_checked({"redis-cli", "-p", std::to_string(redis_.port()), "--scan"});
  for (const auto& n : needles) EXPECT_EQ(keys.find(n), std::string::npos) << "a Redis key holds " << n;
  for (const auto* svc : {groups_.get(), gateways_[0].get(), gateways_[1].get()})
    for (const auto& n : needles) EXPECT_EQ(svc->log_text().find(n), std::string::npos) << "a log holds " << n;
}

// The scheduler on an accelerated clock (a day a second) from the day before
// the review is due; two schedulers, then a fresh one after they stop: the
// case's facilitators get one case_review_due each, no one else any.
TEST_F(Intervision, AReviewIsRemindedToTheFacilitatorsExactlyOnceAcrossSchedulerRestarts) {
  auto f2 = pro("Animateur2", "physician");
  ASSERT_EQ(call("PUT", "/api/v1/groups/" + pole_ + "/intervision-roles/" + f2.id, R"({"role":"facilitator"})", owner_)
                .status,
            200);
  auto cid = case_id(file(p1_, "Homme, la quarantaine.", k_consent, "[" + p2_.id + "]"));
  auto oid = intervision(3, "2027-03-04T12:30");
  auto item = post("/api/v1/occurrences/" + oid + "/agenda", R"({"case_id":)" + cid + "}", p1_);
  auto aid = json_at(item.body, "agenda_item.id").value_or("0");
  // Refusals first: not a facilitator, a bad enum, someone outside the case.
  EXPECT_EQ(call("PUT", "/api/v1/agenda-items/" + aid + "/sheet", sheet("", p2_.id), p1_).status, 403);
  auto r = call("PUT", "/api/v1/agenda-items/" + aid + "/sheet",
                std::regex_replace(sheet("", p2_.id), std::regex("\"partly\""), "\"partially\""), f_);
  EXPECT_EQ(json_at(r.body, "error.field"), "objective_met") << r.body;
  r = call("PUT", "/api/v1/agenda-items/" + aid + "/sheet", sheet("", p3_.id), f_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json_at(r.body, "error.field"), "report_back_user_id");
  r = call("PUT", "/api/v1/agenda-items/" + aid + "/sheet", sheet(R"(,"next_review_in_days":90)", p2_.id), f_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_at(r.body, "agenda_item.sheet.objective_met"), "partly");
  EXPECT_EQ(json_at(r.body, "agenda_item.sheet.review_due_at"), "2027-06-02T11:30:00.000Z");
  EXPECT_EQ(json_at(get("/api/v1/cases/" + cid, p2_).body, "case.agenda.0.sheet"), "true");
  // A filled item stays on the agenda.
  EXPECT_EQ(call("DELETE", "/api/v1/agenda-items/" + aid, "", f_).status, 409);

  auto log = schedulers_from("2027-06-01T10:00:00Z", 2);
  EXPECT_EQ(log.find("failed"), std::string::npos) << log;

  for (const auto& p : {f_, f2})
    EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE kind = 'case_review_due' AND user_id = " + p.id), 1)
        << p.handle;
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE kind = 'case_review_due'"), 2);
  EXPECT_EQ(one("SELECT data->>'case_id' FROM notifications WHERE kind = 'case_review_due' AND user_id = " + f_.id),
            cid);
  auto text =
      one("SELECT title || ' ' || body FROM notifications WHERE kind = 'case_review_due' AND user_id = " + f_.id);
  EXPECT_NE(text.find("04/03/2027"), std::string::npos) << text;
  EXPECT_EQ(text.find("ITV-"), std::string::npos) << text;
}

// A seeded year: four held intervisions, twelve cases, twenty agenda items
// (eight reviews), eighteen sheets with enums drawn by a fixed rule,
// attendance; a fifth intervision whose five cases are withdrawn after their
// sheets were filled; a case of another year. Every count of the report
// equals the one computed here, with the small-count rule applied.
TEST_F(Intervision, TheYearlyReportMatchesCountsComputedIndependently) {
  std::vector<std::string> cases;
  for (int i = 0; i < 12; ++i) cases.push_back(case_id(file(p1_, "Homme, la quarantaine.", k_consent)));
  std::vector<std::string> occurrences;
  const char* held[] = {"2025-01-16 12:30", "2025-04-17 12:30", "2025-09-18 12:30", "2025-12-11 12:30"};
  for (const auto* when : held) {
    occurrences.push_back(intervision(5));
    held_on(occurrences.back(), when);
  }
  // Another year's intervision, with its own item and sheet: not counted.
  auto other = intervision(5);
  held_on(other, "2024-11-14 12:30");
  const std::vector<std::string> reasons{"new_patient", "worsening", "care_coordination", "misuse", "orientation"};
  const std::vector<std::string> addictions{"alcohol", "tobacco", "cannabis"};
  const std::vector<std::string> proposals{"joint_support", "refer", "synthesis", "find_gp"};
  const std::vector<std::string> objectives{"yes", "partly", "no"};
  const std::vector<std::string> stages{"contemplation", "action", "relapse"};
  std::map<std::string, std::map<std::string, int>> expected;
  std::set<std::string> distinct;
  int items = 0, reviews = 0, sheets = 0;
  std::map<std::string, int> seen;
  auto fill = [&](const std::string& aid, int k, bool count_it) {
    auto pick = [&](const std::vector<std::string>& v, int n) { return v[static_cast<std::size_t>(n) % v.size()]; };
    std::vector<std::string> rs{pick(reasons, k)}, ads{pick(addictions, k)}, ps{pick(proposals, k)};
    if (k % 3 == 0) rs.push_back(pick(reasons, k + 2));
    if (k % 2 == 0) ads.push_back(pick(addictions, k + 1));
    auto list = [](const std::vector<std::string>& v) {
      std::string s = "[";
      for (const auto& x : v) s += (s.size() > 1 ? ",\"" : "\"") + x + "\"";
      return s + "]";
    };
    auto body = R"({"consent_recorded":"yes","requesters":["gp"],"addictions":)" + list(ads) + R"(,"reasons":)" +
                list(rs) +
                R"(,"has_gp":true,"gp_invited":false,"has_pharmacist":true,"pharmacist_invited":true,)"
                R"("difficulties":[],"motivation_stage":")" +
                pick(stages, k) + R"(","issues_found":"","proposals":)" + list(ps) +
                R"(,"proposal_details":"","objective_met":")" + pick(objectives, k) + R"(","report_back_user_id":)" +
                p1_.id + "}";
    auto r = call("PUT", "/api/v1/agenda-items/" + aid + "/sheet", body, f_);
    ASSERT_EQ(r.status, 200) << r.body;
    if (!count_it) return;
    ++sheets;
    for (const auto& x : rs) ++expected["reasons"][x];
    for (const auto& x : ads) ++expected["addictions"][x];
    for (const auto& x : ps) ++expected["proposals"][x];
    ++expected["requesters"]["gp"];
    ++expected["objective_met"][pick(objectives, k)];
    ++expected["motivation_stage"][pick(stages, k)];
    ++expected["consent_recorded"]["yes"];
  };
  // Occurrence j takes cases 3j .. 3j+4 (mod 12): later ones review earlier cases.
  for (int j = 0; j < 4; ++j)
    for (int n = 0; n < 5; ++n) {
      auto cid = cases[static_cast<std::size_t>((3 * j + n) % 12)];
      auto r = post("/api/v1/occurrences/" + occurrences[j] + "/agenda", R"({"case_id":)" + cid + "}", p1_);
      ASSERT_EQ(r.status, 201) << r.body;
      ++items;
      reviews += seen[cid]++ > 0;
      distinct.insert(cid);
      if (items <= 18) fill(json_at(r.body, "agenda_item.id").value_or("0"), items, true);
    }
  // (A case of its own: an earlier item would make the 2025 ones reviews.)
  auto before = case_id(file(p1_, "Femme, la soixantaine.", k_consent));
  auto r = post("/api/v1/occurrences/" + other + "/agenda", R"({"case_id":)" + before + "}", p1_);
  fill(json_at(r.body, "agenda_item.id").value_or("0"), 99, false);
  // Attendance: by profession, present only.
  std::map<std::string, int> attendance;
  for (std::size_t j = 0; j < occurrences.size(); ++j)
    for (const auto& [p, profession] : std::vector<std::pair<person, std::string>>{
             {f_, "gp"}, {c_, "nurse"}, {p1_, "gp"}, {p2_, "pharmacist"}, {p3_, "psychologist"}, {e_, ""}}) {
      bool present = profession != "psychologist" || j == 0;
      if (profession.empty()) continue;
      sql("INSERT INTO meeting_attendance (occurrence_id, user_id, present, signed_at, signed_by) VALUES (" +
          occurrences[j] + ", " + p.id + ", " + (present ? "true" : "false") + ", now(), " + p.id + ")");
      if (present) ++attendance[profession];
    }
  expected["attendance_by_profession"] = attendance;
  // A fifth intervision in 2025 whose five cases, discussed with their
  // sheets filled, are then withdrawn: counted as withdrawn only (not as
  // cases, reviews, sheets or in any breakdown).
  auto fifth = intervision(5);
  held_on(fifth, "2025-06-12 12:30");
  for (int n = 0; n < 5; ++n) {
    auto gone = case_id(file(p1_, "Femme, la trentaine.", k_consent));
    r = post("/api/v1/occurrences/" + fifth + "/agenda", R"({"case_id":)" + gone + "}", p1_);
    ASSERT_EQ(r.status, 201) << r.body;
    fill(json_at(r.body, "agenda_item.id").value_or("0"), 100 + n, false);
    ASSERT_EQ(post("/api/v1/cases/" + gone + "/consent/withdraw", "", p1_).status, 204);
  }
  sql("UPDATE intervision_withdrawals SET withdrawn_at = '2025-06-13 10:00+02'");

  auto small = [](int n) { return n >= 5 ? std::to_string(n) : std::string("<5"); };
  for (const auto& [who, gid] : std::vector<std::pair<person, std::string>>{{f_, pole_}, {owner_, space_}}) {
    auto report = get("/api/v1/groups/" + gid + "/intervision-report?year=2025", who);
    ASSERT_EQ(report.status, 200) << report.body;
    const auto& b = report.body;
    auto at = [&](const std::string& path) { return json_at(b, "intervision_report." + path).value_or("?"); };
    EXPECT_EQ(at("meetings"), "5");
    EXPECT_EQ(at("cases"), small(static_cast<int>(distinct.size())));
    EXPECT_EQ(at("reviews"), small(reviews));
    EXPECT_EQ(at("sheets"), small(sheets));
    EXPECT_EQ(at("withdrawn"), "5");
    for (const auto& [field, counts] : expected) {
      int total = 0;
      bool hidden = false;
      for (const auto& [value, n] : counts) {
        EXPECT_EQ(at(field + ".counts." + value), small(n)) << field << "." << value;
        total += n;
        hidden = hidden || n < 5;
      }
      auto shown = hidden ? (total + 2) / 5 * 5 : total;
      EXPECT_EQ(at(field + ".total"), small(shown)) << field;
      EXPECT_EQ(at(field + ".rounded"), hidden ? "true" : "false") << field;
    }
    // No code, no free text: only counts.
    EXPECT_EQ(b.find("ITV-"), std::string::npos);
    EXPECT_EQ(b.find("quarantaine"), std::string::npos);
  }
  EXPECT_EQ(items, 20);
  EXPECT_EQ(reviews, 8);
  EXPECT_EQ(sheets, 18);
  auto m = someone("SimpleMembre");
  member(space_, m.id);
  member(pole_, m.id);
  EXPECT_EQ(get("/api/v1/groups/" + pole_ + "/intervision-report?year=2025", m).status, 403);
  EXPECT_EQ(get("/api/v1/groups/" + space_ + "/intervision-report?year=2025", m).status, 403);
}

}  // namespace
