/* forms/form.h - a data-entry form as pure data: fields, focus, messages,
 * and what each user action does to them.
 *
 * Design. Three layers, none of which draws:
 *   field_edit.h  one line of wide-character text, cursor and scroll;
 *   validate.h    the checks behind each field kind (name, date, phone, ZIP);
 *   form.h        (this file) field specs, focus, per-field messages, the
 *                 dirty flag, and form_apply(), which takes an enum action
 *                 from keymaps/ and returns flags saying what happened.
 * tui/ draws a form from form_field_at() + field_view() and feeds it
 * actions and typed characters; it asks "Discard changes?" on FORM_CANCEL
 * when form_dirty() is true, and saves on FORM_SUBMIT.
 *
 * Specs are const data a screen declares once (static const arrays); the
 * runtime state lives in the struct form made from them.
 *
 * To add a field kind: add it to enum form_kind, give it a default width and
 * length in form.c (kind_defaults), its input filter (accepts_char) and its
 * check (kind_check, usually a function in validate.h). To add an action
 * that forms handle: add it to keymaps/action.h and a case in form_apply().
 */
#ifndef VAX_FORMS_FORM_H
#define VAX_FORMS_FORM_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include "forms/field_edit.h"
#include "keymaps/action.h"

enum form_kind {
	FORM_TEXT,     /* any printable text */
	FORM_NAME,     /* a person's name: validate_name() */
	FORM_DATE,     /* MM/DD/YYYY: validate_date() */
	FORM_CODE,     /* one code from a list, with type-ahead and a pick list */
	FORM_PHONE,    /* US phone: validate_phone() */
	FORM_ZIP,      /* US ZIP or ZIP+4: validate_zip() */
	FORM_YESNO,    /* "Y", "N" or empty */
	FORM_PASSWORD, /* any text, shown masked */
};

/** One entry of a code list: "08" / "Hep B, adolescent or pediatric". */
struct form_choice {
	const char *code;
	const char *label;
};

struct form;

/** An extra check for one field, run after the kind's own check passes.
 * value is the field's value as UTF-8 (for a code field: the chosen code);
 * ctx is the spec's ctx. Return NULL if fine, else a message (static, or
 * written into buf of buflen bytes). */
typedef const char *(*form_validator)(const char *value, const void *ctx, char *buf, size_t buflen);

/* spec flags */
#define FORM_REQUIRED 1u
#define FORM_READONLY 2u /* read-only from the start; see form_set_readonly() */

struct form_field_spec {
	const char *id;    /* stable name for code: "last_name" */
	const char *label; /* what the person reads: "Last name" */
	enum form_kind kind;
	unsigned flags;                    /* FORM_REQUIRED, FORM_READONLY */
	size_t max_len;                    /* characters; 0 = the kind's default */
	int width;                         /* display columns; 0 = the kind's default */
	form_validator validate;           /* optional extra check */
	const void *ctx;                   /* passed to validate */
	const struct form_choice *choices; /* FORM_CODE: the list; FORM_TEXT: suggestions */
	size_t n_choices;
	/* beside choices, or NULL: entries still accepted (history) but no
	 * longer current (a retired vaccine, a maker out of business); they
	 * are listed after the current ones */
	const bool *inactive;
};

/** Results of form_apply() and form_input(), or-ed together. */
#define FORM_CHANGED   0x01u /* the value of a field changed (form is dirty) */
#define FORM_REDRAW    0x02u /* something visible changed */
#define FORM_SUBMIT    0x04u /* submit or save, and every field is valid */
#define FORM_CANCEL    0x08u /* leave the form (ask first if form_dirty()) */
#define FORM_REFUSED   0x10u /* nothing done: read-only, full, not allowed here */
#define FORM_UNHANDLED 0x20u /* not a form action: the screen handles it */

/** Longest message shown beside a field, with the NUL. */
#define FORM_MSG_LEN 160
/** No choice made in a code field. */
#define FORM_NO_CHOICE ((size_t)-1)

/** The runtime state of one field; read it, change it through form_*(). */
struct form_field {
	const struct form_field_spec *spec;
	struct field_edit edit; /* the text (for a code field: what was typed) */
	bool readonly;
	bool required;                  /* the spec's FORM_REQUIRED, or a rule's (form_set_required) */
	bool autofilled;                /* loaded or chosen, not typed: typing replaces it */
	size_t overflow;                /* characters that did not fit (a paste, a long value) */
	char lock_reason[FORM_MSG_LEN]; /* "Locked: from vital records" */
	char message[FORM_MSG_LEN];     /* error shown beside the field, "" if none */
	size_t choice;                  /* FORM_CODE: index in the field's list (form_choices) */
	long row;                       /* repeating row (form_row_add), -1 if none */
	struct form_choice *own;        /* a list of its own (form_set_choices), or NULL */
	bool *own_inactive;
	size_t n_own;
};

/** A form for n specs (the array must outlive the form). Focus starts on
 * the first editable field. Memory comes from core/xalloc.h. */
struct form *form_new(const struct form_field_spec *specs, size_t n);
/** Free and NULL the caller's pointer. Password text is wiped first. */
void form_free(struct form **form);

size_t form_count(const struct form *form);
const struct form_field *form_field_at(const struct form *form, size_t i);
/** Index of the field with this id, or -1. */
long form_find(const struct form *form, const char *id);

/** Index of the focused field (form_count() if none is editable). */
size_t form_focus(const struct form *form);
/** Focus field i if it is editable; returns whether focus moved there. */
bool form_set_focus(struct form *form, size_t i);
/** Move focus to the next / previous editable field, wrapping around.
 * Leaving a field checks its value (messages only, never "required"). */
unsigned form_focus_next(struct form *form);
unsigned form_focus_prev(struct form *form);

