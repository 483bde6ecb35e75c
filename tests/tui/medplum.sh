#!/bin/sh
# vaxdesk against a FHIR registry written by others: Medplum's engine
# (tests/medplum: @medplum/fhir-router in memory, behind HTTPS) with its own
# sign-in, as a Medplum server publishes it (SMART configuration, a token
# endpoint with Medplum's grants; this workstation is a registered
# ClientApplication), and nothing of vaxregd's: no /auth, no org codes, no
# $match, no $immds-forecast, no vaxdesk extensions it would add.
#   - a password login, where the workstation is not set up, is told how
#     this registry signs in instead (it takes no passwords);
#   - the workstation signs in with its client credentials (a secret in a
#     file only its owner reads), the person chooses a passphrase;
#   - a client seeded with four doses and another system's extensions is
#     found by name and birth date and opens with all four doses and the
#     forecast they give (never "no immunizations");
#   - a shot is recorded and the client edited; the upload's answer is lost
#     twice on the way back (a relay cuts it after Medplum committed), so
#     the same outbox goes a second and a third time: Medplum then holds
#     each dose once, the edit, and every extension the client had.
# SKIPs (77) without node or the Medplum packages.
set -eu
# the Medplum packages are cached per user: find them under the real HOME,
# which tests/tui/lib.sh replaces with an empty one
XDG_CACHE_HOME=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}
export XDG_CACHE_HOME
. "$top_srcdir/tests/tui/lib.sh"
. "$top_srcdir/tests/medplum/lib.sh"
FAULTPROXY=$top_builddir/tests/cache/faultproxy
command -v jq >/dev/null 2>&1 || { echo "SKIP: jq is not installed"; exit 77; }
[ -x "$FAULTPROXY" ] || { echo "SKIP: tests/cache/faultproxy is not built"; exit 77; }
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
# --- not set up as a workstation: a password login is told what this registry takes --
tui_conf "registry_url = $MEDPLUM_URL" "ca_file = $CA"
tui_run <<EOF
:wait-idle
:type CLINIC
<Tab>
:type rivera
<Tab>
:type Some!pass2026
<Enter>
:wait-idle
:save-screen $S/nopassword.txt
EOF
tui_has nopassword 'This registry takes no passwords: it signs in workstations set up for'
tui_has nopassword 'client_secret_file, or token_file, in vaxdesk.conf'
tui_lacks nopassword 'Some!pass2026'

conf "$ORIGIN"
PASS='okonjo family clinic'
# $(signin_keys): the script lines of a later sign-in: the name, the passphrase
signin_keys() {
	printf ':wait-idle\n:type Nurse Rivera\n<Enter>\n:wait-idle\n:wait-text 20 Your passphrase\n'
	printf ':type %s\n<Enter>\n:wait-idle\n' "$PASS"
}

# --- sign in, find, open, edit --------------------------------------------------
tui_run <<EOF
:wait-idle
:save-screen $S/login.txt
:type Nurse Rivera
<Enter>
:wait-idle
:wait-text 20 Choose a passphrase
:save-screen $S/setpass.txt
:type $PASS
<Tab>
:type $PASS
<Enter>
:wait-idle
:save-screen $S/menu.txt
$(tui_open_keys "OKONJO, ADA 03/04/2019")
:wait-idle
:save-screen $S/record.txt
e
:wait-idle
<Tab>
<Tab>
:type Grace
<C-w>
:wait-idle
<F5>
:wait-idle
:wait-text 30 accepted
:save-screen $S/edited.txt
EOF
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has login 'Your name'
tui_has login 'This workstation signs in to the registry by itself'
tui_lacks login 'Org code'
tui_has setpass 'Signed in as Nurse Rivera'
tui_has menu 'User: Nurse Rivera'
tui_has menu 'ONLINE'
tui_has record 'Okonjo, Ada'
tui_lacks record 'No immunizations recorded'
tui_lacks record 'History unknown'
# the four doses, counted by the schedule: HepB complete, DTaP's first
[ "$(grep -c '^ .\{1\} [0-9][0-9]/[0-9][0-9]/20' "$S/record.txt")" = 4 ] ||
	tui_fail "the record does not show four doses"
tui_has record '3 of 3'
tui_has record 'DTaP/Tdap/Td'
tui_has record 'ACIP schedule, computed here (no $immds-forecast there)'
tui_has edited 'accepted'

