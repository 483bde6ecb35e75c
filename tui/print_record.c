/* tui/print_record.c - the print key on a client's record: the Official
 * Immunization Record (print/record.h) from the record as this workstation
 * has it, to a printer or a file, made in the background (tui/reports.c).
 *
 * While the registry cannot be reached (an offline session, maintenance,
 * a lost link) the record comes from the local store and says so on the
 * page: provisional, with the number of its doses the registry has not
 * accepted yet. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "print/record.h"
#include "tui/tui.h"

/* What the worker draws from: copies, so the screen can change meanwhile. */
struct record_job {
	struct client client;
	struct immunization *imms;
	size_t n;
	struct record_doc doc;
	char org_code[VAX_SHORT_LEN], org_name[VAX_NAME_LEN], user[VAX_SHORT_LEN];
};

static void job_free(void *p)
{
	struct record_job *j = p;
	if (!j)
		return;
	free(j->imms);
	free(j);
}

static bool make(const char *path, enum pdf_paper paper, void *data, const volatile bool *cancel,
                 struct vax_error *err)
{
	(void)cancel; /* one record: a few pages at most */
	struct record_job *j = data;
	return record_pdf_file(path, paper, &j->doc, err);
}

void print_record_ask(struct app *a, const struct record *r)
{
	if (!a->forecast)
		a->forecast = forecast_data_new();
	struct vax_error err = {0};
	const struct cdsi_data *cdsi = forecast_data_cdsi(a->forecast, &err);
	struct record_job *j = xcalloc(1, sizeof *j);
	j->client = r->cl;
	j->n = (size_t)r->n_imms;
	j->imms = xcalloc(j->n + 1, sizeof *j->imms);
	if (j->n)
		memcpy(j->imms, r->imms, j->n * sizeof *j->imms);
	snprintf(j->org_code, sizeof j->org_code, "%s", app_org(a));
	snprintf(j->org_name, sizeof j->org_name, "%s", reports_org_name(a));
	snprintf(j->user, sizeof j->user, "%s", app_user(a));
	/* doses given that the registry has not accepted yet */
	int pending = 0;
	for (int k = 0; k < r->n_rows; k++) {
		const struct immunization *im = &r->imms[r->rows[k].imm];
		if (!im->refused && !im->entered_in_error && strcmp(r->rows[k].state, "Accepted"))
			pending++;
	}
	j->doc = (struct record_doc){.client = &j->client,
	                             .imms = j->imms,
	                             .nimms = j->n,
	                             .cdsi = cdsi,
	                             .org_code = j->org_code,
	                             .org_name = j->org_name,
	                             .user = j->user,
	                             .printed = app_today(),
	                             .provisional = app_offline(a) || app_unreachable(a),
	                             .pending = pending};
	if (j->doc.provisional)
		app_message(
		    a, MSG_INFO,
		    "The registry cannot be reached: the record will be marked provisional (%d %s not "
		    "accepted yet).",
		    pending, pending == 1 ? "dose" : "doses");
	char name[160];
	const char *rid = r->cl.id[0] ? r->cl.id : "new-client";
	char ymd[DATE_ISO_LEN];
	snprintf(name, sizeof name, "immunization-record-%.64s-%s.pdf", rid,
	         date_format_iso(app_today(), ymd));
	reports_ask_output(a, "Official Immunization Record", name, make, j, job_free, NULL, NULL);
}
