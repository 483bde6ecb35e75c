/* tui/screen_client_edit.c - Add Client and Edit Client: the demographics
 * in tabs (Personal, Address, Organization, Comments, Notes, AKA names,
 * Responsible persons, Consent), one form per tab, switched with
 * next-tab / prev-tab (F7 / F3: Tab moves between fields). The registry's client rules (core/rules.h) check
 * the whole client on save and put each message beside its field, switching to the tab that holds the first
 * one. Names, date of birth and sex of a client from vital statistics are locked and say why. Saving goes
 * through the outbox (cache_save_client), online or not.
 *
 * The list tabs (AKA names, responsible persons) show what is on record, numbered, above one form: an empty
 * "No." adds a new one; a number loads that one into the form to change it, or to remove it with
 * "Remove" = Y. A number, not a cursor in the list, so every step is a typed field the form checks. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

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

static int n_aka_listed, n_resp_listed; /* what the "No." fields accept */
static const char *pick_ok(const char *value, const void *ctx, char *buf, size_t len);

static const struct form_field_spec aka_specs[] = {
	{ .id = "aka_pick", .label = "No. (empty: add)", .kind = FORM_TEXT, .max_len = 1, .width = 3,
	  .validate = pick_ok, .ctx = &n_aka_listed },
	{ .id = "aka_remove", .label = "Remove", .kind = FORM_YESNO },
	{ .id = "aka_family", .label = "Last name", .kind = FORM_NAME, .max_len = 50 },
	{ .id = "aka_given", .label = "First name", .kind = FORM_NAME, .max_len = 50 },
	{ .id = "aka_middle", .label = "Middle name", .kind = FORM_NAME, .max_len = 50 },
	{ .id = "aka_suffix", .label = "Suffix", .kind = FORM_TEXT, .max_len = 10, .width = 6 },
};
static struct form_choice relationships[16];
static struct form_field_spec resp_specs[] = {
	{ .id = "resp_pick", .label = "No. (empty: add)", .kind = FORM_TEXT, .max_len = 1, .width = 3,
	  .validate = pick_ok, .ctx = &n_resp_listed },
	{ .id = "resp_remove", .label = "Remove", .kind = FORM_YESNO },
	{ .id = "resp_family", .label = "Last name", .kind = FORM_NAME, .max_len = 50 },
	{ .id = "resp_given", .label = "First name", .kind = FORM_NAME, .max_len = 50 },
	{ .id = "resp_rel", .label = "Relationship", .kind = FORM_CODE, .width = 26 },
	{ .id = "resp_phone", .label = "Phone", .kind = FORM_PHONE },
	{ .id = "resp_line1", .label = "Street", .kind = FORM_TEXT, .max_len = 50, .width = 34 },
	{ .id = "resp_city", .label = "City", .kind = FORM_TEXT, .max_len = 50, .width = 24 },
	{ .id = "resp_state", .label = "State", .kind = FORM_TEXT, .max_len = 2, .width = 4 },
	{ .id = "resp_zip", .label = "ZIP", .kind = FORM_ZIP },
};
static const struct form_choice consent_answers[] = {
	{"U", "Unknown (not asked)"}, {"G", "Granted"}, {"R", "Refused"}, {"W", "Withdrawn"}};
static const struct form_field_spec consent_specs[] = {
	{ .id = "minor", .label = "Minor consent", .kind = FORM_CODE, .width = 22, .choices = consent_answers,
	  .n_choices = 4 },
	{ .id = "adult", .label = "Adult consent (18+)", .kind = FORM_CODE, .width = 22,
	  .choices = consent_answers, .n_choices = 4 },
	{ .id = "disaster", .label = "Keep disaster doses", .kind = FORM_YESNO },
	{ .id = "cdate", .label = "Date of answer", .kind = FORM_DATE },
	{ .id = "csource", .label = "Source", .kind = FORM_TEXT, .max_len = 32, .width = 24 },
};
/* clang-format on */

