/* registry/conformance.c - the definitions vaxregd serves besides its
 * CapabilityStatement: a StructureDefinition for each extension it and
 * vaxdesk write (GET /StructureDefinition/<name>, the last part of the
 * extension's URL), and an OperationDefinition for each operation
 * (GET /OperationDefinition/<id>), readable without a login since they hold
 * no record. The tables below are the one list of the project's extensions
 * (doc/extensions.md describes them for people; core/fhir.c reads and
 * writes them). */
#include <stdio.h>
#include <string.h>

#include "core/fhir.h"
#include "registry/routes_int.h"

/* ---- the extensions ------------------------------------------------------------ */

struct ext_part {
	const char *name, *type;
};

struct ext_def {
	const char *name;    /* the URL's last part and the definition's id */
	const char *context; /* where it may appear: "Patient", "Patient,Immunization,Address" */
	const char *type;    /* value[x] type, NULL for a complex extension */
	bool repeats;
	const char *title, *description;
	const struct ext_part *parts; /* a complex extension's, ending {NULL} */
};

static const struct ext_part comment_parts[] = {{"kind", "code"},  {"code", "code"}, {"text", "string"},
                                                {"begin", "date"}, {"end", "date"},  {NULL, NULL}};
static const struct ext_part capture_parts[] = {
    {"user", "string"}, {"org", "string"}, {"workstation", "string"}, {"at", "instant"}, {NULL, NULL}};

static const struct ext_def exts[] = {
    {"mother-given", "Patient", "string", false, "Mother's first name",
     "The first name of the client's mother, for matching records.", NULL},
    {"org-status", "Patient", "code", false, "Status at the organization",
     "The client's status at the organization that keeps them (HL7 table 0441 meanings): active, "
     "inactive, moved, lost, deceased.",
     NULL},
    {"org-status-reason", "Patient", "string", false, "Why the status changed",
     "Why the client's status at the organization is what it is.", NULL},
    {"primary-provider", "Patient", "string", false, "Primary provider",
     "The client's primary care provider, as the organization names them.", NULL},
    {"tracking-schedule", "Patient", "string", false, "Tracking schedule",
     "The schedule the client's doses are tracked against: ACIP, TX-SCHOOL.", NULL},
    {"reminder-recall", "Patient", "boolean", false, "Reminder/recall",
     "Whether the client (or parent) agreed to reminder and recall notices.", NULL},
    {"last-notice", "Patient", "date", false, "Last notice",
     "The day the last reminder or recall notice was sent.", NULL},
    {"no-viable-address", "Patient", "boolean", false, "No viable address",
     "True when mail to the client's address comes back: no notices are mailed.", NULL},
    {"vital-records-lock", "Patient", "boolean", false, "Vital records lock",
     "True when name, date of birth and sex come from vital statistics and may not be changed by an "
     "organization.",
     NULL},
    {"note", "Patient", "string", false, "Note", "A note on the client, visible to every organization.",
     NULL},
    {"comment", "Patient", NULL, true, "Comment",
     "A reaction, immunity, contraindication or other comment: kind (reaction, immunity, "
     "contraindication, other), a CDSi observation code, text, and the days it began and ended.",
     comment_parts},
    {"capture", "Patient,Immunization,Address", NULL, false, "Capture",
     "Who typed the record, where and when: user, organization, workstation and the instant; set by the "
     "registry from the session, never taken as sent.",
     capture_parts},
    {"delete-reason", "Immunization", "string", false, "Why deleted",
     "Why a dose was deleted (entered in error).", NULL},
    {"edit-reason", "Immunization", "string", false, "Why changed",
     "Why a dose was last changed after it was recorded.", NULL},
    {"recorded-by", "Immunization", "Reference", false, "Recorded by",
     "The organization that recorded the dose (identifier system "
     "https://vaxdesk.org/fhir/CodeSystem/organization-code): the registry sets it from the session and "
     "it never changes.",
     NULL},
    {"consent-minor", "Consent", "code", false, "Consent for a minor",
     "The parent's or guardian's answer for a client under 18: unknown, granted, refused, withdrawn.", NULL},
    {"consent-adult", "Consent", "code", false, "Consent as an adult",
     "The client's own answer from 18 on: unknown, granted, refused, withdrawn.", NULL},
    {"disaster-retention", "Consent", "boolean", false, "Disaster retention",
     "Whether records made during a declared disaster may be kept after it.", NULL},
    {"consent-source", "Consent", "string", false, "Consent source",
     "Where the consent answer came from (form, phone, vital records).", NULL},
};

