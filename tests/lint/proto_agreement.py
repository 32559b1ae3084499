#!/usr/bin/env python3
"""The error codes agree across the code (libs/core), proto/ and PROTOCOL.md."""
import json
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
code = set(re.findall(r'return "([a-z_]+)";', (root / "libs/core/src/error.cpp").read_text()))
api = (root / "proto/openapi.yaml").read_text()
block = api[api.index("ErrorCode:"):api.index("description:", api.index("ErrorCode:"))]
proto = set(re.findall(r"- ([a-z_]+)", block))
problems = []
if code != proto:
    problems.append(f"libs/core codes {sorted(code)} != proto/openapi.yaml ErrorCode {sorted(proto)}")
json.loads((root / "proto/websocket.schema.json").read_text())  # well-formed
protocol = root.parent / "shared" / "PROTOCOL.md"
if protocol.exists():
    text = protocol.read_text()
    listed = set(re.findall(r"`([a-z_]+)`", text[text.index("Codes:"):text.index("Limits")]))
    missing = listed - code
    if missing:
        problems.append(f"PROTOCOL.md codes missing from the code: {sorted(missing)}")
for p in problems:
    print(p)
print(f"{len(problems)} problem(s)")
sys.exit(1 if problems else 0)
