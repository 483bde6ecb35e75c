#!/bin/sh
# Organization/{id}/$provider-summary against a fixture registry whose
# answer is worked out by hand below. Dates are relative to today (the
# registry stamps each dose with the day it first received it, today).
#
# CLINICA administers, in the 90-day period ending today:
#   to Adams (adult): A flu today (lot, VIS, funding, VFC), B Tdap 5 days
#     ago (lot), C hep A 20 days ago (lot, VIS), D adult hep B 60 days ago
#     (lot, funding); and records E, an MMR from history 10 days ago; G, a
#     flu 100 days ago, is before the period.
#   to Brown (26 months, up to date otherwise): MMR 3 days ago and MMR again
#     1 day ago (lot, funding, VFC): the second is 2 days after the first,
#     so a likely duplicate and, by CDSi, not valid (too soon).
#   CLINICB gives Adams a pneumococcal polysaccharide dose today: not CLINICA's.
# So 6 doses: within 1 day A and the second MMR (2); within 7 also B and
# the first MMR (4); within 30 also C (5). Lot 6, VIS 2, funding 4, VFC 3.
# Historical 1. Errors: the duplicate and the dose too soon (2).
# Coverage: CLINICA's active clients 24-35 months old: Brown (up to date,
# the MMR given 3 days ago counts) and Chen (30 months, three PCV, no
# fourth): 2, of them 1 up to date, 1 short of PCV. Diaz (30 months,
# moved away) and Evans (CLINICB's) are not in it.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
. "$top_srcdir/tests/print/load.sh"
registry_init
registry_user CLINICA alice provider
registry_user CLINICA victor view
registry_user CLINICB bob provider
registry_user ISD nancy school
registry_start
a=$(registry_login CLINICA alice)
b=$(registry_login CLINICB bob)
v=$(registry_login CLINICA victor)
n=$(registry_login ISD nancy)
d() { date -u -d "$1" +%F; }
today=$(d today)

patient() { # TOKEN FAMILY DOB [EXTENSIONS]
	reg_create_patient "$1" '{"resourceType":"Patient","name":[{"family":"'"$2"'","given":["Kim"]}],"gender":"female",
	 "birthDate":"'"$3"'","address":[{"line":["1 Main St"],"city":"Austin","district":"Travis","state":"TX","postalCode":"78701"}]
	 '"${4:+,\"extension\":[$4]}"'}'
	echo "$PID"
}
# entry PATIENT CVX DATE [historical|admin] [lot,vis,funding,vfc]
entry() {
	_h=false
	[ "$4" = admin ] && _h=true
	_x=
	case ",${5:-}," in *,lot,*) _x="$_x,\"lotNumber\":\"L$2-$3\"" ;; esac
	case ",${5:-}," in *,vis,*) _x="$_x,\"education\":[{\"documentType\":\"253088698300012711120420\",\"publicationDate\":\"2021-08-06\",\"presentationDate\":\"$3\"}]" ;; esac
	case ",${5:-}," in *,funding,*) _x="$_x,\"fundingSource\":{\"coding\":[{\"system\":\"https://vaxdesk.org/fhir/CodeSystem/funding-source\",\"code\":\"VXC1\"}]}" ;; esac
	case ",${5:-}," in *,vfc,*) _x="$_x,\"programEligibility\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v2-0064\",\"code\":\"V02\"}]}]" ;; esac
	[ "$_h" = false ] && _x="$_x,\"reportOrigin\":{\"coding\":[{\"code\":\"01\"}]}"
	printf '{"resource":{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"%s"}]},"patient":{"reference":"Patient/%s"},"occurrenceDateTime":"%s","primarySource":%s%s},"request":{"method":"POST","url":"Immunization"}}' \
		"$2" "$1" "$3" "$_h" "$_x"
}
post() { # TOKEN ENTRY...
	_t=$1
	shift
	_e=$(printf '%s,' "$@")
	reg_json POST / "$_t" '{"resourceType":"Bundle","type":"transaction","entry":['"${_e%,}"']}'
	expect 200 "doses"
}
# a history on the ACIP schedule from birth to 15 months (no MMR), with or
# without the fourth PCV
child() { # PATIENT DOB [no-pcv4]
	_e="$(entry "$1" 08 "$2" historical) $(entry "$1" 08 "$(d "$2 +2 months")" historical)
	 $(entry "$1" 08 "$(d "$2 +6 months")" historical)"
	for m in 2 4 6; do
		_e="$_e $(entry "$1" 20 "$(d "$2 +$m months")" historical) $(entry "$1" 10 "$(d "$2 +$m months")" historical)
		 $(entry "$1" 133 "$(d "$2 +$m months")" historical)"
	done
	_e="$_e $(entry "$1" 20 "$(d "$2 +15 months")" historical) $(entry "$1" 49 "$(d "$2 +2 months")" historical)
	 $(entry "$1" 49 "$(d "$2 +4 months")" historical) $(entry "$1" 49 "$(d "$2 +12 months")" historical)
	 $(entry "$1" 21 "$(d "$2 +12 months")" historical)"
	[ "${3:-}" = no-pcv4 ] || _e="$_e $(entry "$1" 133 "$(d "$2 +12 months")" historical)"
	# shellcheck disable=SC2086
	post "$a" $_e
}

