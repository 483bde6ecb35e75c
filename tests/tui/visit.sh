#!/bin/sh
# The visit without codes, against a real vaxregd over TLS: every pick list
# (F4: code and full name, narrowed as typed, current entries first, the
# vaccine's makers only, the state's counties), the due-today checklist
# becoming the rows of Add New from the lots on hand, a lot chosen from the
# list and one scanned, expired lots refused both ways, the lots screen,
# Quick search by the registry ID (grouped) and by UUID, an over-long name
# refused with a message, and the selected dose in sight at 80x24 on a long
# history.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
tui_registry_alice
tok=$(registry_login CLINPENA alice)

. "$top_srcdir/tests/lib/visit.sh"
visit_child "$tok"
DOB_US=$(date -u -d "$DOB" +%m/%d/%Y)
reg_json GET "/Patient/$WPID" "$tok"
WRID=$(jqb '.identifier[] | select(.system == "https://vaxdesk.org/fhir/sid/registry-id") | .value')
WRID_GROUPED=$(printf '%s' "$WRID" | sed 's/^\(...\)\(...\)\(...\)$/\1 \2 \3/')
visit_lots "$tok"
GS1_GOOD="(01)00300064827002(17)$(date -u -d "$VAR_EXP" +%y%m%d)(10)VAR26B"
GS1_OLD="(01)00300064827002(17)$(date -u -d "$OLD_EXP" +%y%m%d)(10)VAR25X"
# a second child with a long history: the selected dose at 80x24
LUUID=$(cat /proc/sys/kernel/random/uuid)
reg_create_patient "$tok" '{"resourceType":"Patient","name":[{"family":"Longhistory","given":["Lena"]}],
 "identifier":[{"system":"urn:ietf:rfc:3986","value":"urn:uuid:'"$LUUID"'"}],
 "gender":"female","birthDate":"2010-01-15",
 "address":[{"line":["2 Elm St"],"city":"Austin","state":"TX","postalCode":"78701","district":"Travis"}]}'
LPID=$PID
DOB_SAVED=$DOB
DOB=2010-01-15
for m in 2 4 6 15; do visit_hist "$tok" 20 "$m months" "$LPID"; visit_hist "$tok" 10 "$m months" "$LPID"; visit_hist "$tok" 49 "$m months" "$LPID"; done
for m in 12 18 30 42 54 66; do visit_hist "$tok" 88 "$m months" "$LPID"; done
for m in 1 2 6; do visit_hist "$tok" 08 "$m months" "$LPID"; done
DOB=$DOB_SAVED

