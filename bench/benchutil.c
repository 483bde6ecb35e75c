/* bench/benchutil.c - see benchutil.h */
#include "bench/benchutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

double bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double bench_percentile(double *s, size_t n, double p)
{
	if (n == 0)
		return 0;
	qsort(s, n, sizeof *s, cmp);
	size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return s[i < n ? i : n - 1];
}

void bench_header(const char *title)
{
	printf("\n%s\n", title);
	printf("%-48s %14s  %s\n", "measure", "value", "unit");
	printf("%-48s %14s  %s\n", "------------------------------------------------", "--------------",
	       "----");
}

void bench_row(const char *name, double value, const char *unit)
{
	printf("%-48s %14.2f  %s\n", name, value, unit);
}
