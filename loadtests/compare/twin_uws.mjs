// The same twin of Colibri's socket protocol as twin_ws.mjs, on
// uWebSockets.js (npm's @trufflesuite/uws-js-unofficial, the build that
// installs here): topics inside a process (ws.subscribe, app.publish), Redis
// between the two processes. Fan-out tier: a room's counter in Redis, nothing
// else stored; a token is not checked.
//
//   node twin_uws.mjs PORT REDIS_PORT
import { createRequire } from "node:module";
import { createClient } from "redis";

const uWS = createRequire(import.meta.url)("@trufflesuite/uws-js-unofficial");
const [port, redisPort] = process.argv.slice(2).map(Number);
const pub = createClient({ url: `redis://127.0.0.1:${redisPort}` });
const sub = pub.duplicate();
await pub.connect();
await sub.connect();

const NEXT = `local seq = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', KEYS[2], '{"type":"event","room":' .. ARGV[1] .. ',"seq":' .. seq .. ',"kind":"message","body":' .. ARGV[2] .. '}')
return seq`;

const listened = new Set();  // rooms this process hears from Redis
const decoder = new TextDecoder();
const app = uWS.App().ws("/ws", {
  compression: uWS.DISABLED,
  maxPayloadLength: 64 * 1024,
  idleTimeout: 120,
  message: async (ws, data) => {
    let m;
    try { m = JSON.parse(decoder.decode(data)); } catch { return ws.end(1007); }
    if (m.type === "hello") {
      ws.send(JSON.stringify({ type: "welcome", id: m.id }));
    } else if (m.type === "subscribe" && typeof m.room === "string") {
      ws.subscribe(m.room);
      if (!listened.has(m.room)) {
        listened.add(m.room);
        await sub.subscribe(`room:${m.room}`, (message) => app.publish(m.room, message));
      }
      const last = Number(await pub.get(`seq:${m.room}`)) || 0;
      ws.send(JSON.stringify({ type: "subscribed", room: m.room, last_seq: last, read_seq: 0, limited: false }));
    } else if (m.type === "send" && typeof m.room === "string" && typeof m.body === "string") {
      const seq = await pub.eval(NEXT, { keys: [`seq:${m.room}`, `room:${m.room}`],
        arguments: [JSON.stringify(m.room), JSON.stringify(m.body)] });
      ws.send(JSON.stringify({ type: "ack", room: m.room, seq, id: m.id }));
    }
  },
}).listen("127.0.0.1", port, (ok) => {
  if (!ok) { console.error(`twin-uws: cannot listen on ${port}`); process.exit(1); }
  console.log(`twin-uws on 127.0.0.1:${port}`);
});
