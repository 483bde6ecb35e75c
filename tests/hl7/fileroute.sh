#!/bin/sh
# vaxdesk's file route, during maintenance: clients and doses typed offline
# go out as an HL7 batch file (vaxdesk export-hl7), the registry's spool
# takes it while down and answers after, and vaxdesk import-ack marks each
# outbox entry accepted (or rejected, the error in words). The registry then
# holds each record once, and a later sync sends nothing twice.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
. "$top_srcdir/tests/cache/lib.sh"
. "$top_srcdir/tests/hl7/lib.sh"
hl7_init
registry_init
registry_user CLINICA alice provider
spool=$REG_TMP/spool
mkdir -p "$spool/CLINICA"
registry_start --spool "$spool" --spool-poll 100
cache_init
tok=$(registry_login CLINICA alice)
# one online login makes the desk's store; then the registry goes down
drv_ok sync >/dev/null
"$VAXREGD" maintenance on --data "$REG_DIR" --retry 600 >/dev/null
drv_ok record --count 3 > "$REG_TMP/saved.txt"
[ "$(grep -c '^saved' "$REG_TMP/saved.txt")" = 9 ] || fail "recording offline"

# the whole outbox (the same command vaxdesk runs), then one as vaxdesk itself
drv_ok export-hl7 --output "$REG_TMP/outbox.hl7" > "$REG_TMP/export.out"
grep -q '^wrote 9 messages (6 doses, 3 client records)' "$REG_TMP/export.out" || fail "export: $(cat "$REG_TMP/export.out")"
# shellcheck disable=SC2046
"$top_builddir/vaxdesk" export-hl7 $(_drv_args) --output "$REG_TMP/again.hl7" 3<"$PWFILE" > /dev/null ||
	fail "vaxdesk export-hl7"
[ "$(tr '\r' '\n' < "$REG_TMP/again.hl7" | grep -c '^MSH')" = 9 ] || fail "vaxdesk export-hl7 wrote other messages"
$CHECK "$REG_TMP/outbox.hl7" > "$REG_TMP/parsed.txt" || fail "python3-hl7 could not read the export"
[ "$(grep -c '^VXU^V04^VXU_V04 ' "$REG_TMP/parsed.txt")" = 9 ] || fail "python3-hl7 read $(wc -l < "$REG_TMP/parsed.txt") messages"
# a date range: today's entries are all of them; yesterday's none
drv_ok export-hl7 --from "$(date -u -d yesterday +%m/%d/%Y)" --to "$(date -u -d yesterday +%m/%d/%Y)" \
	--output "$REG_TMP/none.hl7" > "$REG_TMP/export2.out"
grep -q '^wrote 0 messages' "$REG_TMP/export2.out" || fail "date range: $(cat "$REG_TMP/export2.out")"

# the FTP drop while the registry is down: it waits
cp "$REG_TMP/outbox.hl7" "$spool/CLINICA/outbox.hl7"
held "$spool/CLINICA/outbox.hl7.ack"
"$VAXREGD" maintenance off --data "$REG_DIR" >/dev/null
wait_file "$spool/CLINICA/outbox.hl7.ack" "no ACK file after maintenance"
$CHECK "$spool/CLINICA/outbox.hl7.ack" > "$REG_TMP/acks.txt" || fail "python3-hl7 could not read the ACK file"
[ "$(grep -c ' AA ' "$REG_TMP/acks.txt")" = 9 ] || fail "ACKs: $(cat "$REG_TMP/acks.txt")"

drv_ok import-ack "$spool/CLINICA/outbox.hl7.ack" > "$REG_TMP/import.out"
[ "$(grep -c ': accepted$' "$REG_TMP/import.out")" = 9 ] || fail "import: $(cat "$REG_TMP/import.out")"
drv_ok outbox --json > "$REG_TMP/outbox.json"
[ "$(jq '[.[] | select(.state != "accepted")] | length' "$REG_TMP/outbox.json")" = 0 ] ||
	fail "not all accepted: $(cat "$REG_TMP/outbox.json")"
# the second time: the same ACK changes nothing
drv_ok import-ack "$spool/CLINICA/outbox.hl7.ack" > "$REG_TMP/import2.out"
[ "$(grep -c 'already accepted' "$REG_TMP/import2.out")" = 9 ] || fail "second import: $(cat "$REG_TMP/import2.out")"

# each record once in the registry, readable through FHIR
for u in $(sed -n 's/^saved Patient //p' "$REG_TMP/saved.txt"); do
	reg_json GET "/Patient?identifier=urn:ietf:rfc:3986|urn:uuid:$u" "$tok"
	[ "$(jqb .total)" = 1 ] || fail "client $u: $(jqb .total) in the registry"
done
for u in $(sed -n 's/^saved Immunization //p' "$REG_TMP/saved.txt"); do
	reg_json GET "/Immunization?identifier=urn:ietf:rfc:3986|urn:uuid:$u" "$tok"
	[ "$(jqb .total)" = 1 ] || fail "dose $u: $(jqb .total) in the registry"
done
# the file again (a resend): nothing new
cp "$REG_TMP/outbox.hl7" "$spool/CLINICA/resend.hl7"
wait_file "$spool/CLINICA/resend.hl7.ack" "no ACK for the resend"
reg_json GET "/Immunization?_count=100" "$tok"
[ "$(jqb .total)" = 6 ] || fail "a resent file added doses: $(jqb .total)"

# a rejected entry: a dose the registry refuses comes back in words
drv_ok person --family Lotless --given Ana --dob 2019-03-04 --shot 900:2024-01-10 > "$REG_TMP/bad.txt" || :
drv_ok export-hl7 --output "$spool/CLINICA/bad.hl7" > /dev/null
wait_file "$spool/CLINICA/bad.hl7.ack" "no ACK for the refused dose"
drv_ok import-ack "$spool/CLINICA/bad.hl7.ack" > "$REG_TMP/import3.out"
grep -q 'rejected: RXA-5 (dose 1): .*\[V-CVX-UNKNOWN\]' "$REG_TMP/import3.out" || fail "rejection: $(cat "$REG_TMP/import3.out")"
drv_ok outbox --json > "$REG_TMP/outbox2.json"
jq -e '[.[] | select(.state == "rejected") | .message] | .[0] | test("V-CVX-UNKNOWN")' "$REG_TMP/outbox2.json" >/dev/null ||
	fail "the outbox does not say why: $(cat "$REG_TMP/outbox2.json")"
registry_stop