adams=$(patient "$a" Adams 1990-05-05)
post "$a" "$(entry "$adams" 141 "$today" admin lot,vis,funding,vfc)" \
	"$(entry "$adams" 115 "$(d "today -5 days")" admin lot)" \
	"$(entry "$adams" 83 "$(d "today -20 days")" admin lot,vis)" \
	"$(entry "$adams" 43 "$(d "today -60 days")" admin lot,funding)" \
	"$(entry "$adams" 03 "$(d "today -10 days")" historical)" \
	"$(entry "$adams" 141 "$(d "today -100 days")" admin lot)"
post "$b" "$(entry "$adams" 33 "$today" admin lot)"
bdob=$(d "today -26 months")
brown=$(patient "$a" Brown "$bdob")
child "$brown" "$bdob"
post "$a" "$(entry "$brown" 03 "$(d "today -3 days")" admin lot,funding,vfc)" \
	"$(entry "$brown" 03 "$(d "today -1 days")" admin lot,funding,vfc)"
cdob=$(d "today -30 months")
chen=$(patient "$a" Chen "$cdob")
child "$chen" "$cdob" no-pcv4
post "$a" "$(entry "$chen" 03 "$(d "$cdob +12 months")" historical)"
diaz=$(patient "$a" Diaz "$cdob" '{"url":"https://vaxdesk.org/fhir/StructureDefinition/org-status","valueCode":"moved"}')
evans=$(patient "$b" Evans "$(d "today -25 months")")
: "$diaz" "$evans"

param() { jqb ".parameter[] | select(.name == \"$1\") | .valueInteger"; }
reg_json GET "/Organization/CLINICA/\$provider-summary?start=$(d "today -89 days")&end=$today" "$a"
expect 200 "provider summary"
[ "$(jqb .resourceType)" = Parameters ] || fail "not Parameters"
got=$(for k in doses reported-within-1-day reported-within-7-days reported-within-30-days with-lot with-vis \
	with-funding with-eligibility historical cohort up-to-date errors; do printf '%s=%s ' "$k" "$(param "$k")"; done)
want="doses=6 reported-within-1-day=2 reported-within-7-days=4 reported-within-30-days=5 with-lot=6 with-vis=2 \
with-funding=4 with-eligibility=3 historical=1 cohort=2 up-to-date=1 errors=2 "
[ "$got" = "$want" ] || fail "summary
 got:  $got
 want: $want"
