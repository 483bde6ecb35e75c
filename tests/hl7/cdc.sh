#!/bin/sh
# CDC's 85 HL7 test messages (33 good, 52 broken; tests/hl7/SOURCE.md)
# through vaxregd's spool folder, as a sender's FTP drop: each file is
# answered by an ACK file, and every answer is what CDC's own validator
# report says it should be (tests/hl7/cdc_expect.py, read with python3-hl7).
set -eu
. "$top_srcdir/tests/lib/registry.sh"
. "$top_srcdir/tests/hl7/lib.sh"
hl7_init
registry_init
registry_org CDCTEST
spool=$REG_TMP/spool
mkdir -p "$spool/CDCTEST"
registry_start --spool "$spool" --spool-poll 100
cp "$CDC/testgood.hl7" "$CDC/testerror.hl7" "$spool/CDCTEST/"
wait_file "$spool/CDCTEST/testgood.hl7.ack" "the spool did not answer testgood.hl7"
wait_file "$spool/CDCTEST/testerror.hl7.ack" "the spool did not answer testerror.hl7"
$PY "$top_srcdir/tests/hl7/cdc_expect.py" "$(date -u +%Y-%m-%d)" "$spool/CDCTEST/testgood.hl7.ack" \
	"$spool/CDCTEST/testerror.hl7.ack" "$CDC/testerror.hl7.rpt" > "$REG_TMP/cdc.out" 2>&1 ||
	{ cat "$REG_TMP/cdc.out" >&2; fail "CDC's expectations"; }
tail -1 "$REG_TMP/cdc.out"
registry_stop
