#!/usr/bin/env python3
"""Fails when a co_await expression holds a lambda closure or a brace-initialised
temporary: g++ 12 destroys such temporaries twice (double free). Name the
lambda first and move it in. See docs/adr/0002-gcc12-coroutine-temporaries.md."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
lambda_re = re.compile(r"\[[^\[\]]*\]\s*(\(|\{|mutable\b|->)")
brace_re = re.compile(r"\b(?!mutable\b|noexcept\b|const\b|return\b|else\b|do\b|try\b)[A-Za-z_][\w:<>]*\s*\{")
bad = []
for path in sorted(list(root.glob("libs/**/*.[ch]pp")) + list(root.glob("services/**/*.[ch]pp")) +
                   list(root.glob("tests/**/*.[ch]pp")) + list(root.glob("loadtests/**/*.[ch]pp"))):
    text = path.read_text(encoding="utf-8")
    # Blank out comments and string literals (keep offsets) so they cannot match.
    text = re.sub(r"//[^\n]*", lambda m: " " * len(m.group()), text)
    text = re.sub(r'R"(\w*)\((?:.|\n)*?\)\1"', lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    text = re.sub(r'"(?:\\.|[^"\\\n])*"', lambda m: '"' + " " * (len(m.group()) - 2) + '"', text)
    for m in re.finditer(r"\bco_await\b", text):
        i, depth = m.end(), 0
        while i < len(text):
            c = text[i]
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
                if depth < 0:
                    break
            elif c == ";" and depth == 0:
                break
            i += 1
        expr = text[m.end():i]
        if lambda_re.search(expr) or brace_re.search(expr):
            line = text.count("\n", 0, m.start()) + 1
            bad.append(f"{path.relative_to(root)}:{line}: lambda or brace-initialised temporary inside co_await")
    # A co_await result tested as the condition itself, unnamed: g++ 12
    # destroyed it twice in `while (co_await ws->read())` (a crash on the
    # gateway's refusal path). Name it: `auto f = co_await ...; if (!f)`.
    for m in re.finditer(r"\b(?:if|while)\s*\(\s*!?\s*co_await\b", text):
        line = text.count("\n", 0, m.start()) + 1
        bad.append(f"{path.relative_to(root)}:{line}: unnamed co_await result as a condition")
for b in bad:
    print(b)
print(f"{len(bad)} problem(s)")
sys.exit(1 if bad else 0)