short() { jqb ".parameter[] | select(.name == \"short-of\") | select(.part[0].valueString == \"$1\") | .part[1].valueInteger"; }
[ "$(short PCV)" = 1 ] && [ "$(short DTaP)" = 0 ] && [ "$(short MMR)" = 0 ] || fail "short-of"
issue() { jqb ".parameter[] | select(.name == \"issue\") | select(.part[0].valueCode == \"$1\") | .part[2].valueInteger"; }
[ "$(issue V-DUPLICATE-SHOT)" = 1 ] && [ "$(issue Q-NOT-VALID-INTERVAL)" = 1 ] || fail "issues"
[ "$(jqb "[.parameter[] | select(.name == \"example\") | .part[] | select(.name == \"patient\") | .valueReference.reference] | unique | .[]")" = "Patient/$brown" ] ||
	fail "examples name Brown's doses"
[ "$(jqb '.parameter[] | select(.name == "organization") | .valueString')" = CLINICA ] || fail "organization"
cp "$REG_BODY" "$REG_TMP/summary.json"

# the same by POST with a Parameters body; the view role may look
reg_json POST "/Organization/CLINICA/\$provider-summary" "$v" '{"resourceType":"Parameters","parameter":[
 {"name":"start","valueDate":"'"$(d "today -89 days")"'"},{"name":"end","valueDate":"'"$today"'"}]}'
expect 200 "summary by POST, view role"
[ "$(param doses)" = 6 ] || fail "POST summary"
# a period that ended before the doses: nothing rated, the cohort as of then
reg_json GET "/Organization/CLINICA/\$provider-summary?start=$(d "today -400 days")&end=$(d "today -200 days")" "$a"
expect 200 "an earlier period"
[ "$(param doses)" = 0 ] && [ "$(param errors)" = 0 ] || fail "earlier period counts"
# CLINICB's own: its one dose today, reported the same day
reg_json GET "/Organization/CLINICB/\$provider-summary" "$b"
expect 200 "CLINICB"
[ "$(param doses)" = 1 ] && [ "$(param reported-within-1-day)" = 1 ] && [ "$(param cohort)" = 1 ] ||
	fail "CLINICB summary"

# every client read for it is audited
n_audit=$(print_audited provider-summary CLINICA)
[ "$n_audit" -ge 3 ] || fail "audited $n_audit clients"

# nobody sees another organization's summary; a school may not; bad periods say why
reg_json GET "/Organization/CLINICA/\$provider-summary" "$b"
expect 403 "another organization"
reg_json GET "/Organization/CLINICA/\$provider-summary" "$n"
expect 403 "school role"
reg_json GET "/Organization/CLINICA/\$provider-summary?start=2026-13-01" "$a"
expect 400 "bad start"
[ "$(jqb '.issue[0].expression[0]')" = start ] || fail "bad start names the parameter"
reg_json GET "/Organization/CLINICA/\$provider-summary?start=$today&end=$(d "today -1 day")" "$a"
expect 400 "start after end"
reg_json GET "/Organization/CLINICA/\$provider-summary?start=2020-01-01&end=$today" "$a"
expect 400 "too long a period"
reg_json DELETE "/Organization/CLINICA/\$provider-summary" "$a"
expect 405 "DELETE"

# the answer prints: the document reads it back as the summary
if [ -x "$top_builddir/tests/print/printdrv" ] && command -v pdftotext >/dev/null 2>&1; then
	VAXDESK_DATADIR=${VAXDESK_DATADIR:-$top_srcdir/data} "$top_builddir/tests/print/printdrv" summary-pdf \
		"$REG_TMP/summary.json" "$REG_TMP/summary.pdf" || fail "summary document"
	pdftotext -layout "$REG_TMP/summary.pdf" - | tr -s ' ' | grep -q "Reported within 7 days 4 of 6 66.7%" ||
		fail "document: $(pdftotext -layout "$REG_TMP/summary.pdf" - | head -30)"
fi
registry_stop
