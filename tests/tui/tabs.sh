#!/bin/sh
# The client record's AKA names, Responsible persons and Consent tabs against
# a real vaxregd over TLS: each tab edited and saved goes through the outbox
# and `vaxdesk sync` puts the Patient names, the RelatedPerson and the Consent
# on the registry exactly once; invalid input shows its message and saves
# nothing; the same edits with the registry in maintenance reach it once after
# a sync; a client locked by vital statistics keeps its name, DOB and sex.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
# the outbox is checked before `vaxdesk sync`, so the program must not send by itself
tui_registry_alice "auto_sync = no"

tok=$(registry_login CLINPENA alice)
reg_create_patient "$tok" '{"resourceType":"Patient","name":[{"use":"official","family":"Quintero","given":["Lucia"]}],
 "gender":"female","birthDate":"2021-05-10",
 "address":[{"use":"home","line":["1 Main St"],"city":"Austin","state":"TX","postalCode":"78701","district":"Travis"}]}'
reg_json POST /Patient "$tok" '{"resourceType":"Patient","name":[{"use":"official","family":"Lockhart","given":["Vera"]}],
 "gender":"female","birthDate":"2019-07-04",
 "address":[{"use":"home","line":["2 Main St"],"city":"Austin","state":"TX","postalCode":"78701","district":"Travis"}],
 "extension":[{"url":"https://vaxdesk.org/fhir/StructureDefinition/vital-records-lock","valueBoolean":true}]}'
[ "$REG_STATUS" = 201 ] || [ "$REG_STATUS" = 200 ] || fail "create locked patient: $REG_STATUS"
LID=$(jqb .id)

login() {
	tui_login_keys CLINPENA alice
}

# open_client "Quintero, Lucia 05/10/2021": quick search, one hit opens it
open_client() {
	cat <<EOF2
s
:wait-idle
:type $1
<Enter>
:wait-idle
EOF2
}

sync_now() {
	printf '%s\n' "$REG_PASSWORD" > "$TUI_TMP/pw"
	VAXDESK_ORG=CLINPENA VAXDESK_USER=alice "$VAXDESK" sync --password-fd 3 3<"$TUI_TMP/pw" \
		>"$TUI_TMP/sync.out" 2>&1 || { cat "$TUI_TMP/sync.out" >&2; tui_fail "vaxdesk sync failed"; }
}

# count JQ-FILTER over the entries of the last search
count() {
	jqb "[.entry[]? | .resource | select($1)] | length"
}

# --- online: invalid input first, then each tab edited and saved ----------
{
	login
	open_client "Quintero, Lucia 05/10/2021"
	cat <<EOF2
:save-screen $S/before.txt
e
:wait-idle
<F7>
<F7>
<F7>
<F7>
<F7>
:save-screen $S/akatab.txt
<Tab>
<Tab>
<Tab>
:type Rosa
<C-w>
:save-screen $S/akanolast.txt
<Tab>
<C-u>
<F7>
<Tab>
<Tab>
:type G4rcia
<Tab>
:save-screen $S/badname.txt
<C-w>
:save-screen $S/badname2.txt
<C-u>
<F7>
<C-u>
:type G
<Tab>
<C-u>
:type G
<Tab>
<Tab>
:type 03/01/2026
<C-w>
:save-screen $S/adultminor.txt
<Esc>
:save-screen $S/discard.txt
y
:wait-idle
:save-screen $S/nothing.txt
e
:wait-idle
<F7>
<F7>
<F7>
<F7>
<F7>
<Tab>
<Tab>
:type Quintanilla
<Tab>
:type Rosa
<F7>
<Tab>
<Tab>
:type García
<Tab>
:type María
<Tab>
:type MTH
<Tab>
:type 5125550101
<F7>
:save-screen $S/consenttab.txt
<C-u>
:type G
<Tab>
<Tab>
:type Y
<Tab>
:type 03/01/2026
<Tab>
:type signed form
<C-w>
:wait-idle
:save-screen $S/saved.txt
<C-o>
:wait-idle
:save-screen $S/outbox.txt
<Esc>
:quit
EOF2
} > "$TUI_TMP/s1"
tui_run < "$TUI_TMP/s1"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has before 'Consent: None recorded'
tui_has akatab '[AKA]'
tui_has akatab 'No other names on record.'
tui_has akanolast "Enter the client's last name."
tui_has akanolast 'Not saved'
tui_has badname 'Names may contain'
tui_has badname2 'Not saved'
tui_has adultminor 'Adult consent is given by a client 18 or older'
tui_has adultminor 'Not saved'
# the refused saves and the discarded edit left nothing in the outbox
tui_has nothing 'Outbox: 0 |'
tui_has nothing 'Consent: None recorded'
tui_lacks nothing 'Also known as'
tui_lacks nothing 'Responsible:'
tui_has consenttab 'Registry participation: None recorded.'
tui_has saved 'Client saved; waiting to send to the registry.'
tui_has saved 'Outbox: 1 |'
tui_has saved 'Also known as: Quintanilla, Rosa'
tui_has saved 'Responsible: García, María (Mother) 5125550101'
tui_has saved 'Consent: Minor consent granted'
tui_has outbox 'Quintero, Lucia'

