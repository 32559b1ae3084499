// Meetings (webinars, meetings, practice sessions, intervisions): the
// listing across the caller's groups, a meeting's page (register, cancel,
// place in line, add to calendar), a group's meetings tab with the
// organisers' form to create a series with slot groups, taking attendance,
// and the personal calendar feed. Over the public contract only.
import { api, del, download, get, patch, post } from "./api.js";
import { lang, t } from "./i18n.js";
import { announce, field, form, h } from "./ui.js";

const locales = { fr: "fr-FR", en: "en-GB" };

// "jeudi 8 janvier 2026, 12:30" in the meeting's own zone (named when it is not the reader's).
function when(o, m) {
  const opts = { timeZone: m.timezone, weekday: "long", day: "numeric", month: "long", year: "numeric",
    hour: "2-digit", minute: "2-digit" };
  const text = new Date(o.starts_at).toLocaleString(locales[lang], opts);
  const mine = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return mine === m.timezone ? text : `${text} (${m.timezone})`;
}


function stateChip(o) {
  if (o.state === "cancelled") return h("span", { class: "chip warn" }, t("m_cancelled"));
  const r = o.my_registration;
  if (r && r.state === "registered") return h("span", { class: "chip ok" }, t("m_registered"));
  if (r && r.state === "waitlisted") return h("span", { class: "chip" }, t("m_waitlisted", { n: r.position }));
  return null;
}

function seats(o) {
  if (o.capacity == null) return t("m_seats_open", { n: o.registered });
  const left = Math.max(0, o.capacity - o.registered);
  return left ? t("m_seats_left", { n: left, of: o.capacity }) : t("m_full", { n: o.waitlisted });
}

// The actions on one occurrence for the caller.
function occurrenceActions(m, o, reload) {
  if (o.state === "cancelled" || m.state === "cancelled" || new Date(o.ends_at) < new Date()) return null;
  const r = o.my_registration;
  const act = async (fn, done) => {
    try { await fn(); announce(done()); await reload(); } catch (e) { announce(e.message); }
  };
  if (r) return h("button", { type: "button", class: "secondary", onclick: () => act(
    () => del(`/occurrences/${o.id}/registration`), () => t("m_unregistered")) }, t("m_unregister"));
  const full = o.capacity != null && o.registered >= o.capacity;
  if (full && !m.waitlist) return null;
  return h("button", { type: "button", onclick: () => act(async () => {
    const out = await post(`/occurrences/${o.id}/registration`);
    o.my_registration = out.registration;
  }, () => (o.my_registration && o.my_registration.state === "waitlisted"
    ? t("m_waitlisted", { n: o.my_registration.position }) : t("m_registered"))) },
  full ? t("m_join_waitlist") : t("m_register"));
}

function meetingCard(m, reload, { detail = false } = {}) {
  const occ = m.occurrences.map((o) => h("li", { class: "occurrence", "data-occurrence": o.id },
    h("p", { class: "strong" }, when(o, m), " ", stateChip(o)),
    o.slot_group != null ? h("p", { class: "hint" }, t("m_slot")) : null,
    o.state === "cancelled" && o.cancel_reason ? h("p", { class: "hint" }, `${t("m_reason")} : ${o.cancel_reason}`) : null,
    h("p", { class: "hint" }, seats(o)),
    occurrenceActions(m, o, reload),
    detail && m.organiser ? organiserTools(m, o, reload) : null));
  return h("article", { class: "card meeting", "data-meeting": m.id },
    h("h2", {}, detail ? m.title : h("a", { href: `#/meetings/${m.id}` }, m.title)),
    h("p", { class: "hint" }, `${t(`m_kind_${m.kind}`)} · ${t(`m_mode_${m.mode}`)} · ${m.group_name}`,
      m.location ? ` · ${m.location}` : ""),
    m.state === "cancelled" ? h("p", { class: "notice", role: "status" }, t("m_cancelled"), m.cancel_reason ? ` : ${m.cancel_reason}` : "") : null,
    detail && m.description ? h("p", { class: "pre" }, m.description) : null,
    m.join_url ? h("p", {}, h("a", { href: m.join_url, rel: "noopener noreferrer", target: "_blank" }, t("m_join_link"))) : null,
    h("ul", { class: "occurrences" }, occ),
    h("p", {}, h("button", { type: "button", class: "link", onclick: () => download(`/meetings/${m.id}.ics`, `rencontre-${m.id}.ics`)
      .catch((e) => announce(e.message)) }, t("m_add_calendar"))));
}

