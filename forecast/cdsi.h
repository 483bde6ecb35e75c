/* forecast/cdsi.h - immunization evaluation and forecast per CDC's CDSi
 * Logic Specification for ACIP Recommendations v4.6.
 *
 * The rules come from CDC's supporting data (XML), loaded once with
 * cdsi_data_load(); a new CDC release is a new data directory, not new code.
 * cdsi_evaluate() is pure computation: it reads no file and no clock (the
 * assessment date comes from the caller) and may run on many threads at
 * once over the same loaded data.
 *
 * Vocabulary (CDSi's): a *dose* is a vaccine given; each is split into the
 * antigens it carries; each antigen has *series* (paths to immunity) made of
 * *target doses*. Every dose gets an evaluation status per series; the best
 * series per antigen drives the forecast, and antigens are merged into
 * *vaccine groups* (MMR = Measles + Mumps + Rubella) for what a person sees.
 */
#ifndef VAX_FORECAST_CDSI_H
#define VAX_FORECAST_CDSI_H

#include <stdbool.h>
#include <stddef.h>

#include "core/date.h"
#include "core/error.h"

struct cdsi_data;

/** Load CDC's supporting data from dir: every "AntigenSupportingData*.xml"
 * and "ScheduleSupportingData.xml". On failure err names the file and the
 * problem. Free with cdsi_data_free(). */
struct cdsi_data *cdsi_data_load(const char *dir, struct vax_error *err);
void cdsi_data_free(struct cdsi_data *d);

/** The rules' identity: the engine's release and a hash of the supporting
 * data's files (names and bytes), e.g. "vaxdesk-cdsi/0.1.0+5c0f...". Two
 * engines that give the same identity forecast any history alike, so a
 * client need not fetch the other's forecast. */
const char *cdsi_data_rules(const struct cdsi_data *d);

/** The supporting data directory at run time: $VAXDESK_DATADIR/cdsi when set,
 * else the installed VAX_DATADIR/cdsi. Writes into buf and returns it. */
char *cdsi_data_dir(char *buf, size_t len);

/** Vaccine groups in the data (CDC names, e.g. "DTaP/Tdap/Td", "MMR"). */
size_t cdsi_group_count(const struct cdsi_data *d);
const char *cdsi_group_name(const struct cdsi_data *d, size_t i);
/** Index of a group by CDC name (case-insensitive), or -1. */
int cdsi_group_find(const struct cdsi_data *d, const char *name);
/** Short description of a CVX code ("DTaP-IPV"), or NULL if unknown. */
const char *cdsi_cvx_description(const struct cdsi_data *d, int cvx);
/** True if vaccine cvx is a preferable vaccine of dose `dose` (1-based; 0:
 * any dose) in some series of the group's antigens: what may be given for
 * that dose (a lot on hand for a group due). */
bool cdsi_group_vaccine(const struct cdsi_data *d, size_t group, int cvx, int dose);
/** Title of a CDSi coded observation ("042" -> "Smoke cigarettes") or NULL. */
const char *cdsi_observation_title(const struct cdsi_data *d, const char *code);

/** One vaccine given. */
struct cdsi_dose {
	vax_date date;
	int cvx;
	char mvx[8];             /* manufacturer code, "" when unknown */
	bool substandard;        /* recalled, cold-chain break, sub-potent */
	vax_date lot_expiration; /* DATE_NONE when unknown */
};

/** A CDSi coded observation (underlying condition, immunity, reaction). */
struct cdsi_observation_in {
	char code[8];        /* CDSi code, e.g. "042" */
	vax_date begin, end; /* active range; DATE_NONE = open */
};

struct cdsi_patient {
	vax_date dob;
	char gender; /* 'F', 'M' or 'U' */
	const struct cdsi_dose *doses;
	size_t ndoses;
	const struct cdsi_observation_in *observations;
	size_t nobservations;
};

