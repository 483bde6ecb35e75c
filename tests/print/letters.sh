#!/bin/sh
# Reminder/recall: who is selected and why the others are not (hand-computed
# for seven fixture clients on 11/22/2026), the letters in English and
# Spanish read back from the PDF, and the CSV list read back by Python's csv.
#
# Expectations, from ACIP's schedule as CDSi applies it:
#   Nguyễn (born 03/15/2021): at 4 years DTaP 5, IPV 4, MMR 2 and varicella 2
#     were due on 03/15/2025 (past due only from 2028); COVID-19 dose 1.
#   Okafor (born 07/20/2026, hepatitis B at birth only): hepatitis B 2 due at
#     1 month (08/20/2026), DTaP, Hib, PCV and IPV 1 at 2 months (09/20/2026),
#     all past due from 4 months less 4 days (11/16/2026).
#   Treviño-Salinas (born 05/01/2012, tracks the Texas school schedule, grade
#     9 on 09/01/2026): no Tdap within 10 years and no MenACWY after 11; every
#     other grade 8-12 requirement met.
#   Washington opted out, Müller moved away, García has no viable address,
#   Kim has no date of birth.
set -eu
. "$top_srcdir/tests/print/lib.sh"
print_init
recall() { VAXDESK_DATADIR=${VAXDESK_DATADIR:-$top_srcdir/data} "$PRINTDRV" recall --on 2026-11-22 "$@"; }
all="$FX/anh.json $FX/okafor.json $FX/trevino.json $FX/washington.json $FX/muller.json $FX/garcia.json $FX/kim.json"
tab=$(printf '\t')

# anything due or overdue by each client's tracking schedule
# shellcheck disable=SC2086
recall --lang both "$PT/due.pdf" "$PT/due.csv" $all >"$PT/due.out" || fail "recall"
cat >"$PT/want" <<EOF2
selected${tab}Nguyễn${tab}COVID-19@2025-08-27${tab}DTaP/Tdap/Td@2025-03-15${tab}MMR@2025-03-15${tab}Polio@2025-03-15${tab}Varicella@2025-03-15
selected${tab}Okafor${tab}DTaP/Tdap/Td@2026-09-20!${tab}Hepatitis B@2026-08-20!${tab}Hib@2026-09-20!${tab}Pneumococcal@2026-09-20!${tab}Polio@2026-09-20!
selected${tab}Treviño-Salinas${tab}DTaP/Tdap/Td@2023-05-01!${tab}Meningococcal ACWY@2023-05-01!
opted-out${tab}Washington
inactive${tab}Müller
no-address${tab}García
no-dob${tab}Kim
EOF2
diff "$PT/want" "$PT/due.out" >&2 || fail "due selection differs"
# two letters (English, Spanish) for each of the three
[ "$(pdf_pages "$PT/due.pdf")" = 6 ] || fail "letters: $(pdf_pages "$PT/due.pdf") pages"
pdftotext -layout -f 1 -l 1 "$PT/due.pdf" "$PT/p1.txt"
pdftotext -layout -f 2 -l 2 "$PT/due.pdf" "$PT/p2.txt"
pdftotext -layout -f 3 -l 3 "$PT/due.pdf" "$PT/p3.txt"
pdftotext -layout -f 6 -l 6 "$PT/due.pdf" "$PT/p6.txt"
grep -q "Parent or guardian of Ánh Thị Nguyễn" "$PT/p1.txt" || fail "p1 addressee"
grep -q "1234 Bellaire Blvd" "$PT/p1.txt" && grep -q "Houston, TX *77036" "$PT/p1.txt" || fail "p1 address"
grep -q "November 22, 2026" "$PT/p1.txt" || fail "p1 date"
grep -q "MMR (measles, mumps, rubella) *Dose 2 *03/15/2025 *Due now" "$PT/p1.txt" || fail "p1 MMR row"
grep -q "(512) 555-0142" "$PT/p1.txt" || fail "p1 phone"
grep -q "Padres o tutores de Ánh Thị Nguyễn" "$PT/p2.txt" || fail "p2 addressee"
grep -q "22 de noviembre de 2026" "$PT/p2.txt" || fail "p2 date"
grep -q "SRP (sarampión, paperas, rubéola) *Dosis 2 *15/03/2025 *Le corresponde ya" "$PT/p2.txt" ||
	fail "p2 MMR row"
