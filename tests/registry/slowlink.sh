#!/bin/sh
# What slow links need from vaxregd: request bodies compressed with gzip
# (a resource, a transaction Bundle, the second time too), refused clearly
# when they are not gzip, too large once inflated, or in a coding it does
# not take; the Accept-Encoding hint on answers to writes (RFC 7694); a
# client's doses, responsible persons and consent with the search that
# finds it (_revinclude); conditional GETs (If-None-Match -> 304) for what
# does not change between reads; TLS session tickets, so a reconnect resumes.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINICA alice provider
registry_start
tok=$(registry_login CLINICA alice)
# the login's answer says that request bodies may come compressed
# (gzip, and dcz with the shared dictionary: tests/registry/dcz.sh)
[ "$(header Accept-Encoding)" = "gzip, dcz" ] || fail "no Accept-Encoding: gzip, dcz on the login's answer"

# reg_gz METHOD PATH FILE [curl args]: FILE gzip-compressed as the body
reg_gz() {
	gzip -c < "$3" > "$REG_TMP/body.gz"
	_m=$1 _p=$2
	shift 3
	reg "$_m" "$_p" -H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' \
		-H 'Content-Encoding: gzip' --data-binary @"$REG_TMP/body.gz" "$@"
}

cat > "$REG_TMP/p.json" <<'JSON'
{"resourceType":"Patient","identifier":[{"system":"urn:ietf:rfc:3986","value":"urn:uuid:6d1f0c58-52f4-4d2c-9a44-0c5a8e0f3b01"}],
 "name":[{"family":"Nguyễn","given":["Thảo"]}],"gender":"female","birthDate":"2021-05-04",
 "address":[{"line":["4 Bayou Ln"],"city":"Houston","district":"Harris","state":"TX","postalCode":"77036"}]}
JSON
reg_gz POST /Patient "$REG_TMP/p.json" \
	-H 'If-None-Exist: identifier=urn:ietf:rfc:3986|urn:uuid:6d1f0c58-52f4-4d2c-9a44-0c5a8e0f3b01'
expect 201 "a gzip-compressed Patient"
PID=$(jqb .id)
[ "$(jqb '.name[0].family')" = "Nguyễn" ] || fail "the name did not survive the compression"
[ -z "$(header Accept-Encoding)" ] || fail "Accept-Encoding on the answer to a compressed body"
# the resend is the conditional create's no-op, compressed or not
reg_gz POST /Patient "$REG_TMP/p.json" \
	-H 'If-None-Exist: identifier=urn:ietf:rfc:3986|urn:uuid:6d1f0c58-52f4-4d2c-9a44-0c5a8e0f3b01'
expect 200 "the same Patient again"
[ "$(jqb .id)" = "$PID" ] || fail "the resend made a second Patient"

# a large body sent plain: the answer says it may come compressed
reg_json POST /Patient "$tok" "$(jq -c '.identifier[0].value = "urn:uuid:6d1f0c58-52f4-4d2c-9a44-0c5a8e0f3b02"
	| .name[0].given = ["Lan"]' "$REG_TMP/p.json")"
expect 201 "a plain Patient"
[ "$(header Accept-Encoding)" = "gzip, dcz" ] || fail "no Accept-Encoding on the answer to a large plain body"

# a transaction of 60 doses, compressed: each entry is kept once
jq -n --arg pid "$PID" '{resourceType: "Bundle", type: "transaction", entry: [range(0; 60) | . as $i |
	("6d1f0c58-52f4-4d2c-9a44-" + (100000000000 + $i | tostring)) as $u |
	{fullUrl: ("urn:uuid:" + $u),
	 resource: {resourceType: "Immunization", status: "completed",
		identifier: [{system: "urn:ietf:rfc:3986", value: ("urn:uuid:" + $u)}],
		vaccineCode: {coding: [{system: "http://hl7.org/fhir/sid/cvx", code: "141"}]},
		patient: {reference: ("Patient/" + $pid)},
		occurrenceDateTime: ("2021-06-01" | strptime("%Y-%m-%d") | mktime + $i * 86400 * 28 | strftime("%Y-%m-%d")),
		primarySource: false, reportOrigin: {coding: [{code: "01"}]}},
	 request: {method: "POST", url: "Immunization", ifNoneExist: ("identifier=urn:ietf:rfc:3986|urn:uuid:" + $u)}}]}' \
	> "$REG_TMP/tx.json"