#define NEXTS (sizeof exts / sizeof *exts)

bool reg_extension_defined(const char *url)
{
	size_t n = strlen(FHIR_EXT);
	for (size_t i = 0; url && !strncmp(url, FHIR_EXT, n) && i < NEXTS; i++)
		if (!strcmp(url + n, exts[i].name))
			return true;
	return false;
}

static cJSON *element(cJSON *elems, const char *id, const char *path)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "id", id);
	cJSON_AddStringToObject(e, "path", path);
	cJSON_AddItemToArray(elems, e);
	return e;
}

static void value_type(cJSON *e, const char *type)
{
	cJSON *t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "code", type);
	if (!strcmp(type, "Reference")) {
		cJSON *tp = cJSON_AddArrayToObject(t, "targetProfile");
		cJSON_AddItemToArray(
		    tp, cJSON_CreateString("http://hl7.org/fhir/StructureDefinition/Organization"));
	}
	cJSON *ts = cJSON_AddArrayToObject(e, "type");
	cJSON_AddItemToArray(ts, t);
}

/* "mother-given" -> "MotherGiven" (a definition's name is an identifier). */
static void camel(const char *in, char *out, size_t len)
{
	size_t o = 0;
	bool up = true;
	for (const char *p = in; *p && o + 1 < len; p++) {
		if (*p == '-') {
			up = true;
			continue;
		}
		out[o++] = up && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
		up = false;
	}
	out[o] = '\0';
}

static void common(cJSON *r, const char *type, const char *id, const char *url, const char *name,
                   const char *title, const char *status, const char *description)
{
	cJSON_AddStringToObject(r, "resourceType", type);
	cJSON_AddStringToObject(r, "id", id);
	cJSON_AddStringToObject(r, "url", url);
	cJSON_AddStringToObject(r, "version", reg_version());
	cJSON_AddStringToObject(r, "name", name);
	if (title)
		cJSON_AddStringToObject(r, "title", title);
	cJSON_AddStringToObject(r, "status", status);
	cJSON_AddStringToObject(r, "publisher", "vaxdesk");
	cJSON_AddStringToObject(r, "description", description);
}

static cJSON *ext_definition(const struct ext_def *d)
{
	char url[200], name[64];
	snprintf(url, sizeof url, FHIR_EXT "%s", d->name);
	camel(d->name, name, sizeof name);
	cJSON *r = cJSON_CreateObject();
	common(r, "StructureDefinition", d->name, url, name, d->title, "active", d->description);
	cJSON_AddStringToObject(r, "fhirVersion", "4.0.1");
	cJSON_AddStringToObject(r, "kind", "complex-type");
	cJSON_AddBoolToObject(r, "abstract", false);
	cJSON *ctx = cJSON_AddArrayToObject(r, "context");
	char contexts[64];
	snprintf(contexts, sizeof contexts, "%s", d->context);
	for (char *sv = NULL, *c = strtok_r(contexts, ",", &sv); c; c = strtok_r(NULL, ",", &sv)) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "element");
		cJSON_AddStringToObject(o, "expression", c);
		cJSON_AddItemToArray(ctx, o);
	}
	cJSON_AddStringToObject(r, "type", "Extension");
	cJSON_AddStringToObject(r, "baseDefinition", "http://hl7.org/fhir/StructureDefinition/Extension");
	cJSON_AddStringToObject(r, "derivation", "constraint");
	cJSON *el = cJSON_AddArrayToObject(cJSON_AddObjectToObject(r, "differential"), "element");
	cJSON *e = element(el, "Extension", "Extension");
	cJSON_AddStringToObject(e, "short", d->title);
	cJSON_AddStringToObject(e, "definition", d->description);
	cJSON_AddNumberToObject(e, "min", 0);
	cJSON_AddStringToObject(e, "max", d->repeats ? "*" : "1");
	if (d->type) {
		cJSON_AddStringToObject(element(el, "Extension.extension", "Extension.extension"), "max",
		                        "0");
	} else {
		e = element(el, "Extension.extension", "Extension.extension");
		cJSON *sl = cJSON_AddObjectToObject(e, "slicing");
		cJSON *disc = cJSON_CreateObject();
		cJSON_AddStringToObject(disc, "type", "value");
		cJSON_AddStringToObject(disc, "path", "url");
		cJSON_AddItemToArray(cJSON_AddArrayToObject(sl, "discriminator"), disc);
		cJSON_AddStringToObject(sl, "rules", "open");
		for (const struct ext_part *p = d->parts; p->name; p++) {
			char id[64], sub[96];
			snprintf(id, sizeof id, "Extension.extension:%.32s", p->name);
			e = element(el, id, "Extension.extension");
			cJSON_AddStringToObject(e, "sliceName", p->name);
			cJSON_AddNumberToObject(e, "min", 0);
			cJSON_AddStringToObject(e, "max", "1");
			snprintf(sub, sizeof sub, "%s.extension", id);
			cJSON_AddStringToObject(element(el, sub, "Extension.extension.extension"), "max",
			                        "0");
			snprintf(sub, sizeof sub, "%s.url", id);
			cJSON_AddStringToObject(element(el, sub, "Extension.extension.url"), "fixedUri",
			                        p->name);
			snprintf(sub, sizeof sub, "%s.value[x]", id);
			value_type(element(el, sub, "Extension.extension.value[x]"), p->type);
		}
	}
	cJSON_AddStringToObject(element(el, "Extension.url", "Extension.url"), "fixedUri", url);
	e = element(el, "Extension.value[x]", "Extension.value[x]");
	if (d->type) {
		cJSON_AddNumberToObject(e, "min", 1);
		value_type(e, d->type);
	} else {
		cJSON_AddStringToObject(e, "max", "0");
	}
	return r;
}

