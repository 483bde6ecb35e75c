/* core/rules.c - see rules.h */
#include "core/rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/vocab.h"

#define RULE_ROW(e, code, field, sev, msg) {code, field, sev, msg},
static const struct {
	const char *code;
	const char *field;
	enum rule_severity sev;
	const char *msg;
} rule_table[RULE_COUNT] = {RULE_INFO(RULE_ROW)};
#undef RULE_ROW

/* Pediatric means under 19 at the date given: VFC covers children through
 * age 18, so funding and eligibility must be recorded for them. */
#define PEDIATRIC_YEARS    19
#define DEFAULT_DUP_WINDOW 4

const char *rule_code(enum rule_id r)
{
	return r < RULE_COUNT ? rule_table[r].code : "";
}

const char *rule_message(enum rule_id r)
{
	return r < RULE_COUNT ? rule_table[r].msg : "";
}

const char *rule_field(enum rule_id r)
{
	return r < RULE_COUNT ? rule_table[r].field : "";
}

enum rule_severity rule_severity(enum rule_id r)
{
	return r < RULE_COUNT ? rule_table[r].sev : RULE_ERROR;
}

void rules_report_init(struct rule_report *rep)
{
	memset(rep, 0, sizeof *rep);
}

bool rules_has_errors(const struct rule_report *rep)
{
	for (int i = 0; i < rep->n; i++)
		if (rule_severity(rep->v[i].rule) == RULE_ERROR)
			return true;
	return false;
}

const struct rule_violation *rules_for_field(const struct rule_report *rep, const char *field)
{
	for (int i = 0; i < rep->n; i++)
		if (!strcmp(rep->v[i].field, field))
			return &rep->v[i];
	return NULL;
}

/* field may be NULL for the rule's own; detail is printf-style or NULL. */
static void add(struct rule_report *rep, enum rule_id r, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add(struct rule_report *rep, enum rule_id r, const char *field, const char *fmt, ...)
{
	if (rep->n >= RULES_MAX_VIOLATIONS)
		return;
	struct rule_violation *v = &rep->v[rep->n++];
	v->rule = r;
	v->field = field ? field : rule_field(r);
	v->detail[0] = '\0';
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(v->detail, sizeof v->detail, fmt, ap);
		va_end(ap);
	}
}

/* Letters (any accent), spaces, hyphens and apostrophes, with at least one
 * letter; places also take periods (St. Clair). */
static bool letters_ok(const char *s, bool periods)
{
	bool letter = false, prev_letter = false;
	if (!text_utf8_valid(s))
		return false;
	while (*s) {
		int32_t cp = text_utf8_next(&s);
		char base = text_fold_char(cp);
		if ((base >= 'A' && base <= 'Z') || (base >= 'a' && base <= 'z')) {
			letter = prev_letter = true;
			continue;
		}
		/* combining accents (NFD input) belong to the letter before them */
		if (cp >= 0x300 && cp <= 0x36F && prev_letter)
			continue;
		if (cp == ' ' || cp == '-' || cp == '\'' || cp == 0x2019 || (periods && cp == '.')) {
			prev_letter = false;
			continue;
		}
		return false;
	}
	return letter;
}

bool rules_name_ok(const char *s)
{
	return letters_ok(s, false);
}

/* A county's name: a name's letters and separators, and periods (St. Clair);
 * digits or other signs mean something else was typed there. */
static bool place_name_ok(const char *s)
{
	return letters_ok(s, true);
}

static vax_date min_dob(void)
{
	return date_from_ymd(1890, 1, 1);
}

static void check_name_part(struct rule_report *rep, const char *value, const char *field)
{
	if (value[0] && !rules_name_ok(value))
		add(rep, RULE_NAME_CHARS, field, NULL);
}

static void check_code(struct rule_report *rep, enum vocab v, const char *code, const char *field)
{
	if (code[0] && !vocab_find(v, code))
		add(rep, RULE_CODE_UNKNOWN, field, "'%s' is not a valid %s", code, vocab_name(v));
}

