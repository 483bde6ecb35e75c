#!/bin/sh
# SMART discovery, refresh tokens (rotated, bound to the organization, ended
# by reuse, revocation and a password change) and the device grant (RFC
# 8628: pending, slow_down, approval with the person's own login on the
# activation page, denial, expiry, one token per code).
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINICA alice provider
registry_user CLINICB alice view
registry_user CLINICA bob provider
registry_start --device-code-ttl 30 --device-interval 1

form_token() { # curl args...: POST /auth/token with a form
	reg POST /auth/token "$@"
}

# ---- discovery: no token needed, the grants and endpoints named ----------
reg GET /.well-known/smart-configuration
expect 200 "smart configuration"
[ "$(jqb .token_endpoint)" = "$REG_URL/auth/token" ] || fail "token_endpoint"
[ "$(jqb .device_authorization_endpoint)" = "$REG_URL/auth/device" ] || fail "device endpoint"
[ "$(jqb .revocation_endpoint)" = "$REG_URL/auth/revoke" ] || fail "revocation endpoint"
[ "$(jqb -c '.grant_types_supported | sort')" = \
	'["password","refresh_token","urn:ietf:params:oauth:grant-type:device_code"]' ] || fail "grants"
[ "$(jqb .org_code_required)" = true ] || fail "org_code_required"
# the CapabilityStatement points to the same endpoints
reg GET /metadata
jqb '.rest[0].security.extension[] | select(.url | endswith("oauth-uris")) | .extension[] | select(.url == "token") | .valueUri' |
	grep -qx "$REG_URL/auth/token" || fail "CapabilityStatement oauth-uris"
jqb '.rest[0].security.service[0].coding[0].code' | grep -qx SMART-on-FHIR || fail "security service"

# ---- refresh tokens -------------------------------------------------------
registry_login CLINICA alice >/dev/null
r1=$(jqb .refresh_token)
[ -n "$r1" ] && [ "$r1" != null ] || fail "no refresh token with the password grant"
[ "$(jqb .refresh_expires_in)" -gt 0 ] || fail "refresh_expires_in"
form_token --data grant_type=refresh_token --data-urlencode "refresh_token=$r1"
expect 200 "refresh"
a2=$(jqb .access_token)
r2=$(jqb .refresh_token)
[ "$(jqb .org_code)" = CLINICA ] && [ "$(jqb .role)" = provider ] && [ "$(jqb .username)" = alice ] ||
	fail "refresh answer names the user, organization and role"
[ "$r2" != "$r1" ] || fail "the refresh token was not rotated"
reg_json GET /Patient "$a2"
expect 200 "the refreshed token works"
# the spent token again: refused, and the login it belonged to ends
form_token --data grant_type=refresh_token --data-urlencode "refresh_token=$r1"
expect 400 "reused refresh token"
[ "$(jqb .error)" = invalid_grant ] || fail "reuse error"
form_token --data grant_type=refresh_token --data-urlencode "refresh_token=$r2"
expect 400 "the family ends with a reuse"

# bound to the organization: a refresh at CLINICB stays at CLINICB, view-only
reg POST /auth/token --data-urlencode grant_type=password --data-urlencode org_code=CLINICB \
	--data-urlencode username=alice --data-urlencode "password=$REG_PASSWORD" --data confidentiality_accepted=true
expect 200
rb=$(jqb .refresh_token)
form_token --data grant_type=refresh_token --data-urlencode "refresh_token=$rb" --data org_code=CLINICA
expect 200
[ "$(jqb .org_code)" = CLINICB ] && [ "$(jqb .role)" = view ] || fail "refresh moved organization"
rb=$(jqb .refresh_token)

# revocation (RFC 7009): 200 always, the token is dead afterwards
reg POST /auth/revoke --data-urlencode "token=$rb"
expect 200 "revoke"
reg POST /auth/revoke --data-urlencode "token=not-a-token"
expect 200 "revoke of an unknown token"
form_token --data grant_type=refresh_token --data-urlencode "refresh_token=$rb"
expect 400 "revoked refresh token"

# a password change ends every login of the account, refresh tokens too
registry_login CLINICA bob >/dev/null
bob_tok=$(jqb .access_token)
rbob=$(jqb .refresh_token)
# tokens are stamped in seconds: the change comes in a later one than the login
bob_second=$(date +%s)
while [ "$(date +%s)" = "$bob_second" ]; do sleep 0.1; done
reg POST /auth/password -H "Authorization: Bearer $bob_tok" --data-urlencode "current_password=$REG_PASSWORD" \
	--data-urlencode 'new_password=Other!pass2027' --data-urlencode 'new_password_confirm=Other!pass2027'
expect 200 "password change"
form_token --data grant_type=refresh_token --data-urlencode "refresh_token=$rbob"
expect 400 "refresh after a password change"
jqb .error_description | grep -q "password changed" || fail "refresh after a password change: why"

# an unknown grant still gets RFC 6749's answer
form_token --data grant_type=client_credentials
expect 400
[ "$(jqb .error)" = unsupported_grant_type ] || fail "unsupported grant"

