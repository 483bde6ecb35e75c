#!/bin/sh
# Roles (provider, view, school) and organization isolation: school lists
# (Group) are seen only by their organization; doses are changed only by the
# organization that recorded them; Organization is read-only over the API.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINICA alice provider
registry_user CLINICA victor view
registry_user ISD nancy school
registry_user ISD2 sam school
registry_start
a=$(registry_login CLINICA alice)
v=$(registry_login CLINICA victor)
n=$(registry_login ISD nancy)
s=$(registry_login ISD2 sam)

P='{"resourceType":"Patient","name":[{"family":"Washington","given":["Imani"]}],"gender":"female",
 "birthDate":"2020-09-09","address":[{"district":"Travis","state":"TX","postalCode":"78741"}]}'
reg_json POST /Patient "$a" "$P"
expect 201 "provider creates"
pid=$(jqb .id)

# view-only: reads, never writes
reg_json GET "/Patient/$pid" "$v"
expect 200 "view reads"
reg_json POST /Patient "$v" "$P"
expect 403 "view creates"
jqb '.issue[0].details.coding[0].code' | grep -qx ACCESS-ROLE || fail "role code"
reg_json GET "/Patient/$pid" "$v"
upd=$(cat "$REG_BODY")
reg_json PUT "/Patient/$pid" "$v" "$upd"
expect 403 "view updates"
reg_json DELETE "/Patient/$pid" "$v"
expect 403 "view deletes"

# school: reads clients, keeps its own lists, records no shots
reg_json GET "/Patient?family=washington" "$n"
expect 200 "school searches"
reg_json POST /Immunization "$n" '{"resourceType":"Immunization","status":"completed","patient":{"reference":"Patient/'$pid'"},
 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"03"}]},"occurrenceDateTime":"2021-09-10",
 "primarySource":false,"reportOrigin":{"coding":[{"code":"01"}]}}'
expect 403 "school records a shot"
G='{"resourceType":"Group","type":"person","actual":true,"name":"Becker Elementary K",
 "member":[{"entity":{"reference":"Patient/'$pid'"}}]}'
reg_json POST /Group "$n" "$G"
expect 201 "school makes a list"
gid=$(jqb .id)
[ "$(jqb .quantity)" = 1 ] || fail "quantity"
reg_json GET "/Group?member=$pid" "$n"
[ "$(jqb .total)" = 1 ] || fail "Group?member"
# another school district sees nothing of it
reg_json GET "/Group/$gid" "$s"
expect 404 "other org reads the list"
reg_json GET "/Group?member=$pid" "$s"
[ "$(jqb .total)" = 0 ] || fail "other org finds the list"
reg_json GET "/Group/$gid" "$n"
upd=$(jq '.name="Becker Elementary K (AM)"' "$REG_BODY")
reg_json PUT "/Group/$gid" "$s" "$upd"
expect 404 "other org updates the list"
reg_json DELETE "/Group/$gid" "$s"
expect 404 "other org deletes the list"
reg_json PUT "/Group/$gid" "$n" "$upd"
expect 200 "owner updates the list"
reg_json POST /Group "$n" '{"resourceType":"Group","name":"x","member":[{"entity":{"reference":"Patient/nosuch"}}]}'
expect 422 "list with unknown member"

# Organization: readable, not writable
reg_json GET /Organization/CLINICA "$a"
expect 200 "read Organization"
[ "$(jqb .name)" = "CLINICA clinic" ] || fail "org name"
reg_json POST /Organization "$a" '{"resourceType":"Organization","name":"Mine"}'
expect 403 "create Organization"

# a dose belongs to the organization that recorded it
registry_user CLINICB bob provider
b=$(registry_login CLINICB bob)
reg_json POST /Immunization "$a" '{"resourceType":"Immunization","status":"completed","patient":{"reference":"Patient/'$pid'"},
 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"03"}]},"occurrenceDateTime":"2021-09-10",
 "primarySource":false,"reportOrigin":{"coding":[{"code":"01"}]}}'
expect 201
iid=$(jqb .id)
upd=$(jq '.lotNumber="Z9"' "$REG_BODY")
reg_json PUT "/Immunization/$iid" "$b" "$upd"
expect 403 "other org changes a dose"
jqb '.issue[0].details.coding[0].code' | grep -qx ACCESS-ORG || fail "org code"
reg_json PUT "/Immunization/$iid" "$a" "$upd"
expect 200 "recording org changes its dose"
echo ok
