/* tui/screen_client.c - one client's record, in four parts: who the client
 * is (and how fresh the history is), a line of what can be done, the doses
 * grouped by vaccine group with the registry status of each in words, and
 * what the selected tracking schedule recommends next.
 *
 * The record always comes from the local store: opening a client shows what
 * is cached at once, and when the registry is reachable a read of the
 * Patient, its RelatedPersons, Consent and Immunizations goes into the store
 * and the screen reloads from there. Writes go through the outbox
 * (tui/screen_shot.c, tui/screen_client_edit.c), so online and offline look
 * the same. The forecast runs here (forecast/cdsi.h), so it
 * works offline too. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/fhir_client.h"
#include "core/codes.h"
#include "core/fhir.h"
#include "core/immunization.h"
#include "core/vocab.h"
#include "forecast/cdsi.h"
#include "forecast/school.h"
#include "sys/codeload.h"
#include "tui/tui.h"

#define STALE_AFTER_S (24 * 3600) /* history older than a day: warn before recording */

struct row {
	int imm;           /* index into st.imms */
	const char *group; /* vaccine group name (codes table) */
};

static struct {
	char want[VAX_ID_LEN];   /* what was asked for: registry id or row key */
	char key[CACHE_KEY_STR]; /* the client's row key; "" if not found */
	bool loaded;
	struct client cl;
	int64_t as_of; /* when the history was pulled; 0 unknown */
	struct immunization *imms;
	int n_imms;
	struct row *rows;
	int n_rows;
	int sel;     /* selected row */
	int top;     /* first row shown */
	bool school; /* Texas school schedule instead of ACIP */
	struct cdsi_result fc;
	bool have_fc;
	char fc_error[VAX_ERROR_MSG_LEN + 64];
	struct cdsi_dose *doses; /* what the forecast saw; doses[i] <- imms[dose_imm[i]] */
	int *dose_imm;
	size_t n_doses;
	struct school_report school_rep; /* st.school: the Texas check */
	bool have_school;
	int grade;
	struct api_req *req; /* the registry read in flight */
	bool fetching;
	char note[VAX_ERROR_MSG_LEN + 64]; /* why the record is what it is (not found, offline) */
} st;

static const char reading_msg[] = "Reading the client from the registry...";

/* The read is over: its "Reading..." line goes (a message put there since,
 * such as an error, stays). */
static void fetch_over(struct app *a)
{
	st.fetching = false;
	if (!strcmp(a->msg, reading_msg)) {
		a->msg[0] = '\0';
		app_dirty(a, DIRTY_MSG);
	}
}

static struct codes *codes; /* the CDC tables, loaded once */
static bool codes_tried;
static struct cdsi_data *cdsi; /* CDSi supporting data, loaded once */
static bool cdsi_tried;
static struct school_reqs *texas; /* Texas school requirements, loaded once */
static bool texas_tried;

const struct codes *screen_client_codes(void)
{
	if (!codes_tried) {
		codes_tried = true;
		struct vax_error err;
		codes = codeload_default(&err);
	}
	return codes;
}

static const struct cdsi_data *cdsi_get(void)
{
	if (!cdsi_tried) {
		cdsi_tried = true;
		char dir[1024];
		struct vax_error err;
		cdsi = cdsi_data_load(cdsi_data_dir(dir, sizeof dir), &err);
		if (!cdsi)
			snprintf(st.fc_error, sizeof st.fc_error, "Forecast unavailable: %s", err.message);
	}
	return cdsi;
}

