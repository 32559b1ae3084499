// The account: verify the address, forgotten password and reset (links
// mailed with their token in the URL fragment), and, signed in: change the
// password, change the address, delete the account with the password.
import { post, api, session } from "./api.js";
import { t } from "./i18n.js";
import { announce, field, form, h } from "./ui.js";

// A token read from the fragment leaves the address bar (and the history) at once.
function forgetToken(route) { history.replaceState(null, "", `${location.pathname}${location.search}#/${route}`); }

function page(title, ...children) { return h("div", { class: "narrow" }, h("h1", {}, title), ...children); }

export async function verifyView(ctx, token) {
  forgetToken("verify");
  try {
    await post("/auth/verify", { token });
  } catch (e) {
    return page(t("verify_title"), h("p", { class: "notice", role: "alert" }, e.message),
      ctx.app.user ? resendButton() : h("a", { href: "#/login" }, t("login")));
  }
  if (ctx.app.user) await ctx.refreshUser();
  return page(t("verify_title"), h("p", { class: "notice ok", role: "status" }, t("verified")),
    h("a", { href: ctx.app.user ? "#/account" : "#/login", class: "button" }, ctx.app.user ? t("account") : t("login")));
}

export function resendButton() {
  return h("button", { type: "button", class: "secondary", onclick: async (ev) => {
    ev.target.disabled = true;
    try { await post("/auth/verify/resend"); announce(t("resent")); } catch (e) { announce(e.message); ev.target.disabled = false; }
  } }, t("resend"));
}

export function forgotView() {
  const done = h("p", { class: "notice ok", role: "status", hidden: true }, t("reset_sent"));
  const f = form({ class: "card", "aria-label": t("forgot_title") }, [
    field(t("email"), "email", "input", { type: "email", autocomplete: "email", required: true }),
    h("button", { type: "submit" }, t("send_link")),
  ], async (v) => {
    await post("/auth/password-reset", { email: v.email });
    done.hidden = false;
  });
  return page(t("forgot_title"), h("p", {}, t("forgot_text")), f, done, h("p", {}, h("a", { href: "#/login" }, t("login"))));
}

export function resetView(ctx, token) {
  forgetToken("reset");
  const f = form({ class: "card", "aria-label": t("reset_title") }, [
    field(t("new_password"), "password", "input", { type: "password", autocomplete: "new-password", required: true }, t("password_hint")),
    h("button", { type: "submit" }, t("save")),
  ], async (v) => {
    await post("/auth/password-reset/confirm", { token, password: v.password });
    // Every session ended, this one included.
    ctx.signedOut();
    announce(t("reset_done"));
    location.hash = "#/login";
  });
  return page(t("reset_title"), f);
}

export async function accountView(ctx) {
  await ctx.refreshUser();
  const me = ctx.app.user;
  const status = me.email_verified
    ? h("span", { class: "chip ok" }, t("email_verified"))
    : h("span", { class: "chip" }, t("email_unverified"));
  const pending = me.pending_email ? h("p", { class: "notice" }, t("pending_email", { email: me.pending_email }), " ", resendButton()) : null;

  const password = form({ class: "card", "aria-label": t("change_password") }, [
    h("h2", {}, t("change_password")),
    field(t("current_password"), "current_password", "input", { type: "password", autocomplete: "current-password", required: true }),
    h("p", { class: "hint" }, h("a", { href: "#/forgot" }, t("forgot_link"))),
    field(t("new_password"), "password", "input", { type: "password", autocomplete: "new-password", required: true }, t("password_hint")),
    h("button", { type: "submit" }, t("save")),
  ], async (v, el) => {
    await api("PUT", "/me/password", { current_password: v.current_password, password: v.password });
    el.reset();
    announce(t("password_changed"));
  });

  const email = form({ class: "card", "aria-label": t("change_email") }, [
    h("h2", {}, t("change_email")),
    field(t("new_email"), "email", "input", { type: "email", autocomplete: "email", required: true }, t("new_email_hint")),
    field(t("password"), "password", "input", { type: "password", autocomplete: "current-password", required: true }),
    h("button", { type: "submit" }, t("send_link")),
  ], async (v) => {
    await api("PUT", "/me/email", { email: v.email, password: v.password });
    announce(t("email_link_sent"));
    ctx.reload();
  });

  const erase = form({ class: "card danger", "aria-label": t("delete_account") }, [
    h("h2", {}, t("delete_account")),
    h("p", {}, t("delete_text")),
    field(t("password"), "password", "input", { type: "password", autocomplete: "current-password", required: true }),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "sure", required: true }), " ", t("delete_sure")),
    h("button", { type: "submit", class: "danger" }, t("delete_account")),
  ], async (v, el) => {
    if (!v.sure) { el.querySelector(".form-error").textContent = t("delete_tick"); el.querySelector(".form-error").hidden = false; return; }
    await api("DELETE", "/me", { password: v.password });
    session.token = null;
    ctx.signedOut();
    announce(t("deleted_account"));
  });

  return page(t("account"),
    h("p", {}, h("strong", {}, `${t("email")} : `), me.email, " ", status, " ", me.email_verified ? null : resendButton()),
    pending, password, email, erase);
}