// Organisers: who comes, attendance, capacity, cancellation.
function organiserTools(m, o, reload) {
  const box = h("div", { class: "organiser" });
  const open = h("details", { ontoggle: async (ev) => {
    if (!ev.target.open || box.childElementCount) return;
    const { registrations } = await get(`/occurrences/${o.id}/registrations`);
    box.append(h("ul", { class: "attendance" }, registrations.map((r) => h("li", {},
      h("label", { class: "radio" }, h("input", { type: "checkbox", checked: false, onchange: async (e) => {
        try {
          await api("PUT", `/occurrences/${o.id}/attendance/${r.user.id}`, { present: e.target.checked });
          announce(t("saved"));
        } catch (err) { e.target.checked = !e.target.checked; announce(err.message); }
      } }), `${r.user.handle}`, r.professional ? ` · ${r.professional.profession}, ${r.professional.organisation}` : "",
      r.state === "waitlisted" ? ` · ${t("m_waitlisted", { n: r.position })}` : "")))),
    h("p", {}, h("button", { type: "button", class: "link", onclick: () => download(`/occurrences/${o.id}/attendance.csv`, `emargement-${o.id}.csv`)
      .catch((e) => announce(e.message)) }, t("m_csv"))),
    form({ class: "inline", "aria-label": t("m_capacity") }, [
      field(t("m_capacity"), "capacity", "input", { type: "number", min: 1, max: 100000, value: o.capacity ?? "" }),
      h("button", { type: "submit", class: "secondary" }, t("save")),
    ], async (v) => {
      await patch(`/occurrences/${o.id}`, { capacity: v.capacity === "" ? null : Number(v.capacity) });
      announce(t("saved"));
      await reload();
    }),
    form({ class: "inline", "aria-label": t("m_cancel_occurrence") }, [
      field(t("m_reason"), "reason", "input", { maxlength: 500, required: true }),
      h("button", { type: "submit", class: "danger" }, t("m_cancel_occurrence")),
    ], async (v) => {
      await post(`/occurrences/${o.id}/cancel`, { reason: v.reason });
      await reload();
    }));
  } }, h("summary", {}, t("m_organise")), box);
  return open;
}

// The personal calendar feed: the URL is shown once.
async function feedPanel() {
  const { calendar_feed: feed } = await get("/me/calendar-feed");
  const out = h("div", { class: "feed-url" });
  const make = h("button", { type: "button", class: "secondary", onclick: async () => {
    const r = await post("/me/calendar-feed");
    out.replaceChildren(h("p", {}, t("m_feed_once")),
      h("input", { type: "text", readonly: true, value: r.calendar_feed.url, "aria-label": t("m_feed_url"), onfocus: (e) => e.target.select() }));
    announce(t("m_feed_made"));
  } }, feed.configured ? t("m_feed_replace") : t("m_feed_make"));
  const revoke = feed.configured ? h("button", { type: "button", class: "link", onclick: async () => {
    await del("/me/calendar-feed");
    out.replaceChildren(h("p", {}, t("m_feed_revoked")));
    revoke.remove();
  } }, t("m_feed_revoke")) : null;
  return h("section", { class: "card", "aria-label": t("m_feed") }, h("h2", {}, t("m_feed")),
    h("p", { class: "hint" }, t("m_feed_explain")), make, " ", revoke, out);
}

