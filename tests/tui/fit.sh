#!/bin/sh
# The key bar and the client record's key line at 80x24, against a real
# vaxdesk session with a real vaxregd: on the main screens (login, the
# statement, menu, help, search, results, the client record, the shot form
# in each mode, Edit Client, the outbox) every item is a whole "key Label"
# pair, Help is always there, and the "more" cue appears exactly when the
# same screen at 132x43 shows something the 80-column one left out. The
# shot form offers rows only in Add New; the outbox keeps Lock and Quit.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
# the saved dose stays in the outbox for the outbox screen
tui_registry_alice "auto_sync = no"

tok=$(registry_login CLINPENA alice)
for given in Marisol Maribel; do
	reg_create_patient "$tok" '{"resourceType":"Patient","name":[{"family":"Quintero","given":["'"$given"'"]}],
 "gender":"female","birthDate":"1990-04-12",
 "address":[{"line":["1 Main St"],"city":"Austin","state":"TX","postalCode":"78701","district":"Travis"}]}'
done

# snap NAME: the screen at 80x24 as NAME, the same state at 132x43 as NAME_w
snap() {
	printf ':save-screen %s/%s.txt\n:resize 132 43\n:save-screen %s/%s_w.txt\n:resize 80 24\n' \
		"$S" "$1" "$S" "$1"
}

{
	cat <<EOF2
:wait-idle
$(snap login)
:type CLINPENA
<Tab>
:type alice
<Tab>
:type $REG_PASSWORD
<Enter>
:wait-idle
$(snap confid)
<Enter>
:wait-idle
$(snap menu)
?
$(snap help)
<Esc>
s
:wait-idle
$(snap search)
:type Quintero
<Enter>
:wait-idle
$(snap results)
<Enter>
:wait-idle
$(snap client)
a
:wait-idle
:type 08
<Tab>
:type LOT1
$(snap shot)
<C-y>
$(snap shotrows)
<C-b>
<Esc>
:save-screen $S/shotask.txt
n
<C-w>
:wait-idle
$(snap client2)
c
:wait-idle
$(snap shotedit)
<Esc>
h
:wait-idle
$(snap shothist)
<Esc>
e
:wait-idle
$(snap cedit)
<Esc>
<C-o>
:wait-idle
$(snap outbox)
?
$(snap outboxhelp)
<Esc>
:quit
EOF2
} > "$TUI_TMP/script1"
tui_run < "$TUI_TMP/script1"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"

# each screen is the one meant
tui_has login 'Log in to the immunization registry'
tui_has confid 'Confidentiality statement'
tui_has menu 'Main menu'
tui_has help 'Keys for: Main menu'
tui_has search 'Quick search'
tui_has results '2 clients found'
tui_has client 'Quintero, Maribel'
tui_has shot 'Add New (given here)'
tui_has shotrows 'Vaccine 2 of 2'
tui_has client2 'Waiting to send'
tui_has shotedit 'Change a dose'
tui_has shothist 'Add Historical'
tui_has cedit 'Edit Client'
tui_has outbox 'Outbox: records on their way to the registry'
tui_has outboxhelp 'Keys for: Outbox'

# Every label a bar may show, whole. A cut one ("Sch", "add-historical-sh")
# or a bindable name ("add-shot") is not among them.
BAR_LABELS='Due today,Tick,List,Add lot,Lots,Help,Quit,Lock,Submit,Save,Back,Menu,Choose,Next tab,Prev tab,Next code,Org,Logout,Password,Forgot,Sign in,More,Quick,Basic,Smart,Add client,Edit,Refresh,Schedule,Delete,Add,Historical,Refusal,Add row,Remove row,Outbox,Send,Discard,Theirs,Review,Change,Link,Create new,Defer,Print,Recall,Lists,Reports,Summary,Run,New list,Rename,Find,Mark'
NAV_LABELS='Due today,Add,Historical,Refusal,Delete,Change,Edit,Why,Schedule,Print'

# bar_items NAME: the bar (the last row) into $TUI_TMP/items, one label a
# line, "more" for the cue; a token that is neither a key nor a whole
# label fails. (Not in a pipe: tui_fail must end the test.)
bar_items() {
	TUI_LAST=$1
	tail -n 1 "$S/$1.txt" | awk -v labels="$BAR_LABELS" '
	BEGIN { n = split(labels, l, ","); for (i = 1; i <= n; i++) ok[l[i]] = 1 }
	function iskey(k) {
		return k ~ /^F[0-9][0-9]?(\/[^ ]+)?$/ || k ~ /^\^.$/ || length(k) == 1 ||
		       k ~ /^(Enter|Esc|Del|Space|Tab|S-Tab|PgUp|PgDown|Home|End|Backspace)$/
	}
	{
		i = 1
		while (i <= NF) {
			if (!iskey($i)) { print "not a key: " $i; exit 1 }
			if (i + 1 == NF && $NF == "more") { print "more"; break }
			if (i + 2 <= NF && (($(i + 1) " " $(i + 2)) in ok)) { print $(i + 1) " " $(i + 2); i += 3 }
			else if (i + 1 <= NF && ($(i + 1) in ok)) { print $(i + 1); i += 2 }
			else { print "not a whole label after " $i ": " $(i + 1); exit 1 }
		}
	}' > "$TUI_TMP/items" || tui_fail "bar of $1: $(tail -n 1 "$TUI_TMP/items")"
}