/* ---- the operations ------------------------------------------------------------ */

struct op_param {
	int depth; /* 0: a parameter; 1, 2: a part of the one above */
	const char *use, *name;
	int min;
	const char *max, *type, *doc;
};

enum op_needs { NEEDS_NOTHING, NEEDS_CDSI, NEEDS_SCHOOL }; /* the data loaded at start */

struct op_def {
	const char *id, *url, *name, *title, *status, *code, *resource; /* resource NULL: system level */
	bool instance;                                                  /* else type (or system) level */
	enum op_needs needs;
	const char *description;
	const struct op_param *params[4]; /* tables in order, each ending {0, NULL}; NULL ends */
};

#define OPDEF "https://vaxdesk.org/fhir/OperationDefinition/"

/* A school report: what it is asked, and its parts as
 * fhir_parameters_from_tree() writes the report op_school.c builds. */
static const struct op_param school_in[] = {
    {0, "in", "grade", 1, "1", "string", "The grade the list is checked for: PK, K or 1 to 12."},
    {0, "in", "date", 0, "1", "date", "The day to check on (default: today)."},
    {0, NULL, NULL, 0, NULL, NULL, NULL},
};

static const struct op_param school_out[] = {
    {0, "out", "group", 1, "1", "Reference", "The school list checked."},
    {0, "out", "name", 0, "1", "string", "The list's name."},
    {0, "out", "grade", 1, "1", "string", "The grade checked for."},
    {0, "out", "date", 1, "1", "date", "The day checked on."},
    {0, "out", "total", 1, "1", "integer", "Students on the list."},
    {0, "out", "compliant", 1, "1", "integer", "Students who meet every requirement."},
    {0, "out", "student", 0, "*", NULL, "One student of the list."},
    {1, "out", "patient", 1, "1", "Reference", "The student."},
    {1, "out", "name", 0, "1", "string", "The student's name as the registry has it (Family, Given)."},
    {1, "out", "birthDate", 0, "1", "date", "The student's date of birth."},
    {1, "out", "compliant", 0, "1", "boolean", "Meets every requirement (absent when not checked)."},
    {1, "out", "error", 0, "1", "string", "Why the student could not be checked."},
    {1, "out", "requirement", 0, "*", NULL, "One requirement of the grade."},
    {2, "out", "vaccine", 1, "1", "string", "The requirement, as the school rules name it (MMR)."},
    {2, "out", "status", 1, "1", "code",
     "met, not-met, due (not met, may still be given in time) or not-required."},
    {2, "out", "due", 0, "1", "date", "When due: the day the missing dose is due by."},
    {2, "out", "validDoses", 1, "1", "integer", "Doses counted valid toward it."},
    {2, "out", "dose", 0, "1", "integer", "Not met or due: the dose missing (2: the second)."},
    {2, "out", "earliest", 0, "1", "date", "Not met or due: the first day the missing dose may be given."},
    {0, NULL, NULL, 0, NULL, NULL, NULL},
};

