/* forms/form.c - see form.h. */
#include "forms/form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

#include "core/text.h"
#include "core/xalloc.h"
#include "forms/validate.h"
#include "keymaps/utf8.h"

struct form {
	struct form_field *fields;
	size_t n;
	size_t focus; /* n: no editable field */
	bool dirty;
	size_t rows; /* repeating rows (form_row_add) */
};

/* --- folding for type-ahead ------------------------------------------------ */

wchar_t form_fold(wchar_t wc)
{
	if (wc >= 'A' && wc <= 'Z')
		return wc + ('a' - 'A');
	if (wc < 0x80)
		return wc;
	/* combining marks (decomposed accents) vanish, as in core's folding */
	if ((wc >= 0x300 && wc <= 0x36f) || (wc >= 0x1dc0 && wc <= 0x1dff))
		return 0;
	/* Latin letters fold to their base letter the way core/text.h folds
	 * names for search, so the two never disagree */
	char base = text_fold_char((int32_t)wc);
	if (base >= 'A' && base <= 'Z')
		return base + ('a' - 'A');
	if (base >= 'a' && base <= 'z')
		return base;
	return (wchar_t)towlower((wint_t)wc);
}

#define FOLD_MAX 256

/* Fold UTF-8 text into out (marks dropped); returns the length. */
static size_t fold_utf8(const char *s, wchar_t out[FOLD_MAX])
{
	size_t n = 0, len = strlen(s);
	while (len > 0 && n < FOLD_MAX - 1) {
		uint32_t cp;
		size_t used = utf8_decode(s, len, &cp);
		if (used == 0) {
			used = 1;
			cp = 0xfffd;
		}
		wchar_t f = form_fold((wchar_t)cp);
		if (f)
			out[n++] = f;
		s += used;
		len -= used;
	}
	out[n] = 0;
	return n;
}

static size_t fold_wide(const wchar_t *s, size_t len, wchar_t out[FOLD_MAX])
{
	size_t n = 0;
	for (size_t i = 0; i < len && n < FOLD_MAX - 1; i++) {
		wchar_t f = form_fold(s[i]);
		if (f)
			out[n++] = f;
	}
	out[n] = 0;
	return n;
}

