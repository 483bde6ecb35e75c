#!/bin/sh
# Lossless: the round-trip set (tests/registry/roundtrip.json: 33 standard R4
# resources of every type vaxregd writes, with other systems' extensions,
# modifier elements such as active, link, deceased and isSubpotent, and the
# optional elements vaxdesk never uses) is written to vaxregd and read back
# equal, modulo id, meta and a client's registry ID (the registry's own
# identifier, added to each Patient); an update that sends it back unchanged keeps it
# equal too (the second edit). Every answer is also checked by the
# conformance pass (tests/fhir/validate.sh).
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINICA alice provider
registry_start
tok=$(registry_login CLINICA alice)

set_file=$top_srcdir/tests/registry/roundtrip.json
n=$(jq length "$set_file")
[ "$n" -ge 30 ] || fail "the round-trip set has only $n resources"
RID_SYS=https://vaxdesk.org/fhir/sid/registry-id
strip='del(.id, .meta) | if .identifier then .identifier |= map(select(.system != "'$RID_SYS'"))
 | if .identifier == [] then del(.identifier) else . end else . end'
subst=
i=0
ok=0
while [ $i -lt "$n" ]; do
	res=$(jq -c ".[$i]" "$set_file")
	# {{Pk}}: the id of the k-th Patient of the set
	for s in $subst; do res=$(printf '%s' "$res" | sed "s|{{${s%%=*}}}|${s#*=}|g"); done
	type=$(printf '%s' "$res" | jq -r .resourceType)
	reg_json POST "/$type" "$tok" "$res"
	[ "$REG_STATUS" = 201 ] || fail "resource $i ($type) not created: $REG_STATUS $(head -c 600 "$REG_BODY")"
	id=$(jqb .id)
	if [ "$type" = Patient ]; then
		subst="$subst P$(echo "$subst" | wc -w)=$id"
		[ "$(jqb "[.identifier[] | select(.system == \"$RID_SYS\")] | length")" = 1 ] ||
			fail "Patient $i has no registry ID"
	fi
	want=$(printf '%s' "$res" | jq -S "$strip")
	reg_json GET "/$type/$id" "$tok"
	expect 200 "read $type/$id"
	got=$(jq -S "$strip" "$REG_BODY")
	if [ "$got" != "$want" ]; then
		echo "sent:" >&2; echo "$want" >&2; echo "read back:" >&2; echo "$got" >&2
		fail "resource $i ($type) did not come back as sent"
	fi
	# the second edit: the record as read, sent back, stays the same
	reg PUT "/$type/$id" -H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' \
		-H 'If-Match: W/"1"' --data-binary "@$REG_BODY"
	expect 200 "update $type/$id unchanged"
	[ "$(jqb .meta.versionId)" = 2 ] || fail "$type/$id: version $(jqb .meta.versionId)"
	[ "$(jq -S "$strip" "$REG_BODY")" = "$want" ] || fail "resource $i ($type) changed by an unchanged update"
	ok=$((ok + 1))
	i=$((i + 1))
done
echo "round trip: $ok of $n resources came back equal (modulo id, meta and the registry ID)"

# what it cannot honour is refused, never dropped
P=$(jq -c '.[1]' "$set_file")
reg_json POST /Patient "$tok" "$(echo "$P" | jq -c '.modifierExtension=[{"url":"http://example.org/x","valueBoolean":true}]')"
expect 422 "unknown modifierExtension"
jqb '.issue[0].expression[0]' | grep -qx 'Patient.modifierExtension' || fail "modifierExtension named"
reg_json POST /Patient "$tok" "$(echo "$P" | jq -c '.implicitRules="http://example.org/rules"')"
expect 422 "implicitRules"
reg_json POST /Patient "$tok" "$(echo "$P" | jq -c '.favouriteColour="blue"')"
expect 422 "an element R4 does not have"
jqb '.issue[0].expression[0]' | grep -qx 'Patient.favouriteColour' || fail "made-up element named"
reg_json POST /Group "$tok" '{"resourceType":"Group","type":"person","actual":true,"name":"x","madeUp":1}'
expect 422 "a Group element the client made up"
reg_json POST /Patient "$tok" "$(echo "$P" | jq -c '.name[0].given=[]')"
expect 422 "empty list"
reg_json POST /Patient "$tok" "$(echo "$P" | jq -c '.birthDate="2019-13-01"')"
expect 422 "bad date"
echo ok