static bool zip_ok(const char *z)
{
	size_t n = strlen(z);
	if (n == 5)
		return strspn(z, "0123456789") == 5;
	if (n == 10)
		return strspn(z, "0123456789") == 5 && z[5] == '-' && strspn(z + 6, "0123456789") == 4;
	if (n == 9)
		return strspn(z, "0123456789") == 9;
	return false;
}

/* FIPS 5-2 state codes: the first two digits of a FIPS county code (HL7
 * messages send counties as these codes, PID-11.9). */
static const struct {
	char usps[3], fips[3];
} state_fips[] = {
    {"AL", "01"}, {"AK", "02"}, {"AZ", "04"}, {"AR", "05"}, {"CA", "06"}, {"CO", "08"}, {"CT", "09"},
    {"DE", "10"}, {"DC", "11"}, {"FL", "12"}, {"GA", "13"}, {"HI", "15"}, {"ID", "16"}, {"IL", "17"},
    {"IN", "18"}, {"IA", "19"}, {"KS", "20"}, {"KY", "21"}, {"LA", "22"}, {"ME", "23"}, {"MD", "24"},
    {"MA", "25"}, {"MI", "26"}, {"MN", "27"}, {"MS", "28"}, {"MO", "29"}, {"MT", "30"}, {"NE", "31"},
    {"NV", "32"}, {"NH", "33"}, {"NJ", "34"}, {"NM", "35"}, {"NY", "36"}, {"NC", "37"}, {"ND", "38"},
    {"OH", "39"}, {"OK", "40"}, {"OR", "41"}, {"PA", "42"}, {"RI", "44"}, {"SC", "45"}, {"SD", "46"},
    {"TN", "47"}, {"TX", "48"}, {"UT", "49"}, {"VT", "50"}, {"VA", "51"}, {"WA", "53"}, {"WV", "54"},
    {"WI", "55"}, {"WY", "56"}, {"AS", "60"}, {"GU", "66"}, {"MP", "69"}, {"PR", "72"}, {"VI", "78"},
};

static bool county_fips(const char *s)
{
	return strlen(s) == 5 && strspn(s, "0123456789") == 5;
}

static void check_address(struct rule_report *rep, const struct address *a)
{
	if (county_fips(a->county)) {
		for (size_t i = 0; i < sizeof state_fips / sizeof *state_fips; i++)
			if (!strcmp(state_fips[i].usps, a->state) &&
			    strncmp(state_fips[i].fips, a->county, 2) != 0)
				add(rep, RULE_COUNTY_STATE, NULL, "county %s, state %s", a->county, a->state);
	} else if (a->county[0] && !place_name_ok(a->county)) {
		add(rep, RULE_COUNTY_FORMAT, NULL, NULL);
	}
	if (a->zip[0] && !zip_ok(a->zip))
		add(rep, RULE_ZIP_FORMAT, NULL, "'%s'", a->zip);
	if (a->state[0] && !(strlen(a->state) == 2 && a->state[0] >= 'A' && a->state[0] <= 'Z' &&
	                     a->state[1] >= 'A' && a->state[1] <= 'Z'))
		add(rep, RULE_STATE_FORMAT, NULL, "'%s'", a->state);
}

static bool phone_ok(const char *number)
{
	char d[32];
	text_digits(number, d, sizeof d);
	/* NANP: 10 digits, area code and exchange never start with 0 or 1 */
	return strlen(d) == 10 && d[0] >= '2' && d[3] >= '2';
}

