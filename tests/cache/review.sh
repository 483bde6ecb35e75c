#!/bin/sh
# What waits for a person, against a real vaxregd over TLS: a bad entry is
# found by splitting and rejected alone; a client typed offline who probably
# is already registered waits (with its shots) until linked or approved; a
# possible duplicate shot waits; an update on a stale version is a conflict
# until a person resolves it.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
. "$top_srcdir/tests/cache/lib.sh"
registry_init
registry_user CLINICA alice provider
registry_start
cache_init
drv sync >/dev/null
[ "$DRV_RC" = 0 ] || fail "first online login"
tok=$(registry_login CLINICA alice)
outbox() { drv outbox --json >"$REG_TMP/ob.json"; jq -r "$1" "$REG_TMP/ob.json"; }
count() { reg_json GET "$1" "$tok"; expect 200 "$1"; jqb .total; }

# 1. one bad shot among twelve good entries
drv_ok person --family Okonkwo --given Adaeze --dob 2019-05-05 \
	--shot 08:2019-05-06 --shot 20:2019-04-01 --shot 10:2019-09-01 >/dev/null
drv_ok record --count 3 >/dev/null
drv sync >"$REG_TMP/s1"
grep -q 'accepted 12, rejected 1,' "$REG_TMP/s1" || fail "bad entry: $(cat "$REG_TMP/s1")"
grep -q '[1-9] split(s)' "$REG_TMP/s1" || fail "no split: $(cat "$REG_TMP/s1")"
[ "$(outbox '[.[] | select(.state == "rejected")] | length')" = 1 ] || fail "rejected count"
outbox '.[] | select(.state == "rejected") | .message' | grep -q 'before the date of birth' ||
	fail "rejection message: $(outbox '.[] | select(.state == "rejected")')"
[ "$(count '/Patient?family=okonkwo')" = 1 ] || fail "Okonkwo on the registry"

# 2. a probable match: linked by a person; the shot follows to that client
reg_json POST /Patient "$tok" '{"resourceType":"Patient","name":[{"family":"Villanueva","given":["Marisol"]}],
 "gender":"female","birthDate":"2017-02-03","address":[{"district":"Travis","state":"TX","postalCode":"78701"}]}'
expect 201
vid=$(jqb .id)
drv_ok person --family VILLANUEVA --given Marisol --dob 2017-03-02 --shot 08:2017-03-03 >/dev/null
drv sync >"$REG_TMP/s2"
grep -q 'needs review 1;' "$REG_TMP/s2" || fail "no review: $(cat "$REG_TMP/s2")"
seq=$(outbox '.[] | select(.state == "needs-review") | .seq')
outbox '.[] | select(.state == "needs-review") | .message' | grep -q "Patient/$vid (probable)" ||
	fail "match message: $(outbox '.[] | select(.state == "needs-review")')"
[ "$(outbox '.[-1].state')" = pending ] || fail "the shot did not wait"
[ "$(count '/Patient?family=villanueva')" = 1 ] || fail "created before review"
drv_ok link --seq "$seq" --rid "$vid"
[ "$DRV_RC" = 0 ] || fail "link"
drv sync >"$REG_TMP/s3"
grep -q 'accepted 1,' "$REG_TMP/s3" || fail "after link: $(cat "$REG_TMP/s3")"
[ "$(count "/Immunization?patient=$vid")" = 1 ] || fail "shot not on the linked client"
[ "$(count '/Patient?family=villanueva')" = 1 ] || fail "a second Villanueva"

# 3. a probable match a person says is someone else: created
drv_ok person --family Villanueva --given Marisol --dob 2017-03-02 >/dev/null
drv sync >/dev/null
seq=$(outbox '.[] | select(.state == "needs-review") | .seq')
[ -n "$seq" ] || fail "second match not in review"
drv_ok approve --seq "$seq"
drv sync >"$REG_TMP/s4"
grep -q 'accepted 1,' "$REG_TMP/s4" || fail "after approve: $(cat "$REG_TMP/s4")"
[ "$(count '/Patient?family=villanueva')" = 2 ] || fail "approved client not created"

# 4. a possible duplicate shot waits; approved, it goes
drv_ok person --family Zephyrine --given Lark --dob 2020-01-01 --shot 08:2020-01-02 --shot 08:2020-01-04 >/dev/null
drv sync >"$REG_TMP/s5"
grep -q 'accepted 2, rejected 0, conflict 0, needs review 1;' "$REG_TMP/s5" || fail "duplicate: $(cat "$REG_TMP/s5")"
seq=$(outbox '.[] | select(.state == "needs-review") | .seq')
outbox '.[] | select(.state == "needs-review") | .message' | grep -q 'within a few days' || fail "duplicate message"
drv_ok approve --seq "$seq"
drv sync >/dev/null
zid=$(reg_json GET '/Patient?family=zephyrine' "$tok"; jqb '.entry[0].resource.id')
[ "$(count "/Immunization?patient=$zid")" = 2 ] || fail "approved duplicate not sent"

# 5. an update on a stale version: conflict, both kept, resolved by a person
drv_ok prefetch "$vid" >/dev/null
reg_json GET "/Patient/$vid" "$tok"
jq '.name[0].given = ["Marisa"]' "$REG_BODY" >"$REG_TMP/theirs.json"
reg PUT "/Patient/$vid" -H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' \
	-H 'If-Match: W/"1"' --data-binary @"$REG_TMP/theirs.json"
expect 200 "their update"
drv_ok edit --rid "$vid" --given Marisela --version 1
drv sync >"$REG_TMP/s6"
grep -q 'conflict 1,' "$REG_TMP/s6" || fail "no conflict: $(cat "$REG_TMP/s6")"
seq=$(outbox '.[] | select(.state == "conflict") | .seq')
reg_json GET "/Patient/$vid" "$tok"
[ "$(jqb '.name[0].given[0]')" = Marisa ] || fail "their version was overwritten"
drv_ok approve --seq "$seq" --version 2
drv sync >"$REG_TMP/s7"
grep -q 'accepted 1,' "$REG_TMP/s7" || fail "after resolving: $(cat "$REG_TMP/s7")"
reg_json GET "/Patient/$vid" "$tok"
[ "$(jqb '.name[0].given[0]')" = Marisela ] || fail "resolution not applied"

# 6. two edits of one client typed offline one after the other: the second
# builds on the version the first made, no conflict
drv_ok edit --rid "$vid" --given Maribel
drv_ok edit --rid "$vid" --given Marianela
drv sync >"$REG_TMP/s8"
grep -q 'accepted 2, rejected 0, conflict 0,' "$REG_TMP/s8" || fail "chained edits: $(cat "$REG_TMP/s8")"
reg_json GET "/Patient/$vid" "$tok"
[ "$(jqb '.name[0].given[0]')" = Marianela ] || fail "last edit not applied"
echo ok
