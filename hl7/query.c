/* hl7/query.c - see query.h */
#include "hl7/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/uuid.h"
#include "core/xalloc.h"

static const char *query_name(const char *profile)
{
	return !strcmp(profile, "Z44") ? "Request Evaluated History and Forecast"
	                               : "Request Immunization History";
}

static void write_qpd(struct hl7_out *o, const char *profile, const char *tag, const struct client *w)
{
	hl7_out_segment(o, "QPD");
	hl7_out_set(o, 1, 1, 1, 1, profile);
	hl7_out_set(o, 1, 1, 2, 1, query_name(profile));
	hl7_out_set(o, 1, 1, 3, 1, "CDCPHINVS");
	hl7_out_set(o, 2, 1, 1, 1, tag);
	int rep = 1;
	if (w->id[0]) {
		hl7_out_set(o, 3, rep, 1, 1, w->id);
		hl7_out_set(o, 3, rep++, 5, 1, "SR");
	}
	if (w->uuid[0]) {
		hl7_out_set(o, 3, rep, 1, 1, w->uuid);
		hl7_out_set(o, 3, rep, 4, 2, HL7_UUID_AUTHORITY);
		hl7_out_set(o, 3, rep, 4, 3, "URI");
		hl7_out_set(o, 3, rep++, 5, 1, "PI");
	}
	for (int i = 0; i < w->n_ident; i++, rep++) {
		hl7_out_set(o, 3, rep, 1, 1, w->ident[i].value);
		hl7_out_set(o, 3, rep, 4, 1, w->ident[i].system);
		hl7_out_set(o, 3, rep, 5, 1, w->ident[i].type);
	}
	hl7_out_set(o, 4, 1, 1, 1, w->name.family);
	hl7_out_set(o, 4, 1, 2, 1, w->name.given);
	hl7_out_set(o, 4, 1, 3, 1, w->name.middle);
	if (w->name.family[0])
		hl7_out_set(o, 4, 1, 7, 1, "L");
	hl7_out_set(o, 5, 1, 1, 1, w->mother_maiden);
	hl7_out_set(o, 5, 1, 2, 1, w->mother_given);
	if (w->mother_maiden[0])
		hl7_out_set(o, 5, 1, 7, 1, "M");
	hl7_out_date(o, 6, 1, 1, 1, w->dob);
	hl7_out_set(o, 7, 1, 1, 1, client_sex_code(w->sex));
	if (w->n_addr) {
		const struct address *a = &w->addr[0];
		hl7_out_set(o, 8, 1, 1, 1, a->line1);
		hl7_out_set(o, 8, 1, 3, 1, a->city);
		hl7_out_set(o, 8, 1, 4, 1, a->state);
		hl7_out_set(o, 8, 1, 5, 1, a->zip);
		hl7_out_set(o, 8, 1, 7, 1, "L");
	}
	if (w->n_phone) {
		char d[32];
		text_digits(w->phone[0].number, d, sizeof d);
		hl7_out_set(o, 9, 1, 2, 1, "PRN");
		hl7_out_set(o, 9, 1, 3, 1, "PH");
		if (strlen(d) == 10) {
			hl7_out_setf(o, 9, 1, 6, 1, "%.3s", d);
			hl7_out_set(o, 9, 1, 7, 1, d + 3);
		}
	}
	if (w->multiple_birth) {
		hl7_out_set(o, 10, 1, 1, 1, "Y");
		hl7_out_setf(o, 11, 1, 1, 1, "%d", w->multiple_birth);
	}
}

static void header(struct hl7_header *h, const struct hl7_write_opts *o, const char *type, const char *event,
                   const char *structure, const char *profile)
{
	memset(h, 0, sizeof *h);
	snprintf(h->sending_app, sizeof h->sending_app, "%s", o->sending_app ? o->sending_app : "");
	snprintf(h->sending_facility, sizeof h->sending_facility, "%s",
	         o->sending_facility ? o->sending_facility : "");
	snprintf(h->receiving_app, sizeof h->receiving_app, "%s", o->receiving_app ? o->receiving_app : "");
	snprintf(h->receiving_facility, sizeof h->receiving_facility, "%s",
	         o->receiving_facility ? o->receiving_facility : "");
	snprintf(h->type, sizeof h->type, "%s", type);
	snprintf(h->event, sizeof h->event, "%s", event);
	snprintf(h->structure, sizeof h->structure, "%s", structure);
	snprintf(h->control_id, sizeof h->control_id, "%s", o->control_id ? o->control_id : "");
	snprintf(h->processing, sizeof h->processing, "%s", o->processing ? o->processing : "P");
	snprintf(h->version, sizeof h->version, "2.5.1");
	snprintf(h->accept_ack, sizeof h->accept_ack, "NE");
	snprintf(h->app_ack, sizeof h->app_ack, "NE");
	snprintf(h->profile, sizeof h->profile, "%s", profile);
}

