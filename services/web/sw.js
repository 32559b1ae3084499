// Colibri's service worker: the app's shell works offline (the page, its
// styles and scripts; never an API answer, which may hold what only a
// signed-in person may read), and pushes become notifications that open the
// app where they point.
const SHELL = "colibri-shell-v1";
const FILES = [
  "/", "/index.html", "/app.css", "/favicon.svg", "/manifest.json", "/icons/icon-192.png",
  "/js/app.js", "/js/account.js", "/js/api.js", "/js/directory.js", "/js/i18n.js", "/js/intervision.js",
  "/js/live.js", "/js/meetings.js", "/js/moderation.js", "/js/preferences.js", "/js/pro.js", "/js/room.js",
  "/js/search.js", "/js/ui.js",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== SHELL).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

// The network first (a new version shows at once), the shell when offline.
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname === "/ws") return;
  event.respondWith(fetch(event.request).then((res) => {
    if (res.ok && res.type === "basic") {  // any file of the app, listed or not
      const copy = res.clone();
      caches.open(SHELL).then((c) => c.put(event.request, copy));
    }
    return res;
  }).catch(() => caches.match(event.request)
    .then((hit) => hit || (event.request.mode === "navigate" ? caches.match("/index.html") : Response.error()))));
});

self.addEventListener("push", (event) => {
  let p = {};
  try { p = event.data ? event.data.json() : {}; } catch { p = {}; }
  event.waitUntil(self.registration.showNotification(p.title || "Colibri", {
    body: p.body || "",
    tag: p.tag,
    icon: "/icons/icon-192.png",
    badge: "/icons/icon-192.png",
    data: { url: typeof p.url === "string" && p.url.startsWith("#/") ? p.url : "#/notifications" },
    requireInteraction: Boolean(p.urgent),
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL("/" + event.notification.data.url, location.origin).href;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((wins) => {
    for (const w of wins) if (new URL(w.url).origin === location.origin) return w.navigate(target).then((c) => (c || w).focus());
    return self.clients.openWindow(target);
  }));
});
