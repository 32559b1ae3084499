// Colibri's web client: a router over the public contract (docs/protocol.md) only.
import { accountView, forgotView, resendButton, resetView, verifyView } from "./account.js";
import { ApiError, get, patch, post, session, whenUnauthenticated } from "./api.js";
import { day, lang, money, number, setLang, t, time } from "./i18n.js";
import { Live } from "./live.js";
import { groupMeetingsView, meetingsListView, meetingView } from "./meetings.js";
import { helpView } from "./directory.js";
import { caseView, intervisionView } from "./intervision.js";
import { preferencesView } from "./preferences.js";
import { searchView } from "./search.js";
import { moderationView } from "./moderation.js";
import { documentsView, feedView, watchView } from "./pro.js";
import { roomView } from "./room.js";
import { announce, field, form, h, replace } from "./ui.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");

export const app = {
  user: null,
  live: null,
  get lang() { return lang; },
  unreadNotifications: 0,
  notifications: [],
};

let current = null;  // the view on screen (its cleanup runs on leaving)

function startLive() {
  app.live = new Live(session.token);
  app.live.addEventListener("state", (e) => {
    document.body.classList.toggle("offline", !e.detail.online);
    announce(e.detail.online ? t("online") : t("offline"));
  });
  app.live.addEventListener("notification", (e) => {
    const n = e.detail;
    if (!app.notifications.some((x) => x.id === n.id)) app.notifications.unshift(n);
    if (!n.read) app.unreadNotifications++;
    announce(n.title);
    renderNav();
    // A welcome opens the group the person was waiting for.
    const joined = (n.kind === "welcome" || n.kind === "join_approved") && /^#\/groups\/\d+$/.test(location.hash);
    // A promotion or a cancellation changes the meeting on screen.
    const meeting = n.data && n.data.meeting_id && location.hash.startsWith("#/meetings");
    if (location.hash.startsWith("#/notifications") || joined || meeting) route();
  });
  app.live.addEventListener("fatal", () => signOut());
  app.live.start();
}

async function signIn(token) {
  session.token = token;
  app.user = (await get("/me")).user;
  const n = await get("/notifications?limit=200");
  app.notifications = n.notifications.reverse();
  app.unreadNotifications = app.notifications.filter((x) => !x.read).length;
  startLive();
  if (app.notifications.length) app.live.notificationsAfter = Math.max(...app.notifications.map((x) => x.id));
}

function signOut() {
  if (app.live) app.live.stop();
  app.live = null;
  app.user = null;
  session.token = null;
  location.hash = "#/login";
  renderNav();
}

// What the account views (account.js) need from here.
const accountCtx = {
  app,
  async refreshUser() { app.user = (await get("/me")).user; },
  signedOut: () => signOut(),
  reload: () => route(),
};
whenUnauthenticated(() => { announce(t("session_over")); signOut(); });

function renderNav() {
  const link = (href, label, extra) => h("a", { href, "aria-current": location.hash.startsWith(href) ? "page" : null }, label, extra);
  const langButton = h("button", { type: "button", class: "link", lang: lang === "fr" ? "en" : "fr",
    onclick: () => { setLang(lang === "fr" ? "en" : "fr"); renderNav(); route(); } }, t("language"));
  if (!app.user) {
    replace(nav, link("#/login", t("login")), link("#/register", t("register")), langButton);
    return;
  }
  const count = app.unreadNotifications ? h("span", { class: "badge", "aria-label": `${app.unreadNotifications} ${t("unread")}` },
    String(app.unreadNotifications)) : null;
  replace(nav, link("#/groups", t("groups")), link("#/search", t("search")), link("#/feed", t("feed")), link("#/meetings", t("meetings")),
    link("#/messages", t("messages")), link("#/aide", t("help_near")),
    link("#/notifications", t("notifications"), count),
    link("#/progress", t("progress")), link("#/profile", t("profile")), link("#/preferences", t("preferences")), link("#/account", t("account")), langButton,
    h("button", { type: "button", class: "link", onclick: async () => {
      try { await post("/auth/logout"); } catch { /* the token is gone either way */ }
      signOut();
    } }, t("logout")));
}

// --- Views -------------------------------------------------------------

