// Intervision, for the professionals of a pole: the case form (the server
// says why a text was refused, under its field), the caller's cases, the
// agendas of the pole's intervisions with each item's follow-up sheet, the
// yearly report, and the coordinators' confirmations. A case's own page is
// its participants' only. Over the public contract only.
import { api, get, post } from "./api.js";
import { lang, t } from "./i18n.js";
import { announce, field, form, h } from "./ui.js";

// Annexe II of the guide, in the reader's language.
const labels = {
  fr: {
    requester: { gp: "Médecin généraliste", cmp_epsm: "CMP / EPSM", pharmacist: "Pharmacien", hospital_addiction: "Service d'addictologie (CH)", csapa: "CSAPA", social: "Secteur social", caarud: "CAARUD", other: "Autre" },
    addictions: { heroin_ost: "Héroïne et TSO", cocaine: "Cocaïne et dérivés", medication: "Médicament(s)", alcohol: "Alcool", cannabis: "Cannabis", tobacco: "Tabac", other: "Autre" },
    reasons: { new_patient: "Nouveau patient", treatment_adjustment: "Adaptation du traitement", follow_up: "Suivi patient", handover: "Relais de prise en charge", worsening: "Dégradation de la situation", care_coordination: "Coordination du parcours", misuse: "Mésusage de traitement", orientation: "Orientation", overconsumption: "Surconsommation", professional_in_difficulty: "Professionnel·s en difficulté", nomadism: "Nomadisme", care_breakdown: "Rupture de soins", psychosocial: "Problématique psychosociale", other: "Autre" },
    difficulties: { social_cover: "Couverture sociale", housing: "Logement", family: "Famille, couple", children: "Enfant(s)", work: "Travail", money: "Problèmes financiers", legal: "Judiciaires", violence: "Violences", extreme_poverty: "Grande précarité", somatic: "Somatiques", psychiatric: "Psychiatriques", other: "Autres" },
    motivation_stage: { precontemplation: "Pré-contemplation", contemplation: "Contemplation", decision: "Décision", action: "Action", maintenance: "Maintien", relapse: "Rechute" },
    proposals: { find_gp: "Aider à trouver un médecin traitant", contact_gp: "Contacter le médecin traitant", adjust_treatment: "Ajuster le traitement", adapt_dispensing: "Adapter le mode de délivrance", remobilise: "Remobiliser le patient dans le soin", continue_care: "Poursuivre la prise en soins", optimise_support: "Optimiser l'accompagnement", joint_support: "Accompagnement conjoint", refer: "Orienter", social_support: "Proposer un accompagnement social", contact_family: "Proposer de contacter la famille", synthesis: "Proposer une synthèse", report_to_absent: "Retour aux intervenants absents", other: "Autre" },
    consent_recorded: { yes: "Oui", no: "Non", unknown: "Ne sait pas" },
    objective_met: { yes: "Oui", partly: "Partiellement", no: "Non" },
    basis: { written: "Écrit", oral: "Oral", care_breakdown: "Rupture de soins (sans accord, sur validation)" },
    role: { facilitator: "Animateur·rice", coordinator: "Coordinateur·rice", expert: "Expert·e" },
    profession: { gp: "Médecin généraliste", physician: "Médecin", nurse: "Infirmier·e", midwife: "Sage-femme", pharmacist: "Pharmacien·ne", psychologist: "Psychologue", tobacco_specialist: "Tabacologue", addiction_specialist: "Addictologue", social_worker: "Travailleur·se social·e", prevention_worker: "Préventeur·rice", physiotherapist: "Kinésithérapeute", occupational_health: "Santé au travail", patient_expert: "Patient expert", other: "Autre", unknown: "Non renseigné" },
  },
  en: {
    requester: { gp: "GP", cmp_epsm: "CMP / EPSM", pharmacist: "Pharmacist", hospital_addiction: "Hospital addiction service", csapa: "CSAPA", social: "Social sector", caarud: "CAARUD", other: "Other" },
    addictions: { heroin_ost: "Heroin and OST", cocaine: "Cocaine", medication: "Medication", alcohol: "Alcohol", cannabis: "Cannabis", tobacco: "Tobacco", other: "Other" },
    reasons: { new_patient: "New patient", treatment_adjustment: "Treatment adjustment", follow_up: "Follow-up", handover: "Handover of care", worsening: "Worsening", care_coordination: "Care coordination", misuse: "Treatment misuse", orientation: "Orientation", overconsumption: "Overconsumption", professional_in_difficulty: "Professional(s) in difficulty", nomadism: "Nomadism", care_breakdown: "Care breakdown", psychosocial: "Psychosocial", other: "Other" },
    difficulties: { social_cover: "Social cover", housing: "Housing", family: "Family, couple", children: "Children", work: "Work", money: "Money", legal: "Legal", violence: "Violence", extreme_poverty: "Extreme poverty", somatic: "Somatic", psychiatric: "Psychiatric", other: "Other" },
    motivation_stage: { precontemplation: "Precontemplation", contemplation: "Contemplation", decision: "Decision", action: "Action", maintenance: "Maintenance", relapse: "Relapse" },
    proposals: { find_gp: "Help find a GP", contact_gp: "Contact the GP", adjust_treatment: "Adjust treatment", adapt_dispensing: "Adapt dispensing", remobilise: "Remobilise in care", continue_care: "Continue current care", optimise_support: "Optimise support", joint_support: "Joint support", refer: "Refer", social_support: "Social support", contact_family: "Suggest contacting family", synthesis: "Suggest a synthesis", report_to_absent: "Report to absent professionals", other: "Other" },
    consent_recorded: { yes: "Yes", no: "No", unknown: "Unknown" },
    objective_met: { yes: "Yes", partly: "Partly", no: "No" },
    basis: { written: "Written", oral: "Oral", care_breakdown: "Care breakdown (no consent, needs approval)" },
    role: { facilitator: "Facilitator", coordinator: "Coordinator", expert: "Expert" },
    profession: { gp: "GP", physician: "Physician", nurse: "Nurse", midwife: "Midwife", pharmacist: "Pharmacist", psychologist: "Psychologist", tobacco_specialist: "Tobacco specialist", addiction_specialist: "Addiction specialist", social_worker: "Social worker", prevention_worker: "Prevention worker", physiotherapist: "Physiotherapist", occupational_health: "Occupational health", patient_expert: "Patient expert", other: "Other", unknown: "Unknown" },
  },
};
const label = (kind, v) => (labels[lang][kind] || {})[v] || v;
const options = (kind) => Object.keys(labels.fr[kind]).map((v) => [v, label(kind, v)]);

