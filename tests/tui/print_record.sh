#!/bin/sh
# The print key on a client's record, driving the real vaxdesk against a real
# vaxregd and a real CUPS queue (CUPS-PDF): the Official Immunization Record
# is printed (read back from what CUPS printed), then saved to a file (mode
# 0600); then the registry goes into maintenance, a dose is recorded here,
# and the record printed now says it is provisional and that one dose has
# not reached the registry.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
. "$top_srcdir/tests/print/lib.sh"
. "$top_srcdir/tests/lib/cups.sh"
PT=$TUI_TMP/pdf
mkdir -p "$PT"
CUPS_COPY_DIR=$PT
cups_start
tui_registry_alice "printer = $CUPS_QUEUE" "auto_sync = yes"
trap 'cups_stop; tui_cleanup' EXIT

tok=$(registry_login CLINPENA alice)
reg_create_patient "$tok" '{"resourceType":"Patient","name":[{"family":"Nguyễn","given":["Ánh"]}],
 "gender":"female","birthDate":"2021-03-15",
 "address":[{"line":["1234 Bellaire Blvd"],"city":"Houston","state":"TX","postalCode":"77036","district":"Harris"}]}'
pid=$PID
e=
for d in 08@2021-03-15 08@2021-05-15 08@2021-09-20 03@2022-03-20 03@2022-03-30; do
	e="$e${e:+,}"'{"resource":{"resourceType":"Immunization","status":"completed",
	 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"'${d%@*}'"}]},
	 "patient":{"reference":"Patient/'$pid'"},"occurrenceDateTime":"'${d#*@}'","primarySource":false,
	 "reportOrigin":{"coding":[{"code":"01"}]}},"request":{"method":"POST","url":"Immunization"}}'
done
reg_json POST / "$tok" '{"resourceType":"Bundle","type":"transaction","entry":['"$e"']}'
expect 200 "doses"

(
	cat >"$TUI_TMP/script1" <<EOF2
$(tui_login_keys CLINPENA alice)
$(tui_open_keys "Nguyễn, Ánh 03/15/2021")
:save-screen $S/record.txt
p
:save-screen $S/ask.txt
<Enter>
:wait-text 60 Sent to printer
:save-screen $S/printed.txt
p
<C-u>
:type F
<Enter>
:wait-text 60 Saved to
:save-screen $S/saved.txt
:save-screen $S/ready1.txt
:wait-file $TUI_TMP/maint_on
$(tui_hist_keys 20 05/15/2021)
:wait-text 30 OFFLINE
:save-screen $S/recorded.txt
p
<Enter>
:wait-text 60 Sent to printer
:save-screen $S/provisional.txt
:quit
EOF2
	tui_run <"$TUI_TMP/script1"
	echo "$TUI_STATUS" >"$TUI_TMP/status"
) &
child=$!
i=0
while [ ! -f "$S/ready1.txt" ] && [ ! -f "$TUI_TMP/status" ] && [ $i -lt 1200 ]; do
	sleep 0.1
	i=$((i + 1))
done
"$VAXREGD" maintenance on --data "$REG_DIR" --retry 2 >/dev/null
touch "$TUI_TMP/maint_on"
wait $child
[ "$(cat "$TUI_TMP/status")" = 0 ] || tui_fail "vaxdesk exit status $(cat "$TUI_TMP/status")"

tui_has record 'Nguyễn, Ánh'
tui_has ask 'Official Immunization Record: to a printer'
tui_has ask "$CUPS_QUEUE"
tui_has ask 'US Letter'
tui_has printed "Official Immunization Record: Sent to printer $CUPS_QUEUE (request $CUPS_QUEUE-"
tui_has saved 'Official Immunization Record: Saved to'
tui_has provisional 'Sent to printer'

# what CUPS printed: the record, then the provisional one
out=$(cups_wait_pdf vaxdesk-official-immunization-record) || tui_fail "CUPS-PDF printed nothing"
look=$(pdftotext -layout "$out" - | tr -s ' ')
echo "$look" | grep -q "Official Immunization Record" || tui_fail "printed: $look"
echo "$look" | grep -q "Nguyễn, Ánh" || tui_fail "printed name: $look"
echo "$look" | grep -q "03/30/2022 MMR NOT VALID: given too young" || tui_fail "printed doses: $look"
echo "$look" | grep -q "Clínica\|CLINPENA" || tui_fail "printed organization"
echo "$look" | grep -q "PROVISIONAL" && tui_fail "the first record is provisional"
[ "$(pdf_size "$out")" = "612 x 792" ] || tui_fail "printed on $(pdf_size "$out")"
out2=$(cups_wait_pdf vaxdesk-official-immunization-record) || tui_fail "the provisional record was not printed"
look=$(pdftotext -layout "$out2" - | tr -s ' \n' '  ')
echo "$look" | grep -q "PROVISIONAL RECORD" || tui_fail "not provisional: $look"
echo "$look" | grep -q "1 dose recorded here has not reached the registry yet" || tui_fail "pending count: $look"
echo "$look" | grep -q "05/15/2021 DTaP" || tui_fail "the dose recorded offline is not on it"

# saved to a file in the home folder, for its owner only
f=$(ls "$HOME"/immunization-record-"$pid"-*.pdf 2>/dev/null | head -1)
[ -n "$f" ] || tui_fail "no saved record in $HOME"
[ "$(stat -c %a "$f")" = 600 ] || tui_fail "saved record mode $(stat -c %a "$f")"
pdftotext "$f" - | grep -q "Nguyễn, Ánh" || tui_fail "saved record text"
echo "ok: print_record"