enum {
	TAB_PERSONAL,
	TAB_ADDRESS,
	TAB_ORG,
	TAB_COMMENTS,
	TAB_NOTES,
	TAB_AKA,
	TAB_RESP,
	TAB_CONSENT,
	TAB_COUNT
};
static const char *const tab_names[TAB_COUNT] = {"Personal", "Address", "Org",         "Comments",
                                                 "Notes",    "AKA",     "Responsible", "Consent"};

static struct {
	struct form *tab[TAB_COUNT];
	int cur;
	bool adding;
	struct client base; /* the record being edited (or the pre-fill) */
	char error[VAX_ERROR_MSG_LEN + 32];
	int aka_loaded, resp_loaded; /* which entry the list tab's form holds (0: a new one) */
	struct client pending;       /* built and checked, waiting for "save without consent?" */
	bool addr_new;               /* the address typed is a new one: commit() says who entered it */
} st;

static const char *pick_ok(const char *value, const void *ctx, char *buf, size_t len)
{
	int n = *(const int *)ctx;
	if (!value[0])
		return NULL;
	if (value[0] >= '1' && value[0] - '0' <= n && !value[1])
		return NULL;
	if (!n)
		return "Nothing is listed yet: leave it empty to add one.";
	snprintf(buf, len, "Enter a number from 1 to %d, or leave it empty to add one.", n);
	return buf;
}

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
	e = vocab_entries(VOCAB_RELATIONSHIP, &n);
	size_t nrel = n < 16 ? n : 16;
	for (size_t i = 0; i < nrel; i++)
		relationships[i] = (struct form_choice){e[i].code, e[i].label};
	resp_specs[4].choices = relationships;
	resp_specs[4].n_choices = nrel;
	st.tab[TAB_AKA] = form_new(aka_specs, sizeof aka_specs / sizeof *aka_specs);
	st.tab[TAB_RESP] = form_new(resp_specs, sizeof resp_specs / sizeof *resp_specs);
	st.tab[TAB_CONSENT] = form_new(consent_specs, sizeof consent_specs / sizeof *consent_specs);
	st.aka_loaded = st.resp_loaded = 0;
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
	n_aka_listed = b->n_aka;
	n_resp_listed = b->n_resp;
	set(TAB_AKA, "aka_remove", "N");
	set(TAB_RESP, "resp_remove", "N");
	set(TAB_CONSENT, "minor",
	    consent_answers[b->consent.minor <= CONSENT_WITHDRAWN ? b->consent.minor : 0].code);
	set(TAB_CONSENT, "adult",
	    consent_answers[b->consent.adult <= CONSENT_WITHDRAWN ? b->consent.adult : 0].code);
	set(TAB_CONSENT, "disaster", b->consent.disaster_retention ? "Y" : "N");
	set(TAB_CONSENT, "cdate", date_format_us(b->consent.date, dob));
	set(TAB_CONSENT, "csource", b->consent.source);
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

/* A state code typed "tx" means TX: the registry's rule wants the USPS
 * code, and refusing the lower case would only make people type it again. */
