#!/bin/sh
# POST /$immds-forecast: the CDSi forecast over HTTPS, for every role, audited;
# bad input is a 400 OperationOutcome naming the parameter.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINICA alice provider
registry_user ISD nancy school
registry_start
a=$(registry_login CLINICA alice)
n=$(registry_login ISD nancy)

# a girl born 2024-03-10 with her HepB birth dose: dose 2 is due, no earlier
# than 4 weeks after dose 1 (2024-04-07)
REQ='{"resourceType":"Parameters","parameter":[
 {"name":"assessmentDate","valueDate":"2024-04-10"},
 {"name":"patient","resource":{"resourceType":"Patient","id":"p1","birthDate":"2024-03-10","gender":"female"}},
 {"name":"immunization","resource":{"resourceType":"Immunization","id":"i1","status":"completed",
  "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"08"}]},
  "occurrenceDateTime":"2024-03-10T09:30:00-05:00"}}]}'
reg_json POST '/$immds-forecast' "$a" "$REQ"
expect 200 "forecast"
[ "$(jqb .resourceType)" = Parameters ] || fail "forecast resourceType"
[ "$(jqb '.parameter[] | select(.name == "evaluation") | .resource.doseStatus.coding[0].code')" = valid ] ||
	fail "birth dose evaluation"
hepb='.parameter[] | select(.name == "recommendation") | .resource.recommendation[] | select(.targetDisease.text == "HepB")'
# the IG's status, and R4's "due" beside it: the earliest date has come
[ "$(jqb -c "[$hepb | .forecastStatus.coding[].code]")" = '["notComplete","due"]' ] || fail "HepB status"
[ "$(jqb "$hepb | .doseNumberPositiveInt")" = 2 ] || fail "HepB dose number"
[ "$(jqb "$hepb | .dateCriterion[] | select(.code.coding[0].code == \"30981-5\") | .value")" = 2024-04-07 ] ||
	fail "HepB earliest date"

# any role may ask (school too); no login, no forecast
reg_json POST '/$immds-forecast' "$n" "$REQ"
expect 200 "school forecast"
reg POST '/$immds-forecast' -H 'Content-Type: application/fhir+json' --data-binary "$REQ"
expect 401 "forecast without a token"
reg_json GET '/$immds-forecast' "$a"
expect 405 "GET forecast"

# bad input: a 400 that names the parameter
reg_json POST '/$immds-forecast' "$a" '{"resourceType":"Parameters","parameter":[
 {"name":"assessmentDate","valueDate":"2024-13-45"},
 {"name":"patient","resource":{"resourceType":"Patient","birthDate":"2024-03-10"}}]}'
expect 400 "bad assessment date"
[ "$(jqb .resourceType)" = OperationOutcome ] || fail "bad date outcome"
[ "$(jqb '.issue[0].details.coding[0].code')" = IMMDS-PARAM ] || fail "bad date code"
jqb '.issue[0].diagnostics // .issue[0].details.text' | grep -q assessmentDate || fail "bad date names the parameter"
reg_json POST '/$immds-forecast' "$a" '{"resourceType":"Parameters","parameter":[
 {"name":"assessmentDate","valueDate":"2024-04-10"}]}'
expect 400 "no patient"
jqb '.issue[0].diagnostics // .issue[0].details.text' | grep -q patient || fail "no patient names the parameter"
reg_json POST '/$immds-forecast' "$a" '[1,2]'
expect 400 "not an object"

# audited; as a read of the patient only when the registry holds it (p1 is
# no client of this registry: the id a client sends is not taken on trust)
c=$(reg_audit_where "action='forecast' AND type='Parameters'")
[ "$c" -ge 2 ] || fail "forecast audit rows: $c"
c=$(reg_audit_count Patient p1 forecast)
[ "$c" = 0 ] || fail "an id the registry does not hold was audited as a read of it"
registry_stop
