#!/bin/sh
# The Official Immunization Record as PDF, read back by its text (pdftotext)
# and its pages (pdfinfo, pdftoppm): identification, every dose by vaccine
# group with its label, a not-valid dose with the reason, the organization
# and date; US Letter by default, A4 by option; any UTF-8 name; the
# provisional banner; a long history over several pages.
set -eu
. "$top_srcdir/tests/print/lib.sh"
print_init
rec() { VAXDESK_DATADIR=${VAXDESK_DATADIR:-$top_srcdir/data} "$PRINTDRV" record "$@"; }

# a 5-year-old's history (tests/print/fixtures/anh.json), evaluated 11/22/2026
rec --on 2026-11-22 "$FX/anh.json" "$PT/anh.pdf" || fail "record"
f=$PT/anh.pdf
[ "$(pdf_size "$f")" = "612 x 792" ] || fail "not US Letter: $(pdf_size "$f")"
has "$f" "Official Immunization Record"
has "$f" "Nguyễn, Ánh Thị"      # Vietnamese diacritics
has "$f" "阮, 氏映"              # a Chinese AKA: a font for every script
has "$f" "TX0042917"
has "$f" "03/15/2021"
has "$f" "Trần"
has "$f" "Clínica Peña (CLINPENA)"
has "$f" "printed 11/22/2026"
has "$f" "Page 1 of $(pdf_pages "$f")"
# by vaccine group, each dose with its label as CDSi counts it (see the
# vaxdesk-forecast table for this history in tests/print/README)
has "$f" "Hepatitis B 03/15/2021 Hep B, adolescent or pediatric 1 of 3"
has "$f" "09/20/2021 Hep B, adolescent or pediatric 3 of 3"
has "$f" "IPV 3 of 4"
has "$f" "Hepatitis A 03/20/2022 Hep A, ped/adol, 2 dose 1 of 2"
# the second MMR ten days after the first does not count, and says why
has "$f" "03/30/2022 MMR NOT VALID: given too young"
has "$f" "MMR 03/20/2022 MMR 1 of 2"
has "$f" "Refusals on record: 1"
hasnt "$f" "PROVISIONAL"
# what the page looks like: letter-shaped, with ink on it, the bottom
# margin clear except for the footer line
[ "$(page_px "$f" 1)" = "306x396" ] || fail "page 1 is $(page_px "$f" 1) pixels at 36 dpi"
ink=$(page_ink "$f" 1)
[ "$ink" -gt 20 ] && [ "$ink" -lt 400 ] || fail "page 1 ink $ink per mille"

# A4 on request, same content
rec --a4 --on 2026-11-22 "$FX/anh.json" "$PT/a4.pdf" || fail "a4"
[ "$(pdf_size "$PT/a4.pdf")" = "595.276 x 841.89" ] || fail "not A4: $(pdf_size "$PT/a4.pdf")"
[ "$(page_px "$PT/a4.pdf" 1)" = "298x421" ] || fail "A4 page is $(page_px "$PT/a4.pdf" 1)"
has "$PT/a4.pdf" "03/30/2022 MMR NOT VALID: given too young"

# printed from the local store during downtime: provisional on the page and
# in every footer, with the doses still waiting
rec --provisional 2 --on 2026-11-22 "$FX/anh.json" "$PT/prov.pdf" || fail "provisional"
has "$PT/prov.pdf" "PROVISIONAL RECORD"
has "$PT/prov.pdf" "2 doses recorded here have not reached the registry yet"
has "$PT/prov.pdf" "PROVISIONAL Official Immunization Record - Nguyễn, Ánh Thị"
rec --provisional 1 --on 2026-11-22 "$FX/anh.json" "$PT/prov1.pdf" || fail "provisional 1"
has "$PT/prov1.pdf" "1 dose recorded here has not reached the registry yet"

# 56 influenza doses run over several pages: the table header repeats, the
# footers count the pages, and a name with markup characters prints as typed
rec --on 2026-11-22 "$FX/long.json" "$PT/long.pdf" || fail "long"
n=$(pdf_pages "$PT/long.pdf")
[ "$n" -ge 2 ] || fail "a 56-dose history on $n page(s)"
has "$PT/long.pdf" "O'Brien <b>&amp;, Zoë"
has "$PT/long.pdf" "Page $n of $n"
[ "$(pdftotext -layout "$PT/long.pdf" - | grep -c 'Vaccine group *Date given')" = "$n" ] ||
	fail "header not on every page"
[ "$(pdftotext -layout "$PT/long.pdf" - | grep -c '10/15/')" = 56 ] || fail "not every dose printed once"
for p in $(seq 1 "$n"); do
	[ "$(page_ink "$PT/long.pdf" "$p")" -gt 5 ] || fail "page $p of the long record is blank"
done

# an unwritable place: a clear message, nothing left behind
if rec --on 2026-11-22 "$FX/anh.json" "$PT/no/such/dir/x.pdf" 2>"$PT/err"; then
	fail "wrote into a missing folder"
fi
grep -q "cannot be written" "$PT/err" || fail "message: $(cat "$PT/err")"
[ -z "$(ls "$PT/no" 2>/dev/null)" ] || fail "left a file"
echo "ok: record"
