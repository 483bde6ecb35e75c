#!/bin/sh
# vaxregd answers /metadata over TLS verified against the test CA; plain
# HTTP, an untrusted client and --help/--version behave.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_start

reg GET /metadata
expect 200 "GET /metadata"
[ "$(jqb .resourceType)" = CapabilityStatement ] || fail "not a CapabilityStatement"
[ "$(jqb .fhirVersion)" = 4.0.1 ] || fail "fhirVersion"
jqb '.rest[0].resource[].type' | grep -qx Immunization || fail "Immunization missing"
jqb '.rest[0].resource[] | select(.type=="Patient") | .operation[].name' | grep -qx match || fail "no \$match"
jqb '.rest[0].operation[].name' | grep -qx immds-forecast || fail "no \$immds-forecast"
jqb '.rest[0].resource[] | select(.type=="Group") | .operation[].name' | grep -qx school-compliance ||
	fail "no \$school-compliance"
header Content-Type | grep -q 'application/fhir+json' || fail "content type"
# the operations by the definitions' canonical URLs: the ImmDS IG's own
[ "$(jqb '.rest[0].operation[] | select(.name=="immds-forecast") | .definition')" = \
	http://hl7.org/fhir/us/immds/OperationDefinition/ImmDSForecastOperation ] || fail "ImmDS definition URL"
# the extensions' and operations' definitions are listed and served (read
# and by url, without a login; tests/fhir/validate.sh checks each)
sds=$(jqb '.rest[0].resource[] | select(.type=="StructureDefinition") | .documentation' |
	grep -o 'https://vaxdesk.org/fhir/StructureDefinition/[a-z-]*' | sort)
[ "$(echo "$sds" | wc -l)" = 19 ] || fail "the CapabilityStatement lists $(echo "$sds" | wc -l) extensions, not 19"
for u in $sds; do
	reg GET "/StructureDefinition/${u##*/}"
	expect 200 "StructureDefinition ${u##*/}"
	[ "$(jqb .url)" = "$u" ] && [ "$(jqb .type)" = Extension ] || fail "StructureDefinition ${u##*/}"
done
reg GET "/StructureDefinition?url=https://vaxdesk.org/fhir/StructureDefinition/recorded-by"
[ "$(jqb .total)" = 1 ] && [ "$(jqb '.entry[0].resource.id')" = recorded-by ] || fail "StructureDefinition?url="
reg GET /StructureDefinition
[ "$(jqb .total)" = 19 ] || fail "StructureDefinition search"
for od in Group-school-compliance ImmDSForecastOperation; do
	reg GET "/OperationDefinition/$od"
	expect 200 "OperationDefinition $od"
done
[ "$(jqb .code)" = immds-forecast ] && [ "$(jqb .url)" = \
	http://hl7.org/fhir/us/immds/OperationDefinition/ImmDSForecastOperation ] || fail "ImmDS OperationDefinition"
reg GET /StructureDefinition/nosuch
expect 404 "an unknown definition"
reg POST /StructureDefinition -H 'Content-Type: application/fhir+json' --data '{"resourceType":"StructureDefinition"}'
expect 405 "definitions are read-only"

# TLS is verified: without the CA curl must refuse
if curl -sS -o /dev/null "$REG_URL/metadata" 2>/dev/null; then fail "untrusted cert accepted"; fi
# no plain HTTP
if curl -sS -o /dev/null --max-time 5 "http://${REG_URL#https://}/metadata" 2>/dev/null; then
	fail "plain HTTP answered"
fi
# gzip when asked, and identical content
reg GET /metadata -H 'Accept-Encoding: gzip'
header Content-Encoding | grep -qx gzip || fail "no gzip"
curl -sS --cacert "$REG_CA" --compressed "$REG_URL/metadata" | jq -e '.resourceType=="CapabilityStatement"' >/dev/null ||
	fail "gzip body"
# keep-alive: two requests on one connection
n=$(curl -sS --cacert "$REG_CA" -v "$REG_URL/metadata" "$REG_URL/metadata" -o /dev/null -o /dev/null 2>&1 |
	grep -c 'Re-using existing connection' || :)
[ "$n" -ge 1 ] || fail "connection not reused"
# unauthenticated FHIR request -> 401 OperationOutcome
reg GET /Patient
expect 401 "no token"
[ "$(jqb .resourceType)" = OperationOutcome ] || fail "401 body"

"$VAXREGD" --version | grep -q '^vaxregd ' || fail "--version"
"$VAXREGD" --help | grep -q 'Usage' || fail "--help"

# graceful stop on SIGTERM
kill -TERM "$REG_PID"
wait "$REG_PID" || fail "vaxregd exit status after SIGTERM"
REG_PID=
echo "ok"
