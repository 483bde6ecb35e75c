/* tui/screen_client_edit.c - Add Client and Edit Client: the demographics
 * in tabs (Personal, Address, Notes), one form per tab, switched with
 * next-tab / prev-tab (F7 / F3: Tab moves between fields). The registry's client rules (core/rules.h) check
 * the whole client on save and put each message beside its field, switching to the tab that holds the first
 * one. Names, date of birth and sex of a client from vital statistics are locked and say why. Saving goes
 * through the outbox (cache_save_client), online or not. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/rules.h"
#include "core/vocab.h"
#include "tui/tui.h"

static const struct form_choice sexes[] = {
    {"F", "Female"}, {"M", "Male"}, {"X", "Nonbinary (X)"}, {"U", "Unknown"}};

static struct form_choice races[16], ethnicities[8];

/* clang-format off */
static struct form_field_spec personal_specs[] = {
	{ .id = "family", .label = "Last name", .kind = FORM_NAME, .flags = FORM_REQUIRED, .max_len = 50 },
	{ .id = "given", .label = "First name", .kind = FORM_NAME, .flags = FORM_REQUIRED, .max_len = 50 },
	{ .id = "middle", .label = "Middle name", .kind = FORM_NAME, .max_len = 50 },
	{ .id = "suffix", .label = "Suffix", .kind = FORM_TEXT, .max_len = 10, .width = 6 },
	{ .id = "dob", .label = "Date of birth", .kind = FORM_DATE, .flags = FORM_REQUIRED },
	{ .id = "sex", .label = "Sex", .kind = FORM_CODE, .flags = FORM_REQUIRED, .width = 16,
	  .choices = sexes, .n_choices = 4 },
	{ .id = "mother_maiden", .label = "Mother's maiden", .kind = FORM_NAME, .max_len = 50 },
	{ .id = "race", .label = "Race", .kind = FORM_CODE, .width = 30 },
	{ .id = "ethnicity", .label = "Ethnicity", .kind = FORM_CODE, .width = 30 },
	{ .id = "mr", .label = "Chart number (MR)", .kind = FORM_TEXT, .max_len = 32, .width = 20 },
};
static const struct form_field_spec address_specs[] = {
	{ .id = "line1", .label = "Street", .kind = FORM_TEXT, .max_len = 50, .width = 34 },
	{ .id = "city", .label = "City", .kind = FORM_TEXT, .max_len = 50, .width = 24 },
	{ .id = "state", .label = "State", .kind = FORM_TEXT, .max_len = 2, .width = 4 },
	{ .id = "zip", .label = "ZIP", .kind = FORM_ZIP },
	{ .id = "county", .label = "Residential county", .kind = FORM_TEXT, .max_len = 32, .width = 24 },
	{ .id = "no_viable_address", .label = "No viable address", .kind = FORM_YESNO },
	{ .id = "phone", .label = "Phone", .kind = FORM_PHONE },
};
static const struct form_choice org_statuses[] = {
	{"A", "Active"}, {"I", "Inactive"}, {"M", "Moved or gone elsewhere"}, {"L", "Lost to follow-up"},
	{"P", "Deceased (permanently inactive)"}};
static const struct form_choice schedules[] = {{"ACIP", "ACIP schedule"}, {"TX-SCHOOL", "Texas school requirements"}};
static const struct form_field_spec org_specs[] = {
	{.id = "org_status", .label = "Status here", .kind = FORM_CODE, .flags = FORM_REQUIRED, .width = 30,
	 .choices = org_statuses, .n_choices = 5},
	{.id = "org_status_reason", .label = "Why", .kind = FORM_TEXT, .max_len = 50, .width = 30},
	{.id = "schedule", .label = "Tracking schedule", .kind = FORM_CODE, .width = 30, .choices = schedules,
	 .n_choices = 2},
	{.id = "reminders", .label = "Reminder/recall", .kind = FORM_YESNO},
	{.id = "provider", .label = "Primary provider", .kind = FORM_TEXT, .max_len = 50, .width = 30},
};
static const struct form_choice comment_kinds[] = {
	{"R", "Reaction to a vaccine"}, {"I", "Evidence of immunity"}, {"C", "Contraindication"}, {"O", "Other"}};
