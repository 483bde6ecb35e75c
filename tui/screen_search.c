/* tui/screen_search.c - Find a client: Quick search (one line), Basic
 * search (name, birth date and a few more fields) and Smart search (scored
 * matching, Patient/$match). One screen, three forms; F3/F7/F8 switch
 * between them and each keeps what was typed. The searches themselves run
 * in tui/screen_results.c. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/quicksearch.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "tui/tui.h"

static const int three = 3, two = 2;

/* "At least N letters": punctuation, spaces and case do not count. */
static const char *min_letters(const char *value, const void *ctx, char *buf, size_t len)
{
	int want = *(const int *)ctx;
	char f[256];
	text_fold(value, f, sizeof f);
	if (!value[0] || (int)strlen(f) >= want)
		return NULL;
	snprintf(buf, len, "at least %d letters", want);
	return buf;
}

static const struct form_choice sexes[] = {
    {"F", "Female"},
    {"M", "Male"},
    {"X", "Non-binary"},
    {"U", "Unknown"},
};

/* clang-format off */
static const struct form_field_spec quick_specs[] = {
	{ .id = "line", .label = "Search", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
	  .max_len = 120, .width = 40 },
};
static const struct form_field_spec basic_specs[] = {
	{ .id = "last", .label = "Last name", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
	  .max_len = 60, .width = 24, .validate = min_letters, .ctx = &three },
	{ .id = "first", .label = "First name", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
	  .max_len = 60, .width = 24, .validate = min_letters, .ctx = &two },
	{ .id = "dob", .label = "Date of birth", .kind = FORM_DATE },
	{ .id = "sex", .label = "Sex", .kind = FORM_CODE, .choices = sexes, .n_choices = 4, .width = 12 },
	{ .id = "maiden", .label = "Mother's maiden", .kind = FORM_NAME, .max_len = 60, .width = 24 },
	{ .id = "phone", .label = "Phone", .kind = FORM_PHONE },
	{ .id = "zip", .label = "ZIP", .kind = FORM_ZIP },
};
static const struct form_field_spec smart_specs[] = {
	{ .id = "first", .label = "First name", .kind = FORM_NAME, .flags = FORM_REQUIRED,
	  .max_len = 60, .width = 24 },
	{ .id = "middle", .label = "Middle name", .kind = FORM_NAME, .max_len = 60, .width = 24 },
	{ .id = "last", .label = "Last name", .kind = FORM_NAME, .flags = FORM_REQUIRED,
	  .max_len = 60, .width = 24 },
	{ .id = "dob", .label = "Date of birth", .kind = FORM_DATE, .flags = FORM_REQUIRED },
	{ .id = "sex", .label = "Sex", .kind = FORM_CODE, .flags = FORM_REQUIRED, .choices = sexes,
	  .n_choices = 4, .width = 12 },
	{ .id = "street", .label = "Street address", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
	  .max_len = 80, .width = 30 },
	{ .id = "city", .label = "City", .kind = FORM_TEXT, .max_len = 40, .width = 20 },
	{ .id = "zip", .label = "ZIP", .kind = FORM_ZIP },
	{ .id = "phone", .label = "Phone", .kind = FORM_PHONE },
	{ .id = "mfirst", .label = "Mother's first", .kind = FORM_NAME, .max_len = 60, .width = 24 },
	{ .id = "maiden", .label = "Mother's maiden", .kind = FORM_NAME, .max_len = 60, .width = 24 },
};
/* clang-format on */

#define N(x) (sizeof x / sizeof x[0])

struct search_view {
	enum search_kind kind;
	struct form *forms[3];
	char error[VAX_ERROR_MSG_LEN];
};

static struct form *search_form(const struct screen *s)
{
	const struct search_view *v = s->data;
	return v->forms[v->kind];
}

