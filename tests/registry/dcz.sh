#!/bin/sh
# Dictionary compression (RFC 9842 dcz) between vaxregd and a client that
# holds the same dictionary (data/wire/fhir.dict), checked with the stock
# zstd tool: an answer comes as dcz only to a client that names the
# dictionary and asks for dcz, decodes to the same bytes as the plain
# answer, and is smaller than gzip; a client that names another dictionary,
# or refuses dcz (q=0), gets gzip; a body sent up as dcz is kept (the
# second time too: the conditional create's no-op); one made with another
# dictionary is refused 415 saying to use gzip, one damaged 400, one that
# inflates past the limit 413, and none of them is stored. A registry
# without the dictionary says so at start, never answers dcz and refuses a
# dcz body.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
command -v zstd >/dev/null 2>&1 || { echo "skip: zstd not installed (tools/setup)"; exit 77; }
DICT=${VAXDESK_DATADIR:-$top_srcdir/data}/wire/fhir.dict
[ -f "$DICT" ] || fail "no dictionary at $DICT"
NAME=":$(openssl dgst -sha256 -binary "$DICT" | base64 | tr -d '\n'):"
registry_init
registry_user CLINICA alice provider
registry_start
tok=$(registry_login CLINICA alice)
[ "$(header Accept-Encoding)" = "gzip, dcz" ] || fail "the login's answer does not say dcz bodies are taken"

# dcz BODYFILE: the body with its 40-byte dcz header checked and decoded
dcz() {
	[ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 5e2a4d1820000000 ] || fail "no dcz header"
	[ ":$(tail -c +9 "$1" | head -c 32 | base64 | tr -d '\n'):" = "$NAME" ] ||
		fail "the dcz header names another dictionary"
	tail -c +41 "$1" | zstd -q -d -D "$DICT"
}

reg_create_patient "$tok" '{"resourceType":"Patient","name":[{"family":"Okafor","given":["Chidi"]}],
 "gender":"male","birthDate":"2022-02-03","address":[{"city":"Austin","state":"TX","postalCode":"78701","district":"Travis"}]}'
pid=$PID
for d in 2022-04-03 2022-06-05 2022-08-07; do
	reg_json POST /Immunization "$tok" '{"resourceType":"Immunization","status":"completed",
	 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"20"}]},"patient":{"reference":"Patient/'$pid'"},
	 "occurrenceDateTime":"'$d'","primarySource":false,"reportOrigin":{"coding":[{"code":"01"}]}}'
	expect 201 "a dose"
done
q="/Patient?_id=$pid&_revinclude=Immunization:patient"

# plain, gzip, dcz: the same answer
reg GET "$q" -H "Authorization: Bearer $tok"
expect 200 "plain search"
jq -S 'del(.id)' "$REG_BODY" > "$REG_TMP/plain.json"
reg GET "$q" -H "Authorization: Bearer $tok" -H 'Accept-Encoding: gzip'
[ "$(header Content-Encoding)" = gzip ] || fail "no gzip when asked"
gz=$(wc -c < "$REG_BODY")
reg GET "$q" -H "Authorization: Bearer $tok" -H 'Accept-Encoding: gzip, dcz' -H "Available-Dictionary: $NAME"
expect 200 "dcz search"
[ "$(header Content-Encoding)" = dcz ] || fail "no dcz for a client that names the dictionary"
z=$(wc -c < "$REG_BODY")
dcz "$REG_BODY" | jq -S 'del(.id)' > "$REG_TMP/dcz.json"
cmp -s "$REG_TMP/plain.json" "$REG_TMP/dcz.json" || fail "the dcz answer does not decode to the plain one"
[ $((z * 10)) -lt $((gz * 7)) ] || fail "dcz ($z B) is not well under gzip ($gz B)"

# asked without naming the dictionary, naming another, or dcz refused: gzip
reg GET "$q" -H "Authorization: Bearer $tok" -H 'Accept-Encoding: gzip, dcz'
[ "$(header Content-Encoding)" = gzip ] || fail "dcz without Available-Dictionary"
reg GET "$q" -H "Authorization: Bearer $tok" -H 'Accept-Encoding: gzip, dcz' \
	-H 'Available-Dictionary: :AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:'
[ "$(header Content-Encoding)" = gzip ] || fail "dcz for a client that holds another dictionary"
reg GET "$q" -H "Authorization: Bearer $tok" -H 'Accept-Encoding: gzip, dcz;q=0' -H "Available-Dictionary: $NAME"
[ "$(header Content-Encoding)" = gzip ] || fail "dcz refused with q=0 and sent anyway"

