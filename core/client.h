/* core/client.h - a registry client (the person whose shots are recorded).
 *
 * Plain value types with fixed-size fields: a client can be copied with `=`,
 * needs no free, and cannot overflow (every setter truncates at a UTF-8
 * character boundary through text_copy()). The sizes are the registry's own
 * field limits, in bytes of UTF-8.
 *
 * Everything the registry keeps beyond standard FHIR Patient (organization
 * status, tracking schedule, reminder/recall, vital-records lock, ...) is
 * here too; core/fhir.h maps it to extensions.
 */
#ifndef VAX_CORE_CLIENT_H
#define VAX_CORE_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/date.h"

#define VAX_UUID_LEN    37  /* 36 characters + NUL */
#define VAX_ID_LEN      65  /* a registry resource id */
#define VAX_VERSION_LEN 65  /* opaque version / ETag (other servers use UUIDs) */
#define VAX_NAME_LEN    101 /* 50 characters of up to 2 bytes, typical */
#define VAX_SHORT_LEN   33
#define VAX_TEXT_LEN    513 /* notes, comments */

#define CLIENT_AKA_MAX     6
#define CLIENT_ADDR_MAX    4
#define CLIENT_PHONE_MAX   4
#define CLIENT_IDENT_MAX   6
#define CLIENT_RESP_MAX    4
#define CLIENT_COMMENT_MAX 8
#define CLIENT_RACE_MAX    4

/** Who typed a record, where and when: kept with every record the
 * workstation creates, so an offline upload is never attributed to whoever
 * happens to sync. */
struct capture {
	char user[VAX_SHORT_LEN];
	char org[VAX_SHORT_LEN]; /* organization code */
	char workstation[VAX_SHORT_LEN];
	int64_t at; /* Unix seconds, from the caller */
};

struct person_name {
	char family[VAX_NAME_LEN];
	char given[VAX_NAME_LEN];
	char middle[VAX_NAME_LEN];
	char suffix[VAX_SHORT_LEN]; /* Jr, III */
};

/** HL7 table 0001 as registries use it. */
enum sex {
	SEX_NONE = 0, /* not entered yet */
	SEX_FEMALE,
	SEX_MALE,
	SEX_NONBINARY, /* "X" on documents that allow it */
	SEX_UNKNOWN,   /* "U": entered as unknown */
};

struct address {
	char line1[VAX_NAME_LEN];
	char line2[VAX_NAME_LEN];
	char city[VAX_NAME_LEN];
	char state[3];              /* USPS code */
	char zip[11];               /* 12345 or 12345-6789 */
	char county[VAX_SHORT_LEN]; /* residential county name or FIPS */
	vax_date since;             /* when it became current */
	struct capture entered;     /* address history: who and when */
};

enum phone_use { PHONE_HOME = 0, PHONE_MOBILE, PHONE_WORK };

struct phone {
	enum phone_use use;
	char number[16]; /* digits only, 10 for US numbers */
};

/** Identifier types (HL7 table 0203 subset). */
struct identifier {
	char type[8];              /* SR registry id, MR chart no., MA Medicaid, BC birth cert. */
	char system[VAX_NAME_LEN]; /* URI of the assigning authority */
	char value[VAX_SHORT_LEN];
};

struct responsible_person {
	struct person_name name;
	char relationship[8]; /* HL7 0063: MTH, FTH, GRD, ... (or a v3 RoleCode, below) */
	bool relationship_v3; /* the code is a v3 RoleCode (PRN, GRPRN, ...): kept so, never rewritten */
	struct phone phone;
	struct address address;
	char id[VAX_ID_LEN];           /* RelatedPerson id once the registry has it */
	char version[VAX_VERSION_LEN]; /* the registry's version this copy builds on (If-Match) */
	char uuid[VAX_UUID_LEN];       /* assigned where first typed: creates are conditional on it */
	bool removed;                  /* taken off here; the registry's copy goes at the next sync */
};

enum consent_status {
	CONSENT_UNKNOWN = 0,
	CONSENT_GRANTED,
	CONSENT_REFUSED,
	CONSENT_WITHDRAWN,
};

/** Registry participation consent (minor, then adult at 18). */
struct consent {
	enum consent_status minor;
	enum consent_status adult;
	bool disaster_retention; /* keep disaster-response doses */
	vax_date date;
	char source[VAX_SHORT_LEN];    /* "signed form", "verbal", ... */
	char id[VAX_ID_LEN];           /* Consent id once the registry has it */
	char version[VAX_VERSION_LEN]; /* the registry's version this copy builds on (If-Match) */
	char uuid[VAX_UUID_LEN];       /* assigned when first recorded; "" = never recorded */
};

