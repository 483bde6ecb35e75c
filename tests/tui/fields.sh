#!/bin/sh
# Every field of Edit Client and of the shot forms against a real vaxregd
# over TLS: invalid input in each shows its message beside that field and
# saves nothing (the outbox stays empty, the registry unchanged); then the
# Personal, Address and Organization tabs edited and saved reach the registry
# exactly once after `vaxdesk sync`.
#
# Table-driven: each form is a list of rows "KEYS | VALUE | EXPECTED", where
# KEYS moves from the previous field to this one, VALUE replaces the field's
# text (empty: cleared; "~x": x typed without clearing, for Y/N fields that
# refuse other keys) and EXPECTED is what the screen must show, normally
# "Label: value <- message" so the message is beside the right field
# ("@SCREEN text": on another screen saved after the save, e.g. another tab). The
# messages are the ones in forms/validate.c, forms/form.c, core/date.c and
# core/rules.h. A few rows of one form go into one save (more than fit
# beside their fields at 80x24 would push the later ones off the screen),
# and many saves go into one vaxdesk run.
#
# Free-text fields (Suffix, Chart number, Street, City, Why, Primary
# provider, comment text, note, consent Source, lot, Administered by, the
# reasons for a change or a deletion) accept any text, so they have no
# invalid value; what they limit is length (typed characters past it are
# refused), checked for Chart number (32), Street (50) and the note (200) by
# what reaches the registry in the valid edit at the end. Y/N fields refuse
# any other key: typing one leaves the answer as it was.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
# the outbox is read before `vaxdesk sync`, so the program must not send by itself
tui_registry_alice "auto_sync = no"

tok=$(registry_login CLINPENA alice)
reg_create_patient "$tok" '{"resourceType":"Patient","name":[{"use":"official","family":"Fieldman","given":["Ines"]}],
 "gender":"female","birthDate":"2015-06-01",
 "address":[{"use":"home","line":["1 Main St"],"city":"Austin","state":"TX","postalCode":"78701","district":"Travis"}]}'
reg_json GET "/Patient/$PID" "$tok"
jq -S 'del(.meta)' "$REG_BODY" > "$TUI_TMP/patient0.json"

login() {
	cat <<EOF2
$(tui_login_keys CLINPENA alice)
s
:wait-idle
:type Fieldman, Ines 06/01/2015
<Enter>
:wait-idle
EOF2
}

sync_now() {
	printf '%s\n' "$REG_PASSWORD" > "$TUI_TMP/pw"
	VAXDESK_ORG=CLINPENA VAXDESK_USER=alice "$VAXDESK" sync --password-fd 3 3<"$TUI_TMP/pw" \
		>"$TUI_TMP/sync.out" 2>&1 || { cat "$TUI_TMP/sync.out" >&2; tui_fail "vaxdesk sync failed"; }
}

EXPECT=$TUI_TMP/expect
: > "$EXPECT"
NL='
'

# rows SCREEN: the table rows on stdin become keystrokes (on stdout) that
# fill the fields, save, and save the screen as SCREEN; each row's EXPECTED
# and "Not saved" are noted for check_expected.
rows() {
	while IFS='|' read -r _keys _val _want; do
		_val=$(printf '%s' "$_val" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
		_want=$(printf '%s' "$_want" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
		[ -n "$_want" ] || continue
		for _k in $_keys; do
			[ "$_k" = - ] || echo "$_k"
		done
		case $_val in
		'~'*) echo ":type ${_val#\~}" ;;
		'') echo '<C-u>' ;;
		*) printf '<C-u>\n:type %s\n' "$_val" ;;
		esac
		case $_want in
		@*) printf '%s\n' "${_want#@}" | sed 's/ /|/' >> "$EXPECT" ;;
		*) printf '%s|%s\n' "$1" "$_want" >> "$EXPECT" ;;
		esac
	done
	printf '<C-w>\n:save-screen %s\n' "$S/$1.txt"
	printf '%s|%s\n' "$1" 'Not saved' "$1" 'Outbox: 0 |' >> "$EXPECT"
}

# the screen's text as one line, spaces squeezed: a message wrapped under
# its field reads on from the field's value
flat() {
	sed 's/^ *//' "$S/$1.txt" | tr '\n' ' ' | tr -s ' '
}