plain=$(wc -c < "$REG_TMP/tx.json")
reg_gz POST / "$REG_TMP/tx.json"
expect 200 "a gzip-compressed transaction"
sent=$(wc -c < "$REG_TMP/body.gz")
[ "$sent" -lt $((plain / 6)) ] || fail "60 doses compress to $sent of $plain bytes only"
[ "$(jq '[.entry[].response.status | select(startswith("201"))] | length' "$REG_BODY")" = 60 ] ||
	fail "not every dose was created: $(jq -c '[.entry[].response.status] | group_by(.) | map({(.[0]): length}) | add' "$REG_BODY")"
reg_gz POST / "$REG_TMP/tx.json" -H 'Prefer: return=minimal'
expect 200 "the same transaction again"
[ "$(jq '[.entry[] | select(.resource)] | length' "$REG_BODY")" = 0 ] ||
	fail "Prefer: return=minimal, and the doses came back"
[ "$(jq '[.entry[].response.location | select(test("^Immunization/[^/]+/_history/1$"))] | length' "$REG_BODY")" = 60 ] ||
	fail "a minimal answer without each dose's location and version"
[ "$(jq '[.entry[].response.status | select(startswith("200"))] | length' "$REG_BODY")" = 60 ] ||
	fail "the resent transaction did not find every dose"
reg_json GET "/Immunization?patient=Patient/$PID&_count=0" "$tok"
[ "$(jqb .total)" = 60 ] || fail "the registry holds $(jqb .total) doses, not 60"

# a refused entry keeps its OperationOutcome in a minimal answer (a batch)
jq '.type = "batch" | .entry[0].resource.occurrenceDateTime = "2030-01-01"
	| .entry[0].request.ifNoneExist = "identifier=urn:ietf:rfc:3986|urn:uuid:6d1f0c58-52f4-4d2c-9a44-0c5a8e0f3b99"
	| .entry[0].resource.identifier[0].value = "urn:uuid:6d1f0c58-52f4-4d2c-9a44-0c5a8e0f3b99"' \
	"$REG_TMP/tx.json" > "$REG_TMP/batch.json"
reg_gz POST / "$REG_TMP/batch.json" -H 'Prefer: return=minimal'
expect 200 "a batch with one bad entry"
jq -e '.entry[0].response.outcome.issue[0].diagnostics | test("future")' "$REG_BODY" >/dev/null ||
	fail "the refused entry lost its reason in a minimal answer"

# not gzip at all; gzip cut short
reg POST /Patient -H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' \
	-H 'Content-Encoding: gzip' --data-binary @"$REG_TMP/p.json"
expect 400 "a plain body labelled gzip"
jqb .issue[0].diagnostics | grep -q 'not valid gzip' || fail "no message for a body that is not gzip"
gzip -c < "$REG_TMP/tx.json" | head -c 300 > "$REG_TMP/cut.gz"
reg POST / -H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' \
	-H 'Content-Encoding: gzip' --data-binary @"$REG_TMP/cut.gz"
expect 400 "a gzip body cut short"
# a coding the registry does not take: 415, and what it takes
reg POST /Patient -H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' \
	-H 'Content-Encoding: br' --data-binary @"$REG_TMP/p.json"
expect 415 "a brotli body"
[ "$(header Accept-Encoding)" = gzip ] || fail "the 415 does not say gzip is taken"
# a small body that inflates past the limit (16 MiB of spaces)
head -c 16777216 /dev/zero | tr '\0' ' ' | gzip -c > "$REG_TMP/bomb.gz"
reg POST /Patient -H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' \
	-H 'Content-Encoding: gzip' --data-binary @"$REG_TMP/bomb.gz"
