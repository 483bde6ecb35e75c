#!/bin/sh
# One client cannot deny service to all: hundreds of idle connections from
# one address and a hundred that trickle a header line a second (from ten
# more) while a normal client still gets /metadata within 2 s (each try
# bounded by curl --max-time 2; three tries for a loaded machine), the
# idle ones held back by the per-address limit and the trickling ones
# closed at the header deadline (vaxregd --per-ip, --header-timeout).
set -eu
. "$top_srcdir/tests/lib/registry.sh"
py=/usr/bin/python3
[ -x "$py" ] || { echo "skip: /usr/bin/python3 not installed"; exit 77; }
registry_init
registry_start --per-ip 16 --header-timeout 3
port=${REG_URL##*:}
"$py" "$top_srcdir/tests/registry/slowconn.py" "$port" "$REG_CA" 3 >"$REG_TMP/slow.out" 2>"$REG_TMP/slow.err" &
slow=$!
i=0
while ! grep -q '^started' "$REG_TMP/slow.out" 2>/dev/null; do
	kill -0 $slow 2>/dev/null || { cat "$REG_TMP/slow.err" >&2; fail "slowconn.py ended early"; }
	i=$((i + 1))
	[ $i -lt 600 ] || fail "slowconn.py did not start its connections"
	sleep 0.1
done
got=
for try in 1 2 3; do
	code=$(curl -sS --cacert "$REG_CA" --max-time 2 -o /dev/null -w '%{http_code}' "$REG_URL/metadata" 2>/dev/null || :)
	[ "$code" = 200 ] && { got=$try; break; }
done
[ -n "$got" ] || fail "a normal client did not get /metadata within 2 s while the slow ones were held ($(cat "$REG_TMP/slow.out"))"
wait $slow || fail "slowconn.py failed: $(cat "$REG_TMP/slow.err")"
idle=$(sed -n 's/^idle_open //p' "$REG_TMP/slow.out")
closed=$(sed -n 's/^trickle_closed //p' "$REG_TMP/slow.out")
total=$(sed -n 's/^trickle_total //p' "$REG_TMP/slow.out")
[ "$total" -ge 50 ] || fail "only $total trickling connections were made"
[ "$closed" = "$total" ] || fail "$closed of $total trickling connections closed by the header deadline"
[ "$idle" -le 16 ] || fail "$idle idle connections from one address held (the limit is 16)"
echo "normal client served on try $got; idle held: $idle of 300; trickling closed: $closed of $total"
echo ok