# a shot sent up as dcz: kept; the second time the same (conditional create)
cat > "$REG_TMP/shot.json" <<JSON
{"resourceType":"Immunization","identifier":[{"system":"urn:ietf:rfc:3986","value":"urn:uuid:7b0c4a1e-2f7d-4c55-9a61-1d2e3f4a5b6c"}],
 "status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"141"}]},
 "patient":{"reference":"Patient/$pid"},"occurrenceDateTime":"2026-10-01","primarySource":false,
 "lotNumber":"FL26A","expirationDate":"2027-06-30","reportOrigin":{"coding":[{"code":"01"}]}}
JSON
{ printf '\136\052\115\030\040\000\000\000'; openssl dgst -sha256 -binary "$DICT"; zstd -q -19 -c -D "$DICT" "$REG_TMP/shot.json"; } > "$REG_TMP/shot.dcz"
up() { # FILE [more curl args]: the shot's body as dcz, conditional on its UUID
	_f=$1
	shift
	reg POST /Immunization -H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' \
		-H 'Content-Encoding: dcz' -H 'If-None-Exist: identifier=urn:ietf:rfc:3986|urn:uuid:7b0c4a1e-2f7d-4c55-9a61-1d2e3f4a5b6c' \
		--data-binary @"$_f" "$@"
}
up "$REG_TMP/shot.dcz"
expect 201 "a dcz shot"
iid=$(jqb .id)
[ "$(jqb .lotNumber)" = FL26A ] || fail "the dcz shot lost its lot"
up "$REG_TMP/shot.dcz"
expect 200 "the same dcz shot again"
[ "$(jqb .id)" = "$iid" ] || fail "the resend made a second dose"

# made with another dictionary (its hash differs): 415, and gzip is named
{ printf '\136\052\115\030\040\000\000\000'; head -c 32 /dev/zero; zstd -q -c "$REG_TMP/shot.json"; } > "$REG_TMP/other.dcz"
up "$REG_TMP/other.dcz"
expect 415 "a dcz body made with another dictionary"
[ "$(header Accept-Encoding)" = gzip ] || fail "the 415 does not name gzip"
jqb .issue[0].diagnostics | grep -q 'dictionary' || fail "no reason for the refused dcz body"
# damaged: the frame cut short
head -c 60 "$REG_TMP/shot.dcz" > "$REG_TMP/cut.dcz"
up "$REG_TMP/cut.dcz"
expect 400 "a dcz body cut short"
jqb .issue[0].diagnostics | grep -q 'not valid dcz' || fail "no reason for the damaged dcz body"
# 16 MiB of spaces in a few hundred bytes: past the limit once inflated
{ printf '\136\052\115\030\040\000\000\000'; openssl dgst -sha256 -binary "$DICT"
  head -c 16777216 /dev/zero | tr '\0' ' ' | zstd -q -19 -c -D "$DICT"; } > "$REG_TMP/bomb.dcz"
up "$REG_TMP/bomb.dcz"
expect 413 "a dcz body that inflates past the limit"
reg_json GET "/Immunization?patient=$pid" "$tok"
[ "$(jqb '[.entry[].resource | select(.vaccineCode.coding[0].code == "141")] | length')" = 1 ] ||
	fail "a refused dcz body was stored"

# a registry without the dictionary: gzip only, dcz bodies refused
registry_stop
mkdir -p "$REG_TMP/nodict"
cp -R "${VAXDESK_DATADIR:-$top_srcdir/data}/." "$REG_TMP/nodict/"
chmod -R u+w "$REG_TMP/nodict"
rm "$REG_TMP/nodict/wire/fhir.dict"
VAXDESK_DATADIR=$REG_TMP/nodict registry_start
grep -q 'dictionary compression (dcz) is off' "$REG_TMP/server.err" || fail "no word at start of the missing dictionary"
tok=$(registry_login CLINICA alice)
[ "$(header Accept-Encoding)" = gzip ] || fail "a registry without the dictionary says it takes dcz"
reg GET "$q" -H "Authorization: Bearer $tok" -H 'Accept-Encoding: gzip, dcz' -H "Available-Dictionary: $NAME"
[ "$(header Content-Encoding)" = gzip ] || fail "dcz from a registry without the dictionary"
up "$REG_TMP/shot.dcz"
expect 415 "a dcz body to a registry without the dictionary"
echo "ok: dcz answers and uploads with the shared dictionary, gzip otherwise, bad bodies refused"
