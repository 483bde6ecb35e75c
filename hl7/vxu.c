/* hl7/vxu.c - see vxu.h */
#include "hl7/vxu.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/uuid.h"
#include "core/vocab.h"
#include "core/xalloc.h"

#define DEFAULT_NS "VAXREGD"

/* LOINC codes of the observations a VXU carries */
#define LN_VFC          "64994-7"
#define LN_FUNDING      "30963-3"
#define LN_VIS_DOC      "69764-9"
#define LN_VIS_VACCINE  "30956-7"
#define LN_VIS_EDITION  "29768-9"
#define LN_VIS_GIVEN    "29769-7"
#define LN_NOTE         "48767-8"
#define LN_CONTRA       "30945-0"
#define LN_CONTRA_START "30946-8"
#define LN_END          "30944-3"
#define LN_REACTION     "31044-1"
#define LN_IMMUNITY     "59784-9"
#define LN_SEROLOGY     "75505-8"

static const char *ns_or_default(const char *ns)
{
	return ns && *ns ? ns : DEFAULT_NS;
}

/* ---- writing ----------------------------------------------------------------- */

static void set_cx(struct hl7_out *o, int f, int rep, const char *value, const char *system, const char *type)
{
	hl7_out_set(o, f, rep, 1, 1, value);
	if (system && strchr(system, ':')) {
		hl7_out_set(o, f, rep, 4, 2, system);
		hl7_out_set(o, f, rep, 4, 3, "URI");
	} else {
		hl7_out_set(o, f, rep, 4, 1, system);
	}
	hl7_out_set(o, f, rep, 5, 1, type);
}

static void set_name(struct hl7_out *o, int f, int rep, const struct person_name *n, const char *type)
{
	hl7_out_set(o, f, rep, 1, 1, n->family);
	hl7_out_set(o, f, rep, 2, 1, n->given);
	hl7_out_set(o, f, rep, 3, 1, n->middle);
	hl7_out_set(o, f, rep, 4, 1, n->suffix);
	if (n->family[0] || n->given[0])
		hl7_out_set(o, f, rep, 7, 1, type);
}

static void set_address(struct hl7_out *o, int f, int rep, const struct address *a, const char *type)
{
	hl7_out_set(o, f, rep, 1, 1, a->line1);
	hl7_out_set(o, f, rep, 2, 1, a->line2);
	hl7_out_set(o, f, rep, 3, 1, a->city);
	hl7_out_set(o, f, rep, 4, 1, a->state);
	hl7_out_set(o, f, rep, 5, 1, a->zip);
	if (a->line1[0] || a->city[0] || a->zip[0] || a->county[0])
		hl7_out_set(o, f, rep, 7, 1, type);
	hl7_out_set(o, f, rep, 9, 1, a->county);
	hl7_out_date(o, f, rep, 13, 1, a->since);
}

static void set_phone(struct hl7_out *o, int f, int rep, const struct phone *p)
{
	char d[32];
	text_digits(p->number, d, sizeof d);
	hl7_out_set(o, f, rep, 2, 1, p->use == PHONE_WORK ? "WPN" : "PRN");
	hl7_out_set(o, f, rep, 3, 1, p->use == PHONE_MOBILE ? "CP" : "PH");
	if (strlen(d) == 10) {
		hl7_out_setf(o, f, rep, 6, 1, "%.3s", d);
		hl7_out_set(o, f, rep, 7, 1, d + 3);
	} else {
		hl7_out_set(o, f, rep, 7, 1, p->number);
	}
}

static void set_coded(struct hl7_out *o, int f, int rep, const char *code, const char *label,
                      const char *system)
{
	if (!code || !*code)
		return;
	hl7_out_set(o, f, rep, 1, 1, code);
	hl7_out_set(o, f, rep, 2, 1, label);
	hl7_out_set(o, f, rep, 3, 1, system);
}

static void set_capture(struct hl7_out *o, int f, int rep, const struct capture *c)
{
	hl7_out_set(o, f, rep, 1, 1, c->user);
	hl7_out_set(o, f, rep, 2, 1, c->org);
	hl7_out_set(o, f, rep, 3, 1, c->workstation);
	if (c->at)
		hl7_out_setf(o, f, rep, 4, 1, "%lld", (long long)c->at);
}

static const char *consent_code(enum consent_status s)
{
	switch (s) {
	case CONSENT_GRANTED:
		return "G";
	case CONSENT_REFUSED:
		return "R";
	case CONSENT_WITHDRAWN:
		return "W";
	default:
		return "";
	}
}

static const char *status_0441(enum org_status s)
{
	switch (s) {
	case ORG_STATUS_INACTIVE:
		return "I";
	case ORG_STATUS_MOVED:
		return "M";
	case ORG_STATUS_LOST:
		return "L";
	case ORG_STATUS_DECEASED:
		return "P";
	default:
		return "A";
	}
}