void rules_check_responsible(const struct responsible_person *rp, struct rule_report *rep)
{
	if (!rp->name.family[0] || !rp->name.given[0])
		add(rep, RULE_RESP_NAME_MISSING, NULL, NULL);
	check_name_part(rep, rp->name.family, "resp.family");
	check_name_part(rep, rp->name.given, "resp.given");
	check_name_part(rep, rp->name.middle, "resp.middle");
	if (!rp->relationship[0])
		add(rep, RULE_RESP_RELATIONSHIP, NULL, NULL);
	if (rp->relationship_v3) {
		/* the v3 RoleCodes of a person responsible for a client */
		static const char *v3[] = {"MTH",     "FTH",     "PRN",    "STPPRN",  "GRPRN",
		                           "GRMTH",   "GRFTH",   "SIB",    "PRNFOST", "MTHFOST",
		                           "FTHFOST", "FAMMEMB", "ONESELF"};
		bool ok = !rp->relationship[0];
		for (size_t i = 0; i < sizeof v3 / sizeof *v3 && !ok; i++)
			ok = !strcmp(v3[i], rp->relationship);
		if (!ok)
			add(rep, RULE_CODE_UNKNOWN, "resp.relationship",
			    "'%s' is not a v3 RoleCode of a responsible person", rp->relationship);
	} else {
		check_code(rep, VOCAB_RELATIONSHIP, rp->relationship, "resp.relationship");
	}
	if (rp->phone.number[0] && !phone_ok(rp->phone.number))
		add(rep, RULE_PHONE_FORMAT, "resp.phone", NULL);
	if (rp->address.zip[0] && !zip_ok(rp->address.zip))
		add(rep, RULE_ZIP_FORMAT, "resp.zip", "'%s'", rp->address.zip);
	if (rp->address.state[0] &&
	    !(strlen(rp->address.state) == 2 && rp->address.state[0] >= 'A' && rp->address.state[0] <= 'Z' &&
	      rp->address.state[1] >= 'A' && rp->address.state[1] <= 'Z'))
		add(rep, RULE_STATE_FORMAT, "resp.state", "'%s'", rp->address.state);
}

void rules_check_consent(const struct rule_ctx *ctx, vax_date dob, const struct consent *cs,
                         struct rule_report *rep)
{
	if (!client_consent_recorded(cs)) {
		if (ctx->new_record)
			add(rep, RULE_CONSENT_MISSING, NULL, NULL);
		return;
	}
	/* the client's own answer counts from the 18th birthday, on the day it was given */
	vax_date when = cs->date != DATE_NONE ? cs->date : ctx->today;
	if (cs->adult != CONSENT_UNKNOWN && dob != DATE_NONE && when != DATE_NONE &&
	    date_add_months(dob, 18, 0) > when)
		add(rep, RULE_CONSENT_ADULT_MINOR, NULL, NULL);
	if ((cs->minor != CONSENT_UNKNOWN || cs->adult != CONSENT_UNKNOWN) && cs->date == DATE_NONE)
		add(rep, RULE_CONSENT_DATE_MISSING, NULL, NULL);
	else if (cs->date != DATE_NONE && ctx->today != DATE_NONE && cs->date > ctx->today)
		add(rep, RULE_CONSENT_DATE_FUTURE, NULL, NULL);
}

