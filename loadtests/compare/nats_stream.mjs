// Creates the JetStream stream ROOMS over the subjects room.> (file storage,
// no limit: like Colibri's log, nothing is dropped) through NATS's WebSocket
// port, for the nats-js peer of compare.sh.
//
//   node nats_stream.mjs WS_PORT
import WebSocket from "ws";

const ws = new WebSocket(`ws://127.0.0.1:${process.argv[2]}/`);
const config = JSON.stringify({ name: "ROOMS", subjects: ["room.>"], storage: "file", retention: "limits",
  max_msgs: -1, max_bytes: -1, max_age: 0, discard: "old", num_replicas: 1 });
const timer = setTimeout(() => { console.error("no answer from NATS"); process.exit(1); }, 10000);
ws.on("open", () => ws.send(`CONNECT {"verbose":false,"protocol":1}\r\nSUB _INBOX.setup 1\r\n` +
  `PUB $JS.API.STREAM.CREATE.ROOMS _INBOX.setup ${Buffer.byteLength(config)}\r\n${config}\r\n`));
ws.on("message", (data) => {
  const text = data.toString();
  if (!text.startsWith("MSG ")) return;
  clearTimeout(timer);
  const ok = !text.includes('"error"');
  console.log(ok ? "stream ROOMS created" : text);
  process.exit(ok ? 0 : 1);  // no closing handshake: NATS answers a close with code 1005, which ws refuses
});
