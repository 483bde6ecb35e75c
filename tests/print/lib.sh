# tests/print/lib.sh - sourced by the print tests: reading PDFs back with
# poppler (pdftotext for the words, pdfinfo for size and pages, pdftoppm for
# what each page looks like).
#
#   print_init                 # temp dir in $PT, fixtures in $FX, driver in $PRINTDRV
#   has FILE.pdf TEXT          # fail unless the text layer contains TEXT
#   hasnt FILE.pdf TEXT
#   pdf_pages FILE.pdf         # number of pages
#   pdf_size FILE.pdf          # "612 x 792" (points)
#   page_ink FILE.pdf N        # per mille of page N's pixels that are not white
#   page_px FILE.pdf N         # "WxH" of page N rendered at 36 dpi

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
for _t in pdftotext pdfinfo pdftoppm; do
	command -v "$_t" >/dev/null 2>&1 || { echo "skip: $_t is not installed (Debian: poppler-utils)"; exit 77; }
done

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

print_init() {
	PT=$(mktemp -d "${TMPDIR:-/tmp}/vaxprint.XXXXXX")
	FX=$top_srcdir/tests/print/fixtures
	PRINTDRV=$top_builddir/tests/print/printdrv
	trap 'rm -rf "$PT"' EXIT
}

pdf_text() {
	pdftotext -layout -enc UTF-8 "$1" - 2>/dev/null | tr -s ' \n' '  '
}

has() {
	pdf_text "$1" | grep -qF -- "$2" || fail "$(basename "$1") lacks '$2'; it reads: $(pdf_text "$1" | head -c 1500)"
}

hasnt() {
	if pdf_text "$1" | grep -qF -- "$2"; then
		fail "$(basename "$1") should not say '$2'"
	fi
}

pdf_pages() {
	pdfinfo "$1" | sed -n 's/^Pages: *//p'
}

pdf_size() {
	pdfinfo "$1" | sed -n 's/^Page size: *\([0-9.]* x [0-9.]*\) pts.*/\1/p'
}

# The page as a greyscale PGM at 36 dpi; count the pixels darker than white.
page_ink() {
	pdftoppm -gray -r 36 -f "$2" -l "$2" "$1" "$PT/ink" || fail "pdftoppm $1 page $2"
	_pgm=$(ls "$PT"/ink*.pgm | head -1)
	/usr/bin/python3 - "$_pgm" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
# P5 header: magic, width, height, maxval, then the raster
parts = data.split(b"\n", 3)
w, h = map(int, parts[1].split())
raster = parts[3][: w * h]
dark = sum(1 for b in raster if b < 200)
print(dark * 1000 // (w * h))
EOF
	rm -f "$PT"/ink*.pgm
}

page_px() {
	pdftoppm -gray -r 36 -f "$2" -l "$2" "$1" "$PT/px" || fail "pdftoppm $1 page $2"
	_pgm=$(ls "$PT"/px*.pgm | head -1)
	sed -n '2p' "$_pgm" | tr ' ' 'x'
	rm -f "$PT"/px*.pgm
}

# look_alike A.pdf B.pdf N: page N of both, rendered at 36 dpi, has the
# same size and differs in at most 2% of its pixels (what a printer queue
# printed against what was sent).
look_alike() {
	pdftoppm -gray -r 36 -f "$3" -l "$3" "$1" "$PT/la" || fail "pdftoppm $1"
	pdftoppm -gray -r 36 -f "$3" -l "$3" "$2" "$PT/lb" || fail "pdftoppm $2"
	/usr/bin/python3 - "$(ls "$PT"/la*.pgm | head -1)" "$(ls "$PT"/lb*.pgm | head -1)" <<'PY' || fail "page $3 of $(basename "$2") does not look like what was printed"
import sys
def load(p):
    d = open(p, "rb").read().split(b"\n", 3)
    w, h = map(int, d[1].split())
    return w, h, d[3][: w * h]
a, b = load(sys.argv[1]), load(sys.argv[2])
if a[:2] != b[:2]:
    sys.exit("size %s against %s" % (a[:2], b[:2]))
off = sum(1 for x, y in zip(a[2], b[2]) if abs(x - y) > 96) / len(a[2])
if off > 0.02:
    sys.exit("%.1f%% of the pixels differ" % (off * 100))
PY
	rm -f "$PT"/la*.pgm "$PT"/lb*.pgm
}