/* a new comment; the ones on record are listed above the form */
static const struct form_field_spec comment_specs[] = {
	{.id = "kind", .label = "New comment", .kind = FORM_CODE, .width = 30, .choices = comment_kinds,
	 .n_choices = 4},
	{.id = "text", .label = "Comment", .kind = FORM_TEXT, .max_len = 100, .width = 40},
	{.id = "begin", .label = "Since", .kind = FORM_DATE},
};
static const struct form_field_spec notes_specs[] = {
	{ .id = "note", .label = "Note (all orgs see)", .kind = FORM_TEXT, .max_len = 200,
	  .width = 40 },
};
/* clang-format on */

enum { TAB_PERSONAL, TAB_ADDRESS, TAB_ORG, TAB_COMMENTS, TAB_NOTES, TAB_COUNT };
static const char *const tab_names[TAB_COUNT] = {"Personal", "Address", "Organization", "Comments", "Notes"};

static struct {
	struct form *tab[TAB_COUNT];
	int cur;
	bool adding;
	struct client base; /* the record being edited (or the pre-fill) */
	char error[VAX_ERROR_MSG_LEN + 32];
} st;

static void free_forms(void)
{
	for (int i = 0; i < TAB_COUNT; i++)
		form_free(&st.tab[i]);
}

static void set(int tab, const char *id, const char *v)
{
	long i = form_find(st.tab[tab], id);
	if (i >= 0 && v)
		form_set_value(st.tab[tab], (size_t)i, v);
}

static void lock(int tab, const char *id, const char *why)
{
	long i = form_find(st.tab[tab], id);
	if (i >= 0)
		form_set_readonly(st.tab[tab], (size_t)i, true, why);
}

static void make(struct app *a, const struct client *c, bool adding)
{
	free_forms();
	size_t n;
	const struct vocab_entry *e = vocab_entries(VOCAB_RACE, &n);
	size_t nr = n < 16 ? n : 16;
	for (size_t i = 0; i < nr; i++)
		races[i] = (struct form_choice){e[i].code, e[i].label};
	e = vocab_entries(VOCAB_ETHNICITY, &n);
	size_t ne = n < 8 ? n : 8;
	for (size_t i = 0; i < ne; i++)
		ethnicities[i] = (struct form_choice){e[i].code, e[i].label};
	personal_specs[7].choices = races;
	personal_specs[7].n_choices = nr;
	personal_specs[8].choices = ethnicities;
	personal_specs[8].n_choices = ne;
	st.tab[TAB_PERSONAL] = form_new(personal_specs, sizeof personal_specs / sizeof *personal_specs);
	st.tab[TAB_ADDRESS] = form_new(address_specs, sizeof address_specs / sizeof *address_specs);
	st.tab[TAB_ORG] = form_new(org_specs, sizeof org_specs / sizeof *org_specs);
	st.tab[TAB_COMMENTS] = form_new(comment_specs, sizeof comment_specs / sizeof *comment_specs);
	st.tab[TAB_NOTES] = form_new(notes_specs, 1);
	for (int i = 0; i < TAB_COUNT; i++)
		form_view_fit(st.tab[i], a->cols);
	st.cur = TAB_PERSONAL;
	st.adding = adding;
	st.error[0] = '\0';
	client_init(&st.base);
	if (c)
		st.base = *c;
	const struct client *b = &st.base;
	char dob[DATE_US_LEN];
	set(TAB_PERSONAL, "family", b->name.family);
	set(TAB_PERSONAL, "given", b->name.given);
	set(TAB_PERSONAL, "middle", b->name.middle);
	set(TAB_PERSONAL, "suffix", b->name.suffix);
	set(TAB_PERSONAL, "dob", date_format_us(b->dob, dob));
	set(TAB_PERSONAL, "sex", client_sex_code(b->sex));
	set(TAB_PERSONAL, "mother_maiden", b->mother_maiden);
	if (b->n_race)
		set(TAB_PERSONAL, "race", b->race[0]);
	set(TAB_PERSONAL, "ethnicity", b->ethnicity);
	const struct identifier *mr = client_find_ident(b, "MR");
	if (mr)
		set(TAB_PERSONAL, "mr", mr->value);
	if (b->n_addr) {
		set(TAB_ADDRESS, "line1", b->addr[0].line1);
		set(TAB_ADDRESS, "city", b->addr[0].city);
		set(TAB_ADDRESS, "state", b->addr[0].state);
		set(TAB_ADDRESS, "zip", b->addr[0].zip);
		set(TAB_ADDRESS, "county", b->addr[0].county);
	}
	set(TAB_ADDRESS, "no_viable_address", b->no_viable_address ? "Y" : "N");
	if (b->n_phone)
		set(TAB_ADDRESS, "phone", b->phone[0].number);
	set(TAB_ORG, "org_status",
	    org_statuses[b->org_status <= ORG_STATUS_DECEASED ? b->org_status : 0].code);
	set(TAB_ORG, "org_status_reason", b->org_status_reason);
	set(TAB_ORG, "schedule", b->tracking_schedule[0] ? b->tracking_schedule : "ACIP");
	set(TAB_ORG, "reminders", b->reminder_recall || adding ? "Y" : "N");
	set(TAB_ORG, "provider", b->primary_provider);
	set(TAB_NOTES, "note", b->note);
	if (b->vital_records_lock) {
		const char *why = "Locked: from vital statistics records";
		lock(TAB_PERSONAL, "family", why);
		lock(TAB_PERSONAL, "given", why);
		lock(TAB_PERSONAL, "middle", why);
		lock(TAB_PERSONAL, "dob", why);
		lock(TAB_PERSONAL, "sex", why);
	}
}

