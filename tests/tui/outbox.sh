#!/bin/sh
# The outbox sends itself, against a real vaxregd over TLS: shots recorded
# while the registry is in maintenance wait in the outbox (the status line
# and the outbox say so); one is discarded (a reason is required, and it is
# counted as discarded); maintenance ends and vaxdesk, probing on its own
# (Retry-After), sends the rest without `vaxdesk sync`. The registry then
# holds each kept dose exactly once and never the discarded one.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
tui_registry_alice

registry_login CLINPENA alice > "$TUI_TMP/tok"
tok=$(cat "$TUI_TMP/tok")
reg_create_patient "$tok" '{"resourceType":"Patient","name":[{"family":"Lindqvist","given":["Tova"]}],
 "gender":"female","birthDate":"2019-03-15",
 "address":[{"line":["9 Elm St"],"city":"Austin","state":"TX","postalCode":"78701","district":"Travis"}]}'

# one historical dose: CVX, date, information source
shot() {
	cat <<EOF2
h
:type $1
<Tab>
:type $2
<Tab>
:type 01
<C-w>
:wait-idle
EOF2
}

(
	{
		cat <<EOF2
$(tui_login_keys CLINPENA alice)
s
:wait-idle
:type Lindqvist, Tova 03/15/2019
<Enter>
:wait-idle
:save-screen $S/client.txt
:save-screen $S/ready1.txt
:wait-file $TUI_TMP/maint_on
EOF2
		shot 08 03/16/2019
		shot 20 05/15/2019
		shot 10 05/16/2019
		cat <<EOF2
:wait-text 20 OFFLINE (maintenance)
:save-screen $S/recorded.txt
<C-o>
:save-screen $S/waiting.txt
<End>
d
:save-screen $S/ask.txt
y
:save-screen $S/reason.txt
<Enter>
:save-screen $S/noreason.txt
:type Entered for the wrong client
<Enter>
:save-screen $S/discarded.txt
:save-screen $S/ready2.txt
:wait-file $TUI_TMP/maint_off
:wait-text 30 | Sending
:save-screen $S/sending.txt
:wait-text 30 2 accepted by the registry
:save-screen $S/sent.txt
<Esc>
:wait-idle
:save-screen $S/after.txt
:quit
EOF2
	} > "$TUI_TMP/script1"
	tui_run < "$TUI_TMP/script1"
	echo "$TUI_STATUS" > "$TUI_TMP/status"
) &
child=$!
tui_wait_screen ready1
# a short announced maintenance: every request gets 503 with Retry-After: 2
"$VAXREGD" maintenance on --data "$REG_DIR" --retry 2 >/dev/null
touch "$TUI_TMP/maint_on"
tui_wait_screen ready2
# nothing reached the registry during maintenance
"$VAXREGD" maintenance off --data "$REG_DIR" >/dev/null
reg_json GET "/Immunization?patient=$PID" "$tok"
[ "$(jqb '.total // (.entry | length)')" = 0 ] || fail "doses reached the registry during maintenance"
touch "$TUI_TMP/maint_off"
wait $child
[ "$(cat "$TUI_TMP/status")" = 0 ] || tui_fail "vaxdesk exit status $(cat "$TUI_TMP/status")"

tui_has client 'Lindqvist, Tova'
tui_has client 'ONLINE'
# recorded during maintenance: saved here, waiting, and the status line says so
tui_has recorded 'OFFLINE (maintenance)'
tui_has recorded 'Outbox: 3'
tui_has waiting 'Today: 3 recorded here, 0 accepted by the registry, 3 waiting. Rejected 0,'
tui_has waiting 'discarded 0.'
tui_has waiting 'New dose'
tui_has waiting 'Waiting to send'
tui_has waiting 'The registry is down for maintenance; it goes when it is back.'
tui_has waiting 'Discard'
tui_has waiting 'Send'
# discard: a question, then a reason that cannot be left out
tui_has ask 'Discard this New dose for Lindqvist, Tova? It will never reach the registry.'
tui_has reason 'Discard the new dose for Lindqvist, Tova'
tui_has reason 'Reason (required)'
tui_has noreason 'Not discarded: Say why it is discarded: a reason is required.'
tui_has discarded 'Discarded: it will not be sent'
tui_has discarded 'Today: 3 recorded here, 0 accepted by the registry, 2 waiting. Rejected 0,'
tui_has discarded 'discarded 1.'
tui_has discarded 'Outbox: 2'
# back from maintenance: sent by vaxdesk itself, no `vaxdesk sync`, and the
# status line says how far it is
grep -qE 'ONLINE .*Outbox: 2 \| Sending [12] of 2' "$S/sending.txt" || { TUI_LAST=sending; tui_fail "no progress shown"; }
tui_has sent 'Today: 3 recorded here, 2 accepted by the registry, 0 waiting. Rejected 0,'
tui_has sent 'discarded 1.'
tui_has sent 'Nothing is waiting'
tui_has sent 'Outbox: 0'
tui_has sent 'ONLINE'
tui_has sent 'Sent 2'

# the registry holds each kept dose exactly once, and never the discarded one
reg_json GET "/Immunization?patient=$PID" "$tok"
[ "$(jqb '[.entry[] | .resource.vaccineCode.coding[0].code] | sort | join(",")')" = 08,20 ] ||
	fail "the registry should hold CVX 08 and 20 once each, not the discarded 10: $(jqb '[.entry[] | .resource.vaccineCode.coding[0].code] | join(",")')"