/** Load a value (from a record) without marking the form dirty. For a code
 * field the value is the code; for yes/no "Y" or "N" (also y/n/yes/no).
 * Returns the field_set_utf8() status. */
enum field_status form_set_value(struct form *form, size_t i, const char *utf8);
/** The value as UTF-8, surrounding spaces removed (not for passwords): for
 * a code field the chosen code ("" if none), for yes/no "Y", "N" or "".
 * Returns the full byte length, like snprintf. */
size_t form_get_value(const struct form *form, size_t i, char *out, size_t outlen);

/** Make field i read-only (reason shown beside it, e.g. "Locked: from vital
 * records") or editable again (reason NULL). Focus leaves a locked field. */
void form_set_readonly(struct form *form, size_t i, bool readonly, const char *reason);
/** Put a message beside field i that did not come from its own check (the
 * registry refused the value, a rule on several fields); NULL or "" clears.
 * The next edit or check of the field replaces it. */
void form_set_message(struct form *form, size_t i, const char *msg);
/** Change the display width of field i (the screen was resized). */
void form_set_width(struct form *form, size_t i, int width);
/** Field i is required (or no longer) because of a rule on other fields:
 * a child's dose needs its funding source, say. Its mark follows. */
void form_set_required(struct form *form, size_t i, bool required);
/** Give field i a list of its own instead of the spec's (copied, with
 * inactive[] beside it if not NULL; the strings must outlive the form):
 * manufacturers of the chosen vaccine, counties of the chosen state. NULL
 * choices go back to the spec's list. The choice made is kept if its code
 * is in the new list. */
void form_set_choices(struct form *form, size_t i, const struct form_choice *choices, const bool *inactive,
                      size_t n);
/** True if entry k of field i's list is no longer current. */
bool form_choice_inactive(const struct form *form, size_t i, size_t k);
/** The list field i offers (its own, else the spec's); *n gets the count. */
const struct form_choice *form_choices(const struct form *form, size_t i, size_t *n);
/** Entry k of field i's list chosen from a pick list: a code field takes
 * it, a text field takes its code as text. Marks the form changed. */
unsigned form_pick(struct form *form, size_t i, size_t k);

/** Check every field and set every field's message. Returns true if all
 * are fine; otherwise stores the first bad field's index and message in
 * *bad and *msg (either may be NULL). */
bool form_validate(struct form *form, size_t *bad, const char **msg);
/** Check one field; sets and returns its message (NULL if fine). */
const char *form_validate_field(struct form *form, size_t i);

/** True if a person changed something since the form was made or saved. */
bool form_dirty(const struct form *form);
/** The record was saved: clear the dirty flag. */
void form_mark_saved(struct form *form);

/** Apply an action to the form: next-field, prev-field, submit/save (which
 * validate first and move focus to the first bad field), cancel, the
 * editing actions on the focused field, next-choice/prev-choice on a code
 * field. Anything else returns FORM_UNHANDLED. */
unsigned form_apply(struct form *form, enum action action);
/** A character typed into the focused field: inserted into text fields;
 * only what the kind allows (digits and separators) in dates, phones and
 * ZIPs; y/n/space in yes/no fields; type-ahead in code fields. */
unsigned form_input(struct form *form, wchar_t wc);

/* Repeating rows: a form may end with rows of the same fields (one vaccine
 * each in a visit). A row's fields sit after the fields before it, so focus
 * moves through them in order; form_find() finds the first row's field. */
/** Append a row made of n specs (the array must outlive the form); focus
 * does not move. Returns the new row's number (0 for the first). */
size_t form_row_add(struct form *form, const struct form_field_spec *specs, size_t n);
/** Remove row r (the form counts as changed) and renumber the rows after
 * it; focus goes to the same place in the row that takes its place (or the
 * row before). False, and
 * nothing done, if there is no row r or it is the only row. */
bool form_row_remove(struct form *form, size_t r);
/** Number of rows. */
size_t form_rows(const struct form *form);
/** Row of field i, or -1 if it is not in a row. */
long form_field_row(const struct form *form, size_t i);
/** Index of the field with this id in row r, or -1. */
long form_find_in_row(const struct form *form, size_t r, const char *id);

/** The chosen entry of a code field, or NULL. A code field chooses by
 * itself only when what was typed can mean one entry: its code exactly,
 * its whole label (or its name before " - ": "IPV - poliovirus vaccine,
 * inactivated"), or the one entry that matches; with several matches
 * it waits for the person (form_pick, next-choice). */
const struct form_choice *form_choice(const struct form *form, size_t i);
/** The entries of field i's list that match what was typed (all of them
 * if nothing was typed): a prefix of the code, or of any word of the
 * label, ignoring case and accents. Current entries come before inactive
 * ones; among them the best first (the exact code, the whole label, a
 * code prefix, a word), then in list order. Fills up to max indexes into
 * the list and returns how many match in all. */
size_t form_matches(const struct form *form, size_t i, size_t *out, size_t max);
/** The same for any list (inactive[] beside it, or NULL) and a UTF-8
 * query (the pick list's filter). */
size_t form_choices_match(const struct form_choice *choices, const bool *inactive, size_t n,
                          const char *query, size_t *out, size_t max);

/** A name as a person would write it: a name typed all in lower case (a
 * search line) gets a capital at the start of each part ("o'brien
 * garcía-lópez" -> "O'Brien García-López"); any other is kept as typed. */
void form_capitalize_name(const char *in, char *out, size_t len);

/** Fold a character for matching: lower case, accents removed from Latin
 * letters as core/text.h folds them (é -> e, Ñ -> n, ễ -> e); combining
 * marks fold to 0 (dropped). */
wchar_t form_fold(wchar_t wc);

#endif
