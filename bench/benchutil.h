/* bench/benchutil.h - timing and percentiles for the benchmarks. */
#ifndef VAX_BENCH_BENCHUTIL_H
#define VAX_BENCH_BENCHUTIL_H

#include <stddef.h>

/** Monotonic time in nanoseconds. */
double bench_now_ns(void);
/** The p-th percentile (0..100) of n samples; sorts them. */
double bench_percentile(double *samples, size_t n, double p);
/** Print a table row: name, value, unit (aligned). */
void bench_row(const char *name, double value, const char *unit);
/** Print the table header. */
void bench_header(const char *title);

#endif
