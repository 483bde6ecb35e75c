/* forecast/immds.c - $immds-forecast (HL7 ImmDS IG STU1 v1.0.0) as a pure
 * mapping between FHIR R4 Parameters and the CDSi engine. See immds.h. */
#include "forecast/immds.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fhir.h"
#include "core/xalloc.h"

#define CVX_SYSTEM             "http://hl7.org/fhir/sid/cvx"
#define MVX_SYSTEM             "http://hl7.org/fhir/sid/mvx"
#define LOINC_SYSTEM           "http://loinc.org"
#define SNOMED_SYSTEM          "http://snomed.info/sct"
#define DOSE_STATUS_SYSTEM     "http://terminology.hl7.org/CodeSystem/immunization-evaluation-dose-status"
#define FORECAST_STATUS_SYSTEM "http://terminology.hl7.org/CodeSystem/immunization-recommendation-status"
#define SUBPOTENT_SYSTEM       "http://terminology.hl7.org/CodeSystem/immunization-subpotent-reason"
/* the IG's own code systems (STU1, input/fsh/ImmDSPatient.fsh) */
#define IMMDS_CS "http://hl7.org/fhir/us/immds/CodeSystem/"

/* ---- reading ----------------------------------------------------------- */

static bool bad(struct vax_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool bad(struct vax_error *err, const char *fmt, ...)
{
	char msg[VAX_ERROR_MSG_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return error_set(err, "IMMDS-PARAM", "%s", msg);
}

/* The elements of a JSON array, or none when it is not one. */
static const cJSON *array_of(const cJSON *a)
{
	return cJSON_IsArray(a) ? a : NULL;
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A FHIR date or dateTime: the day part of "YYYY-MM-DD[Thh:mm...]". Partial
 * dates ("2020-05") are refused: CDSi counts days. */
static bool day_of(const char *s, vax_date *out)
{
	char buf[DATE_ISO_LEN];
	size_t n = strlen(s);
	if (n < 10 || (n > 10 && s[10] != 'T'))
		return false;
	memcpy(buf, s, 10);
	buf[10] = '\0';
	return date_parse_iso(buf, out) == DATE_OK && *out != DATE_NONE;
}

static void ref_of(const cJSON *res, const char *type, char *buf, size_t len)
{
	const char *id = str_of(res, "id");
	if (id && *id && strlen(id) <= 64)
		snprintf(buf, len, "%s/%s", type, id);
	else
		buf[0] = '\0';
}

static bool resource_of(const cJSON *p, const char *type, const char *where, const cJSON **out,
                        struct vax_error *err)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(p, "resource");
	if (!cJSON_IsObject(r))
		return bad(err, "%s: expected a %s resource", where, type);
	const char *rt = str_of(r, "resourceType");
	if (!rt || strcmp(rt, type) != 0)
		return bad(err, "%s: expected resourceType %s", where, type);
	*out = r;
	return true;
}

static bool read_patient(const cJSON *r, struct immds_request *q, struct vax_error *err)
{
	const char *dob = str_of(r, "birthDate");
	if (!dob)
		return bad(err, "%s: Patient.birthDate is required", "patient");
	if (!day_of(dob, &q->patient.dob))
		return bad(err, "%s: Patient.birthDate \"%.40s\" is not a full date (YYYY-MM-DD)", "patient",
		           dob);
	const char *g = str_of(r, "gender");
	q->patient.gender = !g ? 'U' : strcmp(g, "female") == 0 ? 'F' : strcmp(g, "male") == 0 ? 'M' : 'U';
	ref_of(r, "Patient", q->patient_ref, sizeof q->patient_ref);
	return true;
}

/* Returns 1 for a dose, 0 for a record to skip, -1 on error. */
static int read_immunization(const cJSON *r, const char *where, struct cdsi_dose *d, struct vax_error *err)
{
	const char *st = str_of(r, "status");
	if (!st)
		return bad(err, "%s: Immunization.status is required", where), -1;
	if (strcmp(st, "entered-in-error") == 0 || strcmp(st, "not-done") == 0)
		return 0;
	if (strcmp(st, "completed") != 0)
		return bad(err,
		           "%s: Immunization.status \"%.40s\" is not completed, entered-in-error or not-done",
		           where, st),
		       -1;
	memset(d, 0, sizeof *d);
	d->lot_expiration = DATE_NONE;
	d->cvx = -1;
	const cJSON *vc = cJSON_GetObjectItemCaseSensitive(r, "vaccineCode");
	const cJSON *cod = cJSON_GetObjectItemCaseSensitive(vc, "coding"), *c;
	cJSON_ArrayForEach(c, array_of(cod))
	{
		const char *sys = str_of(c, "system"), *code = str_of(c, "code");
		if (!sys || !code || strcmp(sys, CVX_SYSTEM) != 0)
			continue;
		char *end;
		long v = strtol(code, &end, 10);
		if (end == code || *end || v < 0 || v > 9999)
			return bad(err, "%s: vaccineCode CVX \"%.20s\" is not a CVX code", where, code), -1;
		d->cvx = (int)v;
		break;
	}
	if (d->cvx < 0)
		return bad(err, "%s: vaccineCode has no coding in %s", where, CVX_SYSTEM), -1;
	const char *occ = str_of(r, "occurrenceDateTime");
	if (!occ)
		return bad(err, "%s: Immunization.occurrenceDateTime is required", where), -1;
	if (!day_of(occ, &d->date))
		return bad(err, "%s: occurrenceDateTime \"%.40s\" is not a full date", where, occ), -1;
	const char *exp = str_of(r, "expirationDate");
	if (exp && !day_of(exp, &d->lot_expiration))
		return bad(err, "%s: expirationDate \"%.40s\" is not a full date", where, exp), -1;
	const cJSON *sub = cJSON_GetObjectItemCaseSensitive(r, "isSubpotent");
	d->substandard = cJSON_IsTrue(sub);
	/* manufacturer is Reference(Organization); an MVX identifier is usable */
	const cJSON *man = cJSON_GetObjectItemCaseSensitive(r, "manufacturer");
	const cJSON *mid = cJSON_GetObjectItemCaseSensitive(man, "identifier");
	const char *msys = str_of(mid, "system"), *mval = str_of(mid, "value");
	if (msys && mval && strcmp(msys, MVX_SYSTEM) == 0 && strlen(mval) < sizeof d->mvx)
		snprintf(d->mvx, sizeof d->mvx, "%s", mval);
	return 1;
}

static const char *cdsi_code_of(const cJSON *cc)
{
	const cJSON *cod = cJSON_GetObjectItemCaseSensitive(cc, "coding"), *c;
	cJSON_ArrayForEach(c, array_of(cod))
	{
		const char *sys = str_of(c, "system"), *code = str_of(c, "code");
		if (sys && code && strcmp(sys, IMMDS_CDSI_OBSERVATION_SYSTEM) == 0)
			return code;
	}
	return NULL;
}

/* Condition or Observation -> CDSi observation. 1 = use, 0 = skip, -1 = error. */
static int read_observation(const cJSON *r, const char *where, struct cdsi_observation_in *o,
                            struct vax_error *err)
{
	const char *rt = str_of(r, "resourceType");
	bool cond = strcmp(rt, "Condition") == 0;
	const char *code = cdsi_code_of(cJSON_GetObjectItemCaseSensitive(r, "code"));
	if (!code)
		return 0; /* coded in a system CDSi does not read */
	if (!*code || strlen(code) >= sizeof o->code)
		return bad(err, "%s: CDSi observation code \"%.20s\" is not a CDSi code", where, code), -1;
	if (cond) {
		const cJSON *cs = cJSON_GetObjectItemCaseSensitive(r, "clinicalStatus");
		const cJSON *cod = cJSON_GetObjectItemCaseSensitive(cs, "coding"), *c;
		cJSON_ArrayForEach(c, array_of(cod))
		{
			const char *s = str_of(c, "code");
			if (s && (strcmp(s, "inactive") == 0 || strcmp(s, "resolved") == 0))
				return 0;
		}
	} else {
		const char *s = str_of(r, "status");
		if (s && (strcmp(s, "entered-in-error") == 0 || strcmp(s, "cancelled") == 0))
			return 0;
	}
	snprintf(o->code, sizeof o->code, "%s", code);
	o->begin = o->end = DATE_NONE;
	const char *b = NULL, *e = NULL;
	const char *bname = cond ? "onsetDateTime" : "effectiveDateTime";
	b = str_of(r, bname);
	if (cond) {
		e = str_of(r, "abatementDateTime");
	} else if (!b) {
		const cJSON *per = cJSON_GetObjectItemCaseSensitive(r, "effectivePeriod");
		b = str_of(per, "start");
		e = str_of(per, "end");
		bname = "effectivePeriod";
	}
	if (b && !day_of(b, &o->begin))
		return bad(err, "%s: %s is not a full date", where, bname), -1;
	if (e && !day_of(e, &o->end))
		return bad(err, "%s: the end date \"%.40s\" is not a full date", where, e), -1;
	return 1;
}

bool immds_parse_request(const cJSON *params, struct immds_request *q, struct vax_error *err)
{
	memset(q, 0, sizeof *q);
	q->assessment = DATE_NONE;
	if (!cJSON_IsObject(params) || !str_of(params, "resourceType") ||
	    strcmp(str_of(params, "resourceType"), "Parameters") != 0)
		return bad(err, "%s: the request body must be a FHIR Parameters resource", "request");
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(params, "parameter");
	if (!cJSON_IsArray(list))
		return bad(err, "%s: Parameters.parameter must be an array", "request");
	size_t nimm = 0, nobs = 0;
	const cJSON *p;
	cJSON_ArrayForEach(p, list)
	{
		const char *name = str_of(p, "name");
		if (!name)
			continue;
		if (strcmp(name, "immunization") == 0)
			nimm++;
		else if (strcmp(name, "condition") == 0 || strcmp(name, "observation") == 0)
			nobs++;
	}
	if (nimm > IMMDS_MAX_IMMUNIZATIONS)
		return bad(err, "%s: more than %s immunizations in one request", "immunization", "1000");
	if (nobs > IMMDS_MAX_OBSERVATIONS)
		return bad(err, "%s: more than %s conditions and observations in one request", "condition",
		           "200");
	q->doses = xcalloc(nimm + 1, sizeof *q->doses);
	q->dose_refs = xcalloc(nimm + 1, sizeof *q->dose_refs);
	q->subpotent = xcalloc(nimm + 1, sizeof *q->subpotent);
	q->observations = xcalloc(nobs + 1, sizeof *q->observations);
	bool have_date = false, have_patient = false;
	size_t imm_i = 0, obs_i = 0;
	cJSON_ArrayForEach(p, list)
	{
		const char *name = str_of(p, "name");
		if (!cJSON_IsObject(p) || !name)
			return bad(err, "%s: every parameter needs a name", "parameter");
		char where[48];
		const cJSON *r;
		if (strcmp(name, "assessmentDate") == 0) {
			const char *v = str_of(p, "valueDate");
			if (!v)
				v = str_of(p, "valueDateTime");
			if (have_date)
				return bad(err, "%s: given more than once", "assessmentDate");
			if (!v || !day_of(v, &q->assessment))
				return bad(err, "%s: valueDate must be a full date (YYYY-MM-DD)",
				           "assessmentDate");
			have_date = true;
		} else if (strcmp(name, "patient") == 0) {
			if (have_patient)
				return bad(err, "%s: given more than once", "patient");
			if (!resource_of(p, "Patient", "patient", &r, err) || !read_patient(r, q, err))
				return false;
			have_patient = true;
		} else if (strcmp(name, "immunization") == 0) {
			snprintf(where, sizeof where, "immunization[%zu]", imm_i++);
			if (!resource_of(p, "Immunization", where, &r, err))
				return false;
			size_t k = q->patient.ndoses;
			int rc = read_immunization(r, where, &q->doses[k], err);
			if (rc < 0)
				return false;
			if (rc > 0) {
				ref_of(r, "Immunization", q->dose_refs[k], sizeof q->dose_refs[k]);
				const cJSON *sr, *c;
				cJSON_ArrayForEach(
				    sr, array_of(cJSON_GetObjectItemCaseSensitive(r, "subpotentReason")))
				    cJSON_ArrayForEach(
				        c, array_of(cJSON_GetObjectItemCaseSensitive(sr, "coding")))
				{
					const char *sys = str_of(c, "system"), *code = str_of(c, "code");
					if (sys && code && !strcmp(sys, SUBPOTENT_SYSTEM) &&
					    strlen(code) < 16)
						snprintf(q->subpotent[k], sizeof q->subpotent[k], "%s", code);
				}
				q->patient.ndoses++;
			}
		} else if (strcmp(name, "condition") == 0 || strcmp(name, "observation") == 0) {
			bool cond = name[0] == 'c';
			snprintf(where, sizeof where, "%s[%zu]", name, obs_i++);
			if (!resource_of(p, cond ? "Condition" : "Observation", where, &r, err))
				return false;
			int rc = read_observation(r, where, &q->observations[q->patient.nobservations], err);
			if (rc < 0)
				return false;
			q->patient.nobservations += rc > 0;
		}
		/* other parameters are not part of the operation: ignored */
	}
	if (!have_date)
		return bad(err, "%s: the parameter is required", "assessmentDate");
	if (!have_patient)
		return bad(err, "%s: the parameter is required", "patient");
	for (size_t i = 0; i < q->patient.ndoses; i++)
		if (q->doses[i].date < q->patient.dob)
			return bad(err, "%s: an immunization is dated before Patient.birthDate",
			           "immunization");
	q->patient.doses = q->doses;
	q->patient.observations = q->observations;
	return true;
}

void immds_request_free(struct immds_request *r)
{
	if (!r)
		return;
	free(r->doses);
	free(r->dose_refs);
	free(r->subpotent);
	free(r->observations);
	memset(r, 0, sizeof *r);
}

/* ---- writing ----------------------------------------------------------- */

static cJSON *concept(const char *system, const char *code, const char *display, const char *text)
{
	cJSON *cc = cJSON_CreateObject();
	if (code) {
		cJSON *arr = cJSON_AddArrayToObject(cc, "coding");
		cJSON_AddItemToArray(arr, fhir_coding(system, code, display));
	}
	if (text)
		cJSON_AddStringToObject(cc, "text", text);
	return cc;
}

static void add_date(cJSON *o, const char *key, vax_date d)
{
	char buf[DATE_ISO_LEN];
	cJSON_AddStringToObject(o, key, date_format_iso(d, buf));
}

static void add_reference(cJSON *o, const char *key, const char *ref, const char *display)
{
	cJSON *r = cJSON_AddObjectToObject(o, key);
	if (ref && *ref)
		cJSON_AddStringToObject(r, "reference", ref);
	else
		cJSON_AddStringToObject(r, "display", display);
}

/* Per CDSi vaccine group: the diseases it prevents, coded as the IG's
 * TargetDisease value set has them (SNOMED CT; STU1), and the CVX code
 * that stands for the group when CDSi names no vaccine for the next dose
 * (the "CVX for vaccine group" of CDC's vaccine group table,
 * data/codes/cvx_to_vaccine_group.csv). A group whose disease the value set
 * lacks (Ebola, Chikungunya) has its name as text only. */
static const struct group_terms {
	const char *group;
	int cvx;
	struct {
		const char *code, *display;
	} disease[3];
} group_terms[] = {
    {"DTaP/Tdap/Td", 107, {{"397428000", "Diphtheria"}, {"76902006", "Tetanus"}, {"27836007", "Pertussis"}}},
    {"HepA", 85, {{"40468003", "Viral hepatitis, type A"}}},
    {"HepB", 45, {{"66071002", "Type B viral hepatitis"}}},
    {"Hib", 17, {{"709410003", "Haemophilus influenzae type b infection"}}},
    {"HPV", 137, {{"363354003", "Malignant tumour of cervix"}, {"266113007", "Genital warts"}}},
    {"Influenza", 88, {{"719590007", "Influenza caused by seasonal influenza virus"}}},
    {"MMR", 3, {{"14189004", "Measles"}, {"36989005", "Mumps"}, {"36653000", "Rubella"}}},
    {"Meningococcal", 108, {{"23511006", "Meningococcal infectious disease"}}},
    {"Meningococcal B", 164, {{"23511006", "Meningococcal infectious disease"}}},
    {"Pneumococcal", 109, {{"16814004", "Pneumococcal infectious disease"}}},
    {"Polio", 89, {{"721764008", "Infection caused by Human poliovirus"}}},
    {"Rotavirus", 122, {{"415822001", "Viral gastroenteritis due to Rotavirus"}}},
    {"Varicella", 21, {{"38907003", "Varicella"}}},
    {"Zoster", 188, {{"4740000", "Herpes zoster"}}},
    {"COVID-19", 213, {{"186747009", "Coronavirus infection"}}},
    {"RSV", 304, {{"55735004", "Respiratory syncytial virus infection"}}},
    {"Typhoid", 91, {{"4834000", "Typhoid fever"}}},
    {"Cholera", 26, {{"63650001", "Cholera"}}},
    {"Yellow Fever", 184, {{"16541001", "Yellow fever"}}},
    {"Dengue", 330, {{"38362002", "Dengue"}}},
    {"Rabies", 90, {{"14168008", "Rabies"}}},
    {"TBE", 222, {{"712986001", "Tickborne encephalitis"}}},
    {"Japanese Encephalitis", 129, {{"52947006", "Japanese encephalitis virus disease"}}},
    {"Orthopoxvirus", 325, {{"67924001", "Smallpox"}}},
    {"Ebola", 214, {{NULL, NULL}}},
    {"Chikungunya", 317, {{NULL, NULL}}},
};

static const struct group_terms *terms_of(const struct cdsi_data *d, int group)
{
	const char *name = cdsi_group_name(d, (size_t)group);
	for (size_t i = 0; name && i < sizeof group_terms / sizeof *group_terms; i++)
		if (!strcmp(group_terms[i].group, name))
			return &group_terms[i];
	return NULL;
}

/* The target disease: one coding per disease the vaccine group prevents
 * (CDSi forecasts per group: MMR covers three), the group's name as text. */
static cJSON *group_concept(const struct cdsi_data *d, int group)
{
	cJSON *cc = cJSON_CreateObject();
	const struct group_terms *t = terms_of(d, group);
	if (t && t->disease[0].code) {
		cJSON *arr = cJSON_AddArrayToObject(cc, "coding");
		for (size_t i = 0; i < 3 && t->disease[i].code; i++)
			cJSON_AddItemToArray(
			    arr, fhir_coding(SNOMED_SYSTEM, t->disease[i].code, t->disease[i].display));
	}
	cJSON_AddStringToObject(cc, "text", cdsi_group_name(d, (size_t)group));
	return cc;
}

int immds_group_cvx(const struct cdsi_data *d, int group)
{
	const struct group_terms *t = terms_of(d, group);
	return t ? t->cvx : -1;
}

/* CDSi reasons onto the IG's StatusReason codes where one fits; the CDSi
 * wording is always in text. A sub-standard dose takes its code from the
 * request's subpotentReason when it says why. */
static const char *reason_code(enum cdsi_eval_reason r, const char *subpotent)
{
	switch (r) {
	case CDSI_REASON_EXPIRED:
		return "expired";
	case CDSI_REASON_TOO_YOUNG:
		return "tooyoung";
	case CDSI_REASON_TOO_OLD:
		return "tooold";
	case CDSI_REASON_TOO_SOON:
		return "toosoon";
	case CDSI_REASON_CONFLICT:
		return "productconflict";
	case CDSI_REASON_INADVERTENT:
	case CDSI_REASON_NOT_PREFERABLE_OR_ALLOWABLE:
		return "inappropriate";
	case CDSI_REASON_SUBSTANDARD:
		return !subpotent                             ? NULL
		       : !strcmp(subpotent, "partialdose")    ? "quantity"
		       : !strcmp(subpotent, "coldchainbreak") ? "storage"
		       : !strcmp(subpotent, "recall")         ? "recall"
		                                              : NULL;
	default:
		return NULL;
	}
}

static cJSON *evaluation(const struct cdsi_data *d, const struct immds_request *q,
                         const struct cdsi_group_result *g, const struct cdsi_dose_eval *e)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "resourceType", "ImmunizationEvaluation");
	cJSON_AddStringToObject(r, "status", "completed");
	add_reference(r, "patient", q->patient_ref, "the patient of the request");
	add_date(r, "date", q->assessment);
	cJSON_AddItemToObject(r, "targetDisease", group_concept(d, g->group));
	char idx[48];
	snprintf(idx, sizeof idx, "immunization %zu of the request", e->dose + 1);
	add_reference(r, "immunizationEvent", q->dose_refs[e->dose], idx);
	bool valid = e->status == CDSI_EVAL_VALID;
	cJSON_AddItemToObject(r, "doseStatus",
	                      concept(DOSE_STATUS_SYSTEM, valid ? "valid" : "notvalid",
	                              valid ? "Valid" : "Not valid", cdsi_eval_status_name(e->status)));
	if (!valid) {
		enum cdsi_eval_reason rs = e->reason;
		if (!rs && e->status == CDSI_EVAL_SUBSTANDARD)
			rs = CDSI_REASON_SUBSTANDARD;
		const char *text = rs ? cdsi_eval_reason_text(rs) : cdsi_eval_status_name(e->status);
		const char *code = reason_code(rs, q->subpotent[e->dose][0] ? q->subpotent[e->dose] : NULL);
		cJSON *arr = cJSON_AddArrayToObject(r, "doseStatusReason");
		cJSON_AddItemToArray(arr, concept(IMMDS_CS "StatusReason", code, NULL, text));
	}
	if (g->series[0])
		cJSON_AddStringToObject(r, "series", g->series);
	if (valid && e->dose_number > 0)
		cJSON_AddNumberToObject(r, "doseNumberPositiveInt", e->dose_number);
	/* a valid dose of an open-ended series is counted in its childhood doses,
	 * as vaxdesk's own record counts it ("1 of 5") */
	int of = valid ? cdsi_eval_of(e) : e->series_doses;
	if (of > 0)
		cJSON_AddNumberToObject(r, "seriesDosesPositiveInt", of);
	return r;
}

