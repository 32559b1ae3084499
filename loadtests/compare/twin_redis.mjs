// What both twins of Colibri's protocol (twin_ws.mjs, twin_uws.mjs) share:
// Redis between their processes. A room's next seq and the publication of its
// event are one Lua script, so Redis delivers a room's events in seq order
// whichever process took them.
import { createClient } from "redis";

const NEXT = `local seq = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', KEYS[2], '{"type":"event","room":' .. ARGV[1] .. ',"seq":' .. seq .. ',"kind":"message","body":' .. ARGV[2] .. '}')
return seq`;

export async function twinRedis(redisPort) {
  const pub = createClient({ url: `redis://127.0.0.1:${redisPort}` });
  const sub = pub.duplicate();
  await pub.connect();
  await sub.connect();
  return {
    // Calls deliver(frame) for each event of the room, from any process.
    listen: (room, deliver) => sub.subscribe(`room:${room}`, deliver),
    // The subscribed frame: the room's last seq now.
    subscribed: async (room) => JSON.stringify({ type: "subscribed", room,
      last_seq: Number(await pub.get(`seq:${room}`)) || 0, read_seq: 0, limited: false }),
    // Appends (in the fan-out tier: numbers) and publishes; the ack frame.
    send: async (room, body, id) => {
      const seq = await pub.eval(NEXT, { keys: [`seq:${room}`, `room:${room}`],
        arguments: [JSON.stringify(room), JSON.stringify(body)] });
      return JSON.stringify({ type: "ack", room, seq, id });
    },
  };
}
