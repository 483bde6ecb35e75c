#!/bin/sh
# Finding a client against a real vaxregd (demo data) over TLS: Quick search
# by scanned ID card and by name (paging on the server), Basic search
# (letters required, accents and case ignored), Smart search with each kind
# of answer (exact -> the record, possible matches with the reasons, no
# match -> Add Client), search-before-create, and the same searches offline
# over the local store.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
[ -f "$top_srcdir/tests/lib/registry.sh" ] || { echo "skip: tests/lib/registry.sh missing"; exit 77; }
. "$top_srcdir/tests/lib/registry.sh"
registry_init
trap tui_cleanup EXIT
rm -rf "$REG_DIR"
"$VAXREGD" init --data "$REG_DIR" --demo --clients 400 > "$REG_TMP/demo.out" || fail "init --demo"
PW=$(sed -n 's/^Demo logins (password for all: \(.*\)):$/\1/p' "$REG_TMP/demo.out")
[ -n "$PW" ] || fail "no demo password"
registry_start
tui_conf "registry_url = $REG_URL" "ca_file = $REG_CA"
# (no $(function) here: a subshell would run the EXIT trap and clean up)
registry_login HILLPEDS frontdesk "$PW" > "$TUI_TMP/tok"
tok=$(cat "$TUI_TMP/tok")
# a client with a registry ID on a card
reg_json POST /Patient "$tok" '{"resourceType":"Patient","identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"system":"https://vaxreg.example/id","value":"TX00012345"}],"name":[{"family":"Ostrowski","given":["Zbigniew"]}],"birthDate":"2019-03-15","gender":"male","address":[{"line":["12 Pecan St"],"city":"Austin","district":"Travis","state":"TX","postalCode":"78701"}]}'
expect 201 "create the card client"
# how many the server has for "gar": more than one page of 20
reg_json GET '/Patient?family=gar&_count=0' "$tok"
GAR=$(jq -r .total "$REG_BODY")
[ "$GAR" -gt 20 ] || fail "demo data: $GAR clients for gar"

login() {
	cat <<EOF2
:wait-idle
:type HILLPEDS
<Tab>
:type frontdesk
<Tab>
:type $PW
<Enter>
:wait-idle
EOF2
}

{
	login
	cat <<EOF2
<Enter>
:wait-idle
:save-screen $S/menu.txt
a
:save-screen $S/addfirst.txt
:type ID:TX00012345
<Enter>
:wait-idle
:save-screen $S/quickid.txt
<Esc>
:save-screen $S/quickid_list.txt
<Esc>
<C-u>
:type gar
<Enter>
:wait-idle
:save-screen $S/gar1.txt
<End>
:wait-idle
:save-screen $S/gar2.txt
<Down>
<Down>
:wait-idle
:save-screen $S/gar3.txt
<Esc>
<C-u>
:type GARCIA, maria 04/03/2015
<Enter>
:wait-idle
:save-screen $S/quickname.txt
<Esc>
:save-screen $S/quickname_list.txt
<Esc>
<F7>
:type ga
<Tab>
:type m
<Enter>
:save-screen $S/basicshort.txt
<End>
:type RCÍA
<Tab>
<End>
:type ARÍA
<Tab>
:type 04/03/2015
<Enter>
:wait-idle
:save-screen $S/basic.txt
<Esc>
<F8>
:type María
<Tab>
<Tab>
:type García
<Tab>
:type 04/03/2015
<Tab>
:type F
<Tab>
:type 5391 Old San Antonio Rd
<Enter>
:wait-idle
:wait-text 20 García
:save-screen $S/smartexact.txt
<Esc>
<Esc>
<C-u>
:type Mario
<Tab>
<Tab>
<C-u>
:type Garcia
<Tab>
<C-u>
:type 03/04/2015
<Tab>
<Tab>
<C-u>
:type 1 Elm St
<Enter>
:wait-idle
:save-screen $S/smartpossible.txt
<Esc>
<C-u>
:type Zebulon
<Tab>
<Tab>
<C-u>
:type Quackenbush
<Tab>
<C-u>
:type 01/01/2001
<Tab>
<C-u>
:type M
<Enter>
:wait-idle
:save-screen $S/smartnone.txt
a
:save-screen $S/addclient.txt
EOF2
} > "$TUI_TMP/steps"
tui_run < "$TUI_TMP/steps"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has menu 'Find a client'
tui_lacks menu 'Find a client  - not available'
# search before create: Add Client from the menu goes to the search first
tui_has addfirst 'Quick search'
tui_has addfirst 'Search first'
# a scanned card: the exact hit opens the record
tui_has quickid 'Ostrowski'
tui_has quickid_list 'Quick search: 1 client found'
tui_has quickid_list 'Ostrowski, Zbigniew'
# by name: one page of 20 of the server's total, the next page on demand
tui_has gar1 "20 of $GAR clients shown"
tui_has gar1 'More on the registry'
tui_has gar3 "$GAR clients found"
# last, first DOB: punctuation, case and accents do not matter; one hit opens
tui_has quickname_list 'Quick search: 1 client found'
tui_has quickname_list 'García, María'
tui_lacks quickname 'Quick search: 1 client found'
tui_has quickname 'García, María'
# Basic search: the letters rule beside the field, then accents and case
tui_has basicshort 'at least 3 letters'
tui_has basicshort 'at least 2 letters'
tui_has basic 'García, María'
tui_has basic '04/03/2015'
# Smart search: certain -> the record; possible -> list with the reasons
tui_has smartexact 'García'
tui_has smartpossible 'García, María'
tui_has smartpossible 'probable, score 0.96'
tui_has smartpossible 'first name sounds alike (Mario vs María)'
tui_has smartpossible 'and month swapped'
tui_has smartnone 'No client matched'
tui_has smartnone 'Add Client'
tui_lacks addclient 'No client matched what you typed'

