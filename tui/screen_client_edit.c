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
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/county.h"
#include "core/rules.h"
#include "core/vocab.h"
#include "core/xalloc.h"
#include "tui/tui.h"

static const struct form_choice sexes[] = {
    {"F", "Female"}, {"M", "Male"}, {"X", "Nonbinary (X)"}, {"U", "Unknown"}};

/* clang-format off */
static const struct form_field_spec personal_specs[] = {
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
static const char *county_ok(const char *value, const void *ctx, char *buf, size_t len);

static const struct form_field_spec address_specs[] = {
	{ .id = "line1", .label = "Street", .kind = FORM_TEXT, .max_len = 50, .width = 34 },
	{ .id = "city", .label = "City", .kind = FORM_TEXT, .max_len = 50, .width = 24 },
	{ .id = "state", .label = "State", .kind = FORM_CODE, .width = 6 }, /* the states: the instance's */
	{ .id = "zip", .label = "ZIP", .kind = FORM_ZIP },
	/* the state's counties (the instance's list, and ctx: the instance) */
	{ .id = "county", .label = "Residential county", .kind = FORM_TEXT, .max_len = 32, .width = 24,
	  .validate = county_ok },
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

static const char *pick_ok(const char *value, const void *ctx, char *buf, size_t len);

static const struct form_field_spec aka_specs[] = {
	{ .id = "aka_pick", .label = "No. (empty: add)", .kind = FORM_TEXT, .max_len = 1, .width = 3,
	  .validate = pick_ok }, /* ctx: the instance's count listed */
	{ .id = "aka_remove", .label = "Remove", .kind = FORM_YESNO },
	{ .id = "aka_family", .label = "Last name", .kind = FORM_NAME, .max_len = 50 },
	{ .id = "aka_given", .label = "First name", .kind = FORM_NAME, .max_len = 50 },
	{ .id = "aka_middle", .label = "Middle name", .kind = FORM_NAME, .max_len = 50 },
	{ .id = "aka_suffix", .label = "Suffix", .kind = FORM_TEXT, .max_len = 10, .width = 6 },
};
static const struct form_field_spec resp_specs[] = {
	{ .id = "resp_pick", .label = "No. (empty: add)", .kind = FORM_TEXT, .max_len = 1, .width = 3,
	  .validate = pick_ok }, /* ctx: the instance's count listed */
	{ .id = "resp_remove", .label = "Remove", .kind = FORM_YESNO },
	{ .id = "resp_family", .label = "Last name", .kind = FORM_NAME, .max_len = 50 },
	{ .id = "resp_given", .label = "First name", .kind = FORM_NAME, .max_len = 50 },
	{ .id = "resp_rel", .label = "Relationship", .kind = FORM_CODE, .width = 26 },
	{ .id = "resp_phone", .label = "Phone", .kind = FORM_PHONE },
	{ .id = "resp_line1", .label = "Street", .kind = FORM_TEXT, .max_len = 50, .width = 34 },
	{ .id = "resp_city", .label = "City", .kind = FORM_TEXT, .max_len = 50, .width = 24 },
	{ .id = "resp_state", .label = "State", .kind = FORM_CODE, .width = 6 },
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

#define N(x) (sizeof x / sizeof x[0])

/* One open Add / Edit Client: its own forms, the client it started from,
 * and the spec tables its forms point to (wired to its own lists). */
struct edit_view {
	struct form *tab[TAB_COUNT];
	int cur;
	bool adding;
	struct client base; /* the record being edited (or the pre-fill) */
	char error[VAX_ERROR_MSG_LEN + 32];
	int aka_loaded, resp_loaded;     /* which entry the list tab's form holds (0: a new one) */
	int n_aka_listed, n_resp_listed; /* what the "No." fields accept */
	struct client pending;           /* built and checked, waiting for "save without consent?" */
	bool addr_new;                   /* the address typed is a new one: commit() says who entered it */
	struct form_field_spec personal[N(personal_specs)], aka[N(aka_specs)], resp[N(resp_specs)];
	struct form_field_spec address[N(address_specs)];
	struct form_choice races[16], ethnicities[8], relationships[16], states[64];
	size_t n_states;
	char county_state[3]; /* the state the county list was made for */
	struct form_choice *counties;
	char (*county_label)[64];
	const struct county_list *county_list;
};

/* The counties of the state chosen on the Address tab: the county field's
 * list, and what it accepts (a name or FIPS code of that state; any name
 * when the state has no list). */
static const char *county_ok(const char *value, const void *ctx, char *buf, size_t len)
{
	const struct edit_view *v = ctx;
	char state[8] = "";
	long si = form_find(v->tab[1], "state");
	if (si >= 0)
		form_get_value(v->tab[1], (size_t)si, state, sizeof state);
	size_t n;
	if (!v->county_list || !state[0] || !county_of_state(v->county_list, state, &n) ||
	    county_find(v->county_list, state, value))
		return NULL;
	snprintf(buf, len, "Not a county of %s: choose from the list (F4).", state);
	return buf;
}

static void sync_counties(struct edit_view *v)
{
	char state[8] = "";
	long si = form_find(v->tab[1], "state"), ci = form_find(v->tab[1], "county");
	if (si < 0 || ci < 0)
		return;
	form_get_value(v->tab[1], (size_t)si, state, sizeof state);
	if (!strcmp(state, v->county_state))
		return;
	snprintf(v->county_state, sizeof v->county_state, "%s", state);
	size_t n = 0;
	const struct county *c = county_of_state(v->county_list, state, &n);
	free(v->counties);
	free(v->county_label);
	v->counties = xcalloc(n + 1, sizeof *v->counties);
	v->county_label = xcalloc(n + 1, sizeof *v->county_label);
	for (size_t i = 0; i < n; i++) {
		snprintf(v->county_label[i], sizeof v->county_label[i], "%s (FIPS %s)", c[i].census_name,
		         c[i].fips);
		v->counties[i] = (struct form_choice){c[i].name, v->county_label[i]};
	}
	form_set_choices(v->tab[1], (size_t)ci, n ? v->counties : NULL, NULL, n);
}

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

static void free_forms(struct edit_view *v)
{
	for (int i = 0; i < TAB_COUNT; i++)
		form_free(&v->tab[i]);
}

static void set(struct edit_view *v, int tab, const char *id, const char *value)
{
	long i = form_find(v->tab[tab], id);
	if (i >= 0 && value)
		form_set_value(v->tab[tab], (size_t)i, value);
}

static void lock(struct edit_view *v, int tab, const char *id, const char *why)
{
	long i = form_find(v->tab[tab], id);
	if (i >= 0)
		form_set_readonly(v->tab[tab], (size_t)i, true, why);
}

/* The forms of every tab, filled from c (NULL: empty). */
static void make(struct edit_view *v, struct app *a, const struct client *c, bool adding)
{
	size_t n;
	const struct vocab_entry *e = vocab_entries(VOCAB_RACE, &n);
	size_t nr = n < 16 ? n : 16;
	for (size_t i = 0; i < nr; i++)
		v->races[i] = (struct form_choice){e[i].code, e[i].label};
	e = vocab_entries(VOCAB_ETHNICITY, &n);
	size_t ne = n < 8 ? n : 8;
	for (size_t i = 0; i < ne; i++)
		v->ethnicities[i] = (struct form_choice){e[i].code, e[i].label};
	memcpy(v->personal, personal_specs, sizeof v->personal);
	v->personal[7].choices = v->races;
	v->personal[7].n_choices = nr;
	v->personal[8].choices = v->ethnicities;
	v->personal[8].n_choices = ne;
	v->tab[TAB_PERSONAL] = form_new(v->personal, N(personal_specs));
	size_t ns;
	const struct us_state *st = county_states(&ns);
	v->n_states = ns < 64 ? ns : 64;
	for (size_t i = 0; i < v->n_states; i++)
		v->states[i] = (struct form_choice){st[i].code, st[i].name};
	memcpy(v->address, address_specs, sizeof v->address);
	v->address[2].choices = v->states;
	v->address[2].n_choices = v->n_states;
	v->address[4].ctx = v;
	v->county_list = app_counties(a);
	v->tab[TAB_ADDRESS] = form_new(v->address, N(address_specs));
	v->tab[TAB_ORG] = form_new(org_specs, N(org_specs));
	v->tab[TAB_COMMENTS] = form_new(comment_specs, N(comment_specs));
	v->tab[TAB_NOTES] = form_new(notes_specs, 1);
	e = vocab_entries(VOCAB_RELATIONSHIP, &n);
	size_t nrel = n < 16 ? n : 16;
	for (size_t i = 0; i < nrel; i++)
		v->relationships[i] = (struct form_choice){e[i].code, e[i].label};
	memcpy(v->aka, aka_specs, sizeof v->aka);
	v->aka[0].ctx = &v->n_aka_listed;
	memcpy(v->resp, resp_specs, sizeof v->resp);
	v->resp[0].ctx = &v->n_resp_listed;
	v->resp[4].choices = v->relationships;
	v->resp[4].n_choices = nrel;
	v->resp[8].choices = v->states;
	v->resp[8].n_choices = v->n_states;
	v->tab[TAB_AKA] = form_new(v->aka, N(aka_specs));
	v->tab[TAB_RESP] = form_new(v->resp, N(resp_specs));
	v->tab[TAB_CONSENT] = form_new(consent_specs, N(consent_specs));
	v->aka_loaded = v->resp_loaded = 0;
	for (int i = 0; i < TAB_COUNT; i++)
		form_view_fit(v->tab[i], a->cols);
	v->cur = TAB_PERSONAL;
	v->adding = adding;
	v->error[0] = '\0';
	client_init(&v->base);
	if (c)
		v->base = *c;
	const struct client *b = &v->base;
	char dob[DATE_US_LEN], nm[VAX_NAME_LEN * 2];
	/* a name typed in lower case on a search line is written as a name
	 * (o'brien -> O'Brien); one from the registry stays as it is */
	if (adding) {
		form_capitalize_name(b->name.family, nm, sizeof nm);
		set(v, TAB_PERSONAL, "family", nm);
		form_capitalize_name(b->name.given, nm, sizeof nm);
		set(v, TAB_PERSONAL, "given", nm);
		form_capitalize_name(b->name.middle, nm, sizeof nm);
		set(v, TAB_PERSONAL, "middle", nm);
	} else {
		set(v, TAB_PERSONAL, "family", b->name.family);
		set(v, TAB_PERSONAL, "given", b->name.given);
		set(v, TAB_PERSONAL, "middle", b->name.middle);
	}
	set(v, TAB_PERSONAL, "suffix", b->name.suffix);
	set(v, TAB_PERSONAL, "dob", date_format_us(b->dob, dob));
	set(v, TAB_PERSONAL, "sex", client_sex_code(b->sex));
	set(v, TAB_PERSONAL, "mother_maiden", b->mother_maiden);
	if (b->n_race)
		set(v, TAB_PERSONAL, "race", b->race[0]);
	set(v, TAB_PERSONAL, "ethnicity", b->ethnicity);
	const struct identifier *mr = client_find_ident(b, "MR");
	if (mr)
		set(v, TAB_PERSONAL, "mr", mr->value);
	if (b->n_addr) {
		set(v, TAB_ADDRESS, "line1", b->addr[0].line1);
		set(v, TAB_ADDRESS, "city", b->addr[0].city);
		set(v, TAB_ADDRESS, "state", b->addr[0].state);
		set(v, TAB_ADDRESS, "zip", b->addr[0].zip);
	}
	/* a new address is in the registry's state unless someone says otherwise */
	if (!b->n_addr || !b->addr[0].state[0])
		set(v, TAB_ADDRESS, "state", a->cfg.registry_state);
	sync_counties(v);
	if (b->n_addr)
		set(v, TAB_ADDRESS, "county", b->addr[0].county);
	set(v, TAB_ADDRESS, "no_viable_address", b->no_viable_address ? "Y" : "N");
	if (b->n_phone)
		set(v, TAB_ADDRESS, "phone", b->phone[0].number);
	set(v, TAB_ORG, "org_status",
	    org_statuses[b->org_status <= ORG_STATUS_DECEASED ? b->org_status : 0].code);
	set(v, TAB_ORG, "org_status_reason", b->org_status_reason);
	set(v, TAB_ORG, "schedule", b->tracking_schedule[0] ? b->tracking_schedule : "ACIP");
	set(v, TAB_ORG, "reminders", b->reminder_recall || adding ? "Y" : "N");
	set(v, TAB_ORG, "provider", b->primary_provider);
	set(v, TAB_NOTES, "note", b->note);
	v->n_aka_listed = b->n_aka;
	v->n_resp_listed = b->n_resp;
	set(v, TAB_AKA, "aka_remove", "N");
	set(v, TAB_RESP, "resp_remove", "N");
	set(v, TAB_CONSENT, "minor",
	    consent_answers[b->consent.minor <= CONSENT_WITHDRAWN ? b->consent.minor : 0].code);
	set(v, TAB_CONSENT, "adult",
	    consent_answers[b->consent.adult <= CONSENT_WITHDRAWN ? b->consent.adult : 0].code);
	set(v, TAB_CONSENT, "disaster", b->consent.disaster_retention ? "Y" : "N");
	set(v, TAB_CONSENT, "cdate", date_format_us(b->consent.date, dob));
	set(v, TAB_CONSENT, "csource", b->consent.source);
	if (b->vital_records_lock) {
		const char *why = "Locked: from vital statistics records";
		lock(v, TAB_PERSONAL, "family", why);
		lock(v, TAB_PERSONAL, "given", why);
		lock(v, TAB_PERSONAL, "middle", why);
		lock(v, TAB_PERSONAL, "dob", why);
		lock(v, TAB_PERSONAL, "sex", why);
	}
}

static void *edit_open(struct app *a, const void *arg)
{
	const struct open_client_edit *o = arg;
	if (!o || (!o->adding && !o->base) || !app_may_write(a))
		return NULL;
	struct edit_view *v = xcalloc(1, sizeof *v);
	make(v, a, o->base, o->adding);
	return v;
}

static void edit_close(struct screen *s)
{
	struct edit_view *v = s->data;
	free_forms(v);
	free(v->counties);
	free(v->county_label);
	explicit_bzero(v, sizeof *v);
	free(v);
}

static void get(struct edit_view *v, int tab, const char *id, char *buf, size_t len)
{
	form_view_value(v->tab[tab], id, buf, len);
}

/* A state code typed "tx" means TX: the registry's rule wants the USPS
 * code, and refusing the lower case would only make people type it again. */
static void get_state(struct edit_view *v, int tab, const char *id, char *buf, size_t len)
{
	get(v, tab, id, buf, len);
	for (char *p = buf; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
}

static int pick_value(struct edit_view *v, int tab, const char *id)
{
	char b[8];
	get(v, tab, id, b, sizeof b);
	return b[0] >= '1' && b[0] <= '9' && !b[1] ? b[0] - '0' : 0;
}

/* A number typed in a list tab's "No." loads that entry into the form (an
 * empty one clears it for a new entry). */
static void load_picks(struct edit_view *v)
{
	int p = pick_value(v, TAB_AKA, "aka_pick");
	if (p > v->base.n_aka)
		p = 0;
	if (p != v->aka_loaded) {
		static const struct person_name none;
		const struct person_name *n = p ? &v->base.aka[p - 1] : &none;
		set(v, TAB_AKA, "aka_family", n->family);
		set(v, TAB_AKA, "aka_given", n->given);
		set(v, TAB_AKA, "aka_middle", n->middle);
		set(v, TAB_AKA, "aka_suffix", n->suffix);
		set(v, TAB_AKA, "aka_remove", "N");
		v->aka_loaded = p;
	}
	p = pick_value(v, TAB_RESP, "resp_pick");
	if (p > v->base.n_resp)
		p = 0;
	if (p != v->resp_loaded) {
		static const struct responsible_person none;
		const struct responsible_person *r = p ? &v->base.resp[p - 1] : &none;
		set(v, TAB_RESP, "resp_family", r->name.family);
		set(v, TAB_RESP, "resp_given", r->name.given);
		set(v, TAB_RESP, "resp_rel", r->relationship);
		set(v, TAB_RESP, "resp_phone", r->phone.number);
		set(v, TAB_RESP, "resp_line1", r->address.line1);
		set(v, TAB_RESP, "resp_city", r->address.city);
		set(v, TAB_RESP, "resp_state", r->address.state);
		set(v, TAB_RESP, "resp_zip", r->address.zip);
		set(v, TAB_RESP, "resp_remove", r->removed ? "Y" : "N");
		v->resp_loaded = p;
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
static void build_more(struct edit_view *v, struct client *c)
{
	char b[64], rm[4];
	struct person_name n;
	memset(&n, 0, sizeof n);
	get(v, TAB_AKA, "aka_family", n.family, sizeof n.family);
	get(v, TAB_AKA, "aka_given", n.given, sizeof n.given);
	get(v, TAB_AKA, "aka_middle", n.middle, sizeof n.middle);
	get(v, TAB_AKA, "aka_suffix", n.suffix, sizeof n.suffix);
	get(v, TAB_AKA, "aka_remove", rm, sizeof rm);
	int p = pick_value(v, TAB_AKA, "aka_pick");
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
	get(v, TAB_RESP, "resp_family", r.name.family, sizeof r.name.family);
	get(v, TAB_RESP, "resp_given", r.name.given, sizeof r.name.given);
	get(v, TAB_RESP, "resp_rel", r.relationship, sizeof r.relationship);
	get(v, TAB_RESP, "resp_phone", b, sizeof b);
	digits_only(b, r.phone.number, sizeof r.phone.number);
	r.phone.use = PHONE_HOME;
	get(v, TAB_RESP, "resp_line1", r.address.line1, sizeof r.address.line1);
	get(v, TAB_RESP, "resp_city", r.address.city, sizeof r.address.city);
	get_state(v, TAB_RESP, "resp_state", r.address.state, sizeof r.address.state);
	get(v, TAB_RESP, "resp_zip", r.address.zip, sizeof r.address.zip);
	get(v, TAB_RESP, "resp_remove", rm, sizeof rm);
	p = pick_value(v, TAB_RESP, "resp_pick");
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
	get(v, TAB_CONSENT, "minor", b, sizeof b);
	cs.minor = consent_code(b);
	get(v, TAB_CONSENT, "adult", b, sizeof b);
	cs.adult = consent_code(b);
	get(v, TAB_CONSENT, "disaster", b, sizeof b);
	cs.disaster_retention = b[0] == 'Y';
	get(v, TAB_CONSENT, "cdate", b, sizeof b);
	cs.date = DATE_NONE;
	if (b[0] && date_parse_us(b, &cs.date) != DATE_OK)
		cs.date = DATE_NONE;
	get(v, TAB_CONSENT, "csource", cs.source, sizeof cs.source);
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
static void keep_address_history(struct edit_view *v, struct client *c)
{
	v->addr_new = false;
	if (!c->n_addr)
		return;
	struct address typed = c->addr[0];
	if (v->base.n_addr && same_address(&typed, &v->base.addr[0]))
		return;
	if (v->base.n_addr) {
		int keep = v->base.n_addr < CLIENT_ADDR_MAX ? v->base.n_addr : CLIENT_ADDR_MAX - 1;
		memmove(&c->addr[1], &v->base.addr[0], (size_t)keep * sizeof c->addr[0]);
		c->n_addr = keep + 1;
		typed.line2[0] = '\0'; /* not on the form: it belonged to the old address */
	}
	typed.since = app_today();
	memset(&typed.entered, 0, sizeof typed.entered);
	c->addr[0] = typed;
	v->addr_new = true;
}

static void build(struct edit_view *v, struct client *c)
{
	*c = v->base;
	char b[64];
	get(v, TAB_PERSONAL, "family", c->name.family, sizeof c->name.family);
	get(v, TAB_PERSONAL, "given", c->name.given, sizeof c->name.given);
	get(v, TAB_PERSONAL, "middle", c->name.middle, sizeof c->name.middle);
	get(v, TAB_PERSONAL, "suffix", c->name.suffix, sizeof c->name.suffix);
	get(v, TAB_PERSONAL, "dob", b, sizeof b);
	c->dob = DATE_NONE;
	if (b[0] && date_parse_us(b, &c->dob) != DATE_OK)
		c->dob = DATE_NONE;
	get(v, TAB_PERSONAL, "sex", b, sizeof b);
	c->sex = client_sex_from_code(b);
	get(v, TAB_PERSONAL, "mother_maiden", c->mother_maiden, sizeof c->mother_maiden);
	get(v, TAB_PERSONAL, "race", b, sizeof b);
	if (b[0]) {
		snprintf(c->race[0], sizeof c->race[0], "%.7s", b);
		if (!c->n_race)
			c->n_race = 1;
	}
	get(v, TAB_PERSONAL, "ethnicity", c->ethnicity, sizeof c->ethnicity);
	get(v, TAB_PERSONAL, "mr", b, sizeof b);
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
	get(v, TAB_ADDRESS, "line1", ad->line1, sizeof ad->line1);
	get(v, TAB_ADDRESS, "city", ad->city, sizeof ad->city);
	get_state(v, TAB_ADDRESS, "state", ad->state, sizeof ad->state);
	get(v, TAB_ADDRESS, "zip", ad->zip, sizeof ad->zip);
	get(v, TAB_ADDRESS, "county", ad->county, sizeof ad->county);
	if (!c->n_addr && (ad->line1[0] || ad->city[0] || ad->zip[0] || ad->county[0]))
		c->n_addr = 1;
	keep_address_history(v, c);
	get(v, TAB_ADDRESS, "no_viable_address", b, sizeof b);
	c->no_viable_address = b[0] == 'Y';
	get(v, TAB_ADDRESS, "phone", b, sizeof b);
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
	get(v, TAB_ORG, "org_status", b, sizeof b);
	for (int i = 0; i < 5; i++)
		if (!strcmp(b, org_statuses[i].code))
			c->org_status = (enum org_status)i;
	get(v, TAB_ORG, "org_status_reason", c->org_status_reason, sizeof c->org_status_reason);
	get(v, TAB_ORG, "schedule", c->tracking_schedule, sizeof c->tracking_schedule);
	get(v, TAB_ORG, "reminders", b, sizeof b);
	c->reminder_recall = b[0] == 'Y';
	get(v, TAB_ORG, "provider", c->primary_provider, sizeof c->primary_provider);
	get(v, TAB_NOTES, "note", c->note, sizeof c->note);
	char kind[4], text[VAX_NAME_LEN];
	get(v, TAB_COMMENTS, "kind", kind, sizeof kind);
	get(v, TAB_COMMENTS, "text", text, sizeof text);
	if (kind[0] && text[0] && c->n_comment < CLIENT_COMMENT_MAX) {
		struct client_comment *cm = &c->comment[c->n_comment++];
		memset(cm, 0, sizeof *cm);
		cm->kind = kind[0] == 'R'   ? COMMENT_REACTION
		           : kind[0] == 'I' ? COMMENT_IMMUNITY
		           : kind[0] == 'C' ? COMMENT_CONTRAINDICATION
		                            : COMMENT_OTHER;
		snprintf(cm->text, sizeof cm->text, "%s", text);
		get(v, TAB_COMMENTS, "begin", b, sizeof b);
		cm->begin = cm->end = DATE_NONE;
		if (b[0] && date_parse_us(b, &cm->begin) != DATE_OK)
			cm->begin = DATE_NONE;
	}
	build_more(v, c);
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

static void commit(struct edit_view *v, struct app *a);

static void commit_yes(struct app *a, struct screen *s)
{
	commit(s->data, a);
}

/* A new comment needs its kind and its text: build() records only both, so
 * either one alone would be dropped while "Client saved" said otherwise. */
static bool comment_complete(struct edit_view *v, struct app *a)
{
	char kind[4], text[8], since[16];
	get(v, TAB_COMMENTS, "kind", kind, sizeof kind);
	get(v, TAB_COMMENTS, "text", text, sizeof text);
	get(v, TAB_COMMENTS, "begin", since, sizeof since);
	const char *id = NULL, *msg = NULL;
	if (!kind[0] && (text[0] || since[0]))
		id = "kind", msg = "Choose what the comment is about (R, I, C or O).";
	else if (kind[0] && !text[0])
		id = "text", msg = "Enter the comment, or clear its kind.";
	if (!msg)
		return true;
	long fi = form_find(v->tab[TAB_COMMENTS], id);
	v->cur = TAB_COMMENTS;
	if (fi >= 0) {
		form_set_focus(v->tab[TAB_COMMENTS], (size_t)fi);
		form_set_message(v->tab[TAB_COMMENTS], (size_t)fi, msg);
	}
	app_message(a, MSG_ERROR, "Not saved: %s", msg);
	return false;
}

/* The first field with a message, in tab order: where the cursor goes
 * when a save is refused. */
static bool first_marked(struct edit_view *v, int *tab, size_t *field, int *count)
{
	bool found = false;
	*count = 0;
	for (int t = 0; t < TAB_COUNT; t++) {
		for (size_t i = 0; i < form_count(v->tab[t]); i++) {
			const struct form_field *f = form_field_at(v->tab[t], i);
			if (!f->message[0] || f->readonly)
				continue;
			(*count)++;
			if (!found) {
				*tab = t;
				*field = i;
				found = true;
			}
		}
	}
	return found;
}

static void save(struct edit_view *v, struct app *a)
{
	/* everything wrong at once: every tab's own field checks, then the
	 * registry's rules on what the fields hold, each beside its field */
	bool fields_ok = true;
	for (int t = 0; t < TAB_COUNT; t++)
		fields_ok &= form_validate(v->tab[t], NULL, NULL);
	if (fields_ok && !comment_complete(v, a))
		return;
	struct client c;
	build(v, &c);
	struct rule_ctx ctx = {.today = app_today(), .codes = app_codes(a), .new_record = v->adding};
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
			snprintf(v->error, sizeof v->error, "%s", rule_message(rep.v[i].rule));
			first = false;
			continue;
		}
		long fi = form_find(v->tab[tab], id);
		if (fi < 0)
			continue;
		/* a field's own check already said what is wrong there */
		if (!form_field_at(v->tab[tab], (size_t)fi)->message[0])
			form_set_message(v->tab[tab], (size_t)fi, rule_message(rep.v[i].rule));
		first = false;
	}
	int tab, count;
	size_t bad;
	if (!fields_ok || !first) {
		if (first_marked(v, &tab, &bad, &count)) {
			const struct form_field *f = form_field_at(v->tab[tab], bad);
			v->cur = tab;
			/* leaving a field checks it again, as Tab would: its "Required." stays */
			size_t was = form_focus(v->tab[tab]);
			char kept[FORM_MSG_LEN] = "";
			if (was < form_count(v->tab[tab]))
				snprintf(kept, sizeof kept, "%s", form_field_at(v->tab[tab], was)->message);
			form_set_focus(v->tab[tab], bad);
			if (was < form_count(v->tab[tab]) && was != bad && kept[0])
				form_set_message(v->tab[tab], was, kept);
			/* the sentence whole on an 80-column line; the count after it */
			char more[48] = "";
			if (count > 1)
				snprintf(more, sizeof more, " (%d fields marked)", count);
			if (draw_width(f->spec->label) + draw_width(f->message) + draw_width(more) + 20 <=
			    a->cols)
				app_message(a, MSG_ERROR, "Not saved: %s: %s%s", f->spec->label, f->message,
				            more);
			else
				app_message(a, MSG_ERROR, "Not saved: %s%s", f->message, more);
		} else {
			app_message(a, MSG_ERROR, "Not saved: %s", v->error);
		}
		return;
	}
	v->pending = c;
	if (ask_consent) {
		/* a registry keeps a client on consent: asked, never silently skipped */
		app_confirm(a, app_top_screen(a),
		            "No registry consent is recorded (Consent tab). Save this new client without it?",
		            commit_yes);
		return;
	}
	commit(v, a);
}

/* Write the checked client (v->pending) through the outbox. */
static void commit(struct edit_view *v, struct app *a)
{
	struct client c = v->pending;
	struct capture cap;
	app_capture(a, &cap);
	c.capture = cap;
	if (v->addr_new && c.n_addr)
		c.addr[0].entered = cap;
	struct vax_error err;
	struct cache_store *store = app_store(a);
	if (!store ||
	    !cache_save_client(store, &c, v->adding ? CACHE_OP_CREATE : CACHE_OP_UPDATE, &cap, NULL, &err)) {
		snprintf(v->error, sizeof v->error, "Not saved: %s",
		         store ? err.message : "the local store is not open.");
		return;
	}
	bool adding = v->adding;
	char key[CACHE_KEY_STR] = "";
	if (adding && !cache_client_key(store, &c, key))
		key[0] = '\0';
	app_message(a, MSG_INFO, "Client saved; waiting to send to the registry.");
	app_outbox_changed(a);
	app_pop(a); /* v is gone after this */
	/* a new client opens at once, where its first doses are recorded */
	if (key[0])
		app_open(a, SCREEN_CLIENT, key);
}

static void discard_yes(struct app *a, struct screen *s)
{
	(void)s;
	app_pop(a);
}

static bool any_dirty(const struct edit_view *v)
{
	for (int i = 0; i < TAB_COUNT; i++)
		if (v->tab[i] && form_dirty(v->tab[i]))
			return true;
	return false;
}

static unsigned edit_action(struct app *a, struct screen *s, enum action act)
{
	struct edit_view *v = s->data;
	struct form *f = v->tab[v->cur];
	if (!f)
		return TUI_UNHANDLED;
	switch (act) {
	case ACTION_NEXT_TAB:
	case ACTION_PREV_TAB:
		v->cur = (v->cur + (act == ACTION_NEXT_TAB ? 1 : TAB_COUNT - 1)) % TAB_COUNT;
		app_dirty(a, DIRTY_BODY);
		return TUI_HANDLED;
	case ACTION_CANCEL:
		if (any_dirty(v))
			app_confirm(a, s, "Discard the changes to this client?", discard_yes);
		else
			app_pop(a);
		return TUI_HANDLED;
	case ACTION_SAVE:
		save(v, a);
		app_dirty(a, DIRTY_BODY);
		return TUI_HANDLED;
	default:
		break;
	}
	unsigned r = form_view_action(a, f, act);
	load_picks(v);
	sync_counties(v);
	if (r & FORM_SUBMIT)
		save(v, a);
	if (r & FORM_UNHANDLED)
		return TUI_UNHANDLED;
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static unsigned edit_text(struct app *a, struct screen *s, wchar_t wc)
{
	struct edit_view *v = s->data;
	if (v->tab[v->cur]) {
		form_view_text(a, v->tab[v->cur], wc);
		load_picks(v);
		sync_counties(v);
	}
	return TUI_HANDLED;
}

static struct form *edit_form(const struct screen *s)
{
	const struct edit_view *v = s->data;
	return v->tab[v->cur];
}

static bool edit_unsaved(const struct screen *s)
{
	return any_dirty(s->data);
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
static int draw_address_history(struct edit_view *v, struct app *a, WINDOW *w, int y, int cols)
{
	char line[600], when[200];
	if (!v->base.n_addr) {
		draw_text(w, y++, 1, "No address on record.", cols - 2);
		return y + 1;
	}
	address_when(&v->base.addr[0], when, sizeof when);
	snprintf(line, sizeof line,
	         "Current address%s%s. A changed address becomes a new one; the old one is kept.",
	         when[0] ? " " : "", when);
	y = draw_wrapped(w, y, 1, cols - 2, line);
	for (int i = 1; i < v->base.n_addr; i++) {
		const struct address *ad = &v->base.addr[i];
		address_when(ad, when, sizeof when);
		snprintf(line, sizeof line, "Earlier: %s, %s %s %s%s%s%s%s%s", ad->line1, ad->city, ad->state,
		         ad->zip, ad->county[0] ? " (" : "", ad->county, ad->county[0] ? " County)" : "",
		         when[0] ? "; " : "", when);
		draw_words(a, w, y++, 1, line, cols - 2);
	}
	return y + 1;
}

static void edit_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct edit_view *v = s->data;
	int cols = getmaxx(w), y = 0;
	if (!v->tab[v->cur])
		return;
	char line[1024];
	snprintf(line, sizeof line, "%s", v->adding ? "Add Client" : "Edit Client");
	wattrset(w, A_BOLD);
	draw_text(w, y, 1, line, cols - 2);
	wattrset(w, A_NORMAL);
	/* eight tabs do not fit beside the title in 80 columns: their own line */
	int x = 1;
	y++;
	for (int t = 0; t < TAB_COUNT; t++) {
		snprintf(line, sizeof line, t == v->cur ? "[%s]" : " %s ", tab_names[t]);
		wattrset(w, t == v->cur ? term_attr(a, ROLE_FOCUS) : A_NORMAL);
		x += draw_text(w, y, x, line, cols - x - 1);
	}
	wattrset(w, A_NORMAL);
	y += 2;
	if (v->cur == TAB_COMMENTS) {
		for (int i = 0; i < v->base.n_comment; i++) {
			snprintf(line, sizeof line, "%s: %s",
			         client_comment_kind_label(v->base.comment[i].kind), v->base.comment[i].text);
			draw_text(w, y++, 1, line, cols - 2);
		}
		if (!v->base.n_comment)
			draw_text(w, y++, 1, "No comments on record.", cols - 2);
		y++;
	}
	if (v->cur == TAB_AKA) {
		for (int i = 0; i < v->base.n_aka; i++) {
			char name[400];
			client_display_name(&v->base.aka[i], name, sizeof name);
			snprintf(line, sizeof line, "%d. %s", i + 1, name);
			draw_text(w, y++, 1, line, cols - 2);
		}
		if (!v->base.n_aka)
			draw_text(w, y++, 1, "No other names on record.", cols - 2);
		y++;
	}
	if (v->cur == TAB_RESP) {
		for (int i = 0; i < v->base.n_resp; i++) {
			const struct responsible_person *r = &v->base.resp[i];
			char name[400];
			client_display_name(&r->name, name, sizeof name);
			const char *rel = vocab_label(VOCAB_RELATIONSHIP, r->relationship);
			snprintf(line, sizeof line, "%d. %s (%s)%s%s%s", i + 1, name,
			         rel ? rel : r->relationship, r->phone.number[0] ? " " : "", r->phone.number,
			         r->removed ? " - removed; leaves the registry at the next sync" : "");
			draw_text(w, y++, 1, line, cols - 2);
		}
		if (!v->base.n_resp)
			draw_text(w, y++, 1, "No responsible persons on record.", cols - 2);
		y++;
	}
	if (v->cur == TAB_CONSENT) {
		int age = v->base.dob != DATE_NONE ? date_age_years(v->base.dob, app_today()) : -1;
		snprintf(line, sizeof line, "Registry participation: %s.",
		         client_consent_label(&v->base.consent, age));
		y = draw_wrapped(w, y, 1, cols - 2, line) + 1;
	}
	if (v->cur == TAB_ADDRESS && !v->adding)
		y = draw_address_history(v, a, w, y, cols);
	if (v->cur == TAB_ORG) {
		char d[DATE_US_LEN];
		if (v->base.last_notice != DATE_NONE)
			snprintf(line, sizeof line, "Last reminder/recall notice: %s.",
			         date_format_us(v->base.last_notice, d));
		else
			snprintf(line, sizeof line, "No reminder/recall notice sent yet.");
		draw_text(w, y++, 1, line, cols - 2);
		y++;
	}
	if (v->cur == TAB_NOTES)
		y = draw_wrapped(w, y, 1, cols - 2,
		                 "The note is visible to every organization that sees this client.") +
		    1;
	y = form_view_draw(a, w, y, v->tab[v->cur], true);
	if (v->error[0]) {
		wattrset(w, term_attr(a, ROLE_ERROR));
		draw_wrapped(w, y + 1, 1, cols - 2, v->error);
		wattrset(w, A_NORMAL);
	}
}

static const enum action edit_actions[] = {ACTION_SAVE,       ACTION_NEXT_TAB, ACTION_PREV_TAB,
                                           ACTION_NEXT_FIELD, ACTION_CANCEL,   ACTION_NONE};

const struct screen_ops screen_client_edit_ops = {
    .name = "client-edit",
    .title = "Client details",
    .keymap = KEYMAP_FORM,
    .phi = true,
    .open = edit_open,
    .draw = edit_draw,
    .action = edit_action,
    .text = edit_text,
    .form = edit_form,
    .actions = edit_actions,
    .unsaved = edit_unsaved,
    .close = edit_close,
};
