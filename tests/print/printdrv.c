/* tests/print/printdrv.c - renders the printed documents from FHIR fixtures
 * for the shell tests in tests/print/, and sends files through print/lp.h.
 *
 *   printdrv record [--a4] [--on DATE] [--provisional N] [--org CODE] [--org-name NAME]
 *                   [--user NAME] BUNDLE.json OUT.pdf
 *   printdrv lp [--printer NAME] [--title TITLE] [--a4] [--remove] FILE
 *   printdrv recall [--on DATE] [--vaccines G,G] [--age MIN-MAX] [--overdue] [--lang en|es|both]
 *                   [--a4] OUT.pdf OUT.csv BUNDLE.json...
 *       prints "outcome<TAB>family<TAB>vaccine@due..." per client, then writes the letters and list
 *   printdrv recall-answer [--lang en|es|both] [--on DATE] ANSWER.json... OUT.pdf OUT.csv
 *       the letters and list from the registry's Patient/$recall answers (slices)
 *   printdrv summary-pdf [--a4] SUMMARY.json OUT.pdf
 *   printdrv school [--a4] REPORT.json OUT.pdf OUT.csv
 *
 * BUNDLE.json holds one Patient and its Immunization resources (a Bundle's
 * entries, or the bare resources in a JSON array). Exit 0 on success, 1
 * with the error message on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/fhir.h"
#include "core/xalloc.h"
#include "forecast/cdsi.h"
#include "print/letters.h"
#include "print/lp.h"
#include "print/pdf.h"
#include "print/recall.h"
#include "print/reports.h"
#include "print/record.h"
#include "sys/fileio.h"

static int die(const char *msg)
{
	fprintf(stderr, "printdrv: %s\n", msg);
	return 1;
}

struct fixture {
	struct client c;
	struct immunization *imms;
	size_t n;
};

static bool read_fixture(const char *path, struct fixture *f, struct vax_error *err)
{
	char *buf;
	size_t len;
	if (!fileio_read(path, &buf, &len, err))
		return false;
	cJSON *j = cJSON_ParseWithLength(buf, len);
	free(buf);
	if (!j)
		return error_set(err, "FIXTURE", "%s: not JSON", path);
	const cJSON *list = cJSON_IsArray(j) ? j : cJSON_GetObjectItemCaseSensitive(j, "entry");
	client_init(&f->c);
	f->imms = xcalloc((size_t)cJSON_GetArraySize(list) + 1, sizeof *f->imms);
	f->n = 0;
	bool have_patient = false;
	const cJSON *e;
	cJSON_ArrayForEach(e, list)
	{
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(e, "resource");
		if (!r)
			r = e;
		const cJSON *rt = cJSON_GetObjectItemCaseSensitive(r, "resourceType");
		if (!cJSON_IsString(rt))
			continue;
		if (!strcmp(rt->valuestring, "Patient")) {
			if (!fhir_patient_from_json(r, &f->c, err))
				goto fail;
			have_patient = true;
		} else if (!strcmp(rt->valuestring, "Immunization")) {
			if (!fhir_immunization_from_json(r, &f->imms[f->n], err))
				goto fail;
			f->n++;
		}
	}
	cJSON_Delete(j);
	if (!have_patient)
		return error_set(err, "FIXTURE", "%s: no Patient", path);
	return true;
fail:
	cJSON_Delete(j);
	return false;
}

static int cmd_record(int argc, char **argv)
{
	struct record_doc r = {.org_code = "CLINPENA", .org_name = "Clínica Peña", .user = "alice"};
	enum pdf_paper paper = PDF_PAPER_LETTER;
	vax_date on = date_from_ymd(2026, 11, 22);
	int i = 0;
	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
		if (!strcmp(a, "--a4"))
			paper = PDF_PAPER_A4;
		else if (!strcmp(a, "--on") && ++i && date_parse_iso(v, &on) != DATE_OK)
			return die("--on: YYYY-MM-DD");
		else if (!strcmp(a, "--provisional") && ++i)
			r.provisional = true, r.pending = atoi(v);
		else if (!strcmp(a, "--org") && ++i)
			r.org_code = v;
		else if (!strcmp(a, "--org-name") && ++i)
			r.org_name = v;
		else if (!strcmp(a, "--user") && ++i)
			r.user = v;
	}
	if (argc - i != 2)
		return die("usage: record [options] BUNDLE.json OUT.pdf");
	struct vax_error err = {0};
	struct fixture f;
	if (!read_fixture(argv[i], &f, &err))
		return die(err.message);
	char dir[4096];
	struct cdsi_data *d = cdsi_data_load(cdsi_data_dir(dir, sizeof dir), &err);
	if (!d)
		return die(err.message);
	r.client = &f.c;
	r.imms = f.imms;
	r.nimms = f.n;
	r.cdsi = d;
	r.printed = on;
	bool ok = record_pdf_file(argv[i + 1], paper, &r, &err);
	cdsi_data_free(d);
	free(f.imms);
	return ok ? 0 : die(err.message);
}

static int cmd_lp(int argc, char **argv)
{
	const char *printer = NULL, *title = "vaxdesk";
	enum pdf_paper paper = PDF_PAPER_LETTER;
	bool remove = false;
	int i = 0;
	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
		if (!strcmp(a, "--a4"))
			paper = PDF_PAPER_A4;
		else if (!strcmp(a, "--remove"))
			remove = true;
		else if (!strcmp(a, "--printer") && ++i)
			printer = v;
		else if (!strcmp(a, "--title") && ++i)
			title = v;
	}
	if (argc - i != 1)
		return die("usage: lp [options] FILE");
	struct vax_error err = {0};
	struct lp_job *j = lp_start(argv[i], printer, title, paper, remove, &err);
	if (!j)
		return die(err.message);
	char req[128];
	int r = lp_wait(j, req, sizeof req, &err);
	lp_free(&j);
	if (r < 0)
		return die(err.message);
	printf("%s\n", req);
	return 0;
}

static struct cdsi_data *load_cdsi(struct school_reqs **tx, struct vax_error *err)
{
	char dir[4096], path[4096];
	struct cdsi_data *d = cdsi_data_load(cdsi_data_dir(dir, sizeof dir), err);
	if (d && tx)
		*tx = school_load(school_texas_path(path, sizeof path), d, err);
	return d;
}

static int cmd_recall(int argc, char **argv)
{
	struct recall_criteria q = {
	    .age_min_months = -1, .age_max_months = -1, .on = date_from_ymd(2026, 11, 22)};
	struct letters_doc doc = {.org_name = "Clínica Peña", .org_phone = "(512) 555-0142"};
	enum pdf_paper paper = PDF_PAPER_LETTER;
	const char *vaccines = NULL;
	int i = 0;
	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
		if (!strcmp(a, "--a4"))
			paper = PDF_PAPER_A4;
		else if (!strcmp(a, "--overdue"))
			q.overdue_only = true;
		else if (!strcmp(a, "--on") && ++i && date_parse_iso(v, &q.on) != DATE_OK)
			return die("--on: YYYY-MM-DD");
		else if (!strcmp(a, "--vaccines") && ++i)
			vaccines = v, q.mode = RECALL_VACCINES;
		else if (!strcmp(a, "--age") && ++i &&
		         sscanf(v, "%d-%d", &q.age_min_months, &q.age_max_months) != 2)
			return die("--age: MIN-MAX months");
		else if (!strcmp(a, "--lang") && ++i && !letters_lang_parse(v, &doc.lang))
			return die("--lang: en, es or both");
	}
	if (argc - i < 3)
		return die("usage: recall [options] OUT.pdf OUT.csv BUNDLE.json...");
	struct vax_error err = {0};
	struct school_reqs *tx = NULL;
	struct cdsi_data *d = load_cdsi(&tx, &err);
	if (!d || !tx)
		return die(err.message);
	char *list = xstrdup(vaccines ? vaccines : "");
	for (char *sv = NULL, *g = strtok_r(list, ",", &sv); g; g = strtok_r(NULL, ",", &sv)) {
		int gi = cdsi_group_find(d, g);
		if (gi < 0 || q.ngroups == RECALL_MAX_GROUPS)
			return die("unknown vaccine group");
		q.groups[q.ngroups++] = gi;
	}
	free(list);
	size_t nb = (size_t)(argc - i - 2);
	struct fixture *fx = xcalloc(nb, sizeof *fx);
	struct recall_result *res = xcalloc(nb, sizeof *res);
	struct letter *letters = xcalloc(nb, sizeof *letters);
	for (size_t k = 0; k < nb; k++) {
		if (!read_fixture(argv[i + 2 + (int)k], &fx[k], &err) ||
		    !recall_check(&q, d, tx, &fx[k].c, fx[k].imms, fx[k].n, &res[k], &err))
			return die(err.message);
		printf("%s\t%s", recall_outcome_code(res[k].outcome), fx[k].c.name.family);
		for (int r = 0; r < res[k].ndue; r++) {
			char iso[DATE_ISO_LEN];
			printf("\t%s@%s%s", res[k].due[r].vaccine, date_format_iso(res[k].due[r].due, iso),
			       res[k].due[r].overdue ? "!" : "");
		}
		printf("\n");
		if (res[k].outcome == RECALL_SELECTED)
			letters[doc.n++] = (struct letter){&fx[k].c, res[k].due, res[k].ndue};
	}
	doc.date = q.on;
	doc.letters = letters;
	bool ok = letters_pdf_file(argv[i], paper, &doc, &err) && letters_csv_file(argv[i + 1], &doc, &err);
	for (size_t k = 0; k < nb; k++)
		free(fx[k].imms);
	free(fx);
	free(res);
	free(letters);
	school_free(tx);
	cdsi_data_free(d);
	return ok ? 0 : die(err.message);
}

static cJSON *read_json(const char *path, struct vax_error *err);

static int cmd_recall_answer(int argc, char **argv)
{
	struct letters_doc doc = {.org_name = "Clínica Peña", .date = date_from_ymd(2026, 11, 22)};
	int i = 0;
	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
		if (!strcmp(a, "--lang") && ++i && !letters_lang_parse(v, &doc.lang))
			return die("--lang: en, es or both");
		else if (!strcmp(a, "--on") && ++i && date_parse_iso(v, &doc.date) != DATE_OK)
			return die("--on: YYYY-MM-DD");
	}
	if (argc - i < 3)
		return die("usage: recall-answer [options] ANSWER.json... OUT.pdf OUT.csv");
	size_t np = (size_t)(argc - i - 2);
	struct recall_page *pages = xcalloc(np, sizeof *pages);
	size_t nl = 0;
	struct vax_error err = {0};
	for (size_t k = 0; k < np; k++) {
		cJSON *j = read_json(argv[i + (int)k], &err);
		if (!j || !recall_page_from_json(j, &pages[k], &err))
			return die(err.message);
		cJSON_Delete(j);
		nl += pages[k].nnotices;
	}
	struct letter *letters = xcalloc(nl + 1, sizeof *letters);
	for (size_t k = 0; k < np; k++)
		for (size_t m = 0; m < pages[k].nnotices; m++) {
			const struct recall_notice *nt = &pages[k].notices[m];
			letters[doc.n++] = (struct letter){&nt->client, nt->due, nt->ndue};
		}
	doc.letters = letters;
	bool ok = letters_pdf_file(argv[argc - 2], PDF_PAPER_LETTER, &doc, &err) &&
	          letters_csv_file(argv[argc - 1], &doc, &err);
	for (size_t k = 0; k < np; k++)
		recall_page_free(&pages[k]);
	free(pages);
	free(letters);
	return ok ? 0 : die(err.message);
}

static cJSON *read_json(const char *path, struct vax_error *err)
{
	char *buf;
	size_t len;
	if (!fileio_read(path, &buf, &len, err))
		return NULL;
	cJSON *j = cJSON_ParseWithLength(buf, len);
	free(buf);
	if (!j)
		error_set(err, "FIXTURE", "%s: not JSON", path);
	return j;
}

static int cmd_summary_pdf(int argc, char **argv)
{
	enum pdf_paper paper = argc > 0 && !strcmp(argv[0], "--a4") ? PDF_PAPER_A4 : PDF_PAPER_LETTER;
	int i = paper == PDF_PAPER_A4;
	if (argc - i != 2)
		return die("usage: summary-pdf [--a4] SUMMARY.json OUT.pdf");
	struct vax_error err = {0};
	cJSON *j = read_json(argv[i], &err);
	struct summary *s = xcalloc(1, sizeof *s);
	bool ok = j && summary_from_json(j, s, &err) &&
	          reports_summary_pdf(argv[i + 1], paper, s, "Clínica Peña", s->to, &err);
	cJSON_Delete(j);
	free(s);
	return ok ? 0 : die(err.message);
}

static int cmd_school(int argc, char **argv)
{
	enum pdf_paper paper = argc > 0 && !strcmp(argv[0], "--a4") ? PDF_PAPER_A4 : PDF_PAPER_LETTER;
	int i = paper == PDF_PAPER_A4;
	if (argc - i != 3)
		return die("usage: school [--a4] REPORT.json OUT.pdf OUT.csv");
	struct vax_error err = {0};
	cJSON *j = read_json(argv[i], &err);
	struct schoolrep r;
	bool ok = j && schoolrep_from_json(j, &r, &err);
	cJSON_Delete(j);
	if (ok) {
		ok = reports_school_pdf(argv[i + 1], paper, &r, &err) &&
		     reports_school_csv(argv[i + 2], &r, &err);
		schoolrep_free(&r);
	}
	return ok ? 0 : die(err.message);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return die("usage: printdrv record|lp ...");
	atexit(pdf_shutdown);
	if (!strcmp(argv[1], "record"))
		return cmd_record(argc - 2, argv + 2);
	if (!strcmp(argv[1], "lp"))
		return cmd_lp(argc - 2, argv + 2);
	if (!strcmp(argv[1], "recall"))
		return cmd_recall(argc - 2, argv + 2);
	if (!strcmp(argv[1], "recall-answer"))
		return cmd_recall_answer(argc - 2, argv + 2);
	if (!strcmp(argv[1], "summary-pdf"))
		return cmd_summary_pdf(argc - 2, argv + 2);
	if (!strcmp(argv[1], "school"))
		return cmd_school(argc - 2, argv + 2);
	return die("unknown command");
}
