#!/bin/sh
# Bad input: every answer is a 4xx OperationOutcome naming the field, nothing
# is stored, the server keeps running.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINICA alice provider
registry_start
tok=$(registry_login CLINICA alice)

good='{"resourceType":"Patient","name":[{"family":"Salinas","given":["Iker"]}],"gender":"male","birthDate":"2019-05-05",
 "address":[{"district":"Webb","state":"TX","postalCode":"78043"}]}'
bad() { # DESCRIPTION STATUS EXPRESSION|- BODY [PATH]
	reg_json POST "${5:-/Patient}" "$tok" "$4"
	expect "$2" "$1"
	[ "$(jqb .resourceType)" = OperationOutcome ] || fail "$1: not an OperationOutcome"
	if [ "$3" != - ]; then
		jqb '.issue[].expression[]?' | grep -qxF "$3" || fail "$1: field $3 not named ($(jqb '[.issue[].expression]' | tr -d '\n '))"
	fi
	# expressions are FHIRPath, never the registry's own field names
	! jqb '.issue[].expression[]?' | grep -qE '\.(dob|sex|zip|county|lot|cvx|mvx|ndc|funding|vfc|date_given|expiration|info_source|refusal_reason|phone|race|ethnicity|mother_[a-z]*)(\.|$)' ||
		fail "$1: an internal field name as expression: $(jqb '[.issue[].expression]' | tr -d '\n ')"
}
with() { echo "$good" | jq -c "$1"; }

bad "malformed JSON" 400 - '{"resourceType":"Patient","name":['
bad "not an object" 400 - '[1,2,3]'
bad "wrong resourceType" 422 Patient.resourceType '{"resourceType":"Observation"}'
bad "Immunization posted to /Patient" 422 Patient.resourceType "$(with '.resourceType="Immunization"')"
bad "birthDate a number" 422 Patient.birthDate "$(with '.birthDate=20190505')"
bad "birthDate not a day" 422 Patient.birthDate "$(with '.birthDate="2019-02-30"')"
bad "birthDate year 1700" 422 Patient.birthDate "$(with '.birthDate="1700-01-01"')"
bad "birthDate in the future" 422 Patient.birthDate "$(with '.birthDate="2999-01-01"')"
bad "birthDate before 1890" 422 Patient.birthDate "$(with '.birthDate="1850-01-01"')"
bad "gender unknown word" 422 Patient.gender "$(with '.gender="robot"')"
bad "name not a list" 422 Patient.name "$(with '.name="Salinas"')"
bad "family too long" 422 Patient.name.family "$(with ".name[0].family=\"$(printf 'a%.0s' $(seq 1 300))\"")"
bad "SQL in a name" 422 Patient.name.family "$(with '.name[0].family="Robert\u0027); DROP TABLE resource;--"')"
bad "zip" 422 Patient.address[0].postalCode "$(with '.address[0].postalCode="7804"')"
bad "state" 422 Patient.address.state "$(with '.address[0].state="Texas"')"
bad "state code" 422 "Patient.address[0].state" "$(with '.address[0].state="T1"')"
bad "phone" 422 "Patient.telecom.where(system = 'phone')" "$(with '.telecom=[{"system":"phone","value":"555-01"}]')"
bad "race code" 422 "Patient.extension('http://hl7.org/fhir/us/core/StructureDefinition/us-core-race')" "$(with '.extension=[{"url":"http://hl7.org/fhir/us/core/StructureDefinition/us-core-race","extension":[{"url":"ombCategory","valueCoding":{"code":"9999-9"}}]}]')"
bad "county missing" 422 Patient.address[0].district "$(with 'del(.address[0].district)')"
bad "extension without url" 422 'Patient.extension[0].url' "$(with '.extension=[{"valueString":"x"}]')"

imm='{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"03"}]},
 "occurrenceDateTime":"2021-06-01","primarySource":false,"reportOrigin":{"coding":[{"code":"01"}]}}'