static void get_state(int tab, const char *id, char *buf, size_t len)
{
	get(tab, id, buf, len);
	for (char *p = buf; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
}

static int pick_value(int tab, const char *id)
{
	char b[8];
	get(tab, id, b, sizeof b);
	return b[0] >= '1' && b[0] <= '9' && !b[1] ? b[0] - '0' : 0;
}

/* A number typed in a list tab's "No." loads that entry into the form (an
 * empty one clears it for a new entry). */
static void load_picks(void)
{
	int p = pick_value(TAB_AKA, "aka_pick");
	if (p > st.base.n_aka)
		p = 0;
	if (p != st.aka_loaded) {
		static const struct person_name none;
		const struct person_name *n = p ? &st.base.aka[p - 1] : &none;
		set(TAB_AKA, "aka_family", n->family);
		set(TAB_AKA, "aka_given", n->given);
		set(TAB_AKA, "aka_middle", n->middle);
		set(TAB_AKA, "aka_suffix", n->suffix);
		set(TAB_AKA, "aka_remove", "N");
		st.aka_loaded = p;
	}
	p = pick_value(TAB_RESP, "resp_pick");
	if (p > st.base.n_resp)
		p = 0;
	if (p != st.resp_loaded) {
		static const struct responsible_person none;
		const struct responsible_person *r = p ? &st.base.resp[p - 1] : &none;
		set(TAB_RESP, "resp_family", r->name.family);
		set(TAB_RESP, "resp_given", r->name.given);
		set(TAB_RESP, "resp_rel", r->relationship);
		set(TAB_RESP, "resp_phone", r->phone.number);
		set(TAB_RESP, "resp_line1", r->address.line1);
		set(TAB_RESP, "resp_city", r->address.city);
		set(TAB_RESP, "resp_state", r->address.state);
		set(TAB_RESP, "resp_zip", r->address.zip);
		set(TAB_RESP, "resp_remove", r->removed ? "Y" : "N");
		st.resp_loaded = p;
	}
}

static void digits_only(const char *in, char *out, size_t len)
{
	size_t k = 0;
	for (const char *p = in; *p && k + 1 < len; p++)
		if (*p >= '0' && *p <= '9')
			out[k++] = *p;
	out[k] = '\0';
}

static enum consent_status consent_code(const char *code)
{
	return code[0] == 'G'   ? CONSENT_GRANTED
	       : code[0] == 'R' ? CONSENT_REFUSED
	       : code[0] == 'W' ? CONSENT_WITHDRAWN
	                        : CONSENT_UNKNOWN;
}

/* The list and consent tabs into c. */
static void build_more(struct client *c)
{
	char b[64], rm[4];
	struct person_name n;
	memset(&n, 0, sizeof n);
	get(TAB_AKA, "aka_family", n.family, sizeof n.family);
	get(TAB_AKA, "aka_given", n.given, sizeof n.given);
	get(TAB_AKA, "aka_middle", n.middle, sizeof n.middle);
	get(TAB_AKA, "aka_suffix", n.suffix, sizeof n.suffix);
	get(TAB_AKA, "aka_remove", rm, sizeof rm);
	int p = pick_value(TAB_AKA, "aka_pick");
	if (p > 0 && p <= c->n_aka) {
		if (rm[0] == 'Y') {
			memmove(&c->aka[p - 1], &c->aka[p], (size_t)(c->n_aka - p) * sizeof c->aka[0]);
			c->n_aka--;
		} else {
			c->aka[p - 1] = n;
		}
	} else if (n.family[0] || n.given[0] || n.middle[0]) {
		client_add_aka(c, &n);
	}

	struct responsible_person r;
	memset(&r, 0, sizeof r);
	r.address.since = DATE_NONE;
	get(TAB_RESP, "resp_family", r.name.family, sizeof r.name.family);
	get(TAB_RESP, "resp_given", r.name.given, sizeof r.name.given);
	get(TAB_RESP, "resp_rel", r.relationship, sizeof r.relationship);
	get(TAB_RESP, "resp_phone", b, sizeof b);
	digits_only(b, r.phone.number, sizeof r.phone.number);
	r.phone.use = PHONE_HOME;
	get(TAB_RESP, "resp_line1", r.address.line1, sizeof r.address.line1);
	get(TAB_RESP, "resp_city", r.address.city, sizeof r.address.city);
	get_state(TAB_RESP, "resp_state", r.address.state, sizeof r.address.state);
	get(TAB_RESP, "resp_zip", r.address.zip, sizeof r.address.zip);
	get(TAB_RESP, "resp_remove", rm, sizeof rm);
	p = pick_value(TAB_RESP, "resp_pick");
	if (p > 0 && p <= c->n_resp) {
		struct responsible_person *t = &c->resp[p - 1];
		if (rm[0] == 'Y' && !t->id[0]) {
			/* never reached the registry: nothing to take back there */
			memmove(t, t + 1, (size_t)(c->n_resp - p) * sizeof *t);
			c->n_resp--;
		} else {
			/* the registry's copy is deleted at the next sync; the
			 * version read is what the change builds on (If-Match) */
			snprintf(r.id, sizeof r.id, "%s", t->id);
			snprintf(r.version, sizeof r.version, "%s", t->version);
			snprintf(r.uuid, sizeof r.uuid, "%s", t->uuid);
			r.removed = rm[0] == 'Y';
			*t = r;
		}
	} else if ((r.name.family[0] || r.name.given[0] || r.relationship[0]) &&
	           c->n_resp < CLIENT_RESP_MAX) {
		c->resp[c->n_resp++] = r;
	}

	struct consent cs = c->consent;
	get(TAB_CONSENT, "minor", b, sizeof b);
	cs.minor = consent_code(b);
	get(TAB_CONSENT, "adult", b, sizeof b);
	cs.adult = consent_code(b);
	get(TAB_CONSENT, "disaster", b, sizeof b);
	cs.disaster_retention = b[0] == 'Y';
	get(TAB_CONSENT, "cdate", b, sizeof b);
	cs.date = DATE_NONE;
	if (b[0] && date_parse_us(b, &cs.date) != DATE_OK)
		cs.date = DATE_NONE;
	get(TAB_CONSENT, "csource", cs.source, sizeof cs.source);
	/* an untouched tab of a client without consent records nothing */
	if (client_consent_recorded(&c->consent) || cs.minor || cs.adult || cs.date != DATE_NONE ||
	    cs.source[0] || cs.disaster_retention)
		c->consent = cs;
}

static bool same_address(const struct address *x, const struct address *y)
{
	return !strcmp(x->line1, y->line1) && !strcmp(x->city, y->city) && !strcmp(x->state, y->state) &&
	       !strcmp(x->zip, y->zip) && !strcmp(x->county, y->county);
}

/* A changed address is a move, not a correction of history: the old one
 * goes down the list (with who entered it and since when), the new one is
 * current from today. Registries answer "where did this child live" from
 * that history, so it is never overwritten. */
static void keep_address_history(struct client *c)
{
	st.addr_new = false;
	if (!c->n_addr)
		return;
	struct address typed = c->addr[0];
	if (st.base.n_addr && same_address(&typed, &st.base.addr[0]))
		return;
	if (st.base.n_addr) {
		int keep = st.base.n_addr < CLIENT_ADDR_MAX ? st.base.n_addr : CLIENT_ADDR_MAX - 1;
		memmove(&c->addr[1], &st.base.addr[0], (size_t)keep * sizeof c->addr[0]);
		c->n_addr = keep + 1;
		typed.line2[0] = '\0'; /* not on the form: it belonged to the old address */
	}
	typed.since = screen_client_today();
	memset(&typed.entered, 0, sizeof typed.entered);
	c->addr[0] = typed;
	st.addr_new = true;
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
	get_state(TAB_ADDRESS, "state", ad->state, sizeof ad->state);
	get(TAB_ADDRESS, "zip", ad->zip, sizeof ad->zip);
	get(TAB_ADDRESS, "county", ad->county, sizeof ad->county);
	if (!c->n_addr && (ad->line1[0] || ad->city[0] || ad->zip[0] || ad->county[0]))
		c->n_addr = 1;
	keep_address_history(c);
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
	build_more(c);
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
	    {"aka.family", "aka_family", TAB_AKA},
	    {"aka.given", "aka_given", TAB_AKA},
	    {"aka.middle", "aka_middle", TAB_AKA},
	    {"resp.name", "resp_family", TAB_RESP},
	    {"resp.family", "resp_family", TAB_RESP},
	    {"resp.given", "resp_given", TAB_RESP},
	    {"resp.middle", "resp_family", TAB_RESP},
	    {"resp.relationship", "resp_rel", TAB_RESP},
	    {"resp.phone", "resp_phone", TAB_RESP},
	    {"resp.zip", "resp_zip", TAB_RESP},
	    {"resp.state", "resp_state", TAB_RESP},
	    {"consent.adult", "adult", TAB_CONSENT},
	    {"consent.date", "cdate", TAB_CONSENT},
	};
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (!strcmp(map[i].rule, field)) {
			*tab = map[i].tab;
			*id = map[i].id;
			return true;
		}
	return false;
}