function authView(mode) {
  const register = mode === "register";
  const fields = [
    field(t("email"), "email", "input", { type: "email", autocomplete: "email", required: true }),
    register ? field(t("handle"), "handle", "input", { autocomplete: "nickname", required: true, maxlength: 64 }, t("handle_hint")) : null,
    field(t("password"), "password", "input", { type: "password", autocomplete: register ? "new-password" : "current-password", required: true },
      register ? t("password_hint") : null),
    h("button", { type: "submit" }, register ? t("register") : t("login")),
  ];
  const f = form({ class: "card", "aria-label": register ? t("register") : t("login") }, fields, async (v) => {
    const body = register ? { email: v.email, password: v.password, handle: v.handle, locale: lang,
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || "Europe/Paris" } : { email: v.email, password: v.password };
    const r = await post(register ? "/auth/register" : "/auth/login", body);
    await signIn(r.token);
    renderNav();
    location.hash = "#/groups";
  });
  return h("div", { class: "narrow" },
    h("h1", {}, t("welcome_title")), h("p", { class: "lead" }, t("welcome_text")),
    h("h2", {}, register ? t("register") : t("login")), f,
    register ? null : h("p", {}, h("a", { href: "#/forgot" }, t("forgot_link"))),
    h("p", {}, register ? t("have_account") : t("no_account"), " ",
      h("a", { href: register ? "#/login" : "#/register" }, register ? t("login") : t("register"))),
    h("p", { class: "hint" }, t("help")));
}

function membershipLine(g) {
  const m = g.my_membership;
  if (m && m.state === "member") return h("span", { class: "chip ok" }, m.role === "member" ? t("member") : m.role);
  if (m && m.state === "pending") return h("span", { class: "chip" }, t("pending"));
  return null;
}

async function groupsView() {
  const { groups } = await get("/groups?limit=200");
  groups.sort((a, b) => a.name.localeCompare(b.name, "fr"));
  const children = (id) => groups.filter((g) => g.parent_id === id);
  const item = (g) => h("li", {},
    h("a", { href: `#/groups/${g.id}` }, g.name), " ", membershipLine(g),
    h("span", { class: "hint" }, ` · ${g.member_count} ${g.member_count > 1 ? t("members") : t("member")}`),
    g.description ? h("p", { class: "hint" }, g.description) : null,
    children(g.id).length ? h("ul", {}, children(g.id).map(item)) : null);
  const roots = groups.filter((g) => g.parent_id === null || !groups.some((p) => p.id === g.parent_id));
  const unverified = app.user && !app.user.email_verified
    ? h("p", { class: "notice", id: "verify-banner" }, t("verify_banner"), " ", resendButton()) : null;
  return h("div", {}, h("h1", {}, t("spaces")), unverified,
    roots.length ? h("ul", { class: "tree" }, roots.map(item)) : h("p", {}, t("nothing")));
}

function joinPanel(g, parent) {
  const m = g.my_membership;
  if (m && m.state === "pending") return h("p", { class: "notice", role: "status" }, t("pending"));
  if (parent && !(parent.my_membership && parent.my_membership.state === "member"))
    return h("p", { class: "notice" }, t("parent_first"), " ", h("a", { href: `#/groups/${parent.id}` }, parent.name));
  if (g.join_policy === "invite") return h("p", { class: "notice" }, t("invite_only"));
  const ask = g.join_policy === "request";
  return form({ class: "card", "aria-label": ask ? t("ask_join") : t("join") }, [
    ask ? field(t("motivation"), "motivation", "textarea", { rows: 4, maxlength: 2000, required: true }, t("motivation_hint")) : null,
    h("button", { type: "submit" }, ask ? t("send_request") : t("join")),
  ], async (v) => {
    await post(`/groups/${g.id}/join`, ask ? { motivation: v.motivation } : {});
    route();
  });
}

