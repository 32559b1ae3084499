#!/usr/bin/env bash
# The repository's C++ follows its own .clang-format (Google style, 120
# columns). To fix: git ls-files '*.cpp' '*.hpp' | xargs clang-format -i
set -euo pipefail
cd "$1"
files=$(git ls-files '*.cpp' '*.hpp')
out=$(clang-format --dry-run --Werror $files 2>&1) && { echo "$(wc -w <<<"$files") files formatted"; exit 0; }
grep -E "^[^ ].*: error:" <<<"$out" | cut -d: -f1 | sort | uniq -c
echo "not formatted: run  git ls-files '*.cpp' '*.hpp' | xargs clang-format -i"
exit 1
