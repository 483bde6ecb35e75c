#!/bin/sh
# Searches answer what they were asked or refuse it, never an empty 200 for
# a parameter they left out: lists of values (_id=a,b; name matches family
# or given), token systems (status=system|code), a patient given as this
# registry's absolute URL, POST _search with a form body, _total, _sort for
# the order the registry keeps, Prefer: handling=strict|lenient, and 406
# for formats other than JSON.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINICA alice provider
registry_start
tok=$(registry_login CLINICA alice)

pat() { # FAMILY GIVEN DOB MRN
	reg_create_patient "$tok" '{"resourceType":"Patient","identifier":[{"system":"urn:example:mrn","value":"'"$4"'"}],
	 "name":[{"family":"'"$1"'","given":["'"$2"'"]}],"gender":"female","birthDate":"'"$3"'",
	 "address":[{"district":"Webb","state":"TX","postalCode":"78043"}]}'
}
pat Garcia Ana 2019-01-01 M1
A=$PID
pat Lopez Ben 2019-02-02 M2
B=$PID
pat Nguyen Garcia 2019-03-03 M3
C=$PID
reg_json POST /Immunization "$tok" '{"resourceType":"Immunization","status":"completed",
 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"08"}]},"patient":{"reference":"Patient/'$A'"},
 "occurrenceDateTime":"2019-01-02","primarySource":false,"reportOrigin":{"coding":[{"code":"01"}]}}'
expect 201 "a dose"

ids() { jqb '[.entry[]? | select(.search.mode == "match") | .resource.id] | sort | join(",")'; }
want() { # DESCRIPTION EXPECTED-IDS (sorted, comma-joined)
	expect 200 "$1"
	[ "$(ids)" = "$2" ] || fail "$1: got $(ids), want $2"
}
sorted() { printf '%s\n' "$@" | sort | paste -sd, -; }

# --- lists: any of the values ------------------------------------------------
reg_json GET "/Patient?_id=$A,$B" "$tok"
want "_id=a,b" "$(sorted "$A" "$B")"
[ "$(jqb .total)" = 2 ] || fail "_id=a,b total"
reg_json GET "/Patient?_id=$A,nosuch" "$tok"
want "_id with an unknown id" "$A"
reg_json GET "/Patient?_id=$A,$B,$C&_count=2" "$tok"
[ "$(jqb .total)" = 3 ] && [ "$(jqb '.entry | length')" = 2 ] || fail "a list's first page"
next=$(jqb '.link[] | select(.relation=="next") | .url')
reg_json GET "/${next#*://*/}" "$tok"
[ "$(jqb '.entry | length')" = 1 ] || fail "a list's second page"
reg_json GET "/Patient?identifier=urn:example:mrn|M1,urn:example:mrn|M3" "$tok"
want "identifier=a,b" "$(sorted "$A" "$C")"
reg_json GET "/Patient?name=garcia" "$tok"
want "name matches the family or a given name" "$(sorted "$A" "$C")"
reg_json GET "/Patient?name=ben&birthdate=2019-02-02" "$tok"
want "name with another parameter" "$B"
reg_json GET "/Patient?_id=$A,$B&identifier=M1,M2" "$tok"
expect 400 "two parameters listing values"

# --- tokens with their system; a reference as an absolute URL ----------------
reg_json GET "/Immunization?patient=$A&status=http://hl7.org/fhir/event-status|completed" "$tok"
[ "$(jqb .total)" = 1 ] || fail "status=system|code"
reg_json GET "/Immunization?patient=$A&status=|completed" "$tok"
[ "$(jqb .total)" = 1 ] || fail "status=|code"
reg_json GET "/Immunization?patient=$A&status=urn:other|completed" "$tok"
expect 200 "a status of another system"
[ "$(jqb .total)" = 0 ] || fail "a status of another system matched"
reg_json GET "/Immunization?patient=$A&status=done" "$tok"
expect 400 "a status that is no status"
reg_json GET "/Patient?gender=http://hl7.org/fhir/administrative-gender|female&_id=$A" "$tok"
want "gender=system|code" "$A"
reg_json GET "/Immunization?patient=$REG_URL/Patient/$A" "$tok"
[ "$(jqb .total)" = 1 ] || fail "patient as this registry's absolute URL"
reg_json GET "/Immunization?patient=Patient/$A" "$tok"
[ "$(jqb .total)" = 1 ] || fail "patient=Patient/id"

