#!/bin/sh
# Two client records on the stack, each acting on its own client, against a
# real vaxregd over TLS. Amara's record is open; the outbox is opened over
# it and Enter on Marisol's waiting dose opens Marisol's record over that:
# Add New there is for Marisol. Two Esc later Amara's record shows Amara
# again, and Add New there is for Amara. The registry then holds each dose
# under its own client. Also: one key (F9) from deep in the stack to the
# main menu, asking first when a form is half typed.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
# the outbox is read before anything is sent
tui_registry_alice "auto_sync = no"

tok=$(registry_login CLINPENA alice)
tui_client "$tok" Quintero Marisol 2019-04-12
MPID=$PID
tui_client "$tok" Okafor Amara 2020-03-15
APID=$PID

tui_run <<EOF2
$(tui_login_keys CLINPENA alice)
$(tui_open_keys "Quintero, Marisol 04/12/2019")
$(tui_hist_keys 08 05/01/2019)
:save-screen $S/marisol1.txt
<F2>
:type Okafor, Amara 03/15/2020
<Enter>
:wait-idle
:save-screen $S/amara1.txt
<C-o>
:wait-idle
:save-screen $S/outbox.txt
<Enter>
:wait-idle
:save-screen $S/marisol2.txt
h
:save-screen $S/marisoladd.txt
:type 20
<Tab>
:type 07/01/2019
<Tab>
:type 01
<C-w>
:wait-idle
:save-screen $S/marisol3.txt
<Esc>
:wait-idle
:save-screen $S/outbox2.txt
<Esc>
:wait-idle
:save-screen $S/amara2.txt
h
:save-screen $S/amaraadd.txt
:type 08
<Tab>
:type 04/01/2020
<Tab>
:type 01
<C-w>
:wait-idle
:save-screen $S/amara3.txt
h
:type 10
<F9>
:save-screen $S/menuask.txt
n
:save-screen $S/stillform.txt
<F9>
y
:wait-idle
:save-screen $S/menu.txt
EOF2
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has marisol1 'Quintero, Marisol'
tui_has marisol1 'Waiting to send'
tui_has amara1 'Okafor, Amara'
tui_has outbox 'Quintero, Marisol'
# Enter on Marisol's dose opens her record over the outbox, over Amara's
tui_has marisol2 'Quintero, Marisol'
tui_lacks marisol2 'Okafor'
tui_has marisoladd 'Add Historical for Quintero, Marisol'
tui_has marisol3 'Quintero, Marisol'
tui_has outbox2 'Outbox: records on their way to the registry'
# two Esc later: Amara's record is Amara's, and acts on her
tui_has amara2 'Okafor, Amara'
tui_lacks amara2 'Quintero'
tui_has amaraadd 'Add Historical for Okafor, Amara'
tui_lacks amaraadd 'Quintero'
tui_has amara3 'Okafor, Amara'
tui_has amara3 'Waiting to send'
# F9 from a half-typed form asks first; no keeps the form; yes goes home
tui_has menuask 'Go to the main menu and lose what you typed (Immunization)?'
tui_has stillform 'Add Historical for Okafor, Amara'
tui_has menu 'Main menu'

# the registry: each dose under its own client
tui_sync CLINPENA alice
reg_json GET "/Immunization?patient=$MPID" "$tok"
[ "$(jqb '[.entry[].resource.vaccineCode.coding[0].code] | sort | join(",")')" = "08,20" ] ||
	fail "Marisol should have her two doses, and only hers"
reg_json GET "/Immunization?patient=$APID" "$tok"
[ "$(jqb '[.entry[].resource.vaccineCode.coding[0].code] | sort | join(",")')" = "08" ] ||
	fail "Amara should have her one dose, and only hers"
echo "ok: two records on the stack, each acting on its own client"
