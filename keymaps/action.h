/* keymaps/action.h - every user action, defined once.
 *
 * ACTION_INFO(_) is the one list. Each entry is
 *     _(ENUM, "bindable-name", "Label", "help text", GROUP)
 * and expands into `enum action`, the name table that *.keys files bind
 * (action_from_name), the help screen (action_help, action_group) and the
 * short label every line of keys shows (action_label: the function-key bar
 * and a screen's own key line say the same word for the same action).
 * To add an action: add one line in its group below, handle it where it
 * belongs (forms/form.c for field and form actions, tui/ for the rest), and
 * bind a key to it in keymaps/default.keys. The help screen and the keys
 * parser pick it up with no further change.
 *
 * Keys and actions are different types (struct key in keymaps/key.h,
 * enum action here), so they cannot be confused by the compiler. As a second
 * guard the action values start at ACTION_BASE = 0x200000, above every
 * Unicode code point (<= 0x10FFFF) and every curses KEY_* code (<= 0777), so
 * an int that holds "a key or an action" can always tell which it is.
 * ACTION_NONE (0) means "no action": an unbound key, or `none` in a file.
 */
#ifndef VAX_KEYMAPS_ACTION_H
#define VAX_KEYMAPS_ACTION_H

#include <stdbool.h>
#include <stddef.h>

/** Groups order the help screen; each has a heading. */
/* clang-format off */
#define ACTION_GROUP_INFO(_) \
	_(MOVE, "Moving around") \
	_(FIELD, "Editing a field") \
	_(FORM, "Forms") \
	_(SCREEN, "Screens") \
	_(SEARCH, "Finding a client") \
	_(CLIENT, "Client record") \
	_(SHOT, "Immunizations") \
	_(REVIEW, "Review and outbox") \
	_(REPORTS, "Reports, notices and school lists") \
	_(SESSION, "Session")

enum action_group {
#define ACTION_GROUP_ENUM(id, heading) ACTION_GROUP_##id,
	ACTION_GROUP_INFO(ACTION_GROUP_ENUM)
#undef ACTION_GROUP_ENUM
	ACTION_GROUP_COUNT
};

