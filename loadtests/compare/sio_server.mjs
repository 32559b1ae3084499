// socket.io 4 with @socket.io/redis-adapter, as the feasibility note on peers
// set it up (websocket transport only, no compression, the request object
// dropped to save memory), two processes sharing rooms through Redis. Events:
// subscribe(room) -> ack; send(room, body) -> every member of the room gets
// event(room, body), then the sender's ack. Fan-out tier: nothing stored.
// socket.io orders a sender's messages, not a room's, so the generator checks
// each sender's own counter (--protocol socketio).
//
//   node sio_server.mjs PORT REDIS_PORT
import http from "node:http";
import { Server } from "socket.io";
import { createAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";

const [port, redisPort] = process.argv.slice(2).map(Number);
const pub = createClient({ url: `redis://127.0.0.1:${redisPort}` });
const sub = pub.duplicate();
await Promise.all([pub.connect(), sub.connect()]);
const server = http.createServer();
const io = new Server(server, { transports: ["websocket"], serveClient: false, perMessageDeflate: false });
io.adapter(createAdapter(pub, sub));
io.engine.on("connection", (raw) => { raw.request = null; });
io.on("connection", (s) => {
  s.on("subscribe", (room, ack) => { s.join(room); if (typeof ack === "function") ack({ ok: true }); });
  s.on("send", (room, body, ack) => {
    io.to(room).emit("event", room, body);
    if (typeof ack === "function") ack({ ok: true });
  });
});
server.listen(port, "127.0.0.1", () => console.log(`socket.io on 127.0.0.1:${port}`));