static void commit(struct app *a);

/* A new comment needs its kind and its text: build() records only both, so
 * either one alone would be dropped while "Client saved" said otherwise. */
static bool comment_complete(struct app *a)
{
	char kind[4], text[8], since[16];
	get(TAB_COMMENTS, "kind", kind, sizeof kind);
	get(TAB_COMMENTS, "text", text, sizeof text);
	get(TAB_COMMENTS, "begin", since, sizeof since);
	const char *id = NULL, *msg = NULL;
	if (!kind[0] && (text[0] || since[0]))
		id = "kind", msg = "Choose what the comment is about (R, I, C or O).";
	else if (kind[0] && !text[0])
		id = "text", msg = "Enter the comment, or clear its kind.";
	if (!msg)
		return true;
	long fi = form_find(st.tab[TAB_COMMENTS], id);
	st.cur = TAB_COMMENTS;
	if (fi >= 0) {
		form_set_focus(st.tab[TAB_COMMENTS], (size_t)fi);
		form_set_message(st.tab[TAB_COMMENTS], (size_t)fi, msg);
	}
	app_message(a, MSG_ERROR, "Not saved: %s", msg);
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
	if (!comment_complete(a))
		return;
	struct client c;
	build(&c);
	struct rule_ctx ctx = {
	    .today = screen_client_today(), .codes = screen_client_codes(), .new_record = st.adding};
	struct rule_report rep;
	rules_report_init(&rep);
	rules_check_client(&ctx, &c, &rep);
	rules_check_consent(&ctx, c.dob, &c.consent, &rep);
	bool first = true, ask_consent = false;
	for (int i = 0; i < rep.n; i++) {
		if (rep.v[i].rule == RULE_CONSENT_MISSING)
			ask_consent = true;
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
	st.pending = c;
	if (ask_consent) {
		/* a registry keeps a client on consent: asked, never silently skipped */
		app_confirm(a,
		            "No registry consent is recorded (Consent tab). Save this new client without it?",
		            commit);
		return;
	}
	commit(a);
}

/* Write the checked client (st.pending) through the outbox. */
static void commit(struct app *a)
{
	struct client c = st.pending;
	struct capture cap;
	screen_client_capture(a, &cap);
	c.capture = cap;
	if (st.addr_new && c.n_addr)
		c.addr[0].entered = cap;
	struct vax_error err;
	/* an edit's base is the copy the form began from (cache/store.h) */
	if (!a->store || !(st.adding ? cache_save_client(a->store, &c, CACHE_OP_CREATE, &cap, NULL, &err)
	                             : cache_save_client_edit(a->store, &st.base, &c, &cap, NULL, &err))) {
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
	load_picks();
	if (r & FORM_SUBMIT)
		save(a);
	if (r & FORM_UNHANDLED)
		return TUI_UNHANDLED;
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static unsigned edit_text(struct app *a, wchar_t wc)
{
	if (st.tab[st.cur]) {
		form_view_text(a, st.tab[st.cur], wc);
		load_picks();
	}
	return TUI_HANDLED;
}

static struct form *edit_form(struct app *a)
{
	(void)a;
	return st.tab[st.cur];
}

/* "since 03/01/2020, entered by alice (CLINPENA) on 11/02/2026" */
static void address_when(const struct address *ad, char *buf, size_t len)
{
	char since[DATE_US_LEN + 8] = "", by[VAX_SHORT_LEN * 2 + 48] = "";
	if (ad->since != DATE_NONE) {
		char d[DATE_US_LEN];
		snprintf(since, sizeof since, "since %s", date_format_us(ad->since, d));
	}
	if (ad->entered.user[0]) {
		char on[16] = "";
		if (ad->entered.at > 0) {
			time_t t = (time_t)ad->entered.at;
			struct tm tm;
			localtime_r(&t, &tm);
			strftime(on, sizeof on, " on %m/%d/%Y", &tm);
		}
		snprintf(by, sizeof by, "entered by %s (%s)%s", ad->entered.user, ad->entered.org, on);
	}
	snprintf(buf, len, "%s%s%s", since, since[0] && by[0] ? ", " : "", by);
}

/* The address history, newest first, above the form: who entered each and
 * since when (the current one is what the form below holds). */
static int draw_address_history(struct app *a, WINDOW *w, int y, int cols)
{
	char line[600], when[200];
	if (!st.base.n_addr) {
		draw_text(w, y++, 1, "No address on record.", cols - 2);
		return y + 1;
	}
	address_when(&st.base.addr[0], when, sizeof when);
	snprintf(line, sizeof line,
	         "Current address%s%s. A changed address becomes a new one; the old one is kept.",
	         when[0] ? " " : "", when);
	y = draw_wrapped(w, y, 1, cols - 2, line);
	for (int i = 1; i < st.base.n_addr; i++) {
		const struct address *ad = &st.base.addr[i];
		address_when(ad, when, sizeof when);
		snprintf(line, sizeof line, "Earlier: %s, %s %s %s%s%s%s%s%s", ad->line1, ad->city, ad->state,
		         ad->zip, ad->county[0] ? " (" : "", ad->county, ad->county[0] ? " County)" : "",
		         when[0] ? "; " : "", when);
		draw_words(a, w, y++, 1, line, cols - 2);
	}
	return y + 1;
}

static void edit_draw(struct app *a, WINDOW *w)
{
	int cols = getmaxx(w), y = 0;
	if (!st.tab[st.cur])
		return;
	char line[1024];
	snprintf(line, sizeof line, "%s", st.adding ? "Add Client" : "Edit Client");
	wattrset(w, A_BOLD);
	draw_text(w, y, 1, line, cols - 2);
	wattrset(w, A_NORMAL);
	/* eight tabs do not fit beside the title in 80 columns: their own line */
	int x = 1;
	y++;
	for (int t = 0; t < TAB_COUNT; t++) {
		snprintf(line, sizeof line, t == st.cur ? "[%s]" : " %s ", tab_names[t]);
		wattrset(w, t == st.cur ? term_attr(a, ROLE_FOCUS) : A_NORMAL);
		x += draw_text(w, y, x, line, cols - x - 1);
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
	if (st.cur == TAB_AKA) {
		for (int i = 0; i < st.base.n_aka; i++) {
			char name[400];
			client_display_name(&st.base.aka[i], name, sizeof name);
			snprintf(line, sizeof line, "%d. %s", i + 1, name);
			draw_text(w, y++, 1, line, cols - 2);
		}
		if (!st.base.n_aka)
			draw_text(w, y++, 1, "No other names on record.", cols - 2);
		y++;
	}
	if (st.cur == TAB_RESP) {
		for (int i = 0; i < st.base.n_resp; i++) {
			const struct responsible_person *r = &st.base.resp[i];
			char name[400];
			client_display_name(&r->name, name, sizeof name);
			const char *rel = vocab_label(VOCAB_RELATIONSHIP, r->relationship);
			snprintf(line, sizeof line, "%d. %s (%s)%s%s%s", i + 1, name,
			         rel ? rel : r->relationship, r->phone.number[0] ? " " : "", r->phone.number,
			         r->removed ? " - removed; leaves the registry at the next sync" : "");
			draw_text(w, y++, 1, line, cols - 2);
		}
		if (!st.base.n_resp)
			draw_text(w, y++, 1, "No responsible persons on record.", cols - 2);
		y++;
	}
	if (st.cur == TAB_CONSENT) {
		int age = st.base.dob != DATE_NONE ? date_age_years(st.base.dob, screen_client_today()) : -1;
		snprintf(line, sizeof line, "Registry participation: %s.",
		         client_consent_label(&st.base.consent, age));
		y = draw_wrapped(w, y, 1, cols - 2, line) + 1;
	}
	if (st.cur == TAB_ADDRESS && !st.adding)
		y = draw_address_history(a, w, y, cols);
	if (st.cur == TAB_ORG) {
		char d[DATE_US_LEN];
		if (st.base.last_notice != DATE_NONE)
			snprintf(line, sizeof line, "Last reminder/recall notice: %s.",
			         date_format_us(st.base.last_notice, d));
		else
			snprintf(line, sizeof line, "No reminder/recall notice sent yet.");
		draw_text(w, y++, 1, line, cols - 2);
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
