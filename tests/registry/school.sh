#!/bin/sh
# Group/{id}/$school-compliance: every student of a school list against the
# Texas school requirements (forecast/school.h) over the registry's doses;
# only the school or clinic that keeps the list may run it.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINICA alice provider
registry_user CLINICA victor view
registry_user ISD nancy school
registry_user ISD2 sam school
registry_start
a=$(registry_login CLINICA alice)
v=$(registry_login CLINICA victor)
n=$(registry_login ISD nancy)
s=$(registry_login ISD2 sam)

patient() { # FAMILY GIVEN GENDER DOB
	reg_json POST /Patient "$a" '{"resourceType":"Patient","name":[{"family":"'$1'","given":["'$2'"]}],
	 "gender":"'$3'","birthDate":"'$4'","address":[{"district":"Travis","state":"TX","postalCode":"78741"}]}'
	expect 201 "create $1"
	jqb .id
}
shots() { # PATIENT-ID "CVX@DATE ..." (historical records, one transaction)
	_e=
	for _d in $2; do
		_e="$_e${_e:+,}"'{"resource":{"resourceType":"Immunization","status":"completed",
		 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"'${_d%@*}'"}]},
		 "patient":{"reference":"Patient/'$1'"},"occurrenceDateTime":"'${_d#*@}'","primarySource":false,
		 "reportOrigin":{"coding":[{"code":"01"}]}},"request":{"method":"POST","url":"Immunization"}}'
	done
	reg_json POST / "$a" '{"resourceType":"Bundle","type":"transaction","entry":['"$_e"']}'
	expect 200 "shots for $1"
}

# vaccinated on the ACIP schedule to 4-6 years: ready for kindergarten
k1=$(patient Becker Ana female 2019-01-15)
shots "$k1" "08@2019-01-15 110@2019-03-15 110@2019-05-15 110@2019-07-15 49@2019-03-15 49@2019-05-15
 49@2020-01-20 133@2019-03-15 133@2019-05-15 133@2019-07-15 133@2020-01-20 03@2020-01-20 21@2020-01-20
 83@2020-01-20 83@2020-07-20 20@2020-04-20 130@2023-02-01 94@2023-02-01"
# two MMR 10 days apart: the second is not valid, the next dose is due by
# 2024-09-08; no hepatitis B at all
k2=$(patient Ortiz Luis male 2018-01-15)
shots "$k2" "03@2024-08-01 03@2024-08-11"
reg_json GET "/Immunization?patient=$k2" "$a"
iid=$(jqb '.entry[].resource | select(.occurrenceDateTime | startswith("2024-08-11")) | .id')

G='{"resourceType":"Group","type":"person","actual":true,"name":"Becker Elementary",
 "member":[{"entity":{"reference":"Patient/'$k1'"}},{"entity":{"reference":"Patient/'$k2'"}}]}'
reg_json POST /Group "$n" "$G"
expect 201 "school list"
gid=$(jqb .id)

# the answer is a FHIR Parameters resource (OperationDefinition
# Group-school-compliance); read it back into the report's plain tree, as
# fhir_parameters_to_tree() does, for the checks below
report() {
	expect 200 "$1"
	reg_params_tree
}
reg_json GET "/Group/$gid/\$school-compliance?grade=K&date=2024-08-20" "$n"
report "compliance report"
[ "$(jqb .total)" = 2 ] && [ "$(jqb .compliant)" = 1 ] || fail "report counts $(jqb -c '{total,compliant}')"
[ "$(jqb .date)" = 2024-08-20 ] && [ "$(jqb .group)" = "Group/$gid" ] || fail "report header"
st1='.students[] | select(.patient == "Patient/'$k1'")'
st2='.students[] | select(.patient == "Patient/'$k2'")'
[ "$(jqb "$st1 | .compliant")" = true ] || fail "kindergartener compliant $(jqb -c "$st1")"
[ "$(jqb "[$st1 | .requirements[] | select(.status != \"met\" and .status != \"not-required\")] | length")" = 0 ] ||
	fail "kindergartener items"
[ "$(jqb "$st1 | .requirements[] | select(.vaccine == \"DTaP/DT/Td\") | .validDoses")" = 5 ] || fail "DTaP doses"
[ "$(jqb "$st2 | .compliant")" = false ] || fail "second student compliant"
[ "$(jqb "$st2 | .requirements[] | select(.vaccine == \"MMR\") | .status")" = due ] || fail "MMR due"
[ "$(jqb "$st2 | .requirements[] | select(.vaccine == \"MMR\") | .due")" = 2024-09-08 ] || fail "MMR due date"
[ "$(jqb "$st2 | .requirements[] | select(.vaccine == \"Hepatitis B\") | .status")" = not-met ] || fail "HepB not met"
# per requirement missing: the dose and its earliest date (the second MMR
# from 09/08; the first hepatitis B now); who each line is
[ "$(jqb -c "$st2 | .requirements[] | select(.vaccine == \"MMR\") | [.dose, .earliest]")" = '[2,"2024-09-08"]' ] ||
	fail "MMR dose and date $(jqb -c "$st2")"
[ "$(jqb -c "$st2 | .requirements[] | select(.vaccine == \"Hepatitis B\") | [.dose, .earliest]")" = '[1,"2024-08-20"]' ] ||
	fail "HepB dose and date"
[ "$(jqb -c "$st2 | [.name, .birthDate]")" = '["Ortiz, Luis","2018-01-15"]' ] || fail "student named"
[ "$(jqb .name)" = "Becker Elementary" ] || fail "list named"
[ "$(jqb "[$st1 | .requirements[] | select(has(\"dose\"))] | length")" = 0 ] || fail "dose on a met requirement"

# the registry's current doses are what counts: without the dose given too
# soon, the next MMR is due 4 weeks after the first (2024-08-29)
reg_json DELETE "/Immunization/$iid" "$a"
expect 204 "delete a dose"
reg_json POST "/Group/$gid/\$school-compliance" "$n" '{"resourceType":"Parameters","parameter":[
 {"name":"grade","valueString":"K"},{"name":"date","valueDate":"2024-08-20"}]}'
report "compliance by POST"
[ "$(jqb "$st2 | .requirements[] | select(.vaccine == \"MMR\") | .validDoses")" = 1 ] &&
	[ "$(jqb "$st2 | .requirements[] | select(.vaccine == \"MMR\") | .due")" = 2024-08-29 ] ||
	fail "after delete $(jqb -c "$st2 | .requirements[] | select(.vaccine == \"MMR\")")"

# the clinic's provider may ask too if the list is theirs; nobody else sees it
reg_json GET "/Group/$gid/\$school-compliance?grade=K" "$s"
expect 404 "another school's list"
reg_json GET "/Group/$gid/\$school-compliance?grade=K" "$v"
expect 403 "view role"
reg_json POST /Group "$a" "$G"
expect 201 "clinic list"
reg_json GET "/Group/$(jqb .id)/\$school-compliance?grade=1&date=2024-08-20" "$a"
report "provider's own list"
[ "$(jqb .total)" = 2 ] || fail "provider's report"

# bad input
reg_json GET "/Group/$gid/\$school-compliance" "$n"
expect 400 "no grade"
reg_json GET "/Group/$gid/\$school-compliance?grade=13" "$n"
expect 400 "bad grade"
reg_json GET "/Group/$gid/\$school-compliance?grade=K&date=2024-02-30" "$n"
expect 400 "bad date"
reg_json DELETE "/Group/$gid/\$school-compliance" "$n"
expect 405 "DELETE"
registry_stop
