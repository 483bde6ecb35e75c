#!/bin/sh
# Login, confidentiality, lockout (a wait after 3, reset after 6), reset
# through the mail spool, reset expiry, password rules and history, org
# switch, token expiry.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINICA alice provider
registry_user CLINICB alice view
registry_user CLINICA bob provider
registry_user CLINICA carol provider
registry_org CLINICC
# default lifetimes until the expiry checks: under load (a sanitizer build,
# a parallel make check) the scrypt checks of the reset and password steps
# took longer than a short token lifetime, and the token expired mid-test
# a long wait after failures first, so an attempt is surely made in it
registry_start --login-delay 600

login() { # ORG USER PASSWORD [extra curl args]
	_o=$1 _u=$2 _pw=$3
	shift 3
	reg POST /auth/token --data-urlencode grant_type=password --data-urlencode "org_code=$_o" \
		--data-urlencode "username=$_u" --data-urlencode "password=$_pw" "$@"
}

reg GET /auth/confidentiality
expect 200
[ -n "$(jqb .text)" ] && [ -n "$(jqb .version)" ] || fail "confidentiality statement"

# without accepting the statement: refused, clearly
login CLINICA alice "$REG_PASSWORD"
expect 400 "login without confidentiality"
jqb .error_description | grep -q confidentiality || fail "no confidentiality message"
[ "$(jqb .confidentiality_required)" = true ] && [ -n "$(jqb '.confidentiality.text // empty')" ] ||
	fail "the statement is not in the refusal"

# JSON body works too
reg POST /auth/token -H 'Content-Type: application/json' \
	--data "{\"grant_type\":\"password\",\"org_code\":\"CLINICA\",\"username\":\"alice\",\"password\":\"$REG_PASSWORD\",\"confidentiality_accepted\":true}"
expect 200 "JSON login"
[ "$(jqb .token_type)" = Bearer ] && [ "$(jqb .org_code)" = CLINICA ] && [ "$(jqb .role)" = provider ] ||
	fail "token response"
# every org alice belongs to, with names, and none she doesn't
[ "$(jqb -c '[.organizations[].code]')" = '["CLINICA","CLINICB"]' ] || fail "login organizations"
[ "$(jqb '.organizations[] | select(.code == "CLINICB") | .name')" = "CLINICB clinic" ] ||
	fail "login organization name"
tok=$(jqb .access_token)

# switch to the other org: view-only there
reg POST /auth/switch -H "Authorization: Bearer $tok" --data org_code=CLINICB
expect 200 "switch"
[ "$(jqb .role)" = view ] && [ "$(jqb .org_code)" = CLINICB ] || fail "switch role"
[ "$(jqb -c '[.organizations[].code]')" = '["CLINICA","CLINICB"]' ] || fail "switch organizations"
tokb=$(jqb .access_token)
reg_json GET /metadata "$tok"
reg_json GET /Patient "$tok"
expect 401 "old token after switch"
reg POST /auth/switch -H "Authorization: Bearer $tokb" --data org_code=CLINICC
expect 403 "switch to an org the user is not in"

# wrong org for the user: same answer as a wrong password
login CLINICC alice "$REG_PASSWORD" --data confidentiality_accepted=true
expect 400
[ "$(jqb .error)" = invalid_grant ] || fail "wrong org error"

# a deferred login: the token and the statement in one answer; the token
# serves nothing until a request says the statement was accepted
# (Confidentiality-Accepted: its version), which records the login
ta=$(registry_login CLINICA alice)
reg_create_patient "$ta" '{"resourceType":"Patient","name":[{"family":"Stmt","given":["Ada"]}],
 "gender":"female","birthDate":"2019-04-15","address":[{"district":"Travis","state":"TX","postalCode":"78701"}]}'
logins=$(reg_audit_count User alice login)
login CLINICA alice "$REG_PASSWORD" --data confidentiality_accepted=deferred
expect 200 "deferred login"
[ "$(jqb .confidentiality_required)" = true ] || fail "deferred login: no confidentiality_required"
ver=$(jqb .confidentiality.version)
[ -n "$(jqb '.confidentiality.text // empty')" ] && [ "$ver" = "$(curl -sS --cacert "$REG_CA" \
	"$REG_URL/auth/confidentiality" | jq -r .version)" ] || fail "deferred login: the statement"