export async function meetingsListView() {
  const el = h("div", {});
  let cursor = null;
  const list = h("div", { class: "meetings" });
  const more = h("button", { type: "button", class: "secondary", hidden: true, onclick: () => load() });
  more.textContent = t("m_more");
  async function load(reset = false) {
    if (reset) { cursor = null; list.replaceChildren(); }
    const page = await get(`/meetings?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    for (const m of page.meetings) list.append(meetingCard(m, () => load(true)));
    if (!list.childElementCount) list.append(h("p", {}, t("m_none")));
    cursor = page.next_cursor;
    more.hidden = !page.has_more;
  }
  await load();
  el.append(h("h1", {}, t("meetings")), h("p", { class: "lead" }, t("m_intro")), list, more, await feedPanel());
  return el;
}

export async function meetingView(mid) {
  const el = h("div", {});
  async function render() {
    const { meeting } = await get(`/meetings/${mid}`);
    el.replaceChildren(h("a", { href: "#/meetings" }, `← ${t("meetings")}`), h("h1", {}, meeting.title),
      meetingCard(meeting, render, { detail: true }));
  }
  await render();
  return el;
}

// A group's tab: its meetings, and for its moderators the form to create one.
export async function groupMeetingsView(g, moderator) {
  const { meetings } = await get(`/groups/${g.id}/meetings?limit=50`);
  const list = h("div", { class: "meetings" }, meetings.length ? meetings.map((m) => meetingCard(m, async () => window.dispatchEvent(new HashChangeEvent("hashchange"))))
    : h("p", {}, t("m_none")));
  return h("div", {}, list, moderator ? h("details", {}, h("summary", {}, t("m_new")), createForm(g)) : null);
}

function createForm(g) {
  const kinds = ["webinar", "meeting", "practice"].concat(g.kind === "professional" ? ["intervision"] : []);
  return form({ class: "card", "aria-label": t("m_new") }, [
    field(t("title"), "title", "input", { maxlength: 200, required: true }),
    field(t("m_description"), "description", "textarea", { rows: 3, maxlength: 8000 }),
    field(t("m_kind"), "kind", "select", { options: kinds.map((k) => [k, t(`m_kind_${k}`)]) }),
    field(t("m_mode"), "mode", "select", { options: ["online", "in_person", "hybrid"].map((k) => [k, t(`m_mode_${k}`)]) }),
    field(t("m_location"), "location", "input", { maxlength: 300 }, t("m_location_hint")),
    field(t("m_link"), "join_url", "input", { type: "url", maxlength: 2000 }, t("m_link_hint")),
    field(t("m_duration"), "duration_minutes", "input", { type: "number", min: 5, max: 1440, value: 90, required: true }),
    field(t("m_capacity"), "capacity", "input", { type: "number", min: 1, max: 100000 }, t("m_capacity_hint")),
    field(t("m_times"), "occurrences", "textarea", { rows: 3, required: true }, t("m_times_hint")),
    field(t("m_slots"), "slot_groups", "input", {}, t("m_slots_hint")),
    h("button", { type: "submit" }, t("create")),
  ], async (v) => {
    const occurrences = v.occurrences.split(/[\s,;]+/).filter(Boolean);
    const body = { title: v.title, description: v.description, kind: v.kind, mode: v.mode,
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || "Europe/Paris",
      duration_minutes: Number(v.duration_minutes), occurrences };
    if (v.location) body.location = v.location;
    if (v.join_url) body.join_url = v.join_url;
    if (v.capacity) body.capacity = Number(v.capacity);
    // "1+2, 3+4" (numbers as the list shows them, from 1): alternatives.
    if (v.slot_groups.trim()) body.slot_groups = v.slot_groups.split(/[,;]/).map((s) => s.split("+").map((n) => Number(n.trim()) - 1));
    const { meeting } = await post(`/groups/${g.id}/meetings`, body);
    location.hash = `#/meetings/${meeting.id}`;
  });
}
