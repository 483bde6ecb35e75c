/* core/vocab.c - see vocab.h */
#include "core/vocab.h"

#include "core/text.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct vocab_entry route[] = {
    {"C28161", "Intramuscular (IM)"},
    {"C38299", "Subcutaneous (SC)"},
    {"C38238", "Intradermal (ID)"},
    {"C38288", "Oral (PO)"},
    {"C38284", "Nasal (NS)"},
    {"C38276", "Intravenous (IV)"},
    {"C38676", "Percutaneous"},
    {"C38305", "Transdermal"},
    {"IM", "Intramuscular (IM)"},
    {"SC", "Subcutaneous (SC)"},
    {"ID", "Intradermal (ID)"},
    {"PO", "Oral (PO)"},
    {"NS", "Nasal (NS)"},
    {"IV", "Intravenous (IV)"},
    {"TD", "Transdermal"},
    {"OTH", "Other/miscellaneous"},
};

static const struct vocab_entry site[] = {
    {"LA", "Left arm"},
    {"RA", "Right arm"},
    {"LD", "Left deltoid"},
    {"RD", "Right deltoid"},
    {"LT", "Left thigh"},
    {"RT", "Right thigh"},
    {"LVL", "Left vastus lateralis"},
    {"RVL", "Right vastus lateralis"},
    {"LG", "Left gluteous medius"},
    {"RG", "Right gluteous medius"},
    {"LLFA", "Left lower forearm"},
    {"RLFA", "Right lower forearm"},
    {"MO", "Mouth"},
    {"NS", "Nose"},
};

static const struct vocab_entry funding[] = {
    {"VXC1", "Federal funds (VFC, Section 317)"},
    {"VXC2", "State funds"},
    {"PHC70", "Private funds"},
    {"PHC68", "Military funds"},
    {"VXC3", "Tribal funds"},
    {"OTH", "Other"},
    {"UNK", "Unspecified"},
};

static const struct vocab_entry vfc[] = {
    {"V01", "Not VFC eligible"},
    {"V02", "VFC eligible: Medicaid/Medicaid managed care"},
    {"V03", "VFC eligible: uninsured"},
    {"V04", "VFC eligible: American Indian/Alaska Native"},
    {"V05", "VFC eligible: underinsured (FQHC/RHC)"},
    {"V06", "State-specific eligibility (e.g. CHIP)"},
    {"V07", "Local-specific eligibility"},
    {"V00", "Eligibility not determined"},
};

static const struct vocab_entry info_source[] = {
    {"00", "New immunization record"},
    {"01", "Historical: source unspecified"},
    {"02", "Historical: from other provider"},
    {"03", "Historical: from parent's written record"},
    {"04", "Historical: from parent's recall"},
    {"05", "Historical: from other registry"},
    {"06", "Historical: from birth certificate"},
    {"07", "Historical: from school record"},
    {"08", "Historical: from public agency"},
};

static const struct vocab_entry refusal[] = {
    {"00", "Parental decision"},
    {"01", "Religious exemption"},
    {"02", "Other"},
    {"03", "Patient decision"},
};

static const struct vocab_entry relationship[] = {
    {"MTH", "Mother"},
    {"FTH", "Father"},
    {"GRD", "Guardian"},
    {"PAR", "Parent"},
    {"GRP", "Grandparent"},
    {"SIB", "Sibling"},
    {"FCH", "Foster child's caregiver"},
    {"CGV", "Care giver"},
    {"SEL", "Self"},
    {"OTH", "Other"},
};

static const struct vocab_entry race[] = {
    {"1002-5", "American Indian or Alaska Native"},
    {"2028-9", "Asian"},
    {"2054-5", "Black or African American"},
    {"2076-8", "Native Hawaiian or Other Pacific Islander"},
    {"2106-3", "White"},
    {"2131-1", "Other race"},
    {"UNK", "Unknown"},
    {"ASKU", "Asked but no answer"},
};

static const struct vocab_entry ethnicity[] = {
    {"2135-2", "Hispanic or Latino"},
    {"2186-5", "Not Hispanic or Latino"},
    {"UNK", "Unknown"},
    {"ASKU", "Asked but no answer"},
};

static const struct {
	const struct vocab_entry *e;
	size_t n;
	const char *name;
} tables[VOCAB_COUNT] = {
    [VOCAB_ROUTE] = {route, N(route), "route"},
    [VOCAB_SITE] = {site, N(site), "body site"},
    [VOCAB_FUNDING] = {funding, N(funding), "funding source"},
    [VOCAB_VFC] = {vfc, N(vfc), "VFC eligibility"},
    [VOCAB_INFO_SOURCE] = {info_source, N(info_source), "information source"},
    [VOCAB_REFUSAL] = {refusal, N(refusal), "refusal reason"},
    [VOCAB_RELATIONSHIP] = {relationship, N(relationship), "relationship"},
    [VOCAB_RACE] = {race, N(race), "race"},
    [VOCAB_ETHNICITY] = {ethnicity, N(ethnicity), "ethnicity"},
};

const struct vocab_entry *vocab_entries(enum vocab v, size_t *n)
{
	*n = tables[v].n;
	return tables[v].e;
}

const struct vocab_entry *vocab_find(enum vocab v, const char *code)
{
	if (!code || v >= VOCAB_COUNT)
		return NULL;
	for (size_t i = 0; i < tables[v].n; i++)
		if (text_ieq(tables[v].e[i].code, code))
			return &tables[v].e[i];
	return NULL;
}

const char *vocab_label(enum vocab v, const char *code)
{
	const struct vocab_entry *e = vocab_find(v, code);
	return e ? e->label : "";
}

const char *vocab_name(enum vocab v)
{
	return v < VOCAB_COUNT ? tables[v].name : "";
}