check_expected() {
	[ -s "$EXPECT" ] || tui_fail "no expectations noted"
	while IFS='|' read -r _scr _want; do
		_want=$(printf '%s' "$_want" | tr -s ' ')
		flat "$_scr" | grep -qF -- "$_want" || {
			TUI_LAST=$_scr
			tui_fail "screen $_scr does not show '$_want'"
		}
	done < "$EXPECT"
}

# edit_tab N: open Edit Client on tab N (0 Personal ... 7 Consent)
edit_tab() {
	printf 'e\n:wait-idle\n'
	_i=0
	while [ "$_i" -lt "$1" ]; do
		echo '<F7>'
		_i=$((_i + 1))
	done
}

# after a refused save: discard the edit, back on the record
discard() {
	printf '<Esc>\ny\n:wait-idle\n'
}

# --- Edit Client: each field's own check ---------------------------------------
NAMECHARS='Names may contain letters (accents allowed), spaces, hyphens and apostrophes only.'
NOCODE='No code matches what was typed.'
{
	login
	echo ":save-screen $S/before.txt"
	edit_tab 0
	rows p1 <<EOF2
-		| G4rcia	| Last name: G4rcia <- $NAMECHARS
<Tab>		| -Ana		| First name: -Ana <- A name must start with a letter.
<Tab>		| Ma  ria	| Middle name: Ma ria <- Two spaces, hyphens or apostrophes in a row.
EOF2
	discard
	edit_tab 0
	rows p2 <<EOF2
-		|		| Last name: <- Required.
<Tab>		| Ana-		| First name: Ana- <- A name must end with a letter.
<Tab> <Tab> <Tab> | 13/45/2001	| Date of birth: 13/45/2001 <- That day does not exist on the calendar.
<Tab>		| Q		| Sex: Q <- $NOCODE
EOF2
	discard
	edit_tab 0
	rows p3 <<EOF2
<Tab>		|		| First name: <- Required.
<Tab> <Tab> <Tab> | 1/2/15	| Date of birth: 1/2/15 <- Enter all four digits of the year (MM/DD/YYYY).
<Tab>		|		| Sex: <- Required.
<Tab>		| O'		| Mother's maiden: O' <- A name must end with a letter.
<Tab>		| ZZ		| Race: ZZ <- $NOCODE
<Tab>		| ZZ		| Ethnicity: ZZ <- $NOCODE
EOF2
	discard
	edit_tab 0
	rows p4 <<EOF2
<Tab> <Tab> <Tab> <Tab> | 	| Date of birth: <- Required.
<Tab> <Tab>	| Sm!th		| Mother's maiden: Sm!th <- $NAMECHARS
EOF2
	discard
	edit_tab 0
	rows p5 <<EOF2
<Tab> <Tab> <Tab> <Tab> | 06/2015 | Date of birth: 06/2015 <- Enter the date as MM/DD/YYYY.
EOF2
	discard
	edit_tab 0
	rows p6 <<EOF2
<Tab> <Tab> <Tab> <Tab> | 06/01/1700 | Date of birth: 06/01/1700 <- The year is out of range.
EOF2
	discard
	edit_tab 1
	rows a1 <<EOF2
<Tab> <Tab> <Tab> | 1234	| ZIP: 1234 <- Enter a ZIP code as 5 digits or ZIP+4 (12345-6789).
<Tab> <Tab>	| ~x		| No viable address: N
<Tab>		| 512555	| Phone: 512555 <- A US phone number has 10 digits.
EOF2
	discard
	edit_tab 1
	rows a2 <<EOF2
<Tab> <Tab> <Tab> | 78701-	| ZIP: 78701- <- Enter a ZIP code as 5 digits or ZIP+4 (12345-6789).
<Tab> <Tab> <Tab> | 0125550100 | Phone: 0125550100 <- The area code cannot start with 0 or 1.
EOF2
	discard
	edit_tab 1
	rows a3 <<EOF2
<Tab> <Tab> <Tab> | 123456	| ZIP: 123456 <- Enter a ZIP code as 5 digits or ZIP+4 (12345-6789).
<Tab> <Tab> <Tab> | 512-055-0100 | Phone: 512-055-0100 <- The number after the area code cannot start with 0 or 1.
EOF2
	discard
	edit_tab 1
	rows a4 <<EOF2
<Tab> <Tab> <Tab> <Tab> <Tab> <Tab> | 1 512 555 0100 | Phone: 1 512 555 0100 <- A US phone number has 10 digits.
EOF2
	discard
	edit_tab 2
	rows o1 <<EOF2
-		| Z		| Status here: Z <- $NOCODE
<Tab> <Tab>	| XX		| Tracking schedule: XX <- $NOCODE
<Tab>		| ~x		| Reminder/recall: Y
EOF2
	discard
	edit_tab 2
	rows o2 <<EOF2
-		|		| Status here: <- Required.
EOF2
	discard
	edit_tab 3
	rows c1 <<EOF2
-		| Z		| New comment: Z <- $NOCODE
<Tab> <Tab>	| 02/30/2020	| Since: 02/30/2020 <- That day does not exist on the calendar.
EOF2
	discard
	edit_tab 3
	rows c2 <<EOF2
<Tab> <Tab>	| 2/3/20	| Since: 2/3/20 <- Enter all four digits of the year (MM/DD/YYYY).
EOF2
	discard
	# a comment needs its kind and its text (either alone was dropped on save)
	edit_tab 3
	rows c3 <<EOF2
<Tab>		| Fainted after the dose | Comment: Fainted after the dose
<S-Tab>		| 		| New comment: <- Choose what the comment is about (R, I, C or O).
EOF2
	discard
	edit_tab 3
	rows c4 <<EOF2
-		| R		| New comment: R
<Tab> <Tab>	| 01/01/2020	| Since: 01/01/2020
<S-Tab>		| 		| Comment: <- Enter the comment, or clear its kind.
EOF2
	discard
	edit_tab 5
	rows k1 <<EOF2
-		| 1		| No. (empty: add): 1 <- Nothing is listed yet: leave it empty to add one.
<Tab>		| ~x		| Remove: N
<Tab>		| Sm1th		| Last name: Sm1th <- $NAMECHARS
<Tab>		| 'Ana		| First name: 'Ana <- A name must start with a letter.
<Tab>		| Lu--z		| Middle name: Lu--z <- Two spaces, hyphens or apostrophes in a row.
EOF2
	discard
	edit_tab 6
	rows r1 <<EOF2
-		| 7		| No. (empty: add): 7 <- Nothing is listed yet: leave it empty to add one.
<Tab> <Tab>	| G4		| Last name: G4 <- $NAMECHARS
<Tab>		| x-		| First name: x- <- A name must end with a letter.
<Tab>		| ZZ		| Relationship: ZZ <- $NOCODE
EOF2
	discard
	edit_tab 6
	rows r2 <<EOF2
<Tab> <Tab> <Tab> <Tab> <Tab> | 5125 | Phone: 5125 <- A US phone number has 10 digits.
<Tab> <Tab> <Tab> <Tab> | 7870	| ZIP: 7870 <- Enter a ZIP code as 5 digits or ZIP+4 (12345-6789).
EOF2
	discard
	edit_tab 7
	rows n1 <<EOF2
-		| Z		| Minor consent: Z <- $NOCODE
<Tab>		| Z		| Adult consent (18+) Z <- $NOCODE
<Tab>		| ~x		| Keep disaster doses N
<Tab>		| 13/01/2026	| Date of answer: 13/01/2026 <- That day does not exist on the calendar.
EOF2
	discard
	# the registry's own rules, run once every field passes its own check;
	# each message goes to its field's tab
	edit_tab 0
	rows rules1 <<EOF2
<Tab> <Tab> <Tab> <Tab> | 01/01/2099 | Date of birth: 01/01/2099 <- The date of birth cannot be in the future.
<F7> <Tab> <Tab> | T1		| @rules1addr State: T1 <- $NOCODE
<F7> <F7> <F7> <F7> <F7> <Tab> <Tab> | Garcia | @rules1resp Last name: Garcia <- Enter the responsible person's last and first name.
<Tab> <Tab>	| 		| @rules1resp Relationship: <- Choose how the responsible person is related to the client.
<F7>		| G		| @rules1consent Date of answer: <- Enter the date the consent was given, refused or withdrawn.
EOF2
	cat <<EOF2
<F7>
:save-screen $S/rules1addr.txt
<F7>
<F7>
<F7>
<F7>
<F7>
:save-screen $S/rules1resp.txt
<F7>
:save-screen $S/rules1consent.txt
EOF2
	discard
	edit_tab 0
	rows rules2 <<EOF2
<Tab> <Tab> <Tab> <Tab> | 01/01/1850 | Date of birth: 01/01/1850 <- The date of birth cannot be before 01/01/1890.
<F7> <F7> <F7> <F7> <F7> <F7> <Tab> <Tab> | Garcia	| @rules2resp Last name: Garcia
<Tab>		| Maria		| @rules2resp First name: Maria
<Tab>		| MTH		| @rules2resp Relationship: MTH
<Tab> <Tab> <Tab> <Tab> | T1	| @rules2resp State: T1 <- $NOCODE
<F7>		| G		| @rules2consent Minor consent: G
<Tab> <Tab> <Tab> | 01/01/2099 | @rules2consent Date of answer: 01/01/2099 <- The consent date cannot be in the future.
EOF2
	cat <<EOF2
<F7>
<F7>
<F7>
<F7>
<F7>
<F7>
:save-screen $S/rules2resp.txt
<F7>
:save-screen $S/rules2consent.txt
EOF2
	discard
	edit_tab 1
	rows rules4 <<EOF2
<Tab> <Tab> <Tab> <Tab> | 78701	| Residential county: 78701 <- Not a county of TX: choose from the list (F4).
EOF2
	discard
	edit_tab 1
	rows rules5 <<EOF2
<Tab> <Tab> <Tab> <Tab> | Travs	| Residential county: Travs <- Not a county of TX: choose from the list (F4).
EOF2
	discard
	edit_tab 5
	rows rules3 <<EOF2
<Tab> <Tab> <Tab> | Ana	| Last name: <- Enter the client's last name.
EOF2
	discard
	echo ":save-screen $S/after.txt"
	echo ":quit"
} > "$TUI_TMP/s1"
tui_run < "$TUI_TMP/s1"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
check_expected
tui_has before 'Fieldman, Ines'
tui_has before 'Outbox: 0 |'
tui_has after 'Outbox: 0 |'
tui_has rules1 'Not saved: The date of birth cannot be in the future.'
tui_has rules2 'Not saved: The date of birth cannot be before 01/01/1890.'
# nothing reached the registry
reg_json GET "/Patient/$PID" "$tok"
jq -S 'del(.meta)' "$REG_BODY" > "$TUI_TMP/patient1.json"
cmp -s "$TUI_TMP/patient0.json" "$TUI_TMP/patient1.json" ||
	fail "the registry's client changed: $(diff "$TUI_TMP/patient0.json" "$TUI_TMP/patient1.json")"

