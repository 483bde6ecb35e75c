# tests/hl7/lib.sh - sourced after tests/lib/registry.sh by the HL7 tests.
#
#   hl7_init                   python3-hl7 present (else the test is skipped)
#   hl7post FILE [TOKEN]       POST /hl7v2 as application/hl7-v2 (token: $tok)
#   ack                        the last body as python3-hl7 reads it (hl7check.py)
#   wait_file FILE WHAT        wait (up to 60 s) for the spool to write FILE
#   held FILE                  FILE stays absent over many polls of the spool

hl7_init() {
	PY=/usr/bin/python3
	$PY -c 'import hl7' 2>/dev/null || { echo "python3-hl7 missing (tools/setup installs it)"; exit 77; }
	CHECK="$PY $top_srcdir/tests/hl7/hl7check.py"
	CDC=$top_srcdir/tests/hl7/cdc
}

hl7post() {
	reg POST /hl7v2 -H "Authorization: Bearer ${2:-$tok}" -H 'Content-Type: application/hl7-v2' \
		--data-binary "@$1"
}

ack() {
	$CHECK "$REG_BODY" || fail "python3-hl7 could not read the answer"
}

wait_file() {
	_w=0
	while [ ! -e "$1" ]; do
		[ $_w -lt 600 ] || fail "$2"
		sleep 0.1
		_w=$((_w + 1))
	done
}

held() {
	_w=0
	while [ $_w -lt 20 ]; do
		[ ! -e "$1" ] || fail "$1 was written while the registry was in maintenance"
		sleep 0.1
		_w=$((_w + 1))
	done
}
