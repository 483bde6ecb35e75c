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

# the forecast of a client the registry holds comes with the search that
# finds the client (_revinclude): the same answer $immds-forecast gives for
# the doses the registry holds, as of today; computed, with no identity, so
# no fullUrl (FHIR R4 Bundle.entry.fullUrl: results that are not identified)
reg_create_patient "$a" '{"resourceType":"Patient","name":[{"family":"Ortiz","given":["Lena"]}],
 "gender":"female","birthDate":"2024-03-10","address":[{"district":"Webb","state":"TX","postalCode":"78043"}]}'
pid=$PID
reg_json POST /Immunization "$a" '{"resourceType":"Immunization","status":"completed",
 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"08"}]},"patient":{"reference":"Patient/'$pid'"},
 "occurrenceDateTime":"2024-03-10","primarySource":false,"reportOrigin":{"coding":[{"code":"01"}]}}'
expect 201 "a dose"
iid=$(jqb .id)
before=$(reg_audit_count Patient "$pid" forecast)
reg_json GET "/Patient?_id=$pid&_revinclude=Immunization:patient&_revinclude=ImmunizationRecommendation:patient&_revinclude=ImmunizationEvaluation:patient" "$a"
expect 200 "search with the forecast"
cp "$REG_BODY" "$REG_TMP/searched.json"
[ "$(jqb '[.entry[] | select(.resource.resourceType == "ImmunizationRecommendation")] | length')" = 1 ] ||
	fail "one recommendation for the client found"
[ "$(jqb '[.entry[] | select(.resource.resourceType | startswith("Immunization")) | select(.resource.id == null) | .fullUrl] | map(select(. != null)) | length')" = 0 ] ||
	fail "a computed recommendation or evaluation has no fullUrl"
[ "$(jqb '.entry[] | select(.resource.resourceType == "ImmunizationRecommendation") | .resource.patient.reference')" = "Patient/$pid" ] ||
	fail "the recommendation names the client"
[ "$(jqb '[.entry[] | select(.resource.resourceType == "ImmunizationEvaluation") | .resource.immunizationEvent.reference] | unique | join(",")')" = "Immunization/$iid" ] ||
	fail "the evaluations name the registry's dose"
[ "$(jqb '[.entry[] | select(.resource.resourceType | startswith("Immunization")) | .search.mode] | unique | join(",")')" = include ] ||
	fail "the forecast comes as included resources"
jqb '.link[] | select(.relation == "self") | .url' | grep -q 'ImmunizationRecommendation' ||
	fail "the self link says the forecast was included"
today=$(date +%F)
reg_json POST '/$immds-forecast' "$a" "$(jq -c --arg d "$today" '{resourceType: "Parameters", parameter: ([{name: "assessmentDate", valueDate: $d}]
	+ [.entry[] | select(.search.mode == "match") | {name: "patient", resource: .resource}]
	+ [.entry[] | select(.resource.resourceType == "Immunization") | {name: "immunization", resource: .resource}])}' "$REG_TMP/searched.json")"
expect 200 "the same forecast asked for"
strip='del(.. | .date?, .id?)'
[ "$(jq -cS "[.entry[] | select(.resource.resourceType == \"ImmunizationRecommendation\") | .resource] | $strip" "$REG_TMP/searched.json")" = \
	"$(jqb -cS "[.parameter[] | select(.name == \"recommendation\") | .resource] | $strip")" ] ||
	fail "the included recommendation is not what \$immds-forecast answers"
[ "$(jq '[.entry[] | select(.resource.resourceType == "ImmunizationEvaluation")] | length' "$REG_TMP/searched.json")" = \
	"$(jqb '[.parameter[] | select(.name == "evaluation")] | length')" ] || fail "evaluations differ from \$immds-forecast's"
[ "$(reg_audit_count Patient "$pid" forecast)" -gt "$before" ] || fail "the included forecast was not audited"
# only what is asked: the recommendation alone
reg_json GET "/Patient?_id=$pid&_revinclude=ImmunizationRecommendation:patient" "$a"
expect 200 "search with the recommendation only"
[ "$(jqb '[.entry[].resource.resourceType] | sort | join(",")')" = "ImmunizationRecommendation,Patient" ] ||
	fail "asked the recommendation only, got $(jqb -c '[.entry[].resource.resourceType]')"
# a forecast is a CDSi run: at most 50 clients' on a page
reg_json GET "/Patient?_count=51&_revinclude=ImmunizationRecommendation:patient" "$a"
expect 200 "a page of fewer clients than it may hold"
for i in $(seq 1 51); do
	reg_json POST /Patient "$a" '{"resourceType":"Patient","name":[{"family":"Many","given":["C'"$(echo $i | tr 0-9 a-j)"'"]}],
 "gender":"male","birthDate":"2020-01-01","address":[{"district":"Webb","state":"TX","postalCode":"78043"}]}'
	expect 201 "client $i of 51"
done
reg_json GET "/Patient?family=Many&_count=51&_revinclude=ImmunizationRecommendation:patient" "$a"
expect 400 "forecasts of 51 clients on one page"
jqb '.issue[0].diagnostics' | grep -q "at most 50 clients" || fail "the refusal says the limit"
reg_json GET "/Patient?family=Many&_count=50&_revinclude=ImmunizationRecommendation:patient" "$a"
expect 200 "forecasts of 50 clients on one page"
[ "$(jqb '[.entry[] | select(.resource.resourceType == "ImmunizationRecommendation")] | length')" = 50 ] ||
	fail "50 clients, not 50 forecasts"
# not on other searches
reg_json GET "/Immunization?patient=Patient/$pid&_revinclude=ImmunizationRecommendation:patient" "$a"
expect 400 "forecast include on an Immunization search"

# audited; as a read of the patient only when the registry holds it (p1 is
# no client of this registry: the id a client sends is not taken on trust)
c=$(reg_audit_where "action='forecast' AND type='Parameters'")
[ "$c" -ge 2 ] || fail "forecast audit rows: $c"
c=$(reg_audit_count Patient p1 forecast)
[ "$c" = 0 ] || fail "an id the registry does not hold was audited as a read of it"
registry_stop
