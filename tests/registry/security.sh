#!/bin/sh
# vaxregd's hardening, finding by finding: usernames cannot be enumerated;
# logins after failures wait instead of answering a challenge word; scrypt
# at N = 2^17;
# a password change, a reset and a lockout end every session; a switch never
# extends one; /auth/password guesses lock the account; a used reset token
# voids the others; every denied request and auth event is audited; TLS 1.0
# and 1.1 and CBC suites are refused; only the administrator deletes a
# client, reversibly; another organization's school-list id is never told,
# even through a transaction; bodies with trailing data or NULs are refused; 414
# and 431 are OperationOutcomes; the access log holds no raw control
# characters.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINICA alice provider
registry_user CLINICB alice provider
registry_user CLINICA carol provider
registry_user CLINICA dave provider
# first a long wait after failures, so attempts are surely made in it
registry_start --access-log --login-delay 600
db=$REG_DIR/registry.db
audit() { reg_audit_where "$1"; }
login_try() { # USER PASSWORD -> body in REG_BODY
	reg POST /auth/token --data-urlencode grant_type=password --data-urlencode org_code=CLINICA \
		--data-urlencode "username=$1" --data-urlencode "password=$2" --data-urlencode confidentiality_accepted=true
}
shape() { jq -c '{status: '"$REG_STATUS"', error, error_description: (.error_description | gsub("[0-9]+"; "N")), attempts_remaining, reset_required, captcha, wait: (.retry_after // 0 | . > 0)}' "$REG_BODY"; }

# --- enumeration: a known and an unknown user get the same answers ---------
# three failures, then attempts in the wait (a right password for dave)
for u in dave nosuchuser; do
	: >"$REG_TMP/answers.$u"
	for pw in 'Wrong!pass1' 'Wrong!pass2' 'Wrong!pass3' "$REG_PASSWORD" 'Wrong!pass4'; do
		login_try "$u" "$pw"
		shape >>"$REG_TMP/answers.$u"
	done
done
cmp -s "$REG_TMP/answers.dave" "$REG_TMP/answers.nosuchuser" ||
	fail "known and unknown users answered differently: $(paste -d'|' "$REG_TMP/answers.dave" "$REG_TMP/answers.nosuchuser")"
grep -q '"captcha":null' "$REG_TMP/answers.dave" && ! grep -q '"captcha":"' "$REG_TMP/answers.dave" ||
	fail "a challenge word in an answer"
[ "$(grep -c 'wait N more seconds before the next attempt' "$REG_TMP/answers.nosuchuser")" = 2 ] ||
	fail "attempts in the wait were not answered as such"
[ "$(audit "action='login-early'")" = 4 ] || fail "attempts in the wait not audited"

# then the waits short (1 s, 2 s, 4 s), and every attempt made when the
# registry allows it, up to the lockout. (A restart forgets the waits, and
# the failures of names that are no account; so fresh names here.)
registry_stop
registry_start --access-log --login-delay 1
registry_user CLINICA erin provider
for u in erin nosuchuser2; do
	: >"$REG_TMP/answers.$u"
	for i in 1 2 3 4 5 6 7; do
		registry_attempt CLINICA "$u" "Wrong!pass$i"
		shape >>"$REG_TMP/answers.$u"
	done
done
cmp -s "$REG_TMP/answers.erin" "$REG_TMP/answers.nosuchuser2" ||
	fail "known and unknown users answered differently: $(paste -d'|' "$REG_TMP/answers.erin" "$REG_TMP/answers.nosuchuser2")"
grep -q '"reset_required":true' "$REG_TMP/answers.nosuchuser2" || fail "unknown user never 'locked'"

# --- scrypt cost: a password hashed by vaxregd without the test setting ------
REG_KDF='' registry_user CLINICA grace provider
sqlite3 "$db" "SELECT hash FROM user WHERE username='grace'" | grep -q '^scrypt\$131072\$8\$1\$' ||
	fail "a password not hashed with scrypt N=2^17, r=8, p=1: $(sqlite3 "$db" "SELECT substr(hash,1,20) FROM user WHERE username='grace'")"
registry_login CLINICA grace >/dev/null

# --- revocation ---------------------------------------------------------------
t1=$(registry_login CLINICA alice)
t2=$(registry_login CLINICA alice)
reg POST /auth/password -H "Authorization: Bearer $t1" --data-urlencode "current_password=$REG_PASSWORD" \
	--data-urlencode 'new_password=Fresh#word99' --data-urlencode 'new_password_confirm=Fresh#word99'
