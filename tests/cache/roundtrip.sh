#!/bin/sh
# An edit made in vaxdesk goes back as the registry's own resource with only
# the edited fields changed: against a FHIR server written by others
# (Medplum's engine, in memory, behind HTTPS; tests/medplum), which keeps
# every element it is given. A client carrying another system's extension,
# identifier, name period, marital status and language, a responsible person
# with an extension of its own, and a dose with an extension and a reaction
# are read into the store, edited offline (given name, a responsible
# person's phone, a dose's lot), and sent: the server then has the edits and
# everything else as it was. SKIPs (77) without node or the Medplum packages.
set -u
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
command -v jq >/dev/null 2>&1 || { echo "SKIP: jq is not installed"; exit 77; }
. "$srcdir/tests/medplum/lib.sh"
CACHEDRV=$builddir/tests/cache/cachedrv
work=$(mktemp -d "${TMPDIR:-/tmp}/vaxroundtrip.XXXXXX")
cleanup() {
	medplum_stop
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
fail() {
	echo "FAIL: $*"
	[ -s "$work/server.err" ] && cat "$work/server.err"
	exit 1
}
medplum_start "$work"
url=$MEDPLUM_URL
TOKEN=vaxdesk-roundtrip
api() { # METHOD PATH [JSON]: the body lands in $work/body
	curl -sS --cacert "$work/certs/ca.pem" -X "$1" -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/fhir+json' ${3:+--data-binary "$3"} -o "$work/body" \
		-w '%{http_code}' "$url$2"
}
drv() {
	_c=$1
	shift
	"$CACHEDRV" "$_c" --data-dir "$work/desk" --registry "$url" --ca-file "$work/certs/ca.pem" \
		--org CLINICA --user alice --password-fd 3 --token "$TOKEN" "$@" 3<"$work/pw"
}
printf 'Roundtrip!2026\n' >"$work/pw"
OTHER=http://other-system.example/fhir/StructureDefinition

st=$(api POST /Patient '{"resourceType":"Patient",
 "extension":[{"url":"'$OTHER'/shoe-size","valueInteger":31},
  {"url":"https://vaxdesk.org/fhir/StructureDefinition/org-status","valueCode":"active"}],
 "identifier":[{"system":"http://other-system.example/mrn","value":"MRN-771"}],
 "name":[{"use":"official","family":"Okonjo","given":["Ada"],"period":{"start":"2019-03-04"}}],
 "gender":"female","birthDate":"2019-03-04","maritalStatus":{"text":"never married"},
 "communication":[{"language":{"text":"Igbo"},"preferred":true}],
 "address":[{"use":"home","city":"Austin","district":"Travis","state":"TX","postalCode":"78701"}]}')
[ "$st" = 201 ] || fail "seed Patient: $st $(cat "$work/body")"
pid_=$(jq -r .id "$work/body")
st=$(api POST /RelatedPerson '{"resourceType":"RelatedPerson","patient":{"reference":"Patient/'$pid_'"},
 "extension":[{"url":"'$OTHER'/custody","valueString":"joint"}],
 "relationship":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0063","code":"MTH"}]}],
 "name":[{"family":"Okonjo","given":["Ngozi"]}],"telecom":[{"system":"phone","value":"5125550100","use":"home"}],
 "communication":[{"language":{"text":"Igbo"}}]}')
[ "$st" = 201 ] || fail "seed RelatedPerson: $st $(cat "$work/body")"
rpid=$(jq -r .id "$work/body")
st=$(api POST /Immunization '{"resourceType":"Immunization","status":"completed",
 "extension":[{"url":"'$OTHER'/cold-chain","valueString":"ok"}],
 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"08"}]},
 "patient":{"reference":"Patient/'$pid_'"},"occurrenceDateTime":"2019-03-05","primarySource":true,
 "lotNumber":"LOT-A","reaction":[{"detail":{"display":"none"},"reported":false}]}')
[ "$st" = 201 ] || fail "seed Immunization: $st $(cat "$work/body")"
imid=$(jq -r .id "$work/body")

drv tpull --rid "$pid_" || fail "read into the store"
drv edit --rid "$pid_" --given Adaeze || fail "edit the client"
drv resp --rid "$pid_" --family Okonjo --phone 5125550199 >/dev/null || fail "edit the responsible person"
drv dose --rid "$pid_" --cvx 08 --lot LOT-B >/dev/null || fail "edit the dose"
drv tsync >"$work/sync.out" || fail "sync: $(cat "$work/sync.out")"
grep -q 'accepted 3, rejected 0, conflict 0' "$work/sync.out" || fail "sync: $(cat "$work/sync.out")"

st=$(api GET "/Patient/$pid_")
[ "$st" = 200 ] || fail "read back the Patient"
p() { jq -r "$1" "$work/body"; }
[ "$(p '.name[0].given[0]')" = Adaeze ] || fail "the edit did not land: $(cat "$work/body")"
[ "$(p '.name[0].period.start')" = 2019-03-04 ] || fail "name.period was dropped"
[ "$(p '.maritalStatus.text')" = "never married" ] || fail "maritalStatus was dropped"
[ "$(p '.communication[0].language.text')" = Igbo ] || fail "communication was dropped"
[ "$(p "[.extension[] | select(.url == \"$OTHER/shoe-size\")][0].valueInteger")" = 31 ] ||
	fail "the other system's extension was dropped: $(cat "$work/body")"
[ "$(p '[.identifier[] | select(.value == "MRN-771")] | length')" = 1 ] || fail "the other system's identifier"
[ "$(p '.address[0].city')" = Austin ] || fail "the address"
st=$(api GET "/RelatedPerson/$rpid")
[ "$(p '.telecom[0].value')" = 5125550199 ] || fail "the responsible person's phone: $(cat "$work/body")"
[ "$(p "[.extension[] | select(.url == \"$OTHER/custody\")][0].valueString")" = joint ] ||
	fail "the responsible person's extension was dropped: $(cat "$work/body")"
[ "$(p '.communication[0].language.text')" = Igbo ] || fail "the responsible person's language"
st=$(api GET "/Immunization/$imid")
[ "$(p '.lotNumber')" = LOT-B ] || fail "the dose's lot: $(cat "$work/body")"
[ "$(p "[.extension[] | select(.url == \"$OTHER/cold-chain\")][0].valueString")" = ok ] ||
	fail "the dose's extension was dropped: $(cat "$work/body")"
[ "$(p '.reaction[0].detail.display')" = none ] || fail "the dose's reaction was dropped"
# sent once: nothing left, a second sync sends nothing
drv tsync >"$work/sync.out" || fail "second sync: $(cat "$work/sync.out")"
grep -q 'accepted 0,' "$work/sync.out" || fail "second sync: $(cat "$work/sync.out")"
echo ok
