/* hl7/ack.c - see ack.h */
#include "hl7/ack.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fhir.h"
#include "core/xalloc.h"

#define ROW(e, n, t) {n, t},
static const struct {
	int code;
	const char *text;
} err_table[] = {HL7_ERR_TABLE(ROW)}, app_table[] = {HL7_APP_TABLE(ROW)};
#undef ROW

const char *hl7_err_text(int code)
{
	for (size_t i = 0; i < sizeof err_table / sizeof *err_table; i++)
		if (err_table[i].code == code)
			return err_table[i].text;
	return "";
}

const char *hl7_app_err_text(int code)
{
	for (size_t i = 0; i < sizeof app_table / sizeof *app_table; i++)
		if (app_table[i].code == code)
			return app_table[i].text;
	return "";
}

void hl7_issue_add(struct hl7_issues *is, const struct hl7_loc *loc, int hl7_code, char severity,
                   int app_code, const char *code, const char *diag, const char *fmt, ...)
{
	if (is->n >= HL7_MAX_ISSUES)
		return;
	struct hl7_issue *i = &is->v[is->n++];
	memset(i, 0, sizeof *i);
	if (loc)
		i->loc = *loc;
	i->hl7_code = hl7_code;
	i->severity = severity;
	i->app_code = app_code;
	snprintf(i->code, sizeof i->code, "%s", code ? code : "");
	snprintf(i->diag, sizeof i->diag, "%s", diag ? diag : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(i->text, sizeof i->text, fmt, ap);
	va_end(ap);
}

bool hl7_issues_errors(const struct hl7_issues *is)
{
	for (int i = 0; i < is->n; i++)
		if (is->v[i].severity == 'E')
			return true;
	return false;
}

bool hl7_issues_reject(const struct hl7_issues *is)
{
	for (int i = 0; i < is->n; i++)
		if (is->v[i].severity == 'E' && (is->v[i].hl7_code >= 200 && is->v[i].hl7_code <= 203))
			return true;
	for (int i = 0; i < is->n; i++)
		if (is->v[i].severity == 'E' && !strcmp(is->v[i].loc.seg, "MSH"))
			return true;
	return false;
}

/* ---- rules in HL7 terms ------------------------------------------------------- */

enum where_kind { W_PID, W_PD1, W_NK1, W_RXA, W_RXR, W_FUNDING, W_VFC };

static const struct {
	const char *field;
	enum where_kind kind;
	int f, comp;
} field_map[] = {
    {"name.family", W_PID, 5, 1},
    {"name.given", W_PID, 5, 2},
    {"name.middle", W_PID, 5, 3},
    {"name", W_PID, 5, 0},
    {"aka.family", W_PID, 5, 1},
    {"aka.given", W_PID, 5, 2},
    {"aka.middle", W_PID, 5, 3},
    {"mother_maiden", W_PID, 6, 1},
    {"mother_given", W_PID, 6, 2},
    {"dob", W_PID, 7, 0},
    {"sex", W_PID, 8, 0},
    {"race", W_PID, 10, 0},
    {"address.county", W_PID, 11, 9},
    {"address.zip", W_PID, 11, 5},
    {"address.state", W_PID, 11, 4},
    {"address", W_PID, 11, 0},
    {"phone", W_PID, 13, 0},
    {"ethnicity", W_PID, 22, 0},
    {"consent", W_PD1, 12, 0},
    {"consent.adult", W_PD1, 12, 0},
    {"consent.minor", W_PD1, 12, 0},
    {"consent.date", W_PD1, 13, 0},
    {"resp.name", W_NK1, 2, 0},
    {"resp.family", W_NK1, 2, 1},
    {"resp.given", W_NK1, 2, 2},
    {"resp.middle", W_NK1, 2, 3},
    {"resp.relationship", W_NK1, 3, 0},
    {"resp.phone", W_NK1, 5, 0},
    {"resp.zip", W_NK1, 4, 5},
    {"resp.state", W_NK1, 4, 4},
    {"date_given", W_RXA, 3, 0},
    {"cvx", W_RXA, 5, 0},
    {"ndc", W_RXA, 5, 4},
    {"dose", W_RXA, 6, 0},
    {"info_source", W_RXA, 9, 0},
    {"provider", W_RXA, 10, 0},
    {"lot", W_RXA, 15, 0},
    {"expiration", W_RXA, 16, 0},
    {"mvx", W_RXA, 17, 0},
    {"refusal_reason", W_RXA, 18, 0},
    {"route", W_RXR, 1, 0},
    {"site", W_RXR, 2, 0},
    {"funding", W_FUNDING, 5, 0},
    {"vfc", W_VFC, 5, 0},
};

static void locate_field(const char *field, const struct hl7_where *w, struct hl7_loc *loc)
{
	static const struct hl7_where none;
	if (!w)
		w = &none;
	memset(loc, 0, sizeof *loc);
	for (size_t i = 0; i < sizeof field_map / sizeof *field_map; i++) {
		if (strcmp(field_map[i].field, field) != 0)
			continue;
		loc->field = field_map[i].f;
		loc->comp = field_map[i].comp;
		switch (field_map[i].kind) {
		case W_PID:
			snprintf(loc->seg, sizeof loc->seg, "PID"), loc->seq = 1;
			break;
		case W_PD1:
			snprintf(loc->seg, sizeof loc->seg, "PD1"), loc->seq = 1;
			break;
		case W_NK1:
			snprintf(loc->seg, sizeof loc->seg, "NK1");
			loc->seq = w->nk1_seq > 0 ? w->nk1_seq : 1;
			break;
		case W_RXA:
			snprintf(loc->seg, sizeof loc->seg, "RXA"), loc->seq = w->rxa_seq;
			break;
		case W_RXR:
		case W_FUNDING:
		case W_VFC: {
			int seq = field_map[i].kind == W_RXR       ? w->rxr_seq
			          : field_map[i].kind == W_FUNDING ? w->obx_funding_seq
			                                           : w->obx_vfc_seq;
			if (seq > 0) {
				snprintf(loc->seg, sizeof loc->seg, "%s",
				         field_map[i].kind == W_RXR ? "RXR" : "OBX");
				loc->seq = seq;
			} else {
				/* not sent at all: name the dose it belongs to */
				snprintf(loc->seg, sizeof loc->seg, "RXA");
				loc->seq = w->rxa_seq;
				loc->field = loc->comp = 0;
			}
			break;
		}
		}
		return;
	}
	/* a field with no HL7 place: the record's own segment */
	snprintf(loc->seg, sizeof loc->seg, "%s", w->rxa_seq ? "RXA" : "PID");
	loc->seq = w->rxa_seq ? w->rxa_seq : 1;
}

/* HL7's code and CDC's application code for a rule. */
static void rule_codes(enum rule_id r, int *hl7, int *app)
{
	switch (r) {
	case RULE_FUNDING_MISSING:
	case RULE_VFC_MISSING:
		*hl7 = HL7_REQUIRED, *app = HL7_APP_OBSERVATION_MISSING;
		return;
	case RULE_NAME_FAMILY_MISSING:
	case RULE_NAME_GIVEN_MISSING:
	case RULE_DOB_MISSING:
	case RULE_SEX_MISSING:
	case RULE_COUNTY_MISSING:
	case RULE_SHOT_DATE_MISSING:
	case RULE_CVX_MISSING:
	case RULE_LOT_MISSING:
	case RULE_REFUSAL_REASON_MISSING:
	case RULE_HISTORICAL_SOURCE:
	case RULE_RESP_NAME_MISSING:
	case RULE_RESP_RELATIONSHIP:
	case RULE_CONSENT_DATE_MISSING:
		*hl7 = HL7_REQUIRED, *app = HL7_APP_DATA_MISSING;
		return;
	case RULE_DOB_FUTURE:
	case RULE_DOB_TOO_OLD:
	case RULE_SHOT_BEFORE_DOB:
	case RULE_SHOT_FUTURE:
	case RULE_EXPIRED_BEFORE_SHOT:
	case RULE_CONSENT_DATE_FUTURE:
		*hl7 = HL7_DATA_TYPE, *app = HL7_APP_ILLOGICAL_DATE;
		return;
	case RULE_CVX_UNKNOWN:
	case RULE_MVX_UNKNOWN:
	case RULE_CODE_UNKNOWN:
		*hl7 = HL7_TABLE_VALUE, *app = HL7_APP_TABLE_VALUE;
		return;
	case RULE_DUPLICATE_SHOT:
		*hl7 = HL7_DUPLICATE_KEY, *app = HL7_APP_ILLOGICAL_VALUE;
		return;
	case RULE_CONSENT_MISSING:
		*hl7 = HL7_OK, *app = HL7_APP_DATA_MISSING;
		return;
	case RULE_NAME_CHARS:
	case RULE_ZIP_FORMAT:
	case RULE_STATE_FORMAT:
	case RULE_PHONE_FORMAT:
	case RULE_COUNTY_FORMAT:
		*hl7 = HL7_DATA_TYPE, *app = HL7_APP_INVALID_VALUE;
		return;
	default: /* never active, not active, unspecified, MVX mismatch, adult consent of a minor */
		*hl7 = HL7_DATA_TYPE, *app = HL7_APP_ILLOGICAL_VALUE;
		return;
	}
}

static void add_rule(struct hl7_issues *is, enum rule_id r, const char *field, const char *detail,
                     const struct hl7_where *w)
{
	struct hl7_loc loc;
	locate_field(field && *field ? field : rule_field(r), w, &loc);
	int hl7, app;
	rule_codes(r, &hl7, &app);
	char sev = rule_severity(r) == RULE_ERROR ? 'E' : 'W';
	/* a possible duplicate is held, never stored twice: the sender must hear it was not added */
	if (r == RULE_DUPLICATE_SHOT)
		sev = 'E';
	hl7_issue_add(is, &loc, hl7, sev, app, rule_code(r), detail, "%s", rule_message(r));
	if (detail && *detail && is->n && strcmp(is->v[is->n - 1].code, rule_code(r)) == 0) {
		struct hl7_issue *i = &is->v[is->n - 1];
		size_t k = strlen(i->text);
		snprintf(i->text + k, sizeof i->text - k, " (%s)", detail);
	}
}

void hl7_issues_from_rules(struct hl7_issues *is, const struct rule_report *rep, const struct hl7_where *w)
{
	for (int i = 0; i < rep->n; i++)
		add_rule(is, rep->v[i].rule, rep->v[i].field, rep->v[i].detail, w);
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

void hl7_issues_from_outcome(struct hl7_issues *is, const cJSON *oo, const struct hl7_where *w)
{
	const cJSON *iss;
	cJSON_ArrayForEach(iss, cJSON_GetObjectItemCaseSensitive(oo, "issue"))
	{
		const char *sev = jstr(iss, "severity"), *type = jstr(iss, "code");
		const cJSON *coding =
		    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
		                           cJSON_GetObjectItemCaseSensitive(iss, "details"), "coding"),
		                       0);
		const char *code = jstr(coding, "code");
		const char *text = jstr(iss, "diagnostics");
		const cJSON *ex = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(iss, "expression"), 0);
		const char *expr = cJSON_IsString(ex) ? ex->valuestring : "";
		/* the FHIRPath names the rule field it stands for ("Patient.birthDate":
		 * "dob"); other paths keep what follows the type */
		const char *dot = strchr(expr, '.');
		const char *field = fhir_path_field(expr) ? fhir_path_field(expr) : dot ? dot + 1 : "";
		int rule = -1;
		for (int r = 0; code && r < RULE_COUNT; r++)
			if (!strcmp(rule_code((enum rule_id)r), code))
				rule = r;
		if (rule >= 0) {
			/* the OperationOutcome's diagnostics already hold message and detail */
			struct hl7_loc loc;
			locate_field(field[0] ? field : rule_field((enum rule_id)rule), w, &loc);
			int hl7, app;
			rule_codes((enum rule_id)rule, &hl7, &app);
			char s = sev && (!strcmp(sev, "warning") || !strcmp(sev, "information")) ? 'W' : 'E';
			hl7_issue_add(is, &loc, hl7, s, app, code, NULL, "%s",
			              text ? text : rule_message((enum rule_id)rule));
			continue;
		}
		struct hl7_loc loc;
		locate_field(field, w, &loc);
		char s = sev && !strcmp(sev, "information") ? 'I'
		         : sev && !strcmp(sev, "warning")   ? 'W'
		                                            : 'E';
		int hl7 = type && !strcmp(type, "forbidden")                                 ? HL7_INTERNAL
		          : type && (!strcmp(type, "not-found") || !strcmp(type, "invalid")) ? HL7_UNKNOWN_KEY
		                                                                             : HL7_INTERNAL;
		hl7_issue_add(is, &loc, hl7, s, HL7_APP_NONE, code ? code : "REGISTRY", NULL, "%s",
		              text ? text : "The registry could not store this record.");
	}
}