static void criterion(cJSON *arr, const char *loinc, const char *display, vax_date when)
{
	if (when == DATE_NONE)
		return;
	cJSON *c = cJSON_CreateObject();
	cJSON_AddItemToObject(c, "code", concept(LOINC_SYSTEM, loinc, display, NULL));
	add_date(c, "value", when);
	cJSON_AddItemToArray(arr, c);
}

static cJSON *recommendation_item(const struct cdsi_data *d, const struct immds_request *q,
                                  const struct cdsi_group_result *g)
{
	cJSON *r = cJSON_CreateObject();
	cJSON *vc = cJSON_AddArrayToObject(r, "vaccineCode");
	for (size_t i = 0; i < g->nrecommended_cvx; i++) {
		char code[16];
		snprintf(code, sizeof code, "%02d", g->recommended_cvx[i]);
		cJSON_AddItemToArray(
		    vc, concept(CVX_SYSTEM, code, cdsi_cvx_description(d, g->recommended_cvx[i]), NULL));
	}
	/* CDSi names no vaccine for the dose: the code that stands for the group */
	int gcvx = immds_group_cvx(d, g->group);
	if (!g->nrecommended_cvx && gcvx >= 0) {
		char code[16];
		snprintf(code, sizeof code, "%02d", gcvx);
		const char *desc = cdsi_cvx_description(d, gcvx);
		cJSON_AddItemToArray(vc, concept(CVX_SYSTEM, code, desc, NULL));
	}
	if (!cJSON_GetArraySize(vc))
		cJSON_AddItemToArray(vc, concept(NULL, NULL, NULL, cdsi_group_name(d, (size_t)g->group)));
	cJSON_AddItemToObject(r, "targetDisease", group_concept(d, g->group));

	/* The IG's ForecastStatus codes; the R4 recommendation-status code too
	 * where one says the same (due only once the earliest date is here,
	 * overdue once the past-due date is) */
	const char *code = NULL, *display = NULL, *r4 = NULL;
	switch (g->status) {
	case CDSI_NOT_COMPLETE:
		code = "notComplete", display = "Not Complete";
		if (g->past_due != DATE_NONE && q->assessment >= g->past_due)
			r4 = "overdue";
		else if (g->earliest != DATE_NONE && q->assessment >= g->earliest)
			r4 = "due";
		break;
	case CDSI_COMPLETE:
		code = "complete", display = "Complete", r4 = "complete";
		break;
	case CDSI_IMMUNE:
		code = "immune", display = "Immune", r4 = "immune";
		break;
	case CDSI_CONTRAINDICATED:
		code = "contraindicated", display = "Contraindicated", r4 = "contraindicated";
		break;
	case CDSI_AGED_OUT:
		code = "agedOut", display = "Aged Out";
		break;
	case CDSI_NOT_RECOMMENDED:
		code = "notRecommended", display = "Not Recommended";
		break;
	}
	cJSON *fs = concept(IMMDS_CS "ForecastStatus", code, display, cdsi_series_status_name(g->status));
	if (r4) {
		char r4d[32];
		snprintf(r4d, sizeof r4d, "%c%s", r4[0] - 'a' + 'A', r4 + 1);
		cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(fs, "coding"),
		                     fhir_coding(FORECAST_STATUS_SYSTEM, r4, r4d));
	}
	cJSON_AddItemToObject(r, "forecastStatus", fs);
	/* the IG's ForecastReason where one fits; CDSi's words always */
	const char *why_code = g->status == CDSI_COMPLETE          ? "complete"
	                       : g->status == CDSI_NOT_RECOMMENDED ? "notRecommended"
	                       : g->status == CDSI_AGED_OUT        ? "maximumAge"
	                                                           : NULL;
	const char *why_display = g->status == CDSI_COMPLETE          ? "Complete"
	                          : g->status == CDSI_NOT_RECOMMENDED ? "Not Recommended"
	                          : g->status == CDSI_AGED_OUT        ? "Maximum Age Exceeded"
	                                                              : NULL;
	cJSON *reasons = cJSON_AddArrayToObject(r, "forecastReason");
	char why[192];
	snprintf(why, sizeof why, "%s%s%s", cdsi_series_status_name(g->status), g->series[0] ? ": " : "",
	         g->series);
	cJSON_AddItemToArray(reasons, concept(IMMDS_CS "ForecastReason", why_code, why_display, why));

	if (g->status == CDSI_NOT_COMPLETE) {
		cJSON *dc = cJSON_AddArrayToObject(r, "dateCriterion");
		criterion(dc, "30981-5", "Earliest date to give", g->earliest);
		criterion(dc, "30980-7", "Date vaccine due", g->recommended);
		criterion(dc, "59778-1", "Date when overdue for immunization", g->past_due);
		criterion(dc, "59777-3", "Latest date to give immunization", g->latest);
		if (g->dose_number > 0)
			cJSON_AddNumberToObject(r, "doseNumberPositiveInt", g->dose_number);
	}
	if (g->series[0])
		cJSON_AddStringToObject(r, "series", g->series);
	if (g->series_doses > 0)
		cJSON_AddNumberToObject(r, "seriesDosesPositiveInt", g->series_doses);
	return r;
}