vax_date screen_client_today(void)
{
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	return date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

const struct client *screen_client_current(void)
{
	return st.loaded ? &st.cl : NULL;
}

const char *screen_client_key(void)
{
	return st.loaded ? st.key : NULL;
}

int screen_client_doses(const struct immunization **out)
{
	*out = st.imms;
	return st.loaded ? st.n_imms : 0;
}

bool screen_client_stale(struct app *a)
{
	if (!st.loaded || !a->store)
		return false;
	return cache_is_stale(a->store, st.key, (int64_t)time(NULL), STALE_AFTER_S);
}

void screen_client_capture(struct app *a, struct capture *cap)
{
	memset(cap, 0, sizeof *cap);
	snprintf(cap->user, sizeof cap->user, "%.*s", (int)sizeof cap->user - 1, app_user(a));
	snprintf(cap->org, sizeof cap->org, "%.*s", (int)sizeof cap->org - 1, app_org(a));
	snprintf(cap->workstation, sizeof cap->workstation, "%.*s", (int)sizeof cap->workstation - 1,
	         a->cfg.workstation);
	cap->at = (int64_t)time(NULL);
}

/* ---- loading ------------------------------------------------------------------ */

static void forecast_free(void)
{
	if (st.have_fc)
		cdsi_result_free(&st.fc);
	st.have_fc = false;
	if (st.have_school)
		school_report_free(&st.school_rep);
	st.have_school = false;
	free(st.doses);
	free(st.dose_imm);
	st.doses = NULL;
	st.dose_imm = NULL;
	st.n_doses = 0;
}

static void record_free(void)
{
	forecast_free();
	free(st.imms);
	free(st.rows);
	st.imms = NULL;
	st.rows = NULL;
	st.n_imms = st.n_rows = 0;
	st.loaded = false;
}

static int row_cmp(const void *pa, const void *pb)
{
	const struct row *x = pa, *y = pb;
	int c = strcmp(x->group, y->group);
	if (c)
		return c;
	vax_date dx = st.imms[x->imm].date_given, dy = st.imms[y->imm].date_given;
	return dx < dy ? -1 : dx > dy;
}

static void run_forecast(void)
{
	forecast_free();
	st.fc_error[0] = '\0';
	const struct cdsi_data *d = cdsi_get();
	if (!d || st.cl.dob == DATE_NONE) {
		if (d)
			snprintf(st.fc_error, sizeof st.fc_error,
			         "No forecast: the date of birth is missing.");
		return;
	}
	st.doses = calloc((size_t)st.n_imms + 1, sizeof *st.doses);
	st.dose_imm = calloc((size_t)st.n_imms + 1, sizeof *st.dose_imm);
	if (!st.doses || !st.dose_imm)
		return;
	for (int i = 0; i < st.n_imms; i++) {
		const struct immunization *im = &st.imms[i];
		if (im->refused || im->entered_in_error || im->date_given == DATE_NONE)
			continue;
		struct cdsi_dose *cd = &st.doses[st.n_doses];
		cd->date = im->date_given;
		cd->cvx = atoi(im->cvx);
		snprintf(cd->mvx, sizeof cd->mvx, "%s", im->mvx);
		cd->lot_expiration = im->expiration;
		cd->substandard = im->subpotent;
		st.dose_imm[st.n_doses++] = i;
	}
	struct cdsi_patient p = {
	    .dob = st.cl.dob,
	    .gender = st.cl.sex == SEX_FEMALE ? 'F'
	              : st.cl.sex == SEX_MALE ? 'M'
	                                      : 'U',
	    .doses = st.doses,
	    .ndoses = st.n_doses,
	};
	struct vax_error err;
	if (cdsi_evaluate(d, &p, screen_client_today(), -1, &st.fc, &err))
		st.have_fc = true;
	else
		snprintf(st.fc_error, sizeof st.fc_error, "No forecast: %s", err.message);
	if (!st.school || !st.have_fc)
		return;
	if (!texas_tried) {
		texas_tried = true;
		char path[1024];
		texas = school_load(school_texas_path(path, sizeof path), d, &err);
	}
	if (!texas) {
		snprintf(st.fc_error, sizeof st.fc_error, "The Texas school requirements could not be read.");
		return;
	}
	/* the grade from the age on September 1 of this school year: 5 is K */
	int y, m, day;
	vax_date today = screen_client_today();
	date_to_ymd(today, &y, &m, &day);
	vax_date sept1 = date_from_ymd(m >= 9 ? y : y - 1, 9, 1);
	int age = date_age_years(st.cl.dob, sept1);
	st.grade = age < 5 ? SCHOOL_GRADE_PK : age - 5 > 12 ? 12 : age - 5;
	if (school_check(texas, d, &p, st.grade, today, &st.school_rep, &err))
		st.have_school = true;
	else
		snprintf(st.fc_error, sizeof st.fc_error, "No school check: %s", err.message);
}

/* (Re)read the client and its doses from the store. */
static void load_from_store(struct app *a)
{
	record_free();
	st.key[0] = '\0';
	if (!a->store || !cache_unlocked(a->store)) {
		snprintf(st.note, sizeof st.note, "The local store is not open.");
		return;
	}
	char key[CACHE_KEY_STR];
	struct vax_error err;
	if (!cache_find_rid(a->store, st.want, key))
		snprintf(key, sizeof key, "%.*s", (int)sizeof key - 1, st.want);
	client_init(&st.cl);
	if (!cache_get_client(a->store, key, &st.cl, &st.as_of, &err)) {
		if (!st.fetching)
			snprintf(st.note, sizeof st.note, "This client is not on this workstation%s.",
			         a->net == NET_ONLINE ? "" : " and the registry cannot be reached");
		return;
	}
	snprintf(st.key, sizeof st.key, "%s", key);
	st.loaded = true;
	int n = cache_client_immunizations(a->store, key, &st.imms, &err);
	st.n_imms = n < 0 ? 0 : n;
	st.rows = calloc((size_t)st.n_imms + 1, sizeof *st.rows);
	const struct codes *c = screen_client_codes();
	for (int i = 0; i < st.n_imms && st.rows; i++) {
		if (st.imms[i].entered_in_error)
			continue; /* deleted: kept for the registry, not shown */
		const char *g[4];
		int ng = c ? codes_vaccine_groups(c, st.imms[i].cvx, g, 4) : 0;
		st.rows[st.n_rows].imm = i;
		st.rows[st.n_rows].group = st.imms[i].refused ? "Refusals" : ng > 0 ? g[0] : "Other";
		st.n_rows++;
	}
	if (st.rows)
		qsort(st.rows, (size_t)st.n_rows, sizeof *st.rows, row_cmp);
	if (st.sel >= st.n_rows)
		st.sel = st.n_rows ? st.n_rows - 1 : 0;
	run_forecast();
}

void screen_client_reload(struct app *a)
{
	/* a client created here is found again by its row key */
	if (st.key[0])
		snprintf(st.want, sizeof st.want, "%s", st.key);
	load_from_store(a);
	app_dirty(a, DIRTY_BODY);
}

static void imm_done(struct api_req *r, const struct api_result *res, void *arg)
{
	struct app *a = arg;
	app_note_result(a, res);
	struct api_bundle b;
	struct vax_error err;
	if (res->cls == API_OK && api_fhir_read_bundle(res, &b, &err)) {
		for (int i = 0; i < b.n; i++) {
			struct immunization im;
			imm_init(&im);
			if (b.entry[i].resource &&
			    fhir_immunization_from_json(b.entry[i].resource, &im, &err))
				cache_put_immunization(a->store, &im, NULL, &err);
		}
		api_bundle_free(&b);
	}
	(void)r;
	fetch_over(a);
	load_from_store(a);
	app_dirty(a, DIRTY_SCREEN);
}

/* The registry's client is read in three requests: Patient, its
 * RelatedPersons, its Consent; only then does it go into the store. */
static struct client fetched;
static bool fetched_resp_ok;

static void consent_done(struct api_req *r, const struct api_result *res, void *arg);
static void patient_stored(struct app *a);

/* A failed read keeps what the store had, rather than an empty list. */
static void keep_cached_extras(void)
{
	if (!st.loaded || strcmp(st.cl.id, fetched.id))
		return;
	memcpy(fetched.resp, st.cl.resp, sizeof fetched.resp);
	fetched.n_resp = st.cl.n_resp;
	fetched.consent = st.cl.consent;
}

/* The client's responsible persons or consent, read after the Patient
 * (fetched) and before it is stored; without an answer the cached ones stay. */
static void read_companions(struct app *a, const char *type, api_done_fn done)
{
	struct vax_error err;
	struct api_fhir_param p[] = {{"patient", fetched.id}, {"_count", "50"}};
	struct api_req *nr = api_fhir_search_req(a->conn, type, p, 2, &err);
	if (nr && api_req_send(nr, done, a)) {
		api_req_free(st.req);
		st.req = nr;
		return;
	}
	api_req_free(nr);
	keep_cached_extras();
	patient_stored(a);
}

static void related_done(struct api_req *r, const struct api_result *res, void *arg)
{
	struct app *a = arg;
	(void)r;
	app_note_result(a, res);
	struct api_bundle b;
	struct vax_error err;
	fetched_resp_ok = false;
	if (res->cls == API_OK && api_fhir_read_bundle(res, &b, &err)) {
		fetched.n_resp = 0;
		for (int i = 0; i < b.n && fetched.n_resp < CLIENT_RESP_MAX; i++)
			if (b.entry[i].resource &&
			    fhir_related_person_from_json(b.entry[i].resource, &fetched.resp[fetched.n_resp],
			                                  NULL, 0, &err))
				fetched.n_resp++;
		api_bundle_free(&b);
		fetched_resp_ok = true;
	}
	read_companions(a, "Consent", consent_done);
}

static void consent_done(struct api_req *r, const struct api_result *res, void *arg)
{
	struct app *a = arg;
	(void)r;
	app_note_result(a, res);
	struct api_bundle b;
	struct vax_error err;
	if (fetched_resp_ok && res->cls == API_OK && api_fhir_read_bundle(res, &b, &err)) {
		/* more than one: the latest answer stands */
		memset(&fetched.consent, 0, sizeof fetched.consent);
		fetched.consent.date = DATE_NONE;
		for (int i = 0; i < b.n; i++) {
			struct consent cs;
			if (b.entry[i].resource &&
			    fhir_consent_from_json(b.entry[i].resource, &cs, NULL, 0, &err) &&
			    (!fetched.consent.id[0] || cs.date >= fetched.consent.date))
				fetched.consent = cs;
		}
		api_bundle_free(&b);
	} else {
		keep_cached_extras();
	}
	patient_stored(a);
}

static void patient_done(struct api_req *r, const struct api_result *res, void *arg)
{
	struct app *a = arg;
	(void)r;
	app_note_result(a, res);
	struct vax_error err;
	if (res->cls == API_OK && api_fhir_read_patient(res, &fetched, &err)) {
		read_companions(a, "RelatedPerson", related_done);
		return;
	} else if (res->cls != API_OK && res->cls != API_OFFLINE) {
		snprintf(st.note, sizeof st.note, "The registry could not send this client: %s",
		         res->err.message);
	}
	fetch_over(a);
	load_from_store(a);
	app_dirty(a, DIRTY_SCREEN);
}

static void patient_stored(struct app *a)
{
	struct client cl = fetched;
	struct vax_error err;
	if (cache_put_client(a->store, &cl, (int64_t)time(NULL), NULL, &err)) {
		struct api_fhir_param p[] = {{"patient", st.want}, {"_count", "500"}};
		struct api_req *nr = api_fhir_search_req(a->conn, "Immunization", p, 2, &err);
		if (nr && api_req_send(nr, imm_done, a)) {
			/* freed on the next open or at exit; r is ours to free now */
			api_req_free(st.req);
			st.req = nr;
			return;
		}
		api_req_free(nr);
	}
	fetch_over(a);
	load_from_store(a);
	app_dirty(a, DIRTY_SCREEN);
}

/* Ask the registry for a fresh copy (registry ids only; not while offline). */
static void fetch(struct app *a)
{
	if (!a->conn || a->offline_session || a->net == NET_OFFLINE || a->net == NET_MAINTENANCE ||
	    !st.want[0] || !a->store || !cache_unlocked(a->store))
		return;
	/* a local row key (a uuid or "r"+hash) is not a registry id */
	if (st.loaded && !st.cl.id[0])
		return;
	const char *rid = st.loaded ? st.cl.id : st.want;
	if (rid != st.want)
		snprintf(st.want, sizeof st.want, "%s", rid);
	struct vax_error err;
	api_req_free(st.req);
	st.req = api_fhir_read_req(a->conn, "Patient", st.want, NULL, &err);
	if (st.req && api_req_send(st.req, patient_done, a)) {
		st.fetching = true;
		app_message(a, MSG_INFO, "%s", reading_msg);
	}
}

void screen_client_open(struct app *a, const char *registry_id_or_uuid)
{
	api_req_free(st.req);
	st.req = NULL;
	st.fetching = false;
	snprintf(st.want, sizeof st.want, "%s", registry_id_or_uuid ? registry_id_or_uuid : "");
	st.note[0] = '\0';
	st.sel = st.top = 0;
	st.school = false;
	load_from_store(a);
	if (st.loaded && !strcmp(st.cl.tracking_schedule, "TX-SCHOOL")) {
		st.school = true;
		run_forecast();
	}
	fetch(a);
	app_push(a, SCREEN_CLIENT);
}

/* ---- words --------------------------------------------------------------------- */

/* The newest outbox entry for a record, or NULL; e is filled. */
static bool outbox_state(struct app *a, const char *rec_key, struct cache_entry *e)
{
	struct cache_entry *list;
	struct vax_error err;
	int n = cache_outbox_list(a->store, 0, &list, &err);
	bool found = false;
	for (int i = 0; i < n; i++)
		if (!strcmp(list[i].rec_key, rec_key)) {
			*e = list[i];
			found = true;
		}
	if (n > 0)
		free(list);
	return found;
}

const char *screen_client_state_words(enum cache_state s)
{
	switch (s) {
	case CACHE_PENDING:
	case CACHE_SENDING:
		return "Waiting to send";
	case CACHE_ACCEPTED:
		return "Accepted";
	case CACHE_REJECTED:
		return "Rejected";
	case CACHE_CONFLICT:
		return "Conflict";
	case CACHE_NEEDS_REVIEW:
		return "Needs review";
	case CACHE_DISCARDED:
		return "Discarded";
	}
	return "?";
}

static const char *dose_status(struct app *a, const struct immunization *im)
{
	char key[CACHE_KEY_STR];
	struct cache_entry e;
	if (a->store && cache_imm_key(a->store, im, key) && outbox_state(a, key, &e))
		return screen_client_state_words(e.state);
	return im->id[0] ? "Accepted" : "Not sent";
}

/* How the forecast counted dose imms[i]: "2 of 4", "NOT VALID", "". */
static const struct cdsi_dose_eval *dose_eval(int imm)
{
	if (!st.have_fc)
		return NULL;
	for (size_t d = 0; d < st.n_doses; d++) {
		if (st.dose_imm[d] != imm)
			continue;
		const struct cdsi_dose_eval *best = NULL;
		for (size_t g = 0; g < st.fc.ngroups; g++)
			for (size_t k = 0; k < st.fc.groups[g].nevals; k++) {
				const struct cdsi_dose_eval *ev = &st.fc.groups[g].evals[k];
				if (ev->dose != d || ev->status == CDSI_EVAL_NONE)
					continue;
				/* a dose that counts somewhere is shown as counting */
				if (!best ||
				    (best->status != CDSI_EVAL_VALID && ev->status == CDSI_EVAL_VALID))
					best = ev;
			}
		return best;
	}
	return NULL;
}

static void eval_label(const struct cdsi_dose_eval *ev, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!ev)
		return;
	if (ev->status == CDSI_EVAL_VALID && ev->dose_number > 0) {
		if (ev->series_doses > 0)
			snprintf(buf, len, "%d of %d", ev->dose_number, ev->series_doses);
		else
			snprintf(buf, len, "dose %d", ev->dose_number);
	} else if (ev->status == CDSI_EVAL_VALID) {
		snprintf(buf, len, "Valid");
	} else if (ev->status == CDSI_EVAL_NOT_VALID) {
		snprintf(buf, len, "NOT VALID");
	} else {
		snprintf(buf, len, "%s", cdsi_eval_status_name(ev->status));
	}
}