static void *search_open(struct app *a, const void *arg)
{
	(void)arg;
	struct search_view *v = xcalloc(1, sizeof *v);
	v->forms[SEARCH_QUICK] = form_new(quick_specs, N(quick_specs));
	v->forms[SEARCH_BASIC] = form_new(basic_specs, N(basic_specs));
	v->forms[SEARCH_SMART] = form_new(smart_specs, N(smart_specs));
	for (int i = 0; i < 3; i++)
		form_view_fit(v->forms[i], a->cols);
	return v;
}

static void search_close(struct screen *s)
{
	struct search_view *v = s->data;
	for (int i = 0; i < 3; i++)
		form_free(&v->forms[i]);
	free(v);
}

static void search_enter(struct app *a, struct screen *s, bool fresh)
{
	struct search_view *v = s->data;
	(void)a;
	if (!fresh)
		form_set_focus(v->forms[v->kind], 0); /* back from the results: a new search */
}

static void value(struct search_view *v, const char *id, char *buf, size_t len)
{
	form_view_value(v->forms[v->kind], id, buf, len);
}

/* The results screen runs the search. */
static void run(struct app *a, enum search_kind kind, const struct client *query, const char *rid,
                const char *phone, bool open_single)
{
	struct open_results o = {
	    .kind = kind, .query = query, .rid = rid, .phone = phone, .open_single = open_single};
	app_open(a, SCREEN_RESULTS, &o);
}

static void run_quick(struct app *a, struct search_view *v)
{
	char line[256];
	struct quick_search q;
	struct vax_error err;
	value(v, "line", line, sizeof line);
	if (!quick_search_parse(line, &q, &err)) {
		snprintf(v->error, sizeof v->error, "%s", err.message);
		return;
	}
	if (q.kind == QUICK_ID)
		run(a, SEARCH_QUICK, &q.query, q.id, NULL, true);
	else
		run(a, SEARCH_QUICK, &q.query, NULL, NULL, true);
}

/* The fields both Basic and Smart search have, into a client. */
static void common_fields(struct search_view *v, struct client *c, char *phone, size_t plen)
{
	char dob[32], sex[8], zip[16];
	value(v, "last", c->name.family, sizeof c->name.family);
	value(v, "first", c->name.given, sizeof c->name.given);
	value(v, "dob", dob, sizeof dob);
	c->dob = DATE_NONE;
	if (dob[0])
		date_parse_us(dob, &c->dob);
	value(v, "sex", sex, sizeof sex);
	c->sex = sex[0] ? client_sex_from_code(sex) : SEX_NONE;
	value(v, "maiden", c->mother_maiden, sizeof c->mother_maiden);
	value(v, "phone", phone, plen);
	value(v, "zip", zip, sizeof zip);
	if (zip[0]) {
		c->n_addr = 1;
		snprintf(c->addr[0].zip, sizeof c->addr[0].zip, "%.10s", zip);
	}
	if (phone[0]) {
		c->n_phone = 1;
		size_t n = 0;
		for (const char *p = phone; *p && n + 1 < sizeof c->phone[0].number; p++)
			if (*p >= '0' && *p <= '9')
				c->phone[0].number[n++] = *p;
		c->phone[0].number[n] = '\0';
	}
}

static void run_form(struct app *a, struct search_view *v)
{
	struct client c;
	char phone[32];
	client_init(&c); /* no date is a date: 0 would read as 01/01/1970 */
	common_fields(v, &c, phone, sizeof phone);
	if (v->kind == SEARCH_BASIC) {
		run(a, SEARCH_BASIC, &c, NULL, phone, false);
		return;
	}
	value(v, "middle", c.name.middle, sizeof c.name.middle);
	value(v, "mfirst", c.mother_given, sizeof c.mother_given);
	c.n_addr = 1;
	value(v, "street", c.addr[0].line1, sizeof c.addr[0].line1);
	value(v, "city", c.addr[0].city, sizeof c.addr[0].city);
	run(a, SEARCH_SMART, &c, NULL, phone, true);
}

