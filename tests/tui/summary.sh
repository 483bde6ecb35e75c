#!/bin/sh
# The provider summary from the real vaxdesk against a real vaxregd: the
# period asked (the last three months by default), the registry's figures on
# the screen, the document saved and read back. Worked out by hand: CLINPENA
# administered two doses today (one with lot, VIS, funding and VFC, one with
# a lot only, to an adult) and one 40 days ago; all three were reported
# today, so within 1 day: 2 of 3, within 30 days: 2 of 3.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
tui_registry_alice
registry_user CLINPENA victor view
tok=$(registry_login CLINPENA alice)
tui_client "$tok" Adams Kim 1990-05-05
pid=$PID
today=$(date -u +%F)
ago=$(date -u -d "today -40 days" +%F)
dose() { # CVX DATE EXTRA
	printf '{"resource":{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"%s"}]},"patient":{"reference":"Patient/%s"},"occurrenceDateTime":"%s","primarySource":true,"lotNumber":"L%s"%s},"request":{"method":"POST","url":"Immunization"}}' \
		"$1" "$pid" "$2" "$1" "$3"
}
full=',"education":[{"documentType":"253088698300012711120420","publicationDate":"2021-08-06","presentationDate":"'$today'"}],"fundingSource":{"coding":[{"system":"https://vaxdesk.org/fhir/CodeSystem/funding-source","code":"VXC1"}]},"programEligibility":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0064","code":"V01"}]}]'
reg_json POST / "$tok" '{"resourceType":"Bundle","type":"transaction","entry":['"$(dose 141 "$today" "$full"),$(dose 115 "$today" ""),$(dose 43 "$ago" "")"']}'
expect 200 "doses"

tui_run <<EOF
$(tui_login_keys CLINPENA victor)
:save-screen $S/menu.txt
v
:save-screen $S/ask.txt
<Enter>
:wait-idle
:save-screen $S/summary.txt
p
<C-u>
:type F
<Enter>
:wait-text 60 Saved to
:save-screen $S/saved.txt
:quit
EOF
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has menu 'Provider summary'
tui_has ask 'Provider summary'
tui_has ask 'From'
tui_has summary 'Provider summary: CLINPENA clinic'
tui_has summary '3 doses administered'
tui_has summary '1 day of the date given                      2 of 3       66.7%'
tui_has summary '30 days of the date given                    2 of 3       66.7%'
tui_has summary 'VIS                                          1 of 3       33.3%'
tui_has summary 'Lot number                                   3 of 3      100.0%'
tui_has summary 'Up to date for 4:3:1:3:3:1:4                 0 of 0          -'
tui_has saved 'Provider summary: Saved to'
f=$(ls "$HOME"/provider-summary-*.pdf) || tui_fail "no summary saved"
pdftotext -layout "$f" - | tr -s ' ' | grep -q "Reported within 30 days 2 of 3 66.7%" || tui_fail "saved summary"
[ "$(stat -c %a "$f")" = 600 ] || tui_fail "saved summary mode"
echo "ok: summary"