/* ---- drawing --------------------------------------------------------------------- */

static int draw_heading(struct app *a, WINDOW *w, int y, const char *title)
{
	int cols = getmaxx(w);
	wattrset(w, term_attr(a, ROLE_TITLE));
	char t[160];
	snprintf(t, sizeof t, " %s ", title);
	for (int x = 0; x < cols; x++)
		mvwaddch(w, y, x, ' ');
	draw_text(w, y, 1, t, cols - 2);
	wattrset(w, A_NORMAL);
	return y + 1;
}

static int draw_info(struct app *a, WINDOW *w, int y)
{
	int cols = getmaxx(w);
	char name[400], dob[DATE_US_LEN], line[1024];
	client_display_name(&st.cl.name, name, sizeof name);
	vax_date today = screen_client_today();
	int years = st.cl.dob != DATE_NONE ? date_age_years(st.cl.dob, today) : 0;
	int months = st.cl.dob != DATE_NONE ? date_age_months(st.cl.dob, today) % 12 : 0;
	date_format_us(st.cl.dob, dob);
	wattrset(w, A_BOLD);
	draw_words(a, w, y, 1, name, cols - 2);
	wattrset(w, A_NORMAL);
	snprintf(line, sizeof line, "Born %s (age %dy %dm)  Sex: %s", dob[0] ? dob : "unknown", years, months,
	         client_sex_label(st.cl.sex));
	int x = draw_width(name) + 3;
	if (x < cols - 2)
		draw_words(a, w, y, x, line, cols - 2 - x);
	y++;
	int n = snprintf(line, sizeof line, "Registry ID: %s", st.cl.id[0] ? st.cl.id : "not yet assigned");
	for (int i = 0; i < st.cl.n_ident && n < (int)sizeof line; i++)
		if (strcmp(st.cl.ident[i].type, "SR"))
			n += snprintf(line + n, sizeof line - (size_t)n, "  %s: %s", st.cl.ident[i].type,
			              st.cl.ident[i].value);
	if (n < (int)sizeof line)
		snprintf(line + n, sizeof line - (size_t)n, "  Status here: %s",
		         client_org_status_label(st.cl.org_status));
	draw_words(a, w, y++, 1, line, cols - 2);
	if (st.cl.n_aka) {
		n = snprintf(line, sizeof line, "Also known as:");
		for (int i = 0; i < st.cl.n_aka && n < (int)sizeof line; i++) {
			char nm[400];
			client_display_name(&st.cl.aka[i], nm, sizeof nm);
			n += snprintf(line + n, sizeof line - (size_t)n, "%s %s", i ? ";" : "", nm);
		}
		draw_words(a, w, y++, 1, line, cols - 2);
	}
	bool any = false;
	n = snprintf(line, sizeof line, "Responsible:");
	for (int i = 0; i < st.cl.n_resp && n < (int)sizeof line; i++) {
		const struct responsible_person *r = &st.cl.resp[i];
		if (r->removed)
			continue;
		char nm[400];
		const char *rel = vocab_label(VOCAB_RELATIONSHIP, r->relationship);
		client_display_name(&r->name, nm, sizeof nm);
		n += snprintf(line + n, sizeof line - (size_t)n, "%s %s (%s)%s%s", any ? ";" : "", nm,
		              rel ? rel : r->relationship, r->phone.number[0] ? " " : "", r->phone.number);
		any = true;
	}
	if (any)
		draw_words(a, w, y++, 1, line, cols - 2);
	char when[64] = "";
	if (st.as_of > 0) {
		time_t t = (time_t)st.as_of;
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(when, sizeof when, "%m/%d/%Y %H:%M", &tm);
	}
	if (when[0])
		snprintf(line, sizeof line, "History as of %s%s", when, st.fetching ? "; reading..." : "");
	else
		snprintf(line, sizeof line, "History: recorded here only");
	int hx = draw_words(a, w, y, 1, line, cols - 2) + 3;
	/* consent in words on the same line: a refusal or withdrawal changes what may be recorded */
	n = snprintf(line, sizeof line, "Consent: %s",
	             client_consent_label(&st.cl.consent, st.cl.dob != DATE_NONE ? years : -1));
	if (client_consent_recorded(&st.cl.consent) && st.cl.consent.date != DATE_NONE) {
		char cd[DATE_US_LEN];
		snprintf(line + n, sizeof line - (size_t)n, " (%s%s%s)",
		         date_format_us(st.cl.consent.date, cd), st.cl.consent.source[0] ? ", " : "",
		         st.cl.consent.source);
	}
	if (st.cl.consent.minor == CONSENT_REFUSED || st.cl.consent.minor == CONSENT_WITHDRAWN ||
	    st.cl.consent.adult == CONSENT_REFUSED || st.cl.consent.adult == CONSENT_WITHDRAWN)
		wattrset(w, term_attr(a, ROLE_ERROR));
	if (hx < cols - 2)
		draw_words(a, w, y, hx, line, cols - 2 - hx);
	wattrset(w, A_NORMAL);
	y++;
	if (screen_client_stale(a)) {
		wattrset(w, term_attr(a, ROLE_ERROR));
		draw_words(a, w, y++, 1,
		           "Warning: this history may be out of date; the registry may hold newer doses.",
		           cols - 2);
		wattrset(w, A_NORMAL);
	}
	for (int i = 0; i < st.cl.n_comment; i++) {
		char c[300];
		snprintf(c, sizeof c, "%s: %s", client_comment_kind_label(st.cl.comment[i].kind),
		         st.cl.comment[i].text);
		if (st.cl.comment[i].kind == COMMENT_REACTION)
			wattrset(w, term_attr(a, ROLE_ERROR));
		draw_words(a, w, y++, 1, c, cols - 2);
		wattrset(w, A_NORMAL);
	}
	return y;
}

