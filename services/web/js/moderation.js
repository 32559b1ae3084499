// The volunteers' tools for one group: the join-request queue, the report
// queue, today's celebrated, scheduled posts and the audit log.
import { del, get, post } from "./api.js";
import { t, time } from "./i18n.js";
import { announce, field, form, h, replace } from "./ui.js";

function section(title, load) {
  const body = h("div", {}, h("p", { class: "hint" }, t("loading")));
  const el = h("section", { class: "card" }, h("h2", {}, title), body);
  const refresh = async () => {
    try { replace(body, await load(refresh)); } catch (e) { replace(body, h("p", { class: "notice" }, e.message)); }
  };
  refresh();
  return el;
}

// A button that runs an action then refreshes its section; errors are said.
function act(label, fn, refresh, cls) {
  return h("button", { type: "button", class: cls, onclick: async (e) => {
    e.target.disabled = true;
    try { await fn(); await refresh(); } catch (err) { announce(err.message); e.target.disabled = false; }
  } }, label);
}

async function joinRequests(g, refresh) {
  const { join_requests: list } = await get(`/groups/${g.id}/join-requests`);
  if (!list.length) return h("p", {}, t("nothing"));
  return h("ul", { class: "queue" }, list.map((r) => {
    const reject = form({ class: "inline" }, [
      field(t("reject_reason"), "reason", "input", { maxlength: 2000 }),
      h("button", { type: "submit", class: "secondary" }, t("reject")),
    ], async (v) => { await post(`/groups/${g.id}/join-requests/${r.id}/reject`, v.reason ? { reason: v.reason } : {}); await refresh(); });
    return h("li", { "data-request": r.id }, h("p", { class: "strong" }, r.user.handle, h("span", { class: "hint" }, ` · ${time(r.created_at)}`)),
      h("blockquote", {}, r.motivation),
      h("div", { class: "row" }, act(t("approve"), () => post(`/groups/${g.id}/join-requests/${r.id}/approve`), refresh)), reject);
  }));
}

async function reports(g, refresh) {
  const { reports: list } = await get(`/groups/${g.id}/reports?state=open`);
  if (!list.length) return h("p", {}, t("nothing"));
  const resolve = (r, action, extra = {}) => () => post(`/reports/${r.id}/resolve`, { action, ...extra });
  return h("ul", { class: "queue" }, list.map((r) => h("li", { "data-report": r.id },
    h("p", { class: "strong" }, t("reasons")[r.reason] || r.reason, h("span", { class: "hint" },
      ` · ${r.reporter ? r.reporter.handle : "?"} · ${time(r.created_at)}`)),
    r.event ? h("blockquote", {}, r.target ? `${r.target.handle} : ` : "", r.event.body || "") : null,
    r.note ? h("p", {}, r.note) : null,
    h("div", { class: "row" },
      r.seq ? act(t("hide"), resolve(r, "hide"), refresh) : null,
      act(t("remind_rules"), resolve(r, "remind_rules"), refresh, "secondary"),
      act(t("mute"), resolve(r, "mute", { duration_minutes: 60 }), refresh, "secondary"),
      act(t("dismiss"), resolve(r, "dismiss"), refresh, "secondary")))));
}

async function celebrations(g, refresh) {
  const { celebrations: list } = await get(`/groups/${g.id}/celebrations`);
  if (!list.length) return h("p", {}, t("nothing"));
  return h("ul", { class: "queue" }, list.map((c) => h("li", {},
    h("span", { class: "strong" }, c.user.handle), ` · ${c.milestone ? c.milestone.name : `J${c.day}`} `,
    c.congratulated_by ? h("span", { class: "chip ok" }, `${t("congratulated")} ${t("by")} ${c.congratulated_by.handle}`)
      : act(t("congratulate"), () => post(`/celebrations/${c.id}/congratulated`), refresh))));
}

async function scheduled(g, refresh) {
  const { scheduled_posts: list } = await get(`/groups/${g.id}/scheduled-posts`);
  const days = t("day_names");
  const describe = (p) => p.repeat === "once" ? time(p.at)
    : p.repeat === "daily" ? `${t("daily")} ${p.time}` : `${p.weekdays.map((d) => days[d - 1]).join(", ")} ${p.time}`;
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || "Europe/Paris";
  const f = form({ class: "inline-grid", "aria-label": t("schedule") }, [
    field(t("write"), "body", "textarea", { rows: 2, maxlength: 3800, required: true }),
    field(t("repeat"), "repeat", "select", { options: [["daily", t("daily")], ["weekly", t("weekly")], ["once", t("once")]] }),
    field(t("time"), "time", "input", { type: "time" }),
    field(t("at"), "at", "input", { type: "datetime-local" }),
    h("fieldset", { "data-field": "weekdays" }, h("legend", {}, t("weekdays")),
      days.map((d, i) => h("label", { class: "radio" }, h("input", { type: "checkbox", name: `wd${i + 1}` }), d)),
      h("p", { class: "field-error", hidden: true })),
    field(t("timezone"), "timezone", "input", { value: tz }),
    h("button", { type: "submit" }, t("schedule")),
  ], async (v) => {
    const body = { body: v.body, repeat: v.repeat, timezone: v.timezone };
    if (v.repeat === "once") body.at = v.at ? new Date(v.at).toISOString() : "";
    else body.time = v.time;
    if (v.repeat === "weekly") body.weekdays = [1, 2, 3, 4, 5, 6, 7].filter((d) => v[`wd${d}`]);
    await post(`/groups/${g.id}/scheduled-posts`, body);
    await refresh();
  });
  // Only the fields the chosen repetition uses are shown.
  const shown = () => {
    const r = f.querySelector("select[name=repeat]").value;
    f.querySelector('[data-field="time"]').hidden = r === "once";
    f.querySelector('[data-field="at"]').hidden = r !== "once";
    f.querySelector('[data-field="weekdays"]').hidden = r !== "weekly";
  };
  f.querySelector("select[name=repeat]").addEventListener("change", shown);
  shown();
  return h("div", {},
    list.length ? h("ul", { class: "queue" }, list.map((p) => h("li", {},
      h("p", {}, p.body), h("p", { class: "hint" }, `${describe(p)} (${p.timezone})`,
        p.next_at ? ` · ${t("next_at")} : ${time(p.next_at)}` : ""),
      act(t("delete"), () => del(`/scheduled-posts/${p.id}`), refresh, "secondary")))) : h("p", {}, t("nothing")),
    f);
}

async function audit(g) {
  const { entries } = await get(`/groups/${g.id}/audit?limit=50`);
  if (!entries.length) return h("p", {}, t("nothing"));
  return h("ul", { class: "queue" }, entries.map((e) => h("li", {},
    `${time(e.at)} · ${e.actor ? e.actor.handle : "?"} · ${e.action}`, e.target ? ` → ${e.target.handle}` : "",
    e.reason ? h("span", { class: "hint" }, ` (${e.reason})`) : null)));
}

export async function moderationView(app, g) {
  return h("div", { class: "moderation" },
    section(t("join_requests"), (r) => joinRequests(g, r)),
    section(t("reports"), (r) => reports(g, r)),
    section(t("celebrations"), (r) => celebrations(g, r)),
    section(t("scheduled"), (r) => scheduled(g, r)),
    section(t("audit"), () => audit(g)));
}
