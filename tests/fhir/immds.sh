#!/bin/sh
# tests/fhir/immds.sh - the HL7 ImmDS IG STU1 example request
# (tests/fhir/immds-ig-request.json, the IG's parameters-in-example) sent to
# a real vaxregd's $immds-forecast, and the answer checked against the IG's
# profiles by tests/fhir/immds-profiles.mjs (Medplum's validator with the
# profiles as snapshots, and every binding explicitly). SKIPs without
# node/npm.
set -u
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
skip() { echo "SKIP: $*"; exit 77; }
. "$top_srcdir/tests/lib/medplum.sh"
medplum_find
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINICA alice provider
registry_start
tok=$(registry_login CLINICA alice)
reg_json POST '/$immds-forecast' "$tok" "$(cat "$top_srcdir/tests/fhir/immds-ig-request.json")"
expect 200 "the IG's example request"
medplum_node "$top_srcdir/tests/fhir/immds-profiles.mjs" "$top_srcdir/tests/fhir/immds-stu1.json" "$REG_BODY" ||
	fail "the answer to the IG's example is not valid against the IG's profiles"
# the IG's example answer names these: HepB dose 2 (its earliest date is the
# one the IG gives, 2020-05-26), a valid HepB evaluation
hepb='.parameter[] | select(.name == "recommendation") | .resource.recommendation[] | select(.targetDisease.text == "HepB")'
[ "$(jqb "$hepb | .doseNumberPositiveInt")" = 2 ] || fail "HepB dose number"
[ "$(jqb "$hepb | .dateCriterion[] | select(.code.coding[0].code == \"30981-5\") | .value")" = 2020-05-26 ] ||
	fail "HepB earliest date"
[ "$(jqb '.parameter[] | select(.name == "evaluation") | .resource.doseStatus.coding[0].code')" = valid ] ||
	fail "the birth dose"
echo ok
