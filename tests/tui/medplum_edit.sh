#!/bin/sh
# An edit of a client that carries another system's data, against a FHIR
# registry written by others (Medplum's engine, tests/tui/medplum_lib.sh):
# vaxdesk sends the registry's own resource back with only the edited field
# changed, so the other system's extensions and identifier are all still
# there afterwards. SKIPs (77) without node or the Medplum packages.
set -eu
. "$top_srcdir/tests/tui/medplum_lib.sh"
conf "$ORIGIN"
tui_run <<EOF
$(first_signin_keys)
$(tui_open_keys "OKONJO, ADA 03/04/2019")
:wait-idle
e
:wait-idle
<Tab>
<Tab>
:type Grace
<C-w>
:wait-idle
<F5>
:wait-idle
:wait-text 30 accepted
:save-screen $S/edited.txt
EOF
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has edited 'accepted'
st=$(api GET "/Patient/$PID")
[ "$st" = 200 ] || tui_fail "read the client back: $st"
[ "$(body '.name[0].given | join(" ")')" = "Ada Grace" ] || tui_fail "the edit did not land: $(cat "$TUI_TMP/body")"
[ "$(body "[.extension[] | select(.url == \"$OTHER/shoe-size\")][0].valueInteger")" = 31 ] ||
	tui_fail "the other system's extension was dropped: $(cat "$TUI_TMP/body")"
[ "$(body "[.extension[] | select(.url == \"$OTHER/school-district\")][0].valueString")" = "Austin ISD" ] ||
	tui_fail "the other system's second extension was dropped"
[ "$(body '[.identifier[] | select(.value == "MRN-771")] | length')" = 1 ] ||
	tui_fail "the other system's identifier was dropped"
echo ok
