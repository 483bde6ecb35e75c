#!/bin/sh
# One request per user action, against a real vaxregd (its access log says
# what vaxdesk asked): the front-desk task is the login (ONE request: the
# token comes with the statement, and the first request after it says it
# was accepted), one Basic search that brings the record (_revinclude) and
# the organization's lots (a batch Bundle of the two reads), and the shot's
# upload; nothing at start, no probe, no separate statement, no second
# login, no separate record or lots read, no forecast downloaded from a
# registry that forecasts with the rules vaxdesk has. A search without
# the birth date brings the list only, and the first client's record is read
# while the list is read: opening it then asks nothing more.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
[ -f "$top_srcdir/tests/lib/registry.sh" ] || { echo "skip: tests/lib/registry.sh missing"; exit 77; }
. "$top_srcdir/tests/lib/registry.sh"
registry_init
trap tui_cleanup EXIT
registry_user CLINPENA alice provider
registry_start --access-log
# the registry's own forecast ($immds-forecast) is one request more per
# record shown; this test counts the front-desk task without it
tui_conf "registry_url = $REG_URL" "ca_file = $REG_CA" "registry_forecast = no"
tok=$(registry_login CLINPENA alice)
tui_client "$tok" Quispe Amaru 2021-06-14
AMARU=$PID
for d in 2021-06-15 2021-08-16 2021-10-18; do
	reg_json POST /Immunization "$tok" '{"resourceType":"Immunization","status":"completed",
 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"08"}]},
 "patient":{"reference":"Patient/'"$PID"'"},"occurrenceDateTime":"'"$d"'","primarySource":false,
 "reportOrigin":{"coding":[{"system":"https://vaxdesk.org/fhir/CodeSystem/info-source","code":"01"}]}}'
	expect 201 "dose of $d"
done
reg_json POST /RelatedPerson "$tok" '{"resourceType":"RelatedPerson","patient":{"reference":"Patient/'"$PID"'"},
 "relationship":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-RoleCode","code":"MTH"}]}],
 "name":[{"family":"Quispe","given":["Killa"]}]}'
expect 201 "her mother"
tui_client "$tok" Quispe Inti 2019-02-03
INTI=$PID
# a lot on hand: the visit's Due today screen offers it
reg_json POST /Medication "$tok" '{"resourceType":"Medication","status":"active",
 "code":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"10"}]},
 "manufacturer":{"identifier":{"system":"http://hl7.org/fhir/sid/mvx","value":"PMC"}},
 "batch":{"lotNumber":"RTLOT1","expirationDate":"2099-03-31"},"form":{"text":"single-dose vial"},
 "extension":[{"url":"https://vaxdesk.org/fhir/StructureDefinition/doses-on-hand","valueInteger":10},
  {"url":"https://vaxdesk.org/fhir/StructureDefinition/funding-source","valueCodeableConcept":{"coding":[{"system":"https://vaxdesk.org/fhir/CodeSystem/funding-source","code":"VXC1"}]}}]}'