void rules_check_client(const struct rule_ctx *ctx, const struct client *c, struct rule_report *rep)
{
	if (!c->name.family[0])
		add(rep, RULE_NAME_FAMILY_MISSING, NULL, NULL);
	if (!c->name.given[0])
		add(rep, RULE_NAME_GIVEN_MISSING, NULL, NULL);
	check_name_part(rep, c->name.family, "name.family");
	check_name_part(rep, c->name.given, "name.given");
	check_name_part(rep, c->name.middle, "name.middle");
	check_name_part(rep, c->mother_maiden, "mother_maiden");
	check_name_part(rep, c->mother_given, "mother_given");
	for (int i = 0; i < c->n_aka; i++) {
		if (!c->aka[i].family[0])
			add(rep, RULE_NAME_FAMILY_MISSING, "aka.family", NULL);
		check_name_part(rep, c->aka[i].family, "aka.family");
		check_name_part(rep, c->aka[i].given, "aka.given");
		check_name_part(rep, c->aka[i].middle, "aka.middle");
	}

	if (c->dob == DATE_NONE)
		add(rep, RULE_DOB_MISSING, NULL, NULL);
	else if (ctx->today != DATE_NONE && c->dob > ctx->today)
		add(rep, RULE_DOB_FUTURE, NULL, NULL);
	else if (c->dob < min_dob())
		add(rep, RULE_DOB_TOO_OLD, NULL, NULL);

	if (c->sex == SEX_NONE)
		add(rep, RULE_SEX_MISSING, NULL, NULL);

	if (ctx->new_record && (c->n_addr == 0 || !c->addr[0].county[0]))
		add(rep, RULE_COUNTY_MISSING, NULL, NULL);
	for (int i = 0; i < c->n_addr; i++)
		check_address(rep, &c->addr[i]);
	for (int i = 0; i < c->n_phone; i++)
		if (!phone_ok(c->phone[i].number))
			add(rep, RULE_PHONE_FORMAT, NULL, NULL);

	for (int i = 0; i < c->n_resp; i++)
		if (!c->resp[i].removed)
			rules_check_responsible(&c->resp[i], rep);

	for (int i = 0; i < c->n_race; i++)
		check_code(rep, VOCAB_RACE, c->race[i], "race");
	check_code(rep, VOCAB_ETHNICITY, c->ethnicity, "ethnicity");
}

static void check_cvx(const struct rule_ctx *ctx, const struct immunization *im, bool administered,
                      struct rule_report *rep)
{
	if (!im->cvx[0]) {
		add(rep, RULE_CVX_MISSING, NULL, NULL);
		return;
	}
	if (!ctx->codes)
		return;
	const struct cvx_info *ci = codes_cvx(ctx->codes, im->cvx);
	if (!ci) {
		add(rep, RULE_CVX_UNKNOWN, NULL, "CVX %s", im->cvx);
		/* the manufacturer is its own code: say at once if it is wrong too */
		if (im->mvx[0] && !codes_mvx(ctx->codes, im->mvx))
			add(rep, RULE_MVX_UNKNOWN, NULL, "MVX %s", im->mvx);
		return;
	}
	if (ci->status == CVX_NEVER_ACTIVE) {
		add(rep, RULE_CVX_NEVER_ACTIVE, NULL, "CVX %s (%s)", ci->code, ci->short_desc);
		return;
	}
	if (administered) {
		if (ci->unspecified)
			add(rep, RULE_CVX_UNSPECIFIED, NULL, "CVX %s (%s)", ci->code, ci->short_desc);
		else if (ci->status != CVX_ACTIVE)
			add(rep, RULE_CVX_NOT_ACTIVE, NULL, "CVX %s (%s)", ci->code, ci->short_desc);
	}
	if (im->mvx[0]) {
		if (!codes_mvx(ctx->codes, im->mvx))
			add(rep, RULE_MVX_UNKNOWN, NULL, "MVX %s", im->mvx);
		else if (!codes_mvx_matches_cvx(ctx->codes, im->cvx, im->mvx))
			add(rep, RULE_MVX_MISMATCH, NULL, "MVX %s does not make CVX %s", im->mvx, im->cvx);
	}
}

/* The NDC, when given: in the code system's form, in CDC's table, for the
 * vaccine the CVX code names. */
static void check_ndc(const struct rule_ctx *ctx, const struct immunization *im, struct rule_report *rep)
{
	if (!im->ndc[0])
		return;
	if (!codes_ndc_form_ok(im->ndc)) {
		add(rep, RULE_NDC_FORMAT, NULL, "'%s'", im->ndc);
		return;
	}
	if (!ctx->codes)
		return;
	const struct ndc_info *n = codes_ndc(ctx->codes, im->ndc);
	if (!n)
		add(rep, RULE_NDC_UNKNOWN, NULL, "NDC %s", im->ndc);
	else if (im->cvx[0] && atoi(n->cvx) != atoi(im->cvx))
		add(rep, RULE_NDC_MISMATCH, NULL, "NDC %s is CVX %s, not %s", im->ndc, n->cvx, im->cvx);
}

