# tests/tui/medplum_lib.sh - sourced by the terminal tests against Medplum's
# engine, in place of tests/tui/lib.sh (which it sources): Medplum started
# with this workstation registered as a ClientApplication (its secret in a
# file only its owner reads), and the client Okonjo, Ada seeded with
# another system's extensions and identifier and four doses; then
#   api METHOD PATH [JSON]   Medplum's FHIR API as the seeding side (status
#                            printed, body in $TUI_TMP/body; body FILTER)
#   conf ORIGIN              vaxdesk.conf for the workstation at ORIGIN
#   $(first_signin_keys)     the script lines of the person's first sign-in
#                            here (the name, the passphrase chosen)
#   $(signin_keys)           a later one (the name, the passphrase)
# Sets MEDPLUM_URL, ORIGIN, CA, tok (a token of the seeding side), PID (the
# seeded client), BEM (her brother, no doses), OTHER (the other system's extension base), PASS; a helper
# process a test starts in proxy_pid is stopped on exit. SKIPs (77) without
# node, the Medplum packages or jq.

# the Medplum packages are cached per user: find them under the real HOME,
# which tests/tui/lib.sh replaces with an empty one
XDG_CACHE_HOME=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}
export XDG_CACHE_HOME
. "$top_srcdir/tests/tui/lib.sh"
. "$top_srcdir/tests/medplum/lib.sh"
command -v jq >/dev/null 2>&1 || { echo "SKIP: jq is not installed"; exit 77; }
MP=$TUI_TMP/medplum
mkdir -p "$MP"
proxy_pid=
cleanup() {
	_st=$?
	[ -z "$proxy_pid" ] || kill "$proxy_pid" 2>/dev/null || :
	medplum_stop
	tui_cleanup $_st
}
trap cleanup EXIT

# the workstation's registration: its secret, readable by its owner only
umask 077
printf 'desk-7f3a9c2e-secret\n' >"$TUI_TMP/client.secret"
umask 022
medplum_start "$MP" --client "desk7:$TUI_TMP/client.secret:3600"
ORIGIN=${MEDPLUM_URL%/fhir}
CA=$MP/certs/ca.pem

# the seeding side signs in as Medplum's clients do (the token endpoint)
tok=$(curl -sS --cacert "$CA" --data grant_type=client_credentials --data client_id=desk7 \
	--data-urlencode "client_secret=desk-7f3a9c2e-secret" "$ORIGIN/oauth2/token" | jq -r .access_token)
[ -n "$tok" ] && [ "$tok" != null ] || tui_fail "Medplum's token endpoint gave no token"
api() { # METHOD PATH [JSON]: the body lands in $TUI_TMP/body, the status is printed
	curl -sS --cacert "$CA" -X "$1" -H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' \
		${3:+--data-binary "$3"} -o "$TUI_TMP/body" -w '%{http_code}' "$MEDPLUM_URL$2"
}
body() { jq -r "$1" "$TUI_TMP/body"; }
OTHER=http://other-system.example/fhir/StructureDefinition

st=$(api POST /Patient '{"resourceType":"Patient",
 "extension":[{"url":"'$OTHER'/shoe-size","valueInteger":31},
  {"url":"'$OTHER'/school-district","valueString":"Austin ISD"}],
 "identifier":[{"system":"http://other-system.example/mrn","value":"MRN-771"}],
 "name":[{"use":"official","family":"Okonjo","given":["Ada"]}],
 "gender":"female","birthDate":"2019-03-04",
 "address":[{"use":"home","line":["5 Oak St"],"city":"Austin","district":"Travis","state":"TX","postalCode":"78701"}]}')
[ "$st" = 201 ] || tui_fail "seed Patient: $st $(cat "$TUI_TMP/body")"
PID=$(body .id)
st=$(api POST /Patient '{"resourceType":"Patient","name":[{"family":"Okonjo","given":["Bem"]}],
 "gender":"male","birthDate":"2016-08-01"}')
[ "$st" = 201 ] || tui_fail "seed second Patient: $st"
BEM=$(body .id)
dose() { # CVX DATE
	st=$(api POST /Immunization '{"resourceType":"Immunization","status":"completed",
 "extension":[{"url":"'$OTHER'/cold-chain","valueString":"ok"}],
 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"'$1'"}]},
 "patient":{"reference":"Patient/'$PID'"},"occurrenceDateTime":"'$2'","primarySource":false}')
	[ "$st" = 201 ] || tui_fail "seed Immunization $1 $2: $st $(cat "$TUI_TMP/body")"
}
dose 08 2019-03-05
dose 08 2019-04-05
dose 20 2019-05-06
dose 08 2019-09-06

conf() { # the registry's address (Medplum, or the relay in front of it)
	tui_conf "registry_url = $1/fhir" "ca_file = $CA" "client_id = desk7" \
		"client_secret_file = $TUI_TMP/client.secret" "organization = Travis Clinic" "auto_sync = no"
}
PASS='okonjo family clinic'
first_signin_keys() {
	printf ':wait-idle\n:type Nurse Rivera\n<Enter>\n:wait-idle\n:wait-text 20 Choose a passphrase\n'
	printf ':save-screen %s/setpass.txt\n:type %s\n<Tab>\n:type %s\n<Enter>\n:wait-idle\n' "$S" "$PASS" "$PASS"
}
signin_keys() {
	printf ':wait-idle\n:type Nurse Rivera\n<Enter>\n:wait-idle\n:wait-text 20 Your passphrase\n'
	printf ':type %s\n<Enter>\n:wait-idle\n' "$PASS"
}
