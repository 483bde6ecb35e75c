#!/bin/sh
# tests/api/medplum.sh - the client's standard FHIR use (CRUD, search,
# conditional create, If-Match, transaction) against Medplum's FHIR engine
# (@medplum/fhir-router 4.5.2, in memory) behind HTTPS with a throwaway CA.
# SKIPs (77) when node/npm or the Medplum packages are not available.
set -u
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
. "$srcdir/tests/medplum/lib.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/vaxmedplum.XXXXXX")
cleanup() {
	medplum_stop
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
medplum_start "$work"
url=$MEDPLUM_URL
echo "Medplum FHIR engine at $url"
VAX_INTEROP_HTTP2=1 "$builddir/tests/api/fhir_interop" "$url" "$work/certs/ca.pem"
rc=$?
[ $rc -ne 0 ] && cat "$work/server.err"
exit $rc