# --- offline: the local store answers, and says how old it is ----------------
reg_json GET '/Patient?identifier=TX00012345' "$tok"
oid=$(jq -r '.entry[0].resource.id' "$REG_BODY")
reg_json GET '/Patient?family=garc%C3%ADa&given=mar%C3%ADa&birthdate=2015-04-03' "$tok"
gid=$(jq -r '.entry[0].resource.id' "$REG_BODY")
printf '%s\n' "$PW" > "$TUI_TMP/pw"
"$VAXDESK" prefetch --registry "$REG_URL" --ca-file "$REG_CA" --org HILLPEDS --user frontdesk \
	--password-fd 3 "$oid" "$gid" 3<"$TUI_TMP/pw" >"$TUI_TMP/prefetch.out" 2>&1 ||
	tui_fail "prefetch: $(cat "$TUI_TMP/prefetch.out")"
registry_stop
{
	login
	cat <<EOF2
s
:save-screen $S/offsearch.txt
:type ID:TX00012345
<Enter>
:wait-idle
:save-screen $S/offquickid.txt
<Esc>
:save-screen $S/offquick.txt
<Esc>
<F7>
:type garcia
<Tab>
:type maria
<Enter>
:wait-idle
:save-screen $S/offbasic.txt
<Esc>
<F8>
:type Maria
<Tab>
<Tab>
:type Garcia
<Tab>
:type 04/13/2015
<Tab>
:type F
<Tab>
:type 1 Elm St
<Enter>
:wait-idle
:save-screen $S/offsmart.txt
EOF2
} > "$TUI_TMP/steps"
tui_run < "$TUI_TMP/steps"
[ "$TUI_STATUS" = 0 ] || tui_fail "offline run exit status $TUI_STATUS"
tui_has offsearch 'Offline: the search runs over the local store.'
tui_has offquick 'OFFLINE: results from the local store'
tui_has offquick 'Ostrowski, Zbigniew'
tui_has offquickid 'Ostrowski'
tui_has offbasic 'García, María'
tui_has offbasic 'hours old'
tui_has offsmart 'García, María'
tui_has offsmart 'probable'

# --- offline review of held clients --------------------------------------------
# Two clients typed offline who are probably María García already on the
# registry: the sync holds them (Patient/$match); a person links one,
# defers, then creates the other as new.
CACHEDRV=${CACHEDRV:-$top_builddir/tests/cache/cachedrv}
[ -x "$CACHEDRV" ] || { echo "skip: $CACHEDRV not built"; exit 77; }
registry_start
# desk CMD...: the store's command line, which must exit $desk_rc (0; 3 when a
# person's work waits after a sync)
desk_rc=0
desk() {
	_rc=0
	"$CACHEDRV" "$@" --data-dir "$HOME/.local/share/vaxdesk" --registry "$REG_URL" --ca-file "$REG_CA" \
		--org HILLPEDS --user frontdesk --password-fd 3 3<"$TUI_TMP/pw" >>"$TUI_TMP/desk.out" 2>&1 || _rc=$?
	[ "$_rc" = "$desk_rc" ] || tui_fail "cachedrv $1 exited $_rc: $(cat "$TUI_TMP/desk.out")"
}
desk person --family Garcia --given Maria --dob 2015-04-13
desk person --family GARCIA --given Maria --dob 2015-03-04
desk_rc=3
desk sync
desk_rc=0
grep -q 'needs review 2;' "$TUI_TMP/desk.out" || tui_fail "not held: $(cat "$TUI_TMP/desk.out")"
registry_stop
{
	login
	cat <<EOF2
r
:save-screen $S/review1.txt
d
:save-screen $S/review2.txt
l
:save-screen $S/review3.txt
b
:save-screen $S/review4.txt
EOF2
} > "$TUI_TMP/steps"
tui_run < "$TUI_TMP/steps"
[ "$TUI_STATUS" = 0 ] || tui_fail "review run exit status $TUI_STATUS"
tui_has review1 'Held client 1 of 2'
tui_has review1 'Typed here'
tui_has review1 'In the registry'
tui_has review1 'García'
tui_has review1 '04/13/2015'
tui_has review1 'DIFFERS'
tui_has review1 'not typed here'
tui_has review1 'Link (same person)'
tui_has review2 'Held client 2 of 2'
tui_has review2 'Deferred'
tui_has review3 'Linked'
tui_has review3 'Held client 1 of 1'
tui_has review4 'No held clients waiting for review'
"$CACHEDRV" outbox --json --data-dir "$HOME/.local/share/vaxdesk" --org HILLPEDS --user frontdesk \
	--password-fd 3 3<"$TUI_TMP/pw" >"$TUI_TMP/ob.json" 2>&1 || tui_fail "outbox: $(cat "$TUI_TMP/ob.json")"
[ "$(jq '[.[] | select(.state == "needs-review")] | length' "$TUI_TMP/ob.json")" = 0 ] ||
	tui_fail "still held: $(cat "$TUI_TMP/ob.json")"
[ "$(jq '[.[] | select(.state == "pending")] | length' "$TUI_TMP/ob.json")" = 1 ] ||
	tui_fail "the new client is not pending: $(cat "$TUI_TMP/ob.json")"
exit 0
