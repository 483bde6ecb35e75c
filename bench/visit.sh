#!/bin/sh
# bench/visit.sh BENCH_VISIT - the common visit against a throwaway vaxregd
# (tests/lib/registry.sh): a nurse at CLINPENA, a child (William O'Brien,
# 3 years 7 months old today) whose history leaves polio and varicella
# overdue, and the clinic's lots on hand (IPV, varicella, an expired
# varicella lot). BENCH_VISIT drives vaxdesk through the visit; then the
# registry must hold the two doses, from the lots on hand, once each.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib/registry.sh"
pw='Bench!pass2026'
registry_init
registry_user CLINPENA nurse1 provider "$pw"
registry_start
tok=$(registry_login CLINPENA nurse1 "$pw")

. "$top_srcdir/tests/lib/visit.sh"
visit_child "$tok"
visit_lots "$tok"
export VAXDESK_DATADIR="${VAXDESK_DATADIR:-$top_srcdir/data}"
"$1" "$REG_URL" "$REG_CA" CLINPENA nurse1 "$pw" "$(date -u -d "$DOB" +%m%d%Y)" || fail "the visit did not go through"
reg_json GET "/Immunization?patient=$WPID&_count=100" "$tok"
given=$(jqb '[.entry[].resource | select(.primarySource == true) | .vaccineCode.coding[0].code + "/" + .lotNumber] | sort | join(",")')
[ "$given" = "10/IPV26A,21/VAR26B" ] || fail "the registry should hold IPV and varicella from the lots on hand once each, has: $given"
reg_json GET /Medication "$tok"
echo "registry: the doses are in ($given); lots on hand now: $(jqb '[.entry[].resource | .batch.lotNumber + " " + (.extension[] | select(.url | endswith("doses-on-hand")) | .valueInteger | tostring)] | join(", ")')"