# --- POST _search: the same answer from a form body ----------------------------
reg POST /Patient/_search -H "Authorization: Bearer $tok" --data-urlencode "_id=$A,$B"
want "POST _search" "$(sorted "$A" "$B")"
reg POST "/Patient/_search?family=lopez" -H "Authorization: Bearer $tok" --data-urlencode "birthdate=2019-02-02"
want "POST _search with URL and body parameters" "$B"
jqb '.link[] | select(.relation=="self") | .url' | grep -q 'family=lopez&birthdate=2019-02-02' ||
	fail "POST _search's self link is the GET: $(jqb '.link')"
reg POST /Patient/_search -H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' --data '{}'
expect 415 "POST _search with a JSON body"
reg POST /Patient/_search --data "_id=$A"
expect 401 "POST _search without a token"

# --- _total, _sort -----------------------------------------------------------------
reg_json GET "/Patient?_id=$A&_total=none" "$tok"
expect 200 "_total=none"
[ "$(jqb .total)" = null ] || fail "_total=none gave a total"
for t in estimate accurate; do
	reg_json GET "/Patient?_id=$A&_total=$t" "$tok"
	[ "$(jqb .total)" = 1 ] || fail "_total=$t"
done
reg_json GET "/Patient?_id=$A&_total=some" "$tok"
expect 400 "_total=some"
reg_json GET "/Patient?birthdate=2019&_sort=family" "$tok"
expect 200 "_sort=family"
[ "$(jqb -c '[.entry[].resource.name[0].family]')" = '["Garcia","Lopez","Nguyen"]' ] || fail "_sort=family order"
reg_json GET "/Patient?birthdate=2019&_sort=-birthdate" "$tok"
expect 400 "_sort by another order"
jqb '.issue[0].diagnostics' | grep -q 'family' || fail "_sort refusal names the order kept"

# --- Prefer: handling ----------------------------------------------------------------
reg_json GET "/Patient?family=garcia&favourite=blue" "$tok"
expect 400 "an unknown parameter"
reg GET "/Patient?family=garcia&favourite=blue" -H "Authorization: Bearer $tok" -H 'Prefer: handling=strict'
expect 400 "an unknown parameter, handling=strict"
reg GET "/Patient?family=garcia&favourite=blue&_sort=-birthdate" -H "Authorization: Bearer $tok" -H 'Prefer: handling=lenient'
want "an unknown parameter, handling=lenient" "$A"
[ "$(jqb '[.entry[] | select(.search.mode == "outcome")] | length')" = 1 ] || fail "no outcome entry"
jqb '.entry[] | select(.search.mode == "outcome") | .resource.issue[0].diagnostics' | grep -q 'favourite,_sort' ||
	fail "the outcome does not name what was left out: $(cat "$REG_BODY")"
self=$(jqb '.link[] | select(.relation=="self") | .url')
case $self in *favourite* | *_sort*) fail "the self link keeps what was left out: $self" ;; esac

# --- formats: JSON only, 406 otherwise ---------------------------------------
reg_json GET "/Patient?_id=$A&_format=xml" "$tok"
expect 406 "_format=xml"
[ "$(jqb .resourceType)" = OperationOutcome ] || fail "406 not an OperationOutcome"
reg GET "/Patient/$A" -H "Authorization: Bearer $tok" -H 'Accept: application/fhir+xml'
expect 406 "Accept: application/fhir+xml"
reg GET /metadata -H 'Accept: application/fhir+xml'
expect 406 "metadata as XML"
reg GET "/Patient/$A" -H "Authorization: Bearer $tok" -H 'Accept: application/json;q=0, text/html'
expect 406 "JSON refused by weight"
reg GET "/Patient/$A" -H "Authorization: Bearer $tok" -H 'Accept: application/fhir+xml, application/fhir+json;q=0.5'
expect 200 "XML preferred, JSON taken"
reg_json GET "/Patient?_id=$A&_format=json" "$tok"
expect 200 "_format=json"
reg_json GET "/Patient?_id=$A&_format=application/fhir%2Bjson" "$tok"
expect 200 "_format=application/fhir+json"
echo ok
