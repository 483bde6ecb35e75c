#!/bin/sh
# The registry's own rules honour what a record says about itself: a dose
# given but subpotent (isSubpotent) never counts in $school-compliance, and
# counts again once corrected; a client record merged into another
# (link replaced-by) or no longer in use (active false) is no $match
# candidate, is named as such in a school report, and a merged one takes no
# new dose.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINICA alice provider
registry_start
a=$(registry_login CLINICA alice)

patient() { # JSON-extras FAMILY GIVEN DOB -> id
	reg_json POST /Patient "$a" '{"resourceType":"Patient","name":[{"family":"'$2'","given":["'$3'"]}],
	 "gender":"female","birthDate":"'$4'","address":[{"district":"Travis","state":"TX","postalCode":"78741"}]'"$1"'}'
	expect 201 "create $2"
	jqb .id
}
dose() { # PATIENT CVX DATE [extra JSON members] -> id
	reg_json POST /Immunization "$a" '{"resourceType":"Immunization","status":"completed",
	 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"'$2'"}]},
	 "patient":{"reference":"Patient/'$1'"},"occurrenceDateTime":"'$3'","primarySource":false,
	 "reportOrigin":{"coding":[{"code":"01"}]}'"${4:-}"'}'
	expect 201 "dose $2 for $1"
	jqb .id
}

# two MMR doses, the second subpotent (half a dose given)
k=$(patient '' Rowe Ada 2019-01-15)
dose "$k" 03 2020-01-20 >/dev/null
sub=$(dose "$k" 03 2023-02-01 ',"isSubpotent":true,"subpotentReason":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/immunization-subpotent-reason","code":"partialdose"}]}]')
reg_json GET "/Immunization/$sub" "$a"
[ "$(jqb .isSubpotent)" = true ] || fail "isSubpotent not kept"
# a merged record and one no longer in use, both still on an old list
m=$(patient ',"link":[{"other":{"reference":"Patient/'$k'"},"type":"replaced-by"}]' Rowe Ada 2019-01-15)
i=$(patient ',"active":false' Rowe Ada 2019-01-15)
reg_json POST /Group "$a" '{"resourceType":"Group","type":"person","actual":true,"name":"Room 1",
 "member":[{"entity":{"reference":"Patient/'$k'"}}]}'
expect 201 "school list"
gid=$(jqb .id)

mmr() { # the MMR line of student k's report: "status validDoses"
	reg_json GET "/Group/$gid/\$school-compliance?grade=K&date=2024-08-20" "$a"
	expect 200 "school compliance"
	jqb '.parameter[] | select(.name == "student") | .part as $p
	     | select(($p[] | select(.name == "patient") | .valueReference.reference) == "Patient/'$k'")
	     | $p[] | select(.name == "requirement") | .part as $q
	     | select(($q[] | select(.name == "vaccine") | .valueString) == "MMR")
	     | "\(($q[] | select(.name == "status") | .valueCode)) \(($q[] | select(.name == "validDoses") | .valueInteger))"'
}
got=$(mmr)
case $got in "met "*) fail "a subpotent dose counted: MMR $got" ;; *" 1") ;; *) fail "MMR with a subpotent dose: $got" ;; esac
# corrected (it was a full dose after all): it counts
reg_json GET "/Immunization/$sub" "$a"
reg PUT "/Immunization/$sub" -H "Authorization: Bearer $a" -H 'Content-Type: application/fhir+json' \
	-H "If-Match: W/\"$(jqb .meta.versionId)\"" --data-binary "$(jq -c 'del(.isSubpotent, .subpotentReason)' "$REG_BODY")"
expect 200 "correct the dose"
[ "$(mmr)" = "met 2" ] || fail "MMR after the correction: $(mmr)"

# the old list naming the merged and the unused record
reg_json GET "/Group/$gid" "$a"
reg PUT "/Group/$gid" -H "Authorization: Bearer $a" -H 'Content-Type: application/fhir+json' -H 'If-Match: W/"1"' \
	--data-binary '{"resourceType":"Group","id":"'$gid'","type":"person","actual":true,"name":"Room 1",
 "member":[{"entity":{"reference":"Patient/'$k'"}},{"entity":{"reference":"Patient/'$i'"}}]}'
expect 200 "a list with a record no longer in use"
reg_json GET "/Group/$gid/\$school-compliance?grade=K&date=2024-08-20" "$a"
err=$(jqb '.parameter[] | select(.name == "student") | .part as $p
	| select(($p[] | select(.name == "patient") | .valueReference.reference) == "Patient/'$i'")
	| $p[] | select(.name == "error") | .valueString')
echo "$err" | grep -q 'no longer in use' || fail "an inactive record on a list: '$err'"

# a merged record takes no dose; $match finds the record in use only
reg_json POST /Immunization "$a" '{"resourceType":"Immunization","status":"completed",
 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"21"}]},
 "patient":{"reference":"Patient/'$m'"},"occurrenceDateTime":"2020-01-20","primarySource":false,
 "reportOrigin":{"coding":[{"code":"01"}]}}'
expect 422 "a dose for a merged record"
[ "$(jqb '.issue[0].details.coding[0].code')" = REF-MERGED ] && jqb '.issue[0].diagnostics' | grep -q "Patient/$k" ||
	fail "the refusal names the record in use: $(cat "$REG_BODY")"
reg_json POST '/Patient/$match' "$a" '{"resourceType":"Parameters","parameter":[{"name":"resource","resource":
 {"resourceType":"Patient","name":[{"family":"Rowe","given":["Ada"]}],"gender":"female","birthDate":"2019-01-15"}}]}'
expect 200 "\$match"
[ "$(jqb -c '[.entry[].resource.id]')" = "[\"$k\"]" ] || fail "\$match offered records not in use: $(jqb -c '[.entry[].resource.id]')"
echo ok
