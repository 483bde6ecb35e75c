#!/bin/sh
# Two colleagues at one workstation, against a real vaxregd over TLS: alice
# records offline; bob, new here, logs in online (her unsent work is not his
# to send), then offline, and records; each syncs under their own login. The
# registry holds every record once, captured by the user who recorded it,
# and neither password opens the other's store.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
. "$top_srcdir/tests/cache/lib.sh"
BOB_PASSWORD='Other!pass2027'
registry_init
registry_user CLINICA alice provider
registry_user CLINICA bob provider "$BOB_PASSWORD"
registry_restart
cache_init
ALICE_PW=$PWFILE
BOB_PW=$REG_TMP/bobpw
printf '%s\n' "$BOB_PASSWORD" >"$BOB_PW"
as_alice() { DRV_USER=alice; PWFILE=$ALICE_PW; }
as_bob() { DRV_USER=bob; PWFILE=$BOB_PW; }

# alice's first online login, then she works offline
as_alice
drv sync >/dev/null
[ "$DRV_RC" = 0 ] || fail "alice: first online login: exit $DRV_RC"
registry_stop
drv_ok record --count 1 >"$REG_TMP/saved.alice"
[ "$(grep -c '^saved ' "$REG_TMP/saved.alice")" = 3 ] || fail "alice record: $(cat "$REG_TMP/saved.alice")"

# bob, new to this workstation, logs in online: his own empty store; alice's
# entries are neither sent under his login nor in his way
registry_restart
as_bob
drv sync >"$REG_TMP/sync.bob" 2>&1
[ "$DRV_RC" = 0 ] || fail "bob: first online login: exit $DRV_RC: $(cat "$REG_TMP/sync.bob")"
grep -q 'accepted 0,' "$REG_TMP/sync.bob" || fail "bob's sync sent something: $(cat "$REG_TMP/sync.bob")"
tok=$(registry_login CLINICA alice)
reg_json GET '/Immunization?_count=1' "$tok"
[ "$(jqb .total)" = 0 ] || fail "alice's offline doses reached the registry under bob's login"

# bob offline, records too
registry_stop
drv_ok record --count 1 >"$REG_TMP/saved.bob"
drv outbox --json >"$REG_TMP/outbox.bob"
[ "$(jq length "$REG_TMP/outbox.bob")" = 3 ] || fail "bob's outbox: $(cat "$REG_TMP/outbox.bob")"
[ "$(jq -r '[.[].user] | unique | join(",")' "$REG_TMP/outbox.bob")" = bob ] || fail "bob's outbox users"
as_alice
drv outbox --json >"$REG_TMP/outbox.alice"
[ "$(jq length "$REG_TMP/outbox.alice")" = 3 ] || fail "alice's outbox: $(cat "$REG_TMP/outbox.alice")"
[ "$(jq -r '[.[].user] | unique | join(",")' "$REG_TMP/outbox.alice")" = alice ] || fail "alice's outbox users"

# neither password opens the other's store
"$CACHEDRV" outbox --data-dir "$DESK" --org CLINICA --user alice --password-fd 3 3<"$BOB_PW" \
	>"$REG_TMP/cross.out" 2>&1 && fail "bob's password opened alice's store"
grep -q 'Wrong password' "$REG_TMP/cross.out" || fail "cross login: $(cat "$REG_TMP/cross.out")"
"$CACHEDRV" outbox --data-dir "$DESK" --org CLINICA --user bob --password-fd 3 3<"$ALICE_PW" \
	>"$REG_TMP/cross.out" 2>&1 && fail "alice's password opened bob's store"
grep -q 'Wrong password' "$REG_TMP/cross.out" || fail "cross login: $(cat "$REG_TMP/cross.out")"
# two stores, named so a listing does not give the users away
[ "$(find "$DESK/stores" -mindepth 1 -maxdepth 1 -type d | wc -l)" = 2 ] || fail "not one store per user"
find "$DESK" | grep -q -e alice -e bob -e CLINICA && fail "a path names a user: $(find "$DESK")"

# both sync under their own login
registry_restart
as_alice
drv sync >"$REG_TMP/sync.alice"
[ "$DRV_RC" = 0 ] || fail "alice sync: $(cat "$REG_TMP/sync.alice")"
grep -q 'accepted 3,' "$REG_TMP/sync.alice" || fail "alice sync: $(cat "$REG_TMP/sync.alice")"
drv_ok verify "$REG_TMP/saved.alice"
as_bob
drv sync >"$REG_TMP/sync.bob"
[ "$DRV_RC" = 0 ] || fail "bob sync: $(cat "$REG_TMP/sync.bob")"
grep -q 'accepted 3,' "$REG_TMP/sync.bob" || fail "bob sync: $(cat "$REG_TMP/sync.bob")"
drv_ok verify "$REG_TMP/saved.bob"

# on the registry: each record once, captured by the one who recorded it
tok=$(registry_login CLINICA alice)
for who in alice bob; do
	sed -n 's/^saved \([A-Za-z]*\) \(.*\)$/\1 \2/p' "$REG_TMP/saved.$who" >"$REG_TMP/ids.$who"
	while read -r type uuid; do
		reg_json GET "/$type?identifier=urn:ietf:rfc:3986%7Curn:uuid:$uuid" "$tok"
		expect 200 "search $type"
		[ "$(jqb .total)" = 1 ] || fail "$type $uuid is on the registry $(jqb .total) times"
		cap=$(jqb '.entry[0].resource.extension[] | select(.url | endswith("/capture"))
			| .extension[] | select(.url == "user") | .valueString')
		[ "$cap" = "$who" ] || fail "$type recorded by $who is captured as '$cap'"
	done <"$REG_TMP/ids.$who"
done
reg_json GET '/Immunization?_count=1' "$tok"
[ "$(jqb .total)" = 4 ] || fail "the registry holds $(jqb .total) doses, not 4"
echo ok