/* ---- header -------------------------------------------------------------------------- */

#define GET(seg, f, r, c, s, dst) hl7_get(m, seg, f, r, c, s, dst, sizeof dst)

bool hl7_header_read(const struct hl7_msg *m, struct hl7_header *h, struct hl7_issues *is)
{
	memset(h, 0, sizeof *h);
	int s = hl7_find(m, "MSH", 0);
	struct hl7_loc loc = {"MSH", 1, 0, 0, 0};
	if (s != 0) {
		hl7_issue_add(is, &loc, HL7_SEGMENT_SEQUENCE, 'E', HL7_APP_NONE, "HL7-NO-MSH", NULL,
		              "The message must start with an MSH segment.");
		return false;
	}
	GET(s, 3, 1, 1, 1, h->sending_app);
	GET(s, 4, 1, 1, 1, h->sending_facility);
	GET(s, 5, 1, 1, 1, h->receiving_app);
	GET(s, 6, 1, 1, 1, h->receiving_facility);
	GET(s, 7, 1, 1, 1, h->time);
	GET(s, 9, 1, 1, 1, h->type);
	GET(s, 9, 1, 2, 1, h->event);
	GET(s, 9, 1, 3, 1, h->structure);
	GET(s, 10, 1, 1, 1, h->control_id);
	GET(s, 11, 1, 1, 1, h->processing);
	GET(s, 12, 1, 1, 1, h->version);
	GET(s, 15, 1, 1, 1, h->accept_ack);
	GET(s, 16, 1, 1, 1, h->app_ack);
	GET(s, 18, 1, 1, 1, h->charset);
	GET(s, 21, 1, 1, 1, h->profile);
	GET(s, 22, 1, 1, 1, h->responsible_org);
	GET(s, 22, 1, 10, 1, h->responsible_id);
	bool ok = true;
	int64_t t;
	if (h->time[0] && !hl7_ts_parse(h->time, &t)) {
		loc.field = 7;
		hl7_issue_add(is, &loc, HL7_DATA_TYPE, 'W', HL7_APP_INVALID_DATE, "HL7-TS", h->time,
		              "MSH-7 is not a date and time (YYYYMMDDHHMMSS+ZZZZ).");
	}
	if (!h->type[0]) {
		loc.field = 9;
		hl7_issue_add(is, &loc, HL7_REQUIRED, 'E', HL7_APP_DATA_MISSING, "HL7-MSH-9", NULL,
		              "MSH-9 (message type) is empty.");
		ok = false;
	}
	if (!h->control_id[0]) {
		loc.field = 10;
		hl7_issue_add(
		    is, &loc, HL7_REQUIRED, 'E', HL7_APP_DATA_MISSING, "HL7-MSH-10", NULL,
		    "MSH-10 (message control id) is empty: the answer could not be matched to the message.");
	}
	if (strcmp(h->processing, "P") && strcmp(h->processing, "T") && strcmp(h->processing, "D")) {
		loc.field = 11;
		hl7_issue_add(is, &loc, HL7_UNSUPPORTED_PROCESSING, 'E', HL7_APP_TABLE_VALUE, "HL7-MSH-11",
		              h->processing,
		              "MSH-11 (processing id) must be P (production), T (training) or D "
		              "(debugging).");
	}
	if (strncmp(h->version, "2.5", 3) != 0) {
		loc.field = 12;
		hl7_issue_add(
		    is, &loc, HL7_UNSUPPORTED_VERSION, 'E', HL7_APP_TABLE_VALUE, "HL7-MSH-12", h->version,
		    "MSH-12: this registry takes HL7 version 2.5.1 (the CDC immunization guide); the "
		    "message says '%s'.",
		    h->version);
	}
	return ok;
}

