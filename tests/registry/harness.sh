#!/bin/sh
# The integration harness (tests/lib/registry.sh) names what went wrong
# instead of hiding it:
#   1. vaxregd crashing (here: SIGSEGV) fails the test, whether the crash is
#      met by the next request or only when the server is stopped at exit;
#   2. a temp dir removed under a running test is reported as that, not as
#      "Segmentation fault" from curl (curl 7.88 crashes when the folder of
#      its -D file is missing) followed by "curl ... failed".
# Each case runs as a child script: the harness's fail() ends the shell.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init

# case NAME: run the script on stdin as a child test; its output in
# $REG_TMP/NAME.out, its exit status in CASE_RC
case_run() {
	{
		printf '. "%s/tests/lib/registry.sh"\n' "$top_srcdir"
		cat
	} >"$REG_TMP/$1.sh"
	CASE_RC=0
	sh -eu "$REG_TMP/$1.sh" >"$REG_TMP/$1.out" 2>&1 || CASE_RC=$?
}
case_says() { # NAME TEXT: the child's output has TEXT
	grep -qF "$2" "$REG_TMP/$1.out" || fail "$1: no '$2' in: $(cat "$REG_TMP/$1.out")"
}
case_lacks() {
	! grep -qF "$2" "$REG_TMP/$1.out" || fail "$1: '$2' in: $(cat "$REG_TMP/$1.out")"
}
case_tmp() { # NAME: the child's temp dir, from its first line
	sed -n 's/^tmp //p' "$REG_TMP/$1.out"
}

# 1a. the server crashes; the next request says so
case_run crash-request <<'EOF'
registry_init
echo "tmp $REG_TMP"
registry_start
kill -SEGV "$REG_PID"
while kill -0 "$REG_PID" 2>/dev/null; do sleep 0.05; done
reg GET /metadata
echo "not reached"
EOF
[ "$CASE_RC" != 0 ] || fail "crash-request: exit 0: $(cat "$REG_TMP/crash-request.out")"
case_says crash-request "vaxregd is gone"
case_lacks crash-request "not reached"
t=$(case_tmp crash-request)
[ -n "$t" ] && [ ! -e "$t" ] || fail "crash-request: temp dir '$t' left behind"

# 1b. the server crashes after the last request: the test still fails
case_run crash-exit <<'EOF'
registry_init
echo "tmp $REG_TMP"
registry_start
reg GET /metadata
expect 200
kill -SEGV "$REG_PID"
echo "all requests done"
EOF
[ "$CASE_RC" != 0 ] || fail "crash-exit: a crashed server passed: $(cat "$REG_TMP/crash-exit.out")"
case_says crash-exit "all requests done"
case_says crash-exit "FAIL: vaxregd"
t=$(case_tmp crash-exit)
[ -n "$t" ] && [ ! -e "$t" ] || fail "crash-exit: temp dir '$t' left behind"

# ... and a server that stops cleanly passes
case_run clean-exit <<'EOF'
registry_init
registry_start
reg GET /metadata
expect 200
registry_stop
registry_start
reg GET /metadata
expect 200
echo "all requests done"
EOF
[ "$CASE_RC" = 0 ] || fail "clean-exit: exit $CASE_RC: $(cat "$REG_TMP/clean-exit.out")"

# 2. the temp dir removed from outside between two requests
case_run tmp-gone <<'EOF'
registry_init
registry_start
reg GET /metadata
expect 200
rm -rf "$REG_TMP"
reg GET /metadata
echo "not reached"
EOF
[ "$CASE_RC" != 0 ] || fail "tmp-gone: exit 0: $(cat "$REG_TMP/tmp-gone.out")"
case_says tmp-gone "was removed while the test ran"
case_lacks tmp-gone "Segmentation fault"
case_lacks tmp-gone "not reached"

echo ok