#define ACTION_INFO(_) \
	_(MOVE_UP,             "move-up",             "Up",         "Move the selection up one line", MOVE) \
	_(MOVE_DOWN,           "move-down",           "Down",       "Move the selection down one line", MOVE) \
	_(PAGE_UP,             "page-up",             "Back a page", "Move up one page", MOVE) \
	_(PAGE_DOWN,           "page-down",           "More",       "Move down one page", MOVE) \
	_(MOVE_FIRST,          "move-first",          "First",      "Jump to the first line", MOVE) \
	_(MOVE_LAST,           "move-last",           "Last",       "Jump to the last line", MOVE) \
	_(NEXT_TAB,            "next-tab",            "Next tab",   "Show the next tab", MOVE) \
	_(PREV_TAB,            "prev-tab",            "Prev tab",   "Show the previous tab", MOVE) \
	_(SELECT,              "select",              "Choose",     "Open or choose the selected line", MOVE) \
	\
	_(FIELD_LEFT,          "field-left",          "Left",       "Move the cursor one character left", FIELD) \
	_(FIELD_RIGHT,         "field-right",         "Right",      "Move the cursor one character right", FIELD) \
	_(WORD_LEFT,           "word-left",           "Word left",  "Move the cursor to the previous word", FIELD) \
	_(WORD_RIGHT,          "word-right",          "Word right", "Move the cursor past the next word", FIELD) \
	_(HOME,                "home",                "Start",      "Move the cursor to the start of the field", FIELD) \
	_(END,                 "end",                 "End",        "Move the cursor to the end of the field", FIELD) \
	_(BACKSPACE,           "backspace",           "Rub out",    "Delete the character before the cursor", FIELD) \
	_(DELETE,              "delete",              "Delete char", "Delete the character under the cursor", FIELD) \
	_(KILL_EOL,            "kill-eol",            "Cut to end", "Delete from the cursor to the end of the field", FIELD) \
	_(KILL_LINE,           "kill-line",           "Clear",      "Clear the whole field", FIELD) \
	_(NEXT_CHOICE,         "next-choice",         "Next code",  "Show the next matching code in a code field", FIELD) \
	_(PREV_CHOICE,         "prev-choice",         "Prev code",  "Show the previous matching code", FIELD) \
	_(PICK,                "pick",                "List",       "List what this field accepts, code and full name, to choose from", FIELD) \
	_(TOGGLE,              "toggle",              "Tick",       "Tick or untick the selected line of a checklist", FORM) \
	\
	_(NEXT_FIELD,          "next-field",          "Next field", "Move to the next field", FORM) \
	_(PREV_FIELD,          "prev-field",          "Prev field", "Move to the previous field", FORM) \
	_(SUBMIT,              "submit",              "Submit",     "Submit the form (log in, search, save)", FORM) \
	_(SAVE,                "save",                "Save",       "Save the record", FORM) \
	_(CANCEL,              "cancel",              "Back",       "Leave this screen or close the prompt", FORM) \
	\
	_(HELP,                "help",                "Help",       "Show the keys for this screen", SCREEN) \
	_(MAIN_MENU,           "main-menu",           "Menu",       "Go to the main menu", SCREEN) \
	_(REDRAW,              "redraw",              "Redraw",     "Redraw the screen", SCREEN) \
	_(QUIT,                "quit",                "Quit",       "Log out and leave vaxdesk", SCREEN) \
	\
	_(SEARCH,              "search",              "Search",     "Find a client", SEARCH) \
	_(QUICK_SEARCH,        "quick-search",        "Quick",      "Search by registry ID or one line: last, first DOB", SEARCH) \
	_(BASIC_SEARCH,        "basic-search",        "Basic",      "Search by name, birth date and gender", SEARCH) \
	_(SMART_SEARCH,        "smart-search",        "Smart",      "Search with scored matching (certain, probable, possible)", SEARCH) \
	\
	_(ADD_CLIENT,          "add-client",          "Add client", "Add a new client", CLIENT) \
	_(EDIT_CLIENT,         "edit-client",         "Edit",       "Edit the client's demographics", CLIENT) \
	_(PRINT_RECORD,        "print-record",        "Print",      "Print the official immunization record", CLIENT) \
	_(FORECAST,            "forecast",            "Refresh",    "Read the client again from the registry", CLIENT) \
	_(TOGGLE_SCHEDULE,     "toggle-schedule",     "Schedule",   "Switch the forecast between ACIP and Texas school schedules", CLIENT) \
	_(DELETE_RECORD,       "delete-record",       "Delete",     "Delete the selected shot or comment", CLIENT) \
	\
	_(ADD_SHOT,            "add-shot",            "Add",        "Record a shot given today", SHOT) \
	_(ADD_HISTORICAL_SHOT, "add-historical-shot", "Historical", "Record a shot given elsewhere or earlier", SHOT) \
	_(REFUSE_SHOT,         "refuse-shot",         "Refusal",    "Record that a vaccine was refused", SHOT) \
	_(EDIT_SHOT,           "edit-shot",           "Change",     "Change the selected shot (the reason is kept with it)", SHOT) \
	_(ADD_ROW,             "add-row",             "Add row",    "Add another vaccine given at this visit", SHOT) \
	_(REMOVE_ROW,          "remove-row",          "Remove row", "Remove the vaccine with the cursor from this visit", SHOT) \
	_(DUE_TODAY,           "due-today",           "Due today",  "The vaccines due or overdue today, to tick and record in one visit", SHOT) \
	_(LOTS,                "lots",                "Lots",       "The organization's vaccine lots on hand: add, change, mark used up", SHOT) \
	_(ADD_LOT,             "add-lot",             "Add lot",    "Add a vaccine lot to the organization's stock", SHOT) \
	\
	_(OUTBOX,              "outbox",              "Outbox",     "Show records waiting to reach the registry", REVIEW) \
	_(REVIEW,              "review",              "Review",     "Show possible duplicates waiting for a decision", REVIEW) \
	_(LINK_RECORD,         "link-record",         "Link",       "Same person or shot: link to the registry's record", REVIEW) \
	_(KEEP_BOTH,           "keep-both",           "Create new", "Different: keep both records", REVIEW) \
	_(DEFER,               "defer",               "Defer",      "Decide later: leave it waiting for review", REVIEW) \
	_(SYNC_NOW,            "sync-now",            "Send",       "Send waiting records to the registry now", REVIEW) \
	_(DISCARD,             "discard",             "Discard",    "Drop a waiting record (reason required; never sent)", REVIEW) \
	_(KEEP_THEIRS,         "keep-theirs",         "Theirs",     "Conflict: keep the registry's version, drop ours", REVIEW) \
	\
	_(RECALL,              "recall",              "Recall",     "Reminder/recall: notices for clients due or overdue", REPORTS) \
	_(SCHOOL_LISTS,        "school-lists",        "Lists",      "School lists: make, rename, delete; add and remove students", REPORTS) \
	_(SCHOOL_REPORTS,      "school-reports",      "Reports",    "Check School Reports: the compliance reports already run", REPORTS) \
	_(PROVIDER_SUMMARY,    "provider-summary",    "Summary",    "Provider summary: how this organization reports to the registry", REPORTS) \
	_(RUN_REPORT,          "run-report",          "Run",        "Run the list's school compliance report", REPORTS) \
	_(NEW_LIST,            "new-list",            "New list",   "Make a new school list", REPORTS) \
	_(RENAME,              "rename",              "Rename",     "Rename the selected list", REPORTS) \
	_(FIND_STUDENT,        "find-student",        "Find",       "Find a student to add to lists", REPORTS) \
	_(ADD_TO_LIST,         "add-to-list",         "Add",        "Add the selected student to the list, or to several", REPORTS) \
	_(MARK,                "mark",                "Mark",       "Mark or unmark the selected line", REPORTS) \
	_(PRINT,               "print",               "Print",      "Print this document, or save it to a file", REPORTS) \
	\
	_(SWITCH_ORG,          "switch-org",          "Org",        "Work for another organization", SESSION) \
	_(CHANGE_PASSWORD,     "change-password",     "Password",   "Change your password", SESSION) \
	_(FORGOT_PASSWORD,     "forgot-password",     "Forgot",     "Reset a forgotten password by e-mail", SESSION) \
	_(DEVICE_SIGN_IN,      "device-sign-in",      "Other device", "Sign in by approving on your phone or computer", SESSION) \
	_(GO_ONLINE,           "go-online",           "Sign in",    "Offline session: sign in to the registry and send the outbox", SESSION) \
	_(LOCK,                "lock",                "Lock",       "Lock the screen (password to resume)", SESSION) \
	_(LOGOUT,              "logout",              "Logout",     "Log out and return to the login screen", SESSION)