expect 201 "a lot on hand"
# what vaxdesk asks from here on
log() { sed -n 's/^vaxregd: \([A-Z]*\) \([^ ]*\) \([0-9]*\) .*/\1 \2 \3/p' "$REG_TMP/server.err"; }
log > "$TUI_TMP/before"
# asked WHY REQUEST...: vaxdesk ended well, and asked the registry exactly
# REQUEST... ("METHOD PATH STATUS") since the log was noted in before
asked() {
	_why=$1
	shift
	[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
	log | tail -n +$(($(wc -l < "$TUI_TMP/before") + 1)) > "$TUI_TMP/task"
	printf '%s\n' "$@" > "$TUI_TMP/want"
	cmp -s "$TUI_TMP/task" "$TUI_TMP/want" || {
		echo "vaxdesk asked:" >&2
		cat "$TUI_TMP/task" >&2
		tui_fail "$_why"
	}
}

# the keys to log in, find Amaru by a Basic search and open her record;
# screens saved as found and record with SUFFIX
open_keys() { # SUFFIX
	cat <<EOK
$(tui_login_keys CLINPENA alice)
s
<F7>
:type Quispe
<Tab>
:type Amaru
<Tab>
:type 06/14/2021
<Enter>
:wait-idle
:save-screen $S/found$1.txt
<Enter>
:wait-idle
:save-screen $S/record$1.txt
EOK
}

# the front-desk task's keys: her record opened (open_keys), what is due
# today (with the lots on hand), a historical DTaP on DATE, sent; screens
# saved as found, record, due and sent with SUFFIX
task_keys() { # SUFFIX DATE
	cat <<EOK
$(open_keys "$1")
v
:wait-idle
:save-screen $S/due$1.txt
<Esc>
:wait-idle
$(tui_hist_keys 20 "$2")
:wait-text 30 Sent 1
:save-screen $S/sent$1.txt
EOK
}

tui_run <<EOF
:wait-idle
:save-screen $S/login.txt
$(task_keys "" 02/15/2022)
:quit
EOF
logins=$(reg_audit_count User alice login)
asked "the front-desk task is not three requests (one login, the search with the lots)" \
	"POST /auth/token 200" "POST / 200" "POST / 200"
# the one login was the deferred one, and its statement was accepted
# (recorded by the search that carried the acceptance)
[ "$(reg_audit_count User alice login-deferred)" = 1 ] || tui_fail "vaxdesk's login was not a deferred one"
# nothing asked before the login
tui_has login 'NOT ASKED YET'
# the record came with the search: her doses, her mother
tui_has found 'Quispe, Amaru'
tui_has record 'Quispe, Amaru'
tui_has record '06/15/2021'
tui_has record '10/18/2021'
tui_has record 'Killa'
tui_has record 'History as of'
tui_has sent 'Sent 1'
# the lots came with the search: Due today offers the lot on hand
tui_has due 'RTLOT1'
tui_has due 'Lots as the registry had them'
reg_json GET "/Immunization?patient=Patient/$AMARU&_count=0" "$tok"
[ "$(jqb .total)" = 4 ] || fail "the registry holds $(jqb .total) doses of hers, not 4"
# the record came as dcz (the dictionary both hold, data/wire/fhir.dict),
# and the shot went up as dcz
coded() { # METHOD PATH [N]: how the Nth last such request's bodies travelled
	grep "^vaxregd: $1 $2 " "$REG_TMP/server.err" | tail -"${3:-1}" | head -1
}
coded POST / 2 | grep -q 'B out dcz' || tui_fail "the record did not come as dcz: $(coded POST / 2)"
coded POST / 2 | grep -q 'B in dcz' || tui_fail "the search did not go up as dcz: $(coded POST / 2)"
coded POST / | grep -q 'B in dcz' || tui_fail "the shot did not go up as dcz: $(coded POST /)"

# the same task with the registry's forecast asked (the default): vaxregd
# says at login that it forecasts with the rules vaxdesk has (the same CDSi
# engine and data), so its forecast would be the one computed here and is
# not downloaded; the record says whose rules it shows
tui_conf "registry_url = $REG_URL" "ca_file = $REG_CA"
log > "$TUI_TMP/before"
tui_run <<EOF
$(task_keys -same 02/15/2023)
:quit
EOF
asked "the front-desk task with the registry's rules is not three requests" \
	"POST /auth/token 200" "POST / 200" "POST / 200"
tui_has record-same "ACIP schedule, by the registry's rules"
tui_has record-same '2 of 4'
# ... and with registry_forecast = always it comes with the search (no
# CapabilityStatement, no $immds-forecast), and the record shows it as the
# registry's. Nothing goes before the shot, and the shot asks nothing more:
# the forecast computed here has it (f would ask the registry again)
tui_conf "registry_url = $REG_URL" "ca_file = $REG_CA" "registry_forecast = always"
log > "$TUI_TMP/before"
tui_run <<EOF
$(task_keys -fc 08/15/2023)
:wait-idle
:save-screen $S/sent-fc2.txt
:quit
EOF
asked "the front-desk task with the registry's forecast is not three requests" \
	"POST /auth/token 200" "POST / 200" "POST / 200"
tui_has record-fc 'ACIP schedule, from the registry'
tui_has record-fc '2 of 5'
tui_has sent-fc2 'ACIP schedule, computed here with the new doses'
tui_has sent-fc2 '08/15/2023'
tui_has sent-fc2 '3 of 5'
tui_conf "registry_url = $REG_URL" "ca_file = $REG_CA" "registry_forecast = no"
logins=$(reg_audit_count User alice login)

# a list without the birth date: the first client is read while the list is
# read, and opens without another request
log > "$TUI_TMP/before"
tui_run <<EOF
$(tui_login_keys CLINPENA alice)
s
<F7>
:type Quispe
<Tab>
:type Inti
<Enter>
:wait-idle
:save-screen $S/list.txt
:wait-text 1 @@reading the list@@
<Enter>
:wait-idle
:save-screen $S/inti.txt
:quit
EOF
asked "a list and a record are not one search (with the lots) and one read" \
	"POST /auth/token 200" "POST / 200" "POST / 200"
[ "$(reg_audit_count User alice login)" = $((logins + 1)) ] || tui_fail "the statement's acceptance is not recorded"
tui_has list 'Quispe, Inti'
tui_has inti 'Quispe, Inti'
tui_has inti 'History as of'
tui_lacks inti 'reading'
: "$INTI"

# the lots screen opened twice in a session: read again unchanged, the lots
# come back as a 304 (the searchset's ETag leaves its fresh Bundle id out)
log > "$TUI_TMP/before"
tui_run <<EOF
$(tui_login_keys CLINPENA alice)
i
:wait-idle
<Esc>
:wait-idle
i
:wait-idle
:save-screen $S/lots-again.txt
:quit
EOF
asked "the lots read again unchanged are not a 304" \
	"POST /auth/token 200" "GET /Medication 200" "GET /Medication 304"
tui_has lots-again 'RTLOT1'

# the school nurse runs a list's report: the lists once, the report once
# (the report's form closing is no reason to read every list again)
registry_user ISD nancy school
ntok=$(registry_login ISD nancy)
reg_json POST /Group "$ntok" '{"resourceType":"Group","type":"person","actual":true,"name":"Becker K",
 "member":[{"entity":{"reference":"Patient/'"$INTI"'"}}]}'
