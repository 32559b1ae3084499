#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz (run from the repository root; the
output is committed). Seeds: one valid frame of each socket type, each REST
body shape, the 8,000-key object of the security review, and the frames the
WebSocket conformance cases send. libFuzzer runs add what they find."""
import json, os, pathlib, struct

root = pathlib.Path(__file__).resolve().parent / "corpus"
KEY = b"\x37\xfa\x21\x3d"


def frame(opcode, payload=b"", fin=True, masked=True, rsv=0, length=None):
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    mask_bit = 0x80 if masked else 0
    if n < 126:
        head += bytes([mask_bit | n])
    elif n <= 0xFFFF:
        head += bytes([mask_bit | 126]) + struct.pack(">H", n)
    else:
        head += bytes([mask_bit | 127]) + struct.pack(">Q", n)
    if not masked:
        return head + payload
    return head + KEY + bytes(b ^ KEY[i % 4] for i, b in enumerate(payload))


def write(target, name, data):
    d = root / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


socket_frames = [
    {"type": "hello", "token": "A" * 43, "notifications_after": 12},
    {"type": "subscribe", "room": "group:1", "since": 0},
    {"type": "unsubscribe", "room": "group:1"},
    {"type": "send", "room": "thread:7", "body": "Courage, jour 3 !", "client_msg_id": "c1", "reply_to": 2},
    {"type": "edit", "room": "group:1", "seq": 4, "body": "corrigé"},
    {"type": "delete", "room": "dm:3", "seq": 5},
    {"type": "react", "room": "group:1", "seq": 4, "emoji": "👏", "on": True},
    {"type": "history", "room": "group:1", "before": 100, "limit": 50},
    {"type": "typing", "room": "group:1"},
    {"type": "read", "room": "group:1", "seq": 9},
]
rest_bodies = [
    {"email": "a@b.fr", "password": "correct horse battery", "handle": "Alice", "locale": "fr",
     "timezone": "Europe/Paris", "invitation": "A" * 43},
    {"email": "a@b.fr", "password": "x"},
    {"handle": "Alice", "locale": "en", "quit": {"date": "2026-11-01", "cigarettes_per_day": 20,
                                                 "pack_price_cents": 1200, "pack_size": 20, "share": "groups"}},
    {"name": "Grossesse", "description": "", "rules": "Bienveillance.", "parent_id": 1, "join_policy": "open",
     "visibility": "listed"},
    {"motivation": "Je veux arrêter avant la naissance."},
    {"title": "Les envies du soir", "body": "Comment tenez-vous ?", "client_msg_id": "t1"},
    {"kind": "message", "body": "Bravo !", "client_msg_id": "m1", "reply_to": 3},
    {"room": "group:1", "seq": 4, "reason": "distress", "note": "inquiet", "group_id": 1, "user_id": 2},
    {"action": "mute", "duration_minutes": 60, "note": "calme"},
    {"user_id": 4, "until": "2026-12-24T18:00:00+01:00", "reason": "insultes"},
    {"rules": [{"pattern": "tabac", "action": "flag"}, {"pattern": "achète", "action": "hold"}]},
    {"body": "Pensez à boire de l'eau", "repeat": "weekly", "time": "09:00", "weekdays": [1, 5],
     "timezone": "Europe/Paris"},
    {"user_ids": [2, 3]},
    {"up_to_id": 99},
    {"password": "x", "email": "new@b.fr"},
    {"token": "A" * 43, "password": "correct horse battery"},
    {"role": "moderator"},
    {"state": None, "unread": False, "date": "2026-02-30"},
]

# --- ws_reader: the first byte is the piece size the stream arrives in.
def ws(name, stream, piece=255):
    write("ws_reader", name, bytes([piece]) + stream)

for i, f in enumerate(socket_frames):
    ws(f"frame-{f['type']}", frame(1, json.dumps(f, ensure_ascii=False).encode()))
ws("binary", frame(2, bytes(range(256))[:200]))
ws("empty-text", frame(1))
for n in (125, 126, 127, 128, 4096, 4097):
    ws(f"text-{n}", frame(1, b"x" * n))
ws("fragments-around-ping", frame(1, b"Bon", fin=False) + frame(9, b"p") + frame(0, b"jour", fin=False) + frame(0, b" !"), 1)
ws("utf8-split-across-fragments", frame(1, "é".encode()[:1], fin=False) + frame(0, "é".encode()[1:]), 3)
ws("invalid-utf8", frame(1, b"hello\xc0\xafworld"))
ws("ping-pong-close", frame(9, b"ping") + frame(10, b"") + frame(8, struct.pack(">H", 1000) + b"bye"))
ws("close-empty", frame(8))
ws("close-one-byte", frame(8, b"\x03"))
ws("close-bad-code", frame(8, struct.pack(">H", 1005)))
ws("close-reason-not-utf8", frame(8, struct.pack(">H", 1000) + b"\xff"))
ws("unmasked", frame(1, b"hi", masked=False))
for rsv in range(1, 8):
    ws(f"rsv-{rsv}", frame(1, b"hi", rsv=rsv))
for op in (3, 4, 5, 6, 7, 11, 12, 13, 14, 15):
    ws(f"opcode-{op}", frame(op, b"x"))
ws("ping-126", frame(9, b"x" * 126))
ws("ping-fragmented", frame(9, b"x", fin=False))
ws("continuation-first", frame(0, b"x"))
ws("text-inside-fragments", frame(1, b"a", fin=False) + frame(1, b"b"))
ws("length-2^63", frame(1, b"", length=1 << 63)[:10])
ws("length-2^32", frame(2, b"", length=1 << 32)[:14])
ws("ten-pings-bytewise", b"".join(frame(9, f"payload-{i}".encode()) for i in range(10)), 1)

# --- json: socket frames, REST bodies, hostile shapes.
for f in socket_frames:
    write("json", f"frame-{f['type']}", json.dumps(f, ensure_ascii=False).encode())
for i, b in enumerate(rest_bodies):
    write("json", f"body-{i:02d}", json.dumps(b, ensure_ascii=False).encode())
write("json", "object-8000-keys", json.dumps({f"k{i}": i for i in range(8000)}).encode())
write("json", "nested-deep", b"[" * 600 + b"]" * 600)
write("json", "duplicate-keys", b'{"a":1,"a":2}')
write("json", "not-utf8", b'{"a":"\xc0\xaf"}')
write("json", "nul-in-string", b'{"a":"x\\u0000y"}')
write("json", "big-numbers", b'{"a":9007199254740993,"b":-1e400,"c":1.5}')
write("json", "surrogates", b'{"a":"\\ud83d\\ude00","b":"\\ud800"}')

# --- routes: "<target>\n<room>".
for i, (t, room) in enumerate([("/api/v1/groups?limit=50&after=3", "group:1"), ("/api/v1/groups/12/members/me", "thread:7"),
                ("/api/v1/rooms/group%3A1/events?before=9007199254740992", "dm:3"),
                ("/api/v1/invitations/AbC-_123/accept", "group:9007199254740993"),
                ("/api/v1/groups/%2e%2e/members/%00", "group:0"), ("/api/v1/me?x=%zz&y=a+b&&=", "group:01"),
                ("//api//v1/groups/", "Group:1"), ("/api/v1/groups/1%2F2", "thread:"), ("*", ":1")]):
    write("routes", f"t-{i}", (t + "\n" + room).encode())

# --- watched words: "<pattern>\n<text>".
for i, (p, t) in enumerate([("tabac", "Je reprends du TABAC ce soir"), ("tabac", "t\u200baбac"),
                            ("cigarette", "ｃｉｇａｒｅｔｔｅ"), ("achète", "ACHÈTE"), ("", "rien"),
                            ("x\xad", "x")]):
    write("watched_words", f"w-{i}", (p + "\n" + t).encode())
write("watched_words", "not-utf8", b"\xff\n\xc0\xaf tabac")
print("seeds written under", root)