static void add_param(cJSON *params, const char *name, cJSON *resource)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", name);
	cJSON_AddItemToObject(p, "resource", resource);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(params, "parameter"), p);
}

cJSON *immds_build_response(const struct cdsi_data *d, const struct immds_request *q,
                            const struct cdsi_result *res)
{
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "resourceType", "Parameters");
	cJSON_AddArrayToObject(out, "parameter");
	for (size_t i = 0; i < res->ngroups; i++) {
		const struct cdsi_group_result *g = &res->groups[i];
		for (size_t k = 0; k < g->nevals; k++)
			if (g->evals[k].status != CDSI_EVAL_NONE)
				add_param(out, "evaluation", evaluation(d, q, g, &g->evals[k]));
	}
	cJSON *rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "resourceType", "ImmunizationRecommendation");
	add_reference(rec, "patient", q->patient_ref, "the patient of the request");
	add_date(rec, "date", q->assessment);
	cJSON *items = cJSON_AddArrayToObject(rec, "recommendation");
	for (size_t i = 0; i < res->ngroups; i++)
		cJSON_AddItemToArray(items, recommendation_item(d, q, &res->groups[i]));
	add_param(out, "recommendation", rec);
	return out;
}

cJSON *immds_forecast(const struct cdsi_data *d, const cJSON *params, struct vax_error *err)
{
	struct immds_request q;
	struct cdsi_result res = {0};
	cJSON *out = NULL;
	if (immds_parse_request(params, &q, err) &&
	    cdsi_evaluate(d, &q.patient, q.assessment, -1, &res, err)) {
		out = immds_build_response(d, &q, &res);
		cdsi_result_free(&res);
	}
	immds_request_free(&q);
	return out;
}
