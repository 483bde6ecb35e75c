# tests/lib/visit.sh - sourced (after tests/lib/registry.sh) by the visit's
# terminal test and bench: the child and the clinic's lots of the common
# visit, dated from today so the same vaccines are due whenever it runs.
#
#   visit_child TOKEN   William O'Brien, 3 years 7 months old, whose history
#                       leaves polio and varicella overdue: WPID, DOB
#   visit_hist TOKEN CVX AGE [PATIENT]  a historical dose at that age of DOB
#   visit_lots TOKEN    IPV26A (IPV), VAR26B (varicella), VAR25X (varicella,
#                       expired a month ago): IPV_EXP VAR_EXP OLD_EXP

visit_ago() { date -u -d "$1" +%Y-%m-%d; }
visit_after() { date -u -d "$DOB + $1" +%Y-%m-%d; }

visit_hist() {
	reg_json POST /Immunization "$1" '{"resourceType":"Immunization","status":"completed",
 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"'"$2"'"}]},
 "patient":{"reference":"Patient/'"${4:-$WPID}"'"},"occurrenceDateTime":"'"$(visit_after "$3")"'","primarySource":false,
 "reportOrigin":{"coding":[{"system":"https://vaxdesk.org/fhir/CodeSystem/info-source","code":"01"}]}}'
	[ "$REG_STATUS" = 201 ] || fail "history $2 at $3: $REG_STATUS"
}

visit_child() {
	DOB=$(visit_ago '3 years ago 7 months ago')
	reg_create_patient "$1" '{"resourceType":"Patient","name":[{"family":"O'"'"'Brien","given":["William"]}],
 "gender":"male","birthDate":"'"$DOB"'",
 "address":[{"line":["1 Main St"],"city":"Austin","state":"TX","postalCode":"78701","district":"Travis"}]}'
	WPID=$PID
	for _t in '1 day' '2 months' '6 months'; do visit_hist "$1" 08 "$_t"; done
	for _t in '2 months' '4 months' '6 months' '15 months'; do
		visit_hist "$1" 20 "$_t"
		visit_hist "$1" 49 "$_t"
		visit_hist "$1" 133 "$_t"
	done
	for _t in '2 months' '4 months'; do visit_hist "$1" 10 "$_t"; done
	visit_hist "$1" 03 '12 months'
	for _t in '12 months' '18 months'; do visit_hist "$1" 83 "$_t"; done
}

# visit_lot TOKEN CVX MVX LOT EXPIRY FUNDING DOSES
visit_lot() {
	reg_json POST /Medication "$1" '{"resourceType":"Medication","status":"active",
 "code":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"'"$2"'"}]},
 "manufacturer":{"identifier":{"system":"http://hl7.org/fhir/sid/mvx","value":"'"$3"'"}},
 "batch":{"lotNumber":"'"$4"'","expirationDate":"'"$5"'"},
 "extension":[{"url":"https://vaxdesk.org/fhir/StructureDefinition/doses-on-hand","valueInteger":'"$7"'},
  {"url":"https://vaxdesk.org/fhir/StructureDefinition/funding-source","valueCodeableConcept":{"coding":[{"system":"https://vaxdesk.org/fhir/CodeSystem/funding-source","code":"'"$6"'"}]}}]}'
	[ "$REG_STATUS" = 201 ] || fail "lot $4: $REG_STATUS"
}

visit_lots() {
	IPV_EXP=$(visit_ago '+1 year')
	VAR_EXP=$(visit_ago '+6 months')
	OLD_EXP=$(visit_ago '1 month ago')
	visit_lot "$1" 10 PMC IPV26A "$IPV_EXP" VXC1 10
	visit_lot "$1" 21 MSD VAR26B "$VAR_EXP" VXC1 5
	visit_lot "$1" 21 MSD VAR25X "$OLD_EXP" VXC1 3
}
