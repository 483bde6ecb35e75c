# bench/forecast.mk: CDSi evaluation/forecast and school-list throughput.
EXTRA_PROGRAMS += bench/bench_forecast
bench_bench_forecast_SOURCES = bench/bench_forecast.c bench/benchutil.c bench/benchutil.h
bench_bench_forecast_LDADD = $(VAXFORECAST_LIBS)
BENCH_BINS += bench/bench_forecast