[ "$(jqb .token_type)" = Bearer ] && [ "$(jqb .role)" = provider ] && [ "$(jqb .org_code)" = CLINICA ] ||
	fail "deferred login: the token answer"
td=$(jqb .access_token)
rd=$(jqb .refresh_token)
[ "$(reg_audit_count User alice login)" = "$logins" ] || fail "a deferred login audited as accepted"
[ "$(reg_audit_count User alice login-deferred)" = 1 ] || fail "the deferred login is not audited"
reads=$(reg_audit_count Patient "$PID")
reg_json GET "/Patient/$PID" "$td"
expect 403 "a read before the statement is accepted"
[ "$(jqb '.issue[0].details.coding[0].code')" = AUTH-CONFIDENTIALITY ] || fail "403 code"
jqb '.issue[0].details.text // .issue[0].diagnostics' | grep -q "confidentiality statement" ||
	fail "403 words"
reg_json GET "/Patient?family=Stmt" "$td"
expect 403 "a search before the statement is accepted"
reg GET "/Patient/$PID" -H "Authorization: Bearer $td" -H "Confidentiality-Accepted: 1999-0"
expect 403 "another version of the statement"
jqb '.issue[0].details.text // .issue[0].diagnostics' | grep -q "not the registry's current" ||
	fail "403 words for another version"
reg POST /auth/switch -H "Authorization: Bearer $td" --data org_code=CLINICA
expect 403 "a renewal before the statement is accepted"
[ "$(reg_audit_count Patient "$PID")" = "$reads" ] || fail "a refused request read the client"
# a refresh of the login's family gives a token that waits too
reg POST /auth/token --data grant_type=refresh_token --data-urlencode "refresh_token=$rd"
expect 200 "refresh of a deferred login"
[ "$(jqb .confidentiality_required)" = true ] || fail "a refresh lost the statement's mark"
tr2=$(jqb .access_token)
rd=$(jqb .refresh_token)
reg_json GET "/Patient/$PID" "$tr2"
expect 403 "a refreshed token before the statement is accepted"
[ "$(reg_audit_count User alice login)" = "$logins" ] || fail "a refused request recorded the login"
# accepted: recorded once, and the request served
reg GET "/Patient/$PID" -H "Authorization: Bearer $td" -H "Confidentiality-Accepted: $ver"
expect 200 "the read that accepts the statement"
[ "$(jqb .id)" = "$PID" ] || fail "the read that accepts the statement: body"
[ "$(reg_audit_count User alice login)" = $((logins + 1)) ] || fail "the acceptance is not audited"
[ "$(reg_audit_count Patient "$PID")" -gt "$reads" ] || fail "the read is not audited"
reg_json GET "/Patient/$PID" "$td"
expect 200 "the next request, without the header"
reg GET "/Patient/$PID" -H "Authorization: Bearer $td" -H "Confidentiality-Accepted: $ver"
expect 200 "the header again"
[ "$(reg_audit_count User alice login)" = $((logins + 1)) ] || fail "an acceptance recorded twice"
# the family's mark went with it: a refresh now gives a token that serves
reg POST /auth/token --data grant_type=refresh_token --data-urlencode "refresh_token=$rd"
expect 200 "refresh after the acceptance"
[ "$(jqb '.confidentiality_required // false')" = false ] || fail "a refresh after the acceptance waits"
reg_json GET "/Patient/$PID" "$(jqb .access_token)"
expect 200 "a refreshed token after the acceptance"
# the renewal of an accepted session works as before
reg POST /auth/switch -H "Authorization: Bearer $td" --data org_code=CLINICA
expect 200 "a renewal after the acceptance"
# a declined statement: the waiting token may only log out
login CLINICA alice "$REG_PASSWORD" --data confidentiality_accepted=deferred
expect 200 "deferred login to decline"
t=$(jqb .access_token)
reg POST /auth/logout -H "Authorization: Bearer $t"
expect 204 "logout of a token waiting for the statement"
reg GET "/Patient/$PID" -H "Authorization: Bearer $t" -H "Confidentiality-Accepted: $ver"
expect 401 "a token logged out before the statement"
[ "$(reg_audit_count User alice login)" = $((logins + 1)) ] || fail "a declined statement recorded a login"
# the one-request login is unchanged: its token serves at once, no header
login CLINICA alice "$REG_PASSWORD" --data confidentiality_accepted=true
expect 200 "login with the statement accepted"
[ "$(jqb '.confidentiality_required // false')" = false ] || fail "an accepted login waits"
reg_json GET "/Patient/$PID" "$(jqb .access_token)"
expect 200 "a token of a login with the statement accepted"
# anything else is no acceptance: the statement, as without the field
login CLINICA alice "$REG_PASSWORD" --data confidentiality_accepted=yes
expect 400 "confidentiality_accepted=yes"
[ "$(jqb .confidentiality_required)" = true ] && [ "$(jqb .confidentiality.version)" = "$ver" ] ||
	fail "the statement with a login that did not accept it"