/* The line of the record's own keys under the details, in priority order;
 * what it shows the bar leaves out (client_action_shown). */
static const struct {
	enum action act;
	const char *label;
} nav[] = {
    {ACTION_ADD_SHOT, "Add"},        {ACTION_ADD_HISTORICAL_SHOT, "Historical"},
    {ACTION_REFUSE_SHOT, "Refusal"}, {ACTION_DELETE_RECORD, "Delete"},
    {ACTION_EDIT_SHOT, "Change"},    {ACTION_EDIT_CLIENT, "Edit"},
    {ACTION_SELECT, "Why"},          {ACTION_TOGGLE_SCHEDULE, "Schedule"},
};
#define NAV_N   (sizeof nav / sizeof nav[0])
#define NAV_GAP 2

/* A shot must be selected for these. */
static bool nav_applies(enum action act)
{
	return st.n_rows > 0 ||
	       (act != ACTION_DELETE_RECORD && act != ACTION_EDIT_SHOT && act != ACTION_SELECT);
}

/* Fit the line in cols: each item "key Label" with its shortest key, whole
 * or not at all. Returns true if an item that applies was left out. */
static bool nav_fit(const struct app *a, int cols, char (*keys)[KEY_NAME_LEN], struct fit_item *fit, int cue)
{
	struct fit_item in[NAV_N];
	size_t idx[NAV_N], n = 0;
	for (size_t i = 0; i < NAV_N; i++) {
		fit[i].shown = false;
		draw_short_key(a, KEYMAP_CLIENT, 0, nav[i].act, keys[i], sizeof keys[i]);
		if (!keys[i][0] || !nav_applies(nav[i].act))
			continue;
		in[n] = (struct fit_item){.width = draw_width(keys[i]) + 1 + draw_width(nav[i].label),
		                          .prio = (int)i};
		idx[n++] = i;
	}
	bool dropped = draw_fit(in, n, cols, NAV_GAP, cue);
	for (size_t k = 0; k < n; k++)
		fit[idx[k]].shown = in[k].shown;
	return dropped;
}

