/* bench/bench_core.c - start-up and per-keystroke costs of core/: loading
 * CDC's tables, validating a dose as it is typed, folding a name. */
#include <stdio.h>
#include <string.h>

#include "bench/benchutil.h"
#include "core/rules.h"
#include "core/text.h"
#include "sys/codeload.h"

int main(void)
{
	struct vax_error err = {0};
	enum { LOADS = 20, CHECKS = 200000, FOLDS = 1000000 };
	double t0 = bench_now_ns();
	struct codes *c = NULL;
	for (int i = 0; i < LOADS; i++) {
		codes_free(&c);
		c = codeload_default(&err);
		if (!c) {
			fprintf(stderr, "bench_core: %s\n", err.message);
			return 1;
		}
	}
	double load_ms = (bench_now_ns() - t0) / 1e6 / LOADS;

	struct rule_ctx ctx = {.today = date_from_ymd(2026, 11, 22), .codes = c};
	struct immunization im;
	imm_init(&im);
	strcpy(im.cvx, "20");
	strcpy(im.mvx, "SKB");
	strcpy(im.lot, "AB12");
	strcpy(im.funding, "VXC1");
	strcpy(im.vfc, "V02");
	strcpy(im.route, "C28161");
	strcpy(im.site, "LT");
	im.date_given = ctx.today;
	vax_date dob = date_from_ymd(2025, 1, 15);
	int errors = 0;
	t0 = bench_now_ns();
	for (int i = 0; i < CHECKS; i++) {
		struct rule_report rep;
		rules_report_init(&rep);
		rules_check_immunization(&ctx, dob, &im, &rep);
		errors += rep.n;
	}
	double check_ns = (bench_now_ns() - t0) / CHECKS;

	char out[64];
	t0 = bench_now_ns();
	for (int i = 0; i < FOLDS; i++)
		text_fold_words("Nguyễn-Peña de la Garza", out, sizeof out);
	double fold_ns = (bench_now_ns() - t0) / FOLDS;

	bench_header("core/ (bench/bench_core)");
	bench_row("load all 8 CDC code tables", load_ms, "ms");
	bench_row("validate one administered dose", check_ns / 1000.0, "us");
	bench_row("fold a name for search", fold_ns, "ns");
	codes_free(&c);
	return errors ? 1 : 0;
}