// A set of checkboxes named `name`, its error under it like any field.
function checks(legend, name, kind, chosen = [], items = null) {
  const list = items || options(kind);
  return h("fieldset", { class: "field checks", "data-field": name }, h("legend", {}, legend),
    list.map(([v, l]) => h("label", {}, h("input", { type: "checkbox", name, value: v, checked: chosen.includes(v) }), ` ${l}`)),
    h("p", { class: "field-error", hidden: true }));
}
const checked = (f, name) => [...f.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
const lines = (s) => (s || "").split("\n").map((x) => x.trim()).filter(Boolean);

function caseForm(g, people, reload) {
  const others = people.filter((p) => p.user_id !== app().user.id);
  const eligible = others.filter((p) => p.eligible).map((p) => [String(p.user_id), `${p.handle} (${label("profession", p.profession)})`]);
  const everyone = others.map((p) => [String(p.user_id), p.handle]);
  return form({ class: "card case-form", "aria-label": t("iv_new_case") }, [
    h("p", { class: "hint" }, t("iv_no_name")),
    field(t("iv_requester"), "requester", "select", { options: options("requester") }),
    checks(t("iv_addictions"), "addictions", "addictions"),
    checks(t("iv_reasons"), "reasons", "reasons"),
    field(t("iv_summary"), "summary", "textarea", { rows: 4, maxlength: 4000, required: true }, t("iv_summary_hint")),
    field(t("iv_basis"), "consent.basis", "select", { options: options("basis") }),
    checks(t("iv_excluded"), "consent.excluded_user_ids", null, [], everyone),
    field(t("iv_withheld"), "consent.withheld", "textarea", { rows: 2 }, t("iv_withheld_hint")),
    checks(t("iv_invited"), "invited_user_ids", null, [], eligible),
    h("button", { type: "submit" }, t("iv_file")),
  ], async (v, f) => {
    const out = await post(`/groups/${g.id}/cases`, {
      requester: v.requester, addictions: checked(f, "addictions"), reasons: checked(f, "reasons"), summary: v.summary,
      consent: { basis: v["consent.basis"], excluded_user_ids: checked(f, "consent.excluded_user_ids").map(Number),
        withheld: lines(v["consent.withheld"]) },
      invited_user_ids: checked(f, "invited_user_ids").map(Number) });
    announce(t("iv_filed", { code: out.case.code }));
    await reload();
  });
}

function caseCard(c, { runs, reload }) {
  const act = async (fn, done) => { try { await fn(); announce(done); await reload(); } catch (e) { announce(e.message); } };
  const withdraw = h("button", { type: "button", class: "secondary", onclick: () => {
    withdraw.hidden = true;
    sure.hidden = false;
  } }, t("iv_withdraw"));
  const sure = h("button", { type: "button", class: "danger", hidden: true,
    onclick: () => act(() => post(`/cases/${c.id}/consent/withdraw`), t("iv_withdrawn")) }, t("iv_withdraw_sure"));
  return h("article", { class: "card case", "data-case": c.id },
    h("h3", {}, h("a", { href: `#/cases/${c.id}` }, c.code), " ",
      c.state === "awaiting_approval" ? h("span", { class: "chip warn" }, t("iv_awaiting")) : null),
    h("p", {}, c.summary),
    h("p", { class: "hint" }, `${label("requester", c.requester)} · ${c.reasons.map((r) => label("reasons", r)).join(", ")}`),
    c.consent.withheld.length ? h("p", { class: "hint" }, `${t("iv_withheld")} : ${c.consent.withheld.join(" ; ")}`) : null,
    h("p", { class: "hint" }, `${t("iv_participants")} : ${c.participants.map((p) => p.handle).join(", ")}`),
    c.state === "awaiting_approval" && runs ? h("button", { type: "button",
      onclick: () => act(() => post(`/cases/${c.id}/approval`), t("iv_approved")) }, t("iv_approve")) : null,
    withdraw, sure);
}

function sheetForm(item, people, reload) {
  const s = item.sheet || {};
  const yesNo = (name, l) => field(l, name, "select", { options: [["true", t("iv_yes")], ["false", t("iv_no")]] });
  const f = form({ class: "card sheet", "aria-label": t("iv_sheet") }, [
    h("h4", {}, `${t("iv_sheet")} · ${item.code}`),
    field(t("iv_consent_recorded"), "consent_recorded", "select", { options: options("consent_recorded") }),
    checks(t("iv_requesters"), "requesters", "requester", s.requesters || []),
    checks(t("iv_addictions"), "addictions", "addictions", s.addictions || []),
    checks(t("iv_reasons"), "reasons", "reasons", s.reasons || []),
    yesNo("has_gp", t("iv_has_gp")), yesNo("gp_invited", t("iv_gp_invited")),
    yesNo("has_pharmacist", t("iv_has_pharmacist")), yesNo("pharmacist_invited", t("iv_pharmacist_invited")),
    checks(t("iv_difficulties"), "difficulties", "difficulties", s.difficulties || []),
    field(t("iv_motivation"), "motivation_stage", "select", { options: options("motivation_stage") }),
    field(t("iv_issues"), "issues_found", "textarea", { rows: 3, maxlength: 4000 }),
    checks(t("iv_proposals"), "proposals", "proposals", s.proposals || []),
    field(t("iv_details"), "proposal_details", "textarea", { rows: 3, maxlength: 4000 }),
    field(t("iv_objective"), "objective_met", "select", { options: options("objective_met") }),
    field(t("iv_report_back"), "report_back_user_id", "select", { options: people.map((p) => [String(p.user_id), p.handle]) }),
    field(t("iv_next_review"), "next_review_in_days", "input", { type: "number", min: 1, max: 730 }, t("iv_next_review_hint")),
    h("button", { type: "submit" }, t("iv_save_sheet")),
  ], async (v, el) => {
    await api("PUT", `/agenda-items/${item.id}/sheet`, {
      consent_recorded: v.consent_recorded, requesters: checked(el, "requesters"), addictions: checked(el, "addictions"),
      reasons: checked(el, "reasons"), has_gp: v.has_gp === "true", gp_invited: v.gp_invited === "true",
      has_pharmacist: v.has_pharmacist === "true", pharmacist_invited: v.pharmacist_invited === "true",
      difficulties: checked(el, "difficulties"), motivation_stage: v.motivation_stage, issues_found: v.issues_found,
      proposals: checked(el, "proposals"), proposal_details: v.proposal_details, objective_met: v.objective_met,
      report_back_user_id: Number(v.report_back_user_id),
      next_review_in_days: v.next_review_in_days ? Number(v.next_review_in_days) : null });
    announce(t("iv_sheet_saved"));
    await reload();
  });
  // The stored values back in their controls.
  for (const [k, val] of Object.entries(s)) {
    const c = f.querySelector(`[name="${k}"]:not([type=checkbox])`);
    if (c && val !== null && val !== undefined) c.value = String(val);
  }
  return f;
}

async function agendaSection(g, cases, runs, reload) {
  const { meetings } = await get(`/groups/${g.id}/meetings?limit=50`);
  const active = cases.filter((c) => c.state === "active");
  const blocks = [];
  for (const m of meetings.filter((x) => x.kind === "intervision"))
    for (const o of m.occurrences.filter((x) => x.state === "scheduled")) {
      const { agenda_items: items, total, max_cases: max } = await get(`/occurrences/${o.id}/agenda`);
      const addable = active.filter((c) => !items.some((it) => it.case_id === c.id));
      const add = addable.length && total < max ? form({ class: "inline", "aria-label": t("iv_add") }, [
        field(t("iv_case"), "case_id", "select", { options: addable.map((c) => [String(c.id), c.code]) }),
        h("button", { type: "submit" }, t("iv_add")),
      ], async (v) => { await post(`/occurrences/${o.id}/agenda`, { case_id: Number(v.case_id) }); await reload(); }) : null;
      const people = (c) => (cases.find((x) => x.id === c)?.participants) || [];
      blocks.push(h("section", { class: "card agenda", "data-occurrence": o.id },
        h("h3", {}, `${m.title} · ${new Date(o.starts_at).toLocaleString(lang === "en" ? "en-GB" : "fr-FR", { dateStyle: "full", timeStyle: "short" })}`),
        h("p", { class: "hint" }, t("iv_agenda_count", { n: total, max })),
        h("ol", {}, items.map((it) => h("li", { "data-item": it.id }, h("a", { href: `#/cases/${it.case_id}` }, it.code),
          it.review ? h("span", { class: "chip" }, t("iv_review")) : null,
          it.sheet ? h("span", { class: "chip ok" }, t("iv_sheet_done")) : null,
          runs ? h("details", {}, h("summary", {}, t("iv_sheet")), sheetForm(it, people(it.case_id), reload)) : null))),
        add));
    }
  return h("section", {}, h("h2", {}, t("iv_agendas")), blocks.length ? blocks : h("p", {}, t("iv_no_agenda")));
}

function reportSection(g) {
  const out = h("div", { class: "report" });
  const show = (r) => {
    const rows = (key, kind) => Object.entries(r[key].counts).map(([v, n]) => h("tr", {}, h("td", {}, label(kind, v)), h("td", {}, String(n))));
    const table = (key, kind) => h("table", {}, h("caption", {}, t(`iv_r_${key}`)), h("tbody", {}, rows(key, kind),
      h("tr", { class: "total" }, h("td", {}, r[key].rounded ? t("iv_total_rounded") : t("iv_total")), h("td", {}, String(r[key].total)))));
    out.replaceChildren(
      h("p", {}, t("iv_r_line", { meetings: r.meetings, cases: r.cases, reviews: r.reviews, sheets: r.sheets, withdrawn: r.withdrawn })),
      h("p", { class: "hint" }, t("iv_r_small")),
      table("reasons", "reasons"), table("addictions", "addictions"), table("requesters", "requester"),
      table("difficulties", "difficulties"), table("proposals", "proposals"), table("objective_met", "objective_met"),
      table("attendance_by_profession", "profession"));
  };
  return h("section", {}, h("h2", {}, t("iv_report")),
    form({ class: "inline", "aria-label": t("iv_report") }, [
      field(t("iv_year"), "year", "input", { type: "number", min: 2000, max: 2100, value: new Date().getFullYear() }),
      h("button", { type: "submit" }, t("iv_show_report")),
    ], async (v) => show((await get(`/groups/${g.id}/intervision-report?year=${Number(v.year)}`)).intervision_report)),
    out);
}

function rosterSection(g, people, me, reload) {
  const coordinator = me && me.role === "coordinator";
  return h("section", {}, h("h2", {}, t("iv_people")), h("ul", { class: "roster" }, people.map((p) => h("li", {},
    `${p.handle} · ${label("profession", p.profession)} · ${p.organisation}`, p.role ? h("span", { class: "chip ok" }, label("role", p.role)) : null,
    p.eligible ? null : h("span", { class: "chip warn" }, t(p.confirmed ? "iv_not_eligible" : "iv_unconfirmed")),
    coordinator && !p.confirmed && !p.role ? h("button", { type: "button", class: "link", onclick: async () => {
      try { await api("PUT", `/groups/${g.id}/professionals/${p.user_id}/confirmation`); await reload(); } catch (e) { announce(e.message); }
    } }, t("iv_confirm")) : null))));
}

let appRef;
const app = () => appRef;

// The pole's Intervision tab.
export async function intervisionView(ctx, g) {
  appRef = ctx;
  const el = h("div", { class: "intervision" });
  const reload = async () => { el.replaceChildren(await render()); };
  const render = async () => {
    let people;
    try {
      ({ professionals: people } = await get(`/groups/${g.id}/professionals`));
    } catch (e) {
      return h("p", { class: "notice" }, e.message);
    }
    const me = people.find((p) => p.user_id === ctx.user.id);
    if (!me || !me.eligible) return h("p", { class: "notice" }, t("iv_not_for_you"));
    const runs = me.role === "facilitator" || me.role === "coordinator";
    const { cases } = await get(`/groups/${g.id}/cases?limit=50`);
    return h("div", {},
      h("p", { class: "hint" }, t("iv_intro")),
      h("details", { open: !cases.length }, h("summary", {}, t("iv_new_case")), caseForm(g, people, reload)),
      h("section", {}, h("h2", {}, t("iv_cases")), cases.length ? cases.map((c) => caseCard(c, { runs, reload })) : h("p", {}, t("iv_no_cases"))),
      await agendaSection(g, cases, runs, reload),
      runs ? reportSection(g) : null,
      rosterSection(g, people, me, reload));
  };
  el.append(await render());
  return el;
}

// A case's own page (its participants; 404 for anyone else).
export async function caseView(ctx, cid) {
  appRef = ctx;
  try {
    const { case: c } = await get(`/cases/${cid}`);
    return h("div", {}, h("a", { href: `#/groups/${c.group_id}/intervision`, class: "hint" }, `← ${t("iv_title")}`),
      h("h1", {}, c.code), caseCard(c, { runs: false, reload: async () => { location.hash = `#/groups/${c.group_id}/intervision`; } }),
      h("h2", {}, t("iv_agendas")), h("ul", {}, c.agenda.map((a) => h("li", {},
        new Date(a.starts_at).toLocaleDateString(lang === "en" ? "en-GB" : "fr-FR"), a.sheet ? ` · ${t("iv_sheet_done")}` : ""))));
  } catch (e) {
    return h("div", { class: "case-gone" }, h("h1", {}, t("iv_title")), h("p", { class: "notice" }, e.message));
  }
}