static bool client_action_shown(struct app *a, enum action act)
{
	/* Enter explains the selected dose here; the line above says so */
	if (act == ACTION_SELECT)
		return false;
	char keys[NAV_N][KEY_NAME_LEN], cue[KEY_NAME_LEN + 8];
	struct fit_item fit[NAV_N];
	draw_more_cue(a, KEYMAP_CLIENT, 0, true, cue, sizeof cue);
	nav_fit(a, getmaxx(a->w_body) - 2, keys, fit, draw_width(cue));
	for (size_t i = 0; i < NAV_N; i++)
		if (nav[i].act == act)
			return nav_applies(act) && !fit[i].shown;
	return true;
}

static int draw_nav(struct app *a, WINDOW *w, int y)
{
	char keys[NAV_N][KEY_NAME_LEN], cue[KEY_NAME_LEN + 8], line[512] = "";
	struct fit_item fit[NAV_N];
	draw_more_cue(a, KEYMAP_CLIENT, 0, true, cue, sizeof cue);
	bool more = nav_fit(a, getmaxx(w) - 2, keys, fit, draw_width(cue));
	size_t len = 0; /* items NAV_GAP apart */
	for (size_t i = 0; i < NAV_N && len < sizeof line; i++)
		if (fit[i].shown)
			len += (size_t)snprintf(line + len, sizeof line - len, "%s%s %s", len ? "  " : "",
			                        keys[i], nav[i].label);
	if (more && len < sizeof line)
		snprintf(line + len, sizeof line - len, "%s%s", len ? "  " : "", cue);
	wattrset(w, term_attr(a, ROLE_DISABLED));
	draw_text(w, y++, 1, line, getmaxx(w) - 2);
	wattrset(w, A_NORMAL);
	if (st.cl.note[0]) {
		char n[VAX_TEXT_LEN + 64];
		snprintf(n, sizeof n, "Note (visible to every organization): %s", st.cl.note);
		y = draw_wrapped(w, y, 1, getmaxx(w) - 2, n);
	}
	return y;
}