void hl7_pid_write(struct hl7_out *o, const struct client *c, const struct hl7_write_opts *opt)
{
	hl7_out_segment(o, "PID");
	hl7_out_set(o, 1, 1, 1, 1, "1");
	int rep = 1;
	if (c->uuid[0])
		set_cx(o, 3, rep++, c->uuid, HL7_UUID_AUTHORITY, "PI");
	if (c->id[0])
		set_cx(o, 3, rep++, c->id, ns_or_default(opt->registry_ns), "SR");
	for (int i = 0; i < c->n_ident; i++)
		set_cx(o, 3, rep++, c->ident[i].value, c->ident[i].system, c->ident[i].type);
	set_name(o, 5, 1, &c->name, "L");
	for (int i = 0; i < c->n_aka; i++)
		set_name(o, 5, i + 2, &c->aka[i], "A");
	hl7_out_set(o, 6, 1, 1, 1, c->mother_maiden);
	hl7_out_set(o, 6, 1, 2, 1, c->mother_given);
	if (c->mother_maiden[0] || c->mother_given[0])
		hl7_out_set(o, 6, 1, 7, 1, "M");
	hl7_out_date(o, 7, 1, 1, 1, c->dob);
	hl7_out_set(o, 8, 1, 1, 1, client_sex_code(c->sex));
	for (int i = 0; i < c->n_race; i++)
		set_coded(o, 10, i + 1, c->race[i], vocab_label(VOCAB_RACE, c->race[i]), "CDCREC");
	for (int i = 0; i < c->n_addr; i++)
		set_address(o, 11, i + 1, &c->addr[i], i == 0 && c->no_viable_address ? "BA" : "L");
	int prep = 1;
	for (int i = 0; i < c->n_phone; i++)
		set_phone(o, 13, prep++, &c->phone[i]);
	if (c->email[0]) {
		hl7_out_set(o, 13, prep, 2, 1, "NET");
		hl7_out_set(o, 13, prep, 3, 1, "Internet");
		hl7_out_set(o, 13, prep, 4, 1, c->email);
	}
	set_coded(o, 22, 1, c->ethnicity, vocab_label(VOCAB_ETHNICITY, c->ethnicity), "CDCREC");
	if (c->multiple_birth > 0) {
		hl7_out_set(o, 24, 1, 1, 1, "Y");
		hl7_out_setf(o, 25, 1, 1, 1, "%d", c->multiple_birth);
	}
	if (c->deceased)
		hl7_out_set(o, 30, 1, 1, 1, "Y");

	hl7_out_segment(o, "PD1");
	hl7_out_set(o, 4, 1, 2, 1, c->primary_provider);
	hl7_out_set(o, 11, 1, 1, 1, c->reminder_recall ? "02" : "01");
	hl7_out_set(o, 11, 1, 2, 1,
	            c->reminder_recall ? "Reminder/Recall - any method" : "No reminder/recall");
	hl7_out_set(o, 11, 1, 3, 1, "HL70215");
	if (client_consent_recorded(&c->consent)) {
		enum consent_status s =
		    c->consent.adult != CONSENT_UNKNOWN ? c->consent.adult : c->consent.minor;
		hl7_out_set(o, 12, 1, 1, 1, s == CONSENT_GRANTED ? "N" : "Y");
		hl7_out_date(o, 13, 1, 1, 1, c->consent.date);
	}
	hl7_out_set(o, 16, 1, 1, 1, status_0441(c->org_status));

	int k = 0;
	for (int i = 0; i < c->n_resp; i++) {
		const struct responsible_person *r = &c->resp[i];
		if (r->removed && !opt->extensions)
			continue;
		hl7_out_segment(o, "NK1");
		hl7_out_setf(o, 1, 1, 1, 1, "%d", ++k);
		set_name(o, 2, 1, &r->name, "L");
		set_coded(o, 3, 1, r->relationship, vocab_label(VOCAB_RELATIONSHIP, r->relationship),
		          "HL70063");
		set_address(o, 4, 1, &r->address, "L");
		if (r->phone.number[0])
			set_phone(o, 5, 1, &r->phone);
		int ir = 1;
		if (r->uuid[0])
			set_cx(o, 33, ir++, r->uuid, HL7_UUID_AUTHORITY, "PI");
		if (r->id[0])
			set_cx(o, 33, ir++, r->id, ns_or_default(opt->registry_ns), "SR");
	}

	if (!opt->extensions)
		return;
	hl7_out_segment(o, "ZPI");
	hl7_out_set(o, 1, 1, 1, 1, c->vital_records_lock ? "Y" : "N");
	hl7_out_set(o, 2, 1, 1, 1, c->no_viable_address ? "Y" : "N");
	hl7_out_set(o, 3, 1, 1, 1, c->tracking_schedule);
	hl7_out_set(o, 4, 1, 1, 1, c->org_status_reason);
	hl7_out_date(o, 5, 1, 1, 1, c->last_notice);
	hl7_out_set(o, 6, 1, 1, 1, consent_code(c->consent.minor));
	hl7_out_set(o, 6, 1, 2, 1, consent_code(c->consent.adult));
	hl7_out_set(o, 6, 1, 3, 1, c->consent.disaster_retention ? "Y" : "N");
	hl7_out_date(o, 6, 1, 4, 1, c->consent.date);
	hl7_out_set(o, 6, 1, 5, 1, c->consent.source);
	hl7_out_set(o, 6, 1, 6, 1, c->consent.uuid);
	hl7_out_set(o, 6, 1, 7, 1, c->consent.id);
	hl7_out_set(o, 6, 1, 8, 1, c->consent.version);
	hl7_out_set(o, 7, 1, 1, 1, c->note);
	set_capture(o, 8, 1, &c->capture);
	hl7_out_set(o, 9, 1, 1, 1, c->version);
	for (int i = 0; i < c->n_addr; i++) {
		set_capture(o, 10, i + 1, &c->addr[i].entered);
		hl7_out_set(o, 10, i + 1, 5, 1, "-"); /* keeps an empty capture's repetition */
	}
	k = 0;
	for (int i = 0; i < c->n_resp; i++) {
		k++;
		hl7_out_set(o, 11, k, 1, 1, c->resp[i].version);
		hl7_out_set(o, 11, k, 2, 1, c->resp[i].removed ? "Y" : "N");
	}
	hl7_out_setf(o, 12, 1, 1, 1, "%d", c->multiple_birth);
}

static const char *comment_loinc(enum comment_kind k)
{
	switch (k) {
	case COMMENT_REACTION:
		return LN_REACTION;
	case COMMENT_IMMUNITY:
		return LN_IMMUNITY;
	case COMMENT_CONTRAINDICATION:
		return LN_CONTRA;
	default:
		return LN_NOTE;
	}
}

void hl7_obx_start(struct hl7_out *o, int *n, const char *type, const char *loinc, const char *label, int sub)
{
	hl7_out_segment(o, "OBX");
	hl7_out_setf(o, 1, 1, 1, 1, "%d", ++*n);
	hl7_out_set(o, 2, 1, 1, 1, type);
	hl7_out_set(o, 3, 1, 1, 1, loinc);
	hl7_out_set(o, 3, 1, 2, 1, label);
	hl7_out_set(o, 3, 1, 3, 1, "LN");
	hl7_out_setf(o, 4, 1, 1, 1, "%d", sub);
	hl7_out_set(o, 11, 1, 1, 1, "F");
}

void hl7_no_vaccine_write(struct hl7_out *o, int64_t now)
{
	char ts[32];
	hl7_out_segment(o, "ORC");
	hl7_out_set(o, 1, 1, 1, 1, "RE");
	hl7_out_set(o, 3, 1, 1, 1, "9999");
	hl7_out_set(o, 3, 1, 2, 1, "CDC");
	hl7_out_segment(o, "RXA");
	hl7_out_set(o, 1, 1, 1, 1, "0");
	hl7_out_set(o, 2, 1, 1, 1, "1");
	hl7_out_set(o, 3, 1, 1, 1, hl7_ts(now, ts, sizeof ts));
	hl7_out_set(o, 5, 1, 1, 1, "998");
	hl7_out_set(o, 5, 1, 2, 1, "No vaccine administered");
	hl7_out_set(o, 5, 1, 3, 1, "CVX");
	hl7_out_set(o, 6, 1, 1, 1, "999");
	hl7_out_set(o, 20, 1, 1, 1, "NA");
}

/* The client's comments, on an RXA of CVX 998 as the guide carries them. */
static void comments_write(struct hl7_out *o, const struct client *c, const struct hl7_write_opts *opt)
{
	if (!c->n_comment)
		return;
	hl7_no_vaccine_write(o, opt->now);
	int ox = 0;
	for (int i = 0; i < c->n_comment; i++) {
		const struct client_comment *cm = &c->comment[i];
		if (cm->kind == COMMENT_OTHER && !cm->code[0]) {
			hl7_obx_start(o, &ox, "TX", LN_NOTE, "Annotation comment", i + 1);
			hl7_out_set(o, 5, 1, 1, 1, cm->text);
		} else {
			hl7_obx_start(o, &ox, "CE", comment_loinc(cm->kind),
			              client_comment_kind_label(cm->kind), i + 1);
			hl7_out_set(o, 5, 1, 1, 1, cm->code);
			hl7_out_set(o, 5, 1, 2, 1, cm->text);
			hl7_out_set(o, 5, 1, 3, 1, "CDCPHINVS");
		}
		hl7_out_date(o, 14, 1, 1, 1, cm->begin);
		if (cm->end != DATE_NONE) {
			hl7_obx_start(o, &ox, "TS", LN_END, "Expiration date", i + 1);
			hl7_out_date(o, 5, 1, 1, 1, cm->end);
		}
	}
}

static bool all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

