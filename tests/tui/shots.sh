#!/bin/sh
# Shot entry against a real vaxregd over TLS: several vaccines of one visit
# in one form, a wrong row shows its message and saves nothing, a dose is
# changed with a reason, a dose of another organization says why it cannot
# be changed; then the same with the registry in maintenance; `vaxdesk sync`
# and the registry holds each dose once, with the changed values.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
[ -f "$top_srcdir/tests/lib/registry.sh" ] || { echo "skip: tests/lib/registry.sh missing"; exit 77; }
. "$top_srcdir/tests/lib/registry.sh"
registry_init
trap tui_cleanup EXIT
registry_user CLINPENA alice provider
registry_user OTHERCL bob provider
# the registry has heard that CVX 141 is no longer available; this
# workstation has not: a dose of it is typed, saved and then rejected
tui_registry_start_retired 141
# the outbox is read before `vaxdesk sync`, so the program must not send by itself
tui_conf "registry_url = $REG_URL" "ca_file = $REG_CA" "auto_sync = no"

tok=$(registry_login CLINPENA alice)
reg_create_patient "$tok" '{"resourceType":"Patient","name":[{"family":"Okafor","given":["Amara"]}],
 "gender":"female","birthDate":"2020-03-15",
 "address":[{"line":["9 Elm St"],"city":"Austin","state":"TX","postalCode":"78701","district":"Travis"}]}'
# another organization recorded her birth dose
btok=$(registry_login OTHERCL bob)
reg_json POST /Immunization "$btok" '{"resourceType":"Immunization","status":"completed",
 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"08"}]},
 "patient":{"reference":"Patient/'"$PID"'"},"occurrenceDateTime":"2020-03-16","primarySource":false,
 "reportOrigin":{"coding":[{"system":"https://vaxdesk.org/fhir/CodeSystem/info-source","code":"01"}]},
 "lotNumber":"BOBLOT1"}'
[ "$REG_STATUS" = 201 ] || fail "bob's dose: $REG_STATUS"
BID=$(jqb .id)
# the registry itself refuses a change of another organization's dose
reg_json PUT "/Immunization/$BID" "$tok" "$(jq -c '.lotNumber = "ALICELOT"' "$REG_BODY")"
expect 403 "alice changing bob's dose"

login() {
	cat <<EOF2
$(tui_login_keys CLINPENA alice)
s
:wait-idle
:type Okafor, Amara 03/15/2020
<Enter>
:wait-idle
EOF2
}

# --- online: three vaccines in one visit, a wrong row, a change, not ours ------
{
	login
	cat <<EOF2
:save-screen $S/client.txt
a
:save-screen $S/addnew.txt
<S-Tab>
:type V02
<Tab>
:type 20
<Tab>
:type LOTA1
<Tab>
<Tab>
:type 12/31/2030
<Tab>
:type VXC1
<F3>
:type 03
<Tab>
<Tab>
<Tab>
:type 12/31/2030
<F3>
:type 21
<Tab>
:type LOTC3
<Tab>
<Tab>
:type 12/31/2030
:save-screen $S/three.txt
<C-w>
:save-screen $S/rowbad.txt
:type LOTB2
<C-w>
:wait-idle
:save-screen $S/saved.txt
<Home>
c
:save-screen $S/editform.txt
<Tab>
<C-u>
:type LOTA9
<C-w>
:save-screen $S/noreason.txt
:type Lot typed wrong
<C-w>
:wait-idle
:save-screen $S/edited.txt
<Down>
c
:save-screen $S/notours.txt
<C-o>
:wait-idle
:save-screen $S/outbox.txt
:quit
EOF2
} > "$TUI_TMP/s1"
tui_run < "$TUI_TMP/s1"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has client 'BOBLOT1'
# the visit: the date, provider and eligibility once, a row per vaccine
# (its funding source as the row before said)
tui_has addnew 'Vaccine 1 of 1:'
tui_has addnew 'another vaccine'
tui_has three 'Vaccine 1: 20 DTaP, lot LOTA1'
tui_has three 'Vaccine 2: 03 MMR'
tui_has three 'Vaccine 3 of 3:'
# the wrong row opens, its message beside its field; nothing saved
tui_has rowbad 'Vaccine 2 of 3:'
tui_has rowbad 'Lot number:                               <- Required.'
tui_has rowbad 'Not saved: vaccine 2: Enter the lot number for a dose given here.'
tui_has rowbad 'Outbox: 0'
tui_has saved '3 doses saved; waiting to send to the registry.'
tui_has saved 'Outbox: 3'
tui_has saved 'LOTB2'
# a change opens filled in and needs a reason
tui_has editform 'Change a dose for Okafor, Amara'
tui_has editform 'LOTA1'
tui_has editform 'VXC1'
tui_has noreason 'Why change it: Required.'
tui_has edited 'Change saved; waiting to send to the registry.'
tui_has edited 'LOTA9'
tui_lacks edited 'LOTA1'
tui_has notours 'Recorded by OTHERCL clinic; only they can change this dose.'
tui_lacks notours 'Change a dose'
tui_has outbox 'Today: 4 recorded here, 0 accepted by the registry, 4 waiting.'
tui_has outbox 'Dose change'

