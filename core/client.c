/* core/client.c - see client.h */
#include "core/client.h"

#include <stdio.h>
#include <string.h>

#include "core/text.h"

void client_init(struct client *c)
{
	memset(c, 0, sizeof *c);
	c->dob = DATE_NONE;
	c->consent.date = DATE_NONE;
	c->last_notice = DATE_NONE;
	c->reminder_recall = true;
	text_copy(c->tracking_schedule, sizeof c->tracking_schedule, "ACIP");
	for (int i = 0; i < CLIENT_ADDR_MAX; i++)
		c->addr[i].since = DATE_NONE;
	for (int i = 0; i < CLIENT_RESP_MAX; i++)
		c->resp[i].address.since = DATE_NONE;
	for (int i = 0; i < CLIENT_COMMENT_MAX; i++)
		c->comment[i].begin = c->comment[i].end = DATE_NONE;
}

char *client_display_name(const struct person_name *n, char *buf, size_t len)
{
	snprintf(buf, len, "%s, %s%s%s%s%s", n->family, n->given, n->middle[0] ? " " : "", n->middle,
	         n->suffix[0] ? " " : "", n->suffix);
	return buf;
}

const struct identifier *client_find_ident(const struct client *c, const char *type)
{
	for (int i = 0; i < c->n_ident; i++)
		if (!strcmp(c->ident[i].type, type))
			return &c->ident[i];
	return NULL;
}

bool client_add_aka(struct client *c, const struct person_name *n)
{
	if (c->n_aka >= CLIENT_AKA_MAX)
		return false;
	c->aka[c->n_aka++] = *n;
	return true;
}

const char *client_sex_code(enum sex s)
{
	switch (s) {
	case SEX_FEMALE:
		return "F";
	case SEX_MALE:
		return "M";
	case SEX_NONBINARY:
		return "X";
	case SEX_UNKNOWN:
		return "U";
	case SEX_NONE:
		break;
	}
	return "";
}

enum sex client_sex_from_code(const char *code)
{
	if (!code || !*code)
		return SEX_NONE;
	if (text_ieq(code, "F") || text_ieq(code, "female"))
		return SEX_FEMALE;
	if (text_ieq(code, "M") || text_ieq(code, "male"))
		return SEX_MALE;
	if (text_ieq(code, "X") || text_ieq(code, "other"))
		return SEX_NONBINARY;
	if (text_ieq(code, "U") || text_ieq(code, "unknown"))
		return SEX_UNKNOWN;
	return SEX_NONE;
}

const char *client_sex_label(enum sex s)
{
	switch (s) {
	case SEX_FEMALE:
		return "Female";
	case SEX_MALE:
		return "Male";
	case SEX_NONBINARY:
		return "X (non-binary)";
	case SEX_UNKNOWN:
		return "Unknown";
	case SEX_NONE:
		break;
	}
	return "";
}

const char *client_org_status_label(enum org_status s)
{
	switch (s) {
	case ORG_STATUS_ACTIVE:
		return "Active";
	case ORG_STATUS_INACTIVE:
		return "Inactive";
	case ORG_STATUS_MOVED:
		return "Inactive: moved or gone elsewhere";
	case ORG_STATUS_LOST:
		return "Inactive: lost to follow-up";
	case ORG_STATUS_DECEASED:
		return "Inactive: deceased";
	}
	return "Unknown";
}

const char *client_comment_kind_label(enum comment_kind k)
{
	switch (k) {
	case COMMENT_REACTION:
		return "Reaction";
	case COMMENT_IMMUNITY:
		return "Immunity";
	case COMMENT_CONTRAINDICATION:
		return "Contraindication";
	case COMMENT_OTHER:
		break;
	}
	return "Comment";
}

bool client_consent_recorded(const struct consent *cs)
{
	return cs->uuid[0] || cs->id[0] || cs->minor != CONSENT_UNKNOWN || cs->adult != CONSENT_UNKNOWN;
}

const char *client_consent_status_label(enum consent_status s)
{
	switch (s) {
	case CONSENT_GRANTED:
		return "Granted";
	case CONSENT_REFUSED:
		return "Refused";
	case CONSENT_WITHDRAWN:
		return "Withdrawn";
	case CONSENT_UNKNOWN:
		break;
	}
	return "Unknown";
}

/* ImmTrac2's model: a minor is in the registry by a parent's consent; at 18
 * the client's own consent is needed; a refusal or withdrawal stops further
 * records (what the law requires is still kept). */
const char *client_consent_label(const struct consent *cs, int age_years)
{
	if (!client_consent_recorded(cs))
		return "None recorded";
	if (cs->adult == CONSENT_GRANTED)
		return "Adult consent granted";
	if (cs->adult == CONSENT_REFUSED)
		return "Adult refused: no further records";
	if (cs->adult == CONSENT_WITHDRAWN)
		return "Adult withdrew: no further records";
	bool adult = age_years >= 18;
	switch (cs->minor) {
	case CONSENT_GRANTED:
		return adult ? "Minor only: client 18+ must consent" : "Minor consent granted";
	case CONSENT_REFUSED:
		return "Parent refused: no further records";
	case CONSENT_WITHDRAWN:
		return "Parent withdrew: no further records";
	case CONSENT_UNKNOWN:
		break;
	}
	return adult ? "Unknown: ask the client" : "Unknown: ask parent or guardian";
}
