// The preferences page: what reaches the person outside the app (pushes to
// this device, the mail digest), quiet hours, and the devices subscribed.
// Over the public contract only (docs/protocol.md, "Push and mail").
import { del, get, post, put } from "./api.js";
import { t, time } from "./i18n.js";
import { announce, form, h } from "./ui.js";

const fromB64u = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

function check(name, label, checked, hint) {
  const id = `pref-${name.replace(".", "-")}`;
  return h("div", { class: "field check" },
    h("input", { type: "checkbox", id, name, checked: checked ? true : null }),
    h("label", { for: id }, label), hint ? h("p", { class: "hint" }, hint) : null);
}

function clock(name, label, value) {
  const id = `pref-${name}`;
  return h("div", { class: "field" }, h("label", { for: id }, label),
    h("input", { type: "time", id, name, value: value || "" }));
}

// Subscribes this browser (service worker, permission, push manager) and
// hands the subscription to the server.
async function subscribeDevice() {
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) throw new Error(t("push_unsupported"));
  if ((await Notification.requestPermission()) !== "granted") throw new Error(t("push_denied"));
  const reg = await navigator.serviceWorker.ready;
  const { public_key } = await get("/push/key");
  const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromB64u(public_key) });
  await post("/me/push-subscriptions", sub.toJSON());
}

export async function preferencesView() {
  const { preferences: p } = await get("/me/preferences");
  const { push_subscriptions: devices } = await get("/me/push-subscriptions");
  const status = h("p", { class: "hint", role: "status" });
  const deviceList = h("ul", { class: "devices" }, devices.map((d) => h("li", {},
    `${new URL(d.service).hostname} · ${t("push_since", { when: time(d.created_at) })} `,
    h("button", { type: "button", class: "secondary", onclick: async (ev) => {
      await del(`/me/push-subscriptions/${d.id}`);
      ev.target.closest("li").remove();
      announce(t("push_removed"));
    } }, t("remove")))));
  const enable = h("button", { type: "button", onclick: async () => {
    enable.disabled = true;
    try {
      await subscribeDevice();
      status.textContent = t("push_enabled");
      announce(t("push_enabled"));
    } catch (e) {
      status.textContent = e.message;
    } finally {
      enable.disabled = false;
    }
  } }, t("push_enable"));
  const q = p.quiet_hours || {};
  const f = form({ class: "card preferences" }, [
    h("fieldset", {}, h("legend", {}, t("prefs_push")),
      check("push.replies", t("prefs_replies"), p.push.replies),
      check("push.mentions", t("prefs_mentions"), p.push.mentions),
      check("push.dms", t("prefs_dms"), p.push.dms),
      check("push.daily_congrats", t("prefs_congrats"), p.push.daily_congrats),
      check("push.moderation", t("prefs_moderation"), p.push.moderation),
      check("push_text", t("prefs_push_text"), p.push_text, t("prefs_push_text_hint"))),
    h("fieldset", {}, h("legend", {}, t("prefs_quiet")),
      h("p", { class: "hint" }, t("prefs_quiet_hint")),
      clock("quiet_from", t("prefs_quiet_from"), q.from), clock("quiet_to", t("prefs_quiet_to"), q.to)),
    h("fieldset", {}, h("legend", {}, t("prefs_mail")),
      check("mail_digest", t("prefs_mail_digest"), p.mail_digest, t("prefs_mail_digest_hint")),
      check("mail_text", t("prefs_mail_text"), p.mail_text),
      check("watch_digest", t("prefs_watch_digest"), p.watch_digest)),
    h("button", { type: "submit" }, t("save")),
  ], async (v, el) => {
    const on = (name) => el.querySelector(`[name="${name}"]`).checked;
    const from = el.querySelector("[name=quiet_from]").value, to = el.querySelector("[name=quiet_to]").value;
    await put("/me/preferences", {
      push: { replies: on("push.replies"), mentions: on("push.mentions"), dms: on("push.dms"),
        daily_congrats: on("push.daily_congrats"), moderation: on("push.moderation") },
      push_text: on("push_text"), mail_digest: on("mail_digest"), mail_text: on("mail_text"),
      watch_digest: on("watch_digest"), quiet_hours: from && to ? { from, to } : null,
    });
    announce(t("saved"));
  });
  return h("section", {}, h("h1", {}, t("preferences")),
    h("section", { class: "card" }, h("h2", {}, t("push_device")), h("p", {}, t("push_device_hint")), enable, status,
      devices.length ? h("h3", {}, t("push_devices")) : null, deviceList),
    f);
}