LONG82=$(printf 'Abcdefghij%.0s' 1 2 3 4 5 6 7 8)Ab
[ ${#LONG82} = 82 ] || fail "the test's own long name"

tui_run <<EOF2
$(tui_login_keys CLINPENA alice)
:save-screen $S/menu.txt
i
:wait-idle
:save-screen $S/lots.txt
<Esc>
s
:wait-idle
:type $WRID_GROUPED
<Enter>
:wait-idle
:save-screen $S/byid.txt
v
:wait-idle
:save-screen $S/due.txt
<Space>
<Space>
:save-screen $S/ticked.txt
<Enter>
:save-screen $S/filled.txt
<F4>
:save-screen $S/pick_vfc.txt
:type medic
:save-screen $S/pick_vfc_narrow.txt
<Enter>
:save-screen $S/vfc_chosen.txt
<F4>
:save-screen $S/pick_vaccine.txt
:type ipv
:save-screen $S/pick_vaccine_ipv.txt
<Esc>
<Tab>
<F4>
:save-screen $S/pick_lot.txt
<Esc>
<Tab>
<F4>
:save-screen $S/pick_mvx.txt
<Esc>
<Tab>
<Tab>
<F4>
:save-screen $S/pick_funding.txt
<Esc>
<Tab>
<Tab>
<F4>
:save-screen $S/pick_route.txt
<Esc>
<Tab>
<F4>
:save-screen $S/pick_site.txt
<Esc>
<F8>
:wait-idle
:save-screen $S/saved.txt
:wait-text 90 Outbox: 0
a
:type varicella
<Tab>
<F4>
:save-screen $S/pick_lot_var.txt
<Down>
<Enter>
:save-screen $S/expired_refused.txt
<Esc>
<F4>
<Enter>
:save-screen $S/lot_chosen.txt
<F3>
:type $GS1_OLD
<Tab>
:save-screen $S/scan_expired.txt
:type $GS1_GOOD
<Tab>
:save-screen $S/scan_good.txt
<Esc>
y
:wait-idle
r
<F4>
:save-screen $S/pick_refusal_vaccine.txt
<Esc>
<Tab>
<Tab>
<F4>
:save-screen $S/pick_refusal.txt
<Esc>
:save-screen $S/refusal.txt
<Esc>
h
<Tab>
<Tab>
<F4>
:save-screen $S/pick_source.txt
<Esc>
<Esc>
e
:wait-idle
<F7>
<Tab>
<Tab>
<F4>
:save-screen $S/pick_state.txt
<Esc>
<Tab>
<Tab>
<C-u>
:type trav
<F4>
:save-screen $S/pick_county.txt
<Enter>
<F7>
<F7>
<F7>
<F7>
<F7>
<Tab>
<Tab>
<Tab>
<Tab>
<F4>
:save-screen $S/pick_relationship.txt
<Esc>
<Esc>
y
<Esc>
/
:wait-idle
:type $LUUID
<Enter>
:wait-idle
:save-screen $S/byuuid.txt
<End>
:save-screen $S/lastrow.txt
<Up>
<Up>
<Up>
<Up>
<Up>
<Up>
<Up>
<Up>
<Up>
<Up>
:save-screen $S/uprows.txt
<Tab>
:save-screen $S/fcfocus.txt
<Down>
<Down>
<Down>
<Down>
<Down>
:save-screen $S/fcscroll.txt
<Esc>
/
:wait-idle
:type nobody, here 01/02/2003
<Enter>
:wait-idle
a
:wait-idle
:save-screen $S/addclient.txt
<C-u>
:type $LONG82
:save-screen $S/longname.txt
<F8>
:save-screen $S/longname_refused.txt
<Esc>
y
:quit
EOF2
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"

# the lots on hand, one expired
tui_has menu 'Vaccine lots on hand'
tui_has lots 'IPV26A'
tui_has lots 'VAR26B'
tui_has lots 'EXPIRED'
# Quick search by the registry ID read in groups; the record shows it
tui_has byid "Registry ID: $WRID"
tui_has byid "O'Brien, William"
# due today: polio and varicella overdue, each with its lot on hand
tui_has due 'Polio'
tui_has due 'Varicella'
tui_has due 'lot IPV26A'
tui_has due 'lot VAR26B'
tui_lacks due 'VAR25X'
tui_has ticked '[x] Polio'
tui_has ticked '[x] Varicella'
# Add New opens with both rows filled from the lots, the cursor on what is left
tui_has filled 'Vaccine 1 of 2:'
tui_has filled 'IPV26A'
tui_has filled 'Vaccine 2: 21 varicella, lot VAR26B'
tui_has filled 'VXC1'
tui_has filled '* VFC eligibility:'
# the pick lists: code and full name; narrowed as typed; nothing chosen for the person
tui_has pick_vfc 'V02  VFC eligible: Medicaid/Medicaid managed care'
tui_has pick_vfc 'VFC eligibility: 8 of 8.'
tui_has pick_vfc_narrow 'VFC eligibility: 1 of 8.'
tui_has vfc_chosen 'V02'
tui_has pick_vaccine 'IPV - poliovirus vaccine, inactivated'
grep -q '^ > 10 *IPV - poliovirus vaccine, inactivated' "$S/pick_vaccine_ipv.txt" || tui_fail 'ipv: IPV first'
tui_has pick_lot 'IPV26A'
tui_has pick_lot 'left'
tui_lacks pick_lot 'VAR26B'
tui_has pick_mvx 'Manufacturer: 1 of 1.'
tui_has pick_mvx 'PMC'
tui_has pick_funding 'VXC1  Federal funds (VFC, Section 317)'
tui_has pick_funding 'PHC70'
tui_has pick_route 'Intramuscular (IM)'
tui_has pick_site 'Left thigh'
tui_has saved '2 doses saved'
# a lot from the list: the expired one is listed and refused, the good one fills the row
tui_has pick_lot_var 'VAR26B'
tui_has pick_lot_var 'VAR25X'
tui_has pick_lot_var 'expired on'
tui_has expired_refused 'Not this one: lot VAR25X expired on'
tui_has lot_chosen 'VAR26B'
tui_has lot_chosen "$(date -u -d "$VAR_EXP" +%m/%d/%Y)"
tui_has lot_chosen 'MSD'
# a scanned vial: an expired one is refused, a good one picks its lot on hand
tui_has scan_expired 'Not given: lot VAR25X expired on'
tui_has scan_good 'a lot on hand'
# the refusal form says what it records, and lists its reasons
tui_has refusal 'Date refused:'
tui_lacks refusal 'Date given:'
tui_has pick_refusal 'Parental decision'
tui_has pick_source 'Historical: from parent'
# the state's list, the state's counties
grep -q 'TX *Texas' "$S/pick_state.txt" || tui_fail 'the states list'
tui_has pick_county 'Travis County (FIPS 48453)'
tui_has pick_relationship 'Mother'
# Quick search by the record's UUID; the selected dose stays in sight
tui_has byuuid 'Longhistory, Lena'
tui_has lastrow '> '
tui_has uprows '> '
grep -q '^ >' "$S/lastrow.txt" || tui_fail "the last dose, selected, is not on the screen at 80x24"
grep -q '^ >' "$S/uprows.txt" || tui_fail "the selected dose scrolled out of sight"
tui_has fcfocus 'Up and Down now scroll the vaccines recommended.'
# scrolled: the heading's range no longer starts at the first line
grep -Eq 'Vaccines recommended: ACIP schedule, .*  [2-9][0-9]*-[0-9]+ of [0-9]+' "$S/fcscroll.txt" ||
	tui_fail "the vaccines recommended did not scroll"
# names from a search line typed in lower case are written as names
tui_has addclient 'Last name:          Nobody'
tui_has addclient 'First name:         Here'
# an 82-character last name: refused with a message, nothing saved
tui_has longname 'Too long: at most 50 characters (32 more did not'
tui_has longname_refused 'Not saved: Too long: at most 50 characters (32 more did not fit).'
tui_has longname_refused 'Outbox: 0'
reg_json GET "/Patient?family=Abcdefghij" "$tok"
[ "$(jqb .total)" = 0 ] || fail "the over-long name reached the registry"

# the registry has the visit's two doses, from the lots on hand; the lot counts followed
reg_json GET "/Immunization?patient=$WPID&_count=100" "$tok"
given=$(jqb '[.entry[].resource | select(.primarySource == true) | .vaccineCode.coding[0].code + "/" + .lotNumber] | sort | join(",")')
[ "$given" = "10/IPV26A,21/VAR26B" ] || fail "the registry should hold the visit's doses once, has: $given"
