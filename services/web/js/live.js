// The realtime socket (docs/protocol.md, "Realtime socket"): hello, subscriptions
// resumed with `since` after every reconnect (no gap, no double: the room
// keeps its own seqs), requests matched by id, and an outbox whose sends are
// retried with the same client_msg_id until acknowledged (a retry stores
// nothing twice).
export function randomId() {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

export class Live extends EventTarget {
  constructor(token) {
    super();
    this.token = token;
    this.ws = null;
    this.ready = false;
    this.stopped = false;
    this.attempt = 0;
    this.nextId = 1;
    this.pending = new Map();  // request id -> {resolve, reject, timer}
    this.rooms = new Map();    // room -> last seq received
    this.outbox = new Map();   // client_msg_id -> {frame, resolve, reject}
    this.notificationsAfter = 0;
  }

  start() { this.stopped = false; this.open(); }

  stop() {
    this.stopped = true;
    if (this.ws) this.ws.close(1000);
  }

  open() {
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      const hello = { type: "hello", token: this.token };
      if (this.notificationsAfter > 0) hello.notifications_after = this.notificationsAfter;
      this.request(hello).then(() => this.welcomed(), () => {});
    };
    ws.onmessage = (m) => this.frame(JSON.parse(m.data));
    ws.onclose = (e) => this.closed(e);
  }

  welcomed() {
    this.ready = true;
    this.attempt = 0;
    this.emit("state", { online: true });
    for (const room of this.rooms.keys()) this.resubscribe(room);
    for (const o of this.outbox.values()) this.ws.send(JSON.stringify(o.frame));
  }

  closed(e) {
    const wasReady = this.ready;
    this.ready = false;
    for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(new Error("closed")); }
    this.pending.clear();
    if (wasReady || this.attempt === 0) this.emit("state", { online: false });
    if (e.code === 4003 || e.code === 1008) {  // token revoked, or refused
      this.emit("fatal", { code: e.code });
      return;
    }
    if (this.stopped) return;
    // Backoff with jitter, so that a restarted gateway is not hit by everyone at once.
    const delay = Math.min(10000, 500 * 2 ** Math.min(this.attempt++, 5)) * (0.5 + Math.random() / 2);
    setTimeout(() => { if (!this.stopped) this.open(); }, delay);
  }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  frame(f) {
    if (f.id !== undefined && this.pending.has(f.id)) {
      const p = this.pending.get(f.id);
      this.pending.delete(f.id);
      clearTimeout(p.timer);
      if (f.type === "error") p.reject(f); else p.resolve(f);
    }
    switch (f.type) {
      case "event": {
        const last = this.rooms.get(f.room);
        if (last !== undefined && f.seq > last) this.rooms.set(f.room, f.seq);
        this.emit("event", f);
        break;
      }
      case "ack": {
        for (const [cmid, o] of this.outbox)
          if (o.frame.id === f.id) { this.outbox.delete(cmid); o.resolve(f); }
        break;
      }
      case "held": {
        const o = this.outbox.get(f.client_msg_id);
        if (o) { this.outbox.delete(f.client_msg_id); o.resolve(f); }
        this.emit("held", f);
        break;
      }
      case "error": {
        for (const [cmid, o] of this.outbox)
          if (o.frame.id === f.id) { this.outbox.delete(cmid); o.reject(f); }
        if (f.fatal) this.emit("fatal", f);
        break;
      }
      case "notification":
        this.notificationsAfter = Math.max(this.notificationsAfter, f.notification.id);
        this.emit("notification", f.notification);
        break;
      default:
        this.emit(f.type, f);
    }
  }

  // A request with an id; the reply (or an error frame) settles it.
  request(frame, timeoutMs = 15000) {
    return new Promise((resolve, reject) => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) { reject(new Error("offline")); return; }
      const id = this.nextId++;
      const timer = setTimeout(() => { this.pending.delete(id); reject(new Error("timeout")); }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ ...frame, id }));
    });
  }

  // Follows a room from `since` (the last seq its view holds; 0: from the start).
  subscribe(room, since = 0) {
    const known = this.rooms.get(room);
    this.rooms.set(room, Math.max(known ?? 0, since));
    if (this.ready && known === undefined) this.resubscribe(room);
  }

  unsubscribe(room) {
    this.rooms.delete(room);
    if (this.ready) this.request({ type: "unsubscribe", room }).catch(() => {});
  }

  async resubscribe(room) {
    try {
      const s = await this.request({ type: "subscribe", room, since: this.rooms.get(room) ?? 0 });
      this.emit("subscribed", s);
      // More than a page was missed: page on until the end.
      let more = s.limited;
      while (more && this.rooms.has(room)) {
        const h = await this.request({ type: "history", room, after: this.rooms.get(room), limit: 500 });
        for (const ev of h.events) this.frame({ type: "event", ...ev });
        more = h.has_more && h.events.length > 0;
      }
    } catch (e) {
      if (e && e.code) this.emit("room_error", { room, error: e });
    }
  }

  history(room, before, limit = 50) { return this.request({ type: "history", room, before, limit }); }

  // Resolves with the ack (or `held`); retried after reconnects until then.
  send(room, body, { replyTo, structureId, mentions } = {}) {
    const cmid = randomId();
    const frame = { type: "send", room, body, client_msg_id: cmid, id: this.nextId++ };
    if (replyTo) frame.reply_to = replyTo;
    if (structureId) frame.structure_id = structureId;
    if (mentions && mentions.length) frame.mentions = mentions;
    return new Promise((resolve, reject) => {
      this.outbox.set(cmid, { frame, resolve, reject });
      if (this.ready) this.ws.send(JSON.stringify(frame));
    });
  }

  react(room, seq, emoji, on) { return this.request({ type: "react", room, seq, emoji, on }); }
  typing(room) { if (this.ready) this.ws.send(JSON.stringify({ type: "typing", room })); }
  read(room, seq) { if (this.ready) this.ws.send(JSON.stringify({ type: "read", room, seq })); }
}