/* Group/{id}/$school-report: the same report, kept (also as reopened) */
static const struct op_param school_kept_out[] = {
    {0, "out", "id", 1, "1", "id", "The kept report: GET [base]/Group/$school-reports/<id> reopens it."},
    {0, "out", "seq", 1, "1", "integer", "The organization's reports numbered in the order run."},
    {0, "out", "ranBy", 1, "1", "string", "The user who ran it."},
    {0, "out", "ranAt", 1, "1", "instant", "When it was run."},
    {0, NULL, NULL, 0, NULL, NULL, NULL},
};

/* Group/$school-reports: the organization's kept reports */
static const struct op_param school_reports_params[] = {
    {0, "out", "total", 1, "1", "integer", "The organization's kept reports."},
    {0, "out", "report", 0, "200", NULL, "One kept report, newest first (its students are not listed)."},
    {1, "out", "id", 1, "1", "id", "The report: GET [base]/Group/$school-reports/<id> reopens it."},
    {1, "out", "seq", 1, "1", "integer", "The organization's reports numbered in the order run."},
    {1, "out", "group", 1, "1", "Reference", "The school list checked."},
    {1, "out", "name", 0, "1", "string", "The list's name."},
    {1, "out", "grade", 1, "1", "string", "The grade checked for."},
    {1, "out", "date", 1, "1", "date", "The day checked on."},
    {1, "out", "total", 1, "1", "integer", "Students on the list."},
    {1, "out", "compliant", 1, "1", "integer", "Students who met every requirement."},
    {1, "out", "ranBy", 1, "1", "string", "The user who ran it."},
    {1, "out", "ranAt", 1, "1", "instant", "When it was run."},
    {0, NULL, NULL, 0, NULL, NULL, NULL},
};

/* Organization/{id}/$provider-summary (print/summary.c writes the answer) */
static const struct op_param summary_params[] = {
    {0, "in", "start", 0, "1", "date", "The period's first day (default: three months before end)."},
    {0, "in", "end", 0, "1", "date", "The period's last day (default: today; at most two years)."},
    {0, "out", "organization", 1, "1", "string", "The organization's code."},
    {0, "out", "start", 1, "1", "date", "The period's first day."},
    {0, "out", "end", 1, "1", "date", "The period's last day."},
    {0, "out", "doses", 1, "1", "integer", "Doses the organization administered in the period."},
    {0, "out", "reported-within-1-day", 1, "1", "integer",
     "Of them, received within a day of the date given."},
    {0, "out", "reported-within-7-days", 1, "1", "integer", "Of them, received within 7 days."},
    {0, "out", "reported-within-30-days", 1, "1", "integer", "Of them, received within 30 days."},
    {0, "out", "with-lot", 1, "1", "integer", "Of them, with a lot number."},
    {0, "out", "with-vis", 1, "1", "integer", "Of them, with a VIS."},
    {0, "out", "with-funding", 1, "1", "integer", "Of them, with a funding source."},
    {0, "out", "with-eligibility", 1, "1", "integer", "Of them, with a VFC eligibility."},
    {0, "out", "historical", 1, "1", "integer", "Historical records entered in the period."},
    {0, "out", "cohort", 1, "1", "integer", "Active clients 24-35 months old on end."},
    {0, "out", "up-to-date", 1, "1", "integer", "Of them, up to date for 4:3:1:3:3:1:4."},
    {0, "out", "errors", 1, "1", "integer", "Data-quality errors in the period's doses."},
    {0, "out", "short-of", 0, "*", NULL, "The cohort's clients short of one series."},
    {1, "out", "vaccine", 1, "1", "string",
     "The series (DTaP, Polio, MMR, Hib, Hepatitis B, Varicella, PCV)."},
    {1, "out", "count", 1, "1", "integer", "Clients short of it."},
    {0, "out", "issue", 0, "*", NULL, "One kind of data-quality error."},
    {1, "out", "code", 1, "1", "code", "The rule (doc/validation.md) or Q-NOT-VALID-* (CDSi)."},
    {1, "out", "text", 1, "1", "string", "The rule in words."},
    {1, "out", "count", 1, "1", "integer", "Doses that fail it."},
    {0, "out", "example", 0, "40", NULL, "A dose to correct."},
    {1, "out", "code", 1, "1", "code", "The rule it fails."},
    {1, "out", "immunization", 0, "1", "Reference", "The dose."},
    {1, "out", "patient", 0, "1", "Reference", "Its client."},
    {1, "out", "date", 0, "1", "date", "The date given."},
    {1, "out", "cvx", 0, "1", "code", "The vaccine (CVX)."},
    {0, NULL, NULL, 0, NULL, NULL, NULL},
};