static int draw_record(struct app *a, WINDOW *w, int y, int last)
{
	int cols = getmaxx(w);
	y = draw_heading(a, w, y, "Immunization record");
	if (!st.n_rows) {
		draw_text(w, y++, 1, "No immunizations recorded.", cols - 2);
		return y;
	}
	char hdr[256];
	snprintf(hdr, sizeof hdr, "  %-10s %-13s %-8s %-7s %-7s %-15s %s", "Date", "Vaccine", "Lot", "Org",
	         "Source", "Registry", "Dose");
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, hdr, cols - 2);
	wattrset(w, A_NORMAL);
	if (st.sel < st.top)
		st.top = st.sel;
	int room = last - y;
	if (room < 2)
		room = 2;
	if (st.sel >= st.top + room - 1)
		st.top = st.sel - room + 2;
	const char *group = NULL;
	for (int r = 0; r < st.n_rows && y < last; r++) {
		if (!group || strcmp(group, st.rows[r].group)) {
			group = st.rows[r].group;
			if (r >= st.top) {
				wattrset(w, A_BOLD);
				draw_text(w, y++, 1, group, cols - 2);
				wattrset(w, A_NORMAL);
			}
		}
		if (r < st.top || y >= last)
			continue;
		const struct immunization *im = &st.imms[st.rows[r].imm];
		char date[DATE_US_LEN], vac[64], line[512], ev[32];
		date_format_us(im->date_given, date);
		const struct codes *c = screen_client_codes();
		const struct cvx_info *ci = c ? codes_cvx(c, im->cvx) : NULL;
		snprintf(vac, sizeof vac, "%s", ci ? ci->short_desc : im->cvx);
		eval_label(dose_eval(st.rows[r].imm), ev, sizeof ev);
		const char *src = im->refused ? "Refused" : im->historical ? "Hist." : "Given";
		snprintf(line, sizeof line, "%c %-10s %-13.13s %-8.8s %-7.7s %-7s %-15s %s",
		         r == st.sel ? '>' : ' ', date, vac, im->refused ? "" : im->lot, im->org, src,
		         dose_status(a, im), ev);
		wattrset(w, r == st.sel ? term_attr(a, ROLE_FOCUS) : A_NORMAL);
		draw_text(w, y++, 1, line, cols - 2);
		wattrset(w, A_NORMAL);
	}
	return y;
}

