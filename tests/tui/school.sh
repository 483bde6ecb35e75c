#!/bin/sh
# School lists for the school nurse, driving the real vaxdesk against a real
# vaxregd: the school menu (not the clinic's); Manage List (make two lists,
# rename one, delete one); Find Student (search, add to one list and to two
# at once, take off); run a list's report (per student compliant or not,
# per requirement the dose missing and its earliest date); save it as PDF
# and CSV; Check School Reports reopens it. The registry's lists are checked
# after, and a second desk's change in between is refused, not overwritten.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
tui_registry_alice
registry_user ISD nancy school
tok=$(registry_login CLINPENA alice)
tui_client "$tok" Ortiz Luis 2018-01-15
ortiz=$PID
tui_client "$tok" Núñez Iker 2018-03-02
nunez=$PID
reg_json POST / "$tok" '{"resourceType":"Bundle","type":"transaction","entry":[
 {"resource":{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"03"}]},
  "patient":{"reference":"Patient/'"$ortiz"'"},"occurrenceDateTime":"2024-08-01","primarySource":false,"reportOrigin":{"coding":[{"code":"01"}]}},
  "request":{"method":"POST","url":"Immunization"}}]}'
expect 200 "a dose"

tui_run <<EOF
$(tui_login_keys ISD nancy)
:save-screen $S/menu.txt
k
:wait-idle
:save-screen $S/nolists.txt
n
:type Becker Elementary K
<Enter>
:wait-idle
n
:type Travis Middle 7
<Enter>
:wait-idle
:save-screen $S/twolists.txt
<Home>
<Enter>
:wait-idle
f
:type Ortiz
<Enter>
:wait-idle
:save-screen $S/found.txt
<Enter>
:wait-idle
:save-screen $S/pick.txt
<Down>
<Space>
:save-screen $S/marked.txt
<Enter>
:wait-idle
:save-screen $S/added.txt
<Esc>
f
:type Núñez
<Enter>
:wait-idle
<Enter>
:wait-idle
<Enter>
:wait-idle
<Esc>
:wait-idle
:save-screen $S/becker.txt
<Esc>
:wait-idle
:save-screen $S/counts.txt
<End>
<Enter>
:wait-idle
d
:save-screen $S/takeoff.txt
y
:wait-idle
:save-screen $S/takenoff.txt
<Esc>
:wait-idle
<End>
e
<C-u>
:type Travis Middle School 7
<Enter>
:wait-idle
:save-screen $S/renamed.txt
<Home>
g
<Tab>
<C-u>
:type 08/20/2024
<Enter>
:wait-idle
:save-screen $S/report.txt
p
<C-u>
:type F
<Enter>
:wait-text 60 Saved to
:save-screen $S/saved.txt
<Esc>
c
:wait-idle
:save-screen $S/kept.txt
<Enter>
:wait-idle
:save-screen $S/reopened.txt
<Esc>
<Esc>
<End>
d
y
:wait-idle
:save-screen $S/deleted.txt
:quit
EOF
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"

# the school nurse's menu
tui_has menu 'School lists: manage lists, find students, run a report'
tui_has menu 'Check School Reports'
tui_lacks menu 'Add a client'
tui_lacks menu 'Reminder/recall'
tui_has nolists 'No school lists yet.'
tui_has twolists 'Becker Elementary K'
tui_has twolists 'Travis Middle 7'
tui_has found 'Ortiz, Luis (01/15/2018)'
tui_has pick 'Add Ortiz, Luis (01/15/2018) to school lists'
tui_has pick '[x] Becker Elementary K'
tui_has marked '[x] Travis Middle 7'
tui_has added 'Ortiz, Luis (01/15/2018): added to 2 lists.'
tui_has becker 'Becker Elementary K'
tui_has becker '2 students.'
tui_has becker 'Núñez, Iker (03/02/2018)'
tui_has counts 'Travis Middle 7'
tui_has takeoff 'Take Ortiz, Luis (01/15/2018) off this list?'
tui_has takenoff 'Taken off the list.'
tui_has takenoff '0 students.'
tui_has renamed 'Travis Middle School 7'
tui_lacks renamed 'Travis Middle 7 '
# the report: per student, per requirement the dose missing and its date
tui_has report 'Becker Elementary K - grade K'
tui_has report 'Checked as of 08/20/2024: 0 of 2 students compliant.'
tui_has report 'Ortiz, Luis'
tui_has report 'NOT COMPLIANT'
tui_has report 'MMR          dose 2, due by 08/29/2024'
tui_has report 'Hepatitis B  dose 1, earliest 08/20/2024'
tui_has saved 'School compliance report: Saved to'
tui_has kept 'Becker Elementary K'
tui_has kept '0 of 2'
tui_has kept 'by nancy'
tui_has reopened 'Checked as of 08/20/2024: 0 of 2 students compliant.'
tui_has reopened 'MMR          dose 2, due by 08/29/2024'
tui_lacks deleted 'Travis Middle School 7'
tui_has deleted 'Becker Elementary K'

