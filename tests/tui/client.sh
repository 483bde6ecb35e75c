#!/bin/sh
# The client record against a real vaxregd over TLS: find a client, see the
# record and the forecast, a vial barcode fills the shot form, invalid input
# shows its message and saves nothing, add administered / historical /
# refusal, delete; Add Client needs a county; then `vaxdesk sync` and the
# registry holds each record exactly once.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
# sent with `vaxdesk sync` here; tests/tui/outbox.sh covers vaxdesk sending by itself
tui_registry_alice "auto_sync = no"

tok=$(registry_login CLINPENA alice)
reg_create_patient "$tok" '{"resourceType":"Patient","name":[{"family":"Quintero","given":["Marisol"]}],
 "gender":"female","birthDate":"1990-04-12",
 "address":[{"line":["1 Main St"],"city":"Austin","state":"TX","postalCode":"78701","district":"Travis"}]}'

# the scanned lot expires a year from today, so the scan never reads as expired
LOT_EXP_GS1=$(date -d '+1 year' +%y%m%d)
LOT_EXP_US=$(date -d '+1 year' +%m/%d/%Y)

login() {
	tui_login_keys CLINPENA alice
}

# --- online: find, view, barcode, invalid, save ---------------------------
{
	login
	cat <<EOF2
s
:wait-idle
:type Quintero, Marisol 04/12/1990
<Enter>
:wait-idle
:save-screen $S/client.txt
a
:wait-idle
:type (01)00300064119039(17)${LOT_EXP_GS1}(10)U7012AA
<Tab>
:save-screen $S/scanned.txt
<C-w>
:save-screen $S/saved1.txt
:wait-idle
:save-screen $S/record1.txt
h
:type 08
<Tab>
:type 13/45/2001
<C-w>
:save-screen $S/invalid.txt
<C-u>
:type 01/01/1980
<Tab>
:type 01
<C-w>
:save-screen $S/invalid2.txt
<Esc>
y
:wait-idle
h
:type 08
<Tab>
:type 05/01/1990
<Tab>
:type 01
<C-w>
:wait-idle
:save-screen $S/record2.txt
<C-o>
:wait-idle
:save-screen $S/outbox.txt
<Esc>
:quit
EOF2
} > "$TUI_TMP/s1"
tui_run < "$TUI_TMP/s1"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has client 'Quintero, Marisol'
tui_has client 'Immunization record'
# the read is over: its progress line is gone
tui_lacks client 'Reading the client from the registry'
tui_has client 'Vaccines recommended: ACIP'
tui_has scanned 'U7012AA'
tui_has scanned "$LOT_EXP_US"
tui_has scanned 'Scanned: GARDASIL 9'
tui_has record1 'Waiting to send'
tui_has record1 'HPV9'
tui_has invalid 'That day does not exist'
tui_has invalid2 'cannot be before the date of birth'
tui_has invalid2 'Not saved'
tui_lacks record2 '13/45/2001'
tui_has record2 '05/01/1990 Hep B'
tui_has record2 'Hist.'
tui_has outbox 'Outbox: records on their way to the registry'
tui_has outbox 'Today: 2 recorded here, 0 accepted by the registry, 2 waiting.'
tui_has outbox 'New dose'
tui_has outbox 'Quintero, Marisol'
tui_has outbox 'goes at the next sync'

# --- refusal, delete, edit a tab, Add Client (county required) --------------
{
	login
	cat <<EOF2
s
:wait-idle
:type Quintero, Marisol 04/12/1990
<Enter>
:wait-idle
r
:type 03
<Tab>
<Tab>
:type 00
<C-w>
:wait-idle
:save-screen $S/refused.txt
<Home>
d
:save-screen $S/delask.txt
<C-w>
:save-screen $S/delempty.txt
:type Wrong patient
<C-w>
:wait-idle
:save-screen $S/deleted.txt
e
<F7>
<F7>
<F7>
:type R
<Tab>
:type Fainted after HPV dose
<F7>
:type Prefers Spanish
<C-w>
:wait-idle
:save-screen $S/edited.txt
/
:wait-idle
<C-u>
:type Zuniga, Pedro 02/03/2019
<Enter>
:wait-idle
a
:wait-idle
:save-screen $S/addclient.txt
<Tab>
<Tab>
<Tab>
<Tab>
<Tab>
:type M
<C-w>
:save-screen $S/nocounty.txt
:type Travis
<C-w>
:save-screen $S/consentask.txt
y
:wait-idle
:save-screen $S/newclient.txt
:quit
EOF2
} > "$TUI_TMP/s2"
tui_run < "$TUI_TMP/s2"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has refused 'Refused'
tui_has refused 'Refusal saved'
tui_has delask "Delete HPV9 of $(date +%m/%d/%Y)"
tui_has delempty 'Required'
tui_has deleted 'Deleted (entered in error)'
tui_lacks deleted 'U7012AA'
tui_has edited 'Reaction: Fainted after HPV dose'
tui_has edited 'Note (visible to every organization): Prefers Spanish'
tui_has addclient 'Add Client'
tui_has addclient 'Zuniga'
tui_has nocounty 'Enter the residential county for a new client.'
tui_has consentask 'No registry consent is recorded (Consent tab). Save this new client without it?'
tui_has newclient 'Zuniga, Pedro'
tui_has newclient 'not yet assigned'

