#!/bin/sh
# The school reports the registry keeps ("Check School Reports"): run a
# list's report and keep it, list the organization's reports newest first,
# reopen one as it was run; nobody else sees them. The kept report prints.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINICA alice provider
registry_user ISD nancy school
registry_user ISD victor view
registry_user ISD2 sam school
registry_start
a=$(registry_login CLINICA alice)
n=$(registry_login ISD nancy)
v=$(registry_login ISD victor)
s=$(registry_login ISD2 sam)

patient() { # FAMILY GIVEN DOB
	reg_create_patient "$a" '{"resourceType":"Patient","name":[{"family":"'"$1"'","given":["'"$2"'"]}],"gender":"male",
	 "birthDate":"'"$3"'","address":[{"district":"Travis","state":"TX","postalCode":"78741"}]}'
	echo "$PID"
}
k1=$(patient Ortiz Luis 2018-01-15)
k2=$(patient Núñez Iker 2018-03-02)
reg_json POST /Group "$n" '{"resourceType":"Group","type":"person","actual":true,"name":"Becker Elementary K",
 "member":[{"entity":{"reference":"Patient/'"$k1"'"}},{"entity":{"reference":"Patient/'"$k2"'"}}]}'
expect 201 "school list"
gid=$(jqb .id)

reg_json POST "/Group/$gid/\$school-report" "$n" '{"resourceType":"Parameters","parameter":[
 {"name":"grade","valueString":"K"},{"name":"date","valueDate":"2024-08-20"}]}'
expect 201 "run and keep a report"
# each answers a Parameters resource (the definitions Group-school-report and
# Group-school-reports); the checks read its plain tree
cp "$REG_BODY" "$REG_TMP/run.json"
reg_params_tree
r1=$(jqb .id)
[ -n "$r1" ] && [ "$(header Location)" = "$REG_URL/Group/\$school-reports/$r1" ] ||
	fail "report id and Location: $(header Location)"
[ "$(jqb .total)" = 2 ] && [ "$(jqb .compliant)" = 0 ] && [ "$(jqb .ranBy)" = nancy ] || fail "report"
[ "$(jqb '.students[] | select(.name == "Núñez, Iker") | .requirements[] | select(.vaccine == "MMR") | [.status, .dose, .earliest] | @csv')" = '"not-met",1,"2024-08-20"' ] ||
	fail "Núñez's MMR"
reg_json POST "/Group/$gid/\$school-report?grade=1&date=2024-09-01" "$n"
expect 201 "a second report"
reg_params_tree
r2=$(jqb .id)

reg_json GET "/Group/\$school-reports" "$n"
expect 200 "the reports"
reg_params_tree
[ "$(jqb .total)" = 2 ] || fail "two reports"
[ "$(jqb -r '[.reports[].id] | join(" ")')" = "$r2 $r1" ] || fail "newest first: $(jqb -c '[.reports[].id]')"
[ "$(jqb -c '.reports[1] | [.name, .grade, .date, .total, .compliant, .ranBy]')" = '["Becker Elementary K","K","2024-08-20",2,0,"nancy"]' ] ||
	fail "list entry $(jqb -c '.reports[1]')"
[ "$(jqb '.reports[0] | has("students")')" = false ] || fail "the list carries whole reports"

reg_json GET "/Group/\$school-reports/$r1" "$n"
expect 200 "reopen"
jq -S . "$REG_TMP/run.json" >"$REG_TMP/a"
jq -S . "$REG_BODY" >"$REG_TMP/b"
cmp -s "$REG_TMP/a" "$REG_TMP/b" || fail "the reopened report differs from the run: $(diff "$REG_TMP/a" "$REG_TMP/b" | head -5)"
# reopened later it is the same report, whatever changed since
reg_json POST /Immunization "$a" '{"resourceType":"Immunization","status":"completed",
 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"03"}]},"patient":{"reference":"Patient/'"$k2"'"},
 "occurrenceDateTime":"2019-03-05","primarySource":false,"reportOrigin":{"coding":[{"code":"01"}]}}'
expect 201 "a dose later"
reg_json GET "/Group/\$school-reports/$r1" "$n"
jq -S . "$REG_BODY" >"$REG_TMP/c"
cmp -s "$REG_TMP/a" "$REG_TMP/c" || fail "a kept report changed"

# only the organization that ran them sees them
reg_json GET "/Group/\$school-reports" "$s"
expect 200 "another school's reports"
reg_params_tree
[ "$(jqb .total)" = 0 ] || fail "ISD2 sees ISD's reports"
reg_json GET "/Group/\$school-reports/$r1" "$s"
expect 404 "another school's report"
reg_json POST "/Group/$gid/\$school-report?grade=K" "$s"
expect 404 "another school's list"
reg_json GET "/Group/\$school-reports" "$v"
expect 403 "view role"
reg_json GET "/Group/\$school-reports/no-such-report" "$n"
expect 404 "unknown report"
reg_json POST "/Group/$gid/\$school-report?grade=13" "$n"
expect 400 "bad grade"

# the kept report prints and exports
if [ -x "$top_builddir/tests/print/printdrv" ] && command -v pdftotext >/dev/null 2>&1; then
	cp "$REG_TMP/b" "$REG_TMP/kept.json"
	"$top_builddir/tests/print/printdrv" school "$REG_TMP/kept.json" "$REG_TMP/k.pdf" "$REG_TMP/k.csv" ||
		fail "print the kept report"
	pdftotext -layout "$REG_TMP/k.pdf" - | tr -s ' ' | grep -q "Núñez, Iker 03/02/2018 No" || fail "the printed report"
	grep -q "^$k2,\"Núñez, Iker\",2018-03-02,no,MMR,not-met,0,1,2024-08-20,2024-08-20" "$REG_TMP/k.csv" ||
		fail "the CSV: $(cat "$REG_TMP/k.csv")"
fi
registry_stop
