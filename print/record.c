/* print/record.c - see record.h. */
#include "print/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vocab.h"
#include "core/xalloc.h"
#include "print/doc.h"
#include "print/history.h"

struct ctx {
	const struct record_doc *r;
	struct history h;
	bool evaluated;
	char why[VAX_ERROR_MSG_LEN]; /* why CDSi could not evaluate */
};

/* Without an evaluation (no date of birth, a dose dated before birth) the
 * doses still print, by date, marked as not evaluated. */
static void unevaluated(struct ctx *c)
{
	const struct record_doc *r = c->r;
	struct cdsi_dose *doses = xcalloc(r->nimms + 1, sizeof *doses);
	size_t *map = xcalloc(r->nimms + 1, sizeof *map);
	size_t nd = history_cdsi_doses(r->imms, r->nimms, doses, map);
	c->h.groups = xcalloc(1, sizeof *c->h.groups);
	c->h.ngroups = 1;
	c->h.given = (int)nd;
	struct history_group *g = &c->h.groups[0];
	g->group = -1;
	snprintf(g->name, sizeof g->name, "All doses");
	g->doses = xcalloc(nd + 1, sizeof *g->doses);
	for (size_t k = 0; k < nd; k++) {
		struct history_dose *hd = &g->doses[g->ndoses++];
		hd->imm = map[k];
		hd->date = doses[k].date;
		const char *desc = r->cdsi ? cdsi_cvx_description(r->cdsi, doses[k].cvx) : NULL;
		if (desc)
			snprintf(hd->vaccine, sizeof hd->vaccine, "%s", desc);
		else
			snprintf(hd->vaccine, sizeof hd->vaccine, "CVX %s", r->imms[map[k]].cvx);
		snprintf(hd->label, sizeof hd->label, "Not evaluated");
	}
	free(doses);
	free(map);
}

static void identification(struct pdf *p, const struct record_doc *r)
{
	const struct client *cl = r->client;
	char name[3 * VAX_NAME_LEN], dob[DATE_US_LEN], addr[512], resp[3 * VAX_NAME_LEN + 64], aka[400] = "";
	char mother[2 * VAX_NAME_LEN + 4];
	client_display_name(&cl->name, name, sizeof name);
	date_format_us(cl->dob, dob);
	doc_address(&cl->addr[0], "; ", addr, sizeof addr);
	snprintf(mother, sizeof mother, "%s%s%s", cl->mother_given,
	         cl->mother_given[0] && cl->mother_maiden[0] ? " " : "", cl->mother_maiden);
	resp[0] = '\0';
	if (cl->n_resp > 0) {
		const struct responsible_person *rp = &cl->resp[0];
		char rn[3 * VAX_NAME_LEN];
		const char *rel = vocab_label(VOCAB_RELATIONSHIP, rp->relationship);
		snprintf(resp, sizeof resp, "%s%s%s%s", client_display_name(&rp->name, rn, sizeof rn),
		         rel[0] ? " (" : "", rel, rel[0] ? ")" : "");
	}
	for (int i = 0; i < cl->n_aka; i++) {
		char an[3 * VAX_NAME_LEN];
		size_t o = strlen(aka);
		snprintf(aka + o, sizeof aka - o, "%s%s", i ? "; " : "",
		         client_display_name(&cl->aka[i], an, sizeof an));
	}
	const char *kv[] = {
	    "Name",
	    name,
	    "Date of birth",
	    dob,
	    "Sex",
	    client_sex_label(cl->sex),
	    "Registry ID",
	    doc_registry_id(cl),
	    "Mother",
	    mother,
	    "Parent or guardian",
	    resp,
	    "Address",
	    addr,
	    "Also known as",
	    aka,
	};
	int n = (int)(sizeof kv / sizeof *kv) / 2;
	if (!aka[0])
		n--;
	pdf_fields(p, kv, n, 2);
}

