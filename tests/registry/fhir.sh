#!/bin/sh
# Patient and Immunization: create, conditional create, read, vread,
# history, search (folded names, dates, paging, _elements, _summary),
# update with If-Match, delete; RelatedPerson and Consent.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINICA alice provider
registry_user CLINICB bob provider
registry_start
tok=$(registry_login CLINICA alice)
btok=$(registry_login CLINICB bob)

U1=6f1c2f9e-3a44-4c4b-9d7e-0a1b2c3d4e01
patient() { # UUID FAMILY GIVEN DOB GENDER
	cat <<JSON
{"resourceType":"Patient",
 "identifier":[{"system":"urn:ietf:rfc:3986","value":"urn:uuid:$1"},
   {"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},
    "system":"https://clinica.example/mrn","value":"MR-${1##*-}"}],
 "name":[{"use":"official","family":"$2","given":["$3"]}],
 "gender":"$5","birthDate":"$4",
 "address":[{"line":["12 Calle del Sol"],"city":"McAllen","district":"Hidalgo","state":"TX","postalCode":"78501"}],
 "telecom":[{"system":"phone","value":"9565550123","use":"mobile"}]}
JSON
}

reg_json POST /Patient "$tok" "$(patient $U1 'Peña-Treviño' 'José' 2021-03-04 male)"
expect 201 "create patient"
pid=$(jqb .id)
[ "$(jqb .meta.versionId)" = 1 ] || fail "version 1"
[ "$(header ETag)" = 'W/"1"' ] || fail "ETag on create: $(header ETag)"
header Location | grep -q "/Patient/$pid/_history/1$" || fail "Location"
[ "$(jqb '.name[0].family')" = 'Peña-Treviño' ] || fail "name round trip"

# the same record again: conditional create answers with the first copy
reg POST /Patient -H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' \
	-H "If-None-Exist: identifier=urn:ietf:rfc:3986|urn:uuid:$U1" --data-binary "$(patient $U1 'Peña-Treviño' 'José' 2021-03-04 male)"
expect 200 "conditional create"
[ "$(jqb .id)" = "$pid" ] || fail "conditional create made a copy"
# even without the header, the record's UUID is its identity
reg_json POST /Patient "$tok" "$(patient $U1 'Peña-Treviño' 'José' 2021-03-04 male)"
expect 200 "resend"
[ "$(jqb .id)" = "$pid" ] || fail "resend made a copy"

reg_json POST /Patient "$tok" "$(patient 6f1c2f9e-3a44-4c4b-9d7e-0a1b2c3d4e02 'Nguyễn' 'Thảo' 2019-11-30 female)"
expect 201
nid=$(jqb .id)
for i in 3 4 5 6 7; do
	g=$(echo "x Ana Beth Carla Dora Eva" | cut -d' ' -f$((i - 1)))
	reg_json POST /Patient "$tok" "$(patient 6f1c2f9e-3a44-4c4b-9d7e-0a1b2c3d4e0$i 'García López' "$g" 2018-0$i-15 female)"
	expect 201 "create $i"
done

reg_json GET "/Patient/$pid" "$tok"
expect 200 read
[ "$(jqb .birthDate)" = 2021-03-04 ] || fail "read birthDate"
reg_json GET /Patient/nosuchid "$tok"
expect 404 "unknown id"

# search: accents and case folded, any part of a compound name
s() { reg_json GET "$1" "$tok"; expect 200 "search $1"; jqb .total; }
[ "$(s '/Patient?family=pena')" = 1 ] || fail "family=pena"
[ "$(s '/Patient?family=TREVINO')" = 1 ] || fail "family=TREVINO"
[ "$(s '/Patient?family=nguyen&given=thao')" = 1 ] || fail "nguyen thao"
[ "$(s '/Patient?family=lopez')" = 5 ] || fail "family=lopez"
[ "$(s '/Patient?family=garcia&birthdate=2018-05-15')" = 1 ] || fail "family+birthdate"
[ "$(s '/Patient?birthdate=ge2019-01-01')" = 2 ] || fail "birthdate=ge"
[ "$(s '/Patient?gender=male')" = 1 ] || fail "gender"
[ "$(s '/Patient?identifier=https://clinica.example/mrn|MR-0a1b2c3d4e01')" = 1 ] || fail "identifier"
[ "$(s '/Patient?identifier=urn:ietf:rfc:3986|urn:uuid:'$U1)" = 1 ] || fail "uuid identifier"
[ "$(s '/Patient?quick=pena,%20jose%2003/04/2021')" = 1 ] || fail "quick name dob"
[ "$(s '/Patient?quick=MR-0a1b2c3d4e03')" = 1 ] || fail "quick id"
[ "$(s '/Patient?family=zzz')" = 0 ] || fail "no match"
[ "$(s '/Patient?address-postalcode=78501')" = 7 ] || fail "zip"