void hl7_header_write(struct hl7_out *o, const struct hl7_header *h, int64_t now)
{
	char ts[32];
	hl7_out_segment(o, "MSH");
	hl7_out_set(o, 3, 1, 1, 1, h->sending_app);
	hl7_out_set(o, 4, 1, 1, 1, h->sending_facility);
	hl7_out_set(o, 5, 1, 1, 1, h->receiving_app);
	hl7_out_set(o, 6, 1, 1, 1, h->receiving_facility);
	hl7_out_set(o, 7, 1, 1, 1, h->time[0] ? h->time : hl7_ts(now, ts, sizeof ts));
	hl7_out_set(o, 9, 1, 1, 1, h->type);
	hl7_out_set(o, 9, 1, 2, 1, h->event);
	hl7_out_set(o, 9, 1, 3, 1, h->structure);
	hl7_out_set(o, 10, 1, 1, 1, h->control_id);
	hl7_out_set(o, 11, 1, 1, 1, h->processing[0] ? h->processing : "P");
	hl7_out_set(o, 12, 1, 1, 1, h->version[0] ? h->version : "2.5.1");
	hl7_out_set(o, 15, 1, 1, 1, h->accept_ack);
	hl7_out_set(o, 16, 1, 1, 1, h->app_ack);
	hl7_out_set(o, 18, 1, 1, 1, h->charset);
	if (h->profile[0]) {
		hl7_out_set(o, 21, 1, 1, 1, h->profile);
		hl7_out_set(o, 21, 1, 2, 1, "CDCPHINVS");
	}
	hl7_out_set(o, 22, 1, 1, 1, h->responsible_org);
	hl7_out_set(o, 22, 1, 10, 1, h->responsible_id);
}

