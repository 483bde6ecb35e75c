/* core/immunization.h - one dose: administered here, reported from history,
 * or refused.
 *
 * Codes are kept as strings exactly as CDC publishes them: CVX "08" keeps its
 * leading zero, and an NDC keeps its 5-4-2 dashes. Quantities avoid floating
 * point: a dose volume is stored in microlitres (0.5 mL = 500).
 */
#ifndef VAX_CORE_IMMUNIZATION_H
#define VAX_CORE_IMMUNIZATION_H

#include <stdbool.h>

#include "core/client.h"
#include "core/date.h"

#define IMM_VIS_MAX 4

/** A Vaccine Information Statement given to the patient. */
struct vis_given {
	char document[VAX_NAME_LEN]; /* name, or the GS1 fully encoded string */
	vax_date edition;
	vax_date presented;
};

struct immunization {
	char uuid[VAX_UUID_LEN]; /* assigned where first typed; the create is conditional on it */
	char id[VAX_ID_LEN];     /* registry id, "" until accepted */
	char version[VAX_VERSION_LEN];
	char client_id[VAX_ID_LEN];     /* registry id of the client, if known */
	char client_uuid[VAX_UUID_LEN]; /* the client's uuid (offline-created clients) */

	char cvx[4];
	char mvx[4];
	char ndc[14]; /* as the NDC code system has it: 10 digits with dashes as labeled, or 11 without */
	char lot[VAX_SHORT_LEN];
	vax_date expiration;
	int dose_ul;   /* dose volume in microlitres; 0 = not given */
	char route[8]; /* HL7 0162: IM, SC, ID, PO, NS, ... */
	char site[8];  /* HL7 0163: LA, RA, LT, RT, ... */
	struct vis_given vis[IMM_VIS_MAX];
	int n_vis;
	char funding[8]; /* CDC funding source: VXC1, VXC2, PHC70, ... */
	char vfc[4];     /* HL7 0064 VFC eligibility: V01..V07 */

	vax_date date_given;
	bool historical;        /* not administered by the recording org (primarySource=false) */
	char info_source[4];    /* NIP001: 00 new record, 01..08 historical sources */
	bool refused;           /* a refusal: no dose given */
	bool subpotent;         /* given, but not a full dose (isSubpotent): never counted valid */
	char refusal_reason[4]; /* NIP002: 00 parental decision, 01 religious, 02 other, 03 patient */

	char provider[VAX_NAME_LEN]; /* administering clinician */
	char org[VAX_SHORT_LEN];     /* organization code that recorded it */
	char org_name[VAX_NAME_LEN];
	char note[VAX_NAME_LEN];
	bool entered_in_error; /* deleted with a reason */
	char delete_reason[VAX_NAME_LEN];
	char edit_reason[VAX_NAME_LEN]; /* why the dose was last changed after it was recorded */

	struct capture capture;
};

/** Zero a dose, set dates to DATE_NONE and info_source to "00". */
void imm_init(struct immunization *im);

/** Parse "0.5", "0.25 mL", ".5" into microlitres; false if not a volume. */
bool imm_parse_volume(const char *s, int *ul);
/** "0.5" from 500. */
char *imm_format_volume(int ul, char *buf, size_t len);

#endif