expect 413 "a body that inflates past the limit"
# nothing of these was stored
reg_json GET "/Patient?family=Nguyễn&_count=0" "$tok"
[ "$(jqb .total)" = 2 ] || fail "the registry holds $(jqb .total) Patients named Nguyễn"

# --- _revinclude: the record with the search -----------------------------------
reg_json POST /RelatedPerson "$tok" '{"resourceType":"RelatedPerson","patient":{"reference":"Patient/'"$PID"'"},
 "relationship":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-RoleCode","code":"MTH"}]}],
 "name":[{"family":"Nguyễn","given":["Lan"]}]}'
expect 201 "a responsible person"
reg_create_patient "$tok" '{"resourceType":"Patient","name":[{"family":"Nguyễn","given":["Minh"]}],"gender":"male",
 "birthDate":"2019-02-03","address":[{"city":"Houston","district":"Harris","state":"TX","postalCode":"77036"}]}'
OTHER=$PID
PID=$(jq -r .entry[0].resource.patient.reference "$REG_TMP/tx.json" | sed 's|Patient/||')
rev='_revinclude=Immunization:patient&_revinclude=RelatedPerson:patient&_revinclude=Consent:patient'
reg_json GET "/Patient?family=nguyen&given=thao&birthdate=2021-05-04&$rev" "$tok"
expect 200 "a search with _revinclude"
[ "$(jqb .total)" = 1 ] || fail "total counts $(jqb .total), not the one client found"
[ "$(jqb '[.entry[] | select(.search.mode == "match")] | length')" = 1 ] || fail "not one match"
[ "$(jqb '[.entry[] | select(.search.mode == "include" and .resource.resourceType == "Immunization")] | length')" = 60 ] ||
	fail "not her 60 doses"
[ "$(jqb '[.entry[] | select(.search.mode == "include" and .resource.resourceType == "RelatedPerson")] | length')" = 1 ] ||
	fail "not her mother"
[ "$(jqb '[.entry[] | select(.search.mode == "include") | .resource.patient.reference] | unique')" = "[
  \"Patient/$PID\"
]" ] || fail "something included that is not hers: $(jqb -c '[.entry[].resource.patient.reference] | unique')"
jqb '.link[] | select(.relation == "self") | .url' | grep -Eq '_revinclude=Immunization(:|%3A)patient' ||
	fail "the self link does not say the _revinclude was honoured"
# three clients found: each with only what is theirs
reg_json GET "/Patient?family=nguyen&$rev" "$tok"
[ "$(jqb '[.entry[] | select(.search.mode == "match")] | length')" = 3 ] || fail "not three matches"
[ "$(jqb '[.entry[] | select(.search.mode == "include")] | length')" = 61 ] || fail "not 61 included for three"
# without it, nothing is included
reg_json GET "/Patient?family=nguyen" "$tok"
[ "$(jqb '[.entry[] | select(.search.mode == "include")] | length')" = 0 ] || fail "included unasked"
# what is not taken says what is
reg_json GET "/Patient?family=nguyen&_revinclude=Observation:subject" "$tok"
expect 400 "an _revinclude the registry does not take"
jqb .issue[0].diagnostics | grep -q 'Immunization:patient' || fail "the 400 does not say what is taken"
reg_json GET "/Immunization?patient=Patient/$PID&_revinclude=Consent:patient" "$tok"
expect 400 "_revinclude on a search of doses"
reg_json GET /metadata "$tok"
[ "$(jqb -c '.rest[0].resource[] | select(.type == "Patient") | .searchRevInclude')" = \
	'["Immunization:patient","RelatedPerson:patient","Consent:patient"]' ] || fail "metadata does not list the _revinclude"
: "$OTHER"