expect 200 "password change"
reg_json GET /metadata "$t2"
reg_json GET /Patient "$t2"
expect 401 "another session after a password change"
jqb '.issue[0].details.coding[0].code' | grep -qx AUTH-REVOKED || fail "AUTH-REVOKED"
reg_json GET /Patient "$t1"
expect 200 "the session that changed the password goes on"
# reset ends every session; a used token voids the others
t3=$(registry_login CLINICA alice 'Fresh#word99')
for i in 1 2; do
	reg POST /auth/password-reset --data org_code=CLINICA --data username=alice --data email=alice@example.org
	expect 202
done
tokens=$(cat "$REG_DIR"/mail/new/* | sed -n 's/^Reset token (valid [0-9]* hours): //p')
[ "$(echo "$tokens" | wc -l)" = 2 ] || fail "two reset mails"
confirm() {
	reg POST /auth/password-reset/confirm --data-urlencode "token=$1" --data-urlencode 'new_password=Reset#word77' \
		--data-urlencode 'new_password_confirm=Reset#word77'
}
# (no pause: the change above, the mails and the reset may share a second)
confirm "$(echo "$tokens" | head -1)"
expect 200 "reset"
reg_json GET /Patient "$t3"
expect 401 "a session after a reset"
reg_json GET /Patient "$t1"
expect 401 "the changing session after a reset"
confirm "$(echo "$tokens" | tail -1)"
expect 400 "the other reset token after one was used"
# lockout ends every session
t4=$(registry_login CLINICA alice 'Reset#word77')
for i in 1 2 3 4 5 6; do registry_attempt CLINICA alice 'Wrong!pass9'; done
[ "$(jqb .reset_required)" = true ] || fail "not locked after 6"
reg_json GET /Patient "$t4"
expect 401 "a session after a lockout"
# /auth/password guesses lock the account and end the session
t5=$(registry_login CLINICA carol)
early=0
for i in 1 2 3 4 5 6; do
	while :; do
		reg POST /auth/password -H "Authorization: Bearer $t5" --data-urlencode "current_password=Guess!no$i" \
			--data-urlencode 'new_password=Fresh#word99' --data-urlencode 'new_password_confirm=Fresh#word99'
		[ "$REG_STATUS" = 400 ] || [ "$REG_STATUS" = 401 ] || fail "password guess $i: $REG_STATUS"
		jqb .error_description | grep -q 'more seconds\{0,1\} before' || break
		early=$((early + 1))
		sleep "$(jqb .retry_after)"
	done
done
[ "$(jqb .reset_required)" = true ] || fail "six wrong current passwords did not lock: $(cat "$REG_BODY")"
reg_json GET /Patient "$t5"
expect 401 "session after password guessing"
login_try carol "$REG_PASSWORD"
[ "$(jqb .reset_required)" = true ] || fail "password guessing did not lock the account"
# a switch (to the same organization: how vaxdesk renews a working user's
# session) gives a token's lifetime from now (4 s here) ...
registry_user CLINICB frank provider
registry_user CLINICA frank provider
registry_stop
registry_start --access-log --token-ttl 4
t6=$(registry_login CLINICA frank)
e1=$(jqb .expires_in)
sleep 2
reg POST /auth/switch -H "Authorization: Bearer $t6" --data org_code=CLINICA
expect 200 "a renewal"
[ "$(jqb .expires_in)" -gt $((e1 - 2)) ] || fail "a working session was not renewed ($e1 -> $(jqb .expires_in))"
# ... but never past --session-max after the password login (3 s here), and
# after it no renewal: the password again
registry_stop
registry_start --access-log --session-max 3
t6=$(registry_login CLINICA frank)
t7=$(registry_login CLINICA frank) # a login's token lives --token-ttl (900 s)
reg POST /auth/switch -H "Authorization: Bearer $t6" --data org_code=CLINICB
expect 200 "switch"
[ "$(jqb .expires_in)" -le 3 ] || fail "a switch went past the session's end: $(jqb .expires_in)"
sleep 4
reg POST /auth/switch -H "Authorization: Bearer $t7" --data org_code=CLINICA
expect 401 "a renewal past the session's end"
[ "$(jqb '.issue[0].details.coding[0].code')" = AUTH-SESSION-OVER ] || fail "AUTH-SESSION-OVER: $(cat "$REG_BODY")"

# --- audit: every denied request and auth event ------------------------------
tg=$(registry_login CLINICA frank)
reg GET /Patient
reg_json GET /Patient/nosuch "$tg"
reg_json DELETE "/Patient/nosuch" "$tg"
reg POST /auth/logout -H "Authorization: Bearer $tg"
for a in denied-401 denied-404 denied-403 login login-failed lockout password-change password-reset \
	password-failed switch logout reset-asked; do
	[ "$(audit "action='$a'")" -ge 1 ] || fail "no audit row for $a"
done

# --- TLS: 1.2+ with forward secrecy and AEAD only ------------------------------
port=${REG_URL##*:}
for v in -tls1 -tls1_1; do
	echo | openssl s_client $v -cipher 'DEFAULT:@SECLEVEL=0' -connect "127.0.0.1:$port" 2>&1 | grep -q '^New, (NONE)' ||
		fail "openssl s_client $v was not refused"
done
echo | openssl s_client -tls1_2 -cipher 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0' -connect "127.0.0.1:$port" 2>&1 |
	grep -q '^New, (NONE)' || fail "a CBC-SHA1 suite was accepted"
echo | openssl s_client -tls1_2 -connect "127.0.0.1:$port" 2>&1 | grep -q '^New, TLSv1.2, Cipher is ECDHE' ||
	fail "TLS 1.2 with ECDHE refused"

# --- deletion of a client: the administrator's, reversible, audited ----------
tb=$(registry_login CLINICB frank)
reg_create_patient "$tb" '{"resourceType":"Patient","name":[{"family":"Keep","given":["Kim"]}],"gender":"female",
 "birthDate":"2019-05-05","address":[{"district":"Webb","state":"TX","postalCode":"78043"}]}'
reg_json DELETE "/Patient/$PID" "$tb"
expect 403 "an organization deletes a client"
"$VAXREGD" record delete --data "$REG_DIR" --type Patient --id "$PID" --reason "test: duplicate" >/dev/null ||
	fail "record delete"
reg_json GET "/Patient/$PID" "$tb"
expect 410 "deleted by the administrator"
"$VAXREGD" record restore --data "$REG_DIR" --type Patient --id "$PID" --reason "test: undo" >/dev/null ||
	fail "record restore"
reg_json GET "/Patient/$PID" "$tb"
expect 200 "restored"
[ "$(jqb '.name[0].family')" = Keep ] || fail "restored content"
[ "$(audit "action IN ('admin-delete','admin-restore') AND id='$PID'")" = 2 ] || fail "administrator actions audited"

# --- who recorded: the server decides ----------------------------------------
tc=$(registry_login CLINICA frank)
cap() { # USER ORG -> a new client with that capture
	reg_json POST /Patient "$tc" '{"resourceType":"Patient","name":[{"family":"Cap","given":["Tess"]}],"gender":"female",
	 "birthDate":"2019-05-05","address":[{"district":"Webb","state":"TX","postalCode":"78043"}],
	 "extension":[{"url":"https://vaxdesk.org/fhir/StructureDefinition/capture","extension":[
	  {"url":"user","valueString":"'"$1"'"},{"url":"org","valueString":"'"$2"'"},{"url":"at","valueInstant":"2026-01-02T03:04:05Z"}]}]}'
}
cap frank CLINICA
expect 201 "a capture naming the session"
cap carol CLINICA
expect 201 "a capture naming a colleague of the organization (typed offline, sent by another)"
cap mallory CLINICA
expect 422 "a capture naming no user of the organization"
[ "$(jqb '.issue[0].details.coding[0].code')" = CAPTURE-FORGED ] || fail "CAPTURE-FORGED"
cap frank CLINICB
expect 422 "a capture naming another organization"
reg_create_patient "$tc" '{"resourceType":"Patient","name":[{"family":"Dose","given":["Dee"]}],"gender":"female",
 "birthDate":"2019-05-05","address":[{"district":"Webb","state":"TX","postalCode":"78043"}]}'
reg_json POST /Immunization "$tc" '{"resourceType":"Immunization","status":"completed",
 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"08"}]},"patient":{"reference":"Patient/'$PID'"},
 "occurrenceDateTime":"2020-01-02","primarySource":false,"reportOrigin":{"coding":[{"code":"01"}]},
 "extension":[{"url":"https://vaxdesk.org/fhir/StructureDefinition/recorded-by","valueReference":{"identifier":{
  "system":"https://vaxdesk.org/fhir/CodeSystem/organization-code","value":"CLINICB"}}}]}'
expect 422 "a dose said to be recorded by another organization"
[ "$(jqb '.issue[0].details.coding[0].code')" = RECORDED-BY ] || fail "RECORDED-BY"

# --- another organization's school list: its id never told through a transaction
ta=$(registry_login CLINICA frank)
u=7b3f6c1e-2a4d-4c8e-9f10-5d6e7a8b9c0d
G='{"resourceType":"Group","type":"person","actual":true,"name":"Room 4",
 "identifier":[{"system":"urn:ietf:rfc:3986","value":"urn:uuid:'$u'"},{"system":"urn:example:lists","value":"room-4"}]}'
reg_json POST /Group "$ta" "$G"
expect 201 "school list of CLINICA"
gid=$(jqb .id)
# a list with CLINICA's identifier (found by it, the references to its
# fullUrl would be rewritten to CLINICA's id), a client pointing at it
f=11111111-2222-4333-8444-555555555555
GB='{"resourceType":"Group","type":"person","actual":true,"name":"Room 4",
 "identifier":[{"system":"urn:example:lists","value":"room-4"}]}'
reg_json POST / "$tb" '{"resourceType":"Bundle","type":"transaction","entry":[
 {"fullUrl":"urn:uuid:'$f'","resource":'"$GB"',
  "request":{"method":"POST","url":"Group","ifNoneExist":"identifier=urn:example:lists|room-4"}},
 {"fullUrl":"urn:uuid:22222222-2222-4333-8444-555555555555","resource":{"resourceType":"Patient",
  "extension":[{"url":"http://example.org/fhir/StructureDefinition/school-list","valueReference":{"reference":"urn:uuid:'$f'"}}],
  "name":[{"family":"Lister","given":["Lee"]}],"gender":"male","birthDate":"2018-02-02",
  "address":[{"district":"Webb","state":"TX","postalCode":"78043"}]},"request":{"method":"POST","url":"Patient"}},
 {"request":{"method":"GET","url":"Group?identifier=urn:example:lists|room-4"}}]}'
expect 200 "a transaction of CLINICB naming CLINICA's list"
! grep -q "$gid" "$REG_BODY" || fail "CLINICA's school-list id told to CLINICB: $(cat "$REG_BODY")"
[ "$(jqb '.entry[0].response.status' | cut -c1-3)" = 201 ] || fail "a list matched in another organization"
# CLINICA's list's own UUID (its identity) given to a list of CLINICB: a
# conflict, and still nothing of CLINICA's list told
reg_json POST / "$tb" '{"resourceType":"Bundle","type":"transaction","entry":[
 {"fullUrl":"urn:uuid:'$u'","resource":'"$G"',"request":{"method":"POST","url":"Group"}}]}'
expect 409 "a list of CLINICB with CLINICA's list's own UUID"
[ "$(jqb '.issue[0].details.coding[0].code')" = UUID-TAKEN ] || fail "UUID-TAKEN: $(cat "$REG_BODY")"
! grep -q "$gid" "$REG_BODY" || fail "CLINICA's school-list id told to CLINICB: $(cat "$REG_BODY")"
reg_json POST /Group "$tb" "$G"
expect 409 "a list of CLINICB with CLINICA's list's own UUID (create)"
! grep -q "$gid" "$REG_BODY" || fail "CLINICA's school-list id told to CLINICB: $(cat "$REG_BODY")"
reg_json GET "/Group/$gid" "$tb"
expect 404 "another organization's list"
reg_json GET "/Group/$gid" "$ta"
[ "$(jqb .name)" = "Room 4" ] && [ "$(jqb .meta.versionId)" = 1 ] || fail "CLINICA's list changed"

# --- bodies -----------------------------------------------------------------------
reg_json POST /Patient "$tb" '{"resourceType":"Patient"} trailing'
expect 400 "trailing garbage after JSON"
reg_json POST /Patient "$tb" '{"resourceType":"Patient","name":[{"family":"Ab\u0000cd","given":["X"]}]}'
expect 400 "a NUL in a name"

# --- 414 and 431 as FHIR: a URL over 8 KiB, header fields over 16 KiB; what
# does not fit the connection's 64 KiB libmicrohttpd answers itself (HTML)
long=$(head -c 9000 /dev/zero | tr '\0' a)
reg GET "/metadata?x=$long"
expect 414 "a 9 KiB URL"
[ "$(jqb .resourceType)" = OperationOutcome ] && [ "$(jqb '.issue[0].code')" = too-long ] || fail "414 not FHIR"
long=$(head -c 20000 /dev/zero | tr '\0' a)
reg GET /metadata -H "X-Long: $long"
expect 431 "20 KiB of header fields"
[ "$(jqb .resourceType)" = OperationOutcome ] && [ "$(jqb '.issue[0].code')" = too-long ] || fail "431 not FHIR"
long=$(head -c 70000 /dev/zero | tr '\0' a)
reg GET /metadata -H "X-Long: $long"
expect 431 "70 KiB of header fields (libmicrohttpd's own answer)"

# --- the access log: no raw line breaks or escapes --------------------------------
reg GET "/x%0aFAKE%20LINE%1b%5b31m"
if grep -q 'FAKE LINE' "$REG_TMP/server.err" && ! grep -q '\\x0aFAKE' "$REG_TMP/server.err"; then
	fail "a %0a in a path reached the access log raw"
fi
if LC_ALL=C grep -q "$(printf '\033')" "$REG_TMP/server.err"; then fail "an ESC reached the access log"; fi
echo ok
