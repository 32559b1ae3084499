// "Trouver de l'aide près de chez moi": the directory of care structures by
// département or around the browser's location, each structure's card
// (places, never people: the numbers shown are the structures' own), and the
// picker a member uses to attach a structure to a message.
import { get } from "./api.js";
import { t } from "./i18n.js";
import { announce, field, form, h } from "./ui.js";

export const KINDS = ["csapa", "hospital_clinic", "gp_practice", "health_centre", "asalee", "pharmacy",
  "tobacco_clinic", "caarud", "occupational_health", "mobile_team", "other"];

export function kindLabel(kind) { return t(`kind_${kind}`); }

// A structure's card, as a message or a search shows it.
export function structureCard(s, { compact = false } = {}) {
  const phone = s.phone ? h("a", { href: `tel:${s.phone.replace(/[^0-9+]/g, "")}`, class: "phone" }, s.phone) : null;
  return h("article", { class: "structure-card", "data-structure": s.id },
    h("h3", {}, s.name),
    h("p", { class: "kind" }, kindLabel(s.kind), s.distance_km != null ? ` · ${t("s_distance", { km: s.distance_km })}` : "",
      s.stale ? h("span", { class: "chip warn" }, t("s_stale")) : null),
    compact ? h("p", {}, `${s.city} (${s.department})`) : h("p", {}, `${s.address}, ${s.postcode} ${s.city}`),
    phone ? h("p", {}, t("s_phone"), " ", phone) : null,
    s.website ? h("p", {}, h("a", { href: s.website, rel: "noopener noreferrer", target: "_blank" }, t("s_website"))) : null,
    !compact && s.hours ? h("p", { class: "hint" }, s.hours) : null,
    !compact && s.services && s.services.length ? h("p", { class: "hint" }, s.services.join(" · ")) : null);
}

function query(params) {
  return Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
}

// The search form and its results; `pick` (optional) turns each result into a choice.
export function directorySearch({ pick } = {}) {
  const results = h("div", { class: "structures", "aria-live": "polite" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, t("m_more"));
  let params = {};
  let cursor = null;
  async function load(reset) {
    if (reset) { cursor = null; results.replaceChildren(); }
    const page = await get(`/structures?${query({ ...params, limit: 20, cursor })}`);
    for (const s of page.structures) {
      const card = structureCard(s, { compact: !!pick });
      if (pick) card.append(h("button", { type: "button", class: "secondary", onclick: () => pick(s) }, t("s_pick")));
      results.append(card);
    }
    if (!results.childElementCount) results.append(h("p", {}, t("s_none")));
    cursor = page.next_cursor;
    more.hidden = !page.has_more;
  }
  more.addEventListener("click", () => load(false).catch((e) => announce(e.message)));
  const f = form({ class: "card directory-search", "aria-label": t("s_search") }, [
    field(t("s_department"), "department", "input", { inputmode: "text", maxlength: 3, placeholder: "44", autocomplete: "off" }),
    field(t("s_kind"), "kind", "select", { options: [["", t("s_any_kind")], ...KINDS.map((k) => [k, kindLabel(k)])] }),
    field(t("s_words"), "q", "input", { maxlength: 200, autocomplete: "off" }),
    h("div", { class: "actions" },
      h("button", { type: "submit" }, t("s_search")),
      h("button", { type: "button", class: "secondary", onclick: () => nearMe() }, t("s_near_me")))],
  async ({ department, kind, q }) => {
    params = { department: department.trim(), kind, q: q.trim() };
    await load(true);
  });
  function nearMe() {
    if (!navigator.geolocation) { announce(t("s_no_location")); return; }
    navigator.geolocation.getCurrentPosition((pos) => {
      params = { near: `${pos.coords.latitude.toFixed(4)},${pos.coords.longitude.toFixed(4)}`, radius_km: 50 };
      load(true).catch((e) => announce(e.message));
    }, () => announce(t("s_no_location")), { maximumAge: 600000, timeout: 10000 });
  }
  return h("div", {}, f, results, more);
}

export function helpView() {
  return h("div", { class: "help-near" },
    h("h1", {}, t("s_title")),
    h("p", { class: "lead" }, t("s_intro")),
    h("aside", { class: "notice urgent" }, t("s_urgent")),
    directorySearch());
}
