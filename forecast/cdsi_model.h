/* forecast/cdsi_model.h - CDC's CDSi supporting data as loaded in memory.
 *
 * Internal to forecast/: cdsi_data.c fills it from CDC's XML, cdsi.c runs
 * the logic over it. The shapes follow the supporting data's XML elements
 * one to one, so a new CDC release needs no code change. Ages and intervals
 * are CDSi spans; an absent value ("", "n/a") is a span with set == false.
 */
#ifndef VAX_FORECAST_CDSI_MODEL_H
#define VAX_FORECAST_CDSI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/date.h"

struct cdsi_span {
	bool set;
	struct date_span sp;
};

/* A list of CVX codes ("01;09;20"). */
struct cdsi_cvx_list {
	int *cvx;
	size_t n;
};

struct cdsi_age {
	struct cdsi_span abs_min, min, earliest_rec, latest_rec, max;
	vax_date effective, cessation; /* DATE_NONE = open */
};

struct cdsi_interval {
	bool from_previous;
	int from_target_dose; /* 0 = none */
	struct cdsi_cvx_list from_most_recent;
	char from_obs[8]; /* observation code or "" */
	struct cdsi_span abs_min, min, earliest_rec, latest_rec;
	bool priority; /* intervalPriority given */
	vax_date effective, cessation;
};

struct cdsi_vaccine {
	int cvx;
	char type[64];
	struct cdsi_span begin_age, end_age;
	char mvx[8];
	bool forecast; /* forecastVaccineType Y */
};

enum cdsi_cond_type {
	COND_AGE,
	COND_COMPLETED_SERIES,
	COND_INTERVAL,
	COND_COUNT, /* Vaccine Count by Age / Date / Date and Age */
	COND_UNKNOWN,
};

enum cdsi_count_logic { COUNT_GREATER, COUNT_EQUAL, COUNT_LESS };

struct cdsi_condition {
	enum cdsi_cond_type type;
	vax_date start, end;
	struct cdsi_span begin_age, end_age, interval;
	int dose_count;
	bool valid_only; /* doseType Valid (else Total) */
	enum cdsi_count_logic logic;
	struct cdsi_cvx_list vaccines;
	int series_groups[8];
	size_t n_series_groups;
};

struct cdsi_skip_set {
	char description[160];
	vax_date effective, cessation;
	bool and_logic; /* conditionLogic AND (else OR) */
	struct cdsi_condition *conds;
	size_t nconds;
};

enum cdsi_context { CTX_EVALUATION = 1, CTX_FORECAST = 2, CTX_BOTH = 3 };

struct cdsi_skip {
	int context;    /* enum cdsi_context bits */
	bool and_logic; /* setLogic AND (else OR / n/a) */
	struct cdsi_skip_set *sets;
	size_t nsets;
};

struct cdsi_series_dose {
	int number;
	struct cdsi_age *ages;
	size_t nages;
	struct cdsi_interval *intervals;
	size_t nintervals;
	struct cdsi_interval *allow_intervals;
	size_t nallow_intervals;
	struct cdsi_vaccine *preferable;
	size_t npreferable;
	struct cdsi_vaccine *allowable;
	size_t nallowable;
	struct cdsi_cvx_list inadvertent;
	struct cdsi_skip *skips;
	size_t nskips;
	bool recurring;
	vax_date season_start, season_end; /* DATE_NONE = none */
};

enum cdsi_series_type { SERIES_STANDARD, SERIES_RISK, SERIES_EVAL_ONLY };

struct cdsi_indication {
	char code[8];
	struct cdsi_span begin_age, end_age;
};

struct cdsi_series {
	char name[128];
	char target_disease[48];
	char vaccine_group[48];
	enum cdsi_series_type type;
	int equivalent_groups[8];
	size_t n_equivalent;
	char required_gender[3][12]; /* "Female", "Male", "Unknown" */
	size_t n_gender;
	bool default_series, product_path;
	int series_group;
	char series_group_name[64];
	char priority; /* 'A', 'B', ... */
	int preference;
	struct cdsi_span min_age_start, max_age_start;
	struct cdsi_indication *indications;
	size_t nindications;
	struct cdsi_series_dose *doses;
	size_t ndoses;
};

struct cdsi_contraindication {
	char code[8];
	struct cdsi_span begin_age, end_age;
	struct cdsi_cvx_list vaccines; /* empty for an antigen-level one */
	/* per contraindicated vaccine (parallel to vaccines.cvx): the ages
	 * between which that vaccine is contraindicated (LAIV at 2-4 years) */
	struct cdsi_span *vaccine_begin, *vaccine_end;
};

struct cdsi_antigen {
	char name[48];
	char file[256]; /* where it came from, for messages */
	char immunity_codes[8][8];
	size_t n_immunity;
	vax_date immunity_birth; /* DATE_NONE = none */
	char immunity_country[32];
	char immunity_exclusions[8][8];
	size_t n_exclusions;
	struct cdsi_contraindication *contra;
	size_t ncontra;
	struct cdsi_series *series;
	size_t nseries;
	bool uses_completed_series; /* a skip looks at other series */
};

struct cdsi_conflict {
	int previous, current;
	struct cdsi_span begin, min_end, end;
};

struct cdsi_assoc {
	int antigen; /* index into data->antigens */
	struct cdsi_span begin_age, end_age;
};

struct cdsi_cvx_entry {
	int cvx;
	char description[96];
	struct cdsi_assoc *assoc;
	size_t nassoc;
};

struct cdsi_group {
	char name[48];
	bool administer_full;
	int antigens[4]; /* indexes into data->antigens */
	size_t nantigens;
};

struct cdsi_observation {
	char code[8];
	char title[160];
};

struct cdsi_data {
	struct cdsi_antigen *antigens;
	size_t nantigens;
	struct cdsi_conflict *conflicts;
	size_t nconflicts;
	struct cdsi_cvx_entry *cvx; /* sorted by cvx */
	size_t ncvx;
	struct cdsi_group *groups;
	size_t ngroups;
	struct cdsi_observation *observations;
	size_t nobservations;
	char rules[64]; /* cdsi_data_rules() */
};

/* When set, cdsi_evaluate() writes every series' evaluation and forecast
 * here (vaxdesk-forecast --trace); NULL in normal use. */
extern FILE *cdsi_trace;

/* Lookups used by the engine. */
const struct cdsi_cvx_entry *cdsi_data_cvx(const struct cdsi_data *d, int cvx);
int cdsi_data_antigen_index(const struct cdsi_data *d, const char *name);
/* The conflicts whose previous (conflicting) vaccine is `previous`. */
size_t cdsi_data_conflicts(const struct cdsi_data *d, int previous, const struct cdsi_conflict **first);

#endif
