#!/bin/sh
# demo.sh - build vaxdesk and show it against a registry of its own: a
# vaxregd with demo data on 127.0.0.1, with a throwaway certificate
# authority that only this vaxdesk run trusts (through a generated
# configuration), and the demo logins shown on the login screen. The
# registry stops when vaxdesk exits; nothing is left behind.
# Installs missing Debian packages first (needs root or sudo); safe to run
# again.
set -eu
top=$(cd "$(dirname "$0")" && pwd)
"$top/tools/setup" --reuse
bin="$top/build/default"
VAXDESK_DATADIR="$top/data"
export VAXDESK_DATADIR

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vaxdemo.XXXXXX")
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || :
		wait "$pid" 2>/dev/null || :
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

say() { echo "demo: $*" >&2; }

say "making a demo registry on 127.0.0.1 (3000 made-up clients; this takes a few seconds)..."
sh "$top/tests/tls/mkca.sh" "$tmp/tls" || { say "could not make the test certificates (openssl)"; exit 1; }
if ! "$bin/vaxregd" init --data "$tmp/data" --demo >"$tmp/init.out" 2>"$tmp/init.err"; then
	say "vaxregd could not build the demo registry:"
	cat "$tmp/init.err" >&2
	exit 1
fi
"$bin/vaxregd" --data "$tmp/data" --listen 127.0.0.1:0 --cert "$tmp/tls/server.pem" \
	--key "$tmp/tls/server.key" >"$tmp/server.out" 2>"$tmp/server.err" &
pid=$!
url=
i=0
while [ $i -lt 100 ]; do
	url=$(sed -n 's|^vaxregd: serving \(https://[^ ]*\)/$|\1|p' "$tmp/server.out")
	[ -n "$url" ] && break
	if ! kill -0 "$pid" 2>/dev/null; then
		pid=
		break
	fi
	sleep 0.1
	i=$((i + 1))
done
if [ -z "$url" ]; then
	say "vaxregd is not serving yet, so there is nothing to log in to:"
	cat "$tmp/server.err" >&2
	exit 1
fi

# This configuration trusts the throwaway CA for this registry only.
cat >"$tmp/vaxdesk.conf" <<EOF
registry_url = $url
ca_file = $tmp/tls/ca.pem
EOF
# The demo logins, as vaxregd printed them, under the login form.
{
	echo "DEMO: a registry on this machine only, with made-up clients."
	sed -n 's/^Demo logins (\(.*\)):$/Demo logins (\1):/p' "$tmp/init.out"
	sed -n 's/^  org \([^ ]*\) *user \([^ ]*\) *\(.*\)$/  \1 \/ \2  - \3/p' "$tmp/init.out"
} >"$tmp/notice"

status=0
"$bin/vaxdesk" --config "$tmp/vaxdesk.conf" --login-notice "$tmp/notice" || status=$?
exit $status
