# tests/lib/cups.sh - sourced by tests that print: a real CUPS queue that
# prints to PDF files (CUPS-PDF), so a test can read back what was printed.
#
#   . "$top_srcdir/tests/lib/cups.sh"
#   cups_start                  # exports CUPS_SERVER, sets CUPS_QUEUE; exits 77 (skip) only
#                               # where CUPS truly cannot run, saying why
#   f=$(cups_wait_pdf TITLE)    # the PDF CUPS-PDF made of the job titled TITLE,
#                               # copied into the test's temp dir (its original removed)
#   cups_stop                   # also runs on exit
#
# As root (a bare CI machine) it starts its own cupsd in a temporary
# directory, listening on a private socket, with a CUPS-PDF queue of its
# own; the system's CUPS, if any, is not touched. Without root, a running
# system cupsd with a CUPS-PDF queue is used. CUPS-PDF writes each job to
# ~USER/PDF of the user who printed (its configuration, /etc/cups/cups-pdf.conf,
# is not ours to change): job titles made unique per test find the files.

: "${top_srcdir:=.}"
CUPS_TMP=
CUPS_PID=
CUPS_QUEUE=

cups_skip() {
	echo "skip: $*"
	exit 77
}

cups_stop() {
	if [ -n "$CUPS_PID" ]; then
		kill "$CUPS_PID" 2>/dev/null || :
		# wait for it, so the temp dir is not pulled from under it
		_i=0
		while kill -0 "$CUPS_PID" 2>/dev/null && [ $_i -lt 100 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		CUPS_PID=
	fi
	[ -n "$CUPS_TMP" ] && [ -z "${CUPS_KEEP:-}" ] && rm -rf "$CUPS_TMP"
	[ -n "${CUPS_SINCE:-}" ] && rm -f "$CUPS_SINCE"
	CUPS_TMP=
}

# The folder CUPS-PDF writes this user's jobs to (its default Out).
cups_pdf_dir() {
	_home=$(getent passwd "$(id -un)" | cut -d: -f6)
	echo "${_home:-$HOME}/PDF"
}

cups_own() {
	_base=${TMPDIR:-/tmp}
	# a Unix socket path must stay short (108 bytes)
	[ ${#_base} -gt 60 ] && _base=/tmp
	CUPS_TMP=$(mktemp -d "$_base/vaxcups.XXXXXX") || return 1
	# filters run as lp and must reach the spool inside it
	chmod 755 "$CUPS_TMP"
	mkdir -p "$CUPS_TMP/etc" "$CUPS_TMP/spool/tmp" "$CUPS_TMP/cache" "$CUPS_TMP/state" "$CUPS_TMP/log"
	cat >"$CUPS_TMP/etc/cups-files.conf" <<EOF
ServerRoot $CUPS_TMP/etc
RequestRoot $CUPS_TMP/spool
TempDir $CUPS_TMP/spool/tmp
CacheDir $CUPS_TMP/cache
StateDir $CUPS_TMP/state
AccessLog $CUPS_TMP/log/access_log
ErrorLog $CUPS_TMP/log/error_log
PageLog $CUPS_TMP/log/page_log
Printcap $CUPS_TMP/printcap
User lp
Group lp
SystemGroup root
EOF
	cat >"$CUPS_TMP/etc/cupsd.conf" <<EOF
Listen $CUPS_TMP/sock
LogLevel info
Browsing No
WebInterface No
DefaultAuthType None
<Location />
  Order allow,deny
  Allow all
</Location>
EOF
	cupsd -f -c "$CUPS_TMP/etc/cupsd.conf" -s "$CUPS_TMP/etc/cups-files.conf" \
		>"$CUPS_TMP/log/cupsd.out" 2>&1 &
	CUPS_PID=$!
	_i=0
	while [ ! -S "$CUPS_TMP/sock" ] && kill -0 "$CUPS_PID" 2>/dev/null && [ $_i -lt 200 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if [ ! -S "$CUPS_TMP/sock" ]; then
		echo "cups.sh: our own cupsd did not start:" >&2
		tail -5 "$CUPS_TMP/log/cupsd.out" "$CUPS_TMP/log/error_log" >&2 2>/dev/null
		cups_stop
		return 1
	fi
	CUPS_SERVER=$CUPS_TMP/sock
	export CUPS_SERVER
	CUPS_QUEUE=vaxtest
	# pdftocairo turns the PDF into the PostScript CUPS-PDF takes with its
	# fonts kept, so the printed PDF still has a text layer to read back
	lpadmin -p "$CUPS_QUEUE" -E -v cups-pdf:/ -P "$CUPS_PPD" -o pdftops-renderer-default=pdftocairo \
		2>"$CUPS_TMP/log/lpadmin.err" || {
		echo "cups.sh: lpadmin failed: $(cat "$CUPS_TMP/log/lpadmin.err")" >&2
		cups_stop
		return 1
	}
	return 0
}

# A CUPS-PDF queue of the system's running cupsd, if there is one.
cups_system() {
	unset CUPS_SERVER
	lpstat -r 2>/dev/null | grep -q "is running" || return 1
	CUPS_QUEUE=$(lpstat -v 2>/dev/null | sed -n 's/^device for \([^:]*\): cups-pdf:.*/\1/p' | head -1)
	[ -n "$CUPS_QUEUE" ]
}

cups_start() {
	# what CUPS-PDF wrote before this test (another run's) is not this test's
	CUPS_SINCE=$(mktemp "${TMPDIR:-/tmp}/vaxcups-since.XXXXXX")
	for _t in cupsd lpadmin lp lpstat pdftotext pdftoppm; do
		command -v "$_t" >/dev/null 2>&1 ||
			cups_skip "$_t is not installed (Debian: apt-get install cups cups-client printer-driver-cups-pdf poppler-utils; tools/setup does)"
	done
	CUPS_PPD=
	for _p in /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd /usr/share/ppd/cups-pdf/CUPS-PDF.ppd \
		/usr/share/cups/model/CUPS-PDF_opt.ppd /usr/share/cups/model/CUPS-PDF.ppd; do
		[ -f "$_p" ] && CUPS_PPD=$_p && break
	done
	[ -n "$CUPS_PPD" ] && [ -e /usr/lib/cups/backend/cups-pdf ] ||
		cups_skip "CUPS-PDF is not installed (Debian: apt-get install printer-driver-cups-pdf)"
	if [ "$(id -u)" -eq 0 ] && cups_own; then
		return 0
	fi
	cups_system && return 0
	if [ "$(id -u)" -ne 0 ]; then
		cups_skip "not root (cannot start a cupsd that runs CUPS-PDF) and the system CUPS has no CUPS-PDF queue"
	fi
	cups_skip "cupsd cannot run here (see above) and the system CUPS has no CUPS-PDF queue"
}

# cups_wait_pdf TITLE [SECONDS]: wait until CUPS-PDF has written the job
# titled TITLE; print the path of a copy in $CUPS_COPY_DIR (default the
# cups temp dir, else TMPDIR).
cups_wait_pdf() {
	_title=$1
	_secs=${2:-90}
	_dir=$(cups_pdf_dir)
	_into=${CUPS_COPY_DIR:-${CUPS_TMP:-${TMPDIR:-/tmp}}}
	_i=0
	while [ $_i -lt $((_secs * 10)) ]; do
		for _f in "$_dir/$_title"*.pdf; do
			[ -f "$_f" ] && [ "$_f" -nt "$CUPS_SINCE" ] || continue
			# CUPS-PDF writes in place: wait until the file stops growing and parses
			_s1=$(wc -c <"$_f")
			sleep 0.3
			_s2=$(wc -c <"$_f")
			[ "$_s1" = "$_s2" ] && pdfinfo "$_f" >/dev/null 2>&1 || continue
			cp "$_f" "$_into/$_title.pdf" && rm -f "$_f"
			echo "$_into/$_title.pdf"
			return 0
		done
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "cups.sh: no PDF for job '$_title' in $_dir after ${_secs}s; queue:" >&2
	lpstat -o -W all 2>&1 | tail -5 >&2
	[ -n "$CUPS_TMP" ] && tail -20 "$CUPS_TMP/log/error_log" >&2
	return 1
}
