#!/bin/sh
# A damaged store says so: five kinds of corruption are each reported as
# damage, the file is kept aside byte for byte (never deleted, never made
# again over), an online login starts a new store and says why; a store
# that cannot be read or written, and a full disk, each have their own
# message; with the disk full the outbox can still be read, the full disk
# is never masked by another error, and a sync's summary and exit status
# match what the store holds. Kills during the offline password check never
# count as wrong passwords; `--help` exits 0 for every subcommand.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
. "$top_srcdir/tests/cache/lib.sh"
registry_init
registry_user CLINICA alice provider
registry_start
cache_init
STORE_OF() { find "$1" -name store.db -type f | head -1; }
err() { cat "$REG_TMP/err"; }
run() { # CMD ARGS...: drv with stderr to $REG_TMP/err
	drv "$@" 2>"$REG_TMP/err"
}

# 1. five kinds of damage
n=0
for kind in header half empty page other; do
	n=$((n + 1))
	DESK=$REG_TMP/damage-$kind
	drv_ok init
	drv_ok work --seed $n --count 12 >/dev/null
	db=$(STORE_OF "$DESK")
	[ -s "$db" ] || fail "$kind: no store file"
	size=$(stat -c %s "$db")
	case $kind in
	header) printf 'this is not what was written here; ' | dd of="$db" conv=notrunc 2>/dev/null ;;
	half) truncate -s $((size / 2)) "$db" ;;
	empty) : >"$db" ;;
	page) dd if=/dev/zero of="$db" bs=4096 seek=2 count=1 conv=notrunc 2>/dev/null ;;
	other) printf 'Dear support, please find attached.\n' >"$db" ;;
	esac
	sum=$(cksum <"$db")
	run outbox
	[ "$DRV_RC" = 1 ] || fail "$kind: a damaged store opened (exit $DRV_RC)"
	grep -q 'The local store on this workstation is damaged: it was kept as store.db.damaged-' "$REG_TMP/err" ||
		fail "$kind: the message: $(err)"
	! grep -q 'needs one online login' "$REG_TMP/err" || fail "$kind: misreported: $(err)"
	kept=$(find "$DESK" -name 'store.db.damaged-*' ! -name '*-wal' ! -name '*-shm' | head -1)
	[ -n "$kept" ] && [ "$(cksum <"$kept")" = "$sum" ] || fail "$kind: the damaged file was not kept as it was"
	[ ! -e "$db" ] || fail "$kind: a store was made again over the damaged one"
	# an online login starts a new store, and says why
	drv init >"$REG_TMP/init.out" 2>&1
	[ "$DRV_RC" = 0 ] || fail "$kind: online login after damage: $(cat "$REG_TMP/init.out")"
	grep -q 'notice: The local store on this workstation was damaged: it was kept as store.db.damaged-' \
		"$REG_TMP/init.out" || fail "$kind: no notice: $(cat "$REG_TMP/init.out")"
	drv_ok outbox >/dev/null
	[ "$(cksum <"$kept")" = "$sum" ] || fail "$kind: the kept file changed"
done
echo "damage: ok"

# 2. a store that cannot be read, and one that cannot be written. As root
# permissions do not apply: the driver then runs as nobody.
as=
if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null 2>&1 || { echo "permission checks skipped: no setpriv as root"; as=skip; }
	[ "$as" = skip ] || as="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
if [ "$as" != skip ]; then
	pdir=$(mktemp -d "${TMPDIR:-/tmp}/vaxperm.XXXXXX")
	chmod 755 "$pdir"
	cp "$PWFILE" "$pdir/pw"
	[ -z "$as" ] || chown -R 65534:65534 "$pdir"
	pdrv() { # CMD...: the driver as the store's owner, stderr to $REG_TMP/err
		# shellcheck disable=SC2086
		PRC=0
		HOME=$pdir $as "$CACHEDRV" "$1" --data-dir "$pdir/desk" --org CLINICA --user alice --password-fd 3 \
			3<"$pdir/pw" >"$pdir/out" 2>"$REG_TMP/err" || PRC=$?
	}
	pdrv init
	[ "$PRC" = 0 ] || fail "store for the permission checks: $(err)"
	HOME=$pdir $as "$CACHEDRV" work --data-dir "$pdir/desk" --org CLINICA --user alice --password-fd 3 --seed 7 \
		--count 4 3<"$pdir/pw" >/dev/null 2>&1 || fail "work for the permission checks"
	sdir=$(dirname "$(STORE_OF "$pdir/desk")")
	chmod 000 "$sdir"
	pdrv outbox
	[ "$PRC" = 1 ] && grep -q 'The local store in .* cannot be read (Permission denied)' "$REG_TMP/err" ||
		fail "unreadable: exit $PRC: $(err)"
	chmod 500 "$sdir"
	chmod 400 "$sdir/store.db"
	pdrv outbox
	[ "$PRC" = 0 ] || fail "a read-only store cannot be read: $(err)"
	grep -q ' pending ' "$pdir/out" || fail "read-only: the outbox: $(cat "$pdir/out")"
	HOME=$pdir $as "$CACHEDRV" work --data-dir "$pdir/desk" --org CLINICA --user alice --password-fd 3 --seed 8 \
		--count 1 3<"$pdir/pw" >/dev/null 2>"$REG_TMP/err" && fail "saved on a read-only store"
	grep -q 'The local store is on a disk that cannot be written (read-only)' "$REG_TMP/err" ||
		fail "read-only: the message: $(err)"
	chmod 700 "$sdir"
	rm -rf "$pdir"
	echo "permissions: ok"
