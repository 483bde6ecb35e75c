#!/bin/sh
# Printing through a real CUPS queue: the record goes to lp, CUPS runs its
# filters and CUPS-PDF writes what a printer would have printed; the test
# reads that back. Also lp's own refusals, in words, and the temporary copy
# removed once lp has it.
set -eu
. "$top_srcdir/tests/print/lib.sh"
. "$top_srcdir/tests/lib/cups.sh"
print_init
trap 'cups_stop; rm -rf "$PT"' EXIT
cups_start
CUPS_COPY_DIR=$PT
drv() { VAXDESK_DATADIR=${VAXDESK_DATADIR:-$top_srcdir/data} "$PRINTDRV" "$@"; }

drv record --on 2026-11-22 "$FX/anh.json" "$PT/anh.pdf" || fail "record"
title=vaxtest-$$-record
req=$(drv lp --printer "$CUPS_QUEUE" --title "$title" "$PT/anh.pdf") || fail "lp"
case "$req" in "$CUPS_QUEUE"-[0-9]*) ;; *) fail "request id '$req'" ;; esac
out=$(cups_wait_pdf "$title") || fail "CUPS-PDF wrote nothing"
[ "$(pdf_pages "$out")" = "$(pdf_pages "$PT/anh.pdf")" ] || fail "printed $(pdf_pages "$out") pages"
[ "$(pdf_size "$out")" = "612 x 792" ] || fail "printed on $(pdf_size "$out"), not Letter"
look_alike "$PT/anh.pdf" "$out" 1
# our own queue keeps the text (pdftocairo); a system queue may print it as
# outlines, and then the pages are all there is to compare
if [ -z "$CUPS_TMP" ] && [ -z "$(pdffonts "$out" | tail -n +3)" ]; then
	echo "ok: cups (system queue $CUPS_QUEUE prints text as outlines: compared by its pages only)"
	exit 0
fi
has "$out" "Official Immunization Record"
has "$out" "Nguyễn, Ánh Thị"
has "$out" "03/30/2022 MMR NOT VALID: given too young"
[ "$(page_ink "$out" 1)" -gt 20 ] || fail "the printed page is blank"

# A4 paper: the job asks for it and the printed page is A4
drv record --a4 --on 2026-11-22 "$FX/long.json" "$PT/long.pdf" || fail "record a4"
cp "$PT/long.pdf" "$PT/long-sent.pdf"
title=vaxtest-$$-a4
drv lp --printer "$CUPS_QUEUE" --title "$title" --a4 --remove "$PT/long.pdf" >/dev/null || fail "lp a4"
[ ! -e "$PT/long.pdf" ] || fail "the temporary copy was not removed"
out=$(cups_wait_pdf "$title") || fail "CUPS-PDF wrote nothing (A4)"
case "$(pdf_size "$out")" in 59[456]*" x 84"[12]*) ;; *) fail "printed on $(pdf_size "$out")" ;; esac
[ "$(pdf_pages "$out")" -ge 2 ] || fail "long record printed on $(pdf_pages "$out") page"
for p in $(seq 1 "$(pdf_pages "$out")"); do
	[ "$(page_ink "$out" "$p")" -gt 5 ] || fail "printed page $p is blank"
done
look_alike "$PT/long-sent.pdf" "$out" 2
has "$out" "O'Brien <b>&amp;, Zoë"

# refusals come back in lp's words
if drv lp --printer vaxtest-no-such-queue --title x "$PT/anh.pdf" 2>"$PT/err"; then
	fail "printed to a queue that does not exist"
fi
grep -q "The printer refused the job: .*does not exist" "$PT/err" || fail "message: $(cat "$PT/err")"
if VAXDESK_LP=/nonexistent/lp drv lp --printer "$CUPS_QUEUE" "$PT/anh.pdf" 2>"$PT/err"; then
	fail "ran a missing lp"
fi
grep -q "cannot be started\|not installed" "$PT/err" || fail "missing lp: $(cat "$PT/err")"
echo "ok: cups ($CUPS_QUEUE${CUPS_TMP:+, own cupsd})"
