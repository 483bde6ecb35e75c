#!/bin/sh
# A TLS handshake the peer resets (a box on the way, a registry restarting)
# is the network going away, not a certificate problem: login falls back to
# offline, sync reports offline (exit 75) and keeps the work, and once the
# link is back the work is sent. Certificate failures stay TLS errors
# (tests/api/test_transport.c).
set -eu
. "$top_srcdir/tests/lib/registry.sh"
. "$top_srcdir/tests/cache/lib.sh"
registry_init
registry_user CLINICA alice provider
registry_restart
cache_init
drv sync >/dev/null
[ "$DRV_RC" = 0 ] || fail "first online login"
drv_ok record --count 1 >"$REG_TMP/saved"

proxy_start reset-hello 0
drv_url "$PROXY_URL"
drv sync >"$REG_TMP/sync.out" 2>"$REG_TMP/sync.err"
[ "$DRV_RC" = 75 ] || fail "sync through a resetting link: exit $DRV_RC: $(cat "$REG_TMP/sync.err")"
grep -q 'not reachable.*cut off.*working offline' "$REG_TMP/sync.err" ||
	fail "a reset handshake is not offline: $(cat "$REG_TMP/sync.err")"
proxy_stop
drv_url ""
drv sync >"$REG_TMP/sync.out"
[ "$DRV_RC" = 0 ] || fail "sync after the link came back: exit $DRV_RC"
grep -q 'accepted 3,' "$REG_TMP/sync.out" || fail "catch-up: $(cat "$REG_TMP/sync.out")"
drv_ok verify "$REG_TMP/saved"
echo ok