async function groupView(id, tab, at) {
  const { group: g } = await get(`/groups/${id}`);
  const parent = g.parent_id ? (await get(`/groups/${g.parent_id}`).catch(() => null))?.group : null;
  const member = g.my_membership && g.my_membership.state === "member";
  const moderator = member && g.my_membership.role !== "member";
  const tabs = member ? h("nav", { class: "tabs", "aria-label": g.name },
    [["room", t("room"), `#/groups/${id}`], ["threads", t("threads"), `#/groups/${id}/threads`],
     ["meetings", t("meetings"), `#/groups/${id}/meetings`],
     g.kind === "professional" ? ["documents", t("documents"), `#/groups/${id}/documents`] : null,
     g.kind === "professional" ? ["watch", t("watch"), `#/groups/${id}/watch`] : null,
     g.kind === "professional" && g.parent_id ? ["intervision", t("iv_title"), `#/groups/${id}/intervision`] : null,
     moderator ? ["moderation", t("moderation"), `#/groups/${id}/moderation`] : null].filter(Boolean)
      .map(([k, label, href]) => h("a", { href, "aria-current": tab === k ? "page" : null }, label))) : null;
  const head = h("header", { class: "group-head" },
    parent ? h("a", { href: `#/groups/${parent.id}`, class: "hint" }, `← ${parent.name}`) : null,
    h("h1", {}, g.name), g.description ? h("p", {}, g.description) : null, tabs);
  if (!member) return h("div", {}, head, joinPanel(g, parent));
  let body;
  if (tab === "threads") body = await threadsView(g);
  else if (tab === "meetings") body = await groupMeetingsView(g, moderator);
  else if (tab === "documents") body = await documentsView(g, moderator);
  else if (tab === "watch") body = await watchView(g);
  else if (tab === "intervision") body = await intervisionView(app, g);
  else if (tab === "moderation") body = await moderationView(app, g);
  else {
    const room = roomView(app, g.room, { title: t("room"), members: membersOf(g), at: Number(at) || undefined });
    body = h("div", { class: "with-aside" }, room,
      g.rules ? h("aside", { class: "rules" }, h("h2", {}, t("rules")), h("p", {}, g.rules), h("p", { class: "hint" }, t("help"))) : null);
    body.cleanup = room.cleanup;
  }
  const el = h("div", {}, head, body);
  el.cleanup = () => body.cleanup && body.cleanup();
  return el;
}

// Handles of a group's members, for "X is typing" before X has written.
async function membersOf(g) {
  try {
    return (await get(`/groups/${g.id}/members?limit=200`)).members.map((m) => [m.user_id, m.handle]);
  } catch {
    return [];
  }
}

async function threadsView(g) {
  const { threads } = await get(`/groups/${g.id}/threads`);
  const f = form({ class: "card", "aria-label": t("new_thread") }, [
    field(t("title"), "title", "input", { maxlength: 200, required: true }),
    field(t("first_post"), "body", "textarea", { rows: 3, maxlength: 4000, required: true }),
    h("button", { type: "submit" }, t("create")),
  ], async (v) => {
    const r = await post(`/groups/${g.id}/threads`, { title: v.title, body: v.body });
    location.hash = `#/groups/${g.id}/threads/${r.thread.id}`;
  });
  return h("div", {},
    threads.length ? h("ul", { class: "threads" }, threads.map((th) => h("li", {},
      h("a", { href: `#/groups/${g.id}/threads/${th.id}` }, th.title),
      th.pinned ? h("span", { class: "chip" }, t("pinned")) : null, th.locked ? h("span", { class: "chip" }, t("locked")) : null,
      h("span", { class: "hint" }, ` · ${th.post_count} ${t("posts")} · ${time(th.last_activity_at)}`),
      th.unread ? h("span", { class: "badge" }, `${th.unread} ${t("unread")}`) : null))) : h("p", {}, t("nothing")),
    h("details", {}, h("summary", {}, t("new_thread")), f));
}

async function threadView(gid, tid, at) {
  const { threads } = await get(`/groups/${gid}/threads?limit=200`);
  const th = threads.find((x) => String(x.id) === String(tid));
  const room = roomView(app, `thread:${tid}`,
    { title: th ? th.title : t("threads"), members: membersOf({ id: gid }), at: Number(at) || undefined });
  const el = h("div", {}, h("a", { href: `#/groups/${gid}/threads` }, `← ${t("threads")}`),
    h("h1", {}, th ? th.title : t("threads")), room);
  el.cleanup = room.cleanup;
  return el;
}

const others = (c) => c.members.filter((m) => !app.user || m.id !== app.user.id).map((m) => m.handle).join(", ");

async function conversationsView() {
  const { conversations } = await get("/conversations");
  return h("div", {}, h("h1", {}, t("messages")),
    conversations.length ? h("ul", { class: "threads" }, conversations.map((c) => h("li", {},
      h("a", { href: `#/dm/${c.id}` }, others(c) || t("dm")),
      c.last_activity_at ? h("span", { class: "hint" }, ` · ${time(c.last_activity_at)}`) : null,
      c.last_seq > c.read_seq ? h("span", { class: "badge" }, t("new_messages")) : null))) : h("p", {}, t("no_conversations")));
}

async function dmView(cid, at) {
  const { conversations } = await get("/conversations");
  const c = conversations.find((x) => String(x.id) === String(cid));
  const room = roomView(app, `dm:${cid}`, { title: c ? t("with_whom", { who: others(c) }) : t("dm"), at: Number(at) || undefined });
  const el = h("div", {}, room);
  el.cleanup = room.cleanup;
  return el;
}

