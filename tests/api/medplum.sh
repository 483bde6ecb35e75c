#!/bin/sh
# tests/api/medplum.sh - the client's standard FHIR use (CRUD, search,
# conditional create, If-Match, transaction) against Medplum's FHIR engine
# (@medplum/fhir-router 4.5.2, in memory) behind HTTPS with a throwaway CA.
# SKIPs (77) when node/npm or the Medplum packages are not available.
set -u
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
skip() { echo "SKIP: $*"; exit 77; }

top_srcdir=$srcdir
top_builddir=$builddir
. "$srcdir/tests/lib/medplum.sh"
medplum_find
mp=$MEDPLUM_DIR
cp "$srcdir/tests/medplum/server.mjs" "$mp/server.mjs" 2>/dev/null || true

work=$(mktemp -d "${TMPDIR:-/tmp}/vaxmedplum.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

sh "$srcdir/tests/api/mkcerts.sh" "$work/certs" || { echo "FAIL: certificates"; exit 1; }
mkfifo "$work/hold"
# stdin from a fifo held open by this script: the server exits when we do
node "$mp/server.mjs" --cert "$work/certs/good.crt" --key "$work/certs/good.key" \
	<"$work/hold" >"$work/server.out" 2>"$work/server.err" &
pid=$!
exec 9>"$work/hold"
i=0
url=
while [ $i -lt 300 ]; do
	url=$(sed -n 's/^URL //p' "$work/server.out")
	[ -n "$url" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
if [ -z "$url" ]; then
	echo "FAIL: the Medplum server did not start"
	cat "$work/server.err"
	exit 1
fi
echo "Medplum FHIR engine at $url"
VAX_INTEROP_HTTP2=1 "$builddir/tests/api/fhir_interop" "$url" "$work/certs/ca.pem"
rc=$?
[ $rc -ne 0 ] && cat "$work/server.err"
exit $rc