# nothing reached the registry yet: every write goes through the outbox
reg_json GET "/Immunization?patient=$PID" "$tok"
[ "$(jqb '.entry | length')" = 1 ] || fail "doses sent before the sync"

sync_now() {
	printf '%s\n' "$REG_PASSWORD" > "$TUI_TMP/pw"
	VAXDESK_ORG=CLINPENA VAXDESK_USER=alice "$VAXDESK" sync --password-fd 3 3<"$TUI_TMP/pw" \
		>"$TUI_TMP/sync.out" 2>&1 || { cat "$TUI_TMP/sync.out" >&2; tui_fail "vaxdesk sync failed"; }
}
sync_now
sync_now
reg_json GET "/Immunization?patient=$PID" "$tok"
ours='[.entry[].resource | select(.lotNumber != "BOBLOT1")]'
[ "$(jqb "$ours | map(.vaccineCode.coding[0].code) | sort | join(\",\")")" = 03,20,21 ] ||
	fail "the registry should hold each dose of the visit once"
[ "$(jqb "$ours | map(.lotNumber) | sort | join(\",\")")" = LOTA9,LOTB2,LOTC3 ] ||
	fail "the registry should hold the changed lot"
[ "$(jqb "$ours | map(.identifier[0].value) | unique | length")" = 3 ] ||
	fail "each dose of the visit should have its own uuid"
[ "$(jqb "$ours | map(select(.vaccineCode.coding[0].code == \"20\")) | .[0].extension[] |
	select(.url | endswith(\"/edit-reason\")) | .valueString")" = 'Lot typed wrong' ] ||
	fail "the reason for the change should travel with the dose"
[ "$(jqb "$ours | map(.fundingSource.coding[0].code + \"/\" + .programEligibility[0].coding[0].code) | unique | join(\",\")")" = VXC1/V02 ] ||
	fail "the visit's funding should be on every dose"
[ "$(jqb '[.entry[].resource | select(.lotNumber == "BOBLOT1")] | length')" = 1 ] ||
	fail "the other organization's dose should be unchanged"

# --- offline: the registry in maintenance ------------------------------------
"$VAXREGD" maintenance on --data "$REG_DIR" --retry 600 >/dev/null
cat > "$TUI_TMP/s2" <<EOF2
$(tui_login_keys CLINPENA alice no-statement)
/
:wait-idle
:type Okafor, Amara 03/15/2020
<Enter>
:wait-idle
:save-screen $S/offclient.txt
a
<S-Tab>
:type V02
<Tab>
:type 10
<Tab>
:type LOTD4
<Tab>
<Tab>
:type 12/31/2030
<Tab>
:type VXC1
<F3>
:type 141
<Tab>
:type LOTE5
<Tab>
<Tab>
:type 01/01/2020
<C-w>
:save-screen $S/offbad.txt
<C-u>
:type 12/31/2030
<C-w>
:wait-idle
:save-screen $S/offsaved.txt
<Home>
<Down>
<Down>
<Down>
<Down>
c
:save-screen $S/offedit.txt
<Tab>
<C-u>
:type LOTD8
<C-w>
:type Wrong vial scanned
<C-w>
:wait-idle
:save-screen $S/offedited.txt
<Home>
<Down>
<Down>
c
:save-screen $S/offnotours.txt
:quit
EOF2
tui_run < "$TUI_TMP/s2"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has offclient 'OFFLINE (maintenance)'
tui_has offbad 'Vaccine 2 of 2:'
tui_has offbad '<- The lot had expired'
tui_has offbad 'Not saved: vaccine 2: The lot had expired on the vaccination date.'
tui_has offbad 'Outbox: 0'
tui_has offsaved '2 doses saved; waiting to send to the registry.'
tui_has offsaved 'Outbox: 2'
tui_has offedit 'Change a dose for Okafor, Amara'
tui_has offedit 'LOTD4'
tui_has offedited 'Change saved; waiting to send to the registry.'
tui_has offedited 'Outbox: 3'
tui_has offnotours 'Recorded by OTHERCL clinic; only they can change this dose.'

"$VAXREGD" maintenance off --data "$REG_DIR" >/dev/null
sync_now
sync_now
reg_json GET "/Immunization?patient=$PID" "$tok"
[ "$(jqb "$ours | map(select(.vaccineCode.coding[0].code == \"10\")) | map(.lotNumber) | join(\",\")")" = LOTD8 ] ||
	fail "the IPV dose recorded offline should be in the registry once, changed"
[ "$(jqb "$ours | map(select(.vaccineCode.coding[0].code == \"10\")) | .[0].extension[] |
	select(.url | endswith(\"/edit-reason\")) | .valueString")" = 'Wrong vial scanned' ] ||
	fail "the reason for the offline change should travel with the dose"
[ "$(jqb "$ours | map(select(.vaccineCode.coding[0].code == \"141\")) | length")" = 0 ] ||
	fail "the registry should have refused CVX 141"

# --- the rejected dose: corrected in the outbox, sent again -------------------
{
	login
	cat <<EOF2
<C-o>
:wait-idle
:save-screen $S/rejected.txt
e
:save-screen $S/fixform.txt
<C-u>
:type 150
<S-Tab>
:type Trivalent no longer stocked
<C-w>
:wait-idle
:save-screen $S/fixed.txt
:save-screen $S/requeued.txt
<Esc>
:wait-idle
a
<S-Tab>
:type V02
<Tab>
:type 83
<Tab>
:type LOTF6
<Tab>
<Tab>
:type 12/31/2030
<Tab>
:type VXC1
<F3>
:type 83
<Tab>
:type LOTF7
<Tab>
<Tab>
:type 12/31/2030
<F3>
:type 10
:save-screen $S/threerows.txt
<F7>
:save-screen $S/removed.txt
<C-w>
:save-screen $S/rowdup.txt
n
<Esc>
y
:wait-idle
:save-screen $S/discarded.txt
h
:type 08
<Tab>
:type 05/01/2020
<Tab>
:type 01
<C-w>
:wait-idle
<Home>
<Down>
<Down>
<Down>
c
:save-screen $S/histedit.txt
<Tab>
<C-u>
:type 05/02/2020
<S-Tab>
<S-Tab>
:type Date copied from the wrong card
<C-w>
:wait-idle
:save-screen $S/histedited.txt
a
:type 20
<F3>
:type 03
<F3>
:type 21
<F3>
:type 10
<F3>
:type 83
<F3>
:type 08
<C-w>
:save-screen $S/sixrows.txt
<Esc>
y
:wait-idle
:save-screen $S/sixgone.txt
:quit
EOF2
} > "$TUI_TMP/s3"
tui_run < "$TUI_TMP/s3"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has rejected 'Rejected'
tui_has rejected 'no longer available'
tui_has rejected 'e correct it'
tui_has fixform 'Correct what the registry refused'
tui_has fixform '141'
tui_has fixed 'Corrected; it goes to the registry at the next sync.'
# the correction goes back to the outbox it was made from, the list read again
tui_has requeued 'Waiting to send'
tui_lacks requeued 'The registry refused it'
tui_has requeued 'Rejected 0,'
# a row can go again; the duplicate question is asked row by row
tui_has threerows 'Vaccine 3 of 3:'
tui_has removed 'Vaccine 3 removed from this visit.'
tui_lacks removed 'Vaccine 3 of'
tui_has removed 'Vaccine 1: 83'
tui_has removed 'Vaccine 2 of 2:'
tui_has rowdup "Vaccine 2 may be a duplicate (same group on $(date +%m/%d/%Y)). Save anyway?"
tui_has discarded 'Outbox: 1'
# a historical dose changes as historical
tui_has histedit 'Change a historical dose for Okafor, Amara'
tui_has histedit 'Record source:      01'
tui_has histedit '05/01/2020'
tui_has histedited 'Change saved; waiting to send to the registry.'
tui_has histedited 'Outbox: 3'
# six vaccines at 80x24: the others fold onto one line, still saying which is wrong
tui_has sixrows 'Vaccine 1 of 6:'
tui_has sixrows 'Vaccines 2-6: 03, 21, 10, 83, 08  <- vaccine 2 needs correcting'
# every error at once: the visit's first, the first vaccine's in sight
tui_has sixrows 'Not saved: Choose the VFC eligibility for a dose given to a child.'
tui_has sixgone 'Outbox: 3'
sync_now
sync_now
reg_json GET "/Immunization?patient=$PID" "$tok"
[ "$(jqb "$ours | map(select(.primarySource != false) | .vaccineCode.coding[0].code) | sort | join(\",\")")" = 03,10,150,20,21 ] ||
	fail "the registry should hold each dose given here once, the corrected one as CVX 150"
[ "$(jqb "$ours | map(select(.vaccineCode.coding[0].code == \"150\")) | .[0].lotNumber")" = LOTE5 ] ||
	fail "the corrected dose keeps what was typed"
[ "$(jqb "$ours | map(select(.vaccineCode.coding[0].code == \"08\")) | map(.occurrenceDateTime[0:10] + \"/\" + (.primarySource | tostring)) | join(\",\")")" = 2020-05-02/false ] ||
	fail "the historical dose should be in the registry once, changed, still historical"

# --- type-ahead: what a typed name stands for, and the maker it brings ----------
{
	login
	cat <<EOF2
a
:type adacel
:save-screen $S/typeahead.txt
<Tab>
:save-screen $S/maker.txt
<Tab>
<C-u>
:type zzzq
:save-screen $S/nomatch.txt
<C-u>
:type sanofi
:save-screen $S/makers.txt
<F4>
:save-screen $S/makerpick.txt
<Esc>
<Esc>
y
:wait-idle
:quit
EOF2
} > "$TUI_TMP/s9"
tui_run < "$TUI_TMP/s9"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has typeahead '= ADACEL'
tui_has maker '= Tdap'
tui_has maker 'Manufacturer:       PMC'
tui_has maker '= Sanofi Pasteur'
tui_has maker 'Manufacturer filled from the vaccine: Sanofi Pasteur.'
tui_has nomatch '(no match)'
# the makers of the chosen vaccine only: "sanofi" is Sanofi Pasteur, and
# F4 lists this vaccine's makers, not all 100
tui_has makers '= Sanofi Pasteur'
tui_has makerpick 'Manufacturer: 2 of 2.'
tui_has makerpick 'PMC  Sanofi Pasteur'
tui_lacks makerpick 'MSD'
tui_lacks makerpick 'Merieux'