reg_json POST /Patient "$tok" "$good"
expect 201
pid=$(jqb .id)
iwith() { echo "$imm" | jq -c ".patient={\"reference\":\"Patient/$pid\"} | $1"; }
bad "unknown CVX" 422 Immunization.vaccineCode "$(iwith '.vaccineCode.coding[0].code="777"')" /Immunization
bad "unknown MVX" 422 Immunization.manufacturer "$(iwith '.manufacturer={"identifier":{"value":"ZZZ"}}')" /Immunization
bad "shot before birth" 422 Immunization.occurrenceDateTime "$(iwith '.occurrenceDateTime="2018-01-01"')" /Immunization
bad "shot in the future" 422 Immunization.occurrenceDateTime "$(iwith '.occurrenceDateTime="2999-01-01"')" /Immunization
bad "shot date garbage" 422 Immunization.occurrenceDateTime "$(iwith '.occurrenceDateTime="yesterday"')" /Immunization
bad "status" 422 Immunization.status "$(iwith '.status="done"')" /Immunization
bad "dose volume" 422 Immunization.doseQuantity.value "$(iwith '.doseQuantity={"value":-1}')" /Immunization
bad "route code" 422 Immunization.route "$(iwith '.route={"coding":[{"code":"XX"}]}')" /Immunization
bad "historical without source" 422 Immunization.reportOrigin "$(iwith 'del(.reportOrigin)')" /Immunization
bad "administered without lot" 422 Immunization.lotNumber "$(iwith '.primarySource=true | del(.reportOrigin)')" /Immunization
bad "administered without funding" 422 Immunization.fundingSource "$(iwith '.primarySource=true | del(.reportOrigin)')" /Immunization
bad "administered without VFC eligibility" 422 Immunization.programEligibility "$(iwith '.primarySource=true | del(.reportOrigin)')" /Immunization
bad "unknown patient" 422 Immunization.patient "$(echo "$imm" | jq -c '.patient={"reference":"Patient/nosuch"}')" /Immunization
bad "patient not a Patient" 422 Immunization.patient "$(echo "$imm" | jq -c '.patient={"reference":"Group/1"}')" /Immunization
# NDC: the code system's form (10 digits with dashes as labeled, or 11
# without), in CDC's NDC tables, for the vaccine the CVX code names
ndc() { iwith '.vaccineCode.coding=[{"system":"http://hl7.org/fhir/sid/cvx","code":"'$1'"},{"system":"http://hl7.org/fhir/sid/ndc","code":"'$2'"}]'; }
bad "NDC garbage" 422 Immunization.vaccineCode "$(ndc 140 not-an-ndc)" /Immunization
jqb '.issue[].details.coding[0].code' | grep -qx V-NDC-FORMAT || fail "V-NDC-FORMAT"
bad "NDC 11 digits with dashes" 422 Immunization.vaccineCode "$(ndc 140 49281-0425-50)" /Immunization
jqb '.issue[].details.coding[0].code' | grep -qx V-NDC-FORMAT || fail "V-NDC-FORMAT for 5-4-2"
bad "NDC not in CDC's tables" 422 Immunization.vaccineCode "$(ndc 140 12345-678-90)" /Immunization
jqb '.issue[].details.coding[0].code' | grep -qx V-NDC-UNKNOWN || fail "V-NDC-UNKNOWN"
bad "NDC of another vaccine" 422 Immunization.vaccineCode "$(ndc 08 49281-425-50)" /Immunization
jqb '.issue[].details.coding[0].code' | grep -qx V-NDC-MISMATCH || fail "V-NDC-MISMATCH"

# searches
sbad() { reg_json GET "$1" "$tok"; expect 400 "$1"; [ "$(jqb .resourceType)" = OperationOutcome ] || fail "$1 body"; }
sbad '/Patient?shoe-size=9'
sbad '/Patient?birthdate=yesterday'
sbad '/Patient?_count=lots'
sbad '/Patient?gender=robot'
sbad '/Immunization?family=x'
reg_json GET "/Patient?family=x%27%20OR%201%3D1%20--" "$tok"
expect 200 "SQL in a search"
[ "$(jqb .total)" = 0 ] || fail "SQL in a search matched"
reg_json GET "/Patient?identifier=%27%3B%20DELETE%20FROM%20resource%3B--" "$tok"
expect 200
[ "$(jqb .total)" = 0 ] || fail "SQL identifier matched"

# URLs and methods
reg_json GET /Observation "$tok"
expect 404 "unknown type"
reg_json GET "/Patient/..%2F..%2Fetc" "$tok"
[ "$REG_STATUS" = 400 ] || [ "$REG_STATUS" = 404 ] || fail "odd id: $REG_STATUS"
reg_json PATCH "/Patient/$pid" "$tok" '{}'
expect 405 "PATCH"
[ -n "$(header Allow)" ] || fail "Allow header"
reg_json PUT "/Patient/$pid" "$tok" "$good"
expect 400 "PUT without id in body"
reg PUT "/Patient/$pid" -H "Authorization: Bearer $tok" -H 'If-Match: W/"banana"' --data-binary "$(echo "$good" | jq -c ".id=\"$pid\"")"
expect 412 "If-Match garbage"

# too large: 9 MB
head -c 9437184 /dev/zero | tr '\0' ' ' > "$REG_TMP/huge"
reg POST /Patient -H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' --data-binary "@$REG_TMP/huge"
expect 413 "huge body"

# transaction with a bad entry shape
reg_json POST / "$tok" '{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{}}]}'
expect 400 "entry without request"
reg_json POST / "$tok" '{"resourceType":"Bundle","type":"collection"}'
expect 400 "collection bundle"
reg_json POST / "$tok" '{"resourceType":"Bundle","type":"transaction","entry":"x"}'
expect 400 "entry not a list"

# nothing stored by any of that: just the one good patient, no shots
reg_json GET /Patient "$tok"
[ "$(jqb .total)" = 1 ] || fail "bad input stored: $(jqb .total) patients"
reg_json GET /Immunization "$tok"
[ "$(jqb .total)" = 0 ] || fail "bad input stored shots"
kill -0 "$REG_PID" || fail "server died"
# the NDC forms the code system has, of the vaccine the CVX code names: kept as sent
# (the second dose of the day a person confirmed, past the duplicate check)
confirmed='.meta.tag=[{"system":"https://vaxdesk.org/fhir/CodeSystem/review","code":"confirmed-not-duplicate"}]'
for n in 49281-425-50 49281042550; do
	reg_json POST /Immunization "$tok" "$(ndc 140 $n | jq -c "$confirmed")"
	expect 201 "NDC $n of CVX 140"
	[ "$(jqb '.vaccineCode.coding[] | select(.system == "http://hl7.org/fhir/sid/ndc") | .code')" = $n ] ||
		fail "NDC $n not kept as sent"
done
reg GET /metadata
expect 200 "still serving"
echo ok
