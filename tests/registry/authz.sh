#!/bin/sh
# The authorization matrix, table-driven: every endpoint x role (provider,
# view, school) x own/foreign organization (the records belong to CLINICA;
# "foreign" users are of CLINICB) x token state (valid; none, garbage, ended
# by logout). The table below is the rule; a cell that answers otherwise
# fails the test.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINICA alice provider
registry_user CLINICA victor view
registry_user CLINICA nancy school
registry_user CLINICB bob provider
registry_user CLINICB vera view
registry_user CLINICB sam school
registry_start
for u in "pA CLINICA alice" "vA CLINICA victor" "sA CLINICA nancy" "pB CLINICB bob" "vB CLINICB vera" "sB CLINICB sam"; do
	set -- $u
	eval "T_$1=\$(registry_login $2 $3)"
done
ended=$(registry_login CLINICA alice)
reg POST /auth/logout -H "Authorization: Bearer $ended"
expect 204 "logout"

PAT='{"resourceType":"Patient","name":[{"family":"Matrix","given":["Mia"]}],"gender":"female","birthDate":"2019-05-05",
 "address":[{"district":"Webb","state":"TX","postalCode":"78043"}]}'
reg_create_patient "$T_pA" "$PAT"
P=$PID
# (a person confirmed each: the matrix makes several of one day, which the
# registry's duplicate check holds otherwise, registry/dedup.h)
imm() {
	echo '{"resourceType":"Immunization","status":"completed","patient":{"reference":"Patient/'$P'"},
	 "meta":{"tag":[{"system":"https://vaxdesk.org/fhir/CodeSystem/review","code":"confirmed-not-duplicate"}]},
	 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"03"}]},"occurrenceDateTime":"2021-09-10",
	 "primarySource":false,"reportOrigin":{"coding":[{"code":"01"}]}}'
}
rp() {
	echo '{"resourceType":"RelatedPerson","patient":{"reference":"Patient/'$P'"},
	 "relationship":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0063","code":"MTH"}]}],
	 "name":[{"family":"Matrix","given":["Mara"]}]}'
}
CONSENT='{"resourceType":"Consent","status":"active","patient":{"reference":"Patient/'$P'"},"dateTime":"2019-05-06",
 "scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},
 "category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],
 "policyRule":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"OPTIN"}]}}'
grp() { echo '{"resourceType":"Group","type":"person","actual":true,"name":"Matrix K","member":[{"entity":{"reference":"Patient/'$P'"}}]}'; }
make_one() { # TYPE JSON -> id (made by alice, CLINICA)
	reg_json POST "/$1" "$T_pA" "$2"
	[ "$REG_STATUS" = 201 ] || fail "setup: create $1: $REG_STATUS"
	jqb .id
}
I=$(make_one Immunization "$(imm)")
R=$(make_one RelatedPerson "$(rp)")
C=$(make_one Consent "$CONSENT")
G=$(make_one Group "$(grp)")
lot() { # a lot on hand, a new lot number each time
	echo '{"resourceType":"Medication","status":"active",
	 "code":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"10"}]},
	 "manufacturer":{"identifier":{"system":"http://hl7.org/fhir/sid/mvx","value":"PMC"}},
	 "batch":{"lotNumber":"MX'$(date +%N | cut -c1-6)'","expirationDate":"2030-01-31"}}'
}
L=$(make_one Medication "$(lot)")
MATCH='{"resourceType":"Parameters","parameter":[{"name":"resource","resource":'"$PAT"'}]}'
FORECAST='{"resourceType":"Parameters","parameter":[{"name":"assessmentDate","valueDate":"2021-10-01"},
 {"name":"patient","resource":{"resourceType":"Patient","id":"'$P'","gender":"female","birthDate":"2019-05-05"}}]}'
BATCH='{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET","url":"Patient/'$P'"}}]}'
RECALL='{"resourceType":"Parameters","parameter":[{"name":"mode","valueCode":"due"}]}'
# a school report CLINICA keeps
reg_json POST "/Group/$G/\$school-report?grade=K" "$T_pA"
[ "$REG_STATUS" = 201 ] || fail "setup: school report: $REG_STATUS"
REP=$(jqb '.parameter[] | select(.name == "id") | .valueString')