char *hl7_qbp_write(const struct hl7_write_opts *o, const char *profile, const char *tag,
                    const struct client *who, int max_results, size_t *len)
{
	struct hl7_header h;
	header(&h, o, "QBP", "Q11", "QBP_Q11", profile);
	struct hl7_out *out = hl7_out_new();
	hl7_header_write(out, &h, o->now);
	write_qpd(out, profile, tag, who);
	hl7_out_segment(out, "RCP");
	hl7_out_set(out, 1, 1, 1, 1, "I");
	hl7_out_setf(out, 2, 1, 1, 1, "%d", max_results > 0 ? max_results : 10);
	hl7_out_set(out, 2, 1, 2, 1, "RD");
	hl7_out_set(out, 3, 1, 1, 1, "R");
	char *t = hl7_out_take(out, len);
	hl7_out_free(&out);
	return t;
}

bool hl7_qbp_read(const struct hl7_msg *m, struct hl7_qbp *q, const char *registry_ns)
{
	memset(q, 0, sizeof *q);
	client_init(&q->who);
	q->max_results = 10;
	bool ok = hl7_header_read(m, &q->hdr, &q->issues);
	struct hl7_loc loc = {"MSH", 1, 9, 1, 2};
	if (ok && strcmp(q->hdr.event, "Q11") != 0) {
		hl7_issue_add(&q->issues, &loc, HL7_UNSUPPORTED_EVENT, 'E', HL7_APP_TABLE_VALUE, "HL7-MSH-9",
		              q->hdr.event, "A query must be QBP^Q11 (MSH-9.2 is '%s').", q->hdr.event);
		ok = false;
	}
	int s = hl7_find(m, "QPD", 1);
	if (ok && s < 0) {
		struct hl7_loc l = {"QPD", 1, 0, 0, 0};
		hl7_issue_add(&q->issues, &l, HL7_SEGMENT_SEQUENCE, 'E', HL7_APP_DATA_MISSING, "HL7-NO-QPD",
		              NULL, "The query has no QPD segment.");
		ok = false;
	}
	if (!ok)
		return false;
	hl7_get(m, s, 1, 1, 1, 1, q->profile, sizeof q->profile);
	hl7_get(m, s, 2, 1, 1, 1, q->tag, sizeof q->tag);
	if (strcmp(q->profile, "Z34") && strcmp(q->profile, "Z44")) {
		struct hl7_loc l = {"QPD", 1, 1, 1, 0};
		hl7_issue_add(
		    &q->issues, &l, HL7_TABLE_VALUE, 'E', HL7_APP_TABLE_VALUE, "HL7-QPD-1", q->profile,
		    "QPD-1: this registry answers Z34 (history) and Z44 (history and forecast), not '%s'.",
		    q->profile);
		return false;
	}
	/* QPD-3.. has PID's fields in another order: read them as PID does */
	struct client *w = &q->who;
	for (int i = 1; i <= hl7_reps(m, s, 3); i++) {
		char value[VAX_ID_LEN], type[8], hd1[VAX_NAME_LEN], hd2[VAX_NAME_LEN];
		hl7_get(m, s, 3, i, 1, 1, value, sizeof value);
		hl7_get(m, s, 3, i, 5, 1, type, sizeof type);
		hl7_get(m, s, 3, i, 4, 1, hd1, sizeof hd1);
		hl7_get(m, s, 3, i, 4, 2, hd2, sizeof hd2);
		if (!value[0])
			continue;
		if (!strcmp(hd2, HL7_UUID_AUTHORITY) && uuid_valid(value))
			text_copy(w->uuid, sizeof w->uuid, value);
		else if (!strcmp(type, "SR") &&
		         (!hd1[0] || !strcmp(hd1, registry_ns ? registry_ns : "VAXREGD")))
			text_copy(w->id, sizeof w->id, value);
		else if (w->n_ident < CLIENT_IDENT_MAX) {
			struct identifier *id = &w->ident[w->n_ident++];
			text_copy(id->value, sizeof id->value, value);
			text_copy(id->type, sizeof id->type, type);
			text_copy(id->system, sizeof id->system, hd2[0] ? hd2 : hd1);
		}
	}
	hl7_get(m, s, 4, 1, 1, 1, w->name.family, sizeof w->name.family);
	hl7_get(m, s, 4, 1, 2, 1, w->name.given, sizeof w->name.given);
	hl7_get(m, s, 4, 1, 3, 1, w->name.middle, sizeof w->name.middle);
	hl7_get(m, s, 5, 1, 1, 1, w->mother_maiden, sizeof w->mother_maiden);
	hl7_get(m, s, 5, 1, 2, 1, w->mother_given, sizeof w->mother_given);
	char b[40];
	hl7_get(m, s, 6, 1, 1, 1, b, sizeof b);
	if (b[0]) {
		char day[9];
		snprintf(day, sizeof day, "%.8s", b);
		if (date_parse_compact(day, &w->dob) != DATE_OK) {
			struct hl7_loc l = {"QPD", 1, 6, 1, 0};
			hl7_issue_add(&q->issues, &l, HL7_DATA_TYPE, 'E', HL7_APP_INVALID_DATE, "HL7-DATE", b,
			              "QPD-6 (date of birth) is not a date (YYYYMMDD): '%s'.", b);
		}
	}
	hl7_get(m, s, 7, 1, 1, 1, b, sizeof b);
	w->sex = client_sex_from_code(b);
	if (hl7_has(m, s, 8, 1, 1, 1) || hl7_has(m, s, 8, 1, 5, 1)) {
		struct address *a = &w->addr[0];
		hl7_get(m, s, 8, 1, 1, 1, a->line1, sizeof a->line1);
		hl7_get(m, s, 8, 1, 3, 1, a->city, sizeof a->city);
		hl7_get(m, s, 8, 1, 4, 1, a->state, sizeof a->state);
		hl7_get(m, s, 8, 1, 5, 1, a->zip, sizeof a->zip);
		w->n_addr = 1;
	}
	char area[8], local[24];
	hl7_get(m, s, 9, 1, 6, 1, area, sizeof area);
	hl7_get(m, s, 9, 1, 7, 1, local, sizeof local);
	if (area[0] || local[0]) {
		char all[40];
		snprintf(all, sizeof all, "%s%s", area, local);
		text_digits(all, w->phone[0].number, sizeof w->phone[0].number);
		w->n_phone = 1;
	}
	hl7_get(m, s, 10, 1, 1, 1, b, sizeof b);
	if (!strcmp(b, "Y")) {
		hl7_get(m, s, 11, 1, 1, 1, b, sizeof b);
		w->multiple_birth = atoi(b) > 0 ? atoi(b) : 1;
	}
	int rcp = hl7_find(m, "RCP", s);
	if (rcp >= 0) {
		hl7_get(m, rcp, 2, 1, 1, 1, b, sizeof b);
		if (atoi(b) > 0)
			q->max_results = atoi(b);
	}
	if (!w->id[0] && !w->uuid[0] && !w->n_ident && (!w->name.family[0] || w->dob == DATE_NONE)) {
		struct hl7_loc l = {"QPD", 1, 3, 1, 0};
		hl7_issue_add(
		    &q->issues, &l, HL7_REQUIRED, 'E', HL7_APP_DATA_MISSING, "HL7-QPD-WHO", NULL,
		    "The query names no client: send an identifier (QPD-3), or a name (QPD-4) and date of "
		    "birth (QPD-6).");
		return false;
	}
	return true;
}

