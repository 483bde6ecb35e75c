/* keymaps/keymap.h - named keymaps: which key does what on which screen.
 *
 * Design. Three small layers, none of which knows a terminal exists:
 *   action.h  every user action, defined once (X-macro): enum, names, help;
 *   key.h     struct key, a key press with names as in tig (<Enter>, <C-x>);
 *   keymap.h  (this file) named keymaps and the *.keys file parser.
 * tui/ reads a key, turns it into a struct key, asks keymap_lookup() for the
 * action and hands the action to the screen (and forms/form.h for fields).
 *
 * File format, one binding per line:
 *     bind <keymap>[,<keymap>...] <key> <action>
 * `#` at the start of a word begins a comment; blank lines are ignored;
 * the action `none` unbinds the key in that keymap (and hides a generic
 * binding of the same key on that screen). A later line wins over an
 * earlier one, so a user file loaded after the defaults overrides them.
 * Errors never stop the parse: every bad line gives one or more
 * "file:line: message" entries and the rest of the file still applies.
 *
 * keymaps/default.keys is compiled into the program (keymaps/local.mk turns
 * it into a C string) and parsed by this same parser at start-up, so the
 * defaults and a user's file can never disagree about syntax.
 *
 * Lookup order: the screen's own keymap, then (while a field has focus)
 * `field`, then `generic`. While a field has focus, printable characters
 * that the screen and `field` keymaps do not bind are text, not commands:
 * keymap_lookup() returns ACTION_NONE for them and the caller inserts them.
 * That is why form screens (login, search, immunization, form) bind only
 * function, Ctrl and named keys.
 *
 * To add a keymap: add a line to KEYMAP_INFO below and bindings for it in
 * default.keys; the screen that uses it passes its id to keymap_lookup().
 */
#ifndef VAX_KEYMAPS_KEYMAP_H
#define VAX_KEYMAPS_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "keymaps/action.h"
#include "keymaps/key.h"

/* clang-format off */
#define KEYMAP_INFO(_) \
	_(GENERIC,      "generic",      "Every screen") \
	_(LOGIN,        "login",        "Login form") \
	_(MENU,         "menu",         "Main menu") \
	_(SEARCH,       "search",       "Search form") \
	_(RESULTS,      "results",      "Search results") \
	_(CLIENT,       "client",       "Client record") \
	_(IMMUNIZATION, "immunization", "Shot entry form") \
	_(FORM,         "form",         "Other data-entry forms (client details, password)") \
	_(FIELD,        "field",        "Any field that has the cursor") \
	_(OUTBOX,       "outbox",       "Outbox") \
	_(REVIEW,       "review",       "Possible duplicates waiting for review") \
	_(REPORTS,      "reports",      "Reports, notices and school lists") \
	_(HELP,         "help",         "Help screen") \
	_(PICK,         "pick",         "Pick list: what a field accepts (type to narrow it)") \
	_(CHECKLIST,    "checklist",    "Checklists: due today, lots on hand")

enum keymap_id {
#define KEYMAP_ENUM(id, name, title) KEYMAP_##id,
	KEYMAP_INFO(KEYMAP_ENUM)
#undef KEYMAP_ENUM
	KEYMAP_COUNT
};
/* clang-format on */

/** Longest line a keys file may have, in bytes (without the newline). */
#define KEYMAP_LINE_MAX 1024
/** Largest keys file keymap_load_file() reads. */
#define KEYMAP_FILE_MAX (1024 * 1024)
/** At most this many messages are kept; later errors are only counted. */
#define KEYMAP_ERRORS_MAX 1000

/** Flags for keymap_lookup(). */
#define KEYMAP_EDITING 1u /* a field has focus: consult `field`; text is text */

struct keymap_set;

/** Errors collected by the parser, each "file:line: message". */
struct keymap_errors {
	char **msgs;
	size_t count;   /* messages stored in msgs */
	size_t dropped; /* errors beyond KEYMAP_ERRORS_MAX, counted only */
	size_t cap;
};