# body NAME: the JSON a row sends; {NEW...} paths get a fresh record per cell
body() {
	case $1 in
	-) ;;
	pat) echo "$PAT" ;;
	imm) imm ;;
	rp) rp ;;
	consent) echo "$CONSENT" ;;
	grp) grp ;;
	lot) lot ;;
	match) echo "$MATCH" ;;
	forecast) echo "$FORECAST" ;;
	batch) echo "$BATCH" ;;
	recall) echo "$RECALL" ;;
	org) echo '{"resourceType":"Organization","name":"Mine"}' ;;
	cur) cat "$REG_TMP/cur.json" ;;
	esac
}

# METHOD PATH BODY | provider-own provider-foreign view-own view-foreign school-own school-foreign
table='
GET    /Patient/$P                          -        | 200 200 200 200 200 200
GET    /Patient?family=matrix               -        | 200 200 200 200 200 200
GET    /Patient/$P/_history                 -        | 200 200 200 200 200 200
GET    /Patient/$P/_history/1               -        | 200 200 200 200 200 200
POST   /Patient/_search                     f:family=matrix | 200 200 200 200 200 200
POST   /RelatedPerson/_search               f:patient=$P | 200 200 200 200 403 403
GET    /Immunization/$I/_history            -        | 200 200 200 200 200 200
POST   /Patient                             pat      | 201 201 403 403 403 403
PUT    /Patient/$P                          cur      | 200 200 403 403 403 403
DELETE /Patient/$P                          -        | 403 403 403 403 403 403
POST   /Patient/\$match                     match    | 200 200 200 200 200 200
GET    /Immunization/$I                     -        | 200 200 200 200 200 200
GET    /Immunization?patient=$P             -        | 200 200 200 200 200 200
POST   /Immunization                        imm      | 201 201 403 403 403 403
PUT    /Immunization/$I                     cur      | 200 403 403 403 403 403
DELETE /Immunization/{NEWIMM}               -        | 204 403 403 403 403 403
GET    /RelatedPerson/$R                    -        | 200 200 200 200 403 403
GET    /RelatedPerson?patient=$P            -        | 200 200 200 200 403 403
POST   /RelatedPerson                       rp       | 201 201 403 403 403 403
PUT    /RelatedPerson/$R                    cur      | 200 200 403 403 403 403
DELETE /RelatedPerson/{NEWRP}               -        | 204 204 403 403 403 403
GET    /Consent/$C                          -        | 200 200 200 200 403 403
GET    /Consent?patient=$P                  -        | 200 200 200 200 403 403
PUT    /Consent/$C                          cur      | 200 200 403 403 403 403
GET    /Group/$G                            -        | 200 404 200 404 200 404
GET    /Group?member=$P                     -        | 200 200 200 200 200 200
POST   /Group                               grp      | 201 201 403 403 201 201
PUT    /Group/$G                            cur      | 200 404 403 403 200 404
DELETE /Group/{NEWGRP}                      -        | 204 404 403 403 204 404
GET    /Group/$G/\$school-compliance?grade=K -        | 200 404 403 403 200 404
POST   /Group/$G/\$school-compliance?grade=K -       | 200 404 403 403 200 404
POST   /Group/$G/\$school-report?grade=K    -        | 201 404 403 403 201 404
GET    /Group/\$school-reports              -        | 200 200 403 403 200 200
GET    /Group/\$school-reports/$REP         -        | 200 404 403 403 200 404
GET    /Organization/CLINICA/\$provider-summary -    | 200 403 200 403 403 403
POST   /Organization/CLINICA/\$provider-summary -   | 200 403 200 403 403 403
POST   /Patient/\$recall                    recall   | 200 200 403 403 403 403
GET    /Medication/$L                       -        | 200 404 200 404 200 404
GET    /Medication                          -        | 200 200 200 200 200 200
POST   /Medication                          lot      | 201 201 403 403 403 403
PUT    /Medication/$L                       cur      | 200 404 403 403 403 403
DELETE /Medication/{NEWLOT}                 -        | 204 404 403 403 403 403
GET    /Organization/CLINICA                -        | 200 200 200 200 200 200
POST   /Organization                        org      | 403 403 403 403 403 403
POST   /\$immds-forecast                    forecast | 200 200 200 200 200 200
POST   /                                    batch    | 200 200 200 200 200 200
# a new token for the same organization, none for another one (last: a
# renewal may end the token it renews)
POST   /auth/switch                         f:org_code=CLINICA | 200 403 200 403 200 403
'
cols="pA pB vA vB sA sB"
cells=0
echo "$table" | while read -r method path bname bar e1 e2 e3 e4 e5 e6; do
	case $method in '' | '#'*) continue ;; esac
	set -- $e1 $e2 $e3 $e4 $e5 $e6
	for who in $cols; do
		want=$1
		shift
		p=$(eval "echo \"$path\"")
		case $p in
		*'{NEWIMM}'*) p=$(echo "$p" | sed "s|{NEWIMM}|$(make_one Immunization "$(imm)")|") ;;
		*'{NEWRP}'*) p=$(echo "$p" | sed "s|{NEWRP}|$(make_one RelatedPerson "$(rp)")|") ;;
		*'{NEWGRP}'*) p=$(echo "$p" | sed "s|{NEWGRP}|$(make_one Group "$(grp)")|") ;;
		*'{NEWLOT}'*) p=$(echo "$p" | sed "s|{NEWLOT}|$(make_one Medication "$(lot)")|") ;;
		esac
		if [ "$bname" = cur ]; then
			reg_json GET "$p" "$T_pA"
			cp "$REG_BODY" "$REG_TMP/cur.json"
		fi
		tok=$(eval "echo \$T_$who")
		b=$(body "$bname")
		case $bname in
		f:*) reg "$method" "$p" -H "Authorization: Bearer $tok" --data "$(eval "echo \"${bname#f:}\"")" ;;
		*) if [ -n "$b" ]; then reg_json "$method" "$p" "$tok" "$b"; else reg_json "$method" "$p" "$tok"; fi ;;
		esac
		[ "$REG_STATUS" = "$want" ] || fail "$method $path as $who: expected $want, got $REG_STATUS"
		# FHIR answers a refusal with an OperationOutcome, the token
		# endpoints with OAuth's error object
		case $path in
		/auth/*) [ "$REG_STATUS" -lt 400 ] || [ -n "$(jqb '.error // empty')" ] ||
			fail "$method $path as $who: $REG_STATUS without an error" ;;
		*) [ "$REG_STATUS" -lt 400 ] || [ "$(jqb .resourceType)" = OperationOutcome ] ||
			fail "$method $path as $who: $REG_STATUS without an OperationOutcome" ;;
		esac
	done
	# token states: none, garbage, ended
	p=$(eval "echo \"$path\"" | sed 's|{NEW[A-Z]*}|x1|')
	case $bname in
	f:*) b=$(eval "echo \"${bname#f:}\"") ;;
	*) b=$(body "$bname" 2>/dev/null || :) ;;
	esac
	for t in none garbage ended; do
		case $t in
		none) reg "$method" "$p" -H 'Content-Type: application/fhir+json' ${b:+--data-binary "$b"} ;;
		garbage) reg "$method" "$p" -H 'Authorization: Bearer 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' \
			-H 'Content-Type: application/fhir+json' ${b:+--data-binary "$b"} ;;
		ended) reg "$method" "$p" -H "Authorization: Bearer $ended" -H 'Content-Type: application/fhir+json' ${b:+--data-binary "$b"} ;;
		esac
		[ "$REG_STATUS" = 401 ] || fail "$method $path with token $t: expected 401, got $REG_STATUS"
	done
done
rows=$(echo "$table" | grep -v '^#' | grep -c '|')
echo "authorization matrix: $rows endpoints x 6 role/organization cells + 3 token states each, all as the table says"
echo ok
