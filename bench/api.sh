#!/bin/sh
# bench/api.sh BENCH_API - start a throwaway vaxregd over TLS (as the
# integration tests do: tests/lib/registry.sh) and run bench_api against it.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib/registry.sh"
pw='Bench!pass2026'
registry_init
registry_user BENCH nurse1 provider "$pw"
registry_start
"$1" "$REG_URL" "$REG_CA" BENCH nurse1 "$pw"