# nav_items NAME: the client record's key line (items two spaces apart)
# into $TUI_TMP/items, the same way
nav_items() {
	TUI_LAST=$1
	grep -E '^ [^ ]+ (Due today|Add|Historical)  ' "$S/$1.txt" > "$TUI_TMP/line" || tui_fail "no key line on $1"
	sed 's/^ //; s/   */\n/g' "$TUI_TMP/line" | awk -v labels="$NAV_LABELS" '
	BEGIN { n = split(labels, l, ","); for (i = 1; i <= n; i++) ok[l[i]] = 1 }
	$0 == "? more" { print "more"; next }
	NF == 2 && ($2 in ok) { print $2; next }
	NF == 3 && (($2 " " $3) in ok) { print $2 " " $3; next }
	{ print "not a whole item: " $0; exit 1 }' > "$TUI_TMP/items" ||
		tui_fail "key line of $1: $(tail -n 1 "$TUI_TMP/items")"
}

# client_items NAME: the client record's bar and key line together (the
# bar leaves out what the line shows), the cue the bar's own
client_items() {
	nav_items "$1"
	grep -vx more "$TUI_TMP/items" > "$TUI_TMP/nav" || :
	bar_items "$1"
	cat "$TUI_TMP/nav" >> "$TUI_TMP/items"
}

# has KIND NAME LABEL: the bar or key line of NAME shows LABEL (or "more")
has() {
	"$1" "$2"
	grep -qx -- "$3" "$TUI_TMP/items"
}

# check_fit KIND NAME: whole items at both sizes; nothing at 80 that 132
# lacks; the cue at 80 exactly when 132 shows more, never at 132. Leaves
# what 80 columns left out in $TUI_TMP/dropped.
check_fit() {
	"$1" "$2_w"
	TUI_LAST=$2_w
	! grep -qx more "$TUI_TMP/items" || tui_fail "$1 of $2 at 132 columns has the cue"
	sort "$TUI_TMP/items" > "$TUI_TMP/wide"
	"$1" "$2"
	TUI_LAST=$2
	cue=no
	! grep -qx more "$TUI_TMP/items" || cue=yes
	grep -vx more "$TUI_TMP/items" | sort > "$TUI_TMP/narrow" || :
	extra=$(comm -23 "$TUI_TMP/narrow" "$TUI_TMP/wide")
	[ -z "$extra" ] || tui_fail "$1 of $2 at 80 columns shows what 132 does not: $extra"
	comm -13 "$TUI_TMP/narrow" "$TUI_TMP/wide" > "$TUI_TMP/dropped"
	if [ -s "$TUI_TMP/dropped" ]; then
		[ $cue = yes ] || tui_fail "$1 of $2 left out $(tr '\n' ' ' < "$TUI_TMP/dropped")with no cue"
	else
		[ $cue = no ] || tui_fail "$1 of $2 has the cue with nothing left out"
	fi
}

for s in login confid menu search results client shot shotrows client2 shotedit shothist cedit outbox; do
	case $s in
	client*) check_fit client_items "$s" ;;
	*) check_fit bar_items "$s" ;;
	esac
	has bar_items "$s" Help || tui_fail "no Help on the bar of $s"
done
# help lists the keys of the screen below; its own bar has no Help item
for s in help outboxhelp; do
	check_fit bar_items "$s"
	has bar_items "$s" Back || tui_fail "no way back on the bar of $s"
done
check_fit nav_items client

# at 80 columns some keys do not fit: left out whole, with the cue
has bar_items shotrows more || tui_fail "two vaccines at 80 columns: expected the cue"
# the outbox keeps Lock and Quit at 80 columns
for l in Discard Send Back Lock Quit; do
	has bar_items outbox "$l" || tui_fail "no $l on the outbox bar at 80 columns"
done
# the outbox offers keep-theirs on a conflict only
! has bar_items outbox_w Theirs || tui_fail "Theirs offered for an entry with no conflict"
# rows belong to Add New; removing one needs two
has bar_items shot_w 'Add row' || tui_fail "no Add row in Add New"
! has bar_items shot_w 'Remove row' || tui_fail "Remove row offered with one vaccine"
has bar_items shotrows_w 'Remove row' || tui_fail "no Remove row with two vaccines"
for s in shotedit shothist; do
	for l in 'Add row' 'Remove row'; do
		! has bar_items "${s}_w" "$l" || tui_fail "$l offered on $s"
	done
done
# a question waiting for its answer: the bar offers the answers only
tui_has shotask 'Discard this shot? (y = yes, any other key = no)'
[ "$(tail -n 1 "$S/shotask.txt")" = 'y Yes  any other key No' ] || tui_fail "the bar during a question"
# the record's key line: whole items, the cue for what did not fit, and
# what it shows is not on the bar twice; what it left out (but Why, which
# Enter answers) is on the bar
check_fit nav_items client2
has nav_items client2 more || tui_fail "the key line with a dose at 80 columns: expected the cue"
has nav_items client2 Add || tui_fail "no Add on the client's key line"
! has bar_items client2 Add || tui_fail "Add on both the key line and the bar"
while read -r l; do
	[ "$l" = Why ] || has bar_items client2 "$l" || tui_fail "$l is on neither the key line nor the bar"
done < "$TUI_TMP/dropped"
exit 0