# paging
reg_json GET '/Patient?family=garcia&_count=2' "$tok"
[ "$(jqb '.entry | length')" = 2 ] && [ "$(jqb .total)" = 5 ] || fail "page 1"
next=$(jqb '.link[] | select(.relation=="next") | .url')
[ -n "$next" ] || fail "no next link"
reg_json GET "/${next#*://*/}" "$tok"
[ "$(jqb '.entry | length')" = 2 ] || fail "page 2"
jqb '.link[].relation' | grep -qx previous || fail "no previous link"
# _elements and _summary: only what was asked
reg_json GET "/Patient?family=pena&_elements=birthDate" "$tok"
[ "$(jqb '.entry[0].resource | keys | sort | join(",")')" = "birthDate,id,meta,resourceType" ] || fail "_elements: $(jqb '.entry[0].resource | keys')"
jqb '.entry[0].resource.meta.tag[].code' | grep -qx SUBSETTED || fail "SUBSETTED tag"
reg_json GET "/Patient?family=garcia&_summary=count" "$tok"
[ "$(jqb .total)" = 5 ] && [ "$(jqb '.entry | length')" = 0 ] || fail "_summary=count"
reg_json GET "/Patient/$pid?_summary=true" "$tok"
[ "$(jqb '.extension')" = null ] || fail "_summary=true kept extensions"

# update with If-Match
body=$(cat "$REG_BODY")
reg_json GET "/Patient/$pid" "$tok"
upd=$(jq '.name[0].given=["José","Luis"]' "$REG_BODY")
reg PUT "/Patient/$pid" -H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' -H 'If-Match: W/"1"' --data-binary "$upd"
expect 200 "update"
[ "$(jqb .meta.versionId)" = 2 ] || fail "version 2"
[ "$(header ETag)" = 'W/"2"' ] || fail "ETag 2"
reg PUT "/Patient/$pid" -H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' -H 'If-Match: W/"1"' --data-binary "$upd"
expect 412 "stale If-Match"
jqb '.issue[0].details.coding[0].code' | grep -qx VERSION-CONFLICT || fail "conflict code"
reg_json GET "/Patient/$pid/_history/1" "$tok"
expect 200 vread
[ "$(jqb '.name[0].given | length')" = 1 ] || fail "vread old version"
reg_json GET "/Patient/$pid/_history" "$tok"
[ "$(jqb .total)" = 2 ] || fail "history"

# immunizations
IU=0d9b1e1a-5b6c-4d7e-8f90-a1b2c3d4e5f6
imm() { # UUID PATIENT_REF DATE
	cat <<JSON
{"resourceType":"Immunization","identifier":[{"system":"urn:ietf:rfc:3986","value":"urn:uuid:$1"}],
 "status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"03"}]},
 "patient":{"reference":"$2"},"occurrenceDateTime":"$3","primarySource":true,
 "manufacturer":{"identifier":{"system":"http://hl7.org/fhir/sid/mvx","value":"MSD"}},
 "lotNumber":"X1234","expirationDate":"2030-01-01",
 "route":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0162","code":"SC"}]},
 "site":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0163","code":"LA"}]},
 "doseQuantity":{"value":0.5,"unit":"mL"},
 "fundingSource":{"coding":[{"code":"VXC1"}]},"programEligibility":[{"coding":[{"code":"V02"}]}],
 "education":[{"documentType":"MMR VIS","publicationDate":"2021-08-06","presentationDate":"$3"}]}
JSON
}
reg_json POST /Immunization "$tok" "$(imm $IU "Patient/$pid" 2022-03-10)"
expect 201 "create immunization"
iid=$(jqb .id)
[ "$(jqb .doseQuantity.value)" = 0.5 ] || fail "dose volume"
jqb '.extension[] | select(.url|endswith("/recorded-by")) | .valueReference.identifier.value' | grep -qx CLINICA ||
	fail "recording org"
