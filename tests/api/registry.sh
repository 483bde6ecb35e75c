#!/bin/sh
# tests/api/registry.sh - the client library against a real vaxregd over TLS
# (tests/lib/registry.sh: throwaway CA, ephemeral port, fresh data dir):
#   1. fhir_interop: CRUD, search, conditional create, If-Match, delete,
#      transaction with per-entry outcomes;
#   2. session_check with a 2-second token lifetime: confidentiality after
#      the password, refused login, roles, renewal, expiry + re-login +
#      resend, org switch, password change.
set -u
. "$top_srcdir/tests/lib/registry.sh"

pw='Test!pass2026'
newpw='New!pass2027x'
registry_init
registry_user CLINA nurse1 provider "$pw"
registry_user CLINB nurse1 view "$pw"
registry_org CLINC
registry_start
tok=$(registry_login CLINA nurse1 "$pw")
VAX_INTEROP_PAGING=1 VAX_INTEROP_MATCH=1 VAX_INTEROP_GZIP_UP=1 VAX_INTEROP_CONDITIONAL=1 \
	"$top_builddir/tests/api/fhir_interop" "$REG_URL" "$REG_CA" "$tok" || fail "fhir_interop against vaxregd"
registry_stop

registry_start --token-ttl 2
"$top_builddir/tests/api/session_check" "$REG_URL" "$REG_CA" CLINA CLINB CLINC nurse1 "$pw" "$newpw" ||
	fail "session_check against vaxregd"