# --- conditional GETs --------------------------------------------------------------
for path in /metadata /auth/confidentiality "/Patient/$PID"; do
	reg GET "$path" -H "Authorization: Bearer $tok"
	expect 200 "GET $path"
	tag=$(header ETag)
	[ -n "$tag" ] || fail "no ETag on GET $path"
	cp "$REG_BODY" "$REG_TMP/first"
	rm -f "$REG_BODY" # curl leaves the file alone when no body comes
	reg GET "$path" -H "Authorization: Bearer $tok" -H "If-None-Match: $tag"
	expect 304 "GET $path again with its ETag"
	[ ! -s "$REG_BODY" ] || fail "a 304 with a body for $path"
	[ "$(header ETag)" = "$tag" ] || fail "the 304 for $path names another ETag"
	reg GET "$path" -H "Authorization: Bearer $tok" -H 'If-None-Match: W/"other", '"$tag"
	expect 304 "GET $path with its ETag second in a list"
	reg GET "$path" -H "Authorization: Bearer $tok" -H 'If-None-Match: W/"other"'
	expect 200 "GET $path with another ETag"
	cmp -s "$REG_BODY" "$REG_TMP/first" || fail "GET $path answered differently the second time"
done
# a searchset has a fresh Bundle id each time: its ETag leaves the id out,
# so the same results validate
spath="/Patient?_id=$PID"
reg GET "$spath" -H "Authorization: Bearer $tok"
expect 200 "a search"
stag=$(header ETag)
[ -n "$stag" ] || fail "no ETag on a search"
reg GET "$spath" -H "Authorization: Bearer $tok"
[ "$(header ETag)" = "$stag" ] || fail "the same search's answer has another ETag: $(header ETag), $stag"
rm -f "$REG_BODY"
reg GET "$spath" -H "Authorization: Bearer $tok" -H "If-None-Match: $stag"
expect 304 "the same search again with its ETag"
[ ! -s "$REG_BODY" ] || fail "a 304 with a body for a search"
# a change makes the old ETags stale
reg GET "/Patient/$PID" -H "Authorization: Bearer $tok"
tag=$(header ETag)
reg_json PUT "/Patient/$PID" "$tok" "$(jq -c '.gender = "unknown"' "$REG_BODY")"
expect 200 "change the client"
reg GET "/Patient/$PID" -H "Authorization: Bearer $tok" -H "If-None-Match: $tag"
expect 200 "the old ETag after a change"
[ "$(jqb .gender)" = unknown ] || fail "the changed client did not come"
reg GET "$spath" -H "Authorization: Bearer $tok" -H "If-None-Match: $stag"
expect 200 "a search's old ETag after a change"
[ "$(jqb '.entry[0].resource.gender')" = unknown ] || fail "the changed client did not come in the search"

# --- TLS resumption: off by default (GnuTLS's tickets cost a slow link as
# much as they spare with a small certificate); with --tls-tickets a second
# connection skips the certificate -------------------------------------------
resumed() { # STATE: New or Reused, the second of two connections
	hp=${REG_URL#https://}
	printf 'GET /metadata HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$hp" > "$REG_TMP/get"
	rm -f "$REG_TMP/sess"
	openssl s_client -connect "$hp" -CAfile "$REG_CA" -sess_out "$REG_TMP/sess" -ign_eof \
		< "$REG_TMP/get" > "$REG_TMP/s1" 2>&1 || :
	grep -q 'HTTP/1.1 200' "$REG_TMP/s1" || fail "the first TLS connection got no answer: $(head -c 300 "$REG_TMP/s1")"
	if ! grep -q 'TLS session ticket:' "$REG_TMP/s1"; then
		[ "$1" = New ] || fail "no TLS session ticket from the registry"
		return 0 # nothing to resume with
	fi
	openssl s_client -connect "$hp" -CAfile "$REG_CA" -sess_in "$REG_TMP/sess" -ign_eof \
		< "$REG_TMP/get" > "$REG_TMP/s2" 2>&1 || :
	grep -q "^$1, TLSv1.3" "$REG_TMP/s2" || fail "the second connection: $(grep -E '^(New|Reused)' "$REG_TMP/s2"), not $1"
	grep -q 'HTTP/1.1 200' "$REG_TMP/s2" || fail "the second connection got no answer"
}
resumed New
registry_stop
registry_start --tls-tickets
resumed Reused
registry_stop
registry_start --idle-timeout 300
reg GET /metadata
expect 200 "a registry with a longer idle timeout"

registry_stop
echo "ok: gzip request bodies, _revinclude, conditional GETs, TLS resumption"