# nothing reached the registry yet: every write goes through the outbox
reg_json GET "/RelatedPerson?patient=$PID" "$tok"
[ "$(count true)" = 0 ] || fail "a responsible person was sent before the sync"
reg_json GET "/Consent?patient=$PID" "$tok"
[ "$(count true)" = 0 ] || fail "a consent was sent before the sync"

sync_now
sync_now
reg_json GET "/Patient/$PID" "$tok"
[ "$(jqb '[.name[] | select(.use == "old" and .family == "Quintanilla")] | length')" = 1 ] ||
	fail "the AKA name should be on the Patient once: $(jqb -c .name)"
[ "$(jqb '[.name[] | select(.use == "official" and .family == "Quintero")] | length')" = 1 ] ||
	fail "the official name should be kept"
reg_json GET "/RelatedPerson?patient=$PID" "$tok"
[ "$(count true)" = 1 ] || fail "the registry should hold one responsible person: $(count true)"
[ "$(count '.relationship[0].coding[0].code == "MTH" and .name[0].family == "García" and .telecom[0].value == "5125550101"')" = 1 ] ||
	fail "the responsible person is not as typed: $(jqb -c .entry)"
reg_json GET "/Consent?patient=$PID" "$tok"
[ "$(count true)" = 1 ] || fail "the registry should hold one consent: $(count true)"
[ "$(count '.status == "active" and .dateTime == "2026-03-01" and ([.extension[] | select(.url | endswith("consent-minor")) | .valueCode] == ["granted"])')" = 1 ] ||
	fail "the consent is not as typed: $(jqb -c .entry)"

# --- what the registry has shows on the tabs; edit one online --------------
reg_json POST /RelatedPerson "$tok" "{\"resourceType\":\"RelatedPerson\",\"patient\":{\"reference\":\"Patient/$PID\"},
 \"relationship\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v2-0063\",\"code\":\"GRD\"}]}],
 \"name\":[{\"family\":\"Ortega\",\"given\":[\"Tomás\"]}]}"
[ "$REG_STATUS" = 201 ] || fail "create related person: $REG_STATUS"
{
	login
	open_client "Quintero, Lucia 05/10/2021"
	cat <<EOF2
:save-screen $S/fetched.txt
e
:wait-idle
<F7>
<F7>
<F7>
<F7>
<F7>
<F7>
:save-screen $S/resplist.txt
:type 1
<Tab>
:save-screen $S/resppick.txt
<Tab>
<Tab>
<Tab>
<Tab>
<C-u>
:type 5125550199
<C-w>
:wait-idle
:save-screen $S/phone.txt
:quit
EOF2
} > "$TUI_TMP/s2"
tui_run < "$TUI_TMP/s2"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has fetched 'Responsible: García, María (Mother) 5125550101; Ortega, Tomás (Guardian)'
tui_has resplist '1. García, María (Mother) 5125550101'
tui_has resplist '2. Ortega, Tomás (Guardian)'
tui_has resppick 'García'
tui_has phone 'Responsible: García, María (Mother) 5125550199; Ortega, Tomás (Guardian)'

# --- the registry in maintenance: the same kind of edits offline -------------
"$VAXREGD" maintenance on --data "$REG_DIR" --retry 600 >/dev/null
# offline, no confidentiality statement: straight to the menu
{
	cat <<EOF2
$(tui_login_keys CLINPENA alice no-statement)
/
:wait-idle
:type Quintero, Lucia 05/10/2021
<Enter>
:wait-idle
:save-screen $S/offclient.txt
e
:wait-idle
<F7>
<F7>
<F7>
<F7>
<F7>
<Tab>
<Tab>
:type Quintero Ruiz
<Tab>
:type Lucía
<F7>
<Tab>
<Tab>
:type Quintero
<Tab>
:type Andrés
<Tab>
:type FTH
<F7>
<Tab>
<Tab>
<Tab>
<Tab>
<C-u>
:type updated form
<C-w>
:wait-idle
:save-screen $S/offsaved.txt
e
:wait-idle
<F7>
<F7>
<F7>
<F7>
<F7>
<F7>
:save-screen $S/offresp.txt
<Esc>
:quit
EOF2
} > "$TUI_TMP/s3"
tui_run < "$TUI_TMP/s3"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has offclient 'OFFLINE'
tui_has offsaved 'Client saved; waiting to send to the registry.'
tui_has offsaved 'Also known as: Quintanilla, Rosa; Quintero Ruiz, Lucía'
tui_has offresp '3. Quintero, Andrés (Father)'
reg_json GET "/RelatedPerson?patient=$PID" "$tok"
[ "$REG_STATUS" = 503 ] || fail "the registry should be in maintenance: $REG_STATUS"
"$VAXREGD" maintenance off --data "$REG_DIR" >/dev/null

