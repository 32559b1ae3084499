#!/usr/bin/env python3
"""One message catalogue (libs/core/src/messages.cpp): no French/English
sentence pair written inline anywhere else in the production code, and every
message of the catalogue used somewhere.

Sentences with values use {placeholders} (core::message(m, {{"name", v}})).
Deliberate exception: the badge catalogue (libs/quit/src/milestones.cpp, the
names and descriptions of milestones are content, not messages)."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
CATALOGUE = root / "libs/core/src/messages.cpp"
EXCEPTIONS = {root / "libs/quit/src/milestones.cpp"}
S = r'"(?:[^"\\\n]|\\.)*"'
LIT = r"(?:%s\s*)+" % S
PAIR = re.compile(r"\{\s*(%s),\s*(%s)\}" % (LIT, LIT))
# A pair built around values: {"Bonjour " + handle + ..., "Hello " + handle + ...}.
TERM = r'(?:[\w.]+(?:\(\))?\s*\+\s*)?"(?:[^"\\\n]|\\.)*[A-Za-z\u00c0-\u00ff] (?:[^"\\\n]|\\.)*"'
BUILT = re.compile(r"\{\s*%s[^;{}]*?,\s*%s" % (TERM, TERM))


def joined(lits):
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', lits))


def sentence(fr, en):
    # Two different texts, the English one made of words.
    return fr != en and re.search(r"[A-Za-z]{2,}\s+[A-Za-z]", en) and re.search(r"\s", fr)


sources = [p for pattern in ("libs/*/src/*.[ch]pp", "services/*/src/*.[ch]pp", "services/*/*.cpp")
           for p in sorted(root.glob(pattern))]
problems = []
used = set()
for path in sources:
    text = path.read_text()
    used.update(re.findall(r"msg::([a-z_0-9]+)", text) if path != CATALOGUE else [])
    if path == CATALOGUE or path in EXCEPTIONS:
        continue
    for m in BUILT.finditer(text):
        if "+" in m.group(0):
            line = text[:m.start()].count("\n") + 1
            problems.append(f"{path.relative_to(root)}:{line}: sentence pair built inline: add it to the catalogue "
                            "with {placeholders}")
    for m in PAIR.finditer(text):
        fr, en = joined(m.group(1)), joined(m.group(2))
        if sentence(fr, en):
            line = text[:m.start()].count("\n") + 1
            problems.append(f"{path.relative_to(root)}:{line}: inline sentence pair \"{en}\": add it to the catalogue")
header = (root / "libs/core/include/colibri/core/messages.hpp").read_text()
enum = header[header.index("enum class msg {"):header.index("};", header.index("enum class msg {"))]
for name in re.findall(r"^\s+([a-z_0-9]+),", enum, re.M):
    if name != "count_" and name not in used:
        problems.append(f"msg::{name} is in the catalogue but used nowhere")
for p in problems:
    print(p)
print(f"{len(problems)} problem(s)")
sys.exit(1 if problems else 0)