/** Name of a keymap as written in files ("generic"); NULL if out of range. */
const char *keymap_name(enum keymap_id id);
/** One-line description of a keymap for the help screen. */
const char *keymap_title(enum keymap_id id);
/** Look up a keymap by name. */
bool keymap_id_from_name(const char *name, enum keymap_id *out);

/** A set with every keymap empty (memory from core/xalloc.h: running out
 * ends the program). */
struct keymap_set *keymap_set_new(void);
/** Free a set and NULL the caller's pointer. */
void keymap_set_free(struct keymap_set **set);

/** Bind key to action in one keymap (ACTION_NONE unbinds); replaces an
 * earlier binding of the same key. */
void keymap_bind(struct keymap_set *set, enum keymap_id id, const struct key *key, enum action action);

/** Parse keys-file text from a buffer (need not be NUL-terminated; may hold
 * any bytes) and apply every good line to set. source names the buffer in
 * messages. Errors are appended to errs (may be NULL). Returns the number
 * of errors found. */
size_t keymap_parse_buffer(struct keymap_set *set, const char *buf, size_t len, const char *source,
                           struct keymap_errors *errs);
/** Read and parse a file; a file that cannot be read is one error. */
size_t keymap_load_file(struct keymap_set *set, const char *path, struct keymap_errors *errs);
/** Parse the compiled-in default.keys into set. Returns the error count
 * (zero; the test suite guards it). */
size_t keymap_load_defaults(struct keymap_set *set, struct keymap_errors *errs);

/** Parse-only check for `vaxdesk --check-keys FILE`: print each error as
 * "file:line: message" on err and return the exit status, 0 if the file is
 * clean and 1 otherwise. */
int keymap_check_file(const char *path, FILE *err);

/** Free the messages and reset errs to empty. */
void keymap_errors_free(struct keymap_errors *errs);

/** The action for key on a screen whose keymap is id; flags as above.
 * ACTION_NONE if nothing is bound (or the key is text while editing). */
enum action keymap_lookup(const struct keymap_set *set, enum keymap_id id, const struct key *key,
                          unsigned flags);

/** The keys that trigger action on a screen whose keymap is id: the screen's
 * own bindings in file order, then `field` (with KEYMAP_EDITING), then
 * `generic`, skipping keys the earlier keymaps rebind or unbind. Fills up to
 * max keys and returns how many there are in all. */
size_t keymap_keys_for(const struct keymap_set *set, enum keymap_id id, unsigned flags, enum action action,
                       struct key *out, size_t max);

/** The first function key among keymap_keys_for(), for the function-key
 * bar ("F2 Search"). Returns false if the action has no function key. */
bool keymap_fkey_for(const struct keymap_set *set, enum keymap_id id, unsigned flags, enum action action,
                     struct key *out);

/** Width of the keys column in keymap_help_line(). */
#define KEYMAP_HELP_KEYS_COLS 16

/** One line of the help screen for action on a screen: its keys as labels
 * (up to three), padded to KEYMAP_HELP_KEYS_COLS columns, then the help
 * text: "F2 ^F /         Find a client". Returns how many keys the action
 * has there (0: the line shows no keys; the help screen may skip it). */
size_t keymap_help_line(const struct keymap_set *set, enum keymap_id id, unsigned flags, enum action action,
                        char *buf, size_t len);

/** Bindings of one keymap itself (no fallback), in file order, for the
 * help screen; unbinding (`none`) entries are included with ACTION_NONE. */
size_t keymap_binding_count(const struct keymap_set *set, enum keymap_id id);
void keymap_binding_at(const struct keymap_set *set, enum keymap_id id, size_t i, struct key *key,
                       enum action *action);

/** The compiled-in default.keys (generated at build time). */
extern const char keymap_default_text[];
extern const size_t keymap_default_len;

#endif
