#!/bin/sh
# vaxregd init --demo: the logins it prints work, with the roles it says,
# and the data looks like Texas (accented and compound names are found).
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init
"$VAXREGD" init --data "$REG_DIR" $REG_DB --demo --clients 400 > "$REG_TMP/demo.out" || fail "init --demo"
grep -q 'user frontdesk' "$REG_TMP/demo.out" || fail "credentials not printed"
pw=$(sed -n 's/^Demo logins (password for all: \(.*\)):$/\1/p' "$REG_TMP/demo.out")
[ -n "$pw" ] || fail "no demo password printed"
# the same data every time
"$VAXREGD" init --data "$REG_TMP/again" --demo --clients 400 > "$REG_TMP/demo2.out"
cmp -s "$REG_TMP/demo.out" "$REG_TMP/demo2.out" || fail "demo summary differs between runs"
registry_start
f=$(registry_login HILLPEDS frontdesk "$pw")
reg_json GET '/Patient?_count=0' "$f"
[ "$(jqb .total)" = 400 ] || fail "400 demo clients: $(jqb .total)"
reg_json GET '/Immunization?_summary=count' "$f"
[ "$(jqb .total)" -gt 400 ] || fail "demo shots"
# names with accents are stored as written and found without them
reg_json GET '/Patient?family=nguyen&_count=1' "$f"
[ "$(jqb .total)" -gt 0 ] || fail "no Nguyen"
jqb '.entry[0].resource.name[0].family' | grep -q 'Nguyễn' || fail "accent lost"
reg_json GET '/Patient?family=garcia' "$f"
[ "$(jqb .total)" -gt 0 ] || fail "no Garcia"
# the user of several organizations
m=$(registry_login RGVFAM mrodriguez "$pw")
reg POST /auth/switch -H "Authorization: Bearer $m" --data org_code=BAYOUHC
expect 200
[ "$(jqb .role)" = view ] || fail "mrodriguez at BAYOUHC"
# view-only cannot write; the school nurse sees her list
v=$(registry_login HILLPEDS viewer "$pw")
reg_json POST /Patient "$v" '{"resourceType":"Patient"}'
expect 403 "viewer writes"
n=$(registry_login AUSTINISD nurse "$pw")
reg_json GET /Group "$n"
[ "$(jqb .total)" = 1 ] || fail "school list"
reg_json GET /Group "$f"
[ "$(jqb .total)" = 0 ] || fail "clinic sees the school list"
echo ok
