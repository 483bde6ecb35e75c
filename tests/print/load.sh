# tests/print/load.sh - sourced after tests/lib/registry.sh: load a fixture
# of tests/print/fixtures (a Patient and its Immunizations) into the
# registry as a transaction, as the organization of TOKEN; count the clients
# a report's audit names.
#
#   print_load TOKEN FIXTURE.json    # the new Patient's id in PID
#   print_audited ACTION [ORG]       # clients audited for ACTION
#
# The ids are dropped, the Patient is referenced by a urn:uuid, and the AKA
# names are left off (the registry takes Latin-script names only; the
# documents print any).
print_load() {
	jq -c '
	  {resourceType: "Bundle", type: "transaction", entry: [.entry[] | .resource
	     | if .resourceType == "Patient" then
	         {fullUrl: "urn:uuid:00000000-0000-4000-8000-000000000001", resource: (del(.id) | .name |= [.[0]]),
	          request: {method: "POST", url: "Patient"}}
	       else
	         {resource: (del(.id) | .patient.reference = "urn:uuid:00000000-0000-4000-8000-000000000001"),
	          request: {method: "POST", url: "Immunization"}}
	       end]}' "$2" >"$REG_TMP/tx.json"
	reg_json POST / "$1" "$(cat "$REG_TMP/tx.json")"
	expect 200 "load $(basename "$2")"
	[ "$(jqb '[.entry[].response.status | select(startswith("201"))] | length')" = "$(jq '.entry | length' "$REG_TMP/tx.json")" ] ||
		fail "load $(basename "$2"): $(jqb -c '[.entry[].response]')"
	PID=$(jqb '.entry[0].response.location' | sed 's|^Patient/||; s|/_history.*||')
}

# print_audited ACTION [ORG]: how many clients the audit names for ACTION
print_audited() {
	_w="action='$1' AND type='Patient'${2:+ AND org='$2'}"
	if [ -n "${VAXREG_DATABASE:-}" ]; then
		psql -X -q -A -t "$VAXREG_DATABASE" -c "SELECT count(DISTINCT id) FROM audit WHERE $_w"
	else
		sqlite3 "$REG_DIR/audit.db" "SELECT count(DISTINCT id) FROM audit WHERE $_w"
	fi
}
