/* print/reports.c - see reports.h. */
#include "print/reports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "print/csvout.h"

/* ---- provider summary ------------------------------------------------------------ */

struct summary_ctx {
	const struct summary *s;
	const char *org_name;
	vax_date made;
};

static void share_row(struct pdf *p, const char *what, int num, int den)
{
	char n[32], pc[16], cell[48];
	snprintf(n, sizeof n, "%d of %d", num, den);
	summary_percent(num, den, pc, sizeof pc);
	snprintf(cell, sizeof cell, "%s%s", pc, den > 0 ? "%" : "");
	const char *cells[] = {what, n, cell};
	pdf_table_row(p, cells, 0);
}

static void draw_summary(struct pdf *p, const void *data)
{
	const struct summary_ctx *c = data;
	const struct summary *s = c->s;
	char buf[512], a[DATE_US_LEN], b[DATE_US_LEN], m[DATE_US_LEN];
	pdf_text(p, PDF_TITLE, "Provider Summary");
	snprintf(buf, sizeof buf, "%s%s%s%s", c->org_name && *c->org_name ? c->org_name : s->org,
	         c->org_name && *c->org_name ? " (" : "", c->org_name && *c->org_name ? s->org : "",
	         c->org_name && *c->org_name ? ")" : "");
	pdf_text(p, PDF_HEADING, buf);
	snprintf(buf, sizeof buf, "Doses administered %s through %s. Made %s from the registry's records.",
	         date_format_us(s->from, a), date_format_us(s->to, b), date_format_us(c->made, m));
	pdf_text(p, PDF_BODY, buf);
	pdf_space(p, 10);

	static const struct pdf_table shares = {
	    .ncols = 3, .widths = {3, 1.2, 0.8}, .headers = {"Measure", "Doses", "Share"}, .style = PDF_BODY};
	pdf_text(p, PDF_HEADING, "Timeliness");
	snprintf(buf, sizeof buf,
	         "%d doses administered in the period; the day the registry first received each is compared "
	         "with the day it was given.%s",
	         s->doses, s->historical ? "" : "");
	pdf_text(p, PDF_BODY, buf);
	pdf_space(p, 4);
	pdf_table_begin(p, &shares);
	for (int w = 0; w < 3; w++) {
		snprintf(buf, sizeof buf, "Reported within %d day%s", summary_windows[w],
		         summary_windows[w] == 1 ? "" : "s");
		share_row(p, buf, s->within[w], s->doses);
	}
	pdf_table_end(p);
	if (s->historical) {
		snprintf(buf, sizeof buf, "Historical records entered in the period (not rated): %d.",
		         s->historical);
		pdf_text(p, PDF_SMALL, buf);
		pdf_space(p, 6);
	}

	pdf_text(p, PDF_HEADING, "Completeness");
	pdf_table_begin(p, &shares);
	share_row(p, "Lot number", s->with_lot, s->doses);
	share_row(p, "Vaccine Information Statement (VIS)", s->with_vis, s->doses);
	share_row(p, "Funding source", s->with_funding, s->doses);
	share_row(p, "VFC eligibility", s->with_eligibility, s->doses);
	pdf_table_end(p);

	pdf_text(p, PDF_HEADING, "Coverage: 4:3:1:3:3:1:4 at 24-35 months");
	char pc[16];
	snprintf(buf, sizeof buf,
	         "Active clients 24 through 35 months old on %s: %d. Up to date for 4 DTaP, 3 polio, 1 MMR, "
	         "3 Hib, 3 hepatitis B, 1 varicella and 4 pneumococcal conjugate: %d (%s%s).",
	         b, s->cohort, s->utd, summary_percent(s->utd, s->cohort, pc, sizeof pc),
	         s->cohort ? "%" : "");
	pdf_text(p, PDF_BODY, buf);
	pdf_space(p, 4);
	static const struct pdf_table cov = {.ncols = 3,
	                                     .widths = {3, 1.2, 0.8},
	                                     .headers = {"Vaccine", "Valid doses needed", "Clients short"},
	                                     .style = PDF_BODY};
	pdf_table_begin(p, &cov);
	for (int i = 0; i < SUMMARY_SERIES; i++) {
		char need[8], shortn[16];
		snprintf(need, sizeof need, "%d", summary_series[i].doses);
		snprintf(shortn, sizeof shortn, "%d", s->short_of[i]);
		const char *cells[] = {summary_series[i].label, need, shortn};
		pdf_table_row(p, cells, s->short_of[i] ? PDF_ROW_MARK : 0);
	}
	pdf_table_end(p);

	pdf_text(p, PDF_HEADING, "Data-quality errors");
	if (s->errors == 0) {
		pdf_text(p, PDF_BODY, "None found in the doses of the period.");
		return;
	}
	snprintf(buf, sizeof buf, "%d found in the doses of the period.", s->errors);
	pdf_text(p, PDF_BODY, buf);
	pdf_space(p, 4);
	static const struct pdf_table iss = {
	    .ncols = 3, .widths = {1.6, 4, 0.6}, .headers = {"Code", "Error", "Doses"}, .style = PDF_BODY};
	pdf_table_begin(p, &iss);
	for (int i = 0; i < s->nissues; i++) {
		char n[16];
		snprintf(n, sizeof n, "%d", s->issues[i].count);
		const char *cells[] = {s->issues[i].code, s->issues[i].text, n};
		pdf_table_row(p, cells, 0);
	}
	pdf_table_end(p);
	if (s->nexamples > 0) {
		pdf_text(p, PDF_HEADING, "Doses to correct");
		static const struct pdf_table ex = {
		    .ncols = 5,
		    .widths = {0.9, 0.5, 1.6, 1.6, 1.6},
		    .headers = {"Date given", "CVX", "Immunization", "Client", "Code"},
		    .style = PDF_SMALL};
		pdf_table_begin(p, &ex);
		for (int i = 0; i < s->nexamples; i++) {
			const struct summary_example *e = &s->examples[i];
			char d[DATE_US_LEN];
			const char *cells[] = {date_format_us(e->date, d), e->cvx, e->immunization,
			                       e->patient, e->code};
			pdf_table_row(p, cells, 0);
		}
		pdf_table_end(p);
		if (s->errors > s->nexamples) {
			snprintf(buf, sizeof buf, "The first %d of %d are listed.", s->nexamples, s->errors);
			pdf_text(p, PDF_SMALL, buf);
		}
	}
}

