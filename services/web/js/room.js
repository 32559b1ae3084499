// A room's live view (group room, thread or direct conversation): the latest
// page over REST, then the socket from that seq on (so nothing is missed or
// doubled, reconnects included), older pages on scroll, edits, deletions,
// reactions, typing, read markers, reports.
import { get, post } from "./api.js";
import { t, time } from "./i18n.js";
import { directorySearch, structureCard } from "./directory.js";
import { announce, field, form, h, replace } from "./ui.js";

const REACTIONS = ["👍", "❤️", "💪", "🎉"];
const SHOWN = new Set(["message", "system", "join", "leave"]);

// members: a promise of [user id, handle] pairs (a group's), optional;
// at: the seq of a message to open the room at (a search result, a push).
export function roomView(app, room, { title, subtitle, members, at } = {}) {
  const byseq = new Map();   // seq -> {ev, li}
  const handles = new Map(); // user id -> handle
  if (members) members.then((pairs) => { for (const [id, handle] of pairs) if (!handles.has(id)) handles.set(id, handle); });
  let first = Infinity, last = 0, hasMore = false, loadingOlder = false;
  // The live region wraps the list, so that the list keeps its list semantics.
  const list = h("ol", { class: "messages", "aria-label": title || t("room") });
  const olderButton = h("button", { type: "button", class: "link older", hidden: true, onclick: () => older() }, t("older"));
  const empty = h("p", { class: "empty" }, t("no_messages"));
  const typingLine = h("p", { class: "typing", "aria-live": "polite" });
  const unreadBadge = h("span", { class: "badge", hidden: true });
  const scroller = h("div", { class: "scroller" }, olderButton, empty,
    h("div", { role: "log", "aria-live": "polite" }, list));
  scroller.addEventListener("scroll", () => {
    if (scroller.scrollTop < 40 && hasMore && !loadingOlder) older();
    if (atBottom()) markRead();
  });

  const textarea = h("textarea", { name: "body", rows: 2, maxlength: 4000, required: true, placeholder: t("write") });
  let lastTyping = 0;
  textarea.addEventListener("input", () => {
    if (Date.now() - lastTyping > 3000) { lastTyping = Date.now(); app.live.typing(room); }
  });
  // "@" completion from the group's members (and the authors seen here):
  // the people picked are sent as structured mentions.
  const mentioned = new Map();  // handle -> user id
  const suggestions = h("ul", { class: "mention-list", role: "listbox", id: `m-${room}`, "aria-label": t("mention_list"), hidden: true });
  let choice = 0;
  const typedMention = () => /(^|\s)@([^\s@]{0,32})$/u.exec(textarea.value.slice(0, textarea.selectionStart));
  function pickMention(id, handle) {
    const m = typedMention();
    if (!m) return;
    const start = textarea.selectionStart - m[2].length - 1;
    textarea.value = `${textarea.value.slice(0, start)}@${handle} ${textarea.value.slice(textarea.selectionStart)}`;
    textarea.selectionStart = textarea.selectionEnd = start + handle.length + 2;
    mentioned.set(handle, id);
    closeSuggestions();
    textarea.focus();
  }
  function closeSuggestions() {
    suggestions.hidden = true;
    suggestions.replaceChildren();
    textarea.removeAttribute("aria-activedescendant");
  }
  function showSuggestions() {
    const m = typedMention();
    const typed = m ? m[2].toLocaleLowerCase() : null;
    const found = typed === null ? [] : [...handles].filter(([id, handle]) =>
      (!app.user || id !== app.user.id) && handle.toLocaleLowerCase().startsWith(typed)).slice(0, 6);
    if (!found.length) { closeSuggestions(); return; }
    choice = Math.min(choice, found.length - 1);
    suggestions.replaceChildren(...found.map(([id, handle], i) => h("li", {
      role: "option", id: `m-${room}-${i}`, "aria-selected": i === choice ? "true" : "false", "data-user": id,
      onmousedown: (e) => { e.preventDefault(); pickMention(id, handle); },
    }, `@${handle}`)));
    suggestions.hidden = false;
    textarea.setAttribute("aria-activedescendant", `m-${room}-${choice}`);
  }
  textarea.setAttribute("aria-controls", `m-${room}`);
  textarea.addEventListener("input", () => { choice = 0; showSuggestions(); });
  textarea.addEventListener("keydown", (e) => {
    if (!suggestions.hidden) {
      const options = suggestions.children;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        choice = (choice + (e.key === "ArrowDown" ? 1 : options.length - 1)) % options.length;
        showSuggestions();
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        const o = options[choice];
        pickMention(Number(o.dataset.user), o.textContent.slice(1));
        return;
      }
      if (e.key === "Escape") { closeSuggestions(); return; }
    }
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); composer.requestSubmit(); }
  });
  // Orientation: a structure of the directory attached to the next message (its card, never a person).
  let attached = null;
  const attachedChip = h("p", { class: "attached", hidden: true });
  const picker = h("div", { class: "picker", hidden: true });
  const orient = h("button", { type: "button", class: "link orient", onclick: () => {
    picker.hidden = !picker.hidden;
    if (!picker.hidden && !picker.childElementCount)
      picker.append(directorySearch({ pick: (s) => {
        attached = s;
        replace(attachedChip, t("s_attached", { name: s.name }), " ",
          h("button", { type: "button", class: "link", onclick: () => { attached = null; attachedChip.hidden = true; } }, t("s_detach")));
        attachedChip.hidden = false;
        picker.hidden = true;
        textarea.focus();
      } }));
  } }, t("s_orient"));
  const composer = form({ class: "composer", "aria-label": t("write") },
    [h("div", { class: "field", "data-field": "body" }, h("label", { class: "sr-only", for: `c-${room}` }, t("write")),
      Object.assign(textarea, { id: `c-${room}` }), suggestions, h("p", { class: "field-error", hidden: true })),
     h("button", { type: "submit" }, t("send")), orient, attachedChip, picker],
    async ({ body }) => {
      textarea.value = "";
      const card = attached;
      try {
        // Those picked whose "@handle" is still in the text.
        const mentions = [...mentioned].filter(([handle]) => body.includes(`@${handle}`)).map(([, id]) => id);
        const r = await app.live.send(room, body, { structureId: card ? card.id : undefined, mentions });
        mentioned.clear();
        attached = null;
        attachedChip.hidden = true;
        if (r.type === "held") announce(t("held"));
      } catch (e) {
        textarea.value = body;  // nothing lost: the text comes back to be corrected
        throw { field: "body", message: e.message || t("error_generic") };
      }
    });

  function atBottom() { return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 60; }

  function markRead() {
    if (last > 0 && document.visibilityState === "visible") app.live.read(room, last);
  }

  function actions(ev) {
    const mine = app.user && ev.author && ev.author.id === app.user.id;
    const bar = h("div", { class: "actions" });
    for (const emoji of REACTIONS)
      bar.append(h("button", { type: "button", class: "react", "aria-label": `${t("react")} ${emoji}`,
        onclick: () => app.live.react(room, ev.seq, emoji, !(reactions(ev.seq).get(emoji) || new Set()).has(app.user.id)).catch(() => {}) }, emoji));
    if (!mine && ev.kind === "message") {
      bar.append(h("button", { type: "button", class: "link", onclick: (e) => reportForm(e.target.closest("li"), ev) }, t("report")));
      if (!room.startsWith("dm:"))
        bar.append(h("button", { type: "button", class: "link", onclick: () => directMessage(ev.author) }, t("dm")));
    }
    return bar;
  }

  const reactionsOf = new Map();  // seq -> Map(emoji -> Set(user ids))
  function reactions(seq) {
    if (!reactionsOf.has(seq)) reactionsOf.set(seq, new Map());
    return reactionsOf.get(seq);
  }
  function renderReactions(seq) {
    const m = byseq.get(seq);
    const box = m && m.li && m.li.querySelector(".reactions");
    if (!box) return;
    const counts = [...reactions(seq)].filter(([, s]) => s.size > 0).map(([e, s]) => h("span", { class: "chip" }, `${e} ${s.size}`));
    replace(box, counts);
  }

  async function directMessage(author) {
    try {
      const r = await post("/conversations", { user_ids: [author.id] });
      location.hash = `#/dm/${r.conversation.id}`;
    } catch (e) { announce(e.message); }
  }

  function reportForm(li, ev) {
    if (li.querySelector("form.report")) return;
    const reasons = Object.entries(t("reasons"));
    const f = form({ class: "report", "aria-label": t("report_title") }, [
      h("p", { class: "strong" }, t("report_title")),
      field(t("reason"), "reason", "select", { options: reasons }),
      field(t("note"), "note", "textarea", { rows: 2, maxlength: 1000 }),
      h("div", { class: "row" }, h("button", { type: "submit" }, t("report")),
        h("button", { type: "button", class: "secondary", onclick: () => f.remove() }, t("cancel"))),
    ], async ({ reason, note }) => {
      await post("/reports", { room, seq: ev.seq, reason, ...(note ? { note } : {}) });
      f.remove();
      announce(t("reported"));
    });
    li.append(f);
    f.querySelector("select").focus();
  }

  function line(ev) {
    if (ev.author) handles.set(ev.author.id, ev.author.handle);
    const who = ev.author ? ev.author.handle : "Colibri";
    let text = ev.body || "";
    if (ev.kind === "join") text = `${who} ${app.lang === "en" ? "joined the group" : "a rejoint le groupe"} 👋`;
    if (ev.kind === "leave") text = `${who} ${app.lang === "en" ? "left the group" : "a quitté le groupe"}`;
    const li = h("li", { class: `msg ${ev.kind}`, "data-seq": ev.seq },
      ev.kind === "message" ? h("p", { class: "meta" }, h("span", { class: "author" }, who), " · ",
        h("time", { datetime: ev.at }, time(ev.at))) : null,
      h("p", { class: "body" }, text),
      ev.structure && ev.body !== undefined ? structureCard(ev.structure, { compact: true }) : null,
      h("div", { class: "reactions" }),
      ev.kind === "message" || ev.kind === "system" ? actions(ev) : null);
    return li;
  }

  // Applies one event; events are unique by seq (a replay changes nothing).
  function apply(ev, prepend = false) {
    if (byseq.has(ev.seq)) return;
    first = Math.min(first, ev.seq);
    last = Math.max(last, ev.seq);
    if (SHOWN.has(ev.kind)) {
      const li = line(ev);
      byseq.set(ev.seq, { ev, li });
      if (prepend) list.prepend(li);
      else list.append(li);
      empty.hidden = true;
    } else {
      byseq.set(ev.seq, { ev, li: null });
      const target = byseq.get(ev.target_seq);
      if (ev.kind === "edit" && target && target.li) {
        target.li.querySelector(".body").textContent = ev.body;
        target.li.classList.add("edited");
      } else if (ev.kind === "delete" && target && target.li) {
        target.li.classList.add("deleted");
        replace(target.li, h("p", { class: "body" }, t("deleted")));
      } else if (ev.kind === "reaction") {
        const s = reactions(ev.target_seq).get(ev.emoji) || new Set();
        if (ev.on) s.add(ev.author.id); else s.delete(ev.author.id);
        reactions(ev.target_seq).set(ev.emoji, s);
        renderReactions(ev.target_seq);
      }
    }
  }

  async function older() {
    loadingOlder = true;
    const height = scroller.scrollHeight;
    try {
      const r = await get(`/rooms/${room}/events?before=${first}&limit=50`);
      for (const ev of [...r.events].reverse()) apply(ev, true);
      hasMore = r.has_more;
      olderButton.hidden = !hasMore;
      scroller.scrollTop = scroller.scrollHeight - height;  // keep the reader's place
    } catch (e) { announce(e.message); }
    loadingOlder = false;
  }

  let typingTimer;
  const listeners = {
    event: (e) => {
      if (e.detail.room !== room) return;
      const stick = atBottom();
      apply(e.detail);
      if (stick) { scroller.scrollTop = scroller.scrollHeight; markRead(); }
    },
    typing: (e) => {
      const f = e.detail;
      if (f.room !== room || (app.user && f.user_id === app.user.id)) return;
      typingLine.textContent = t("typing_one", { who: handles.get(f.user_id) || t("someone") });
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => { typingLine.textContent = ""; }, 4000);
    },
    subscribed: (e) => { if (e.detail.room === room) showUnread(e.detail.unread); },
    unread: (e) => { if (e.detail.room === room) showUnread(e.detail.unread); },
  };
  function showUnread(n) {
    unreadBadge.hidden = !n;
    unreadBadge.textContent = `${n} ${t("unread")}`;
  }

  // Help now, one tap away in every room, day and night.
  const helpNow = h("details", { class: "help-now" }, h("summary", {}, t("help_now")),
    h("p", {}, t("s_urgent")),
    h("p", { class: "help-numbers" }, [["3114", "3114"], ["15", "15"], ["112", "112"], ["3989", "39 89"]]
      .map(([tel, shown]) => h("a", { href: `tel:${tel}`, class: "button secondary" }, shown))));
  const el = h("section", { class: "room", "aria-label": title || t("room") },
    title ? h("h2", {}, title, " ", unreadBadge) : null,
    subtitle ? h("p", { class: "hint" }, subtitle) : null,
    helpNow, scroller, typingLine, composer);

  (async () => {
    try {
      const r = await get(`/rooms/${room}/events?limit=50`);
      for (const ev of r.events) apply(ev);
      hasMore = r.has_more;
      olderButton.hidden = !hasMore;
      scroller.scrollTop = scroller.scrollHeight;
      // Opened at a message: older pages until it is there (bounded), then shown.
      for (let i = 0; at && at < first && hasMore && i < 40; i++) await older();
      const target = at && byseq.get(at);
      if (target && target.li) {
        target.li.classList.add("target");
        target.li.tabIndex = -1;
        target.li.scrollIntoView({ block: "center" });
        target.li.focus({ preventScroll: true });
      }
    } catch (e) {
      replace(el, h("p", { class: "notice" }, e.message));
      return;
    }
    for (const [type, fn] of Object.entries(listeners)) app.live.addEventListener(type, fn);
    app.live.subscribe(room, last);
    markRead();
  })();

  el.cleanup = () => {
    for (const [type, fn] of Object.entries(listeners)) app.live.removeEventListener(type, fn);
    app.live.unsubscribe(room);
  };
  return el;
}