# --- a conflict and a held client, resolved from the outbox ---------------------
# Typed offline on this desk (tests/cache/cachedrv, the store's own code): a
# change of Tova's given name on the version vaxdesk cached, and a new client
# who is Tova again. Meanwhile someone changes Tova at the registry.
CACHEDRV=${CACHEDRV:-$top_builddir/tests/cache/cachedrv}
[ -x "$CACHEDRV" ] || { echo "skip: $CACHEDRV not built"; exit 77; }
printf '%s\n' "$REG_PASSWORD" > "$TUI_TMP/pw"
desk() {
	"$CACHEDRV" "$@" --data-dir "$HOME/.local/share/vaxdesk" --registry "$REG_URL" --ca-file "$REG_CA" \
		--org CLINPENA --user alice --password-fd 3 3<"$TUI_TMP/pw" >>"$TUI_TMP/desk.out" 2>&1 ||
		tui_fail "cachedrv $1: $(cat "$TUI_TMP/desk.out")"
}
desk edit --rid "$PID" --given Tove
desk person --family Lindqvist --given Tova --dob 2019-03-15
reg_json GET "/Patient/$PID" "$tok"
jq -c '.name[0].given = ["Tova-Lise"]' "$REG_BODY" > "$TUI_TMP/theirs.json"
reg_json PUT "/Patient/$PID" "$tok" "$(cat "$TUI_TMP/theirs.json")"
expect 200 "the registry's own change"

cat > "$TUI_TMP/script2" <<EOF2
$(tui_login_keys CLINPENA alice)
<C-o>
:wait-text 30 Conflict
:wait-text 10 Held: match?
:save-screen $S/resolve.txt
<Home>
t
:save-screen $S/theirs_ask.txt
y
:save-screen $S/theirs.txt
r
:save-screen $S/review.txt
l
:save-screen $S/linked.txt
<Esc>
:save-screen $S/resolved.txt
?
:save-screen $S/help.txt
:quit
EOF2
tui_run < "$TUI_TMP/script2"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has resolve 'Client change  Conflict'
tui_has resolve 'Someone changed this record at the registry meanwhile'
tui_has resolve 'New client     Held: match?'
tui_has resolve 'May already be in the registry'
tui_has resolve 'Waiting for a person: 2.'
tui_has theirs_ask "Keep the registry's version and discard the change typed here?"
tui_has theirs "Kept the registry's version; the change typed here is discarded."
tui_lacks theirs 'Client change'
tui_has review 'Held client 1 of 1'
tui_has review 'Typed here'
tui_has linked 'Linked'
tui_has resolved 'Nothing is waiting'
tui_has resolved 'Today: 5 recorded here, 3 accepted by the registry, 0 waiting. Rejected 0,'
tui_has resolved 'discarded 2.'
tui_has resolved 'Outbox: 0'
# the help lists the outbox's actions from the one action table
tui_has help 'Drop a waiting record (reason required; never sent)'
tui_has help "Conflict: keep the registry's version, drop ours"
tui_has help 'Send waiting records to the registry now'
# the registry kept its own change, and Tova once
reg_json GET "/Patient/$PID" "$tok"
[ "$(jqb '.name[0].given | join(" ")')" = Tova-Lise ] || fail "our discarded change reached the registry"
reg_json GET "/Patient?family=Lindqvist" "$tok"
[ "$(jqb '.total // (.entry | length)')" = 1 ] || fail "the linked client was created again"

# --- a responsible person removed at the registry, in words --------------------
# Typed on this desk: a new phone for Elin's mother, whom another desk then
# removes at the registry. The outbox says so in words; keeping the
# registry's version takes her off this desk's copy too.
reg_json POST /Patient "$tok" '{"resourceType":"Patient","name":[{"family":"Sandqvist","given":["Elin"]}],
 "gender":"female","birthDate":"2020-04-16",
 "address":[{"line":["9 Elm St"],"city":"Austin","state":"TX","postalCode":"78701","district":"Travis"}]}'
expect 201 "create patient"
PID=$(jqb .id)
reg_json POST /RelatedPerson "$tok" '{"resourceType":"RelatedPerson","patient":{"reference":"Patient/'"$PID"'"},
 "relationship":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0063","code":"MTH"}]}],
 "name":[{"family":"Holmberg","given":["Ingrid"]}],"telecom":[{"system":"phone","value":"5125550400"}]}'
expect 201 "create the mother"
RPID=$(jqb .id)
desk prefetch "$PID"
desk resp --rid "$PID" --family Holmberg --phone 5125550404
reg_json DELETE "/RelatedPerson/$RPID" "$tok"
expect 204 "removed at the registry"
cat > "$TUI_TMP/script3" <<EOF2
$(tui_login_keys CLINPENA alice)
<C-o>
:wait-text 30 Conflict
:save-screen $S/gone.txt
<Home>
t
y
:save-screen $S/gone_kept.txt
:quit
EOF2
tui_run < "$TUI_TMP/script3"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has gone 'Client change  Conflict'
tui_has gone 'This responsible person (Holmberg, Ingrid, MTH)'
tui_has gone 'was removed at the'
tui_has gone 'Enter send ours as new'
tui_lacks gone 'Someone changed this record at the registry meanwhile'
tui_has gone_kept "Kept the registry's version; the change typed here is discarded."
tui_has gone_kept 'Nothing is waiting'
: > "$TUI_TMP/desk.out"
desk show --rid "$PID"
! grep -q '^resp Holmberg' "$TUI_TMP/desk.out" || fail "the removed mother is still on this desk: $(cat "$TUI_TMP/desk.out")"
reg_json GET "/RelatedPerson?patient=$PID" "$tok"
[ "$(jqb .total)" = 0 ] || fail "the removed mother came back to the registry"