// Where a notification leads: the group's queue for moderators' work, its room otherwise.
function notificationLink(n) {
  const d = n.data && typeof n.data === "object" ? n.data : {};
  if (d.meeting_id) return h("a", { href: `#/meetings/${d.meeting_id}` }, t("open"));
  if (!d.group_id) return null;
  const queue = n.kind === "join_request" || n.kind === "report";
  return h("a", { href: `#/groups/${d.group_id}${queue ? "/moderation" : ""}` }, queue ? t("moderation") : t("open"));
}

function notificationsView() {
  const list = app.notifications;
  const upTo = list.length ? Math.max(...list.map((n) => n.id)) : 0;
  const markAll = h("button", { type: "button", class: "secondary", onclick: async () => {
    await post("/notifications/read", { up_to_id: upTo });
    for (const n of list) n.read = true;
    app.unreadNotifications = 0;
    renderNav();
    route();
  } }, t("mark_read"));
  return h("div", {}, h("h1", {}, t("notifications")), upTo ? markAll : null,
    list.length ? h("ul", { class: "notifications" }, list.map((n) => h("li", { class: n.read ? "read" : "unread", "data-kind": n.kind },
      h("p", { class: "strong" }, n.title), h("p", { class: "pre" }, n.body),
      h("p", { class: "hint" }, time(n.at), " ", notificationLink(n)))))
      : h("p", {}, t("notifications_empty")));
}

async function profileView() {
  const me = (await get("/me")).user;
  const q = me.quit || {};
  const f = form({ class: "card", "aria-label": t("quit_title") }, [
    field(t("quit_date"), "quit.date", "input", { type: "date", required: true, value: q.date || "" }),
    field(t("cigs"), "quit.cigarettes_per_day", "input", { type: "number", min: 1, max: 200, value: q.cigarettes_per_day ?? "" }),
    field(t("pack_price"), "quit.pack_price_cents", "input", { type: "number", min: 0.01, step: 0.01,
      value: q.pack_price_cents ? (q.pack_price_cents / 100).toFixed(2) : "" }),
    field(t("pack_size"), "quit.pack_size", "input", { type: "number", min: 1, max: 100, value: q.pack_size ?? "" }),
    h("fieldset", { "data-field": "quit.share" }, h("legend", {}, t("share")),
      ["private", "groups"].map((v) => h("label", { class: "radio" },
        h("input", { type: "radio", name: "quit.share", value: v, checked: (q.share || "private") === v }), t(`share_${v}`))),
      h("p", { class: "field-error", hidden: true })),
    h("button", { type: "submit" }, t("save")),
  ], async (v) => {
    const num = (x) => (x === "" || x === undefined ? undefined : Number(x));
    const quit = { date: v["quit.date"], share: v["quit.share"] };
    if (num(v["quit.cigarettes_per_day"]) !== undefined) quit.cigarettes_per_day = num(v["quit.cigarettes_per_day"]);
    if (num(v["quit.pack_price_cents"]) !== undefined) quit.pack_price_cents = Math.round(num(v["quit.pack_price_cents"]) * 100);
    if (num(v["quit.pack_size"]) !== undefined) quit.pack_size = num(v["quit.pack_size"]);
    await patch("/me", { quit });
    announce(t("saved"));
    location.hash = "#/progress";
  });
  return h("div", { class: "narrow" }, h("h1", {}, t("quit_title")), f);
}

async function progressView() {
  const p = (await get("/me/progress")).progress;
  if (!p) return h("div", { class: "narrow" }, h("h1", {}, t("progress_title")),
    h("p", {}, t("no_quit")), h("a", { href: "#/profile", class: "button" }, t("set_quit")));
  const { badges } = await get("/me/badges");
  const stat = (value, label) => h("div", { class: "stat" }, h("p", { class: "value" }, value), h("p", {}, label));
  return h("div", {}, h("h1", {}, t("progress_title")),
    p.days_until > 0 ? h("p", { class: "notice" }, t("days_until", { n: p.days_until })) : null,
    h("div", { class: "stats" },
      stat(number(p.days), t("days")),
      p.cigarettes_not_smoked != null ? stat(number(p.cigarettes_not_smoked), t("not_smoked")) : null,
      p.money_saved_cents != null ? stat(money(p.money_saved_cents), t("saved_money")) : null,
      p.minutes_regained != null ? stat(`${number(Math.floor(p.minutes_regained / 60))} h`, t("regained")) : null),
    p.next_milestone ? h("p", {}, h("strong", {}, `${t("next_milestone")} : `), `${p.next_milestone.name} (${day(p.next_milestone.date)})`) : null,
    p.health_fact ? h("blockquote", {}, h("p", {}, p.health_fact.text), h("p", { class: "hint" }, `${t("source")} : ${p.health_fact.source}`)) : null,
    h("h2", {}, t("badges")),
    badges.length ? h("ul", { class: "badges" }, badges.filter((b) => b.current).map((b) => h("li", {}, `🏅 ${b.name}`, h("span", { class: "hint" }, ` · ${day(b.falls_on)}`))))
      : h("p", {}, t("nothing")),
    h("p", {}, h("a", { href: "#/profile" }, t("quit_title"))));
}

