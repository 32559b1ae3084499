#!/usr/bin/env bash
# Offline schema validation of the Kubernetes manifests (deploy/k8s/*.yaml):
# installs the validator (npm, pinned by package-lock.json) into
# node_modules here, then checks every document. No cluster needed.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
npm ci --prefix "$HERE" --no-audit --no-fund --silent
node "$HERE/validate.mjs" "${1:-$HERE/..}"
