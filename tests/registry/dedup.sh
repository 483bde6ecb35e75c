#!/bin/sh
# The registry's own check for a dose it may already hold: the same vaccine
# group within the window for the same client, from any organization, is
# answered 422 "duplicate" naming the dose it matches, unless a person
# confirmed it (meta.tag); a resend of the same record is never taken for a
# duplicate; other groups and later dates go in; in a transaction the whole
# Bundle is refused and names the entry.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINICA alice provider
registry_user CLINICB bob provider
registry_start
tok=$(registry_login CLINICA alice)
btok=$(registry_login CLINICB bob)
reg_create_patient "$tok" '{"resourceType":"Patient","name":[{"family":"Abernathy","given":["Wren"]}],
 "gender":"female","birthDate":"2019-03-15","address":[{"district":"Travis","state":"TX","postalCode":"78701"}]}'

dose() { # UUID CVX DATE [TAG]
	_meta=
	[ -z "${4:-}" ] || _meta='"meta":{"tag":[{"system":"https://vaxdesk.org/fhir/CodeSystem/review","code":"'$4'"}]},'
	printf '{"resourceType":"Immunization","status":"completed",%s
	 "identifier":[{"system":"urn:ietf:rfc:3986","value":"urn:uuid:%s"}],
	 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"%s"}]},
	 "patient":{"reference":"Patient/%s"},"occurrenceDateTime":"%s","primarySource":false,
	 "reportOrigin":{"coding":[{"code":"01"}]}}' "$_meta" "$1" "$2" "$PID" "$3"
}
U1=22222222-3333-4444-8555-666666666601
U2=22222222-3333-4444-8555-666666666602
U3=22222222-3333-4444-8555-666666666603
U4=22222222-3333-4444-8555-666666666604
U5=22222222-3333-4444-8555-666666666605
U6=22222222-3333-4444-8555-666666666606
count() { reg_json GET "/Immunization?patient=$PID" "$tok"; expect 200; jqb .total; }

# flu (CVX 150) recorded by organization A
reg_json POST /Immunization "$tok" "$(dose $U1 150 2024-10-01)"
expect 201 "first flu dose"
first=$(jqb .id)
# the same shot from organization B's desk, a day apart (CVX 158, also flu)
reg_json POST /Immunization "$btok" "$(dose $U2 158 2024-10-02)"
expect 422 "same group a day later"
[ "$(jqb '.issue[0].code')" = duplicate ] || fail "issue code: $(cat "$REG_BODY")"
[ "$(jqb '.issue[0].details.coding[0].code')" = DUPLICATE-DOSE ] || fail "detail code: $(cat "$REG_BODY")"
[ "$(jqb '.issue[0].extension[0].url')" = https://vaxdesk.org/fhir/StructureDefinition/duplicate-of ] ||
	fail "no duplicate-of: $(cat "$REG_BODY")"
[ "$(jqb '.issue[0].extension[0].valueReference.reference')" = "Immunization/$first" ] ||
	fail "names the wrong dose: $(cat "$REG_BODY")"
jqb '.issue[0].diagnostics' | grep -q "Immunization/$first" || fail "message: $(cat "$REG_BODY")"
[ "$(count)" = 1 ] || fail "the duplicate was stored"
# a resend of the first (its own UUID) is that record, not a duplicate
reg POST /Immunization -H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' \
	-H "If-None-Exist: identifier=urn:ietf:rfc:3986|urn:uuid:$U1" --data-binary "$(dose $U1 150 2024-10-01)"
expect 200 "resend"
[ "$(jqb .id)" = "$first" ] || fail "resend made another record"
# another vaccine group the same day, and flu outside the window, go in
reg_json POST /Immunization "$tok" "$(dose $U3 08 2024-10-01)"
expect 201 "another group"
reg_json POST /Immunization "$tok" "$(dose $U4 150 2024-10-20)"
expect 201 "outside the window"
# a person confirmed it is another dose
reg_json POST /Immunization "$btok" "$(dose $U2 158 2024-10-02 confirmed-not-duplicate)"
expect 201 "confirmed"
[ "$(count)" = 4 ] || fail "after the confirmed dose: $(count)"
# any other tag is not a confirmation
reg_json POST /Immunization "$tok" "$(dose $U5 150 2024-10-21 something-else)"
expect 422 "other tag"

# in a transaction the Bundle is refused and names the entry
reg_json POST / "$tok" '{"resourceType":"Bundle","type":"transaction","entry":[
 {"fullUrl":"urn:uuid:'$U6'","resource":'"$(dose $U6 20 2024-11-01)"',
  "request":{"method":"POST","url":"Immunization","ifNoneExist":"identifier=urn:ietf:rfc:3986|urn:uuid:'$U6'"}},
 {"fullUrl":"urn:uuid:'$U5'","resource":'"$(dose $U5 150 2024-10-21)"',
  "request":{"method":"POST","url":"Immunization","ifNoneExist":"identifier=urn:ietf:rfc:3986|urn:uuid:'$U5'"}}]}'
expect 422 "transaction"
[ "$(jqb '.issue[0].expression[0]')" = 'Bundle.entry[1]' ] || fail "entry not named: $(cat "$REG_BODY")"
[ "$(jqb '.issue[0].details.coding[0].code')" = DUPLICATE-DOSE ] || fail "tx detail code: $(cat "$REG_BODY")"
jqb '[.issue[].extension[]?.valueReference.reference] | join(" ")' | grep -q "Immunization/" ||
	fail "tx: no duplicate-of: $(cat "$REG_BODY")"
[ "$(count)" = 4 ] || fail "part of the refused transaction was stored"
echo ok
