// A twin of Colibri's socket protocol on npm's `ws` and Redis, for the
// side-by-side benchmark (compare.sh): the same frames the generator speaks
// (hello -> welcome, subscribe -> subscribed {last_seq}, send -> ack {seq},
// then event {room, seq, body} to every subscriber), two processes sharing
// rooms through Redis as Colibri's gateways do. Fan-out tier: nothing is
// stored but a room's counter; a token is not checked. Order across
// processes: one Lua script takes the room's next seq and publishes the
// event, so Redis delivers a room's events in seq order.
//
//   node twin_ws.mjs PORT REDIS_PORT
import { WebSocketServer } from "ws";
import { twinRedis } from "./twin_redis.mjs";

const [port, redisPort] = process.argv.slice(2).map(Number);
const redis = await twinRedis(redisPort);

const rooms = new Map();  // room -> Set of sockets here
function deliver(message, room) {
  const here = rooms.get(room);
  if (here) for (const ws of here) ws.send(message);
}

const wss = new WebSocketServer({ host: "127.0.0.1", port, path: "/ws", perMessageDeflate: false, clientTracking: false });
wss.on("connection", (ws) => {
  const mine = new Set();
  ws.on("message", async (data) => {
    let m;
    try { m = JSON.parse(data); } catch { return ws.close(1007); }
    if (m.type === "hello") {
      ws.send(JSON.stringify({ type: "welcome", id: m.id }));
    } else if (m.type === "subscribe" && typeof m.room === "string") {
      if (!rooms.has(m.room)) {
        rooms.set(m.room, new Set());
        await redis.listen(m.room, (message) => deliver(message, m.room));
      }
      rooms.get(m.room).add(ws);
      mine.add(m.room);
      ws.send(await redis.subscribed(m.room));
    } else if (m.type === "send" && typeof m.room === "string" && typeof m.body === "string") {
      ws.send(await redis.send(m.room, m.body, m.id));
    }
  });
  ws.on("close", () => { for (const r of mine) rooms.get(r)?.delete(ws); });
});
console.log(`twin-ws on 127.0.0.1:${port}`);
