/* forecast/immds.h - the HL7 Immunization Decision Support Forecast IG
 * operation `$immds-forecast` over the CDSi engine.
 *
 * Follows the ImmDS IG STU1, v1.0.0 (http://hl7.org/fhir/us/immds/STU1/,
 * FHIR R4): the request and the response are FHIR Parameters resources.
 * Pure: cJSON in, cJSON out; no file, clock or network access (the
 * supporting data is loaded by the caller with cdsi_data_load()).
 *
 * Request parameters (by name):
 *   assessmentDate  1..1  valueDate "YYYY-MM-DD"
 *   patient         1..1  resource Patient (birthDate required; gender)
 *   immunization    0..*  resource Immunization (vaccineCode with a coding
 *                         in http://hl7.org/fhir/sid/cvx, occurrenceDateTime,
 *                         status; "entered-in-error"/"not-done" are ignored)
 *   condition,
 *   observation     0..*  resource Condition / Observation whose code has a
 *                         CDSi observation code (IMMDS_CDSI_OBSERVATION_SYSTEM)
 *                         active over onset..abatement / effective[Period]
 * Response parameters:
 *   evaluation      0..*  resource ImmunizationEvaluation, one per dose and
 *                         vaccine group the dose carries; doseStatusReason
 *                         in the IG's StatusReason codes
 *   recommendation  1..1  resource ImmunizationRecommendation, one
 *                         recommendation[] per vaccine group: forecastStatus
 *                         in the IG's ForecastStatus codes (and R4's due /
 *                         overdue / complete / immune / contraindicated where
 *                         they say the same), forecastReason in its
 *                         ForecastReason codes, a CVX vaccineCode (CDSi's,
 *                         else the group's), targetDisease in SNOMED CT as
 *                         the IG's TargetDisease value set has it
 * The definition is the IG's:
 * http://hl7.org/fhir/us/immds/OperationDefinition/ImmDSForecastOperation
 */
#ifndef VAX_FORECAST_IMMDS_H
#define VAX_FORECAST_IMMDS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/date.h"
#include "core/error.h"
#include "forecast/cdsi.h"

/* The IG names no code system for CDSi's coded observations ("042"); this
 * is the one vaxdesk reads and writes. */
#define IMMDS_CDSI_OBSERVATION_SYSTEM "https://www.cdc.gov/vaccines/programs/iis/cdsi/observation"

/* Input limits: a request beyond them is refused, not truncated. */
#define IMMDS_MAX_IMMUNIZATIONS 1000
#define IMMDS_MAX_OBSERVATIONS  200

/** A parsed request: a CDSi patient plus what the response refers back to. */
struct immds_request {
	vax_date assessment;
	struct cdsi_patient patient; /* doses/observations point below */
	struct cdsi_dose *doses;
	char (*dose_refs)[80]; /* "Immunization/<id>" or "" per dose */
	char (*subpotent)[16]; /* per dose, its subpotentReason code (R4 immunization-subpotent-reason), or ""
	                        */
	struct cdsi_observation_in *observations;
	char patient_ref[80]; /* "Patient/<id>" or "" */
};

/** Read a $immds-forecast request (a Parameters resource). On bad input
 * returns false with err naming the parameter, e.g. "immunization[2]:
 * occurrenceDateTime ...". Free with immds_request_free() either way. */
bool immds_parse_request(const cJSON *params, struct immds_request *out, struct vax_error *err);
void immds_request_free(struct immds_request *r);

/** The CVX code that stands for a CDSi vaccine group (CDC's "CVX for
 * vaccine group": 45 for HepB), or -1. */
int immds_group_cvx(const struct cdsi_data *d, int group);

/** Build the response Parameters from a request and its CDSi result. */
cJSON *immds_build_response(const struct cdsi_data *d, const struct immds_request *req,
                            const struct cdsi_result *res);

/** The whole operation: parse, evaluate every vaccine group, build the
 * response. Returns a new Parameters resource the caller frees with
 * cJSON_Delete(), or NULL with err set (code "IMMDS-PARAM" for bad input). */
cJSON *immds_forecast(const struct cdsi_data *d, const cJSON *params, struct vax_error *err);

/* ---- a registry's answer, for the screen (forecast/immds_read.c) ----------- */

#define IMMDS_ANSWER_MAX 64

/** One recommendation as a person reads it. */
struct immds_rec {
	char group[64];  /* the target disease or vaccine group in the registry's words */
	char status[32]; /* the forecast status in its words ("Overdue", "Complete") */
	bool complete;   /* complete or immune: nothing is due */
	int dose;        /* the next dose's number, 0 if not given */
	vax_date earliest, due, overdue, latest; /* from dateCriterion; DATE_NONE if absent */
};

/** How the registry counted one dose of the request. */
struct immds_eval {
	char ref[80]; /* immunizationEvent.reference, as the request named the dose */
	bool valid;
	int dose, series; /* "2 of 4"; 0 if not given */
};

struct immds_answer {
	struct immds_rec *recs;
	size_t nrecs;
	struct immds_eval *evals;
	size_t nevals;
	bool have_recommendation;
};

/** Read any registry's $immds-forecast answer (the IG's Parameters). False
 * with IMMDS-ANSWER if it has no ImmunizationRecommendation. Free with
 * immds_answer_free() either way. */
bool immds_read_answer(const cJSON *params, struct immds_answer *out, struct vax_error *err);
/** How the dose the request named ref was counted, or NULL. */
const struct immds_eval *immds_answer_eval(const struct immds_answer *a, const char *ref);
void immds_answer_free(struct immds_answer *a);

#endif