/* Patient/$recall (print/recall.c reads the request, writes the answer) */
static const struct op_param recall_params[] = {
    {0, "in", "mode", 1, "1", "code", "due (anything due or overdue) or vaccines (the groups named)."},
    {0, "in", "vaccine", 0, "*", "string", "vaccines mode: a CDSi vaccine group (MMR, HepB, DTaP/Tdap/Td)."},
    {0, "in", "age-min", 0, "1", "integer", "The youngest age, in whole months."},
    {0, "in", "age-max", 0, "1", "integer", "The oldest age, in whole months."},
    {0, "in", "date", 0, "1", "date", "The notice date (default: today)."},
    {0, "in", "overdue", 0, "1", "boolean", "true: only what is past due (a recall)."},
    {0, "in", "offset", 0, "1", "integer", "The slice's first client, from 0."},
    {0, "in", "count", 0, "1", "integer", "Clients examined, 1 to 500 (default 200)."},
    {0, "out", "total", 1, "1", "integer", "The organization's clients."},
    {0, "out", "offset", 1, "1", "integer", "The slice's first client."},
    {0, "out", "count", 1, "1", "integer", "Clients examined."},
    {0, "out", "date", 1, "1", "date", "The notice date."},
    {0, "out", "notice", 0, "*", NULL, "A client selected."},
    {1, "out", "patient", 1, "1", "Patient", "The client as stored (with meta.versionId)."},
    {1, "out", "due", 0, "*", NULL, "One vaccine due."},
    {2, "out", "vaccine", 1, "1", "string", "The vaccine group."},
    {2, "out", "dose", 0, "1", "integer", "The dose due (2: the second)."},
    {2, "out", "due", 0, "1", "date", "When it is due."},
    {2, "out", "pastDue", 0, "1", "date", "When it is past due."},
    {2, "out", "overdue", 1, "1", "boolean", "Past due on the notice date."},
    {0, "out", "outcome", 0, "*", NULL, "How many clients ended how."},
    {1, "out", "code", 1, "1", "code",
     "selected, not-due, no-dob, out-of-age, inactive, opted-out or no-address."},
    {1, "out", "count", 1, "1", "integer", "Clients."},
    {0, NULL, NULL, 0, NULL, NULL, NULL},
};

/* The HL7 ImmDS IG (STU1) operation, as the IG defines it: served so its
 * canonical URL resolves here too. */
static const struct op_param immds_params[] = {
    {0, "in", "assessmentDate", 1, "1", "date", "The date on which to assess the forecast."},
    {0, "in", "patient", 1, "1", "Patient", "Patient information."},
    {0, "in", "immunization", 0, "*", "Immunization", "Patient immunization history."},
    {0, "out", "evaluation", 0, "*", "ImmunizationEvaluation", "The evaluation against a schedule."},
    {0, "out", "recommendation", 1, "1", "ImmunizationRecommendation",
     "The decision support engine produced forecast."},
    {0, NULL, NULL, 0, NULL, NULL, NULL},
};

