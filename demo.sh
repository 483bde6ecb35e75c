#!/bin/sh
# demo.sh - build vaxdesk and show it. Installs missing Debian packages first
# (needs root or sudo); safe to run again.
set -eu
top=$(cd "$(dirname "$0")" && pwd)
"$top/tools/setup" --reuse
exec "$top/build/default/vaxdesk" --version