expect 201 "a school list"
GID=$(jqb .id)
log > "$TUI_TMP/before"
tui_run <<EOF
$(tui_login_keys ISD nancy)
k
:wait-text 30 Becker K
<Home>
g
:wait-idle
<C-u>
:type K
<Enter>
:wait-text 30 students compliant
:save-screen $S/report.txt
<Esc>
:wait-idle
:save-screen $S/lists.txt
:quit
EOF
asked "a school report is not the lists read once and the report" \
	"POST /auth/token 200" "GET /Group 200" "POST /Group/$GID/\$school-report 201"
tui_has report '0 of 1 students compliant'
tui_has lists 'Becker K'

# a registry on rules of its own (a later CDSi release: here the same data
# with a file changed) sends its forecast with the search, and the record
# shows the registry's
registry_stop
mkdir -p "$TUI_TMP/otherrules"
cp -R "${VAXDESK_DATADIR:-$top_srcdir/data}/." "$TUI_TMP/otherrules/"
chmod -R u+w "$TUI_TMP/otherrules"
printf '<!-- a later release -->\n' >> "$TUI_TMP/otherrules/cdsi/ScheduleSupportingData.xml"
VAXDESK_DATADIR=$TUI_TMP/otherrules registry_start --access-log
tui_conf "registry_url = $REG_URL" "ca_file = $REG_CA"
log > "$TUI_TMP/before"
tui_run <<EOF
$(open_keys -rules)
:quit
EOF
asked "a registry on other rules is not asked its forecast with the search" \
	"POST /auth/token 200" "POST / 200"
tui_has record-rules 'ACIP schedule, from the registry'
tui_has record-rules '3 of 5'

# a registry that takes no batch Bundle: the search with the lots is
# refused, the search goes again alone, and the lots are read when Due
# today needs them
registry_stop
registry_start --access-log --test-no-batch
tui_conf "registry_url = $REG_URL" "ca_file = $REG_CA" "registry_forecast = no"
log > "$TUI_TMP/before"
tui_run <<EOF
$(task_keys -nobatch 10/15/2023)
:quit
EOF
asked "without batches the search is not sent again alone and the lots read apart" \
	"POST /auth/token 200" "POST / 400" "GET /Patient 200" "GET /Medication 200" "POST / 200"
tui_has record-nobatch 'Quispe, Amaru'
tui_has due-nobatch 'RTLOT1'
tui_has sent-nobatch 'Sent 1'

# a registry that holds another dictionary: the search's dcz upload is
# refused (415) and goes again plain (too small for gzip to pay), the
# record comes as gzip, and the shots go up as gzip at once
registry_stop
mkdir -p "$TUI_TMP/otherdict"
cp -R "${VAXDESK_DATADIR:-$top_srcdir/data}/." "$TUI_TMP/otherdict/"
chmod -R u+w "$TUI_TMP/otherdict"
printf x >> "$TUI_TMP/otherdict/wire/fhir.dict"
VAXDESK_DATADIR=$TUI_TMP/otherdict registry_start --access-log
tui_conf "registry_url = $REG_URL" "ca_file = $REG_CA" "registry_forecast = no"
log > "$TUI_TMP/before"
tui_run <<EOF
$(task_keys -other 02/15/2024)
$(tui_hist_keys 20 02/15/2025)
:wait-idle
:wait-text 30 Outbox: 0
:save-screen $S/second-other.txt
:quit
EOF
# the shots go as gzip at once: one refusal is enough
asked "with another dictionary the search is not refused once as dcz and sent again, the shots as gzip" \
	"POST /auth/token 200" "POST / 415" "POST / 200" "POST / 200" "POST / 200"
coded POST / 3 | grep -q 'B out gzip' || tui_fail "the record did not come as gzip: $(coded POST / 3)"
coded POST / | grep -q 'B in gzip' || tui_fail "the shot did not go again as gzip: $(coded POST /)"
tui_has record-other 'Quispe, Amaru'
tui_has sent-other 'Sent 1'
tok=$(registry_login CLINPENA alice)
reg_json GET "/Immunization?patient=Patient/$AMARU" "$tok"
[ "$(jqb '[.entry[].resource | select(.occurrenceDateTime == "2024-02-15")] | length')" = 1 ] ||
	fail "the shot sent again as gzip is not in the registry once"
[ "$(jqb '[.entry[].resource | select(.occurrenceDateTime == "2025-02-15")] | length')" = 1 ] ||
	fail "the second shot is not in the registry once"
echo "ok: the front-desk task in three requests (one login, the search with the lots), its bodies as dcz (gzip with a registry holding another dictionary); no forecast downloaded from a registry on the same rules, one from a registry on others; a registry without batches asked the search alone; a list's first record read while the list is read; a school report in two"