static unsigned search_action(struct app *a, struct screen *s, enum action act)
{
	struct search_view *v = s->data;
	switch (act) {
	case ACTION_QUICK_SEARCH:
	case ACTION_SEARCH:
		v->kind = SEARCH_QUICK;
		break;
	case ACTION_BASIC_SEARCH:
		v->kind = SEARCH_BASIC;
		break;
	case ACTION_SMART_SEARCH:
		v->kind = SEARCH_SMART;
		break;
	case ACTION_ADD_CLIENT:
		app_message(a, MSG_INFO, "Search first: Add Client opens from the search results.");
		return TUI_HANDLED;
	case ACTION_CANCEL:
		app_pop(a);
		return TUI_HANDLED;
	default: {
		unsigned r = form_view_action(a, v->forms[v->kind], act);
		if (r & FORM_SUBMIT) {
			v->error[0] = '\0';
			if (v->kind == SEARCH_QUICK)
				run_quick(a, v);
			else
				run_form(a, v);
			return TUI_HANDLED;
		}
		if (r & FORM_UNHANDLED)
			return TUI_UNHANDLED;
		break;
	}
	}
	app_dirty(a, DIRTY_BODY | DIRTY_BAR);
	return TUI_HANDLED;
}

static void search_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct search_view *v = s->data;
	static const char *titles[] = {"Quick search", "Basic search", "Smart search"};
	static const char *hints[] = {
	    "A registry ID, a scanned client card, or: last, first MM/DD/YYYY",
	    "At least 3 letters of the last name and 2 of the first; case, accents and "
	    "punctuation do not matter.",
	    "Scored matching: the registry grades each client it finds as certain, probable "
	    "or possible.",
	};
	static const enum action acts[] = {ACTION_QUICK_SEARCH, ACTION_BASIC_SEARCH, ACTION_SMART_SEARCH};
	int cols = getmaxx(w), rows = getmaxy(w), y = 1;
	char line[VAX_ERROR_MSG_LEN + 16], tabs[256] = "";
	for (int i = 0; i < 3; i++) {
		char k[64];
		draw_keys_label(a, KEYMAP_SEARCH, KEYMAP_EDITING, acts[i], k, sizeof k);
		size_t used = strlen(tabs);
		snprintf(tabs + used, sizeof tabs - used, "%s%s %s%s  ", (int)v->kind == i ? "[" : " ", k,
		         titles[i], (int)v->kind == i ? "]" : " ");
	}
	draw_text(w, y++, 1, tabs, cols - 2);
	y++;
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, titles[v->kind], cols - 2);
	wattrset(w, A_NORMAL);
	y = draw_wrapped(w, y, 1, cols - 2, hints[v->kind]);
	if (app_offline(a) || app_unreachable(a))
		y = draw_wrapped(w, y, 1, cols - 2, "Offline: the search runs over the local store.");
	y++;
	y = form_view_draw(a, w, y, v->forms[v->kind], true);
	if (v->error[0] && y + 1 < rows) {
		snprintf(line, sizeof line, "Error: %s", v->error);
		wattrset(w, term_attr(a, ROLE_ERROR));
		draw_wrapped(w, y + 1, 1, cols - 2, line);
		wattrset(w, A_NORMAL);
	}
}

static const enum action search_actions[] = {ACTION_SUBMIT,       ACTION_QUICK_SEARCH, ACTION_BASIC_SEARCH,
                                             ACTION_SMART_SEARCH, ACTION_NEXT_FIELD,   ACTION_CANCEL,
                                             ACTION_NONE};

const struct screen_ops screen_search_ops = {
    .name = "search",
    .title = "Find a client",
    .keymap = KEYMAP_SEARCH,
    .phi = true,
    .open = search_open,
    .enter = search_enter,
    .draw = search_draw,
    .action = search_action,
    .form = search_form,
    .actions = search_actions,
    .close = search_close,
};
