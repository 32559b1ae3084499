// The REST side of the contract (docs/protocol.md): JSON in and out, the bearer
// token, and errors as {code, message, field} in the interface's language.
import { lang, t } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export const session = {
  get token() { return localStorage.getItem("colibri.token"); },
  set token(v) { v ? localStorage.setItem("colibri.token", v) : localStorage.removeItem("colibri.token"); },
  user: null,
};

let onUnauthenticated = () => {};
export function whenUnauthenticated(fn) { onUnauthenticated = fn; }

export async function api(method, path, body) {
  const headers = { "Accept-Language": lang };
  if (body !== undefined) headers["Content-Type"] = "application/json; charset=utf-8";
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  let res;
  try {
    res = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "network", t("error_network"));
  }
  if (res.status === 204 || res.status === 202 && res.headers.get("content-length") === "0") return null;
  let data = null;
  try { data = await res.json(); } catch { /* an empty or non-JSON body */ }
  if (!res.ok) {
    const e = data && data.error;
    if (res.status === 401 && session.token && !path.startsWith("/auth/")) onUnauthenticated();
    throw new ApiError(res.status, e ? e.code : "internal", e ? e.message : t("error_generic"), e ? e.field : undefined);
  }
  return data;
}

export const get = (p) => api("GET", p);
export const post = (p, b = {}) => api("POST", p, b);
export const patch = (p, b) => api("PATCH", p, b);
export const put = (p, b) => api("PUT", p, b);
export const del = (p) => api("DELETE", p);

// A file the API serves behind the bearer token, saved under `name`.
export async function download(path, name) {
  const res = await fetch(`/api/v1${path}`, { headers: { Authorization: `Bearer ${session.token}`, "Accept-Language": lang } });
  if (!res.ok) throw new ApiError(res.status, "download", t("error_generic"));
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