// --- Router --------------------------------------------------------------

const routes = [
  [/^#\/login$/, () => authView("login"), false],
  [/^#\/register$/, () => authView("register"), false],
  [/^#\/groups$/, () => groupsView(), true],
  [/^#\/groups\/(\d+)(?:\?at=(\d+))?$/, (id, at) => groupView(id, "room", at), true],
  [/^#\/groups\/(\d+)\/threads$/, (id) => groupView(id, "threads"), true],
  [/^#\/groups\/(\d+)\/moderation$/, (id) => groupView(id, "moderation"), true],
  [/^#\/groups\/(\d+)\/meetings$/, (id) => groupView(id, "meetings"), true],
  [/^#\/groups\/(\d+)\/documents$/, (id) => groupView(id, "documents"), true],
  [/^#\/groups\/(\d+)\/watch$/, (id) => groupView(id, "watch"), true],
  [/^#\/groups\/(\d+)\/intervision$/, (id) => groupView(id, "intervision"), true],
  [/^#\/cases\/(\d+)$/, (cid) => caseView(app, cid), true],
  [/^#\/feed$/, () => feedView(), true],
  [/^#\/search$/, () => searchView(), true],
  [/^#\/aide$/, () => helpView(), true],
  [/^#\/meetings$/, () => meetingsListView(), true],
  [/^#\/meetings\/(\d+)$/, (mid) => meetingView(mid), true],
  [/^#\/groups\/(\d+)\/threads\/(\d+)(?:\?at=(\d+))?$/, (gid, tid, at) => threadView(gid, tid, at), true],
  [/^#\/messages$/, () => conversationsView(), true],
  [/^#\/dm\/(\d+)(?:\?at=(\d+))?$/, (cid, at) => dmView(cid, at), true],
  [/^#\/notifications$/, () => notificationsView(), true],
  [/^#\/profile$/, () => profileView(), true],
  [/^#\/progress$/, () => progressView(), true],
  [/^#\/account$/, () => accountView(accountCtx), true],
  [/^#\/preferences$/, () => preferencesView(), true],
  [/^#\/forgot$/, () => forgotView(), null],  // signed in too: a forgotten password cannot be changed with itself
  // Mailed links: signed in or not.
  [/^#\/verify\?token=([A-Za-z0-9_-]{1,64})$/, (token) => verifyView(accountCtx, token), null],
  [/^#\/reset\?token=([A-Za-z0-9_-]{1,64})$/, (token) => resetView(accountCtx, token), null],
];

// The app installs (manifest.json) and keeps its shell offline (sw.js); a
// browser without service workers simply runs it online.
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});

let generation = 0;
async function route() {
  const hash = location.hash || (app.user ? "#/groups" : "#/login");
  const mine = ++generation;
  let match = null;
  for (const [re, view, needsUser] of routes) {
    const m = hash.match(re);
    if (m) { match = [view, m.slice(1), needsUser]; break; }
  }
  if (!match) { location.hash = app.user ? "#/groups" : "#/login"; return; }
  if (match[2] === true && !app.user) { location.hash = "#/login"; return; }
  if (match[2] === false && app.user) { location.hash = "#/groups"; return; }
  if (current && current.cleanup) current.cleanup();
  current = null;
  replace(main, h("p", { class: "hint" }, t("loading")));
  let view;
  try {
    view = await match[0](...match[1]);
  } catch (e) {
    view = h("p", { class: "notice", role: "alert" }, e instanceof ApiError ? e.message : t("error_generic"));
  }
  if (mine !== generation) { if (view.cleanup) view.cleanup(); return; }
  current = view;
  replace(main, view);
  renderNav();
  const heading = main.querySelector("h1");
  if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
}

window.addEventListener("hashchange", route);

(async () => {
  setLang(lang);
  if (session.token) {
    try { await signIn(session.token); } catch { session.token = null; }
  }
  renderNav();
  route();
})();

