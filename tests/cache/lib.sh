# tests/cache/lib.sh - sourced after tests/lib/registry.sh: run the store's
# command line (tests/cache/cachedrv, = `vaxdesk sync|outbox|...`) against
# the registry started there, with a private data directory.
#
#   cache_init                 data dir, password file, config (short timeouts)
#   drv CMD [ARGS...]          run in the foreground; status in DRV_RC (the
#                              function itself always returns 0)
#   drv_ok CMD [ARGS...]       the same, failing the test on a non-zero exit
#   drv_bg OUT CMD [ARGS...]   run in the background, stdout to OUT; pid in DRV_PID
#   drv_url URL                talk to URL instead of the registry (a proxy)

CACHEDRV=${CACHEDRV:-$top_builddir/tests/cache/cachedrv}
FAULTPROXY=${FAULTPROXY:-$top_builddir/tests/cache/faultproxy}
DRV_URL=

cache_init() {
	DESK=$REG_TMP/desk
	PWFILE=$REG_TMP/pw
	printf '%s\n' "$REG_PASSWORD" >"$PWFILE"
	CONF=$REG_TMP/vaxdesk.conf
	# small Bundles: the fault tests break the registry between them
	printf 'connect_timeout_seconds = 3\nsync_batch = 50\n' >"$CONF"
}

drv_url() { DRV_URL=$1; }

_drv_args() {
	echo --data-dir "$DESK" --config "$CONF" --registry "${DRV_URL:-$REG_URL}" \
		--ca-file "$REG_CA" --org "${DRV_ORG:-CLINICA}" --user "${DRV_USER:-alice}" --password-fd 3
}

drv() {
	_c=$1
	shift
	# its CA file, password file and data dir live there
	[ -d "$REG_TMP" ] || fail "cachedrv $_c: $(registry_tmp_gone)"
	DRV_RC=0
	# shellcheck disable=SC2046
	"$CACHEDRV" "$_c" $(_drv_args) "$@" 3<"$PWFILE" || DRV_RC=$?
}

# drv_ok CMD [ARGS...]: drv, and the test fails unless it exits 0
drv_ok() {
	drv "$@"
	[ "$DRV_RC" = 0 ] || fail "cachedrv $1 exited $DRV_RC"
}

drv_bg() {
	_o=$1
	_c=$2
	shift 2
	# shellcheck disable=SC2046
	"$CACHEDRV" "$_c" $(_drv_args) "$@" 3<"$PWFILE" >>"$_o" 2>>"$REG_TMP/drv.err" &
	DRV_PID=$!
}

# random_ms LO HI: a random whole number of milliseconds in [LO, HI)
random_ms() {
	_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	echo $(($1 + _r % ($2 - $1)))
}

sleep_ms() {
	sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"
}

# A faultproxy ARM that catches one client's edit: more than a login's
# request (about 370 bytes) or a read (about 380 with the dictionary named),
# less than a Bundle with one edit (about 660 as dcz, 750 as gzip). A $match
# request (about 900) is more: where offline clients wait, the default ARM
# waits for their Bundle.
ARM_EDIT=500

# proxy_start MODE N [ARM]: a faultproxy in front of the registry; sets PROXY_URL
proxy_start() {
	_port=${REG_URL##*:}
	rm -f "$REG_TMP/proxy.out"
	mkfifo "$REG_TMP/proxy.in" 2>/dev/null || :
	"$FAULTPROXY" "$_port" "$1" "$2" ${3:+"$3"} <"$REG_TMP/proxy.in" >"$REG_TMP/proxy.out" &
	PROXY_PID=$!
	exec 8>"$REG_TMP/proxy.in"
	_i=0
	while [ $_i -lt 100 ] && ! grep -q '^PORT ' "$REG_TMP/proxy.out" 2>/dev/null; do
		sleep 0.05
		_i=$((_i + 1))
	done
	PROXY_URL="https://127.0.0.1:$(sed -n 's/^PORT //p' "$REG_TMP/proxy.out")"
}

# proxy_stop: stop it; fails the test if the fault never happened
proxy_stop() {
	grep -q '^fault: ' "$REG_TMP/proxy.out" || fail "the proxy's fault never happened"
	exec 8>&-
	kill "$PROXY_PID" 2>/dev/null || :
	wait "$PROXY_PID" 2>/dev/null || :
}

# registry_restart: start the registry again on a new port. server.out is
# removed first: registry_start could otherwise read the old URL before the
# new process has truncated the file.
registry_restart() {
	rm -f "$REG_TMP/server.out"
	registry_start "$@"
}

# Key sequences of the real vaxdesk (scripted mode, tests/tui/lib.sh, whose
# tui_open_keys opens a client) for the crash and fault tests; each prints
# script lines.
#   keys_visit LOT1 LOT2                   a visit: DTaP and MMR given today, saved
#   keys_change_lot LOT                    the first dose's lot, with a reason, saved
#   keys_middle NAME                       Edit Client, the middle name typed (not saved)
keys_visit() {
	printf 'a\n<S-Tab>\n:type V02\n<Tab>\n:type 20\n<Tab>\n:type %s\n<Tab>\n<Tab>\n:type 12/31/2030\n' "$1"
	printf '<Tab>\n:type VXC1\n<F3>\n:type 03\n<Tab>\n:type %s\n<Tab>\n<Tab>\n:type 12/31/2030\n' "$2"
	printf '<C-w>\n:wait-idle\n'
}
keys_change_lot() {
	printf '<Home>\nc\n<Tab>\n<C-u>\n:type %s\n<C-w>\n:type Lot typed wrong\n<C-w>\n:wait-idle\n' "$1"
}
keys_middle() {
	printf 'e\n:wait-idle\n<Tab>\n<Tab>\n<C-u>\n:type %s\n' "$1"
}
