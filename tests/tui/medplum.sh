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
#   - the client is edited and a shot recorded; the shot's upload has its
#     answer lost twice on the way back (a relay cuts it after Medplum
#     committed), so the same outbox goes a second and a third time: Medplum
#     then holds each dose once (the seeded ones with their extension) and
#     the edit; the command line signs the workstation in too;
#   - a bearer token set up for the workstation is refused while others can
#     read its file, and signs in once the file is its owner's alone;
#   - Smart search, which Medplum offers no $match for, searches instead and
#     says so; a record whose doses the registry no longer sends, after it
#     sent them, is "history unknown", never "no immunizations".
# (That the edited client keeps the other system's extensions is
# tests/tui/medplum_edit.sh.) SKIPs (77) without node or the Medplum packages.
set -eu
. "$top_srcdir/tests/tui/medplum_lib.sh"
FAULTPROXY=$top_builddir/tests/cache/faultproxy
[ -x "$FAULTPROXY" ] || { echo "SKIP: tests/cache/faultproxy is not built"; exit 77; }

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

# --- sign in, find, open, edit --------------------------------------------------
tui_run <<EOF
:wait-idle
:save-screen $S/login.txt
$(first_signin_keys)
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
[ "$(body '[.identifier[] | select(.value == "MRN-771")] | length')" = 1 ] ||
	tui_fail "the other system's identifier was dropped"
st=$(api GET "/Patient?family=Okonjo&given=Ada")
[ "$(body '.entry | length')" = 1 ] || tui_fail "the client is there $(body '.entry | length') times"

# --- a bearer token set up for the workstation (token_file) -------------------------
printf '%s\n' "$tok" >"$TUI_TMP/bearer"
chmod 644 "$TUI_TMP/bearer"
tui_conf "registry_url = $MEDPLUM_URL" "ca_file = $CA" "token_file = $TUI_TMP/bearer" \
	"organization = Travis Clinic"
tui_run <<EOF
:wait-idle
:type Nurse Rivera
<Enter>
:wait-idle
:save-screen $S/badmode.txt
EOF
tui_has badmode 'This workstation cannot sign in'
tui_has badmode '(mode 644)'
tui_lacks badmode "$tok"
chmod 600 "$TUI_TMP/bearer"
tui_run <<EOF
$(signin_keys)
$(tui_open_keys "OKONJO, ADA 03/04/2019")
:wait-idle
:save-screen $S/bearer.txt
EOF
tui_has bearer 'Okonjo, Ada Grace'
tui_has bearer '3 of 3'
tui_has bearer 'User: Nurse Rivera'

# --- Smart search without $match; a history that stops adding up ---------------------
# the younger brother's two doses are read once; then someone deletes them at
# the registry, and the record read again does not say "no immunizations"
for d in 2016-08-02 2016-10-03; do
	st=$(api POST /Immunization '{"resourceType":"Immunization","status":"completed",
 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"08"}]},
 "patient":{"reference":"Patient/'$BEM'"},"occurrenceDateTime":"'$d'","primarySource":false}')
	[ "$st" = 201 ] || tui_fail "seed Bem's dose: $st"
done
(
	tui_run <<EOF
$(signin_keys)
s
<F8>
:type Bem
<Tab>
<Tab>
:type Okonjo
<Tab>
:type 08/01/2016
<Tab>
:type M
<Tab>
:type 5 Oak St
<Enter>
:wait-text 30 2 of 3
:save-screen $S/bem.txt
<Esc>
:save-screen $S/smart.txt
:wait-file $TUI_TMP/deleted
<Enter>
:wait-idle
f
:wait-idle
:save-screen $S/unknown.txt
EOF
	echo "$TUI_STATUS" >"$TUI_TMP/status"
) &
child=$!
tui_wait_screen bem $child
st=$(api GET "/Immunization?patient=Patient/$BEM")
for id in $(body '.entry[].resource.id'); do
	st=$(api DELETE "/Immunization/$id")
done
touch "$TUI_TMP/deleted"
wait $child
[ "$(cat "$TUI_TMP/status")" = 0 ] || tui_fail "vaxdesk exit status $(cat "$TUI_TMP/status")"
tui_has bem '2 of 3'
tui_has smart 'This registry offers no Smart search ($match)'
tui_has smart 'Okonjo, Bem'
tui_has unknown 'History unknown: the registry sent no doses, but 2 were read from it'
tui_has unknown 'Not shown: the immunization history is unknown.'
tui_lacks unknown 'No immunizations recorded'
tui_lacks unknown 'PAST DUE'
echo ok
