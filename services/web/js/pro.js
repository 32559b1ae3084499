// The professional space's documents (versions, upload, download, restore,
// the reference status for moderators), the watch of a group, and the news
// feed across one's groups. Over the public contract only.
import { ApiError, download, get, patch, post, session } from "./api.js";
import { lang, t } from "./i18n.js";
import { announce, field, form, h } from "./ui.js";


// A file sent as it is (the upload route streams it; no JSON).
async function upload(did, file) {
  const res = await fetch(`/api/v1/documents/${did}/content?filename=${encodeURIComponent(file.name)}`, {
    method: "PUT", body: file,
    headers: { Authorization: `Bearer ${session.token}`, "Accept-Language": lang,
      "Content-Type": file.type || "application/octet-stream" } });
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const e = data && data.error;
    throw new ApiError(res.status, e ? e.code : "internal", e ? e.message : t("error_generic"), "file");
  }
  return data.version;
}

// "2 déc. 2026, 09:14" in the reader's zone.
function when(iso) {
  return new Date(iso).toLocaleString(lang === "en" ? "en-GB" : "fr-FR", { dateStyle: "medium", timeStyle: "short" });
}

function size(n) {
  if (n < 1024) return `${n} o`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} Ko`;
  return `${(n / 1024 / 1024).toFixed(1)} Mo`;
}

function fileField() {
  return field(t("d_file"), "file", "input", { type: "file",
    accept: ".pdf,.odt,.ods,.odp,.odg,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.png,.jpg,.jpeg,.txt" }, t("d_file_hint"));
}

function documentCard(d, moderator, reload) {
  const versions = h("ol", { class: "versions", reversed: true });
  const showVersions = async () => {
    const { versions: vs } = await get(`/documents/${d.id}/versions`);
    versions.replaceChildren(...vs.map((v) => h("li", { "data-version": v.version },
      `v${v.version} · ${v.filename} · ${size(v.size)} · ${when(v.created_at)}`,
      v.uploaded_by ? ` · ${v.uploaded_by.handle}` : "",
      v.restored_from ? ` · ${t("d_restored_from", { n: v.restored_from })}` : "", " ",
      h("button", { type: "button", class: "link", onclick: () => download(`/documents/${d.id}/content?version=${v.version}`, v.filename)
        .catch((e) => announce(e.message)) }, t("d_download")),
      v.version !== d.current_version ? h("button", { type: "button", class: "link", onclick: async () => {
        try { await post(`/documents/${d.id}/versions/${v.version}/restore`); announce(t("d_restored")); await reload(); } catch (e) { announce(e.message); }
      } }, t("d_restore")) : null)));
  };
  const newVersion = form({ class: "inline", "aria-label": t("d_new_version") }, [fileField(),
    h("button", { type: "submit" }, t("d_new_version"))], async (_, f) => {
    const file = f.querySelector("input[type=file]").files[0];
    if (!file) throw { field: "file", message: t("d_choose_file") };
    await upload(d.id, file);
    announce(t("d_uploaded"));
    await reload();
  });
  const latest = d.latest;
  return h("article", { class: "document card", "data-document": d.id },
    h("h3", {}, d.title, " ", h("span", { class: d.status === "reference" ? "chip ok" : "chip" },
      t(d.status === "reference" ? "d_reference" : "d_working"))),
    d.folder ? h("p", { class: "hint" }, `📁 ${d.folder}`) : null,
    d.description ? h("p", {}, d.description) : null,
    latest ? h("p", {}, `v${latest.version} · ${latest.filename} · ${size(latest.size)} `,
      h("button", { type: "button", class: "link", onclick: () => download(`/documents/${d.id}/content`, latest.filename)
        .catch((e) => announce(e.message)) }, t("d_download"))) : h("p", { class: "hint" }, t("d_empty")),
    h("details", { ontoggle: (e) => { if (e.target.open) showVersions().catch((x) => announce(x.message)); } },
      h("summary", {}, t("d_versions")), versions),
    newVersion,
    moderator ? h("button", { type: "button", class: "secondary", onclick: async () => {
      try {
        await patch(`/documents/${d.id}`, { status: d.status === "reference" ? "working" : "reference" });
        await reload();
      } catch (e) { announce(e.message); }
    } }, t(d.status === "reference" ? "d_make_working" : "d_make_reference")) : null);
}

export async function documentsView(g, moderator) {
  const el = h("div", { class: "documents" });
  async function render() {
    const { documents } = await get(`/groups/${g.id}/documents?limit=100`);
    const create = form({ class: "card", "aria-label": t("d_new") }, [
      field(t("title"), "title", "input", { required: true, maxlength: 200 }),
      field(t("d_folder"), "folder", "input", { maxlength: 200 }),
      field(t("d_description"), "description", "textarea", { rows: 2, maxlength: 4000 }),
      moderator ? field(t("d_status"), "status", "select", { options: [["working", t("d_working")], ["reference", t("d_reference")]] }) : null,
      fileField(),
      h("button", { type: "submit" }, t("d_add"))], async (v, f) => {
      const file = f.querySelector("input[type=file]").files[0];
      if (!file) throw { field: "file", message: t("d_choose_file") };
      const { document: d } = await post(`/groups/${g.id}/documents`,
        { title: v.title, folder: v.folder || undefined, description: v.description || undefined, status: v.status || undefined });
      await upload(d.id, file);
      announce(t("d_uploaded"));
      await render();
    });
    el.replaceChildren(
      documents.length ? h("div", { class: "document-list" }, documents.map((d) => documentCard(d, moderator, render)))
        : h("p", {}, t("d_none")),
      h("details", { open: !documents.length }, h("summary", {}, t("d_new")), create));
  }
  await render();
  return el;
}

export async function watchView(g) {
  const el = h("div", { class: "watch" });
  async function render() {
    const { watch } = await get(`/groups/${g.id}/watch?limit=100`);
    const create = form({ class: "card", "aria-label": t("w_new") }, [
      field(t("title"), "title", "input", { required: true, maxlength: 300 }),
      field(t("w_url"), "url", "input", { type: "url", required: true, maxlength: 2000 }),
      field("DOI", "doi", "input", { maxlength: 300, placeholder: "10.1000/xyz" }),
      field(t("w_summary"), "summary", "textarea", { rows: 3, required: true, maxlength: 4000 }),
      field(t("w_tags"), "tags", "input", { maxlength: 300 }, t("w_tags_hint")),
      h("button", { type: "submit" }, t("w_add"))], async (v) => {
      const tags = v.tags.split(",").map((s) => s.trim()).filter(Boolean);
      try {
        await post(`/groups/${g.id}/watch`, { title: v.title, url: v.url, doi: v.doi || undefined, summary: v.summary, tags });
      } catch (e) {
        if (e.status === 409) throw { field: e.field || "url", message: t("w_duplicate") };
        throw e;
      }
      announce(t("w_added"));
      await render();
    });
    el.replaceChildren(
      watch.length ? h("ul", { class: "watch-list" }, watch.map((w) => h("li", { "data-watch": w.id },
        h("a", { href: w.url, rel: "noopener noreferrer", target: "_blank" }, w.title),
        w.doi ? h("span", { class: "hint" }, ` · doi:${w.doi}`) : null,
        h("p", {}, w.summary),
        w.tags.length ? h("p", { class: "hint" }, w.tags.map((x) => `#${x}`).join(" ")) : null)))
        : h("p", {}, t("w_none")),
      h("details", {}, h("summary", {}, t("w_new")), create));
  }
  await render();
  return el;
}

const feedHref = (it) => ({ thread: `#/groups/${it.group_id}/threads/${it.id}`, meeting: `#/meetings/${it.id}`,
  document: `#/groups/${it.group_id}/documents`, watch: `#/groups/${it.group_id}/watch` })[it.kind];

export async function feedView() {
  const list = h("ul", { class: "feed" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, t("m_more"));
  let cursor = null;
  async function load() {
    const page = await get(`/feed?limit=30${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    for (const it of page.items)
      list.append(h("li", { "data-kind": it.kind }, h("span", { class: "chip" }, t(`f_${it.kind}`)), " ",
        h("a", { href: feedHref(it) }, it.title), h("span", { class: "hint" }, ` · ${it.group_name} · ${when(it.at)}`)));
    if (!list.childElementCount) list.append(h("li", {}, t("f_none")));
    cursor = page.next_cursor;
    more.hidden = !page.has_more;
  }
  more.addEventListener("click", () => load().catch((e) => announce(e.message)));
  await load();
  return h("div", {}, h("h1", {}, t("feed")), h("p", { class: "lead" }, t("f_intro")), list, more);
}
