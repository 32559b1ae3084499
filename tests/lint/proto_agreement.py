#!/usr/bin/env python3
"""The error codes agree across the code (libs/core), proto/openapi.yaml and docs/protocol.md."""
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
doc = (root / "docs" / "protocol.md").read_text()
table = doc[doc.index("## Errors"):doc.index("## REST resources")]
listed = set(re.findall(r"^\| `([a-z_]+)` \|", table, re.M))
if listed != code:
    problems.append(f"docs/protocol.md error codes {sorted(listed)} != libs/core {sorted(code)}")
for p in problems:
    print(p)
print(f"{len(problems)} problem(s)")
sys.exit(1 if problems else 0)
