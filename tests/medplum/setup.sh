#!/bin/sh
# tests/medplum/setup.sh [DIR] - install the Medplum FHIR engine the interop
# test runs (npm ci from the checked-in package-lock.json) into
# DIR/node_modules; DIR defaults to this folder (node_modules is git-ignored).
# Needs node >= 20.19 and npm, and the npm registry once.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$here}
command -v node >/dev/null 2>&1 || { echo "setup.sh: node not found" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "setup.sh: npm not found" >&2; exit 1; }
mkdir -p "$dir"
if [ "$dir" != "$here" ]; then
	cp "$here/package.json" "$here/package-lock.json" "$here/server.mjs" "$dir/"
	chmod u+w "$dir/package.json" "$dir/package-lock.json" "$dir/server.mjs"
fi
cd "$dir"
npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error