# --- the shot forms: Add New (visit and vaccine row), Add Historical, Refusal,
# changing a dose, deleting one --------------------------------------------------
reg_json POST /Immunization "$tok" '{"resourceType":"Immunization","status":"completed",
 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"20"}]},
 "patient":{"reference":"Patient/'"$PID"'"},"occurrenceDateTime":"2016-08-01","primarySource":true,
 "lotNumber":"LOTX1",
 "fundingSource":{"coding":[{"system":"https://vaxdesk.org/fhir/CodeSystem/funding-source","code":"VXC1"}]},
 "programEligibility":[{"coding":[{"code":"V02"}]}]}'
[ "$REG_STATUS" = 201 ] || fail "create the dose: $REG_STATUS"
reg_json GET "/Immunization?patient=$PID" "$tok"
jq -S '[.entry[].resource | del(.meta)]' "$REG_BODY" > "$TUI_TMP/doses0.json"
[ "$(jq length "$TUI_TMP/doses0.json")" = 1 ] || fail "the registry should hold one dose"

# after a refused save: discard the shot, back on the record
discard_shot() {
	printf '<Esc>\ny\n:wait-idle\n'
}
: > "$EXPECT"
NOTACTIVE="That vaccine (CVX) is no longer available; a dose given today must use an active vaccine, or record it as historical."
{
	login
	echo ":save-screen $S/shotbefore.txt"
	# Add New: the cursor starts on the vaccine of the first row; the visit's
	# date, provider and VFC eligibility are before it; a row is vaccine, lot,
	# manufacturer, expiry, funding source, dose, route, site, VIS
	echo a
	rows new1 <<EOF2
-		| zzzz		| Vaccine: zzzz <- $NOCODE
<Tab> <Tab>	| ZZZZ		| Manufacturer: ZZZZ <- $NOCODE
<Tab>		| 02/30/2027	| Expiration date: 02/30/2027 <- That day does not exist on the calendar.
<Tab> <Tab>	| abc		| Dose volume (mL): abc <- Enter the volume in mL, like 0.5.
EOF2
	discard_shot
	echo a
	rows new2 <<EOF2
<Tab> <Tab> <Tab> <Tab> <Tab> <Tab> | ZZZZ | Route: ZZZZ <- $NOCODE
<Tab>		| ZZZZ		| Site: ZZZZ <- $NOCODE
<Tab>		| 99/99/2026	| VIS given on: 99/99/2026 <- That day does not exist on the calendar.
EOF2
	discard_shot
	echo a
	rows new3 <<EOF2
<S-Tab>		| ZZZZ		| VFC eligibility: ZZZZ <- $NOCODE
<S-Tab> <S-Tab>	| 13/45/2026	| Date given: 13/45/2026 <- That day does not exist on the calendar.
<Tab> <Tab> <Tab> <Tab> <Tab> <Tab> <Tab> | ZZZZ | Funding source: ZZZZ <- $NOCODE
<Tab>		| ~x		| Dose volume (mL): x <- Enter the volume in mL, like 0.5.
EOF2
	discard_shot
	echo a
	rows new4 <<EOF2
<S-Tab> <S-Tab> <S-Tab> | | Date given: <- Required.
<Tab> <Tab> <Tab>	| 	| Vaccine: <- Required.
<Tab> <Tab> <Tab>	| 1/1/26	| Expiration date: 1/1/26 <- Enter all four digits of the year (MM/DD/YYYY).
EOF2
	discard_shot
	# the registry's rules, once every field passes its own check
	echo a
	rows new5 <<EOF2
-		| 01		| Vaccine: 01 <- $NOTACTIVE
<Tab>		| LOTN5		| Lot number: LOTN5
<Tab> <Tab> <Tab> | VXC1	| Funding source: VXC1
<S-Tab> <S-Tab> <S-Tab> <S-Tab> <S-Tab> | V02 | VFC eligibility: V02
EOF2
	discard_shot
	echo a
	rows new9 <<EOF2
<S-Tab> <S-Tab> <S-Tab> | 12/31/2099 | Date given: 12/31/2099 <- The vaccination date cannot be in the future.
<Tab> <Tab> <Tab> | 20	| Vaccine: 20
<Tab>		| 		| Lot number: <- Required.
EOF2
	discard_shot
	echo a
	rows new6 <<EOF2
-		| 45		| Vaccine: 45 <- An 'unspecified formulation' code can only be used for a historical dose; choose the product given.
<Tab>		| LOTN6		| Lot number: LOTN6
<Tab> <Tab> <Tab> | VXC1	| Funding source: VXC1
<S-Tab> <S-Tab> <S-Tab> <S-Tab> <S-Tab> | V02 | VFC eligibility: V02
EOF2
	discard_shot
	echo a
	rows new10 <<EOF2
-		| 20		| Vaccine: 20
<Tab>		| LOTN10	| Lot number: LOTN10
<Tab> <Tab> <Tab> | 	| Funding source: <- Required.
<S-Tab> <S-Tab> <S-Tab> <S-Tab> <S-Tab> | | VFC eligibility: <- Required.
EOF2
	discard_shot
	# the manufacturers offered are the vaccine's: another is no choice
	echo a
	rows new7 <<EOF2
-		| 20		| Vaccine: 20
<Tab> <Tab>	| MSD		| Manufacturer: MSD <- $NOCODE
<S-Tab>		| LOTN7		| Lot number: LOTN7
<Tab> <Tab>	| 01/01/2016	| Expiration date: 01/01/2016 <- The lot had expired on the vaccination date.
<S-Tab> <S-Tab> <S-Tab> <S-Tab> <S-Tab> <S-Tab> | 03/01/2016 | Date given: 03/01/2016
<Tab> <Tab> <Tab> <Tab> <Tab> <Tab> <Tab> | VXC1 | Funding source: VXC1
<S-Tab> <S-Tab> <S-Tab> <S-Tab> <S-Tab> | V02 | VFC eligibility: V02
EOF2
	discard_shot
	echo a
	rows new8 <<EOF2
-		| 20		| Vaccine: 20
<Tab>		| LOTN8		| Lot number: LOTN8
<S-Tab> <S-Tab> <S-Tab> <S-Tab> | 01/01/2014 | Date given: 01/01/2014 <- The vaccination date cannot be before the date of birth.
<Tab> <Tab> <Tab> <Tab> <Tab> <Tab> <Tab> | VXC1 | Funding source: VXC1
<S-Tab> <S-Tab> <S-Tab> <S-Tab> <S-Tab> | V02 | VFC eligibility: V02
EOF2
	discard_shot
	# Add Historical: vaccine, date, record source, manufacturer, lot, provider
	echo h
	rows hist1 <<EOF2
-		| zzzz		| Vaccine: zzzz <- $NOCODE
<Tab>		| 13/45/2020	| Date given: 13/45/2020 <- That day does not exist on the calendar.
<Tab>		| ZZ		| Record source: ZZ <- $NOCODE
<Tab>		| ZZZZ		| Manufacturer: ZZZZ <- $NOCODE
EOF2
	discard_shot
	echo h
	rows hist2 <<EOF2
-		| 		| Vaccine: <- Required.
<Tab>		| 		| Date given: <- Required.
<Tab>		| 		| Record source: <- Required.
EOF2
	discard_shot
	echo h
	rows hist3 <<EOF2
-		| 08		| Vaccine: 08
<Tab>		| 01/01/2014	| Date given: 01/01/2014 <- The vaccination date cannot be before the date of birth.
<Tab>		| 00		| Record source: 00 <- Choose where the record of this historical dose came from.
EOF2
	discard_shot
	echo h
	rows hist4 <<EOF2
-		| 20		| Vaccine: 20
<Tab>		| 05/01/2016	| Date given: 05/01/2016
<Tab>		| 01		| Record source: 01
<Tab>		| MSD		| Manufacturer: MSD <- $NOCODE
EOF2
	discard_shot
	# a refusal: vaccine, date (today), reason
	echo r
	rows ref1 <<EOF2
-		| zzzz		| Vaccine: zzzz <- $NOCODE
<Tab>		| 2/3/20	| Date refused: 2/3/20 <- Enter all four digits of the year (MM/DD/YYYY).
<Tab>		| ZZ		| Reason refused: ZZ <- $NOCODE
EOF2
	discard_shot
	echo r
	rows ref2 <<EOF2
<Tab>		| 		| Date refused: <- Required.
<Tab>		| 		| Reason refused: <- Required.
EOF2
	discard_shot
	echo r
	rows ref3 <<EOF2
-		| 03		| Vaccine: 03
<Tab>		| 12/31/2099	| Date refused: 12/31/2099 <- The vaccination date cannot be in the future.
<Tab>		| 00		| Reason refused: 00
EOF2
	discard_shot
	# changing the dose on record: the same fields, then the reason
	printf '<Home>\nc\n'
	rows edit1 <<EOF2
-		| zzzz		| Vaccine: zzzz <- $NOCODE
<Tab> <Tab> <Tab> <Tab> | abc	| Dose volume (mL): abc <- Enter the volume in mL, like 0.5.
<Tab>		| ZZZZ		| Route: ZZZZ <- $NOCODE
<Tab> <Tab> <Tab> <Tab> <Tab> <Tab> <Tab> | | Why change it: <- Required.
EOF2
	discard_shot
	printf '<Home>\nc\n'
	rows edit2 <<EOF2
<Tab>		| 		| Lot number: <- Required.
<Tab> <Tab> <Tab> <Tab> <Tab> <Tab> <Tab> | 08/01/2099 | Date given: 08/01/2099 <- The vaccination date cannot be in the future.
<Tab> <Tab> <Tab> <Tab> | Lot typed wrong | Why change it: Lot typed wrong
EOF2
	discard_shot
	# deleting it needs a reason
	printf '<Home>\nd\n'
	rows del1 <<EOF2
-		| 		| Why delete it: <- Required.
EOF2
	discard_shot
	echo ":save-screen $S/shotafter.txt"
	echo ":quit"
} > "$TUI_TMP/s2"
tui_run < "$TUI_TMP/s2"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
check_expected
tui_has shotbefore 'LOTX1'
# the message line holds one row: the start of the sentence, all of it beside the field
tui_has new5 "Not saved: That vaccine (CVX) is no longer available;"
tui_has shotafter 'Outbox: 0 |'
tui_has shotafter 'LOTX1'
tui_lacks shotafter 'LOTN'
reg_json GET "/Immunization?patient=$PID" "$tok"
jq -S '[.entry[].resource | del(.meta)]' "$REG_BODY" > "$TUI_TMP/doses1.json"
cmp -s "$TUI_TMP/doses0.json" "$TUI_TMP/doses1.json" ||
	fail "the registry's doses changed: $(diff "$TUI_TMP/doses0.json" "$TUI_TMP/doses1.json")"