/** Status of the client at the current organization (HL7 0441). */
enum org_status {
	ORG_STATUS_ACTIVE = 0,
	ORG_STATUS_INACTIVE, /* inactive, reason unspecified */
	ORG_STATUS_MOVED,    /* moved or gone elsewhere */
	ORG_STATUS_LOST,     /* lost to follow-up */
	ORG_STATUS_DECEASED, /* permanently inactive */
};

enum comment_kind {
	COMMENT_REACTION = 0, /* adverse reaction to a vaccine */
	COMMENT_IMMUNITY,     /* evidence of immunity (e.g. varicella history) */
	COMMENT_CONTRAINDICATION,
	COMMENT_OTHER,
};

struct client_comment {
	enum comment_kind kind;
	char code[VAX_SHORT_LEN]; /* CDSi coded observation where one applies */
	char text[VAX_NAME_LEN];
	vax_date begin;
	vax_date end;
};

struct client {
	char uuid[VAX_UUID_LEN];       /* assigned where first typed */
	char id[VAX_ID_LEN];           /* registry id, "" until accepted */
	char version[VAX_VERSION_LEN]; /* opaque, for If-Match */

	struct person_name name;
	struct person_name aka[CLIENT_AKA_MAX];
	int n_aka;
	vax_date dob;
	enum sex sex;
	char mother_maiden[VAX_NAME_LEN];
	char mother_given[VAX_NAME_LEN];
	int multiple_birth;            /* 0 single, else birth order (1, 2, ...) */
	char race[CLIENT_RACE_MAX][8]; /* CDC race codes, e.g. 2106-3 */
	int n_race;
	char ethnicity[8]; /* 2135-2 Hispanic or Latino, 2186-5 not */

	struct address addr[CLIENT_ADDR_MAX]; /* [0] is current; the rest is history */
	int n_addr;
	struct phone phone[CLIENT_PHONE_MAX];
	int n_phone;
	char email[VAX_NAME_LEN];
	struct identifier ident[CLIENT_IDENT_MAX];
	int n_ident;
	struct responsible_person resp[CLIENT_RESP_MAX];
	int n_resp;
	struct consent consent;

	/* at the organization the user works for */
	enum org_status org_status;
	char org_status_reason[VAX_NAME_LEN];
	char primary_provider[VAX_NAME_LEN];
	char tracking_schedule[VAX_SHORT_LEN]; /* "ACIP", "TX-SCHOOL" */
	bool reminder_recall;                  /* allow reminder/recall notices */
	vax_date last_notice;

	bool no_viable_address;
	bool vital_records_lock; /* name, DOB, sex locked: from vital statistics */
	bool deceased;

	struct client_comment comment[CLIENT_COMMENT_MAX];
	int n_comment;
	char note[VAX_TEXT_LEN]; /* visible to every organization */

	struct capture capture;
};

/** Zero a client and set every date field to DATE_NONE. */
void client_init(struct client *c);

/** "Family, Given Middle Suffix" for lists and headers, as typed (no
 * case change: upper-casing would mangle accented letters). */
char *client_display_name(const struct person_name *n, char *buf, size_t len);

/** The registry identifier of a type ("SR"), or NULL. */
const struct identifier *client_find_ident(const struct client *c, const char *type);

/** Add an AKA name; false if the list is full. */
bool client_add_aka(struct client *c, const struct person_name *n);

/** True if a consent answer was ever recorded (here or at the registry). */
bool client_consent_recorded(const struct consent *cs);
/** The consent that applies, in words short enough for the record header
 * ("Minor consent granted", "Parent refused: no further records", "None
 * recorded"); age_years is the client's age today (-1 unknown). */
const char *client_consent_label(const struct consent *cs, int age_years);
/** "Granted", "Refused", ... */
const char *client_consent_status_label(enum consent_status s);

/** One-letter codes for the wire and back ("F", "M", "X", "U"; "" for
 * SEX_NONE). */
const char *client_sex_code(enum sex s);
enum sex client_sex_from_code(const char *code);
/** Words for screens: "Female", ... */
const char *client_sex_label(enum sex s);
const char *client_org_status_label(enum org_status s);
const char *client_comment_kind_label(enum comment_kind k);

#endif