void hl7_order_write(struct hl7_out *o, const struct immunization *im, const struct hl7_write_opts *opt)
{
	char ts[32];
	hl7_out_segment(o, "ORC");
	hl7_out_set(o, 1, 1, 1, 1, "RE");
	hl7_out_set(o, 3, 1, 1, 1, im->uuid[0] ? im->uuid : im->id);
	hl7_out_set(o, 3, 1, 2, 1, im->uuid[0] ? HL7_UUID_AUTHORITY : ns_or_default(opt->registry_ns));
	if (im->capture.at)
		hl7_out_set(o, 9, 1, 1, 1, hl7_ts(im->capture.at, ts, sizeof ts));
	hl7_out_set(o, 10, 1, 1, 1, im->capture.user);
	hl7_out_set(o, 17, 1, 1, 1, im->org);
	hl7_out_set(o, 17, 1, 2, 1, im->org_name);
	if (im->org[0])
		hl7_out_set(o, 17, 1, 3, 1, "HL70362");
	hl7_out_set(o, 18, 1, 1, 1, im->capture.workstation);

	hl7_out_segment(o, "RXA");
	hl7_out_set(o, 1, 1, 1, 1, "0");
	hl7_out_set(o, 2, 1, 1, 1, "1");
	hl7_out_date(o, 3, 1, 1, 1, im->date_given);
	hl7_out_date(o, 4, 1, 1, 1, im->date_given);
	hl7_out_set(o, 5, 1, 1, 1, im->cvx);
	if (im->cvx[0])
		hl7_out_set(o, 5, 1, 3, 1, "CVX");
	if (im->ndc[0]) {
		hl7_out_set(o, 5, 1, 4, 1, im->ndc);
		hl7_out_set(o, 5, 1, 6, 1, "NDC");
	}
	if (im->dose_ul > 0) {
		char v[32];
		hl7_out_set(o, 6, 1, 1, 1, imm_format_volume(im->dose_ul, v, sizeof v));
		hl7_out_set(o, 7, 1, 1, 1, "mL");
		hl7_out_set(o, 7, 1, 3, 1, "UCUM");
	} else {
		hl7_out_set(o, 6, 1, 1, 1, "999");
	}
	set_coded(o, 9, 1, im->info_source[0] ? im->info_source : "00",
	          vocab_label(VOCAB_INFO_SOURCE, im->info_source), "NIP001");
	hl7_out_set(o, 10, 1, 2, 1, im->provider);
	hl7_out_set(o, 11, 1, 4, 1, im->org);
	hl7_out_set(o, 15, 1, 1, 1, im->lot);
	hl7_out_date(o, 16, 1, 1, 1, im->expiration);
	if (im->mvx[0]) {
		hl7_out_set(o, 17, 1, 1, 1, im->mvx);
		hl7_out_set(o, 17, 1, 3, 1, "MVX");
	}
	set_coded(o, 18, 1, im->refusal_reason, vocab_label(VOCAB_REFUSAL, im->refusal_reason), "NIP002");
	hl7_out_set(o, 20, 1, 1, 1, im->refused ? "RE" : im->subpotent ? "PA" : "CP");
	hl7_out_set(o, 21, 1, 1, 1, im->entered_in_error ? "D" : im->id[0] || im->version[0] ? "U" : "A");

	if (im->route[0] || im->site[0]) {
		hl7_out_segment(o, "RXR");
		bool ncit = im->route[0] == 'C' && isdigit((unsigned char)im->route[1]);
		set_coded(o, 1, 1, im->route, vocab_label(VOCAB_ROUTE, im->route), ncit ? "NCIT" : "HL70162");
		set_coded(o, 2, 1, im->site, vocab_label(VOCAB_SITE, im->site), "HL70163");
	}
	int ox = 0;
	int sub = 0;
	if (im->vfc[0]) {
		hl7_obx_start(o, &ox, "CE", LN_VFC, "Vaccine funding program eligibility category", ++sub);
		set_coded(o, 5, 1, im->vfc, vocab_label(VOCAB_VFC, im->vfc), "HL70064");
		hl7_out_date(o, 14, 1, 1, 1, im->date_given);
	}
	if (im->funding[0]) {
		hl7_obx_start(o, &ox, "CE", LN_FUNDING, "Vaccine funding source", ++sub);
		set_coded(o, 5, 1, im->funding, vocab_label(VOCAB_FUNDING, im->funding), "CDCPHINVS");
	}
	for (int i = 0; i < im->n_vis; i++) {
		const struct vis_given *v = &im->vis[i];
		++sub;
		hl7_obx_start(o, &ox, "CE", LN_VIS_DOC, "Document type", sub);
		if (all_digits(v->document))
			hl7_out_set(o, 5, 1, 1, 1, v->document);
		hl7_out_set(o, 5, 1, 2, 1, v->document);
		hl7_out_set(o, 5, 1, 3, 1, "cdcgs1vis");
		if (v->edition != DATE_NONE) {
			hl7_obx_start(o, &ox, "TS", LN_VIS_EDITION,
			              "Date vaccine information statement published", sub);
			hl7_out_date(o, 5, 1, 1, 1, v->edition);
		}
		if (v->presented != DATE_NONE) {
			hl7_obx_start(o, &ox, "TS", LN_VIS_GIVEN,
			              "Date vaccine information statement presented", sub);
			hl7_out_date(o, 5, 1, 1, 1, v->presented);
		}
	}
	if (im->note[0]) {
		hl7_obx_start(o, &ox, "TX", LN_NOTE, "Annotation comment", ++sub);
		hl7_out_set(o, 5, 1, 1, 1, im->note);
	}
	if (!opt->extensions)
		return;
	hl7_out_segment(o, "ZRX");
	hl7_out_set(o, 1, 1, 1, 1, im->id);
	hl7_out_set(o, 2, 1, 1, 1, im->version);
	hl7_out_set(o, 3, 1, 1, 1, im->delete_reason);
	hl7_out_set(o, 4, 1, 1, 1, im->edit_reason);
	set_capture(o, 5, 1, &im->capture);
	hl7_out_set(o, 6, 1, 1, 1, im->historical ? "Y" : "N");
	hl7_out_set(o, 7, 1, 1, 1, im->refused ? "Y" : "N");
}

char *hl7_vxu_write(const struct hl7_write_opts *o, const struct client *c, const struct immunization *im,
                    int n, size_t *len)
{
	struct hl7_header h;
	memset(&h, 0, sizeof h);
	snprintf(h.sending_app, sizeof h.sending_app, "%s", o->sending_app ? o->sending_app : "");
	snprintf(h.sending_facility, sizeof h.sending_facility, "%s",
	         o->sending_facility ? o->sending_facility : "");
	snprintf(h.receiving_app, sizeof h.receiving_app, "%s", o->receiving_app ? o->receiving_app : "");
	snprintf(h.receiving_facility, sizeof h.receiving_facility, "%s",
	         o->receiving_facility ? o->receiving_facility : "");
	snprintf(h.type, sizeof h.type, "VXU");
	snprintf(h.event, sizeof h.event, "V04");
	snprintf(h.structure, sizeof h.structure, "VXU_V04");
	snprintf(h.control_id, sizeof h.control_id, "%s", o->control_id ? o->control_id : "");
	snprintf(h.processing, sizeof h.processing, "%s", o->processing ? o->processing : "P");
	snprintf(h.version, sizeof h.version, "2.5.1");
	snprintf(h.accept_ack, sizeof h.accept_ack, "ER");
	snprintf(h.app_ack, sizeof h.app_ack, "AL");
	snprintf(h.charset, sizeof h.charset, "UNICODE UTF-8");
	snprintf(h.profile, sizeof h.profile, "Z22");
	struct hl7_out *out = hl7_out_new();
	hl7_header_write(out, &h, o->now);
	hl7_pid_write(out, c, o);
	for (int i = 0; i < n; i++)
		hl7_order_write(out, &im[i], o);
	comments_write(out, c, o);
	char *t = hl7_out_take(out, len);
	hl7_out_free(&out);
	return t;
}

/* ---- reading -------------------------------------------------------------------------------- */

struct rd {
	const struct hl7_msg *m;
	struct hl7_issues *is;
};

