#!/bin/sh
# Patient/$recall on a fixture registry: CLINICA's six clients from
# tests/print/fixtures (the hand-worked expectations are in
# tests/print/letters.sh), asked for in slices as vaxdesk asks, then the
# letters and list made from the registry's answers.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINICA alice provider
registry_user CLINICA victor view
registry_user CLINICB bob provider
registry_start
a=$(registry_login CLINICA alice)
b=$(registry_login CLINICB bob)
v=$(registry_login CLINICA victor)
FX=$top_srcdir/tests/print/fixtures

. "$top_srcdir/tests/print/load.sh"
for f in anh okafor trevino washington muller garcia; do
	print_load "$a" "$FX/$f.json"
done
print_load "$b" "$FX/okafor.json" # CLINICB's own client: never in CLINICA's recall

ask() { # TOKEN OFFSET COUNT [EXTRA PARAMETERS]
	reg_json POST "/Patient/\$recall" "$1" '{"resourceType":"Parameters","parameter":[
	 {"name":"date","valueDate":"2026-11-22"},{"name":"offset","valueInteger":'"$2"'},
	 {"name":"count","valueInteger":'"$3"'}'"${4:+,$4}"']}'
}
pint() { jqb ".parameter[] | select(.name == \"$1\") | .valueInteger"; }
outcome() { jqb ".parameter[] | select(.name == \"outcome\") | select(.part[0].valueCode == \"$1\") | .part[1].valueInteger"; }
notices() { # one line per notice: family, then vaccine@due(!) as letters.sh prints them
	jqb '.parameter[] | select(.name == "notice") | [(.part[] | select(.name == "patient") | .resource.name[0].family)]
	  + [.part[] | select(.name == "due") | ((.part[] | select(.name == "vaccine") | .valueString) + "@"
	     + (.part[] | select(.name == "due") | .valueDate)
	     + (if (.part[] | select(.name == "overdue") | .valueBoolean) then "!" else "" end))] | join(" ")'
}

# anything due by the tracking schedule, in two slices (names in order:
# García, Müller, Nguyễn, Okafor | Treviño-Salinas, Washington)
ask "$a" 0 4
expect 200 "recall, first slice"
cp "$REG_BODY" "$REG_TMP/page1.json"
[ "$(pint total)" = 6 ] && [ "$(pint offset)" = 0 ] && [ "$(pint count)" = 4 ] || fail "slice 1 numbers"
[ "$(outcome no-address)" = 1 ] && [ "$(outcome inactive)" = 1 ] && [ "$(outcome selected)" = 2 ] &&
	[ "$(outcome opted-out)" = 0 ] || fail "slice 1 outcomes"
[ "$(notices)" = "Nguyễn COVID-19@2025-08-27 DTaP/Tdap/Td@2025-03-15 MMR@2025-03-15 Polio@2025-03-15 Varicella@2025-03-15
Okafor DTaP/Tdap/Td@2026-09-20! Hepatitis B@2026-08-20! Hib@2026-09-20! Pneumococcal@2026-09-20! Polio@2026-09-20!" ] ||
	fail "slice 1 notices: $(notices)"
# each notice carries the Patient as stored, with its version
[ "$(jqb '[.parameter[] | select(.name == "notice") | .part[0].resource.meta.versionId] | all(. == "1")')" = true ] ||
	fail "notice Patients without their version"
ask "$a" 4 4
expect 200 "recall, second slice"
cp "$REG_BODY" "$REG_TMP/page2.json"
[ "$(pint total)" = 6 ] && [ "$(pint count)" = 2 ] && [ "$(outcome selected)" = 1 ] && [ "$(outcome opted-out)" = 1 ] ||
	fail "slice 2"
[ "$(notices)" = "Treviño-Salinas DTaP/Tdap/Td@2023-05-01! Meningococcal ACWY@2023-05-01!" ] ||
	fail "slice 2 notices: $(notices)"
ask "$a" 6 4
expect 200 "past the end"
[ "$(pint count)" = 0 ] && [ "$(pint total)" = 6 ] || fail "past the end"
# every client examined is audited
[ "$(print_audited recall)" = 6 ] ||
	fail "recall audit"

# chosen vaccines and an age range, one slice
ask "$a" 0 50 '{"name":"mode","valueCode":"vaccines"},{"name":"vaccine","valueString":"MMR"},
 {"name":"vaccine","valueString":"HepB"},{"name":"age-min","valueInteger":0},{"name":"age-max","valueInteger":72}'
expect 200 "recall by vaccine"
[ "$(notices)" = "Nguyễn MMR@2025-03-15
Okafor Hepatitis B@2026-08-20!" ] || fail "by vaccine: $(notices)"
[ "$(outcome out-of-age)" = 4 ] && [ "$(outcome no-address)" = 0 ] || fail "by vaccine outcomes"
# only what is past due
ask "$a" 0 50 '{"name":"overdue","valueBoolean":true}'
expect 200 "recall overdue"
[ "$(jqb '[.parameter[] | select(.name == "notice")] | length')" = 2 ] && [ "$(outcome not-due)" = 1 ] || fail "overdue"

# the letters from the registry's answers: three clients, English and Spanish
if [ -x "$top_builddir/tests/print/printdrv" ] && command -v pdftotext >/dev/null 2>&1; then
	VAXDESK_DATADIR=${VAXDESK_DATADIR:-$top_srcdir/data} "$top_builddir/tests/print/printdrv" recall-answer \
		--lang both "$REG_TMP/page1.json" "$REG_TMP/page2.json" "$REG_TMP/l.pdf" "$REG_TMP/l.csv" ||
		fail "letters from the answers"
	[ "$(pdfinfo "$REG_TMP/l.pdf" | sed -n 's/^Pages: *//p')" = 6 ] || fail "letters pages"
	pdftotext -layout "$REG_TMP/l.pdf" - | tr -s ' \n' '  ' | grep -q "Estimado padre, madre o tutor de María José Treviño-Salinas:" ||
		fail "Spanish letter to Treviño-Salinas"
	[ "$(cut -d, -f2 "$REG_TMP/l.csv" | tail -n +2 | tr -d '\r' | tr '\n' ' ')" = "Nguyễn Okafor Treviño-Salinas " ] ||
		fail "list: $(cat "$REG_TMP/l.csv")"
fi

# refusals, each naming its parameter
ask "$a" 0 10 '{"name":"mode","valueCode":"vaccines"},{"name":"vaccine","valueString":"Smallpox-ish"}'
expect 400 "unknown vaccine"
[ "$(jqb '.issue[0].expression[0]')" = vaccine ] || fail "unknown vaccine names the parameter"
ask "$a" 0 10 '{"name":"mode","valueCode":"vaccines"}'
expect 400 "no vaccine"
ask "$a" 0 10 '{"name":"age-min","valueInteger":80},{"name":"age-max","valueInteger":12}'
expect 400 "ages reversed"
ask "$a" 0 0
expect 400 "count 0"
[ "$(jqb '.issue[0].expression[0]')" = count ] || fail "count names the parameter"
reg_json POST "/Patient/\$recall" "$a" '{"resourceType":"Bundle"}'
expect 400 "not Parameters"
ask "$v" 0 10
expect 403 "view role"
# CLINICB sees its own one client only
ask "$b" 0 10
expect 200 "CLINICB"
[ "$(pint total)" = 1 ] || fail "CLINICB's clients"
registry_stop
