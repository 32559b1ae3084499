#!/usr/bin/env python3
"""The contract agrees with the code and stays inside the repository.

- every route the services register is in proto/openapi.yaml, and the reverse;
- every path of proto/openapi.yaml and every frame type of
  proto/websocket.schema.json is in docs/protocol.md, the human-readable contract;
- no file of the repository refers to documents outside it.
"""
import json
import pathlib
import re
import subprocess
import sys

root = pathlib.Path(sys.argv[1])
problems = []

# Routes registered in the code: r.get("/api/..."), routes.post("/x"), ...
code_routes = set()
for path in list(root.glob("services/**/*.cpp")) + list(root.glob("libs/*/src/*.cpp")):
    for m in re.finditer(r'\b\w+\.(get|post|put|patch|del|put_stream)\("(/[^"]*)"', path.read_text()):
        method = {"del": "DELETE", "put_stream": "PUT"}.get(m.group(1), m.group(1).upper())
        code_routes.add(f"{method} {m.group(2)}")

# Routes of the OpenAPI document (two-space paths, four-space methods).
api = (root / "proto/openapi.yaml").read_text()
proto_routes, current = set(), None
for line in api[api.index("\npaths:\n"):api.index("\ncomponents:\n")].splitlines():
    if m := re.match(r"^  (/\S*):\s*$", line):
        current = m.group(1)
    elif (m := re.match(r"^    (get|post|put|patch|delete):", line)) and current:
        proto_routes.add(f"{m.group(1).upper()} {current}")

for r in sorted(code_routes - proto_routes):
    problems.append(f"route in the code, missing from proto/openapi.yaml: {r}")
for r in sorted(proto_routes - code_routes):
    problems.append(f"route in proto/openapi.yaml that no service registers: {r}")

# The human-readable contract names every path and frame.
doc = (root / "docs/protocol.md").read_text()
for path in sorted({r.split(" ", 1)[1] for r in proto_routes}):
    if path not in doc:
        problems.append(f"docs/protocol.md does not mention {path}")
frames = json.loads((root / "proto/websocket.schema.json").read_text())["$defs"]
for name, spec in frames.items():
    props = spec.get("properties", {})
    t = props.get("type", {}).get("const")
    if t and f"`{t}`" not in doc:
        problems.append(f"docs/protocol.md does not mention the socket frame `{t}`")

# Nothing refers to files outside the repository.
tracked = subprocess.run(["git", "-C", str(root), "ls-files"], capture_output=True, text=True).stdout.split()
outside = re.compile(r"\.\./shared|\bPROTOCOL\.md|\bMISSION\.md|\bDESIGN\.md")
for name in tracked:
    if name == "tests/lint/contract.py":
        continue
    p = root / name
    try:
        text = p.read_text()
    except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
        continue
    for n, line in enumerate(text.splitlines(), 1):
        if outside.search(line):
            problems.append(f"{name}:{n} refers to a document outside the repository")

for p in problems:
    print(p)
print(f"{len(code_routes)} routes in the code, {len(proto_routes)} in proto/openapi.yaml; {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