reg_json POST /Immunization "$tok" "$(imm $IU "Patient/$pid" 2022-03-10)"
expect 200 "immunization resend"
[ "$(jqb .id)" = "$iid" ] || fail "second copy of a shot"
# by the client's UUID instead of its id
reg_json POST /Immunization "$tok" "$(imm 0d9b1e1a-5b6c-4d7e-8f90-a1b2c3d4e5f7 "urn:uuid:$U1" 2022-06-10)"
expect 201 "immunization by patient uuid"
[ "$(jqb .patient.reference)" = "Patient/$pid" ] || fail "uuid reference resolved"
iid2=$(jqb .id)
[ "$(s "/Immunization?patient=$pid")" = 2 ] || fail "Immunization?patient"
[ "$(s "/Immunization?patient=Patient/$pid&date=ge2022-05-01")" = 1 ] || fail "Immunization date"
[ "$(s "/Immunization?vaccine-code=03")" = 2 ] || fail "vaccine-code"
# another org may read but not change or delete a dose it did not record
reg_json GET "/Immunization/$iid" "$btok"
expect 200 "other org reads the dose"
reg_json DELETE "/Immunization/$iid" "$btok"
expect 403 "other org deletes"
reg_json DELETE "/Immunization/$iid2" "$tok"
expect 204 "delete"
reg_json GET "/Immunization/$iid2" "$tok"
expect 410 "read deleted"
[ "$(s "/Immunization?patient=$pid")" = 1 ] || fail "deleted still found"
# update a dose: historical now
reg_json GET "/Immunization/$iid" "$tok"
upd=$(jq '.primarySource=false | .reportOrigin={"coding":[{"code":"01"}]}' "$REG_BODY")
reg PUT "/Immunization/$iid" -H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' -H 'If-Match: W/"1"' --data-binary "$upd"
expect 200 "update immunization"
[ "$(jqb .primarySource)" = false ] || fail "historical"

# responsible person and consent
reg_json POST /RelatedPerson "$tok" '{"resourceType":"RelatedPerson","patient":{"reference":"Patient/'$pid'"},
 "relationship":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0063","code":"MTH"}]}],
 "name":[{"family":"Treviño","given":["Guadalupe"]}],"telecom":[{"system":"phone","value":"9565550199"}]}'
expect 201 "RelatedPerson"
[ "$(s "/RelatedPerson?patient=$pid")" = 1 ] || fail "RelatedPerson search"
# a relationship in v3 RoleCode is kept as sent; one in no known system or
# not a code of a person responsible for a client is refused
rel() {
	reg_json POST /RelatedPerson "$tok" '{"resourceType":"RelatedPerson","patient":{"reference":"Patient/'$pid'"},
	 "name":[{"family":"Peña","given":["Rosa"]}],"relationship":[{"coding":[{"system":"'$1'","code":"'$2'"}]}]}'
}
rel http://terminology.hl7.org/CodeSystem/v3-RoleCode GRPRN
expect 201 "a v3 RoleCode relationship"
[ "$(jqb -c '.relationship[0].coding[0] | [.system, .code]')" = '["http://terminology.hl7.org/CodeSystem/v3-RoleCode","GRPRN"]' ] ||
	fail "the v3 relationship was rewritten: $(jqb -c .relationship)"
rid=$(jqb .id)
reg_json GET "/RelatedPerson/$rid" "$tok"
[ "$(jqb '.relationship[0].coding[0].code')" = GRPRN ] || fail "the v3 relationship read back"
reg_json DELETE "/RelatedPerson/$rid" "$tok"
expect 204 "delete the v3 one"
rel http://terminology.hl7.org/CodeSystem/v3-RoleCode ZZZ
expect 422 "a v3 code that names no responsible person"
rel urn:example:family MTH
expect 422 "a relationship of an unknown system"
[ "$(jqb '.issue[0].expression[0]')" = RelatedPerson.relationship ] || fail "the refusal names RelatedPerson.relationship"
CONSENT='{"resourceType":"Consent","patient":{"reference":"Patient/'$pid'"},"dateTime":"2021-03-05","status":"active",
 "scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},
 "category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],
 "policyRule":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"OPTIN"}]},
 "extension":[{"url":"https://vaxdesk.org/fhir/StructureDefinition/consent-minor","valueCode":"granted"}]}'
