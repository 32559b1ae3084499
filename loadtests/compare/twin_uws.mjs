// The same twin of Colibri's socket protocol as twin_ws.mjs, on
// uWebSockets.js (npm's @trufflesuite/uws-js-unofficial, the build that
// installs here): topics inside a process (ws.subscribe, app.publish), Redis
// between the two processes. Fan-out tier: a room's counter in Redis, nothing
// else stored; a token is not checked.
//
//   node twin_uws.mjs PORT REDIS_PORT
import { createRequire } from "node:module";
import { twinRedis } from "./twin_redis.mjs";

const uWS = createRequire(import.meta.url)("@trufflesuite/uws-js-unofficial");
const [port, redisPort] = process.argv.slice(2).map(Number);
const redis = await twinRedis(redisPort);

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
        await redis.listen(m.room, (message) => app.publish(m.room, message));
      }
      ws.send(await redis.subscribed(m.room));
    } else if (m.type === "send" && typeof m.room === "string" && typeof m.body === "string") {
      ws.send(await redis.send(m.room, m.body, m.id));
    }
  },
}).listen("127.0.0.1", port, (ok) => {
  if (!ok) { console.error(`twin-uws: cannot listen on ${port}`); process.exit(1); }
  console.log(`twin-uws on 127.0.0.1:${port}`);
});