static const struct op_def ops[] = {
    {"Group-school-compliance",
     OPDEF "Group-school-compliance",
     "SchoolCompliance",
     "School compliance of a school list",
     "active",
     "school-compliance",
     "Group",
     true,
     NEEDS_SCHOOL,
     "Every student of a school list (a Group of the organization asking) checked against the school "
     "immunization requirements of a grade on a day (Texas, 25 TAC 97.63), with the CDSi evaluation of "
     "each student's doses in the registry.",
     {school_in, school_out}},
    {"ImmDSForecastOperation",
     "http://hl7.org/fhir/us/immds/OperationDefinition/ImmDSForecastOperation",
     "ImmDSForecast",
     "Immunization Decision Support Forecast",
     "draft",
     "immds-forecast",
     NULL,
     false,
     NEEDS_CDSI,
     "The Immunization Decision Support Forecast Request operation to provide standardized request and "
     "response interfaces to Immunization Forecasters (HL7 ImmDS IG STU1).",
     {immds_params}},
    {"Group-school-report",
     OPDEF "Group-school-report",
     "SchoolReport",
     "Run and keep a school report",
     "active",
     "school-report",
     "Group",
     true,
     NEEDS_SCHOOL,
     "$school-compliance run and kept by the registry for the organization that ran it (201, Location "
     "Group/$school-reports/<id>); the answer is the report with its id, number, user and time.",
     {school_in, school_kept_out, school_out}},
    {"Group-school-reports",
     OPDEF "Group-school-reports",
     "SchoolReports",
     "The school reports kept",
     "active",
     "school-reports",
     "Group",
     false,
     NEEDS_NOTHING,
     "The organization's kept school reports, newest first (at most 200), without their students; "
     "GET [base]/Group/$school-reports/<id> gives one as it was run, as Group-school-report answers it.",
     {school_reports_params}},
    {"Organization-provider-summary",
     OPDEF "Organization-provider-summary",
     "ProviderSummary",
     "How an organization reports to the registry",
     "active",
     "provider-summary",
     "Organization",
     true,
     NEEDS_CDSI,
     "Timeliness and completeness of the doses the organization (the session's own) administered in a "
     "period, 4:3:1:3:3:1:4 coverage of its 24-35 month old clients, and its data-quality errors.",
     {summary_params}},
    {"Patient-recall",
     OPDEF "Patient-recall",
     "Recall",
     "Reminder/recall selection",
     "active",
     "recall",
     "Patient",
     false,
     NEEDS_CDSI,
     "The reminder/recall selection over one slice of the organization's clients (the Patients it "
     "registered, in name order): each client selected with the vaccines due, and how many clients "
     "ended how.",
     {recall_params}},
};

#define NOPS (sizeof ops / sizeof *ops)

void reg_conformance_ops(const char *type, bool cdsi, bool school, cJSON *where)
{
	cJSON *list = cJSON_GetObjectItemCaseSensitive(where, "operation");
	for (size_t i = 0; i < NOPS; i++) {
		const struct op_def *d = &ops[i];
		if ((type ? !d->resource || strcmp(type, d->resource) : d->resource != NULL) ||
		    (d->needs == NEEDS_CDSI && !cdsi) || (d->needs == NEEDS_SCHOOL && !(cdsi && school)))
			continue;
		if (!list)
			list = cJSON_AddArrayToObject(where, "operation");
		cJSON *op = cJSON_CreateObject();
		cJSON_AddStringToObject(op, "name", d->code);
		cJSON_AddStringToObject(op, "definition", d->url);
		cJSON_AddItemToArray(list, op);
	}
}

static cJSON *op_definition(const struct op_def *d)
{
	cJSON *r = cJSON_CreateObject();
	common(r, "OperationDefinition", d->id, d->url, d->name, d->title, d->status, d->description);
	cJSON_AddStringToObject(r, "kind", "operation");
	cJSON_AddStringToObject(r, "code", d->code);
	if (d->resource)
		cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "resource"), cJSON_CreateString(d->resource));
	cJSON_AddBoolToObject(r, "system", d->resource == NULL);
	cJSON_AddBoolToObject(r, "type", d->resource && !d->instance);
	cJSON_AddBoolToObject(r, "instance", d->instance);
	cJSON *lists[3] = {cJSON_AddArrayToObject(r, "parameter"), NULL, NULL};
	for (const struct op_param *const *t = d->params; *t; t++) {
		for (const struct op_param *p = *t; p->name; p++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", p->name);
			cJSON_AddStringToObject(o, "use", p->use);
			cJSON_AddNumberToObject(o, "min", p->min);
			cJSON_AddStringToObject(o, "max", p->max);
			cJSON_AddStringToObject(o, "documentation", p->doc);
			if (p->type)
				cJSON_AddStringToObject(o, "type", p->type);
			cJSON_AddItemToArray(lists[p->depth], o);
			if (!p->type && p->depth < 2)
				lists[p->depth + 1] = cJSON_AddArrayToObject(o, "part");
		}
	}
	return r;
}

/* ---- GET /StructureDefinition[/id], /OperationDefinition[/id] ---------------- */

