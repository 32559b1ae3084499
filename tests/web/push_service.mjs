// A Web Push service on loopback for tests (RFC 8030), standing in for a
// browser's push service and the browser behind it: it hands out
// subscriptions (a P-256 key pair and an auth secret of its own, the
// application server key they are bound to), receives pushes, checks the
// VAPID claim (RFC 8292: ES256 over the JWT, audience, expiry, contact, the
// key the subscription was made for) and decrypts each payload with an
// independent implementation of RFC 8291 (npm's http_ece). Topic replaces a
// pending message as RFC 8030 §5.4 says: `shown` counts what a device shows.
//
//   node push_service.mjs PORT
//   GET  /health
//   POST /subscriptions {application_server_key}  -> {endpoint, keys: {p256dh, auth}}
//   GET  /subscriptions/ID/received               -> {received: [{payload, topic, urgency, ttl}], shown, refused}
//   POST /subscriptions/ID/gone                   -> later pushes answer 410
//   POST /subscriptions/ID/busy                   -> the next push answers 503 with Retry-After: 1
import http from "node:http";
import crypto from "node:crypto";
import { createRequire } from "node:module";

const ece = createRequire(import.meta.url)("http_ece");
const port = Number(process.argv[2]);
const origin = `http://127.0.0.1:${port}`;
const subs = new Map();
let next = 1;

const b64u = (b) => Buffer.from(b).toString("base64url");
const unb64u = (s) => Buffer.from(s, "base64url");

function reply(res, status, body) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(body === undefined ? "" : JSON.stringify(body));
}

// The VAPID claim, or why it is refused.
function vapid(header, sub) {
  const m = /^vapid t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+), k=([A-Za-z0-9_-]+)$/.exec(header || "");
  if (!m) return "no vapid authorization";
  const [h, p, s] = m[1].split(".");
  const head = JSON.parse(unb64u(h).toString());
  if (head.alg !== "ES256" || head.typ !== "JWT") return "bad JWT header";
  if (m[2] !== sub.serverKey) return "key differs from the subscription's";
  const raw = unb64u(m[2]);
  if (raw.length !== 65 || raw[0] !== 4) return "bad key";
  const key = crypto.createPublicKey({ key: { kty: "EC", crv: "P-256", x: b64u(raw.subarray(1, 33)), y: b64u(raw.subarray(33)) }, format: "jwk" });
  if (!crypto.verify("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "ieee-p1363" }, unb64u(s)))
    return "bad signature";
  const claims = JSON.parse(unb64u(p).toString());
  const now = Date.now() / 1000;
  if (claims.aud !== origin) return `bad aud ${claims.aud}`;
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) return "bad exp";
  if (!/^(mailto:|https:)/.test(claims.sub || "")) return "bad sub";
  return null;
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const url = new URL(req.url, origin);
    if (req.method === "GET" && url.pathname === "/health") return reply(res, 200, { ok: true });
    if (req.method === "POST" && url.pathname === "/subscriptions") {
      const { application_server_key } = JSON.parse(body.toString() || "{}");
      const ecdh = crypto.createECDH("prime256v1");
      ecdh.generateKeys();
      const id = String(next++);
      const auth = crypto.randomBytes(16);
      subs.set(id, { ecdh, auth, serverKey: application_server_key, received: [], refused: [], gone: false, busy: 0, attempts: 0, pending: new Map() });
      return reply(res, 201, { endpoint: `${origin}/push/${id}`, keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) } });
    }
    let m = /^\/subscriptions\/(\d+)\/(received|gone|busy)$/.exec(url.pathname);
    if (m && subs.has(m[1])) {
      const sub = subs.get(m[1]);
      if (m[2] === "gone") { sub.gone = true; return reply(res, 204); }
      if (m[2] === "busy") { sub.busy++; return reply(res, 204); }
      return reply(res, 200, { received: sub.received, shown: sub.pending.size, refused: sub.refused, attempts: sub.attempts });
    }
    m = /^\/push\/(\d+)$/.exec(url.pathname);
    if (req.method === "POST" && m && subs.has(m[1])) {
      const sub = subs.get(m[1]);
      sub.attempts++;
      if (sub.gone) return reply(res, 410);
      if (sub.busy > 0) {
        sub.busy--;
        res.writeHead(503, { "Retry-After": "1" });
        return res.end();
      }
      const why = vapid(req.headers.authorization, sub)
        || (req.headers["content-encoding"] !== "aes128gcm" ? "content-encoding" : null)
        || (!/^\d+$/.test(req.headers.ttl || "") ? "no TTL" : null);
      if (why) { sub.refused.push(why); return reply(res, why.startsWith("bad sig") || why.includes("key") ? 403 : 400); }
      let payload;
      try {
        payload = ece.decrypt(body, { version: "aes128gcm", privateKey: sub.ecdh, authSecret: b64u(sub.auth) }).toString();
      } catch (e) {
        sub.refused.push(`decrypt: ${e.message}`);
        return reply(res, 400);
      }
      const topic = req.headers.topic || null;
      sub.received.push({ payload, topic, urgency: req.headers.urgency || "normal", ttl: Number(req.headers.ttl) });
      // What the device shows: one per topic, a later one replacing it.
      sub.pending.set(topic || `#${sub.received.length}`, payload);
      res.writeHead(201, { Location: `${origin}/messages/${m[1]}-${sub.received.length}` });
      return res.end();
    }
    reply(res, 404);
  });
});
server.listen(port, "127.0.0.1");
