// Search across what the member may read: a box, results newest first with
// the matching words marked, each opening its room or thread. Over the
// public contract only.
import { get } from "./api.js";
import { t, time } from "./i18n.js";
import { field, form, h } from "./ui.js";

// The snippet as text nodes, its matches in <mark> (never markup from the text).
function snippet(r) {
  const cps = [...r.snippet];
  const out = [];
  let at = 0;
  for (const [from, to] of r.highlights) {
    out.push(cps.slice(at, from).join(""), h("mark", {}, cps.slice(from, to).join("")));
    at = to;
  }
  out.push(cps.slice(at).join(""));
  return out;
}

// The room or thread, opened at the message found.
function target(r) {
  const [kind, id] = r.room.split(":");
  const at = r.seq ? `?at=${r.seq}` : "";
  if (kind === "thread") return `#/groups/${r.group_id}/threads/${id}${at}`;
  if (kind === "dm") return `#/dm/${id}${at}`;
  return `#/groups/${id}${at}`;
}

export async function searchView() {
  const results = h("ol", { class: "search-results" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, t("search_more"));
  let cursor = null, query = "";
  const load = async (fresh) => {
    const r = await get(`/search?q=${encodeURIComponent(query)}&limit=20${!fresh && cursor ? `&cursor=${cursor}` : ""}`);
    if (fresh) results.replaceChildren();
    for (const x of r.results)
      results.append(h("li", { class: "card search-result", "data-room": x.room, "data-seq": x.seq },
        h("a", { href: target(x) }, x.thread ? x.thread.title : t(x.room.startsWith("dm:") ? "dm" : "room")),
        h("p", {}, snippet(x)),
        h("p", { class: "hint" }, `${x.author ? x.author.handle : t("deleted_member")} · ${time(x.at)}`)));
    if (fresh && !r.results.length) results.append(h("li", { class: "empty" }, t("search_none")));
    cursor = r.next_cursor;
    more.hidden = !r.has_more;
  };
  more.addEventListener("click", () => load(false));
  return h("div", {}, h("h1", {}, t("search")),
    form({ class: "search", role: "search", "aria-label": t("search") }, [
      field(t("search_words"), "q", "input", { type: "search", maxlength: 200, required: true }, t("search_hint")),
      h("button", { type: "submit" }, t("search")),
    ], async (v) => { query = v.q; cursor = null; await load(true); }),
    results, more);
}