void screen_client_new(struct app *a, const struct client *prefill)
{
	make(a, prefill, true);
	app_push(a, SCREEN_CLIENT_EDIT);
}

void screen_client_edit(struct app *a)
{
	const struct client *c = screen_client_current();
	if (!c)
		return;
	make(a, c, false);
	app_push(a, SCREEN_CLIENT_EDIT);
}

static void get(int tab, const char *id, char *buf, size_t len)
{
	form_view_value(st.tab[tab], id, buf, len);
}

static void build(struct client *c)
{
	*c = st.base;
	char b[64];
	get(TAB_PERSONAL, "family", c->name.family, sizeof c->name.family);
	get(TAB_PERSONAL, "given", c->name.given, sizeof c->name.given);
	get(TAB_PERSONAL, "middle", c->name.middle, sizeof c->name.middle);
	get(TAB_PERSONAL, "suffix", c->name.suffix, sizeof c->name.suffix);
	get(TAB_PERSONAL, "dob", b, sizeof b);
	c->dob = DATE_NONE;
	if (b[0] && date_parse_us(b, &c->dob) != DATE_OK)
		c->dob = DATE_NONE;
	get(TAB_PERSONAL, "sex", b, sizeof b);
	c->sex = client_sex_from_code(b);
	get(TAB_PERSONAL, "mother_maiden", c->mother_maiden, sizeof c->mother_maiden);
	get(TAB_PERSONAL, "race", b, sizeof b);
	if (b[0]) {
		snprintf(c->race[0], sizeof c->race[0], "%.7s", b);
		if (!c->n_race)
			c->n_race = 1;
	}
	get(TAB_PERSONAL, "ethnicity", c->ethnicity, sizeof c->ethnicity);
	get(TAB_PERSONAL, "mr", b, sizeof b);
	if (b[0]) {
		int i;
		for (i = 0; i < c->n_ident && strcmp(c->ident[i].type, "MR"); i++)
			;
		if (i < CLIENT_IDENT_MAX) {
			if (i == c->n_ident)
				c->n_ident++;
			snprintf(c->ident[i].type, sizeof c->ident[i].type, "MR");
			snprintf(c->ident[i].value, sizeof c->ident[i].value, "%.32s", b);
		}
	}
	struct address *ad = &c->addr[0];
	get(TAB_ADDRESS, "line1", ad->line1, sizeof ad->line1);
	get(TAB_ADDRESS, "city", ad->city, sizeof ad->city);
	get(TAB_ADDRESS, "state", ad->state, sizeof ad->state);
	get(TAB_ADDRESS, "zip", ad->zip, sizeof ad->zip);
	get(TAB_ADDRESS, "county", ad->county, sizeof ad->county);
	if (!c->n_addr && (ad->line1[0] || ad->city[0] || ad->zip[0] || ad->county[0]))
		c->n_addr = 1;
	get(TAB_ADDRESS, "no_viable_address", b, sizeof b);
	c->no_viable_address = b[0] == 'Y';
	get(TAB_ADDRESS, "phone", b, sizeof b);
	if (b[0]) {
		char d[16];
		size_t k = 0;
		for (const char *p = b; *p && k + 1 < sizeof d; p++)
			if (*p >= '0' && *p <= '9')
				d[k++] = *p;
		d[k] = '\0';
		snprintf(c->phone[0].number, sizeof c->phone[0].number, "%s", d);
		if (!c->n_phone)
			c->n_phone = 1;
	}
	get(TAB_ORG, "org_status", b, sizeof b);
	for (int i = 0; i < 5; i++)
		if (!strcmp(b, org_statuses[i].code))
			c->org_status = (enum org_status)i;
	get(TAB_ORG, "org_status_reason", c->org_status_reason, sizeof c->org_status_reason);
	get(TAB_ORG, "schedule", c->tracking_schedule, sizeof c->tracking_schedule);
	get(TAB_ORG, "reminders", b, sizeof b);
	c->reminder_recall = b[0] == 'Y';
	get(TAB_ORG, "provider", c->primary_provider, sizeof c->primary_provider);
	get(TAB_NOTES, "note", c->note, sizeof c->note);
	char kind[4], text[VAX_NAME_LEN];
	get(TAB_COMMENTS, "kind", kind, sizeof kind);
	get(TAB_COMMENTS, "text", text, sizeof text);
	if (kind[0] && text[0] && c->n_comment < CLIENT_COMMENT_MAX) {
		struct client_comment *cm = &c->comment[c->n_comment++];
		memset(cm, 0, sizeof *cm);
		cm->kind = kind[0] == 'R'   ? COMMENT_REACTION
		           : kind[0] == 'I' ? COMMENT_IMMUNITY
		           : kind[0] == 'C' ? COMMENT_CONTRAINDICATION
		                            : COMMENT_OTHER;
		snprintf(cm->text, sizeof cm->text, "%s", text);
		get(TAB_COMMENTS, "begin", b, sizeof b);
		cm->begin = cm->end = DATE_NONE;
		if (b[0] && date_parse_us(b, &cm->begin) != DATE_OK)
			cm->begin = DATE_NONE;
	}
}