static struct hl7_loc loc_of(const struct hl7_msg *m, int seg, int field, int comp)
{
	struct hl7_loc l = {"", hl7_occurrence(m, seg), field, 1, comp};
	snprintf(l.seg, sizeof l.seg, "%s", hl7_seg_id(m, seg));
	return l;
}

/* Copy a value into a fixed field; a value that does not fit is reported
 * (an error for codes, whose meaning a cut would change). */
static void get_into(struct rd *r, int seg, int f, int rep, int comp, int sub, char *dst, size_t cap,
                     bool code)
{
	size_t n = hl7_get(r->m, seg, f, rep, comp, sub, dst, cap);
	if (n >= cap) {
		struct hl7_loc l = loc_of(r->m, seg, f, comp);
		char diag[64];
		snprintf(diag, sizeof diag, "%.40s...", dst);
		hl7_issue_add(r->is, &l, HL7_DATA_TYPE, code ? 'E' : 'W', HL7_APP_INVALID_VALUE, "HL7-LENGTH",
		              diag, "%s-%d is longer than the registry keeps (%zu characters)%s.",
		              hl7_seg_id(r->m, seg), f, cap - 1, code ? "" : "; it was shortened");
		/* a shortened code may be another code ("2080" would read as CVX
		 * 208): keep none rather than a wrong one. A code longer than the
		 * registry keeps is in none of its tables, and said so as such */
		if (code) {
			hl7_issue_add(
			    r->is, &l, HL7_TABLE_VALUE, 'E', HL7_APP_TABLE_VALUE, "HL7-CODE-UNKNOWN", diag,
			    "%s-%d: '%s' is not a code the registry knows.", hl7_seg_id(r->m, seg), f, diag);
			dst[0] = '\0';
		}
	}
}

/* A DT/TS field's date: YYYYMMDD with an optional time after it. */
static vax_date get_date(struct rd *r, int seg, int f, int rep, int comp, const char *what)
{
	char buf[40];
	if (!hl7_get(r->m, seg, f, rep, comp, 1, buf, sizeof buf))
		return DATE_NONE;
	vax_date d = DATE_NONE;
	char day[9];
	int64_t t;
	snprintf(day, sizeof day, "%.8s", buf);
	if (strlen(buf) < 8 || date_parse_compact(day, &d) != DATE_OK ||
	    (strlen(buf) > 8 && !hl7_ts_parse(buf, &t))) {
		struct hl7_loc l = loc_of(r->m, seg, f, comp);
		hl7_issue_add(r->is, &l, HL7_DATA_TYPE, 'E', HL7_APP_INVALID_DATE, "HL7-DATE", buf,
		              "%s is not a date (YYYYMMDD): '%s'.", what, buf);
		return DATE_NONE;
	}
	return d;
}

static void read_name(struct rd *r, int seg, int f, int rep, struct person_name *n)
{
	get_into(r, seg, f, rep, 1, 1, n->family, sizeof n->family, false);
	get_into(r, seg, f, rep, 2, 1, n->given, sizeof n->given, false);
	get_into(r, seg, f, rep, 3, 1, n->middle, sizeof n->middle, false);
	get_into(r, seg, f, rep, 4, 1, n->suffix, sizeof n->suffix, false);
}

static void read_address(struct rd *r, int seg, int f, int rep, struct address *a)
{
	get_into(r, seg, f, rep, 1, 1, a->line1, sizeof a->line1, false);
	get_into(r, seg, f, rep, 2, 1, a->line2, sizeof a->line2, false);
	get_into(r, seg, f, rep, 3, 1, a->city, sizeof a->city, false);
	get_into(r, seg, f, rep, 4, 1, a->state, sizeof a->state, true);
	get_into(r, seg, f, rep, 5, 1, a->zip, sizeof a->zip, true);
	get_into(r, seg, f, rep, 9, 1, a->county, sizeof a->county, false);
	a->since = get_date(r, seg, f, rep, 13, "The address's effective date (XAD-13)");
}

static bool read_phone(struct rd *r, int seg, int f, int rep, struct phone *p, char *email, size_t email_cap)
{
	char use[8], equip[16], area[8], local[24], d[40];
	hl7_get(r->m, seg, f, rep, 2, 1, use, sizeof use);
	hl7_get(r->m, seg, f, rep, 3, 1, equip, sizeof equip);
	if (!strcmp(use, "NET") || !strcmp(equip, "Internet") || !strcmp(equip, "X.400")) {
		if (email)
			get_into(r, seg, f, rep, 4, 1, email, email_cap, false);
		return false;
	}
	hl7_get(r->m, seg, f, rep, 6, 1, area, sizeof area);
	hl7_get(r->m, seg, f, rep, 7, 1, local, sizeof local);
	char all[64];
	if (area[0] || local[0])
		snprintf(all, sizeof all, "%s%s", area, local);
	else
		hl7_get(r->m, seg, f, rep, 1, 1, all, sizeof all);
	text_digits(all, d, sizeof d);
	if (!d[0])
		return false;
	memset(p, 0, sizeof *p);
	p->use = !strcmp(use, "WPN") ? PHONE_WORK : !strcmp(equip, "CP") ? PHONE_MOBILE : PHONE_HOME;
	text_copy(p->number, sizeof p->number, d);
	return true;
}