bool reports_summary_pdf(const char *path, enum pdf_paper paper, const struct summary *s,
                         const char *org_name, vax_date made, struct vax_error *err)
{
	struct summary_ctx c = {.s = s, .org_name = org_name, .made = made};
	char footer[160];
	char a[DATE_US_LEN], b[DATE_US_LEN];
	snprintf(footer, sizeof footer, "Provider Summary - %s - %s to %s", s->org,
	         date_format_us(s->from, a), date_format_us(s->to, b));
	struct pdf_setup st = {
	    .paper = paper, .title = "Provider Summary", .footer = footer, .page_numbers = true};
	return pdf_write_file(path, &st, draw_summary, &c, err);
}

/* ---- school compliance ------------------------------------------------------------- */

static void missing_text(const struct schoolrep_student *st, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	if (st->error[0]) {
		snprintf(buf, len, "Not checked: %s", st->error);
		return;
	}
	for (size_t i = 0; i < st->nitems && o < len; i++) {
		const struct schoolrep_item *it = &st->items[i];
		if (it->status == SCHOOL_MET || it->status == SCHOOL_EXEMPT)
			continue;
		char dose[24] = "", when[40] = "";
		if (it->dose > 0)
			snprintf(dose, sizeof dose, ", dose %d", it->dose);
		char d[DATE_US_LEN];
		if (it->earliest != DATE_NONE)
			snprintf(when, sizeof when, "%s %s", it->status == SCHOOL_DUE ? "due by" : "earliest",
			         date_format_us(it->earliest, d));
		o += (size_t)snprintf(buf + o, len - o, "%s%s%s%s%s", o ? "\n" : "", it->vaccine, dose,
		                      when[0] ? ": " : "", when);
	}
}