/* A rule's field ("name.family", "address.county") -> (tab, field id). */
static bool rule_place(const char *field, int *tab, const char **id)
{
	static const struct {
		const char *rule, *id;
		int tab;
	} map[] = {
	    {"name.family", "family", TAB_PERSONAL},
	    {"name.given", "given", TAB_PERSONAL},
	    {"name", "family", TAB_PERSONAL},
	    {"dob", "dob", TAB_PERSONAL},
	    {"sex", "sex", TAB_PERSONAL},
	    {"address.county", "county", TAB_ADDRESS},
	    {"address.zip", "zip", TAB_ADDRESS},
	    {"address.state", "state", TAB_ADDRESS},
	    {"phone", "phone", TAB_ADDRESS},
	};
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (!strcmp(map[i].rule, field)) {
			*tab = map[i].tab;
			*id = map[i].id;
			return true;
		}
	return false;
}

static void save(struct app *a)
{
	/* each tab's own field checks first */
	for (int t = 0; t < TAB_COUNT; t++) {
		size_t bad;
		if (!form_validate(st.tab[t], &bad, NULL)) {
			st.cur = t;
			form_set_focus(st.tab[t], bad);
			app_message(a, MSG_ERROR, "Not saved: correct the fields marked.");
			return;
		}
	}
	struct client c;
	build(&c);
	struct rule_ctx ctx = {
	    .today = screen_client_today(), .codes = screen_client_codes(), .new_record = st.adding};
	struct rule_report rep;
	rules_report_init(&rep);
	rules_check_client(&ctx, &c, &rep);
	bool first = true;
	for (int i = 0; i < rep.n; i++) {
		if (rule_severity(rep.v[i].rule) != RULE_ERROR)
			continue;
		int tab;
		const char *id;
		if (!rule_place(rep.v[i].field, &tab, &id)) {
			snprintf(st.error, sizeof st.error, "%s", rule_message(rep.v[i].rule));
			first = false;
			continue;
		}
		long fi = form_find(st.tab[tab], id);
		if (fi < 0)
			continue;
		form_set_message(st.tab[tab], (size_t)fi, rule_message(rep.v[i].rule));
		if (first) {
			st.cur = tab;
			form_set_focus(st.tab[tab], (size_t)fi);
			app_message(a, MSG_ERROR, "Not saved: %s", rule_message(rep.v[i].rule));
		}
		first = false;
	}
	if (!first)
		return;
	struct capture cap;
	screen_client_capture(a, &cap);
	c.capture = cap;
	struct vax_error err;
	if (!a->store || !cache_save_client(a->store, &c, st.adding ? CACHE_OP_CREATE : CACHE_OP_UPDATE, &cap,
	                                    NULL, &err)) {
		snprintf(st.error, sizeof st.error, "Not saved: %s",
		         a->store ? err.message : "no local store");
		return;
	}
	bool adding = st.adding;
	free_forms();
	app_pop(a);
	if (adding) {
		char key[CACHE_KEY_STR];
		if (cache_client_key(a->store, &c, key))
			screen_client_open(a, key);
	}
	app_message(a, MSG_INFO, "Client saved; waiting to send to the registry.");
}