# nothing reached the registry yet: every write goes through the outbox
reg_json GET "/Immunization?patient=$PID" "$tok"
[ "$(jqb '.total // (.entry | length)')" = 0 ] || fail "doses sent before the sync"

# --- sync: the registry holds each dose exactly once --------------------------
sync_now() {
	printf '%s\n' "$REG_PASSWORD" > "$TUI_TMP/pw"
	VAXDESK_ORG=CLINPENA VAXDESK_USER=alice "$VAXDESK" sync --password-fd 3 3<"$TUI_TMP/pw" \
		>"$TUI_TMP/sync.out" 2>&1 || { cat "$TUI_TMP/sync.out" >&2; tui_fail "vaxdesk sync failed"; }
}
sync_now
sync_now
reg_json GET "/Immunization?patient=$PID" "$tok"
# the historical Hep B once, the MMR refusal once; the HPV dose was deleted
# before it was sent, so the registry does not hold it as given
[ "$(jqb '[.entry[] | select(.resource.status == "completed")] | length')" = 1 ] ||
	fail "the registry should hold the historical dose once"
[ "$(jqb '[.entry[] | select(.resource.status == "completed") | .resource.vaccineCode.coding[0].code] | join(",")')" = 08 ] ||
	fail "the completed dose should be CVX 08"
[ "$(jqb '[.entry[] | select(.resource.status == "not-done")] | length')" = 1 ] ||
	fail "the registry should hold the refusal once"
reg_json GET "/Patient/$PID" "$tok"
jqb 'tostring' | grep -q 'Prefers Spanish' || fail "the edited note did not reach the registry"
jqb 'tostring' | grep -q 'Fainted after HPV dose' || fail "the reaction comment did not reach the registry"
reg_json GET "/Patient?family=Zuniga" "$tok"
[ "$(jqb '.total // (.entry | length)')" = 1 ] || fail "the new client should be in the registry once"

# --- offline: the same flow with the registry down, then sync -----------------
registry_stop
cat > "$TUI_TMP/s3" <<EOF2
$(tui_login_keys CLINPENA alice no-statement)
/
:wait-idle
:type Zuniga, Pedro 02/03/2019
<Enter>
:wait-idle
:save-screen $S/offclient.txt
h
:type 20
<Tab>
:type 04/03/2019
<Tab>
:type 01
<C-w>
:save-screen $S/offstale.txt
y
:wait-idle
:save-screen $S/offsaved.txt
h
:type 20
<Tab>
:type 04/05/2019
<Tab>
:type 01
<C-w>
y
:save-screen $S/dupask.txt
n
<Esc>
y
h
:type 20
<Tab>
:type 04/17/2019
<Tab>
:type 01
<C-w>
y
:wait-idle
<End>
<Enter>
:save-screen $S/notvalid.txt
t
:save-screen $S/school.txt
:quit
EOF2
tui_run < "$TUI_TMP/s3"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has offclient 'Zuniga, Pedro'
tui_has offclient 'OFFLINE'
tui_has offstale 'history may be out of date'
tui_has offsaved 'Historical dose saved'
tui_has offsaved 'Waiting to send'
tui_has offsaved 'Vaccines recommended: ACIP schedule'
tui_has dupask 'Possible duplicate: a dose of this vaccine group on 04/03/2019. Save anyway?'
tui_has notvalid '04/17/2019 DTaP'
tui_has notvalid 'Waiting to send NOT VALID'
tui_has notvalid 'NOT VALID: '
tui_has school 'Vaccines recommended: Texas school requirements'
tui_has school 'Grade 2 (from the age on September 1): DOES NOT MEET'

registry_start
tui_conf "registry_url = $REG_URL" "ca_file = $REG_CA" "auto_sync = no"
sync_now
sync_now
tok=$(registry_login CLINPENA alice)
reg_json GET "/Patient?family=Zuniga" "$tok"
ZID=$(jqb '.entry[0].resource.id')
reg_json GET "/Immunization?patient=$ZID" "$tok"
[ "$(jqb '[.entry[] | select(.resource.status == "completed") | .resource.vaccineCode.coding[0].code] | join(",")')" = 20,20 ] ||
	fail "the two doses recorded offline should be in the registry once each"