static bool is_sd(const struct ctx *x)
{
	return !strncmp(x->rq->path, "/StructureDefinition", 20);
}

static cJSON *definition(bool sd, size_t i)
{
	return sd ? ext_definition(&exts[i]) : op_definition(&ops[i]);
}

static const char *def_id(bool sd, size_t i)
{
	return sd ? exts[i].name : ops[i].id;
}

void reg_conformance_read(struct ctx *x)
{
	bool sd = is_sd(x);
	for (size_t i = 0; i < (sd ? NEXTS : NOPS); i++)
		if (!strcmp(def_id(sd, i), x->id)) {
			reg_reply_json(x->rs, 200, definition(sd, i), CT_FHIR);
			return;
		}
	reg_not_found(x, sd ? "StructureDefinition" : "OperationDefinition", x->id);
}

void reg_conformance_search(struct ctx *x)
{
	bool sd = is_sd(x);
	const char *type = sd ? "StructureDefinition" : "OperationDefinition";
	const char *url = NULL;
	for (int i = 0; i < x->rq->n_param; i++) {
		const char *k = x->rq->param[i].key;
		if (!strcmp(k, "url"))
			url = x->rq->param[i].value;
		else if (strcmp(k, "_format") && strcmp(k, "_pretty")) {
			char msg[200];
			snprintf(msg, sizeof msg, "Search parameter '%.60s': %s is searched by url only.", k,
			         type);
			reg_reply_oo(x->rs, 400, "invalid", "SEARCH-PARAM", msg, k);
			return;
		}
	}
	cJSON *b = reg_bundle_new("searchset");
	cJSON *entries = cJSON_CreateArray();
	for (size_t i = 0; i < (sd ? NEXTS : NOPS); i++) {
		cJSON *r = definition(sd, i);
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(r, "url");
		if (url && strcmp(url, u->valuestring)) {
			cJSON_Delete(r);
			continue;
		}
		cJSON *e = cJSON_CreateObject();
		char full[512];
		snprintf(full, sizeof full, "%s/%s/%s", x->rq->base ? x->rq->base : "", type, def_id(sd, i));
		cJSON_AddStringToObject(e, "fullUrl", full);
		cJSON_AddItemToObject(e, "resource", r);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(e, "search"), "mode", "match");
		cJSON_AddItemToArray(entries, e);
	}
	cJSON_AddNumberToObject(b, "total", cJSON_GetArraySize(entries));
	if (cJSON_GetArraySize(entries))
		cJSON_AddItemToObject(b, "entry", entries);
	else
		cJSON_Delete(entries);
	reg_reply_json(x->rs, 200, b, CT_FHIR);
}

void reg_conformance_list(cJSON *rest_resources)
{
	static const char *types[] = {"StructureDefinition", "OperationDefinition"};
	for (int t = 0; t < 2; t++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", types[t]);
		cJSON *ia = cJSON_AddArrayToObject(o, "interaction");
		static const char *codes[] = {"read", "search-type"};
		for (int k = 0; k < 2; k++) {
			cJSON *it = cJSON_CreateObject();
			cJSON_AddStringToObject(it, "code", codes[k]);
			cJSON_AddItemToArray(ia, it);
		}
		cJSON *sp = cJSON_CreateObject();
		cJSON_AddStringToObject(sp, "name", "url");
		cJSON_AddStringToObject(sp, "type", "uri");
		cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "searchParam"), sp);
		/* the definitions themselves, by canonical URL */
		char doc[4096];
		size_t off =
		    (size_t)snprintf(doc, sizeof doc,
		                     t == 0 ? "The registry's extensions, read at [base]/StructureDefinition/"
		                              "<name>:"
		                            : "The registry's operations, read at "
		                              "[base]/OperationDefinition/<id>:");
		for (size_t i = 0; i < (t == 0 ? NEXTS : NOPS) && off < sizeof doc; i++) {
			char url[200];
			if (t == 0)
				snprintf(url, sizeof url, FHIR_EXT "%s", exts[i].name);
			off +=
			    (size_t)snprintf(doc + off, sizeof doc - off, " %s%s", t == 0 ? url : ops[i].url,
			                     i + 1 < (t == 0 ? NEXTS : NOPS) ? "," : ".");
		}
		cJSON_AddStringToObject(o, "documentation", doc);
		cJSON_AddItemToArray(rest_resources, o);
	}
}
