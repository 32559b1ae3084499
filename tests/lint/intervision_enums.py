#!/usr/bin/env python3
"""The follow-up sheet's enums (Annexe II) agree across the contract
(docs/protocol.md), proto/openapi.yaml and the code (intervision_shared.hpp)."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
# contract name -> (openapi schema, C++ set)
FIELDS = {
    "requester": ("CaseRequester", "requester"),
    "addictions": ("CaseAddiction", "addictions"),
    "reasons": ("CaseReason", "reasons"),
    "difficulties": ("CaseDifficulty", "difficulties"),
    "motivation_stage": ("MotivationStage", "motivation_stage"),
    "proposals": ("CaseProposal", "proposals"),
}


def contract_enums(text):
    """The "Enums (Annexe II of the guide):" list: `name`[/`plural`]: `a`, `b`, ...;"""
    start = text.index("Enums (Annexe II")
    block = text[start:text.index("\n- ", start + 1)]
    out = {}
    for m in re.finditer(r"`([a-z_]+)`(?:/`[a-z_]+`)?: ((?:`[a-z_]+`(?:,\s*)?)+)", block):
        out[m.group(1)] = set(re.findall(r"`([a-z_]+)`", m.group(2)))
    return out


def openapi_enum(text, schema):
    m = re.search(r"^    " + schema + r":\n      enum: \[([^\]]*)\]", text, re.M)
    return {v.strip().strip('"') for v in m.group(1).split(",")} if m else None


def cpp_enum(text, name):
    m = re.search(r"std::set<std::string> " + name + r"\{([^}]*)\}", text)
    return set(re.findall(r'"([a-z_]+)"', m.group(1))) if m else None


problems = []
sources = {"docs/protocol.md": (root / "docs/protocol.md").read_text()}
api = (root / "proto/openapi.yaml").read_text()
cpp = (root / "services/groups/src/intervision_shared.hpp").read_text()
contracts = {name: contract_enums(text) for name, text in sources.items()}
for field, (schema, member) in FIELDS.items():
    want = contracts["docs/protocol.md"].get(field)
    if not want:
        problems.append(f"docs/protocol.md lists no enum for {field}")
        continue
    for name, enums in contracts.items():
        if enums.get(field) != want:
            problems.append(f"{name} {field}: {sorted(enums.get(field) or [])} != {sorted(want)}")
    if openapi_enum(api, schema) != want:
        problems.append(f"proto/openapi.yaml {schema}: {sorted(openapi_enum(api, schema) or [])} != {sorted(want)}")
    if cpp_enum(cpp, member) != want:
        problems.append(f"intervision_shared.hpp {member}: {sorted(cpp_enum(cpp, member) or [])} != {sorted(want)}")
for p in problems:
    print(p)
print(f"{len(FIELDS)} enums compared across {len(sources) + 2} sources, {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
