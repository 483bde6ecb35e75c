#!/bin/sh
# Reminder/recall from the real vaxdesk against a real vaxregd: the six
# fixture clients of tests/print (hand-worked outcomes in
# tests/print/letters.sh) plus 420 clients with nothing due-able by name;
# the run goes in slices with its progress on the screen; one run is
# stopped with Esc part way; a full run makes the letters (English and
# Spanish) and the CSV list, and the notice date reaches the registry on
# the three clients selected, through the outbox, and on nobody else.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
tui_registry_alice "auto_sync = no"
. "$top_srcdir/tests/print/load.sh"
FX=$top_srcdir/tests/print/fixtures
tok=$(registry_login CLINPENA alice)
for f in anh okafor trevino washington muller garcia; do
	print_load "$tok" "$FX/$f.json"
	eval "pid_$f=\$PID"
done
# many more clients, so the run takes three slices: newborns with their
# hepatitis B birth dose, nothing else due yet on 11/22/2026 (each one's
# history is read and evaluated: slices take a while)
jq -n '{resourceType: "Bundle", type: "transaction", entry: [range(420) | . as $i
  | ("00000000-0000-4000-8000-" + ("000000000000" + "\($i)" | .[-12:])) as $u
  | ({fullUrl: "urn:uuid:\($u)", resource: {resourceType: "Patient",
      name: [{family: ("Zimmer" + ("\($i)" | explode | map(. + 49) | implode)), given: ["Opal"]}],
      gender: "female", birthDate: "2026-11-10",
      address: [{line: ["1 Main St"], city: "Austin", state: "TX", postalCode: "78701", district: "Travis"}]},
     request: {method: "POST", url: "Patient"}},
     {resource: {resourceType: "Immunization", status: "completed",
      vaccineCode: {coding: [{system: "http://hl7.org/fhir/sid/cvx", code: "08"}]},
      patient: {reference: "urn:uuid:\($u)"}, occurrenceDateTime: "2026-11-10", primarySource: false,
      reportOrigin: {coding: [{code: "01"}]}}, request: {method: "POST", url: "Immunization"}})]}' >"$TUI_TMP/many.json"
reg POST / -H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' --data-binary "@$TUI_TMP/many.json"
expect 200 "420 clients"

# the criteria: anything due by the tracking schedule, on 11/22/2026, both languages
criteria() {
	printf 'n\n:wait-idle\n<Tab>\n<Tab>\n<Tab>\n<Tab>\n<C-u>\n:type 11/22/2026\n<Tab>\n<Tab>\n<C-u>\n:type both\n<Enter>\n'
}
tui_run <<EOF
$(tui_login_keys CLINPENA alice)
:save-screen $S/menu.txt
$(criteria)
:wait-text 30 Checked 200 of 426
<Esc>
:wait-text 60 Stopped after
:save-screen $S/stopped.txt
<Esc>
$(criteria)
:save-screen $S/running.txt
:wait-text 90 Done:
:save-screen $S/done.txt
<Down>
:save-screen $S/okafor.txt
<Up>
p
<C-u>
:type F
<Enter>
:wait-text 60 Saved to
:save-screen $S/saved.txt
:wait-text 60 Notice date recorded on 3 clients
:save-screen $S/recorded.txt
:quit
EOF
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has menu 'Reminder/recall notices'
tui_has menu 'Provider summary'
tui_has stopped 'Stopped after 400 of 426 clients'
tui_lacks stopped 'Checked 426 of 426'
tui_has running 'Reminder/recall'
tui_has done 'Checked 426 of 426 clients; 3 selected.'
tui_has done 'Not selected: Nothing due 420; Inactive at this organization 1; Opted out of'
tui_has done 'reminders 1; No viable address 1'
tui_has done 'Nguyễn, Ánh Thị'
tui_has done 'Okafor, Chidi Emeka'
tui_has done 'Treviño-Salinas, María Jos'
tui_has done 'Due: COVID-19 dose 1 08/27/2025; DTaP/Tdap/Td dose 5 03/15/2025; MMR dose 2'
tui_has done '1234 Bellaire Blvd, Apt 5, Houston, TX  77036'
tui_has okafor 'Hepatitis B dose 2 08/20/2026'
tui_has saved 'Reminder letters: Saved to'
tui_has recorded 'Notice date recorded on 3 clients; the outbox sends it.'

# the letters and the list beside them
f=$(ls "$HOME"/recall-letters-2026-11-22.pdf) || tui_fail "no letters saved"
[ "$(pdfinfo "$f" | sed -n 's/^Pages: *//p')" = 6 ] || tui_fail "letters: $(pdfinfo "$f" | grep Pages)"
pdftotext -layout "$f" - | grep -q "Padres o tutores de Chidi Emeka Okafor" || tui_fail "Spanish letter"
[ "$(tail -n +2 "$HOME/recall-letters-2026-11-22.csv" | cut -d, -f2 | tr -d '\r' | tr '\n' ' ')" = "Nguyễn Okafor Treviño-Salinas " ] ||
	tui_fail "list: $(cat "$HOME/recall-letters-2026-11-22.csv")"

# the notice date goes to the registry through the outbox
tui_sync CLINPENA alice
notice() {
	reg_json GET "/Patient/$1" "$tok"
	jqb '.extension[]? | select(.url | endswith("/last-notice")) | .valueDate'
}
for p in "$pid_anh" "$pid_okafor" "$pid_trevino"; do
	[ "$(notice "$p")" = 2026-11-22 ] || fail "no notice date on Patient/$p: $(jqb -c .extension)"
done
for p in "$pid_washington" "$pid_muller" "$pid_garcia"; do
	[ -z "$(notice "$p")" ] || fail "a notice date on a client not selected: Patient/$p"
done
echo "ok: recall"
