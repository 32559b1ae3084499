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
import { createClient } from "redis";

const [port, redisPort] = process.argv.slice(2).map(Number);
const url = `redis://127.0.0.1:${redisPort}`;
const pub = createClient({ url });
const sub = pub.duplicate();
await pub.connect();
await sub.connect();

const NEXT = `local seq = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', KEYS[2], '{"type":"event","room":' .. ARGV[1] .. ',"seq":' .. seq .. ',"kind":"message","body":' .. ARGV[2] .. '}')
return seq`;

const rooms = new Map();  // room -> Set of sockets here
function deliver(message, channel) {
  const here = rooms.get(channel.slice(5));
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
        await sub.subscribe(`room:${m.room}`, deliver);
      }
      rooms.get(m.room).add(ws);
      mine.add(m.room);
      const last = Number(await pub.get(`seq:${m.room}`)) || 0;
      ws.send(JSON.stringify({ type: "subscribed", room: m.room, last_seq: last, read_seq: 0, limited: false }));
    } else if (m.type === "send" && typeof m.room === "string" && typeof m.body === "string") {
      const seq = await pub.eval(NEXT, { keys: [`seq:${m.room}`, `room:${m.room}`],
        arguments: [JSON.stringify(m.room), JSON.stringify(m.body)] });
      ws.send(JSON.stringify({ type: "ack", room: m.room, seq, id: m.id }));
    }
  });
  ws.on("close", () => { for (const r of mine) rooms.get(r)?.delete(ws); });
});
console.log(`twin-ws on 127.0.0.1:${port}`);
