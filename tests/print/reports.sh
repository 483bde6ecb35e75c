#!/bin/sh
# The provider summary and a school list's compliance report as documents:
# from the registry's answers (fixtures in the shape vaxregd sends) to PDF
# and CSV, read back by pdftotext, pdftoppm and Python's csv module.
set -eu
. "$top_srcdir/tests/print/lib.sh"
print_init
drv() { VAXDESK_DATADIR=${VAXDESK_DATADIR:-$top_srcdir/data} "$PRINTDRV" "$@"; }

drv summary-pdf "$FX/summary.json" "$PT/sum.pdf" || fail "summary pdf"
f=$PT/sum.pdf
has "$f" "Provider Summary"
has "$f" "Clínica Peña (CLINPENA)"
has "$f" "Doses administered 08/01/2026 through 10/31/2026"
has "$f" "Reported within 1 day 5 of 8 62.5%"
has "$f" "Reported within 7 days 6 of 8 75.0%"
has "$f" "Reported within 30 days 7 of 8 87.5%"
has "$f" "Lot number 8 of 8 100.0%"
has "$f" "Vaccine Information Statement (VIS) 6 of 8 75.0%"
has "$f" "VFC eligibility 7 of 8 87.5%"
has "$f" "Historical records entered in the period (not rated): 3."
has "$f" "Active clients 24 through 35 months old on 10/31/2026: 4."
has "$f" "pneumococcal conjugate: 3 (75.0%)"
has "$f" "PCV 4 1"
has "$f" "Q-NOT-VALID-INTERVAL Dose not valid: given too soon after the previous dose 1"
has "$f" "09/03/2026 03 imm-77 pat-12 Q-NOT-VALID-INTERVAL"
[ "$(page_ink "$f" 1)" -gt 10 ] || fail "summary page blank"
drv summary-pdf --a4 "$FX/summary.json" "$PT/sum4.pdf" || fail "summary a4"
[ "$(pdf_size "$PT/sum4.pdf")" = "595.276 x 841.89" ] || fail "summary A4 $(pdf_size "$PT/sum4.pdf")"

# a broken answer is refused with a reason, and no document is made
echo '{"resourceType":"Parameters","parameter":[{"name":"doses","valueInteger":"many"}]}' >"$PT/bad.json"
if drv summary-pdf "$PT/bad.json" "$PT/bad.pdf" 2>"$PT/err"; then fail "read a broken summary"; fi
grep -q "'doses' is not readable" "$PT/err" || fail "summary message: $(cat "$PT/err")"
[ ! -e "$PT/bad.pdf" ] || fail "made a PDF of a broken summary"

drv school "$FX/school-report.json" "$PT/sch.pdf" "$PT/sch.csv" || fail "school report"
f=$PT/sch.pdf
has "$f" "School Compliance Report"
has "$f" "Becker Elementary – Kindergarten"
has "$f" "Grade K, checked against the Texas school requirements"
has "$f" "as of 08/20/2024. Compliant: 1 of 3 students."
has "$f" "Ortiz, Luis 01/15/2018 No MMR, dose 2: due by 09/08/2024"
has "$f" "Hepatitis B, dose 1: earliest 08/20/2024"
has "$f" "Becker, Ana 01/15/2019 Yes"
has "$f" "Not checked: This student is not in the"
/usr/bin/python3 - "$PT/sch.csv" <<'EOF2' || fail "school csv"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8", newline="")))
h = rows[0]
assert h == ["registry_id", "name", "birth_date", "compliant", "requirement", "status", "valid_doses",
             "dose_missing", "earliest_date", "checked_on"], h
r = [dict(zip(h, x)) for x in rows[1:]]
assert len(r) == 4, r
assert r[0]["registry_id"] == "k1" and r[0]["compliant"] == "yes" and r[0]["requirement"] == ""
assert (r[1]["requirement"], r[1]["status"], r[1]["dose_missing"], r[1]["earliest_date"]) == \
    ("MMR", "due", "2", "2024-09-08"), r[1]
assert (r[2]["requirement"], r[2]["status"], r[2]["valid_doses"]) == ("Hepatitis B", "not-met", "0"), r[2]
# a name that would run as a spreadsheet formula is kept as text
assert r[3]["name"] == "'=HYPERLINK(\"x\"), Evil" and r[3]["compliant"] == "unknown", r[3]
EOF2
echo '{"group":"Group/g","grade":"K","date":"2024-08-20","students":[{"patient":"Patient/a","requirements":[{"vaccine":"MMR","status":"sometimes"}]}]}' >"$PT/bad.json"
if drv school "$PT/bad.json" "$PT/b.pdf" "$PT/b.csv" 2>"$PT/err"; then fail "read a broken report"; fi
grep -q "student 1: a requirement has no vaccine or an unknown status" "$PT/err" || fail "school message: $(cat "$PT/err")"
echo "ok: reports"
