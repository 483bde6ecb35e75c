#!/bin/sh
# Run CDC's CDSi test cases through vaxdesk-forecast and fail when the share
# of fully passing cases ("cdsi" line) drops below the floor for the set.
# Floors sit just under what the engine reaches, so a regression fails here.
set -u
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
prog="$builddir/vaxdesk-forecast"
data="${VAXDESK_DATADIR:-$srcdir/data}/cdsi"
status=0

# set file, floor in percent
for spec in "healthy-v4.45 HEALTHY_FLOOR" "underlying-conditions-v4.6 UC_FLOOR"; do
	set -- $spec
	set_name=$1
	case $2 in
	HEALTHY_FLOOR) floor=84 ;;
	UC_FLOOR) floor=82 ;;
	esac
	out=$("$prog" --data "$data" --known "$srcdir/tests/cdsi/known-stale.txt" \
		--cases "$srcdir/tests/cdsi/$set_name.ndjson")
	rc=$?
	echo "== $set_name"
	printf '%s\n' "$out" | tail -n 3
	if [ $rc -ne 0 ]; then
		echo "FAIL: vaxdesk-forecast exited $rc on $set_name" >&2
		status=1
		continue
	fi
	line=$(printf '%s\n' "$out" | grep '^cdsi: ')
	pass=$(echo "$line" | sed 's/^cdsi: \([0-9]*\) passed, \([0-9]*\) failed$/\1/')
	fail=$(echo "$line" | sed 's/^cdsi: \([0-9]*\) passed, \([0-9]*\) failed$/\2/')
	total=$((pass + fail))
	if [ "$total" -eq 0 ] || [ $((pass * 1000 / total)) -lt $((floor * 10)) ]; then
		echo "FAIL: $set_name: $pass of $total cases pass, floor is $floor%" >&2
		printf '%s\n' "$out" | grep -A8 '^FAIL' | head -n 60 >&2
		status=1
	fi
done
exit $status