static void discard_yes(struct app *a)
{
	free_forms();
	app_pop(a);
}

static bool any_dirty(void)
{
	for (int i = 0; i < TAB_COUNT; i++)
		if (st.tab[i] && form_dirty(st.tab[i]))
			return true;
	return false;
}

static unsigned edit_action(struct app *a, enum action act)
{
	struct form *f = st.tab[st.cur];
	if (!f)
		return TUI_UNHANDLED;
	switch (act) {
	case ACTION_NEXT_TAB:
	case ACTION_PREV_TAB:
		st.cur = (st.cur + (act == ACTION_NEXT_TAB ? 1 : TAB_COUNT - 1)) % TAB_COUNT;
		app_dirty(a, DIRTY_BODY);
		return TUI_HANDLED;
	case ACTION_CANCEL:
		if (any_dirty())
			app_confirm(a, "Discard the changes to this client?", discard_yes);
		else
			discard_yes(a);
		return TUI_HANDLED;
	case ACTION_SAVE:
		save(a);
		app_dirty(a, DIRTY_BODY);
		return TUI_HANDLED;
	default:
		break;
	}
	unsigned r = form_view_action(a, f, act);
	if (r & FORM_SUBMIT)
		save(a);
	if (r & FORM_UNHANDLED)
		return TUI_UNHANDLED;
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static unsigned edit_text(struct app *a, wchar_t wc)
{
	if (st.tab[st.cur])
		form_view_text(a, st.tab[st.cur], wc);
	return TUI_HANDLED;
}

static struct form *edit_form(struct app *a)
{
	(void)a;
	return st.tab[st.cur];
}

static void edit_draw(struct app *a, WINDOW *w)
{
	int cols = getmaxx(w), y = 0;
	if (!st.tab[st.cur])
		return;
	char line[256];
	snprintf(line, sizeof line, "%s", st.adding ? "Add Client" : "Edit Client");
	wattrset(w, A_BOLD);
	draw_text(w, y, 1, line, cols - 2);
	wattrset(w, A_NORMAL);
	int x = 14;
	for (int t = 0; t < TAB_COUNT; t++) {
		snprintf(line, sizeof line, t == st.cur ? "[%s]" : " %s ", tab_names[t]);
		wattrset(w, t == st.cur ? term_attr(a, ROLE_FOCUS) : A_NORMAL);
		x += draw_text(w, y, x, line, cols - x - 1) + 1;
	}
	wattrset(w, A_NORMAL);
	y += 2;
	if (st.cur == TAB_COMMENTS) {
		for (int i = 0; i < st.base.n_comment; i++) {
			snprintf(line, sizeof line, "%s: %s",
			         client_comment_kind_label(st.base.comment[i].kind), st.base.comment[i].text);
			draw_text(w, y++, 1, line, cols - 2);
		}
		if (!st.base.n_comment)
			draw_text(w, y++, 1, "No comments on record.", cols - 2);
		y++;
	}
	if (st.cur == TAB_NOTES)
		y = draw_wrapped(w, y, 1, cols - 2,
		                 "The note is visible to every organization that sees this client.") +
		    1;
	y = form_view_draw(a, w, y, st.tab[st.cur], true);
	if (st.error[0]) {
		wattrset(w, term_attr(a, ROLE_ERROR));
		draw_wrapped(w, y + 1, 1, cols - 2, st.error);
		wattrset(w, A_NORMAL);
	}
}

static void edit_cleanup(void)
{
	free_forms();
}

static const enum action edit_actions[] = {ACTION_SAVE,       ACTION_NEXT_TAB, ACTION_PREV_TAB,
                                           ACTION_NEXT_FIELD, ACTION_CANCEL,   ACTION_NONE};

const struct screen_ops screen_client_edit_ops = {
    .name = "client-edit",
    .title = "Client details",
    .keymap = KEYMAP_FORM,
    .phi = true,
    .draw = edit_draw,
    .action = edit_action,
    .text = edit_text,
    .form = edit_form,
    .actions = edit_actions,
    .cleanup = edit_cleanup,
};