fi

# 3. a full disk (the driver's disk fails every write from the first)
DESK=$REG_TMP/full
drv_ok sync >/dev/null # online login: alice's store
drv_ok work --seed 11 --count 10 >/dev/null
waiting=$(drv outbox --json | jq '[.[] | select(.state == "pending")] | length')
CACHEDRV_FULL_FROM=1
export CACHEDRV_FULL_FROM
run outbox >"$REG_TMP/ob.txt"
[ "$DRV_RC" = 0 ] || fail "full disk: the outbox cannot be read: $(err)"
[ "$(grep -c ' pending ' "$REG_TMP/ob.txt")" = "$waiting" ] || fail "full disk: the outbox: $(cat "$REG_TMP/ob.txt")"
run work --seed 12 --count 1 >/dev/null
[ "$DRV_RC" = 1 ] || fail "full disk: a save did not fail"
grep -q 'The disk of this workstation is full' "$REG_TMP/err" || fail "full disk: the message: $(err)"
! grep -qiE 'rollback|disk I/O error' "$REG_TMP/err" || fail "full disk: masked: $(err)"
tok=$(registry_login CLINICA alice)
reg_json GET '/Patient?_count=1' "$tok"
before=$(jqb .total)
run sync >"$REG_TMP/sync.out"
[ "$DRV_RC" = 1 ] || fail "full disk: sync exit $DRV_RC: $(cat "$REG_TMP/sync.out")"
grep -q 'The disk of this workstation is full' "$REG_TMP/err" || fail "full disk: sync message: $(err)"
grep -q "^outbox: $waiting waiting to be sent" "$REG_TMP/sync.out" || fail "full disk: summary: $(cat "$REG_TMP/sync.out")"
reg_json GET '/Patient?_count=1' "$tok"
[ "$(jqb .total)" = "$before" ] || fail "full disk: sent what could not be marked as sent"
# the disk fills while the sync runs: whatever it says it accepted is
# stored, and it exits 0 only when nothing waits
count() { jq "[.[] | select($1)] | length" "$REG_TMP/ob.json"; }
drv outbox --json >"$REG_TMP/ob.json"
full=3
while [ $full -le 80 ]; do
	was=$(count '.state == "accepted"')
	CACHEDRV_FULL_FROM=$full
	export CACHEDRV_FULL_FROM
	run sync >"$REG_TMP/sync.out"
	rc=$DRV_RC
	unset CACHEDRV_FULL_FROM
	said=$(sed -n 's/^sync [a-z]*: accepted \([0-9]*\),.*/\1/p' "$REG_TMP/sync.out")
	drv outbox --json >"$REG_TMP/ob.json"
	now=$(count '.state == "accepted"')
	left=$(count '.state != "accepted" and .state != "discarded"')
	[ -z "$said" ] || [ $((was + said)) = "$now" ] ||
		fail "disk full from write $full: said accepted $said, $((now - was)) are: $(cat "$REG_TMP/sync.out")"
	[ "$left" = 0 ] || [ "$rc" != 0 ] || fail "disk full from write $full: exit 0 with $left waiting"
	[ "$left" != 0 ] || [ "$rc" = 0 ] || grep -q 'disk of this workstation is full' "$REG_TMP/err" ||
		fail "disk full from write $full: exit $rc: $(err)"
	[ "$left" = 0 ] && break
	full=$((full + 5))
done
unset CACHEDRV_FULL_FROM
drv sync >"$REG_TMP/sync.out" 2>&1
[ "$DRV_RC" = 0 ] || fail "after the disk was freed: $(cat "$REG_TMP/sync.out")"
drv_ok verify /dev/null >/dev/null
echo "full disk: ok"

# 4. kills during the offline password check are not wrong passwords
DESK=$REG_TMP/kills
drv_ok sync >/dev/null
i=0
while [ $i -lt 8 ]; do
	drv_bg "$REG_TMP/k.out" outbox
	sleep_ms $((5 + i * 7))
	kill -KILL "$DRV_PID" 2>/dev/null || :
	wait "$DRV_PID" 2>/dev/null || :
	i=$((i + 1))
done
printf 'Wrong!pass2026\n' >"$REG_TMP/badpw"
"$CACHEDRV" outbox --data-dir "$DESK" --org CLINICA --user alice --password-fd 3 3<"$REG_TMP/badpw" \
	>/dev/null 2>"$REG_TMP/err" && fail "a wrong password opened the store"
grep -q 'Wrong password (4 attempts left offline)' "$REG_TMP/err" || fail "kills were counted: $(err)"
drv_ok outbox >/dev/null
echo "kills at login: ok"

# 5. --help everywhere
for c in sync outbox prefetch purge; do
	"$CACHEDRV" "$c" --help >"$REG_TMP/help.out" 2>&1 || fail "$c --help exited $?"
	grep -q '^Usage: vaxdesk sync' "$REG_TMP/help.out" || fail "$c --help: $(cat "$REG_TMP/help.out")"
done
"$CACHEDRV" outbox --bogus >/dev/null 2>&1 && fail "a bad option was taken"
[ $? = 2 ] || fail "a bad option: exit not 2"
echo ok