static void read_capture(struct rd *r, int seg, int f, int rep, struct capture *c)
{
	char at[32];
	get_into(r, seg, f, rep, 1, 1, c->user, sizeof c->user, false);
	get_into(r, seg, f, rep, 2, 1, c->org, sizeof c->org, false);
	get_into(r, seg, f, rep, 3, 1, c->workstation, sizeof c->workstation, false);
	hl7_get(r->m, seg, f, rep, 4, 1, at, sizeof at);
	c->at = strtoll(at, NULL, 10);
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* PID-3 / NK1-33: a UUID, the registry's id, or another identifier. Returns
 * 1 uuid, 2 registry id, 3 other (value/type/system filled). */
static int read_cx(struct rd *r, int seg, int f, int rep, const char *ns, char *value, size_t vcap,
                   char *type, size_t tcap, char *system, size_t scap)
{
	char hd1[VAX_NAME_LEN], hd2[VAX_NAME_LEN];
	get_into(r, seg, f, rep, 1, 1, value, vcap, true);
	hl7_get(r->m, seg, f, rep, 5, 1, type, tcap);
	hl7_get(r->m, seg, f, rep, 4, 1, hd1, sizeof hd1);
	hl7_get(r->m, seg, f, rep, 4, 2, hd2, sizeof hd2);
	if (!strcmp(hd2, HL7_UUID_AUTHORITY) && uuid_valid(value)) {
		lower(value);
		return 1;
	}
	if (!strcmp(type, "SR") && ((!hd1[0] && !hd2[0]) || !strcmp(hd1, ns)))
		return 2;
	snprintf(system, scap, "%s", hd2[0] ? hd2 : hd1);
	return 3;
}

static enum consent_status consent_from(const char *s)
{
	return !strcmp(s, "G")   ? CONSENT_GRANTED
	       : !strcmp(s, "R") ? CONSENT_REFUSED
	       : !strcmp(s, "W") ? CONSENT_WITHDRAWN
	                         : CONSENT_UNKNOWN;
}

void hl7_pid_read(const struct hl7_msg *m, int seg, struct client *c, struct hl7_issues *is,
                  const char *registry_ns)
{
	struct rd r = {m, is};
	const char *ns = ns_or_default(registry_ns);
	client_init(c);
	for (int i = 1; i <= hl7_reps(m, seg, 3); i++) {
		char value[VAX_ID_LEN], type[8], system[VAX_NAME_LEN];
		int k =
		    read_cx(&r, seg, 3, i, ns, value, sizeof value, type, sizeof type, system, sizeof system);
		if (!value[0])
			continue;
		if (k == 1) {
			text_copy(c->uuid, sizeof c->uuid, value);
		} else if (k == 2) {
			text_copy(c->id, sizeof c->id, value);
		} else if (c->n_ident < CLIENT_IDENT_MAX) {
			struct identifier *id = &c->ident[c->n_ident++];
			if (strlen(value) >= sizeof id->value) {
				struct hl7_loc l = loc_of(m, seg, 3, 1);
				hl7_issue_add(is, &l, HL7_DATA_TYPE, 'E', HL7_APP_INVALID_VALUE, "HL7-LENGTH",
				              value, "PID-3: an identifier is longer than %zu characters.",
				              sizeof id->value - 1);
			}
			text_copy(id->value, sizeof id->value, value);
			text_copy(id->type, sizeof id->type, type);
			text_copy(id->system, sizeof id->system, system);
		}
	}
	bool have_name = false;
	for (int i = 1; i <= hl7_reps(m, seg, 5); i++) {
		char type[8];
		hl7_get(m, seg, 5, i, 7, 1, type, sizeof type);
		if (!have_name && (!strcmp(type, "L") || !type[0])) {
			read_name(&r, seg, 5, i, &c->name);
			have_name = true;
		} else if (c->n_aka < CLIENT_AKA_MAX && strcmp(type, "M") != 0) {
			read_name(&r, seg, 5, i, &c->aka[c->n_aka]);
			if (c->aka[c->n_aka].family[0] || c->aka[c->n_aka].given[0])
				c->n_aka++;
		}
	}
	get_into(&r, seg, 6, 1, 1, 1, c->mother_maiden, sizeof c->mother_maiden, false);
	get_into(&r, seg, 6, 1, 2, 1, c->mother_given, sizeof c->mother_given, false);
	c->dob = get_date(&r, seg, 7, 1, 1, "PID-7 (date of birth)");
	char sex[16];
	hl7_get(m, seg, 8, 1, 1, 1, sex, sizeof sex);
	if (sex[0]) {
		/* table 0001 as the guide uses it; X from the 2018 addendum's gender identity work */
		if (!strcmp(sex, "F") || !strcmp(sex, "M") || !strcmp(sex, "U") || !strcmp(sex, "X")) {
			c->sex = client_sex_from_code(sex);
		} else {
			struct hl7_loc l = loc_of(m, seg, 8, 0);
			hl7_issue_add(is, &l, HL7_TABLE_VALUE, 'E', HL7_APP_TABLE_VALUE, "HL7-SEX", sex,
			              "PID-8: '%s' is not a sex code (F, M, X or U).", sex);
		}
	}
	for (int i = 1; i <= hl7_reps(m, seg, 10) && c->n_race < CLIENT_RACE_MAX; i++) {
		get_into(&r, seg, 10, i, 1, 1, c->race[c->n_race], sizeof c->race[0], true);
		if (c->race[c->n_race][0])
			c->n_race++;
	}
	for (int i = 1; i <= hl7_reps(m, seg, 11) && c->n_addr < CLIENT_ADDR_MAX; i++) {
		struct address *a = &c->addr[c->n_addr];
		read_address(&r, seg, 11, i, a);
		char type[8];
		hl7_get(m, seg, 11, i, 7, 1, type, sizeof type);
		if (i == 1 && !strcmp(type, "BA"))
			c->no_viable_address = true;
		if (a->line1[0] || a->city[0] || a->zip[0] || a->state[0] || a->county[0])
			c->n_addr++;
	}
	for (int f = 13; f <= 14; f++)
		for (int i = 1; i <= hl7_reps(m, seg, f); i++) {
			struct phone p;
			if (read_phone(&r, seg, f, i, &p, c->email, sizeof c->email) &&
			    c->n_phone < CLIENT_PHONE_MAX) {
				if (f == 14)
					p.use = PHONE_WORK;
				c->phone[c->n_phone++] = p;
			}
		}
	get_into(&r, seg, 22, 1, 1, 1, c->ethnicity, sizeof c->ethnicity, true);
	char yn[8], order[8];
	hl7_get(m, seg, 24, 1, 1, 1, yn, sizeof yn);
	hl7_get(m, seg, 25, 1, 1, 1, order, sizeof order);
	if (!strcmp(yn, "Y"))
		c->multiple_birth = atoi(order) > 0 ? atoi(order) : 1;
	hl7_get(m, seg, 30, 1, 1, 1, yn, sizeof yn);
	c->deceased = !strcmp(yn, "Y") || hl7_has(m, seg, 29, 1, 1, 1);
}

/* "given family" from an XCN (the way RXA-10 and PD1-4 are written back). */
static void xcn_name(struct rd *r, int seg, int f, char *out, size_t cap)
{
	char given[VAX_NAME_LEN], family[VAX_NAME_LEN];
	hl7_get(r->m, seg, f, 1, 2, 1, family, sizeof family);
	hl7_get(r->m, seg, f, 1, 3, 1, given, sizeof given);
	size_t n = text_copy(out, cap, given);
	if (given[0] && n + 1 < cap)
		out[n++] = ' ', out[n] = '\0';
	text_copy(out + n, cap - n, family);
}

static void read_pd1(struct rd *r, int seg, struct client *c)
{
	char code[8];
	xcn_name(r, seg, 4, c->primary_provider, sizeof c->primary_provider);
	hl7_get(r->m, seg, 11, 1, 1, 1, code, sizeof code);
	c->reminder_recall = code[0] && strcmp(code, "01") != 0;
	hl7_get(r->m, seg, 12, 1, 1, 1, code, sizeof code);
	if (!strcmp(code, "Y") || !strcmp(code, "N")) {
		c->consent.date = get_date(r, seg, 13, 1, 1, "PD1-13 (protection indicator date)");
		enum consent_status s = !strcmp(code, "N") ? CONSENT_GRANTED : CONSENT_REFUSED;
		vax_date on = c->consent.date;
		bool adult = c->dob != DATE_NONE && on != DATE_NONE && date_age_years(c->dob, on) >= 18;
		if (adult)
			c->consent.adult = s;
		else
			c->consent.minor = s;
	}
	hl7_get(r->m, seg, 16, 1, 1, 1, code, sizeof code);
	if (code[0]) {
		static const char *codes = "AIMLPU";
		const char *p = strlen(code) == 1 ? strchr(codes, code[0]) : NULL;
		if (!p) {
			struct hl7_loc l = loc_of(r->m, seg, 16, 0);
			hl7_issue_add(r->is, &l, HL7_TABLE_VALUE, 'E', HL7_APP_TABLE_VALUE, "HL7-0441", code,
			              "PD1-16: '%s' is not a registry status (A, I, L, M, P or U).", code);
		} else {
			c->org_status = code[0] == 'I'   ? ORG_STATUS_INACTIVE
			                : code[0] == 'M' ? ORG_STATUS_MOVED
			                : code[0] == 'L' ? ORG_STATUS_LOST
			                : code[0] == 'P' ? ORG_STATUS_DECEASED
			                                 : ORG_STATUS_ACTIVE;
		}
	}
}

static void read_nk1(struct rd *r, int seg, struct client *c, const char *ns)
{
	if (c->n_resp >= CLIENT_RESP_MAX)
		return;
	struct responsible_person *p = &c->resp[c->n_resp];
	memset(p, 0, sizeof *p);
	p->address.since = DATE_NONE;
	read_name(r, seg, 2, 1, &p->name);
	get_into(r, seg, 3, 1, 1, 1, p->relationship, sizeof p->relationship, true);
	read_address(r, seg, 4, 1, &p->address);
	read_phone(r, seg, 5, 1, &p->phone, NULL, 0);
	for (int i = 1; i <= hl7_reps(r->m, seg, 33); i++) {
		char value[VAX_ID_LEN], type[8], system[VAX_NAME_LEN];
		int k =
		    read_cx(r, seg, 33, i, ns, value, sizeof value, type, sizeof type, system, sizeof system);
		if (k == 1)
			text_copy(p->uuid, sizeof p->uuid, value);
		else if (k == 2)
			text_copy(p->id, sizeof p->id, value);
	}
	c->n_resp++;
}

static void read_zpi(struct rd *r, int seg, struct client *c)
{
	char b[VAX_TEXT_LEN];
	hl7_get(r->m, seg, 1, 1, 1, 1, b, sizeof b), c->vital_records_lock = !strcmp(b, "Y");
	hl7_get(r->m, seg, 2, 1, 1, 1, b, sizeof b), c->no_viable_address = !strcmp(b, "Y");
	get_into(r, seg, 3, 1, 1, 1, c->tracking_schedule, sizeof c->tracking_schedule, false);
	get_into(r, seg, 4, 1, 1, 1, c->org_status_reason, sizeof c->org_status_reason, false);
	c->last_notice = get_date(r, seg, 5, 1, 1, "ZPI-5");
	hl7_get(r->m, seg, 6, 1, 1, 1, b, sizeof b), c->consent.minor = consent_from(b);
	hl7_get(r->m, seg, 6, 1, 2, 1, b, sizeof b), c->consent.adult = consent_from(b);
	hl7_get(r->m, seg, 6, 1, 3, 1, b, sizeof b), c->consent.disaster_retention = !strcmp(b, "Y");
	c->consent.date = get_date(r, seg, 6, 1, 4, "ZPI-6.4");
	get_into(r, seg, 6, 1, 5, 1, c->consent.source, sizeof c->consent.source, false);
	get_into(r, seg, 6, 1, 6, 1, c->consent.uuid, sizeof c->consent.uuid, false);
	get_into(r, seg, 6, 1, 7, 1, c->consent.id, sizeof c->consent.id, false);
	get_into(r, seg, 6, 1, 8, 1, c->consent.version, sizeof c->consent.version, false);
	get_into(r, seg, 7, 1, 1, 1, c->note, sizeof c->note, false);
	read_capture(r, seg, 8, 1, &c->capture);
	get_into(r, seg, 9, 1, 1, 1, c->version, sizeof c->version, false);
	for (int i = 0; i < c->n_addr; i++)
		read_capture(r, seg, 10, i + 1, &c->addr[i].entered);
	for (int i = 0; i < c->n_resp; i++) {
		get_into(r, seg, 11, i + 1, 1, 1, c->resp[i].version, sizeof c->resp[i].version, false);
		hl7_get(r->m, seg, 11, i + 1, 2, 1, b, sizeof b);
		c->resp[i].removed = !strcmp(b, "Y");
	}
	hl7_get(r->m, seg, 12, 1, 1, 1, b, sizeof b);
	if (b[0])
		c->multiple_birth = atoi(b);
}

/* What an OBX is for, by its LOINC code. */
static void read_dose_obx(struct rd *r, int seg, struct hl7_dose *d, int *vis_sub)
{
	char loinc[16], code[VAX_NAME_LEN], text[VAX_NAME_LEN], sub[16];
	struct immunization *im = &d->im;
	hl7_get(r->m, seg, 3, 1, 1, 1, loinc, sizeof loinc);
	hl7_get(r->m, seg, 4, 1, 1, 1, sub, sizeof sub);
	int occ = hl7_occurrence(r->m, seg);
	if (!strcmp(loinc, LN_VFC)) {
		get_into(r, seg, 5, 1, 1, 1, im->vfc, sizeof im->vfc, true);
		d->where.obx_vfc_seq = occ;
	} else if (!strcmp(loinc, LN_FUNDING)) {
		get_into(r, seg, 5, 1, 1, 1, im->funding, sizeof im->funding, true);
		d->where.obx_funding_seq = occ;
	} else if (!strcmp(loinc, LN_VIS_DOC) || !strcmp(loinc, LN_VIS_VACCINE) ||
	           !strcmp(loinc, LN_VIS_EDITION) || !strcmp(loinc, LN_VIS_GIVEN)) {
		int s = atoi(sub);
		/* OBX-4 groups the observations of one VIS */
		if (im->n_vis == 0 || s != *vis_sub) {
			if (im->n_vis >= IMM_VIS_MAX)
				return;
			im->n_vis++;
			*vis_sub = s;
			im->vis[im->n_vis - 1].edition = im->vis[im->n_vis - 1].presented = DATE_NONE;
			d->where.obx_vis_seq = occ;
		}
		struct vis_given *v = &im->vis[im->n_vis - 1];
		if (!strcmp(loinc, LN_VIS_DOC)) {
			hl7_get(r->m, seg, 5, 1, 1, 1, code, sizeof code);
			hl7_get(r->m, seg, 5, 1, 2, 1, text, sizeof text);
			text_copy(v->document, sizeof v->document, code[0] ? code : text);
		} else if (!strcmp(loinc, LN_VIS_EDITION)) {
			v->edition = get_date(r, seg, 5, 1, 1, "OBX-5 (VIS edition date)");
		} else if (!strcmp(loinc, LN_VIS_GIVEN)) {
			v->presented = get_date(r, seg, 5, 1, 1, "OBX-5 (VIS presentation date)");
		} else if (!v->document[0]) {
			/* a VIS named by its vaccine (no barcode) */
			hl7_get(r->m, seg, 5, 1, 2, 1, text, sizeof text);
			hl7_get(r->m, seg, 5, 1, 1, 1, code, sizeof code);
			text_copy(v->document, sizeof v->document, text[0] ? text : code);
		}
	} else if (!strcmp(loinc, LN_NOTE)) {
		get_into(r, seg, 5, 1, 1, 1, im->note, sizeof im->note, false);
	}
	/* other observations (dose number, series status, risk group) are not kept */
}

/* OBX of a "no vaccine administered" RXA: the client's comments. */
static void read_comment_obx(struct rd *r, int seg, struct client *c, int *last_sub)
{
	char loinc[16], code[VAX_SHORT_LEN], sub[16];
	hl7_get(r->m, seg, 3, 1, 1, 1, loinc, sizeof loinc);
	hl7_get(r->m, seg, 4, 1, 1, 1, sub, sizeof sub);
	hl7_get(r->m, seg, 5, 1, 1, 1, code, sizeof code);
	if (!strcmp(loinc, LN_END) || !strcmp(loinc, LN_CONTRA_START)) {
		if (c->n_comment && atoi(sub) == *last_sub) {
			vax_date d = get_date(r, seg, 5, 1, 1, "OBX-5 (date)");
			if (!strcmp(loinc, LN_END))
				c->comment[c->n_comment - 1].end = d;
			else
				c->comment[c->n_comment - 1].begin = d;
		}
		return;
	}
	enum comment_kind k;
	if (!strcmp(loinc, LN_CONTRA))
		k = COMMENT_CONTRAINDICATION;
	else if (!strcmp(loinc, LN_REACTION))
		k = COMMENT_REACTION;
	else if (!strcmp(loinc, LN_IMMUNITY) || !strcmp(loinc, LN_SEROLOGY))
		k = COMMENT_IMMUNITY;
	else if (!strcmp(loinc, LN_NOTE))
		k = COMMENT_OTHER;
	else
		return;
	if (!strcmp(code, "UNK") || c->n_comment >= CLIENT_COMMENT_MAX)
		return; /* "unknown" is no observation */
	struct client_comment *cm = &c->comment[c->n_comment++];
	memset(cm, 0, sizeof *cm);
	cm->kind = k;
	cm->begin = cm->end = DATE_NONE;
	char type[8];
	hl7_get(r->m, seg, 2, 1, 1, 1, type, sizeof type);
	if (k == COMMENT_OTHER && strcmp(type, "CE") != 0 && strcmp(type, "CWE") != 0) {
		get_into(r, seg, 5, 1, 1, 1, cm->text, sizeof cm->text, false);
	} else {
		get_into(r, seg, 5, 1, 1, 1, cm->code, sizeof cm->code, false);
		get_into(r, seg, 5, 1, 2, 1, cm->text, sizeof cm->text, false);
	}
	cm->begin = get_date(r, seg, 14, 1, 1, "OBX-14 (date of the observation)");
	*last_sub = atoi(sub);
}

static void read_zrx(struct rd *r, int seg, struct immunization *im)
{
	char b[8];
	get_into(r, seg, 1, 1, 1, 1, im->id, sizeof im->id, false);
	get_into(r, seg, 2, 1, 1, 1, im->version, sizeof im->version, false);
	get_into(r, seg, 3, 1, 1, 1, im->delete_reason, sizeof im->delete_reason, false);
	get_into(r, seg, 4, 1, 1, 1, im->edit_reason, sizeof im->edit_reason, false);
	read_capture(r, seg, 5, 1, &im->capture);
	hl7_get(r->m, seg, 6, 1, 1, 1, b, sizeof b);
	if (b[0])
		im->historical = !strcmp(b, "Y");
}

static void read_rxa(struct rd *r, int seg, struct hl7_dose *d)
{
	struct immunization *im = &d->im;
	char buf[64], sys[16];
	d->where.rxa_seq = hl7_occurrence(r->m, seg);
	im->date_given = get_date(r, seg, 3, 1, 1, "RXA-3 (date given)");
	hl7_get(r->m, seg, 5, 1, 3, 1, sys, sizeof sys);
	if (!strcmp(sys, "NDC")) /* the NDC sent first, CVX missing: the NDC is the product */
		get_into(r, seg, 5, 1, 1, 1, im->ndc, sizeof im->ndc, true);
	else
		get_into(r, seg, 5, 1, 1, 1, im->cvx, sizeof im->cvx, true);
	hl7_get(r->m, seg, 5, 1, 6, 1, sys, sizeof sys);
	if (!strcmp(sys, "NDC"))
		get_into(r, seg, 5, 1, 4, 1, im->ndc, sizeof im->ndc, true);
	hl7_get(r->m, seg, 6, 1, 1, 1, buf, sizeof buf);
	if (buf[0] && strcmp(buf, "999") != 0 && !imm_parse_volume(buf, &im->dose_ul)) {
		struct hl7_loc l = loc_of(r->m, seg, 6, 0);
		hl7_issue_add(r->is, &l, HL7_DATA_TYPE, 'E', HL7_APP_INVALID_VALUE, "HL7-AMOUNT", buf,
		              "RXA-6: '%s' is not an amount in mL (use 999 when unknown).", buf);
	}
	hl7_get(r->m, seg, 9, 1, 1, 1, buf, sizeof buf);
	if (buf[0])
		text_copy(im->info_source, sizeof im->info_source, buf);
	if (strlen(buf) > 2) {
		struct hl7_loc l = loc_of(r->m, seg, 9, 0);
		hl7_issue_add(r->is, &l, HL7_TABLE_VALUE, 'E', HL7_APP_TABLE_VALUE, "HL7-NIP001", buf,
		              "RXA-9: '%s' is not an information source (NIP001: 00 to 08).", buf);
	}
	im->historical = strcmp(im->info_source, "00") != 0;
	xcn_name(r, seg, 10, im->provider, sizeof im->provider);
	get_into(r, seg, 15, 1, 1, 1, im->lot, sizeof im->lot, true);
	im->expiration = get_date(r, seg, 16, 1, 1, "RXA-16 (lot expiration date)");
	get_into(r, seg, 17, 1, 1, 1, im->mvx, sizeof im->mvx, true);
	get_into(r, seg, 18, 1, 1, 1, im->refusal_reason, sizeof im->refusal_reason, true);
	hl7_get(r->m, seg, 20, 1, 1, 1, buf, sizeof buf);
	im->refused = !strcmp(buf, "RE");
	im->subpotent = !strcmp(buf, "PA"); /* partially administered */
	if (buf[0] && strcmp(buf, "CP") && strcmp(buf, "RE") && strcmp(buf, "NA") && strcmp(buf, "PA")) {
		struct hl7_loc l = loc_of(r->m, seg, 20, 0);
		hl7_issue_add(r->is, &l, HL7_TABLE_VALUE, 'E', HL7_APP_TABLE_VALUE, "HL7-0322", buf,
		              "RXA-20: '%s' is not a completion status (CP, RE, NA or PA).", buf);
	}
	hl7_get(r->m, seg, 21, 1, 1, 1, buf, sizeof buf);
	d->action = buf[0] ? buf[0] : 'A';
	if (d->action == 'D')
		im->entered_in_error = true;
	if (!strchr("AUD", d->action)) {
		struct hl7_loc l = loc_of(r->m, seg, 21, 0);
		hl7_issue_add(r->is, &l, HL7_TABLE_VALUE, 'E', HL7_APP_TABLE_VALUE, "HL7-0323", buf,
		              "RXA-21: '%s' is not an action code (A, U or D).", buf);
		d->action = 'A';
	}
}

bool hl7_vxu_read(const struct hl7_msg *m, struct hl7_vxu *v, const char *registry_ns)
{
	memset(v, 0, sizeof *v);
	struct rd r = {m, &v->issues};
	const char *ns = ns_or_default(registry_ns);
	bool ok = hl7_header_read(m, &v->hdr, &v->issues);
	struct hl7_loc loc = {"MSH", 1, 9, 1, 0};
	if (ok && strcmp(v->hdr.type, "VXU") != 0) {
		hl7_issue_add(&v->issues, &loc, HL7_UNSUPPORTED_TYPE, 'E', HL7_APP_TABLE_VALUE, "HL7-MSH-9",
		              v->hdr.type, "This is a %s message; this service takes VXU (and QBP queries).",
		              v->hdr.type);
		ok = false;
	} else if (ok && strcmp(v->hdr.event, "V04") != 0) {
		loc.comp = 2;
		hl7_issue_add(&v->issues, &loc, HL7_UNSUPPORTED_EVENT, 'E', HL7_APP_TABLE_VALUE, "HL7-MSH-9",
		              v->hdr.event, "A VXU must be event V04 (MSH-9.2 is '%s').", v->hdr.event);
		ok = false;
	}
	if (!ok)
		return false;
	int pid = hl7_find(m, "PID", 1);
	if (pid < 0) {
		struct hl7_loc l = {"PID", 1, 0, 0, 0};
		hl7_issue_add(&v->issues, &l, HL7_SEGMENT_SEQUENCE, 'E', HL7_APP_DATA_MISSING, "HL7-NO-PID",
		              NULL, "The message has no PID segment: a VXU names the client first.");
		return false;
	}
	v->has_pid = true;
	hl7_pid_read(m, pid, &v->client, &v->issues, ns);
	/* what the guide (profile Z22) makes required of every VXU */
	static const struct {
		int field, comp;
		const char *what;
	} required[] = {
	    {5, 1, "PID-5.1 (last name)"}, {5, 2, "PID-5.2 (first name)"}, {7, 0, "PID-7 (date of birth)"}};
	for (size_t i = 0; i < sizeof required / sizeof *required; i++)
		if (!hl7_has(m, pid, required[i].field, 1, required[i].comp ? required[i].comp : 1, 1)) {
			struct hl7_loc l = {"PID", 1, required[i].field, 1, required[i].comp};
			hl7_issue_add(&v->issues, &l, HL7_REQUIRED, 'E', HL7_APP_DATA_MISSING, "HL7-REQUIRED",
			              NULL, "%s is required.", required[i].what);
		}
	struct hl7_dose *cur = NULL;
	bool comments = false, orc_pending = false;
	int vis_sub = -1, comment_sub = -1;
	char orc_id[VAX_NAME_LEN] = "", orc_ns[VAX_NAME_LEN] = "";
	struct capture orc_cap;
	memset(&orc_cap, 0, sizeof orc_cap);
	char orc_org[VAX_SHORT_LEN] = "", orc_org_name[VAX_NAME_LEN] = "";
	for (int s = 1; s < hl7_nseg(m); s++) {
		const char *id = hl7_seg_id(m, s);
		if (s < pid && strcmp(id, "SFT") != 0) {
			struct hl7_loc l = loc_of(m, s, 0, 0);
			hl7_issue_add(&v->issues, &l, HL7_SEGMENT_SEQUENCE, 'W', HL7_APP_NONE, "HL7-ORDER",
			              NULL, "%s comes before PID; it was ignored.", id);
			continue;
		}
		if (!strcmp(id, "PD1") && !cur) {
			read_pd1(&r, s, &v->client);
		} else if (!strcmp(id, "NK1") && !cur) {
			read_nk1(&r, s, &v->client, ns);
		} else if (!strcmp(id, "ZPI")) {
			read_zpi(&r, s, &v->client);
		} else if (!strcmp(id, "ORC")) {
			orc_pending = true;
			hl7_get(m, s, 3, 1, 1, 1, orc_id, sizeof orc_id);
			hl7_get(m, s, 3, 1, 2, 1, orc_ns, sizeof orc_ns);
			memset(&orc_cap, 0, sizeof orc_cap);
			char ts[40];
			int64_t t;
			hl7_get(m, s, 9, 1, 1, 1, ts, sizeof ts);
			if (ts[0] && hl7_ts_parse(ts, &t))
				orc_cap.at = t;
			get_into(&r, s, 10, 1, 1, 1, orc_cap.user, sizeof orc_cap.user, false);
			get_into(&r, s, 18, 1, 1, 1, orc_cap.workstation, sizeof orc_cap.workstation, false);
			get_into(&r, s, 17, 1, 1, 1, orc_org, sizeof orc_org, false);
			get_into(&r, s, 17, 1, 2, 1, orc_org_name, sizeof orc_org_name, false);
			snprintf(orc_cap.org, sizeof orc_cap.org, "%s", orc_org);
		} else if (!strcmp(id, "RXA")) {
			char cvx[16], status[8];
			hl7_get(m, s, 5, 1, 1, 1, cvx, sizeof cvx);
			hl7_get(m, s, 20, 1, 1, 1, status, sizeof status);
			if (!orc_pending) {
				struct hl7_loc l = loc_of(m, s, 0, 0);
				hl7_issue_add(
				    &v->issues, &l, HL7_SEGMENT_SEQUENCE, 'W', HL7_APP_NONE, "HL7-NO-ORC",
				    NULL, "RXA without an ORC before it: the dose has no order id (ORC-3).");
				orc_id[0] = orc_ns[0] = orc_org[0] = orc_org_name[0] = '\0';
				memset(&orc_cap, 0, sizeof orc_cap);
			}
			orc_pending = false;
			if (!strcmp(cvx, "998") || !strcmp(status, "NA")) {
				/* no vaccine given: what follows is about the client */
				comments = true;
				cur = NULL;
				continue;
			}
			comments = false;
			if (v->n_dose >= HL7_VXU_MAX_DOSES) {
				struct hl7_loc l = loc_of(m, s, 0, 0);
				hl7_issue_add(&v->issues, &l, HL7_SEGMENT_SEQUENCE, 'E', HL7_APP_NONE,
				              "HL7-TOO-MANY", NULL,
				              "More than %d doses in one message; send the rest in another.",
				              HL7_VXU_MAX_DOSES);
				cur = NULL;
				continue;
			}
			cur = &v->dose[v->n_dose++];
			memset(cur, 0, sizeof *cur);
			imm_init(&cur->im);
			vis_sub = -1;
			text_copy(cur->order_id, sizeof cur->order_id, orc_id);
			text_copy(cur->order_ns, sizeof cur->order_ns, orc_ns);
			if (uuid_valid(orc_id)) {
				text_copy(cur->im.uuid, sizeof cur->im.uuid, orc_id);
				lower(cur->im.uuid);
			}
			cur->im.capture = orc_cap;
			text_copy(cur->im.org, sizeof cur->im.org, orc_org);
			text_copy(cur->im.org_name, sizeof cur->im.org_name, orc_org_name);
			read_rxa(&r, s, cur);
			for (int f = 3; f <= 5; f += 2)
				if (!hl7_has(m, s, f, 1, 1, 1)) {
					struct hl7_loc l = loc_of(m, s, f, 0);
					hl7_issue_add(&v->issues, &l, HL7_REQUIRED, 'E', HL7_APP_DATA_MISSING,
					              "HL7-REQUIRED", NULL, "%s is required.",
					              f == 3 ? "RXA-3 (date given)" : "RXA-5 (vaccine code)");
				}
			text_copy(cur->im.client_id, sizeof cur->im.client_id, v->client.id);
			text_copy(cur->im.client_uuid, sizeof cur->im.client_uuid, v->client.uuid);
		} else if (!strcmp(id, "RXR") && cur) {
			get_into(&r, s, 1, 1, 1, 1, cur->im.route, sizeof cur->im.route, true);
			get_into(&r, s, 2, 1, 1, 1, cur->im.site, sizeof cur->im.site, true);
			cur->where.rxr_seq = hl7_occurrence(m, s);
		} else if (!strcmp(id, "OBX")) {
			if (cur)
				read_dose_obx(&r, s, cur, &vis_sub);
			else if (comments)
				read_comment_obx(&r, s, &v->client, &comment_sub);
		} else if (!strcmp(id, "ZRX") && cur) {
			read_zrx(&r, s, &cur->im);
		}
		/* PV1, IN1, GT1, NTE, TQ1 and unknown Z segments carry nothing the registry keeps */
	}
	return true;
}

/* ---- rules --------------------------------------------------------------------------- */

void hl7_vxu_check(const struct hl7_vxu *v, const struct rule_ctx *ctx, struct hl7_issues *is)
{
	struct rule_report rep;
	rules_report_init(&rep);
	rules_check_client(ctx, &v->client, &rep);
	struct hl7_where w = {0};
	hl7_issues_from_rules(is, &rep, &w);
	for (int i = 0; i < v->n_dose; i++) {
		if (v->dose[i].im.entered_in_error)
			continue;
		rules_report_init(&rep);
		/* an NDC written 5-4-2 with dashes, as messages often have it, is
		 * checked as the 11 digits it is (the registry stores the code
		 * system's form) */
		struct immunization im = v->dose[i].im;
		codes_ndc_undash(im.ndc);
		rules_check_immunization(ctx, v->client.dob, &im, &rep);
		hl7_issues_from_rules(is, &rep, &v->dose[i].where);
	}
}