static bool word_char(wchar_t c)
{
	return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* How well a choice matches the folded query: 4 exact code, 3 the whole
 * label, 2 code prefix, 1 prefix of a word of the label (the query may
 * span words), 0 none. */
enum { RANK_NONE, RANK_WORD, RANK_CODE_PREFIX, RANK_LABEL, RANK_CODE };

static int match_rank(const struct form_choice *c, const wchar_t *q, size_t qn)
{
	wchar_t buf[FOLD_MAX];
	size_t n = fold_utf8(c->code, buf);
	if (n == qn && !wmemcmp(buf, q, qn))
		return RANK_CODE;
	bool code_prefix = n > qn && !wmemcmp(buf, q, qn);
	if (!c->label)
		return code_prefix ? RANK_CODE_PREFIX : RANK_NONE;
	n = fold_utf8(c->label, buf);
	if (n >= qn && !wmemcmp(buf, q, qn) && (n == qn || (n >= qn + 3 && !wmemcmp(buf + qn, L" - ", 3))))
		return RANK_LABEL; /* the whole label, or its name before " - " */
	if (code_prefix)
		return RANK_CODE_PREFIX;
	for (size_t i = 0; i + qn <= n; i++) {
		bool word_start = i == 0 || (!word_char(buf[i - 1]) && word_char(buf[i]));
		if (word_start && !wmemcmp(buf + i, q, qn))
			return RANK_WORD;
	}
	return RANK_NONE;
}

/* Trim the folded query: "hep " still means hep. */
static size_t trim_query(wchar_t q[FOLD_MAX], size_t n)
{
	while (n > 0 && q[n - 1] == ' ')
		q[--n] = 0;
	size_t lead = 0;
	while (lead < n && q[lead] == ' ')
		lead++;
	wmemmove(q, q + lead, n - lead + 1);
	return n - lead;
}

static size_t fold_query(const struct form_field *f, wchar_t q[FOLD_MAX])
{
	return trim_query(q, fold_wide(f->edit.buf, f->edit.len, q));
}

struct ranked {
	size_t k;
	int rank;
	bool inactive;
};

static int ranked_cmp(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;
	if (a->inactive != b->inactive)
		return a->inactive ? 1 : -1;
	if (a->rank != b->rank)
		return b->rank - a->rank;
	return a->k < b->k ? -1 : a->k > b->k;
}

/* The matches of a folded query, ordered (see form_matches). */
static size_t match_list(const struct form_choice *ch, const bool *inactive, size_t nch, const wchar_t *q,
                         size_t qn, size_t *out, size_t max)
{
	struct ranked *r = xmalloc((nch ? nch : 1) * sizeof *r);
	size_t found = 0;
	for (size_t k = 0; k < nch; k++) {
		int rank = qn ? match_rank(&ch[k], q, qn) : RANK_WORD;
		if (rank > RANK_NONE)
			r[found++] = (struct ranked){k, rank, inactive && inactive[k]};
	}
	qsort(r, found, sizeof *r, ranked_cmp);
	for (size_t i = 0; i < found && i < max; i++)
		out[i] = r[i].k;
	free(r);
	return found;
}

static const struct form_choice *field_list(const struct form_field *f, size_t *n)
{
	if (f->own) {
		*n = f->n_own;
		return f->own;
	}
	*n = f->spec->n_choices;
	return f->spec->choices;
}

static const bool *field_inactive(const struct form_field *f)
{
	return f->own ? f->own_inactive : f->spec->inactive;
}

bool form_choice_inactive(const struct form *form, size_t i, size_t k)
{
	size_t n;
	if (i >= form->n || k >= (field_list(&form->fields[i], &n), n))
		return false;
	const bool *in = field_inactive(&form->fields[i]);
	return in && in[k];
}

const struct form_choice *form_choices(const struct form *form, size_t i, size_t *n)
{
	*n = 0;
	return i < form->n ? field_list(&form->fields[i], n) : NULL;
}

size_t form_choices_match(const struct form_choice *choices, const bool *inactive, size_t n,
                          const char *query, size_t *out, size_t max)
{
	wchar_t q[FOLD_MAX];
	size_t qn = trim_query(q, fold_utf8(query ? query : "", q));
	return match_list(choices, inactive, n, q, qn, out, max);
}

size_t form_matches(const struct form *form, size_t i, size_t *out, size_t max)
{
	if (i >= form->n)
		return 0;
	const struct form_field *f = &form->fields[i];
	size_t nch;
	const struct form_choice *ch = field_list(f, &nch);
	if (f->spec->kind != FORM_CODE && !(f->spec->kind == FORM_TEXT && nch))
		return 0;
	wchar_t q[FOLD_MAX];
	size_t qn = fold_query(f, q);
	return match_list(ch, field_inactive(f), nch, q, qn, out, max);
}

/* What was typed, if it can mean one entry only: the exact code (entries
 * sharing it are one code), else the one whole label, else the one entry
 * that matches at all. Several matches choose nothing: the person does. */
static size_t best_choice(const struct form_field *f)
{
	wchar_t q[FOLD_MAX];
	size_t qn = fold_query(f, q), nch;
	const struct form_choice *ch = field_list(f, &nch);
	if (qn == 0)
		return FORM_NO_CHOICE;
	size_t first[RANK_CODE + 1], count[RANK_CODE + 1];
	for (int r = 0; r <= RANK_CODE; r++)
		first[r] = FORM_NO_CHOICE, count[r] = 0;
	size_t any = 0;
	for (size_t k = 0; k < nch; k++) {
		int r = match_rank(&ch[k], q, qn);
		if (r == RANK_NONE)
			continue;
		/* entries that share the first one's code are the same code */
		if (first[r] == FORM_NO_CHOICE)
			first[r] = k;
		if (count[r] == 0 || strcmp(ch[first[r]].code, ch[k].code))
			count[r]++;
		any++;
	}
	if (count[RANK_CODE] == 1)
		return first[RANK_CODE];
	if (count[RANK_CODE] == 0 && count[RANK_LABEL] == 1)
		return first[RANK_LABEL];
	if (any == 0)
		return FORM_NO_CHOICE;
	/* one entry matches in all (counted by code) */
	size_t only = FORM_NO_CHOICE;
	for (size_t k = 0; k < nch; k++) {
		if (match_rank(&ch[k], q, qn) == RANK_NONE)
			continue;
		if (only == FORM_NO_CHOICE)
			only = k;
		else if (strcmp(ch[only].code, ch[k].code))
			return FORM_NO_CHOICE;
	}
	return only;
}

const struct form_choice *form_choice(const struct form *form, size_t i)
{
	if (i >= form->n)
		return NULL;
	const struct form_field *f = &form->fields[i];
	size_t nch;
	const struct form_choice *ch = field_list(f, &nch);
	if (f->spec->kind != FORM_CODE || f->choice == FORM_NO_CHOICE || f->choice >= nch)
		return NULL;
	return &ch[f->choice];
}

/* --- construction ------------------------------------------------------------ */

static void kind_defaults(enum form_kind kind, size_t *max_len, int *width)
{
	static const struct {
		size_t max_len;
		int width;
	} d[] = {
	    [FORM_TEXT] = {64, 30}, [FORM_NAME] = {50, 25},     [FORM_DATE] = {10, 10},
	    [FORM_CODE] = {40, 12}, [FORM_PHONE] = {20, 14},    [FORM_ZIP] = {10, 10},
	    [FORM_YESNO] = {1, 1},  [FORM_PASSWORD] = {64, 20},
	};
	*max_len = d[kind].max_len;
	*width = d[kind].width;
}

static void field_make(struct form_field *f, const struct form_field_spec *sp, long row)
{
	size_t max_len;
	int width;
	kind_defaults(sp->kind, &max_len, &width);
	if (sp->max_len)
		max_len = sp->max_len;
	if (sp->width)
		width = sp->width;
	memset(f, 0, sizeof *f);
	f->spec = sp;
	field_init(&f->edit, max_len, width);
	field_set_masked(&f->edit, sp->kind == FORM_PASSWORD);
	f->readonly = (sp->flags & FORM_READONLY) != 0;
	f->required = (sp->flags & FORM_REQUIRED) != 0;
	f->choice = FORM_NO_CHOICE;
	f->row = row;
}

struct form *form_new(const struct form_field_spec *specs, size_t n)
{
	struct form *form = xcalloc(1, sizeof *form);
	struct form_field *fields = xcalloc(n ? n : 1, sizeof *fields);
	form->fields = fields;
	form->n = n;
	for (size_t i = 0; i < n; i++)
		field_make(&fields[i], &specs[i], -1);
	form->focus = n;
	for (size_t i = 0; i < n; i++) {
		if (!fields[i].readonly) {
			form->focus = i;
			break;
		}
	}
	return form;
}

void form_free(struct form **formp)
{
	if (!formp || !*formp)
		return;
	struct form *form = *formp;
	/* a password should not linger in freed memory */
	for (size_t i = 0; i < form->n; i++) {
		free(form->fields[i].own);
		free(form->fields[i].own_inactive);
		explicit_bzero(&form->fields[i].edit, sizeof form->fields[i].edit);
	}
	free(form->fields);
	free(form);
	*formp = NULL;
}

size_t form_count(const struct form *form)
{
	return form->n;
}

const struct form_field *form_field_at(const struct form *form, size_t i)
{
	return i < form->n ? &form->fields[i] : NULL;
}

long form_find(const struct form *form, const char *id)
{
	for (size_t i = 0; i < form->n; i++)
		if (form->fields[i].spec->id && !strcmp(form->fields[i].spec->id, id))
			return (long)i;
	return -1;
}

/* --- repeating rows ------------------------------------------------------------ */

size_t form_row_add(struct form *form, const struct form_field_spec *specs, size_t n)
{
	bool no_focus = form->focus >= form->n;
	form->fields = xrealloc(form->fields, (form->n + n) * sizeof *form->fields);
	for (size_t i = 0; i < n; i++)
		field_make(&form->fields[form->n + i], &specs[i], (long)form->rows);
	size_t old = form->n;
	form->n += n;
	form->focus = no_focus ? form->n : form->focus;
	/* a form that had nothing to edit now has */
	for (size_t i = old; no_focus && i < form->n; i++)
		if (!form->fields[i].readonly) {
			form->focus = i;
			break;
		}
	return form->rows++;
}

bool form_row_remove(struct form *form, size_t r)
{
	if (r >= form->rows || form->rows < 2)
		return false;
	size_t first = form->n, count = 0;
	for (size_t i = 0; i < form->n; i++)
		if (form->fields[i].row == (long)r) {
			if (first == form->n)
				first = i;
			count++;
		}
	size_t offset = form->focus >= first && form->focus < first + count ? form->focus - first : 0;
	bool focus_in = form->focus >= first && form->focus < first + count;
	for (size_t i = first; i < first + count; i++) {
		free(form->fields[i].own);
		free(form->fields[i].own_inactive);
	}
	explicit_bzero(&form->fields[first], count * sizeof *form->fields);
	memmove(&form->fields[first], &form->fields[first + count],
	        (form->n - first - count) * sizeof *form->fields);
	form->n -= count;
	for (size_t i = first; i < form->n; i++)
		if (form->fields[i].row > (long)r)
			form->fields[i].row--;
	form->rows--;
	if (focus_in) {
		/* the same field of the row that moved up, else of the row before */
		long want = (long)(r < form->rows ? r : r - 1);
		size_t to = form->n;
		for (size_t i = 0; i < form->n && to == form->n; i++)
			if (form->fields[i].row == want)
				to = i;
		form->focus = to + offset;
		if (form->focus >= form->n || form->fields[form->focus].row != want ||
		    form->fields[form->focus].readonly)
			form->focus = to;
	} else if (form->focus >= first + count) {
		form->focus -= count;
	}
	form->dirty = true;
	return true;
}

size_t form_rows(const struct form *form)
{
	return form->rows;
}

long form_field_row(const struct form *form, size_t i)
{
	return i < form->n ? form->fields[i].row : -1;
}

long form_find_in_row(const struct form *form, size_t r, const char *id)
{
	for (size_t i = 0; i < form->n; i++)
		if (form->fields[i].row == (long)r && form->fields[i].spec->id &&
		    !strcmp(form->fields[i].spec->id, id))
			return (long)i;
	return -1;
}

bool form_dirty(const struct form *form)
{
	return form->dirty;
}

void form_mark_saved(struct form *form)
{
	form->dirty = false;
}

void form_set_width(struct form *form, size_t i, int width)
{
	if (i < form->n)
		field_set_width(&form->fields[i].edit, width);
}

/* --- values ------------------------------------------------------------------ */

static const char *overflow_message(struct form_field *f);

static void set_message(struct form_field *f, const char *msg)
{
	snprintf(f->message, sizeof f->message, "%s", msg ? msg : "");
}

/* Copy v[0..n) into out as snprintf would, but never cut a character. */
static size_t copy_out(char *out, size_t outlen, const char *v, size_t n)
{
	if (outlen > 0) {
		size_t m = n < outlen ? n : outlen - 1;
		while (m > 0 && m < n && ((unsigned char)v[m] & 0xc0) == 0x80)
			m--;
		memcpy(out, v, m);
		out[m] = '\0';
	}
	return n;
}

size_t form_get_value(const struct form *form, size_t i, char *out, size_t outlen)
{
	if (i >= form->n)
		return copy_out(out, outlen, "", 0);
	const struct form_field *f = &form->fields[i];
	char value[FIELD_MAX_LEN * UTF8_MAX + 1];
	if (f->spec->kind == FORM_CODE) {
		const struct form_choice *c = form_choice(form, i);
		const char *code = c ? c->code : "";
		return copy_out(out, outlen, code, strlen(code));
	}
	field_get_utf8(&f->edit, value, sizeof value);
	const char *v = value;
	size_t n = strlen(value);
	if (f->spec->kind != FORM_PASSWORD) {
		/* surrounding spaces are never part of a value */
		while (*v == ' ')
			v++, n--;
		while (n > 0 && v[n - 1] == ' ')
			n--;
	}
	copy_out(out, outlen, v, n);
	if (f->spec->kind == FORM_PASSWORD)
		explicit_bzero(value, sizeof value);
	return n;
}

static enum field_status set_yesno(struct form_field *f, const char *v)
{
	if (!strcasecmp(v, "y") || !strcasecmp(v, "yes"))
		return field_set_utf8(&f->edit, "Y", 1);
	if (!strcasecmp(v, "n") || !strcasecmp(v, "no"))
		return field_set_utf8(&f->edit, "N", 1);
	if (!*v)
		return field_set_utf8(&f->edit, "", 0);
	return FIELD_REJECTED;
}

enum field_status form_set_value(struct form *form, size_t i, const char *utf8)
{
	if (i >= form->n)
		return FIELD_REJECTED;
	struct form_field *f = &form->fields[i];
	enum field_status st;
	set_message(f, NULL);
	f->overflow = 0;
	if (f->spec->kind == FORM_YESNO)
		st = set_yesno(f, utf8);
	else
		st = field_set_utf8(&f->edit, utf8, (size_t)-1);
	if (st == FIELD_FULL) {
		/* never a silent cut: the field says so, and holds the save */
		size_t have = text_utf8_len(utf8);
		f->overflow = have > f->edit.max_len ? have - f->edit.max_len : 1;
		overflow_message(f);
	}
	if (f->spec->kind == FORM_CODE)
		f->choice = best_choice(f);
	f->autofilled = st < FIELD_FULL && f->edit.len > 0;
	return st;
}

void form_set_required(struct form *form, size_t i, bool required)
{
	if (i < form->n)
		form->fields[i].required = required;
}

void form_set_choices(struct form *form, size_t i, const struct form_choice *choices, const bool *inactive,
                      size_t n)
{
	if (i >= form->n)
		return;
	struct form_field *f = &form->fields[i];
	char code[64] = "";
	const struct form_choice *c = form_choice(form, i);
	if (c)
		snprintf(code, sizeof code, "%s", c->code);
	free(f->own);
	free(f->own_inactive);
	f->own = NULL;
	f->own_inactive = NULL;
	f->n_own = 0;
	if (choices) {
		f->own = xmalloc((n ? n : 1) * sizeof *f->own);
		memcpy(f->own, choices, n * sizeof *f->own);
		if (inactive) {
			f->own_inactive = xmalloc((n ? n : 1) * sizeof *f->own_inactive);
			memcpy(f->own_inactive, inactive, n * sizeof *f->own_inactive);
		}
		f->n_own = n;
	}
	f->choice = FORM_NO_CHOICE;
	size_t nch;
	const struct form_choice *ch = field_list(f, &nch);
	for (size_t k = 0; code[0] && k < nch; k++)
		if (!strcmp(ch[k].code, code)) {
			f->choice = k;
			break;
		}
	if (f->choice == FORM_NO_CHOICE && f->spec->kind == FORM_CODE)
		f->choice = best_choice(f);
}

unsigned form_pick(struct form *form, size_t i, size_t k)
{
	if (i >= form->n)
		return FORM_REFUSED;
	struct form_field *f = &form->fields[i];
	size_t nch;
	const struct form_choice *ch = field_list(f, &nch);
	if (f->readonly || k >= nch)
		return FORM_REFUSED;
	field_set_utf8(&f->edit, ch[k].code, (size_t)-1);
	if (f->spec->kind == FORM_CODE)
		f->choice = k;
	f->autofilled = true;
	f->overflow = 0;
	set_message(f, NULL);
	form->dirty = true;
	return FORM_CHANGED | FORM_REDRAW;
}

void form_set_readonly(struct form *form, size_t i, bool readonly, const char *reason)
{
	if (i >= form->n)
		return;
	struct form_field *f = &form->fields[i];
	f->readonly = readonly;
	snprintf(f->lock_reason, sizeof f->lock_reason, "%s", readonly && reason ? reason : "");
	if (readonly && form->focus == i)
		form_focus_next(form);
	if (!readonly && form->focus == form->n)
		form->focus = i;
}

void form_set_message(struct form *form, size_t i, const char *msg)
{
	if (i < form->n)
		snprintf(form->fields[i].message, sizeof form->fields[i].message, "%s", msg ? msg : "");
}

/* --- checks ------------------------------------------------------------------ */

/* "Too long: at most 50 characters (32 more did not fit)." beside the field. */
static const char *overflow_message(struct form_field *f)
{
	snprintf(f->message, sizeof f->message, "Too long: at most %zu characters (%zu more did not fit).",
	         f->edit.max_len, f->overflow);
	return f->message;
}

static size_t match_count(const struct form_field *f)
{
	size_t nch;
	const struct form_choice *ch = field_list(f, &nch);
	wchar_t q[FOLD_MAX];
	size_t qn = fold_query(f, q), many = 0;
	for (size_t k = 0; k < nch; k++)
		if (match_rank(&ch[k], q, qn) > RANK_NONE)
			many++;
	return many;
}

/* The kind's own check and the spec's extra one; "required" only if asked. */
static const char *check(struct form_field *f, bool required)
{
	char value[FIELD_MAX_LEN * UTF8_MAX + 1];
	const struct form_field_spec *sp = f->spec;
	const char *msg = NULL;
	size_t n;

	if (f->overflow)
		return overflow_message(f);
	if (sp->kind == FORM_CODE) {
		size_t nch;
		const struct form_choice *ch = field_list(f, &nch);
		if (f->choice == FORM_NO_CHOICE && !field_is_empty(&f->edit)) {
			size_t many = match_count(f);
			if (many == 0)
				return "No code matches what was typed.";
			snprintf(f->message, sizeof f->message, "%zu match: choose one (F4 lists them).",
			         many);
			return f->message;
		}
		n = f->choice == FORM_NO_CHOICE ? 0 : strlen(ch[f->choice].code);
		snprintf(value, sizeof value, "%s", f->choice == FORM_NO_CHOICE ? "" : ch[f->choice].code);
	} else {
		field_get_utf8(&f->edit, value, sizeof value);
		n = strlen(value);
		if (sp->kind != FORM_PASSWORD) {
			while (n > 0 && value[n - 1] == ' ')
				value[--n] = '\0';
			if (n > 0 && value[0] == ' ') {
				size_t lead = strspn(value, " ");
				memmove(value, value + lead, n - lead + 1);
				n -= lead;
			}
		}
	}
	if (n == 0)
		return required && f->required ? "Required." : NULL;

	switch (sp->kind) {
	case FORM_NAME:
		msg = validate_name(value);
		break;
	case FORM_DATE:
		msg = validate_date(value);
		break;
	case FORM_PHONE:
		msg = validate_phone(value);
		break;
	case FORM_ZIP:
		msg = validate_zip(value);
		break;
	case FORM_YESNO:
		if (strcmp(value, "Y") && strcmp(value, "N"))
			msg = "Answer Y or N.";
		break;
	case FORM_TEXT:
	case FORM_CODE:
	case FORM_PASSWORD:
		break;
	}
	if (!msg && sp->validate)
		msg = sp->validate(value, sp->ctx, f->message, sizeof f->message);
	explicit_bzero(value, sizeof value); /* may be a password */
	return msg;
}

const char *form_validate_field(struct form *form, size_t i)
{
	if (i >= form->n)
		return NULL;
	struct form_field *f = &form->fields[i];
	const char *msg = f->readonly ? NULL : check(f, true);
	if (msg != f->message)
		set_message(f, msg);
	return msg ? f->message : NULL;
}

bool form_validate(struct form *form, size_t *bad, const char **msg)
{
	bool ok = true;
	for (size_t i = 0; i < form->n; i++) {
		const char *m = form_validate_field(form, i);
		if (m && ok) {
			ok = false;
			if (bad)
				*bad = i;
			if (msg)
				*msg = m;
		}
	}
	return ok;
}

/* --- focus ------------------------------------------------------------------- */

/* Leaving a field: show what is wrong with it now (except "required", which
 * would nag while the person is still on the way), and show a chosen code
 * as the code itself. */
static void leave(struct form *form)
{
	if (form->focus >= form->n)
		return;
	struct form_field *f = &form->fields[form->focus];
	if (f->spec->kind == FORM_CODE && f->choice != FORM_NO_CHOICE) {
		size_t nch, k = f->choice;
		const struct form_choice *ch = field_list(f, &nch);
		field_set_utf8(&f->edit, ch[k].code, (size_t)-1);
		/* the code's own line ("115 Tdap", not the trade name picked) */
		f->choice = best_choice(f);
		if (f->choice == FORM_NO_CHOICE)
			f->choice = k;
		f->autofilled = true; /* typing there again starts a new choice */
	}
	if (!f->readonly) {
		const char *msg = check(f, false);
		if (msg != f->message)
			set_message(f, msg);
	}
}

size_t form_focus(const struct form *form)
{
	return form->focus;
}

bool form_set_focus(struct form *form, size_t i)
{
	if (i >= form->n || form->fields[i].readonly)
		return false;
	if (i != form->focus)
		leave(form);
	form->focus = i;
	return true;
}

static unsigned step_focus(struct form *form, bool forward)
{
	size_t n = form->n;
	if (form->focus >= n)
		return 0;
	for (size_t k = 1; k <= n; k++) {
		size_t i = forward ? (form->focus + k) % n : (form->focus + n - k) % n;
		if (!form->fields[i].readonly) {
			leave(form);
			form->focus = i;
			return FORM_REDRAW;
		}
	}
	return 0;
}

unsigned form_focus_next(struct form *form)
{
	if (form->focus < form->n && form->fields[form->focus].readonly) {
		/* the focused field was just locked: find any editable one */
		size_t start = form->focus;
		for (size_t k = 1; k <= form->n; k++) {
			size_t i = (start + k) % form->n;
			if (!form->fields[i].readonly) {
				form->focus = i;
				return FORM_REDRAW;
			}
		}
		form->focus = form->n;
		return FORM_REDRAW;
	}
	return step_focus(form, true);
}

unsigned form_focus_prev(struct form *form)
{
	return step_focus(form, false);
}

/* --- actions ------------------------------------------------------------------ */

static unsigned edited(struct form *form, struct form_field *f, enum field_status st)
{
	switch (st) {
	case FIELD_NOOP:
		if (!f->autofilled && !f->overflow)
			return 0;
		f->autofilled = false; /* Home or End in a filled field: edit it */
		if (f->overflow) {
			f->overflow = 0; /* seen: what fits is what the person keeps */
			set_message(f, NULL);
		}
		return FORM_REDRAW;
	case FIELD_MOVED:
		/* moving in a filled field means editing it, not replacing it */
		f->autofilled = false;
		if (f->overflow) {
			f->overflow = 0;
			set_message(f, NULL);
		}
		return FORM_REDRAW;
	case FIELD_CHANGED:
		form->dirty = true;
		f->autofilled = false;
		f->overflow = 0;
		set_message(f, NULL); /* the person is fixing it */
		if (f->spec->kind == FORM_CODE)
			f->choice = best_choice(f);
		return FORM_CHANGED | FORM_REDRAW;
	case FIELD_FULL:
	case FIELD_REJECTED:
	case FIELD_BAD_UTF8:
		break;
	}
	return FORM_REFUSED;
}

static unsigned step_choice(struct form *form, struct form_field *f, bool forward)
{
	size_t idx = (size_t)(f - form->fields);
	if (f->spec->kind == FORM_YESNO) {
		const char *v = f->edit.len && f->edit.buf[0] == L'Y' ? "N" : "Y";
		field_set_utf8(&f->edit, v, 1);
		form->dirty = true;
		set_message(f, NULL);
		return FORM_CHANGED | FORM_REDRAW;
	}
	if (f->spec->kind != FORM_CODE)
		return FORM_REFUSED;
	f->autofilled = false;
	size_t total = form_matches(form, idx, NULL, 0);
	if (total == 0)
		return FORM_REFUSED;
	size_t *m = xmalloc(total * sizeof *m);
	form_matches(form, idx, m, total);
	size_t pos = total; /* where the current choice is among the matches */
	for (size_t k = 0; k < total; k++)
		if (m[k] == f->choice)
			pos = k;
	size_t next;
	if (pos == total)
		next = forward ? m[0] : m[total - 1];
	else
		next = m[forward ? (pos + 1) % total : (pos + total - 1) % total];
	free(m);
	if (next == f->choice)
		return 0;
	f->choice = next;
	form->dirty = true;
	set_message(f, NULL);
	return FORM_CHANGED | FORM_REDRAW;
}

static unsigned submit(struct form *form)
{
	size_t bad;
	leave(form);
	if (form_validate(form, &bad, NULL))
		return FORM_SUBMIT | FORM_REDRAW;
	form->focus = bad; /* validation skips read-only fields, so bad is editable */
	return FORM_REFUSED | FORM_REDRAW;
}

unsigned form_apply(struct form *form, enum action action)
{
	struct form_field *f = form->focus < form->n ? &form->fields[form->focus] : NULL;
	struct field_edit *e = f ? &f->edit : NULL;
	bool can_edit = f && !f->readonly;

	switch (action) {
	case ACTION_NEXT_FIELD:
		return form_focus_next(form);
	case ACTION_PREV_FIELD:
		return form_focus_prev(form);
	case ACTION_SUBMIT:
	case ACTION_SAVE:
		return submit(form);
	case ACTION_CANCEL:
		return FORM_CANCEL;
	case ACTION_FIELD_LEFT:
		return f ? edited(form, f, field_left(e)) : 0;
	case ACTION_FIELD_RIGHT:
		return f ? edited(form, f, field_right(e)) : 0;
	case ACTION_WORD_LEFT:
		return f ? edited(form, f, field_word_left(e)) : 0;
	case ACTION_WORD_RIGHT:
		return f ? edited(form, f, field_word_right(e)) : 0;
	case ACTION_HOME:
		return f ? edited(form, f, field_home(e)) : 0;
	case ACTION_END:
		return f ? edited(form, f, field_end(e)) : 0;
	case ACTION_BACKSPACE:
		return can_edit ? edited(form, f, field_backspace(e)) : FORM_REFUSED;
	case ACTION_DELETE:
		return can_edit ? edited(form, f, field_delete(e)) : FORM_REFUSED;
	case ACTION_KILL_EOL:
		return can_edit ? edited(form, f, field_kill_eol(e)) : FORM_REFUSED;
	case ACTION_KILL_LINE:
		return can_edit ? edited(form, f, field_kill_line(e)) : FORM_REFUSED;
	case ACTION_NEXT_CHOICE:
		return can_edit ? step_choice(form, f, true) : FORM_REFUSED;
	case ACTION_PREV_CHOICE:
		return can_edit ? step_choice(form, f, false) : FORM_REFUSED;
	default:
		return FORM_UNHANDLED;
	}
}

/* What each kind lets a person type. */
static bool accepts_char(enum form_kind kind, wchar_t wc)
{
	bool digit = wc >= '0' && wc <= '9';
	switch (kind) {
	case FORM_DATE:
		return digit || wc == '/' || wc == '-';
	case FORM_PHONE:
		return digit || (wc < 0x80 && wc && strchr(" ()-.+", (int)wc));
	case FORM_ZIP:
		return digit || wc == '-';
	default:
		return true;
	}
}

unsigned form_input(struct form *form, wchar_t wc)
{
	if (form->focus >= form->n)
		return FORM_REFUSED;
	struct form_field *f = &form->fields[form->focus];
	if (f->readonly)
		return FORM_REFUSED;
	if (f->spec->kind == FORM_YESNO) {
		const char *v;
		if (wc == 'y' || wc == 'Y')
			v = "Y";
		else if (wc == 'n' || wc == 'N')
			v = "N";
		else if (wc == ' ')
			return step_choice(form, f, true);
		else
			return FORM_REFUSED;
		if (f->edit.len == 1 && f->edit.buf[0] == (wchar_t)v[0])
			return 0;
		field_set_utf8(&f->edit, v, 1);
		form->dirty = true;
		set_message(f, NULL);
		return FORM_CHANGED | FORM_REDRAW;
	}
	if (!accepts_char(f->spec->kind, wc))
		return FORM_REFUSED;
	if (f->autofilled && f->spec->kind != FORM_PASSWORD) {
		/* a value put there for the person is replaced, not added to
		 * ("PFR" then "pfizer" is pfizer, never "PFRpfizer") */
		field_kill_line(&f->edit);
		f->autofilled = false;
		f->choice = FORM_NO_CHOICE;
		form->dirty = true;
	}
	enum field_status st = field_insert(&f->edit, wc);
	if (st == FIELD_FULL) {
		f->overflow++;
		overflow_message(f);
		return FORM_REFUSED | FORM_REDRAW;
	}
	return edited(form, f, st);
}

void form_capitalize_name(const char *in, char *out, size_t len)
{
	if (!len)
		return;
	size_t n = strlen(in), o = 0;
	bool lower_only = true;
	for (size_t p = 0; p < n;) {
		uint32_t cp;
		size_t used = utf8_decode(in + p, n - p, &cp);
		if (!used)
			break;
		if (towlower((wint_t)cp) != (wint_t)cp)
			lower_only = false;
		p += used;
	}
	bool start = true;
	for (size_t p = 0; p < n;) {
		uint32_t cp;
		size_t used = utf8_decode(in + p, n - p, &cp);
		if (!used) {
			used = 1;
			cp = (unsigned char)in[p];
		}
		uint32_t c = cp;
		if (lower_only && start && iswalpha((wint_t)cp))
			c = (uint32_t)towupper((wint_t)cp);
		char enc[UTF8_MAX];
		size_t k = used == 1 && cp >= 0x80 ? (enc[0] = in[p], 1) : utf8_encode(c, enc);
		if (o + k >= len)
			break;
		memcpy(out + o, enc, k);
		o += k;
		/* a new part starts after a space, a hyphen or an apostrophe */
		start = cp == ' ' || cp == '-' || cp == '\'' || cp == 0x2019;
		if (iswalpha((wint_t)cp) && cp != '\'')
			start = false;
		p += used;
	}
	out[o] = '\0';
}