# --- Personal, Address and Org edited and saved: the registry holds each change
# once; a free-text field typed past its limit refuses the save with a message
# (never a silent cut) until the person has seen it and kept what fits ---------
MR_TYPED=MR-0123456789-0123456789-0123456789-XYZ
MR_KEPT=MR-0123456789-0123456789-0123456
STREET_TYPED='22 Oak Avenue Apartment 1234 Building C Floor 9 Unit 77'
STREET_KEPT='22 Oak Avenue Apartment 1234 Building C Floor 9 Un'
NOTE_TYPED=$(printf 'Afternoon visits preferred. %.0s' 1 2 3 4 5 6 7 8 9)
NOTE_KEPT=$(printf '%s' "$NOTE_TYPED" | cut -c1-200)
[ ${#MR_KEPT} = 32 ] && [ ${#STREET_KEPT} = 50 ] && [ ${#NOTE_KEPT} = 200 ] && [ ${#NOTE_TYPED} -gt 200 ] ||
	fail "the test's own lengths are wrong"
{
	login
	cat <<EOF2
e
:wait-idle
<Tab>
<Tab>
:type Sofía
<Tab>
:type Jr
<Tab>
<Tab>
<C-u>
:type M
<Tab>
:type Ortiz
<Tab>
:type 2028-9
<Tab>
:type 2135-2
<Tab>
:type $MR_TYPED
<F7>
<C-u>
:type $STREET_TYPED
<Tab>
<C-u>
:type Round Rock
<Tab>
<C-u>
:type tx
<Tab>
<C-u>
:type 78664-1234
<Tab>
<C-u>
:type Williamson
<Tab>
<Tab>
:type (512) 555-0142
<F7>
<C-u>
:type I
<Tab>
:type Family moved for a year
<Tab>
<C-u>
:type TX-SCHOOL
<Tab>
:type n
<Tab>
:type Dr. Alvarez
<F7>
<F7>
:type $NOTE_TYPED
<C-w>
:save-screen $S/toolong.txt
<End>
<C-w>
:save-screen $S/toolong2.txt
<End>
<C-w>
<End>
<C-w>
:wait-idle
:save-screen $S/saved.txt
e
:wait-idle
:save-screen $S/reopened.txt
<F7>
:save-screen $S/reopenedaddr.txt
<F7>
:save-screen $S/reopenedorg.txt
<Esc>
:wait-idle
:quit
EOF2
} > "$TUI_TMP/s3"
tui_run < "$TUI_TMP/s3"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has toolong 'Chart number (MR): <-0123456789-0123456'
tui_has toolong 'Too long: at most 32 characters (7 more did not fit).'
tui_has toolong 'Not saved: Too long: at most 32 characters (7 more did not fit).'
tui_has toolong 'Outbox: 0'
tui_has toolong2 '[Address]'
tui_has toolong2 'Too long: at most 50 characters'
tui_has saved 'Client saved; waiting to send to the registry.'
tui_has saved 'Outbox: 1 |'
tui_has saved 'Fieldman, Ines Sofía Jr'
tui_has reopened 'Sex:                M'
tui_has reopened "Mother's maiden:    Ortiz"
tui_has reopenedaddr 'City:               Round Rock'
tui_has reopenedaddr "Current address since $(date +%m/%d/%Y), entered by alice (CLINPENA) on $(date +%m/%d/%Y)."
tui_has reopenedaddr 'Earlier: 1 Main St, Austin TX 78701 (Travis County)'
tui_has reopenedorg 'No reminder/recall notice sent yet.'
# a state typed in lower case is the USPS code
tui_has reopenedaddr 'State:              TX'
tui_has reopenedaddr 'Phone:              5125550142'
tui_has reopenedorg 'Tracking schedule:  TX-SCHOOL'
tui_has reopenedorg 'Reminder/recall:    N'
# nothing reached the registry before the sync
reg_json GET "/Patient/$PID" "$tok"
jq -S 'del(.meta)' "$REG_BODY" > "$TUI_TMP/patient2.json"
cmp -s "$TUI_TMP/patient0.json" "$TUI_TMP/patient2.json" || fail "the client was sent before the sync"

sync_now
sync_now
reg_json GET "/Patient?family=Fieldman" "$tok"
[ "$(jqb '.entry | length')" = 1 ] || fail "the registry should hold the client once: $(jqb -c .entry)"
reg_json GET "/Patient/$PID" "$tok"
# one value each, as typed (or as much as the field takes)
one() {
	_got=$(jqb -c "$1")
	[ "$_got" = "$2" ] || fail "$1: expected $2, got $_got"
}
ext() {
	printf '[.extension[]? | select(.url | endswith("/%s")) | .%s]' "$1" "$2"
}
one '[.name[] | select(.use == "official") | [.family, .given, .suffix]]' '[["Fieldman",["Ines","Sofía"],["Jr"]]]'
one '[.name[] | select(.use != "official")] | length' 0
one '.gender + " " + .birthDate' 'male 2015-06-01'
one '[.extension[]? | select(.url | endswith("patient-mothersMaidenName")) | .valueString]' '["Ortiz"]'
one '[.extension[]? | select(.url | endswith("us-core-race"))] | length' 1
one '[.extension[]? | select(.url | endswith("us-core-race")) | tostring | contains("2028-9")]' '[true]'
one '[.extension[]? | select(.url | endswith("us-core-ethnicity")) | tostring | contains("2135-2")]' '[true]'
one "[.identifier[]? | select(.type.coding[0].code == \"MR\") | .value]" "[\"$MR_KEPT\"]"
# the new address is current from today; the old one is kept as history
one '[.address[] | [.use, .line, .city, .state, .postalCode, .district]]' \
	"[[\"home\",[\"$STREET_KEPT\"],\"Round Rock\",\"TX\",\"78664-1234\",\"Williamson\"],[\"old\",[\"1 Main St\"],\"Austin\",\"TX\",\"78701\",\"Travis\"]]"
one '.address[0].period.start' "$(date +%Y-%m-%d)"
one '[.address[0].extension[]? | select(.url | endswith("/capture")) | .extension[] | select(.url == "user") | .valueString]' '["alice"]'
one '[.telecom[]? | select(.system == "phone") | .value]' '["5125550142"]'
one "$(ext org-status valueCode)" '["inactive"]'
one "$(ext org-status-reason valueString)" '["Family moved for a year"]'
one "$(ext tracking-schedule valueString)" '["TX-SCHOOL"]'
one "$(ext reminder-recall valueBoolean)" '[false]'
one "$(ext primary-provider valueString)" '["Dr. Alvarez"]'
one "$(ext note valueString)" "[\"$NOTE_KEPT\"]"
one "$(ext no-viable-address valueBoolean)" '[]'

# vaxregd applies the same county rule to a client from anywhere
reg_json POST /Patient "$tok" '{"resourceType":"Patient","name":[{"family":"Countyless","given":["Ana"]}],
 "gender":"female","birthDate":"2015-06-01","address":[{"state":"TX","postalCode":"78701","district":"78701"}]}'
[ "$REG_STATUS" = 422 ] || fail "a ZIP code for a county should be refused: $REG_STATUS"
[ "$(jqb '.issue[0].details.coding[0].code')" = V-COUNTY-STATE ] || fail "wrong rule: $(jqb -c .issue)"