static void draw(struct pdf *p, const void *data)
{
	const struct ctx *c = data;
	const struct record_doc *r = c->r;
	char today[DATE_US_LEN], buf[1024];
	date_format_us(r->printed, today);
	pdf_text(p, PDF_TITLE, "Official Immunization Record");
	snprintf(buf, sizeof buf, "Immunization registry record printed %s by %s%s%s", today,
	         r->org_name && *r->org_name ? r->org_name
	         : r->org_code               ? r->org_code
	                                     : "",
	         r->org_code && r->org_name && *r->org_name ? " (" : "",
	         r->org_code && r->org_name && *r->org_name ? r->org_code : "");
	if (r->org_code && r->org_name && *r->org_name)
		strncat(buf, ")", sizeof buf - strlen(buf) - 1);
	pdf_text(p, PDF_BODY, buf);
	pdf_space(p, 6);
	if (r->provisional) {
		snprintf(
		    buf, sizeof buf,
		    "PROVISIONAL RECORD. Printed from this workstation's local store while the registry "
		    "could not be reached. %d %s recorded here %s not reached the registry yet. Print the "
		    "record again when the registry is back; only that one is official.",
		    r->pending, r->pending == 1 ? "dose" : "doses", r->pending == 1 ? "has" : "have");
		pdf_notice(p, buf);
	}
	pdf_text(p, PDF_HEADING, "Client");
	pdf_rule(p);
	identification(p, r);
	pdf_space(p, 8);

	snprintf(buf, sizeof buf, "Immunizations (evaluated %s)", today);
	pdf_text(p, PDF_HEADING, buf);
	if (!c->evaluated) {
		snprintf(buf, sizeof buf, "These doses could not be evaluated against the schedule: %s",
		         c->why);
		pdf_text(p, PDF_BODY, buf);
		pdf_space(p, 4);
	}
	if (c->h.given == 0) {
		pdf_text(p, PDF_BODY, "No immunizations are recorded for this client.");
	} else {
		static const struct pdf_table t = {
		    .ncols = 4,
		    .widths = {1.2, 0.9, 2.2, 2.2},
		    .headers = {"Vaccine group", "Date given", "Vaccine", "Dose"},
		    .style = PDF_BODY,
		};
		pdf_table_begin(p, &t);
		for (size_t g = 0; g < c->h.ngroups; g++) {
			const struct history_group *hg = &c->h.groups[g];
			for (size_t k = 0; k < hg->ndoses; k++) {
				const struct history_dose *hd = &hg->doses[k];
				char date[DATE_US_LEN];
				const char *cells[] = {k == 0 ? hg->name : "", date_format_us(hd->date, date),
				                       hd->vaccine, hd->label};
				unsigned flags = hd->valid || hg->group < 0 ? 0 : PDF_ROW_MARK;
				pdf_table_row(p, cells, flags | (k == 0 && g > 0 ? PDF_ROW_GROUP : 0));
			}
		}
		pdf_table_end(p);
		pdf_text(
		    p, PDF_SMALL,
		    "Doses are evaluated against the ACIP schedule (CDC's Clinical Decision Support for "
		    "Immunization). A dose marked NOT VALID does not count toward its series; the reason is "
		    "given beside it. A combination vaccine is listed under each vaccine group it protects "
		    "against.");
	}
	if (c->h.refusals > 0) {
		snprintf(buf, sizeof buf, "Refusals on record: %d (not listed above).", c->h.refusals);
		pdf_space(p, 4);
		pdf_text(p, PDF_SMALL, buf);
	}
	pdf_space(p, 24);
	pdf_need(p, 60);
	snprintf(buf, sizeof buf, "Printed by %s%s%s on %s.", r->user && *r->user ? r->user : "",
	         r->user && *r->user ? ", " : "",
	         r->org_name && *r->org_name ? r->org_name
	         : r->org_code               ? r->org_code
	                                     : "",
	         today);
	pdf_text(p, PDF_BODY, buf);
	pdf_space(p, 22);
	pdf_text(p, PDF_BODY, "Signature / stamp: ________________________________________");
}

static bool prepare(const struct record_doc *r, struct ctx *c, struct pdf_setup *s, char *footer, size_t flen)
{
	memset(c, 0, sizeof *c);
	c->r = r;
	struct vax_error err = {0};
	if (r->cdsi && history_build(r->cdsi, r->client, r->imms, r->nimms, r->printed, &c->h, &err)) {
		c->evaluated = true;
	} else {
		snprintf(c->why, sizeof c->why, "%s",
		         r->cdsi ? err.message : "the schedule data is not installed.");
		unevaluated(c);
	}
	char name[3 * VAX_NAME_LEN], dob[DATE_US_LEN];
	client_display_name(&r->client->name, name, sizeof name);
	snprintf(footer, flen, "%sOfficial Immunization Record - %s - DOB %s",
	         r->provisional ? "PROVISIONAL " : "", name, date_format_us(r->client->dob, dob));
	s->title = "Official Immunization Record";
	s->footer = footer;
	s->page_numbers = true;
	return true;
}

bool record_pdf_file(const char *path, enum pdf_paper paper, const struct record_doc *r,
                     struct vax_error *err)
{
	struct ctx c;
	char footer[512];
	struct pdf_setup s = {.paper = paper};
	prepare(r, &c, &s, footer, sizeof footer);
	bool ok = pdf_write_file(path, &s, draw, &c, err);
	history_free(&c.h);
	return ok;
}

bool record_pdf_mem(char **buf, size_t *len, enum pdf_paper paper, const struct record_doc *r,
                    struct vax_error *err)
{
	struct ctx c;
	char footer[512];
	struct pdf_setup s = {.paper = paper};
	prepare(r, &c, &s, footer, sizeof footer);
	bool ok = pdf_write_mem(buf, len, &s, draw, &c, err);
	history_free(&c.h);
	return ok;
}