/* ---- ACK ------------------------------------------------------------------------------ */

const char *hl7_ack_code(const struct hl7_issues *is)
{
	return hl7_issues_reject(is) ? "AR" : hl7_issues_errors(is) ? "AE" : "AA";
}

static void write_err(struct hl7_out *o, const struct hl7_issue *i)
{
	char num[16];
	hl7_out_segment(o, "ERR");
	if (i->loc.seg[0]) {
		hl7_out_set(o, 2, 1, 1, 1, i->loc.seg);
		if (i->loc.seq > 0)
			hl7_out_setf(o, 2, 1, 2, 1, "%d", i->loc.seq);
		if (i->loc.field > 0) {
			hl7_out_setf(o, 2, 1, 3, 1, "%d", i->loc.field);
			hl7_out_setf(o, 2, 1, 4, 1, "%d", i->loc.rep > 0 ? i->loc.rep : 1);
			if (i->loc.comp > 0)
				hl7_out_setf(o, 2, 1, 5, 1, "%d", i->loc.comp);
		}
	}
	snprintf(num, sizeof num, "%d", i->hl7_code);
	hl7_out_set(o, 3, 1, 1, 1, num);
	hl7_out_set(o, 3, 1, 2, 1, hl7_err_text(i->hl7_code));
	hl7_out_set(o, 3, 1, 3, 1, "HL70357");
	char sev[2] = {i->severity ? i->severity : 'E', 0};
	hl7_out_set(o, 4, 1, 1, 1, sev);
	if (i->app_code > 0) {
		snprintf(num, sizeof num, "%d", i->app_code);
		hl7_out_set(o, 5, 1, 1, 1, num);
		hl7_out_set(o, 5, 1, 2, 1, hl7_app_err_text(i->app_code));
		hl7_out_set(o, 5, 1, 3, 1, "HL70533");
	}
	if (i->code[0]) {
		hl7_out_set(o, 5, 1, 4, 1, i->code);
		hl7_out_set(o, 5, 1, 6, 1, "L");
	}
	hl7_out_set(o, 7, 1, 1, 1, i->diag);
	hl7_out_set(o, 8, 1, 1, 1, i->text);
}