[ "$(reg_audit_count User alice login)" = $((logins + 2)) ] || fail "login audit count"

# lockout: bob fails 3 times -> each next attempt must wait (600 s here)
for i in 1 2 3; do
	login CLINICA bob 'Wrong!pass1' --data confidentiality_accepted=true
	expect 400 "bad password $i"
	[ "$(jqb .attempts_remaining)" = $((6 - i)) ] ||
		fail "attempts_remaining after $i: $(jqb .attempts_remaining)"
	[ "$(jqb .captcha)" = null ] || fail "a challenge word in the answer: $(jqb .captcha)"
done
[ "$(jqb .retry_after)" = 600 ] || fail "no wait after 3 failures: $(cat "$REG_BODY")"
jqb .error_description | grep -q 'Wait 600 seconds before the next attempt' || fail "the wait not said"
# the right password in the wait: not checked, not counted, the same words
login CLINICA bob "$REG_PASSWORD" --data confidentiality_accepted=true
expect 400 "an attempt in the wait"
early_right=$(jq -c '{error, error_description: (.error_description | gsub("[0-9]+"; "N")), attempts_remaining, reset_required}' "$REG_BODY")
jqb .error_description | grep -q 'wait [0-9]* more seconds before the next attempt' ||
	fail "an attempt in the wait: $(cat "$REG_BODY")"
[ "$(jqb .retry_after)" -gt 0 ] && [ "$(jqb .retry_after)" -le 600 ] || fail "retry_after in the wait"
login CLINICA bob 'Wrong!pass1' --data confidentiality_accepted=true
early_wrong=$(jq -c '{error, error_description: (.error_description | gsub("[0-9]+"; "N")), attempts_remaining, reset_required}' "$REG_BODY")
[ "$early_right" = "$early_wrong" ] || fail "the wait tells a right password from a wrong one"
[ "$(jqb .attempts_remaining)" = 3 ] || fail "attempts in the wait were counted"

# waits are kept in memory: a restart forgets them, never the failures; the
# rest of the test waits 1 s, 2 s, 4 s
registry_stop
registry_start --login-delay 1
login CLINICA bob 'Wrong!pass1' --data confidentiality_accepted=true
[ "$(jqb .attempts_remaining)" = 2 ] && [ "$(jqb .retry_after)" = 2 ] ||
	fail "the failures did not outlive a restart: $(cat "$REG_BODY")"
# after the wait the right password: in, and the counter is reset
registry_attempt CLINICA bob "$REG_PASSWORD"
expect 200 "login after the wait"
login CLINICA bob 'Wrong!pass1' --data confidentiality_accepted=true
[ "$(jqb .attempts_remaining)" = 5 ] && [ "$(jqb .retry_after)" = null ] || fail "counter not reset by a login"

# carol fails 6 times (waiting as asked) -> reset required, even with the right password
for i in 1 2 3 4 5 6; do
	registry_attempt CLINICA carol 'Wrong!pass1'
	expect 400
done
[ "$(jqb .reset_required)" = true ] || fail "reset_required after 6"
[ "$(jqb .retry_after)" = null ] || fail "a wait for a locked account"
registry_attempt CLINICA carol "$REG_PASSWORD"
expect 400
[ "$(jqb .reset_required)" = true ] || fail "locked account let in"

# reset: always 202, mail only for a real match
reg POST /auth/password-reset --data org_code=CLINICA --data username=nosuchuser --data email=x@example.org
expect 202 "reset unknown user"
[ ! -d "$REG_DIR/mail/new" ] || [ -z "$(ls "$REG_DIR/mail/new")" ] || fail "mail for unknown user"
reg POST /auth/password-reset --data org_code=CLINICA --data username=carol --data email=wrong@example.org
expect 202 "reset wrong email"
reg POST /auth/password-reset --data org_code=CLINICA --data username=carol --data email=carol@example.org
expect 202 "reset"
mail=$(ls "$REG_DIR/mail/new" | head -1)
[ -n "$mail" ] || fail "no reset mail in the spool"
token=$(sed -n 's/^Reset token (valid [0-9]* hours): //p' "$REG_DIR/mail/new/$mail")
echo "$token" | grep -qE "^[0-9]+-[0-9a-f]{64}$" || fail "reset token not in mail"
grep -q '^To: carol@example.org' "$REG_DIR/mail/new/$mail" || fail "mail recipient"

