#!/bin/sh
# The store against a real vaxregd over TLS: offline saves, sync with
# receipts, a resend that changes nothing, outbox --json, prefetch, purge,
# offline login (and a wrong password), and no PHI on disk afterwards.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
. "$top_srcdir/tests/cache/lib.sh"
registry_init
registry_user CLINICA alice provider
registry_restart
cache_init

drv sync >/dev/null
[ "$DRV_RC" = 0 ] || fail "first online login and sync: exit $DRV_RC"
drv_ok record --count 4 >"$REG_TMP/saved"
[ "$(grep -c '^saved ' "$REG_TMP/saved")" = 12 ] || fail "record: $(cat "$REG_TMP/saved")"
drv outbox --json >"$REG_TMP/outbox.json"
[ "$(jq length "$REG_TMP/outbox.json")" = 12 ] || fail "outbox length"
[ "$(jq -r '[.[].state] | unique | join(",")' "$REG_TMP/outbox.json")" = pending ] || fail "not pending"
[ "$(jq -r '.[0].workstation' "$REG_TMP/outbox.json")" = crash-desk ] || fail "capture workstation"

drv sync >"$REG_TMP/sync.out"
[ "$DRV_RC" = 0 ] || fail "sync exit $DRV_RC: $(cat "$REG_TMP/sync.out")"
grep -q 'accepted 12,' "$REG_TMP/sync.out" || fail "sync: $(cat "$REG_TMP/sync.out")"
grep -q '4 match(es)' "$REG_TMP/sync.out" || fail "each new client goes through \$match"
drv outbox --json >"$REG_TMP/outbox.json"
[ "$(jq -r '[.[].state] | unique | join(",")' "$REG_TMP/outbox.json")" = accepted ] || fail "not accepted"
[ "$(jq -r '[.[] | select(.receipt_id == "")] | length' "$REG_TMP/outbox.json")" = 0 ] || fail "receipt missing"
drv_ok verify "$REG_TMP/saved"
drv sync >"$REG_TMP/sync.out"
grep -q 'accepted 0,' "$REG_TMP/sync.out" || fail "second sync sent again"

# a client with a distinctive name, created on the registry, then prefetched
tok=$(registry_login CLINICA alice)
reg_json POST /Patient "$tok" '{"resourceType":"Patient",
 "name":[{"family":"Quasimodoz","given":["Wolfgangia"]}],"gender":"female","birthDate":"2016-07-19",
 "address":[{"district":"Travis","state":"TX","postalCode":"78701"}]}'
expect 201 "create patient"
pid=$(jqb .id)
reg_json POST /Immunization "$tok" '{"resourceType":"Immunization","status":"completed",
 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"08"}]},
 "patient":{"reference":"Patient/'"$pid"'"},"occurrenceDateTime":"2016-07-20","primarySource":false,
 "reportOrigin":{"coding":[{"code":"01"}]}}'
expect 201 "create shot"
drv_ok prefetch "$pid" >"$REG_TMP/pf.out"
[ "$DRV_RC" = 0 ] || fail "prefetch exit $DRV_RC"
grep -q 'prefetched 1 of 1' "$REG_TMP/pf.out" || fail "prefetch: $(cat "$REG_TMP/pf.out")"
# a dose for a client found online but never cached goes to that client
tok=$(registry_login CLINICA alice)
reg_json POST /Patient "$tok" '{"resourceType":"Patient","name":[{"family":"Uncachedova","given":["Ines"]}],
 "gender":"female","birthDate":"2015-05-05","address":[{"district":"Travis","state":"TX","postalCode":"78701"}]}'
expect 201 "create uncached patient"
uid=$(jqb .id)
drv_ok shot --rid "$uid" --shot 08:2015-05-06 >>"$REG_TMP/saved"
drv sync >"$REG_TMP/sync.out"
grep -q 'accepted 1,' "$REG_TMP/sync.out" || fail "dose by registry id: $(cat "$REG_TMP/sync.out")"
reg_json GET "/Immunization?patient=$uid" "$tok"
[ "$(jqb .total)" = 1 ] || fail "dose not on the client it names"

# a school list: every member comes in
reg_json POST /Group "$tok" '{"resourceType":"Group","type":"person","actual":true,"name":"Grade 1",
 "member":[{"entity":{"reference":"Patient/'"$pid"'"}}]}'
expect 201 "create group"
gid=$(jqb .id)
drv_ok prefetch --group "$gid" >"$REG_TMP/pf.out"
grep -q 'prefetched 1 of 1 client(s)' "$REG_TMP/pf.out" || fail "group prefetch: $(cat "$REG_TMP/pf.out")"
"$CACHEDRV" scan "$DESK" Quasimodoz Wolfgangia QUASIMODOZ 2016-07-19 07/19/2016 20160719 ||
	fail "PHI found in the data directory"
[ "$(stat -c %a "$DESK")" = 700 ] || fail "data dir mode"
# one store per user, in a directory of its own
for f in $(find "$DESK" -mindepth 1 -type d); do
	[ "$(stat -c %a "$f")" = 700 ] || fail "$f mode $(stat -c %a "$f")"
done
[ "$(find "$DESK" -type f | wc -l)" -ge 2 ] || fail "no store files in $DESK"
for f in $(find "$DESK" -type f); do
	[ "$(stat -c %a "$f")" = 600 ] || fail "$f mode $(stat -c %a "$f")"
done

# a wrong password cannot open the store
printf 'Wrong!pass2026\n' >"$REG_TMP/badpw"
if "$CACHEDRV" outbox --data-dir "$DESK" --org CLINICA --user alice --password-fd 3 3<"$REG_TMP/badpw" \
	>"$REG_TMP/bad.out" 2>&1; then
	fail "wrong password opened the store"
fi
grep -q 'Wrong password' "$REG_TMP/bad.out" || fail "wrong password message: $(cat "$REG_TMP/bad.out")"

# the registry goes away: record offline, sync says offline, then catches up
registry_stop
drv_ok record --count 1 >>"$REG_TMP/saved"
drv sync >"$REG_TMP/sync.out" 2>&1
[ "$DRV_RC" = 75 ] || fail "sync while the registry is down: exit $DRV_RC"
registry_restart
drv sync >"$REG_TMP/sync.out"
[ "$DRV_RC" = 0 ] || fail "sync after restart: $(cat "$REG_TMP/sync.out")"
grep -q 'accepted 3,' "$REG_TMP/sync.out" || fail "catch-up: $(cat "$REG_TMP/sync.out")"
drv_ok verify "$REG_TMP/saved"

drv_ok purge --all >"$REG_TMP/purge.out"
grep -q '^purged 6 cached client(s); 0 left; 0 unsent' "$REG_TMP/purge.out" || fail "purge: $(cat "$REG_TMP/purge.out")"
echo ok