/* ---- answers ------------------------------------------------------------------------ */

static void group_obx(struct hl7_out *o, int *n, int sub, const char *cvx, const char *group)
{
	hl7_obx_start(o, n, "CE", "30956-7", "Vaccine type", sub);
	hl7_out_set(o, 5, 1, 1, 1, cvx[0] ? cvx : group);
	hl7_out_set(o, 5, 1, 2, 1, group);
	hl7_out_set(o, 5, 1, 3, 1, cvx[0] ? "CVX" : "L");
	hl7_obx_start(o, n, "CE", "59779-9", "Immunization schedule used", sub);
	hl7_out_set(o, 5, 1, 1, 1, "VXC16");
	hl7_out_set(o, 5, 1, 2, 1, "ACIP");
	hl7_out_set(o, 5, 1, 3, 1, "CDCPHINVS");
}

static void ts_obx(struct hl7_out *o, int *n, const char *loinc, const char *label, int sub, vax_date d)
{
	if (d == DATE_NONE)
		return;
	hl7_obx_start(o, n, "TS", loinc, label, sub);
	hl7_out_date(o, 5, 1, 1, 1, d);
}

char *hl7_rsp_write(const struct hl7_write_opts *o, const struct hl7_qbp *q, const struct hl7_rsp *r,
                    size_t *len)
{
	bool z44 = !strcmp(q->profile, "Z44");
	const char *profile = r->n_clients == 1 ? (z44 ? "Z42" : "Z32") : r->n_clients > 1 ? "Z31" : "Z33";
	struct hl7_header h;
	header(&h, o, "RSP", "K11", "RSP_K11", profile);
	snprintf(h.receiving_app, sizeof h.receiving_app, "%s", q->hdr.sending_app);
	snprintf(h.receiving_facility, sizeof h.receiving_facility, "%s", q->hdr.sending_facility);
	struct hl7_out *out = hl7_out_new();
	hl7_header_write(out, &h, o->now);
	hl7_out_segment(out, "MSA");
	const struct hl7_issues none = {0};
	const struct hl7_issues *is = r->issues ? r->issues : &none;
	hl7_out_set(out, 1, 1, 1, 1, !strcmp(r->status, "AR") ? "AR" : hl7_issues_errors(is) ? "AE" : "AA");
	hl7_out_set(out, 2, 1, 1, 1, q->hdr.control_id);
	char *head = hl7_out_take(out, NULL);
	/* ERR come from the ACK writer: the same segments, after MSA */
	size_t alen;
	char *ack = hl7_ack_write(&q->hdr, "", "", "", "AA", is, o->now, &alen);
	char *errs = strstr(ack, "\rERR|");
	struct hl7_out *tail = hl7_out_new();
	hl7_out_segment(tail, "QAK");
	hl7_out_set(tail, 1, 1, 1, 1, q->tag);
	hl7_out_set(tail, 2, 1, 1, 1, r->status);
	hl7_out_set(tail, 3, 1, 1, 1, q->profile);
	hl7_out_set(tail, 3, 1, 2, 1, query_name(q->profile));
	hl7_out_set(tail, 3, 1, 3, 1, "CDCPHINVS");
	write_qpd(tail, q->profile, q->tag, &q->who);
	struct hl7_write_opts po = *o;
	po.extensions = false;
	for (int c = 0; c < r->n_clients; c++) {
		hl7_pid_write(tail, &r->clients[c], &po);
		if (r->n_clients > 1)
			continue;
		for (int d = 0; d < r->n_doses; d++) {
			hl7_order_write(tail, &r->doses[d], &po);
			int n = 50, sub = 50; /* evaluation OBX follow the dose's own */
			for (int e = 0; e < r->n_evals; e++) {
				const struct hl7_eval *ev = &r->evals[e];
				if (ev->dose != d)
					continue;
				sub++;
				group_obx(tail, &n, sub, ev->group_cvx, ev->group);
				if (ev->dose_number > 0) {
					hl7_obx_start(tail, &n, "NM", "30973-2", "Dose number in series",
					              sub);
					hl7_out_setf(tail, 5, 1, 1, 1, "%d", ev->dose_number);
				}
				hl7_obx_start(tail, &n, "CE", "59781-5", "Dose validity", sub);
				hl7_out_set(tail, 5, 1, 1, 1, ev->valid ? "Y" : "N");
				hl7_out_set(tail, 5, 1, 2, 1, ev->valid ? "Yes" : "No");
				hl7_out_set(tail, 5, 1, 3, 1, "HL70136");
				if (ev->reason[0]) {
					hl7_obx_start(tail, &n, "CE", "30982-3",
					              "Reason applied by forecast logic", sub);
					hl7_out_set(tail, 5, 1, 2, 1, ev->reason);
				}
			}
		}
		if (r->n_forecast) {
			hl7_no_vaccine_write(tail, o->now);
			int n = 0;
			for (int f = 0; f < r->n_forecast; f++) {
				const struct hl7_forecast *fc = &r->forecast[f];
				group_obx(tail, &n, f + 1, fc->group_cvx, fc->group);
				if (fc->dose_number > 0) {
					hl7_obx_start(tail, &n, "NM", "30973-2", "Dose number in series",
					              f + 1);
					hl7_out_setf(tail, 5, 1, 1, 1, "%d", fc->dose_number);
				}
				ts_obx(tail, &n, "30981-5", "Earliest date to give", f + 1, fc->earliest);
				ts_obx(tail, &n, "30980-7", "Date vaccine due", f + 1, fc->due);
				ts_obx(tail, &n, "59778-1", "Date vaccine overdue", f + 1, fc->overdue);
				ts_obx(tail, &n, "59777-3", "Latest date next dose should be given", f + 1,
				       fc->latest);
				hl7_obx_start(tail, &n, "CE", "59783-1", "Status in immunization series",
				              f + 1);
				hl7_out_set(tail, 5, 1, 2, 1, fc->status);
			}
		}
	}
	size_t tl;
	char *t2 = hl7_out_take(tail, &tl);
	size_t hl = strlen(head), el = errs ? strlen(errs + 1) : 0;
	char *all = xmalloc(hl + el + tl + 1);
	memcpy(all, head, hl);
	if (el)
		memcpy(all + hl, errs + 1, el);
	memcpy(all + hl + el, t2, tl + 1);
	*len = hl + el + tl;
	free(head);
	free(ack);
	free(t2);
	hl7_out_free(&out);
	hl7_out_free(&tail);
	return all;
}