static int draw_forecast(struct app *a, WINDOW *w, int y, int rows)
{
	int cols = getmaxx(w);
	char title[128];
	snprintf(title, sizeof title, "Vaccines recommended: %s",
	         st.school ? "Texas school requirements (ACIP dose counting)" : "ACIP schedule");
	y = draw_heading(a, w, y, title);
	if (st.school && st.have_school) {
		char grade[16], line[256];
		if (st.grade == SCHOOL_GRADE_PK)
			snprintf(grade, sizeof grade, "Pre-K");
		else if (st.grade == 0)
			snprintf(grade, sizeof grade, "K");
		else
			snprintf(grade, sizeof grade, "%d", st.grade);
		snprintf(line, sizeof line, "Grade %s (from the age on September 1): %s", grade,
		         st.school_rep.compliant ? "meets the requirements"
		                                 : "DOES NOT MEET the requirements");
		draw_text(w, y++, 1, line, cols - 2);
		for (size_t i = 0; i < st.school_rep.nitems && y < rows; i++) {
			const struct school_item *it = &st.school_rep.items[i];
			char due[DATE_US_LEN] = "";
			if (it->status == SCHOOL_DUE)
				date_format_us(it->due, due);
			snprintf(line, sizeof line, "%-16s %-12s %d valid dose%s%s%s", it->label,
			         school_status_name(it->status), it->valid_doses,
			         it->valid_doses == 1 ? "" : "s", due[0] ? ", next due by " : "", due);
			draw_text(w, y++, 1, line, cols - 2);
		}
		return y;
	}
	if (!st.have_fc || (st.school && !st.have_school)) {
		draw_text(w, y++, 1, st.fc_error[0] ? st.fc_error : "No forecast.", cols - 2);
		return y;
	}
	char hdr[256];
	snprintf(hdr, sizeof hdr, "%-16s %-13s %-4s %-10s %-11s %-10s", "Vaccine group", "Status", "Dose",
	         "Earliest", "Recommended", "Past due");
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, hdr, cols - 2);
	wattrset(w, A_NORMAL);
	for (size_t g = 0; g < st.fc.ngroups && y < rows; g++) {
		const struct cdsi_group_result *gr = &st.fc.groups[g];
		if ((gr->status == CDSI_NOT_RECOMMENDED || gr->status == CDSI_AGED_OUT) && gr->nevals == 0)
			continue;
		char e[DATE_US_LEN], r[DATE_US_LEN], p[DATE_US_LEN], dn[16] = "", line[256];
		date_format_us(gr->earliest, e);
		date_format_us(gr->recommended, r);
		date_format_us(gr->past_due, p);
		if (gr->dose_number > 0)
			snprintf(dn, sizeof dn, "%d", gr->dose_number);
		bool due = gr->status == CDSI_NOT_COMPLETE && gr->past_due != DATE_NONE &&
		           gr->past_due <= screen_client_today();
		snprintf(line, sizeof line, "%-16.16s %-13.13s %-4s %-10s %-11s %-10s%s",
		         cdsi_group_name(cdsi, (size_t)gr->group), cdsi_series_status_name(gr->status), dn, e,
		         r, p, due ? " PAST DUE" : "");
		draw_text(w, y++, 1, line, cols - 2);
	}
	return y;
}