static void draw_school(struct pdf *p, const void *data)
{
	const struct schoolrep *r = data;
	char buf[1024], d[DATE_US_LEN];
	pdf_text(p, PDF_TITLE, "School Compliance Report");
	pdf_text(p, PDF_HEADING, r->list_name[0] ? r->list_name : r->group);
	snprintf(
	    buf, sizeof buf,
	    "Grade %s, checked against the Texas school requirements (25 TAC 97.63) as of %s. Compliant: "
	    "%d of %d students.",
	    r->grade, date_format_us(r->date, d), r->compliant, r->total);
	pdf_text(p, PDF_BODY, buf);
	pdf_space(p, 8);
	static const struct pdf_table t = {.ncols = 4,
	                                   .widths = {2.2, 1.0, 1.05, 3.3},
	                                   .headers = {"Student", "Date of birth", "Compliant", "Missing"},
	                                   .style = PDF_BODY};
	pdf_table_begin(p, &t);
	for (size_t i = 0; i < r->n; i++) {
		const struct schoolrep_student *st = &r->students[i];
		char missing[2048], dob[DATE_US_LEN];
		missing_text(st, missing, sizeof missing);
		const char *cells[] = {st->name[0] ? st->name : st->patient, date_format_us(st->dob, dob),
		                       st->error[0]    ? "?"
		                       : st->compliant ? "Yes"
		                                       : "No",
		                       missing};
		pdf_table_row(p, cells, st->compliant ? 0 : PDF_ROW_MARK);
	}
	pdf_table_end(p);
	pdf_text(
	    p, PDF_SMALL,
	    "Doses are counted when CDC's schedule logic judges them valid. \"Earliest\" is the first day "
	    "the "
	    "missing dose may be given; \"due by\" marks a student in the middle of a series whose next dose "
	    "cannot be given yet (provisional enrollment).");
}

bool reports_school_pdf(const char *path, enum pdf_paper paper, const struct schoolrep *r,
                        struct vax_error *err)
{
	char footer[300], d[DATE_US_LEN];
	snprintf(footer, sizeof footer, "School Compliance Report - %s - grade %s - %s",
	         r->list_name[0] ? r->list_name : r->group, r->grade, date_format_us(r->date, d));
	struct pdf_setup st = {
	    .paper = paper, .title = "School Compliance Report", .footer = footer, .page_numbers = true};
	return pdf_write_file(path, &st, draw_school, r, err);
}

bool reports_school_csv(const char *path, const struct schoolrep *r, struct vax_error *err)
{
	struct csvout o = {0};
	static const char *const head[] = {"registry_id",   "name",      "birth_date",  "compliant",
	                                   "requirement",   "status",    "valid_doses", "dose_missing",
	                                   "earliest_date", "checked_on"};
	csvout_row(&o, head, (int)(sizeof head / sizeof *head));
	char on[DATE_ISO_LEN];
	date_format_iso(r->date, on);
	for (size_t i = 0; i < r->n; i++) {
		const struct schoolrep_student *st = &r->students[i];
		char dob[DATE_ISO_LEN];
		date_format_iso(st->dob, dob);
		bool any = false;
		for (size_t k = 0; k <= st->nitems; k++) {
			const struct schoolrep_item *it = k < st->nitems ? &st->items[k] : NULL;
			if (it && (it->status == SCHOOL_MET || it->status == SCHOOL_EXEMPT))
				continue;
			if (!it && any)
				break;
			any = true;
			char valid[16] = "", dose[16] = "", early[DATE_ISO_LEN] = "";
			if (it) {
				snprintf(valid, sizeof valid, "%d", it->valid_doses);
				if (it->dose > 0)
					snprintf(dose, sizeof dose, "%d", it->dose);
				date_format_iso(it->earliest, early);
			}
			csvout_field(&o, st->patient);
			csvout_field(&o, st->name);
			csvout_plain(&o, dob);
			csvout_plain(&o, st->error[0] ? "unknown" : st->compliant ? "yes" : "no");
			csvout_field(&o, it ? it->vaccine : st->error);
			csvout_plain(&o, it ? schoolrep_status_code(it->status) : "");
			csvout_plain(&o, valid);
			csvout_plain(&o, dose);
			csvout_plain(&o, early);
			csvout_plain(&o, on);
			csvout_end_row(&o);
		}
	}
	return csvout_save(&o, path, err);
}