sync_now
sync_now
reg_json GET "/Patient/$PID" "$tok"
[ "$(jqb '[.name[] | select(.use == "old")] | map(.family) | sort | join(",")')" = "Quintanilla,Quintero Ruiz" ] ||
	fail "the AKA names should be on the Patient once each: $(jqb -c .name)"
reg_json GET "/RelatedPerson?patient=$PID" "$tok"
[ "$(count true)" = 3 ] || fail "the registry should hold three responsible persons: $(jqb -c .entry)"
[ "$(count '.name[0].family == "García" and .telecom[0].value == "5125550199"')" = 1 ] ||
	fail "the phone change should be on the registry: $(jqb -c .entry)"
[ "$(count '.relationship[0].coding[0].code == "FTH" and .name[0].given[0] == "Andrés"')" = 1 ] ||
	fail "the father added offline should be on the registry once"
[ "$(count '.relationship[0].coding[0].code == "GRD"')" = 1 ] || fail "the guardian should be kept"
reg_json GET "/Consent?patient=$PID" "$tok"
[ "$(count true)" = 1 ] || fail "the registry should still hold one consent: $(jqb -c .entry)"
[ "$(count '[.extension[] | select(.url | endswith("consent-source")) | .valueString] == ["updated form"]')" = 1 ] ||
	fail "the consent change should be on the registry: $(jqb -c .entry)"

# --- remove a responsible person: it leaves the registry at the sync --------
{
	login
	open_client "Quintero, Lucia 05/10/2021"
	cat <<EOF2
e
:wait-idle
<F7>
<F7>
<F7>
<F7>
<F7>
<F7>
:type 3
<Tab>
:type Y
<C-w>
:wait-idle
:save-screen $S/removed.txt
:quit
EOF2
} > "$TUI_TMP/s4"
tui_run < "$TUI_TMP/s4"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_lacks removed 'Andrés'
tui_has removed 'Ortega, Tomás (Guardian)'
sync_now
reg_json GET "/RelatedPerson?patient=$PID" "$tok"
[ "$(count true)" = 2 ] || fail "the removed responsible person should be gone: $(jqb -c .entry)"
[ "$(count '.relationship[0].coding[0].code == "FTH"')" = 0 ] || fail "the father should be removed"

# --- vital-records lock: name, DOB and sex cannot be changed -----------------
{
	login
	open_client "Lockhart, Vera 07/04/2019"
	cat <<EOF2
e
:wait-idle
:save-screen $S/locked.txt
<S-Tab>
<S-Tab>
<S-Tab>
<S-Tab>
<S-Tab>
<S-Tab>
:type Smith
:save-screen $S/locktry.txt
<C-w>
:wait-idle
:save-screen $S/locksaved.txt
:quit
EOF2
} > "$TUI_TMP/s5"
tui_run < "$TUI_TMP/s5"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has locked 'Locked: from vital statistics records'
tui_has locked 'Lockhart'
tui_has locksaved 'Lockhart, Vera  Born 07/04/2019'
tui_has locksaved 'Sex: Female'
tui_lacks locksaved 'Smith,'
# focus never reaches a locked field: what was typed went to the next open one
tui_has locksaved 'MR: Smith'
sync_now
reg_json GET "/Patient/$LID" "$tok"
[ "$(jqb '.name[0].family + "," + .name[0].given[0] + "," + .birthDate + "," + .gender')" = "Lockhart,Vera,2019-07-04,female" ] ||
	fail "the locked fields changed: $(jqb -c '[.name, .birthDate, .gender]')"

# --- vaxregd applies the same consent rules to a Consent from anywhere -------
reg_json POST /Consent "$tok" "{\"resourceType\":\"Consent\",\"status\":\"active\",\"patient\":{\"reference\":\"Patient/$PID\"},
 \"dateTime\":\"2026-03-01\",
 \"scope\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/consentscope\",\"code\":\"patient-privacy\"}]},
 \"category\":[{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"59284-0\"}]}],
 \"policyRule\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"OPTIN\"}]},
 \"extension\":[{\"url\":\"https://vaxdesk.org/fhir/StructureDefinition/consent-adult\",\"valueCode\":\"granted\"}]}"
[ "$REG_STATUS" = 422 ] || fail "adult consent for a child should be refused: $REG_STATUS"
[ "$(jqb '.issue[0].details.coding[0].code')" = V-CONSENT-ADULT-MINOR ] || fail "wrong rule: $(jqb -c .issue)"
[ "$(jqb '.issue[0].expression[0]')" = "Consent.extension('https://vaxdesk.org/fhir/StructureDefinition/consent-adult')" ] ||
	fail "wrong expression: $(jqb -c .issue)"
