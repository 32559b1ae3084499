// DOM helpers. Text always goes in as text nodes (never as HTML): what
// members write cannot become markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let fieldSeq = 0;

// A labelled field whose error (the API's sentence) shows under it.
// name is the API's field path ("quit.date"); extra goes to the control.
export function field(label, name, control = "input", extra = {}, hint) {
  const id = `f${++fieldSeq}`;
  const err = h("p", { class: "field-error", id: `${id}-err`, hidden: true });
  const hintEl = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  const describedBy = [hint ? `${id}-hint` : null, `${id}-err`].filter(Boolean).join(" ");
  let input;
  if (control === "select") {
    const { options, ...rest } = extra;
    input = h("select", { id, name, "aria-describedby": describedBy, ...rest },
      options.map(([v, l]) => h("option", { value: v }, l)));
  } else {
    input = h(control, { id, name, "aria-describedby": describedBy, ...extra });
  }
  return h("div", { class: "field", "data-field": name }, h("label", { for: id }, label), input, hintEl, err);
}

// Shows an API error next to its field (or at the top of the form).
export function showError(form, e) {
  clearErrors(form);
  const box = e.field && form.querySelector(`[data-field="${CSS.escape(e.field)}"]`);
  const target = box ? box.querySelector(".field-error") : form.querySelector(".form-error");
  if (!target) return;
  target.textContent = e.message;
  target.hidden = false;
  if (box) {
    const input = box.querySelector("input, textarea, select");
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll(".field-error, .form-error")) { el.hidden = true; el.textContent = ""; }
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

// A form whose submit runs `action(values)`; errors land next to fields.
export function form(attrs, children, action) {
  const f = h("form", { novalidate: true, ...attrs }, h("p", { class: "form-error", role: "alert", hidden: true }), children);
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(f);
    const button = f.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    try {
      await action(Object.fromEntries(new FormData(f)), f);
    } catch (e) {
      showError(f, e);
    } finally {
      if (button) button.disabled = false;
    }
  });
  return f;
}

let statusTimer;
export function announce(text) {
  const s = document.getElementById("status");
  s.textContent = text;
  s.classList.add("visible");
  clearTimeout(statusTimer);
  // Faded out, it is emptied too: no invisible text left on the page.
  statusTimer = setTimeout(() => {
    s.classList.remove("visible");
    statusTimer = setTimeout(() => { s.textContent = ""; }, 400);
  }, 5000);
}