# the registry holds what was done at the desk
n=$(registry_login ISD nancy)
reg_json GET "/Group?_count=50" "$n"
[ "$(jqb '.entry | length')" = 1 ] || fail "lists at the registry: $(jqb -c '[.entry[].resource.name]')"
[ "$(jqb '.entry[0].resource.name')" = "Becker Elementary K" ] || fail "list name"
[ "$(jqb '[.entry[0].resource.member[].entity.display] | sort | join("|")')" = "Núñez, Iker (03/02/2018)|Ortiz, Luis (01/15/2018)" ] ||
	fail "members $(jqb -c '.entry[0].resource.member')"
# the saved report and its list
f=$(ls "$HOME"/school-report-grade-K-2024-08-20.pdf 2>/dev/null) || tui_fail "no saved report"
pdftotext -layout "$f" - | tr -s ' ' >"$TUI_TMP/rep.txt"
grep -q "Ortiz, Luis 01/15/2018 No" "$TUI_TMP/rep.txt" && grep -q "MMR, dose 2: due by 08/29/2024" "$TUI_TMP/rep.txt" ||
	tui_fail "saved report text: $(cat "$TUI_TMP/rep.txt")"
grep -q "^$ortiz,\"Ortiz, Luis\",2018-01-15,no,MMR,due,1,2,2024-08-29,2024-08-20" "$HOME/school-report-grade-K-2024-08-20.csv" ||
	tui_fail "saved list: $(cat "$HOME/school-report-grade-K-2024-08-20.csv")"
[ "$(stat -c %a "$f")" = 600 ] || tui_fail "saved report mode"

# the second desk: a list renamed here after another desk changed it is
# refused (412), said so, and read again: never overwritten
gid=$(jqb '.entry[0].resource.id')
gver=$(jqb '.entry[0].resource.meta.versionId')
(
	tui_run <<EOF2
$(tui_login_keys ISD nancy)
k
:wait-idle
:save-screen $S/ready.txt
:wait-file $TUI_TMP/changed
e
<C-u>
:type Overwritten Name
<Enter>
:wait-idle
:wait-idle
:save-screen $S/conflict.txt
:quit
EOF2
	echo "$TUI_STATUS" >"$TUI_TMP/status"
) &
child=$!
i=0
while [ ! -f "$S/ready.txt" ] && [ ! -f "$TUI_TMP/status" ] && [ $i -lt 1200 ]; do
	sleep 0.1
	i=$((i + 1))
done
reg_json GET "/Group/$gid" "$n"
jq '.name = "Changed Elsewhere"' "$REG_BODY" >"$TUI_TMP/g.json"
reg PUT "/Group/$gid" -H "Authorization: Bearer $n" -H 'Content-Type: application/fhir+json' \
	-H "If-Match: W/\"$gver\"" --data-binary "@$TUI_TMP/g.json"
expect 200 "the other desk's change"
touch "$TUI_TMP/changed"
wait $child
[ "$(cat "$TUI_TMP/status")" = 0 ] || tui_fail "second desk exit status"
tui_has conflict 'changed at another desk'
tui_has conflict 'Changed Elsewhere'
tui_lacks conflict 'Overwritten Name'
reg_json GET "/Group/$gid" "$n"
[ "$(jqb .name)" = "Changed Elsewhere" ] || fail "the other desk's change was overwritten"
echo "ok: school"
