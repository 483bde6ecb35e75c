#!/bin/sh
# The route table (registry/routes.c): every URL answers a method it does not
# take with 405 and the Allow header the table gives; a URL no route has is
# 404 (or 400 naming the bad id or version); who has no token learns nothing
# about the FHIR URLs; Bundle entries reach only the resource routes.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINICA alice provider
registry_start
tok=$(registry_login CLINICA alice)
reg_create_patient "$tok" '{"resourceType":"Patient","name":[{"family":"Ruiz","given":["Ana"]}],"gender":"female",
 "birthDate":"2019-05-05","address":[{"district":"Webb","state":"TX","postalCode":"78043"}]}'

# allow METHOD PATH ALLOW: METHOD on PATH is 405 with exactly that Allow
allow() {
	reg_json "$1" "$2" "$tok"
	expect 405 "$1 $2"
	[ "$(header Allow)" = "$3" ] || fail "$1 $2: Allow '$(header Allow)', expected '$3'"
}
allow PATCH /Patient "GET, POST"
allow DELETE /Patient "GET, POST"
allow PATCH "/Patient/$PID" "GET, PUT, DELETE"
allow POST "/Patient/$PID" "GET, PUT, DELETE"
allow POST "/Patient/$PID/_history" GET
allow DELETE "/Patient/$PID/_history/1" GET
allow GET '/Patient/$match' POST
allow PUT /Group/g1/\$school-compliance "GET, POST"
allow GET '/$immds-forecast' POST
allow GET / POST
allow POST /metadata GET
allow GET /Patient/_search POST
allow DELETE /StructureDefinition GET
allow PUT /StructureDefinition/capture GET
allow POST /OperationDefinition/Group-school-compliance GET
allow DELETE /auth/token POST
allow POST /auth/confidentiality GET
[ "$(jqb .error)" = invalid_request ] || fail "/auth answers in OAuth2 JSON"
allow POST /.well-known/smart-configuration GET
allow GET /auth/device POST
allow DELETE /auth/activate "GET, POST"
allow GET /auth/revoke POST
allow GET /hl7v2 POST
allow DELETE /iis "GET, POST"

# no route
reg_json GET /Observation "$tok"
expect 404 "unknown type"
jqb '.issue[0].details.coding[0].code' | grep -qx TYPE || fail "TYPE code"
reg_json GET '/Immunization/$match' "$tok"
expect 404 "operation on another type"
reg_json GET "/Patient/$PID/nothing" "$tok"
expect 404 "unknown tail"
reg_json GET '/Patient/bad!id' "$tok"
expect 400 "bad id"
reg_json GET "/Patient/$PID/_history/0" "$tok"
expect 400 "bad version"
jqb '.issue[0].details.coding[0].code' | grep -qx VERSION || fail "VERSION code"
reg POST /auth/nothing -d x=1
expect 404 "unknown login endpoint"
[ "$(jqb .error)" = invalid_request ] || fail "/auth 404 in OAuth2 JSON"

# without a token: 401 before any word about FHIR URLs, methods or types
for u in /Observation "/Patient/$PID" /nothing/at/all; do
	reg PATCH "$u"
	expect 401 "PATCH $u without a token"
done
reg POST /metadata
expect 405 "public URL, wrong method"

# HEAD is GET without the body
code=$(curl -sS --cacert "$REG_CA" -I -o /dev/null -w '%{http_code}' "$REG_URL/metadata")
[ "$code" = 200 ] || fail "HEAD /metadata: $code"

# the route is found before the body is read
reg_json PATCH "/Patient/$PID" "$tok" '{not json'
expect 405 "wrong method with a bad body"

# Bundle entries: the resource routes only
reg_json POST / "$tok" '{"resourceType":"Bundle","type":"batch","entry":[
 {"request":{"method":"GET","url":"Patient/'"$PID"'"}},
 {"request":{"method":"GET","url":"metadata"}},
 {"request":{"method":"POST","url":"auth/token"}},
 {"request":{"method":"PATCH","url":"Patient/'"$PID"'"}}]}'
expect 200 "batch"
[ "$(jqb '[.entry[].response.status[0:3]] | join(",")')" = "200,400,400,405" ] ||
	fail "entry statuses: $(jqb '[.entry[].response.status] | join(",")')"
echo ok