# a Consent R4 would not accept, or one whose status says otherwise than its answer, is refused
reg_json POST /Consent "$tok" "$(echo "$CONSENT" | jq -c 'del(.category)')"
expect 422 "Consent without category"
jqb '.issue[0].expression[0]' | grep -qx Consent.category || fail "names Consent.category"
reg_json POST /Consent "$tok" "$(echo "$CONSENT" | jq -c '.status = "proposed"')"
expect 422 "Consent status against its answer"
reg_json POST /Consent "$tok" "$CONSENT"
expect 201 "Consent"
[ "$(jqb .status)" = active ] || fail "consent status"
[ "$(s "/Consent?patient=$pid")" = 1 ] || fail "Consent search"
reg_json POST /RelatedPerson "$tok" '{"resourceType":"RelatedPerson","patient":{"reference":"Patient/nosuch"}}'
expect 422 "RelatedPerson for unknown patient"

# ifMatch on RelatedPerson and Consent entries of a transaction: a change
# made elsewhere meanwhile is a 412, never overwritten
reg_json GET "/RelatedPerson?patient=$pid" "$tok"
rpid=$(jqb '.entry[0].resource.id')
jq -c '.entry[0].resource | .telecom[0].value = "9565550111"' "$REG_BODY" >"$REG_TMP/rp.json"
reg_json PUT "/RelatedPerson/$rpid" "$tok" "$(cat "$REG_TMP/rp.json")"
expect 200 "RelatedPerson changed elsewhere"
[ "$(jqb .meta.versionId)" = 2 ] || fail "RelatedPerson version $(jqb .meta.versionId)"
reg_json GET "/Consent?patient=$pid" "$tok"
cid=$(jqb '.entry[0].resource.id')
jq -c '.entry[0].resource | .dateTime = "2021-03-06"' "$REG_BODY" >"$REG_TMP/cs.json"
comp_tx() { # RP_IFMATCH CONSENT_IFMATCH PHONE
	reg_json POST / "$tok" '{"resourceType":"Bundle","type":"transaction","entry":[
	 {"resource":'"$(jq -c '.telecom[0].value = "'"$3"'"' "$REG_TMP/rp.json")"',
	  "request":{"method":"PUT","url":"RelatedPerson/'"$rpid"'","ifMatch":"W/\"'"$1"'\""}},
	 {"resource":'"$(cat "$REG_TMP/cs.json")"',
	  "request":{"method":"PUT","url":"Consent/'"$cid"'","ifMatch":"W/\"'"$2"'\""}}]}'
}
comp_tx 1 1 9565550122
expect 412 "stale RelatedPerson ifMatch in a transaction"
jqb '.issue[0].expression[0]' | grep -qx 'Bundle.entry\[0\]' || fail "412 names the entry: $(cat "$REG_BODY")"
comp_tx 2 0 9565550122
expect 412 "stale Consent ifMatch in a transaction"
reg_json GET "/RelatedPerson/$rpid" "$tok"
[ "$(jqb '.telecom[0].value')" = 9565550111 ] || fail "a refused transaction changed the RelatedPerson"
comp_tx 2 1 9565550122
expect 200 "current ifMatch"
[ "$(jqb '[.entry[].response.etag] | join(",")')" = 'W/"3",W/"2"' ] || fail "etags $(jqb '[.entry[].response.etag]')"
# DELETE honours If-Match; an update of a deleted record is 410, not a revival
reg DELETE "/RelatedPerson/$rpid" -H "Authorization: Bearer $tok" -H 'If-Match: W/"2"'
expect 412 "stale If-Match on DELETE"
reg DELETE "/RelatedPerson/$rpid" -H "Authorization: Bearer $tok" -H 'If-Match: W/"3"'
expect 204 "DELETE on the current version"
comp_tx 4 2 9565550133
expect 410 "PUT of a deleted RelatedPerson in a transaction"
jqb '.issue[0].expression[0]' | grep -qx 'Bundle.entry\[0\]' || fail "410 names the entry: $(cat "$REG_BODY")"
reg_json PUT "/RelatedPerson/$rpid" "$tok" "$(cat "$REG_TMP/rp.json")"
expect 410 "PUT of a deleted RelatedPerson"
[ "$(s "/RelatedPerson?patient=$pid")" = 0 ] || fail "deleted RelatedPerson came back"
reg DELETE "/RelatedPerson/$rpid" -H "Authorization: Bearer $tok" -H 'If-Match: W/"3"'
expect 204 "deleting a deleted record again"

# every access to a client is audited (checked in the database)
n=$(reg_audit_count Patient "$pid")
[ "$n" -ge 8 ] || fail "audit rows for the patient: $n"
# no PHI in the server's output
! grep -qi 'peña\|pena\|trevi\|nguy\|2021-03-04' "$REG_TMP/server.err" || fail "PHI in server log"
echo ok