bool hl7_rsp_parse(const struct hl7_msg *m, struct hl7_rsp_read *r, struct vax_error *err)
{
	memset(r, 0, sizeof *r);
	struct hl7_header h;
	struct hl7_issues scratch = {0};
	hl7_header_read(m, &h, &scratch);
	if (strcmp(h.type, "RSP") != 0)
		return error_set(err, "HL7-NOT-RSP", "This is not a query response (MSH-9 is '%s').", h.type);
	text_copy(r->profile, sizeof r->profile, h.profile);
	int s = hl7_find(m, "MSA", 0);
	if (s >= 0)
		hl7_get(m, s, 1, 1, 1, 1, r->ack, sizeof r->ack);
	s = hl7_find(m, "QAK", 0);
	if (s >= 0) {
		hl7_get(m, s, 1, 1, 1, 1, r->tag, sizeof r->tag);
		hl7_get(m, s, 2, 1, 1, 1, r->status, sizeof r->status);
	}
	int np = 0, nd = 0;
	for (int i = 0; i < hl7_nseg(m); i++) {
		if (!strcmp(hl7_seg_id(m, i), "PID"))
			np++;
		if (!strcmp(hl7_seg_id(m, i), "RXA"))
			nd++;
	}
	r->clients = xcalloc((size_t)np + 1, sizeof *r->clients);
	r->doses = xcalloc((size_t)nd + 1, sizeof *r->doses);
	bool forecast = false;
	for (int i = 0; i < hl7_nseg(m); i++) {
		const char *id = hl7_seg_id(m, i);
		if (!strcmp(id, "PID")) {
			struct hl7_issues is = {0};
			hl7_pid_read(m, i, &r->clients[r->n_clients++], &is, NULL);
		} else if (!strcmp(id, "RXA")) {
			char cvx[8], d[16];
			hl7_get(m, i, 5, 1, 1, 1, cvx, sizeof cvx);
			forecast = !strcmp(cvx, "998");
			if (forecast)
				continue;
			struct immunization *im = &r->doses[r->n_doses++];
			imm_init(im);
			text_copy(im->cvx, sizeof im->cvx, cvx);
			hl7_get(m, i, 3, 1, 1, 1, d, sizeof d);
			d[8] = '\0';
			date_parse_compact(d, &im->date_given);
		} else if (!strcmp(id, "OBX") && forecast) {
			char loinc[16];
			hl7_get(m, i, 3, 1, 1, 1, loinc, sizeof loinc);
			if (!strcmp(loinc, "30956-7"))
				r->n_forecast++;
		}
	}
	return true;
}

void hl7_rsp_read_free(struct hl7_rsp_read *r)
{
	free(r->clients);
	free(r->doses);
	memset(r, 0, sizeof *r);
}