enum cdsi_eval_status {
	CDSI_EVAL_NONE = 0, /* the dose carries none of the group's antigens */
	CDSI_EVAL_VALID,
	CDSI_EVAL_NOT_VALID,
	CDSI_EVAL_EXTRANEOUS,
	CDSI_EVAL_SUBSTANDARD,
};

enum cdsi_eval_reason {
	CDSI_REASON_NONE = 0,
	CDSI_REASON_TOO_YOUNG,
	CDSI_REASON_TOO_OLD,
	CDSI_REASON_TOO_SOON,
	CDSI_REASON_INADVERTENT,
	CDSI_REASON_CONFLICT,
	CDSI_REASON_NOT_PREFERABLE_OR_ALLOWABLE,
	CDSI_REASON_SERIES_COMPLETE,
	CDSI_REASON_SUBSTANDARD,
	CDSI_REASON_EXPIRED,
};

enum cdsi_series_status {
	CDSI_NOT_COMPLETE = 0,
	CDSI_COMPLETE,
	CDSI_AGED_OUT,
	CDSI_IMMUNE,
	CDSI_CONTRAINDICATED,
	CDSI_NOT_RECOMMENDED,
};

/** How one dose counted for one vaccine group. */
struct cdsi_dose_eval {
	size_t dose; /* index into cdsi_patient.doses */
	enum cdsi_eval_status status;
	enum cdsi_eval_reason reason; /* the first reason in CDSi's order */
	unsigned reasons;             /* every reason found: bit (1u << reason) */
	int dose_number;              /* target dose satisfied ("1" of 4), 0 if none */
	int series_doses;             /* doses in the series ("4"), 0 if open-ended */
	int fixed_doses;              /* an open-ended series' childhood doses ("5" of DTaP), 0 if none */
};

/** The outcome for one vaccine group. */
struct cdsi_group_result {
	int group; /* index for cdsi_group_name() */
	enum cdsi_series_status status;
	int dose_number;                                  /* next dose to give, 0 when none */
	vax_date earliest, recommended, past_due, latest; /* DATE_NONE if none */
	bool risk;                                        /* driven by a risk (underlying condition) series */
	char series[128];                                 /* name of the best series */
	int series_doses;                                 /* target doses in it, 0 if open-ended */
	int recommended_cvx[8];                           /* vaccines CDSi names for the next dose */
	size_t nrecommended_cvx;
	struct cdsi_dose_eval *evals; /* one per dose carrying the group, by date */
	size_t nevals;
};

struct cdsi_result {
	struct cdsi_group_result *groups;
	size_t ngroups;
};

/** Evaluate the history and forecast every vaccine group (only_group < 0)
 * or just one, as of the assessment date. Returns false (with err) only on
 * bad input (no date of birth, a dose dated before birth). */
bool cdsi_evaluate(const struct cdsi_data *d, const struct cdsi_patient *p, vax_date assessment,
                   int only_group, struct cdsi_result *out, struct vax_error *err);
/** The same for the groups with want[group] set (want has
 * cdsi_group_count() entries): a report that needs a few groups for many
 * people skips the rest. */
bool cdsi_evaluate_groups(const struct cdsi_data *d, const struct cdsi_patient *p, vax_date assessment,
                          const bool *want, struct cdsi_result *out, struct vax_error *err);
void cdsi_result_free(struct cdsi_result *r);
/** The result for a group index, or NULL. */
const struct cdsi_group_result *cdsi_result_group(const struct cdsi_result *r, int group);

/** Words as CDSi writes them: "Valid", "Not Valid", ...; "Not complete", ... */
const char *cdsi_eval_status_name(enum cdsi_eval_status s);
/** The M of a valid dose's "N of M": the series' doses, or an open-ended
 * series' childhood doses; 0 when the dose is past them (a booster). */
int cdsi_eval_of(const struct cdsi_dose_eval *e);
const char *cdsi_eval_reason_text(enum cdsi_eval_reason r);
const char *cdsi_series_status_name(enum cdsi_series_status s);

#endif