# --- a shot recorded; its upload's answer lost twice: the outbox goes three times --
tui_run <<EOF
:wait-idle
:type Nurse Rivera
<Enter>
:wait-idle
:wait-text 20 Your passphrase
:save-screen $S/unlock.txt
:type $PASS
<Enter>
:wait-idle
$(tui_open_keys "OKONJO, ADA 03/04/2019")
$(tui_hist_keys 03 03/10/2020)
:save-screen $S/shot.txt
EOF
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has unlock 'Your passphrase'
tui_has shot 'Historical dose saved; waiting to send to the registry.'
tui_has shot 'Outbox: 1'
mp_port=${ORIGIN##*:}
# send_through_cut NAME: vaxdesk sends the outbox through a relay that lets
# the upload reach Medplum and cuts the answer on its way back
send_through_cut() {
	mkfifo "$TUI_TMP/proxy.hold.$1"
	"$FAULTPROXY" "$mp_port" cut-down 100 800 <"$TUI_TMP/proxy.hold.$1" >"$TUI_TMP/proxy.$1" 2>&1 &
	proxy_pid=$!
	exec 8>"$TUI_TMP/proxy.hold.$1"
	_i=0
	while ! grep -q '^PORT ' "$TUI_TMP/proxy.$1" && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	conf "https://127.0.0.1:$(sed -n 's/^PORT //p' "$TUI_TMP/proxy.$1")"
	tui_run <<EOF
$(signin_keys)
<F5>
:wait-idle
:save-screen $S/$1.txt
EOF
	exec 8>&-
	kill "$proxy_pid" 2>/dev/null || :
	wait "$proxy_pid" 2>/dev/null || :
	proxy_pid=
	grep -q '^fault: cut-down' "$TUI_TMP/proxy.$1" || tui_fail "$1: no upload went through the relay"
}
send_through_cut cut1
send_through_cut cut2
conf "$ORIGIN"
tui_run <<EOF
$(signin_keys)
<F5>
:wait-idle
:wait-text 30 accepted
<F6>
:wait-idle
:save-screen $S/outbox.txt
EOF
tui_has outbox 'Nothing is waiting'
# the command line signs the workstation in too, and finds nothing left to send
printf '%s\n' "$PASS" >"$TUI_TMP/pass"
VAXDESK_USER='Nurse Rivera' "$VAXDESK" sync --password-fd 3 3<"$TUI_TMP/pass" >"$TUI_TMP/sync.out" 2>&1 ||
	{ cat "$TUI_TMP/sync.out" >&2; tui_fail "vaxdesk sync as the workstation failed"; }
grep -q 'accepted 0' "$TUI_TMP/sync.out" || tui_fail "vaxdesk sync: $(cat "$TUI_TMP/sync.out")"

# --- what Medplum holds ------------------------------------------------------------
st=$(api GET "/Immunization?patient=Patient/$PID&_count=100")
[ "$st" = 200 ] || tui_fail "read the doses back: $st"
[ "$(body '.entry | length')" = 5 ] || tui_fail "Medplum holds $(body '.entry | length') doses, not 5: $(cat "$TUI_TMP/body")"
[ "$(body '[.entry[].resource | select(.vaccineCode.coding[0].code == "03")] | length')" = 1 ] ||
	tui_fail "the MMR dose is not there once"
[ "$(body '[.entry[].resource.extension[]? | select(.url == "'$OTHER'/cold-chain")] | length')" = 4 ] ||
	tui_fail "the seeded doses lost their extension"
st=$(api GET "/Patient/$PID")
[ "$(body '.name[0].given | join(" ")')" = "Ada Grace" ] || tui_fail "the edit did not land: $(cat "$TUI_TMP/body")"
[ "$(body "[.extension[] | select(.url == \"$OTHER/shoe-size\")][0].valueInteger")" = 31 ] ||
	tui_fail "the other system's extension was dropped: $(cat "$TUI_TMP/body")"
[ "$(body "[.extension[] | select(.url == \"$OTHER/school-district\")][0].valueString")" = "Austin ISD" ] ||
	tui_fail "the other system's second extension was dropped"
[ "$(body '[.identifier[] | select(.value == "MRN-771")] | length')" = 1 ] ||
	tui_fail "the other system's identifier was dropped"
st=$(api GET "/Patient?family=Okonjo&given=Ada")
[ "$(body '.entry | length')" = 1 ] || tui_fail "the client is there $(body '.entry | length') times"
echo ok