# ---- the device grant ------------------------------------------------------
device() {
	reg POST /auth/device --data client_id=vaxdesk
	expect 200 "device authorization"
	dc=$(jqb .device_code)
	uc=$(jqb .user_code)
	echo "$uc" | grep -qE '^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$' || fail "user code $uc"
	[ "$(jqb .verification_uri)" = "$REG_URL/auth/activate" ] || fail "verification_uri"
	[ "$(jqb .verification_uri_complete)" = "$REG_URL/auth/activate?user_code=$uc" ] ||
		fail "verification_uri_complete"
	[ "$(jqb .interval)" = 1 ] && [ "$(jqb .expires_in)" = "$ttl" ] || fail "interval and expiry"
}
poll() {
	form_token --data-urlencode grant_type=urn:ietf:params:oauth:grant-type:device_code \
		--data-urlencode "device_code=$dc"
}
approve() { # ORG USER PASSWORD [ACTION]
	reg POST /auth/activate --data-urlencode "user_code=$uc" --data-urlencode "org_code=$1" \
		--data-urlencode "username=$2" --data-urlencode "password=$3" \
		--data confidentiality_accepted=true --data "action=${4:-approve}"
}
# wait (up to 10 s) for the next second: polls are counted in seconds
next_second() {
	_s=$(date +%s)
	while [ "$(date +%s)" = "$_s" ]; do sleep 0.05; done
}

ttl=30
device
# the activation page shows the code and the statement, and never a password
reg GET "/auth/activate?user_code=$uc"
expect 200 "activation page"
header Content-Type | grep -q text/html || fail "activation page type"
grep -q "value=\"$uc\"" "$REG_BODY" || fail "the page is not filled with the code"
grep -q "confidential" "$REG_BODY" || fail "the page has no statement"
# polling again at once: slow_down, and the interval grows by 5 s. The
# registry counts in whole seconds, so the two polls go at the start of one;
# a pair a loaded machine spread over two is asked again.
_pairs=0
while :; do
	next_second
	poll
	expect 400
	[ "$(jqb .error)" = authorization_pending ] || fail "pending: $(jqb .error)"
	poll
	expect 400
	[ "$(jqb .error)" = slow_down ] && break
	[ "$(jqb .error)" = authorization_pending ] || fail "slow_down: $(jqb .error)"
	_pairs=$((_pairs + 1))
	[ $_pairs -lt 5 ] || fail "no slow_down in 5 pairs of polls a moment apart"
done
jqb .error_description | grep -q "wait 6 seconds" || fail "slow_down names the new interval"
# a wrong password on the page: refused there, the code still waits
approve CLINICA alice 'Wrong!pass2026'
expect 400 "approval with a wrong password"
grep -q "not right" "$REG_BODY" || fail "the page does not say the login was wrong"
# a code typed in lower case with spaces still finds its sign-in
uc_typed=$(echo "$uc" | tr 'A-Z-' 'a-z ')
reg POST /auth/activate --data-urlencode "user_code=$uc_typed" --data-urlencode org_code=CLINICA \
	--data-urlencode username=alice --data-urlencode "password=$REG_PASSWORD" \
	--data confidentiality_accepted=true --data action=approve
expect 200 "approval"
grep -q "signed in" "$REG_BODY" || fail "the page does not confirm"
# the next poll after the (grown) interval gets the token
sleep_until=$(($(date +%s) + 7))
while [ "$(date +%s)" -lt "$sleep_until" ]; do sleep 0.2; done
poll
expect 200 "device token"
dtok=$(jqb .access_token)
[ "$(jqb .org_code)" = CLINICA ] && [ "$(jqb .username)" = alice ] && [ "$(jqb .role)" = provider ] ||
	fail "device token names the user"
[ -n "$(jqb .refresh_token)" ] || fail "device token without a refresh token"
reg_json GET /Patient "$dtok"
expect 200 "the device's token works"
# the code is spent
next_second
poll
expect 400 "second poll after the token"
[ "$(jqb .error)" = invalid_grant ] || fail "spent code: $(jqb .error)"
# the page's own login left no token behind: alice's sessions are the device's
# and the ones made above (the audit says who approved)
approve CLINICA alice "$REG_PASSWORD"
expect 400 "approving a spent code"

# denied: the terminal hears access_denied
device
approve "" "" "" deny
expect 200 "deny"
grep -q "refused" "$REG_BODY" || fail "the page does not confirm the refusal"
poll
expect 400
[ "$(jqb .error)" = access_denied ] || fail "denied: $(jqb .error)"

# expired: nobody approved in time (a registry whose codes live 2 s)
registry_stop
registry_start --device-code-ttl 2 --device-interval 1
ttl=2
device
exp_at=$(($(date +%s) + 3))
while [ "$(date +%s)" -lt "$exp_at" ]; do sleep 0.2; done
poll
expect 400
[ "$(jqb .error)" = expired_token ] || fail "expired: $(jqb .error)"
approve CLINICA alice "$REG_PASSWORD"
expect 400 "approving an expired code"

# a code nobody made
reg POST /auth/activate --data user_code=BCDF-GHJK --data org_code=CLINICA --data username=alice \
	--data-urlencode "password=$REG_PASSWORD" --data action=approve
expect 400 "unknown user code"
echo "ok"