#define ACTION_BASE 0x200000

enum action {
	ACTION_NONE = 0,
	ACTION_BEFORE_FIRST_ = ACTION_BASE - 1,
#define ACTION_ENUM(id, name, label, help, group) ACTION_##id,
	ACTION_INFO(ACTION_ENUM)
#undef ACTION_ENUM
	ACTION_END_
};
/* clang-format on */

/** Number of real actions (ACTION_NONE excluded). */
#define ACTION_COUNT ((size_t)(ACTION_END_ - ACTION_BASE))

/** True for a real action (not ACTION_NONE, not out of range). */
bool action_valid(enum action a);
/** The i-th action in definition order, i < ACTION_COUNT (help screen order). */
enum action action_at(size_t i);
/** Bindable name ("next-field"); "none" for ACTION_NONE, NULL if invalid. */
const char *action_name(enum action a);
/** The short label keys lines show ("Change"); NULL if invalid. */
const char *action_label(enum action a);
/** One line of help text; NULL if invalid. */
const char *action_help(enum action a);
/** The action's group; ACTION_GROUP_COUNT if invalid. */
enum action_group action_group(enum action a);
/** Heading of a group for the help screen; NULL if out of range. */
const char *action_group_heading(enum action_group g);
/** Look up a bindable name (exact, case-sensitive as in the files).
 * "none" gives ACTION_NONE and true; an unknown name gives false. */
bool action_from_name(const char *name, enum action *out);

#endif
