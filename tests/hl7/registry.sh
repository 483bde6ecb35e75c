#!/bin/sh
# vaxregd's HL7 v2 service, end to end over TLS: a CDC test VXU over
# POST /hl7v2 and over the CDC IIS SOAP service, read back through FHIR; a
# resend with the same ORC-3 updates the dose; NK1 and PD1-12 become the
# client's RelatedPerson and Consent, once however often they are sent; a
# second desk's copy of a dose is held as a duplicate; SOAP faults; permissions; maintenance (503 in
# HL7 and SOAP form) and the spool folder that waits it out. Every answer is
# read by Debian's python3-hl7 as well.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
. "$top_srcdir/tests/hl7/lib.sh"
hl7_init

registry_init
registry_user X68 ehr provider
registry_user X68 viewer view
registry_user OTHERCLIN nurse provider
spool=$REG_TMP/spool
mkdir -p "$spool/X68"
registry_start --spool "$spool" --spool-poll 100
tok=$(registry_login X68 ehr)

# the published message, and the same with the anthrax vaccine's real maker
z22=$REG_TMP/z22.hl7
tr -d '\n' < "$CDC/Adult_z22_New_Covid_vaccine.hl7" > "$z22"
fixed=$REG_TMP/z22-mip.hl7
sed 's/|PMC^Sanofi Pasteur^MVX|/|MIP^Emergent BioSolutions^MVX|/' "$z22" > "$fixed"
grep -q 'MIP^Emergent' "$fixed" || fail "could not make the corrected message"


# 1. as published: CDC's CVX 24 is anthrax vaccine, which Sanofi (PMC) does not make
hl7post "$z22"
expect 200 "POST /hl7v2"
header Content-Type | grep -q 'application/hl7-v2' || fail "answer is not application/hl7-v2"
a=$(ack)
echo "$a" | grep -q '^ACK^V04^ACK [^ ]* AE NIST-IZ-001.00 ' || fail "MSA: $a"
echo "$a" | grep -q 'RXA^1^17/102/E/3/V-MVX-MISMATCH' || fail "the MVX mismatch is not named at RXA-17: $a"
# the same rule, the same code, as over FHIR
reg_json GET "/Patient?family=Winchester" "$tok"
pid=$(jqb '.entry[0].resource.id')
[ "$(jqb .total)" = 1 ] || fail "the client was not stored"
reg_json GET "/Immunization?patient=Patient/$pid" "$tok"
[ "$(jqb .total)" = 0 ] || fail "the refused dose was stored"

