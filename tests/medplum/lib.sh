# tests/medplum/lib.sh - sourced by the tests that run Medplum's FHIR engine
# (tests/medplum/server.mjs) over HTTPS with a throwaway CA:
#
#   medplum_start WORKDIR [ARGS...]
#                           find (or install) the packages, make certificates
#                           in WORKDIR/certs, start the server (with ARGS, e.g.
#                           --client ID:SECRET_FILE); sets MEDPLUM_URL and
#                           MEDPLUM_PID. Exits 77 (SKIP) when node, npm or the
#                           packages are not there, with the reason.
#   medplum_stop            stop it (call from the EXIT trap)
#
# The packages: the source tree's (tests/medplum/setup.sh), else a per-user
# cache keyed by the lock file, installed now if npm and the registry are
# reachable; outside the build tree, so every build (and distcheck) shares
# one install and none leaves files behind.
medplum_start() {
	_mw=$1
	shift
	_src=${top_srcdir:-.}
	command -v node >/dev/null 2>&1 || { echo "SKIP: node is not installed (Medplum needs Node >= 20.19)"; exit 77; }
	node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' ||
		{ echo "SKIP: node $(node --version) is too old for @medplum/fhir-router 4.5.2 (needs >= 20.19)"; exit 77; }
	_mp=$_src/tests/medplum
	if [ ! -d "$_mp/node_modules/@medplum/fhir-router" ]; then
		_lock=$(cksum <"$_src/tests/medplum/package-lock.json" | cut -d' ' -f1)
		_mp=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/vaxdesk/medplum-$_lock
		if [ ! -d "$_mp/node_modules/@medplum/fhir-router" ]; then
			command -v npm >/dev/null 2>&1 ||
				{ echo "SKIP: npm is not installed; run tests/medplum/setup.sh on a machine with npm"; exit 77; }
			echo "installing @medplum/fhir-router into $_mp (tests/medplum/setup.sh)"
			sh "$_src/tests/medplum/setup.sh" "$_mp" >"$_mw/medplum-setup.log" 2>&1 ||
				{ echo "SKIP: npm could not install the Medplum packages"; tail -5 "$_mw/medplum-setup.log"; exit 77; }
		fi
		cp "$_src/tests/medplum/server.mjs" "$_mp/server.mjs" 2>/dev/null || true
	fi
	sh "$_src/tests/api/mkcerts.sh" "$_mw/certs" || { echo "FAIL: certificates"; exit 1; }
	mkfifo "$_mw/hold"
	# stdin from a fifo held open by this shell: the server exits when it does
	node "$_mp/server.mjs" --cert "$_mw/certs/good.crt" --key "$_mw/certs/good.key" "$@" \
		<"$_mw/hold" >"$_mw/server.out" 2>"$_mw/server.err" &
	MEDPLUM_PID=$!
	exec 9>"$_mw/hold"
	_i=0
	MEDPLUM_URL=
	while [ $_i -lt 300 ] && [ -z "$MEDPLUM_URL" ]; do
		MEDPLUM_URL=$(sed -n 's/^URL //p' "$_mw/server.out")
		kill -0 "$MEDPLUM_PID" 2>/dev/null || break
		[ -n "$MEDPLUM_URL" ] || sleep 0.1
		_i=$((_i + 1))
	done
	if [ -z "$MEDPLUM_URL" ]; then
		echo "FAIL: the Medplum server did not start"
		cat "$_mw/server.err"
		exit 1
	fi
}

medplum_stop() {
	[ -n "${MEDPLUM_PID:-}" ] && kill "$MEDPLUM_PID" 2>/dev/null && wait "$MEDPLUM_PID" 2>/dev/null
	MEDPLUM_PID=
}