grep -q "Estimado padre, madre o tutor de Ánh Thị Nguyễn:" "$PT/p2.txt" || fail "p2 greeting"
grep -q "Hepatitis B *Dose 2 *08/20/2026 *Overdue since 11/16/2026" "$PT/p3.txt" || fail "p3 overdue row"
grep -q "Meningococo ACWY (meningitis) *Dosis 1" "$PT/p6.txt" || fail "p6 MenACWY"
grep -q "Número de registro TXP-TREVINO" "$PT/p6.txt" || fail "p6 registry id"
for p in 1 2 3 4 5 6; do
	[ "$(page_ink "$PT/due.pdf" $p)" -gt 5 ] || fail "letter page $p is blank"
done
# the list: a header and one row per client selected
/usr/bin/python3 - "$PT/due.csv" <<'EOF2' || fail "csv"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8", newline="")))
assert rows[0][:5] == ["registry_id", "family", "given", "middle", "birth_date"], rows[0]
assert len(rows) == 4, rows
by = {r[1]: dict(zip(rows[0], r)) for r in rows[1:]}
o = by["Okafor"]
assert o["vaccines_due"] == "DTaP/Tdap/Td; Hepatitis B; Hib; Pneumococcal; Polio", o
assert o["overdue_since"] == "2026-11-16" and o["zip"] == "78702" and o["notice_date"] == "2026-11-22", o
assert by["Nguyễn"]["overdue_since"] == "" and by["Nguyễn"]["address_line2"] == "Apt 5"
assert by["Treviño-Salinas"]["given"] == "María José"
EOF2

# a recall: only what is past due
# shellcheck disable=SC2086
recall --overdue --lang es "$PT/od.pdf" "$PT/od.csv" $all >"$PT/od.out" || fail "recall --overdue"
[ "$(cut -f1,2 "$PT/od.out" | tr '\t\n' ':;')" = "not-due:Nguyễn;selected:Okafor;selected:Treviño-Salinas;opted-out:Washington;inactive:Müller;no-address:García;no-dob:Kim;" ] ||
	fail "overdue outcomes: $(cat "$PT/od.out")"
[ "$(pdf_pages "$PT/od.pdf")" = 2 ] || fail "Spanish only: $(pdf_pages "$PT/od.pdf") pages"
has "$PT/od.pdf" "Atrasada desde el 16/11/2026"
hasnt "$PT/od.pdf" "Dear"

# chosen vaccines and an age range (0-72 months)
# shellcheck disable=SC2086
recall --vaccines MMR,HepB --age 0-72 --lang en "$PT/v.pdf" "$PT/v.csv" $all >"$PT/v.out" || fail "recall --vaccines"
cat >"$PT/want" <<EOF2
selected${tab}Nguyễn${tab}MMR@2025-03-15
selected${tab}Okafor${tab}Hepatitis B@2026-08-20!
out-of-age${tab}Treviño-Salinas
out-of-age${tab}Washington
out-of-age${tab}Müller
out-of-age${tab}García
no-dob${tab}Kim
EOF2
diff "$PT/want" "$PT/v.out" >&2 || fail "vaccine selection differs"
[ "$(pdf_pages "$PT/v.pdf")" = 2 ] || fail "vaccines: $(pdf_pages "$PT/v.pdf") pages"
hasnt "$PT/v.pdf" "Polio"
[ "$(grep -c . "$PT/v.csv")" = 3 ] || fail "vaccines csv rows"

# nobody selected: the letters say so, the list has its header only
recall --vaccines HPV --lang en "$PT/none.pdf" "$PT/none.csv" "$FX/anh.json" >/dev/null || fail "none"
has "$PT/none.pdf" "No clients were selected for a notice."
[ "$(grep -c . "$PT/none.csv")" = 1 ] || fail "empty list"
echo "ok: letters"