static void client_draw(struct app *a, WINDOW *w)
{
	int cols = getmaxx(w), rows = getmaxy(w), y = 0;
	if (!st.loaded) {
		draw_text(w, 1, 1, st.fetching ? reading_msg : st.note, cols - 2);
		return;
	}
	y = draw_info(a, w, y);
	y = draw_nav(a, w, y);
	/* the record gets what the forecast leaves: at least half */
	int fc_rows = st.have_school && st.school ? 4 + (int)st.school_rep.nitems
	              : st.have_fc                ? 3 + (int)st.fc.ngroups
	                                          : 3;
	int last = rows - fc_rows;
	if (last < y + (rows - y) / 2)
		last = y + (rows - y) / 2;
	y = draw_record(a, w, y, last);
	draw_forecast(a, w, y, rows);
}

/* ---- actions ----------------------------------------------------------------------- */

static void explain_selected(struct app *a)
{
	if (!st.n_rows)
		return;
	int i = st.rows[st.sel].imm;
	const struct immunization *im = &st.imms[i];
	const struct cdsi_dose_eval *ev = dose_eval(i);
	char key[CACHE_KEY_STR];
	struct cache_entry e;
	if (a->store && cache_imm_key(a->store, im, key) && outbox_state(a, key, &e) && e.message[0] &&
	    e.state != CACHE_ACCEPTED) {
		app_message(a, MSG_INFO, "%s: %s", screen_client_state_words(e.state), e.message);
		return;
	}
	if (ev && ev->status == CDSI_EVAL_NOT_VALID)
		app_message(a, MSG_INFO, "NOT VALID: %s", cdsi_eval_reason_text(ev->reason));
	else if (ev && ev->status == CDSI_EVAL_VALID)
		app_message(a, MSG_INFO, "Valid dose%s", ev->dose_number ? " in the series" : "");
	else if (im->refused)
		app_message(a, MSG_INFO, "Refused: %s", im->refusal_reason);
	else
		app_message(a, MSG_INFO, "Not evaluated by the schedule.");
}

static unsigned client_action(struct app *a, enum action act)
{
	switch (act) {
	case ACTION_CANCEL:
		app_pop(a);
		return TUI_HANDLED;
	case ACTION_MOVE_UP:
	case ACTION_MOVE_DOWN:
	case ACTION_MOVE_FIRST:
	case ACTION_MOVE_LAST:
		list_move(&st.sel, st.n_rows, 0, act);
		break;
	case ACTION_SELECT:
		explain_selected(a);
		break;
	case ACTION_TOGGLE_SCHEDULE:
		st.school = !st.school;
		run_forecast();
		app_message(a, MSG_INFO, "Tracking schedule: %s.", st.school ? "Texas school" : "ACIP");
		break;
	case ACTION_FORECAST:
		fetch(a);
		break;
	case ACTION_ADD_SHOT:
	case ACTION_ADD_HISTORICAL_SHOT:
	case ACTION_REFUSE_SHOT:
		if (!st.loaded)
			return TUI_HANDLED;
		screen_shot_open(a, act == ACTION_ADD_SHOT      ? SHOT_ADMINISTERED
		                    : act == ACTION_REFUSE_SHOT ? SHOT_REFUSAL
		                                                : SHOT_HISTORICAL);
		return TUI_HANDLED;
	case ACTION_DELETE_RECORD:
		if (!st.n_rows) {
			app_message(a, MSG_INFO, "No shot is selected.");
			return TUI_HANDLED;
		}
		screen_shot_delete(a, &st.imms[st.rows[st.sel].imm]);
		return TUI_HANDLED;
	case ACTION_EDIT_SHOT:
		if (!st.n_rows) {
			app_message(a, MSG_INFO, "No shot is selected.");
			return TUI_HANDLED;
		}
		screen_shot_edit(a, &st.imms[st.rows[st.sel].imm]);
		return TUI_HANDLED;
	case ACTION_EDIT_CLIENT:
		if (st.loaded)
			screen_client_edit(a);
		return TUI_HANDLED;
	case ACTION_OUTBOX:
		app_push(a, SCREEN_OUTBOX);
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static void client_enter(struct app *a, bool fresh)
{
	/* back from the shot form or the outbox: show what was saved */
	if (!fresh && st.want[0])
		screen_client_reload(a);
}

static void client_cleanup(void)
{
	api_req_free(st.req);
	st.req = NULL;
	record_free();
	memset(&st.cl, 0, sizeof st.cl);
	codes_free(&codes);
	school_free(texas);
	texas = NULL;
	cdsi_data_free(cdsi);
	cdsi = NULL;
}

static const enum action client_actions[] = {
    ACTION_ADD_SHOT,  ACTION_ADD_HISTORICAL_SHOT, ACTION_REFUSE_SHOT, ACTION_DELETE_RECORD,
    ACTION_EDIT_SHOT, ACTION_TOGGLE_SCHEDULE,     ACTION_FORECAST,    ACTION_SELECT,
    ACTION_OUTBOX,    ACTION_EDIT_CLIENT,         ACTION_CANCEL,      ACTION_NONE};

const struct screen_ops screen_client_ops = {
    .name = "client",
    .title = "Client record",
    .keymap = KEYMAP_CLIENT,
    .phi = true,
    .enter = client_enter,
    .draw = client_draw,
    .action = client_action,
    .actions = client_actions,
    .action_shown = client_action_shown,
    .cleanup = client_cleanup,
};