char *hl7_ack_write(const struct hl7_header *req, const char *app, const char *facility,
                    const char *control_id, const char *ack_code, const struct hl7_issues *is, int64_t now,
                    size_t *len)
{
	struct hl7_header h;
	memset(&h, 0, sizeof h);
	snprintf(h.sending_app, sizeof h.sending_app, "%s", app ? app : "");
	snprintf(h.sending_facility, sizeof h.sending_facility, "%s", facility ? facility : "");
	snprintf(h.receiving_app, sizeof h.receiving_app, "%s", req->sending_app);
	snprintf(h.receiving_facility, sizeof h.receiving_facility, "%s", req->sending_facility);
	snprintf(h.type, sizeof h.type, "ACK");
	snprintf(h.event, sizeof h.event, "%s",
	         req->event[0] && strlen(req->event) <= 3 ? req->event : "V04");
	snprintf(h.structure, sizeof h.structure, "ACK");
	snprintf(h.control_id, sizeof h.control_id, "%s", control_id);
	snprintf(h.processing, sizeof h.processing, "%s",
	         !strcmp(req->processing, "T") || !strcmp(req->processing, "D") ? req->processing : "P");
	snprintf(h.version, sizeof h.version, "2.5.1");
	snprintf(h.accept_ack, sizeof h.accept_ack, "NE");
	snprintf(h.app_ack, sizeof h.app_ack, "NE");
	snprintf(h.profile, sizeof h.profile, "Z23");
	struct hl7_out *o = hl7_out_new();
	hl7_header_write(o, &h, now);
	hl7_out_segment(o, "MSA");
	hl7_out_set(o, 1, 1, 1, 1, ack_code);
	hl7_out_set(o, 2, 1, 1, 1, req->control_id);
	for (int i = 0; is && i < is->n; i++)
		write_err(o, &is->v[i]);
	char *t = hl7_out_take(o, len);
	hl7_out_free(&o);
	return t;
}