# 2. over SOAP: the corrected message is accepted and the dose reads back through FHIR
soap() { # BODY-FILE
	reg POST /iis -H 'Content-Type: application/soap+xml; charset=utf-8; action="urn:cdc:iisb:2011:submitSingleMessage"' \
		--data-binary "@$1"
}
envelope() { # USER PASSWORD FACILITY HL7FILE > file
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><submitSingleMessage xmlns="urn:cdc:iisb:2011"><username>%s</username><password>%s</password><facilityID>%s</facilityID><hl7Message><![CDATA[' "$1" "$2" "$3"
	cat "$4"
	printf ']]></hl7Message></submitSingleMessage></soap:Body></soap:Envelope>\n'
}
soap_return() { # the HL7 inside <return>, CRs restored, into $REG_TMP/return.hl7
	$PY -c 'import sys, xml.etree.ElementTree as E
t = E.parse(sys.argv[1]).getroot()
r = t.find(".//{urn:cdc:iisb:2011}return")
sys.stdout.write(r.text if r is not None and r.text else "")' "$REG_BODY" > "$REG_TMP/return.hl7" ||
		fail "the SOAP answer is not XML"
}
envelope ehr "$REG_PASSWORD" X68 "$fixed" > "$REG_TMP/soap1.xml"
soap "$REG_TMP/soap1.xml"
expect 200 "submitSingleMessage"
soap_return
a=$($CHECK "$REG_TMP/return.hl7") || fail "python3-hl7 could not read the SOAP return"
echo "$a" | grep -q ' AA NIST-IZ-001.00' || fail "corrected message not accepted: $a"
reg_json GET "/Immunization?patient=Patient/$pid" "$tok"
[ "$(jqb .total)" = 1 ] || fail "dose not readable through FHIR"
[ "$(jqb '.entry[0].resource.lotNumber')" = 8L7B3418 ] || fail "lot: $(jqb '.entry[0].resource.lotNumber')"
[ "$(jqb '.entry[0].resource.vaccineCode.coding[] | select(.system=="http://hl7.org/fhir/sid/cvx") | .code')" = 24 ] ||
	fail "CVX"
[ "$(jqb '.entry[0].resource.occurrenceDateTime' | cut -c1-10)" = 2020-12-11 ] || fail "date given"
did=$(jqb '.entry[0].resource.id')
v1=$(jqb '.entry[0].resource.meta.versionId')

# 3. the same ORC-3 again over /hl7v2, lot corrected: the dose is updated, not added
sed 's/|8L7B3418|/|8L7B3419|/' "$fixed" > "$REG_TMP/z22-lot.hl7"
hl7post "$REG_TMP/z22-lot.hl7"
a=$(ack)
echo "$a" | grep -q ' AA ' || fail "resend: $a"
reg_json GET "/Immunization?patient=Patient/$pid" "$tok"
[ "$(jqb .total)" = 1 ] || fail "a resend added a dose"
[ "$(jqb '.entry[0].resource.id')" = "$did" ] || fail "a resend made a new dose"
[ "$(jqb '.entry[0].resource.lotNumber')" = 8L7B3419 ] || fail "the resend did not update the lot"
[ "$(jqb '.entry[0].resource.meta.versionId')" != "$v1" ] || fail "no new version"

# 3b. NK1: the mother becomes a RelatedPerson of the client; the message sent
# again adds no second one; a new telephone number in it updates hers
nk1() { # PHONE-DIGITS (7) > message with an NK1 after the PID
	awk -v nk1="NK1|1|Winchester^Marion^^^^^L|MTH^Mother^HL70063|5 Fifth Street^^Allentown^PA^18103^USA^L|^PRN^PH^^^215^$1" \
		'BEGIN { RS = "\r"; ORS = "\r" } { print } /^PID\|/ { print nk1 }' "$REG_TMP/z22-lot.hl7"
}
mother() { # -> the client's RelatedPersons, in REG_BODY
	reg_json GET "/RelatedPerson?patient=Patient/$pid" "$tok"
	expect 200 "the client's responsible persons"
}
for phone in 5553434 5553434 5559898; do
	nk1 "$phone" > "$REG_TMP/z22-nk1.hl7"
	grep -q '^NK1|1|Winchester' "$REG_TMP/z22-nk1.hl7" || tr '\r' '\n' < "$REG_TMP/z22-nk1.hl7" | grep -q '^NK1|1|Winchester' ||
		fail "could not make the message with an NK1"
	hl7post "$REG_TMP/z22-nk1.hl7"
	a=$(ack)
	echo "$a" | grep -q ' AA ' || fail "the message with an NK1 ($phone): $a"
	mother
	[ "$(jqb .total)" = 1 ] || fail "the NK1 sent with $phone left $(jqb .total) responsible persons, not 1"
	[ "$(jqb '.entry[0].resource.name[0].given[0]')" = Marion ] || fail "the mother's name: $(jqb '.entry[0].resource.name')"
	jqb '.entry[0].resource.relationship' | grep -q MTH || fail "the relationship was not kept"
	jqb '.entry[0].resource.telecom' | grep -q "215$phone" || fail "the telephone is not 215$phone: $(jqb '.entry[0].resource.telecom')"
done
reg_json GET "/Immunization?patient=Patient/$pid" "$tok"
[ "$(jqb .total)" = 1 ] || fail "the messages with an NK1 added a dose"
# PD1-12: "N", the record may be shared (she is an adult: her adult
# consent); the same again changes nothing; "Y" a year later: the one
# Consent takes the later answer
for pd in "N|20201211 active 1 2020-12-11" "N|20201211 active 1 2020-12-11" "Y|20211211 rejected 2 2021-12-11"; do
	set -- $pd
	awk -v pd1="PD1|||||||||||02^Reminder/Recall - any method^HL70215|$1" \
		'BEGIN { RS = "\r"; ORS = "\r" } { print } /^PID\|/ { print pd1 }' "$REG_TMP/z22-lot.hl7" > "$REG_TMP/z22-pd1.hl7"
	hl7post "$REG_TMP/z22-pd1.hl7"
	a=$(ack)
	echo "$a" | grep -q ' AA ' || fail "the message with PD1-12 $1: $a"
	reg_json GET "/Consent?patient=Patient/$pid" "$tok"
	[ "$(jqb .total)" = 1 ] || fail "PD1-12 $1 left $(jqb .total) consents, not 1"
	got="$(jqb '.entry[0].resource | "\(.status) \(.meta.versionId) \(.dateTime)"')"
	[ "$got" = "$2 $3 $4" ] || fail "PD1-12 $1: the consent is '$got', not '$2 $3 $4'"
done

# 4. the same dose from a second desk (another ORC-3): held as a duplicate, not added
sed 's/|197030^NVC|/|555111^OTHERDESK|/' "$fixed" > "$REG_TMP/z22-dup.hl7"
hl7post "$REG_TMP/z22-dup.hl7"
a=$(ack)
echo "$a" | grep -q ' AE .*RXA^1^3/205/E/3/V-DUPLICATE-SHOT' || fail "duplicate: $a"
grep -q "Immunization/$did" "$REG_BODY" || fail "the duplicate's ERR does not name the dose: $(cat "$REG_BODY")"
# ... and two days later: the registry's duplicate window, as for FHIR (registry/dedup.h)
sed 's/|20201211|20201211|/|20201213|20201213|/' "$REG_TMP/z22-dup.hl7" > "$REG_TMP/z22-dup2.hl7"
hl7post "$REG_TMP/z22-dup2.hl7"
a=$(ack)
echo "$a" | grep -q ' AE .*V-DUPLICATE-SHOT' || fail "duplicate two days later: $a"
reg_json GET "/Immunization?patient=Patient/$pid" "$tok"
[ "$(jqb .total)" = 1 ] || fail "the duplicate was stored"

# 5. a refusal (missed appointment) over SOAP: stored as not-done with its reason
tr -d '\n' < "$CDC/Adult_z22_non-vaccination_missed_appointment.hl7" > "$REG_TMP/refusal.hl7"
envelope ehr "$REG_PASSWORD" X68 "$REG_TMP/refusal.hl7" > "$REG_TMP/soap2.xml"
soap "$REG_TMP/soap2.xml"
soap_return
a=$($CHECK "$REG_TMP/return.hl7") || fail "python3-hl7: refusal answer"
echo "$a" | grep -q ' AA ' || fail "refusal: $a"
reg_json GET "/Immunization?patient=Patient/$pid&status=not-done" "$tok"
[ "$(jqb .total)" = 1 ] || fail "the refusal was not stored"

# 5b. queries: history (Z34 -> Z32), evaluated history and forecast (Z44 -> Z42), nobody (Z33 NF)
qbp() { # PROFILE TAG QPD-3 NAME DOB
	printf 'MSH|^~\\&|Test EHR Application|X68|||20240101||QBP^Q11^QBP_Q11|%s|P|2.5.1|||ER|AL|||||%s^CDCPHINVS\rQPD|%s^Request^CDCPHINVS|%s|%s|%s||%s\rRCP|I|5^RD&Records&HL70126|R^real-time^HL70394\r' \
		"$2" "$1" "$1" "$2" "$3" "$4" "$5" > "$REG_TMP/qbp.hl7"
	hl7post "$REG_TMP/qbp.hl7"
	expect 200 "QBP $1"
}
qbp Z34 Q1 '123456^^^MYEHR^MR' 'Winchester^Dorothy^^^^^L' 19840615
a=$(ack)
echo "$a" | grep -q '^RSP^K11^RSP_K11 .* AA Q1 QAK:OK PROFILE:Z32 PID:1 RXA:2' || fail "Z34: $a"
qbp Z44 Q2 '' 'Winchester^Dorothy^^^^^L' 19840615
a=$(ack)
echo "$a" | grep -q ' AA Q2 QAK:OK PROFILE:Z42 PID:1 RXA:3' || fail "Z44 (the forecast's RXA is the third): $a"
grep -q '30980-7^Date vaccine due' "$REG_BODY" || fail "Z42 without due dates"
grep -q '59783-1^Status in immunization series' "$REG_BODY" || fail "Z42 without series status"
qbp Z34 Q3 '' 'Nobody^Here^^^^^L' 20010101
a=$(ack)
echo "$a" | grep -q ' AA Q3 QAK:NF PROFILE:Z33 PID:0 RXA:0' || fail "Z33: $a"
reg_json GET "/Immunization?patient=Patient/$pid" "$tok"
[ "$(jqb .total)" = 2 ] || fail "a query changed the record"

# 6. permissions: a view-only user cannot record; another organization sees it but cannot change it
vtok=$(registry_login X68 viewer)
sed 's/|197030^NVC|/|777^NVC|/; s/|20201211|20201211|/|20190105|20190105|/' "$fixed" > "$REG_TMP/z22-b.hl7"
hl7post "$REG_TMP/z22-b.hl7" "$vtok"
a=$(ack)
echo "$a" | grep -q ' AE ' || fail "a view-only user recorded a dose: $a"
echo "$a" | grep -q 'ACCESS-ROLE' || fail "the refusal does not say why: $a"
otok=$(registry_login OTHERCLIN nurse)
hl7post "$REG_TMP/z22-lot.hl7" "$otok"
a=$(ack)
echo "$a" | grep -q ' AR .*HL7-FACILITY' || fail "MSH-4 of another organization was accepted: $a"

# 7. SOAP: connectivity test, WSDL, faults
printf '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><connectivityTest xmlns="urn:cdc:iisb:2011"><echoBack>ping &amp; pong</echoBack></connectivityTest></soap:Body></soap:Envelope>' > "$REG_TMP/ct.xml"
soap "$REG_TMP/ct.xml"
expect 200 "connectivityTest"
grep -q '<connectivityTestResponse xmlns="urn:cdc:iisb:2011"><return>ping &amp; pong</return>' "$REG_BODY" ||
	fail "echoBack"
reg GET "/iis?wsdl"
expect 200 "WSDL"
grep -q "soap12:address location=\"$REG_URL/iis\"" "$REG_BODY" || fail "WSDL address"
$PY -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$REG_BODY" || fail "WSDL is not XML"
envelope ehr 'Wrong!pass1' X68 "$fixed" > "$REG_TMP/bad.xml"
soap "$REG_TMP/bad.xml"
expect 400 "wrong password"
grep -q '<soap:Value>soap:Sender</soap:Value>' "$REG_BODY" || fail "SecurityFault code"
grep -q '<SecurityFault xmlns="urn:cdc:iisb:2011"><Code>10</Code><Reason>Security</Reason>' "$REG_BODY" ||
	fail "SecurityFault detail"
printf '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><submitBatch xmlns="urn:cdc:iisb:2011"/></soap:Body></soap:Envelope>' > "$REG_TMP/op.xml"
soap "$REG_TMP/op.xml"
grep -q '<UnsupportedOperationFault xmlns="urn:cdc:iisb:2011"><Code>30</Code><Reason>UnsupportedOperation</Reason>' \
	"$REG_BODY" || fail "UnsupportedOperationFault"
printf '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>' > "$REG_TMP/v11.xml"
soap "$REG_TMP/v11.xml"
grep -q 'soap:VersionMismatch' "$REG_BODY" || fail "SOAP 1.1 envelope: no VersionMismatch"
printf 'not xml at all' > "$REG_TMP/junk.xml"
soap "$REG_TMP/junk.xml"
expect 400 "junk"
grep -q '<fault xmlns="urn:cdc:iisb:2011"><Code>40</Code>' "$REG_BODY" || fail "junk: no fault"

# 8. /hl7v2 refuses other content types and logins
reg POST /hl7v2 -H "Authorization: Bearer $tok" -H 'Content-Type: text/plain' --data-binary "@$fixed"
expect 415 "text/plain"
reg POST /hl7v2 -H 'Content-Type: application/hl7-v2' --data-binary "@$fixed"
expect 401 "no token"

# 9. maintenance: 503 in each form; the spool accepts files and processes them after
"$VAXREGD" maintenance on --data "$REG_DIR" --retry 900 >/dev/null
hl7post "$fixed"
expect 503 "/hl7v2 in maintenance"
[ "$(header Retry-After)" = 900 ] || fail "Retry-After"
a=$(ack)
echo "$a" | grep -q ' AR NIST-IZ-001.00 .*MAINTENANCE' || fail "maintenance ACK: $a"
soap "$REG_TMP/soap1.xml"
expect 503 "SOAP in maintenance"
grep -q '<soap:Value>soap:Receiver</soap:Value>' "$REG_BODY" || fail "maintenance fault"
cat "$CDC/Adult_z22_non-vaccination_deferral.hl7" > "$spool/X68/deferral.part"
sed 's/|197030^NVC|/|888^NVC|/; s/Winchester^Dorothy/Spoolfield^Agnes/; s/|19840615|/|19900101|/; s/5 Fifth Street/9 Ninth Street/; s/123456^^^MYEHR/654321^^^MYEHR/; s/987633^^^MYIIS/987634^^^MYIIS/; s/|20201211|20201211|/|20200301|20200301|/' "$fixed" > "$spool/X68/.incoming"
mv "$spool/X68/.incoming" "$spool/X68/batch1.hl7"
mv "$spool/X68/deferral.part" "$spool/X68/deferral.hl7"
# the spool looks every 0.1 s: many looks later, still nothing is processed
held "$spool/X68/batch1.hl7.ack"
"$VAXREGD" maintenance off --data "$REG_DIR" >/dev/null
wait_file "$spool/X68/batch1.hl7.ack" "the spool did not answer after maintenance"
wait_file "$spool/X68/deferral.hl7.ack" "the spool did not answer the deferral"
a=$($CHECK "$spool/X68/batch1.hl7.ack") || fail "python3-hl7: spool ACK"
echo "$a" | grep -q ' AA ' || fail "spool: $a"
reg_json GET "/Patient?family=Spoolfield" "$tok"
[ "$(jqb .total)" = 1 ] || fail "the spooled client is not in the registry"
spid=$(jqb '.entry[0].resource.id')
reg_json GET "/Immunization?patient=Patient/$spid" "$tok"
[ "$(jqb .total)" = 1 ] || fail "the spooled dose is not in the registry"
# the deferral became a contraindication on Dorothy Winchester's record
reg_json GET "/Patient/$pid" "$tok"
jqb '.' | grep -q 'VXC23' || fail "the contraindication was not recorded"
registry_stop