void rules_check_immunization(const struct rule_ctx *ctx, vax_date dob, const struct immunization *im,
                              struct rule_report *rep)
{
	/* a refusal records that no dose was given: no lot, no funding */
	bool administered = !im->historical && !im->refused;
	check_ndc(ctx, im, rep);

	if (im->date_given == DATE_NONE)
		add(rep, RULE_SHOT_DATE_MISSING, NULL, NULL);
	else if (ctx->today != DATE_NONE && im->date_given > ctx->today)
		add(rep, RULE_SHOT_FUTURE, NULL, NULL);
	else if (dob != DATE_NONE && im->date_given < dob)
		add(rep, RULE_SHOT_BEFORE_DOB, NULL, NULL);

	if (im->expiration != DATE_NONE && im->date_given != DATE_NONE && im->expiration < im->date_given)
		add(rep, RULE_EXPIRED_BEFORE_SHOT, NULL, NULL);

	check_cvx(ctx, im, administered, rep);

	if (administered && !im->lot[0])
		add(rep, RULE_LOT_MISSING, NULL, NULL);

	bool pediatric = dob != DATE_NONE && im->date_given != DATE_NONE &&
	                 date_age_years(dob, im->date_given) < PEDIATRIC_YEARS;
	if (administered && pediatric) {
		if (!im->funding[0])
			add(rep, RULE_FUNDING_MISSING, NULL, NULL);
		if (!im->vfc[0])
			add(rep, RULE_VFC_MISSING, NULL, NULL);
	}
	check_code(rep, VOCAB_ROUTE, im->route, "route");
	check_code(rep, VOCAB_SITE, im->site, "site");
	check_code(rep, VOCAB_FUNDING, im->funding, "funding");
	check_code(rep, VOCAB_VFC, im->vfc, "vfc");

	if (im->refused) {
		if (!im->refusal_reason[0])
			add(rep, RULE_REFUSAL_REASON_MISSING, NULL, NULL);
		else
			check_code(rep, VOCAB_REFUSAL, im->refusal_reason, "refusal_reason");
	}
	if (im->historical) {
		const struct vocab_entry *e = vocab_find(VOCAB_INFO_SOURCE, im->info_source);
		if (!e || !strcmp(e->code, "00"))
			add(rep, RULE_HISTORICAL_SOURCE, NULL, NULL);
	}
}

static bool same_group(const struct rule_ctx *ctx, const char *a, const char *b)
{
	if (!strcmp(a, b))
		return true;
	return ctx->codes && codes_same_group(ctx->codes, a, b);
}

int rules_check_duplicate(const struct rule_ctx *ctx, const struct immunization *im,
                          const struct immunization *existing, int n, struct rule_report *rep)
{
	int window = ctx->duplicate_window_days > 0 ? ctx->duplicate_window_days : DEFAULT_DUP_WINDOW;
	if (im->refused || im->entered_in_error || im->subpotent || im->date_given == DATE_NONE ||
	    !im->cvx[0])
		return -1;
	for (int i = 0; i < n; i++) {
		const struct immunization *e = &existing[i];
		/* a dose given again after a subpotent one is meant to be there */
		if (e->refused || e->entered_in_error || e->subpotent || e->date_given == DATE_NONE)
			continue;
		if (im->uuid[0] && !strcmp(im->uuid, e->uuid))
			continue; /* the same record, being edited */
		if (abs(date_diff_days(e->date_given, im->date_given)) > window)
			continue;
		if (!same_group(ctx, im->cvx, e->cvx))
			continue;
		char when[DATE_US_LEN];
		add(rep, RULE_DUPLICATE_SHOT, NULL, "CVX %s given %s", e->cvx,
		    date_format_us(e->date_given, when));
		return i;
	}
	return -1;
}