bool hl7_ack_read(const struct hl7_msg *m, struct hl7_ack *a, struct vax_error *err)
{
	memset(a, 0, sizeof *a);
	struct hl7_issues scratch = {0};
	hl7_header_read(m, &a->hdr, &scratch);
	int msa = hl7_find(m, "MSA", 0);
	if (strcmp(a->hdr.type, "ACK") != 0 || msa < 0)
		return error_set(err, "HL7-NOT-ACK", "This is not an acknowledgement (MSH-9 is '%s').",
		                 a->hdr.type);
	hl7_get(m, msa, 1, 1, 1, 1, a->code, sizeof a->code);
	hl7_get(m, msa, 2, 1, 1, 1, a->acked_id, sizeof a->acked_id);
	hl7_get(m, msa, 3, 1, 1, 1, a->text, sizeof a->text);
	for (int s = hl7_find(m, "ERR", 0); s >= 0; s = hl7_find(m, "ERR", s + 1)) {
		if (a->issues.n >= HL7_MAX_ISSUES)
			break;
		struct hl7_issue *i = &a->issues.v[a->issues.n++];
		memset(i, 0, sizeof *i);
		char num[16];
		hl7_get(m, s, 2, 1, 1, 1, i->loc.seg, sizeof i->loc.seg);
		hl7_get(m, s, 2, 1, 2, 1, num, sizeof num), i->loc.seq = atoi(num);
		hl7_get(m, s, 2, 1, 3, 1, num, sizeof num), i->loc.field = atoi(num);
		hl7_get(m, s, 2, 1, 4, 1, num, sizeof num), i->loc.rep = atoi(num);
		hl7_get(m, s, 2, 1, 5, 1, num, sizeof num), i->loc.comp = atoi(num);
		hl7_get(m, s, 3, 1, 1, 1, num, sizeof num), i->hl7_code = atoi(num);
		hl7_get(m, s, 4, 1, 1, 1, num, sizeof num), i->severity = num[0] ? num[0] : 'E';
		hl7_get(m, s, 5, 1, 1, 1, num, sizeof num), i->app_code = atoi(num);
		hl7_get(m, s, 5, 1, 4, 1, i->code, sizeof i->code);
		hl7_get(m, s, 7, 1, 1, 1, i->diag, sizeof i->diag);
		hl7_get(m, s, 8, 1, 1, 1, i->text, sizeof i->text);
		if (!i->text[0]) {
			/* senders that leave ERR-8 empty: the words of the codes */
			const char *w =
			    i->app_code ? hl7_app_err_text(i->app_code) : hl7_err_text(i->hl7_code);
			hl7_get(m, s, 5, 1, 2, 1, i->text, sizeof i->text);
			if (!i->text[0])
				snprintf(i->text, sizeof i->text, "%s", w);
		}
	}
	return true;
}

char *hl7_issue_words(const struct hl7_issue *i, char *buf, size_t cap)
{
	char where[48] = "";
	if (i->loc.seg[0] && i->loc.field > 0 && i->loc.comp > 0)
		snprintf(where, sizeof where, "%s-%d.%d", i->loc.seg, i->loc.field, i->loc.comp);
	else if (i->loc.seg[0] && i->loc.field > 0)
		snprintf(where, sizeof where, "%s-%d", i->loc.seg, i->loc.field);
	else if (i->loc.seg[0])
		snprintf(where, sizeof where, "%s", i->loc.seg);
	char seq[24] = "";
	if (!strcmp(i->loc.seg, "RXA") && i->loc.seq > 0)
		snprintf(seq, sizeof seq, " (dose %d)", i->loc.seq);
	snprintf(buf, cap, "%s%s%s%s%s%s%s", where, seq, where[0] ? ": " : "", i->text,
	         i->code[0] ? " [" : "", i->code, i->code[0] ? "]" : "");
	return buf;
}