confirm() {
	reg POST /auth/password-reset/confirm --data-urlencode "token=$1" --data-urlencode "new_password=$2" \
		--data-urlencode "new_password_confirm=$3"
}
confirm "$token" 'New!pass2026' 'New!pass2027'
expect 400 "mismatched new passwords"
confirm "$token" 'short1!' 'short1!'
expect 400 "too short"
[ "$(jqb .rule)" = PW-LENGTH ] || fail "length rule"
confirm "$token" 'nouppercase1!' 'nouppercase1!'
[ "$(jqb .rule)" = PW-CLASSES ] || fail "classes rule"
confirm "$token" "$REG_PASSWORD" "$REG_PASSWORD"
expect 400 "reuse"
[ "$(jqb .rule)" = PW-REUSED ] || fail "history rule"
confirm "$token" 'New!pass2026' 'New!pass2026'
expect 200 "reset confirm"
confirm "$token" 'Other!pass2026' 'Other!pass2026'
expect 400 "token used twice"
login CLINICA carol 'New!pass2026' --data confidentiality_accepted=true
expect 200 "login after reset"
ctok=$(jqb .access_token)

# change password: needs the current one, 4 characters different, not recent
chg() {
	reg POST /auth/password -H "Authorization: Bearer $ctok" --data-urlencode "current_password=$1" \
		--data-urlencode "new_password=$2" --data-urlencode "new_password_confirm=$2"
}
chg 'Wrong!pass1' 'Fresh!pass2026'
expect 400 "change with wrong current"
chg 'New!pass2026' 'New!pass2027'
expect 400 "too similar"
[ "$(jqb .rule)" = PW-SIMILAR ] || fail "similar rule"
chg 'New!pass2026' 'Fresh#word99'
expect 200 "change password"
chg 'Fresh#word99' "$REG_PASSWORD"
expect 400 "reuse on change"
[ "$(jqb .rule)" = PW-REUSED ] || fail "reuse on change"

# reset tokens expire: the same registry with short lifetimes
registry_stop
registry_start --reset-ttl 10 --token-ttl 8
reg POST /auth/password-reset --data org_code=CLINICA --data username=bob --data email=bob@example.org
n=$(ls "$REG_DIR/mail/new" | wc -l)
[ "$n" = 2 ] || fail "second reset mail ($n)"
mail=$(ls -t "$REG_DIR/mail/new" | head -1)
token=$(sed -n 's/^Reset token (valid [0-9]* hours): //p' "$REG_DIR/mail/new/$mail")
sleep 11
confirm "$token" 'Later!pass2026' 'Later!pass2026'
expect 400 "expired reset token"

# bearer tokens expire (--token-ttl 8)
login CLINICA alice "$REG_PASSWORD" --data confidentiality_accepted=true
t=$(jqb .access_token)
reg_json GET /Patient "$t"
expect 200 "fresh token"
sleep 9
reg_json GET /Patient "$t"
expect 401 "expired token"
reg_json GET /Patient "garbage"
expect 401 "garbage token"
# logout ends a token
login CLINICA alice "$REG_PASSWORD" --data confidentiality_accepted=true
t=$(jqb .access_token)
reg POST /auth/logout -H "Authorization: Bearer $t"
expect 204 logout
reg_json GET /Patient "$t"
expect 401 "token after logout"

# a configured mail command gets the reset message instead of the spool
registry_stop
registry_start --mail-command "cat >> '$REG_TMP/piped'"
reg POST /auth/password-reset --data org_code=CLINICA --data username=alice --data email=alice@example.org
expect 202
i=0
while [ ! -s "$REG_TMP/piped" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
grep -q '^Reset token (valid [0-9]* hours): [0-9]*-[0-9a-f]\{64\}$' "$REG_TMP/piped" || fail "mail command did not get the token"

# nothing about passwords or tokens in the server's output
! grep -q "$REG_PASSWORD\|New!pass" "$REG_TMP/server.err" || fail "secret in server log"
echo ok
