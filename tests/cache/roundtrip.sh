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
skip() { echo "SKIP: $*"; exit 77; }
command -v node >/dev/null 2>&1 || skip "node is not installed"
command -v jq >/dev/null 2>&1 || skip "jq is not installed"
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' ||
	skip "node $(node --version) is too old for @medplum/fhir-router"
mp=$srcdir/tests/medplum
if [ ! -d "$mp/node_modules/@medplum/fhir-router" ]; then
	lock=$(cksum <"$srcdir/tests/medplum/package-lock.json" | cut -d' ' -f1)
	mp=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/vaxdesk/medplum-$lock
	[ -d "$mp/node_modules/@medplum/fhir-router" ] ||
		skip "the Medplum packages are not installed (tests/api/medplum.sh installs them)"
	cp "$srcdir/tests/medplum/server.mjs" "$mp/server.mjs" 2>/dev/null || true
fi
CACHEDRV=$builddir/tests/cache/cachedrv
work=$(mktemp -d "${TMPDIR:-/tmp}/vaxroundtrip.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
fail() {
	echo "FAIL: $*"
	[ -s "$work/server.err" ] && cat "$work/server.err"
	exit 1
}

sh "$srcdir/tests/api/mkcerts.sh" "$work/certs" || fail "certificates"
mkfifo "$work/hold"
node "$mp/server.mjs" --cert "$work/certs/good.crt" --key "$work/certs/good.key" \
	<"$work/hold" >"$work/server.out" 2>"$work/server.err" &
pid=$!
exec 9>"$work/hold"
i=0
url=
while [ $i -lt 300 ] && [ -z "$url" ]; do
	url=$(sed -n 's/^URL //p' "$work/server.out")
	kill -0 "$pid" 2>/dev/null || break
	[ -n "$url" ] || sleep 0.1
	i=$((i + 1))
done
[ -n "$url" ] || fail "the Medplum server did not start"
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
