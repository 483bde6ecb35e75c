/* cache/merge.c - see merge.h */
#include "cache/merge.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fhir.h"
#include "core/text.h"
#include "core/uuid.h"
#include "core/xalloc.h"

/* --- field text -------------------------------------------------------------- */

/* Text appended to a fixed buffer, truncated at a character boundary. */
struct out {
	char *p;
	size_t len, used;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	if (o->used + 1 >= o->len)
		return;
	char tmp[CACHE_MERGE_TEXT * 2];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	/* text_copy cuts at a UTF-8 character boundary */
	text_copy(o->p + o->used, o->len - o->used, tmp);
	o->used += strlen(o->p + o->used);
}

static void put_date(struct out *o, const char *what, vax_date d)
{
	char buf[DATE_US_LEN];
	if (d != DATE_NONE)
		put(o, "%s%s", what, date_format_us(d, buf));
}

static void put_name(struct out *o, const struct person_name *n)
{
	char buf[VAX_NAME_LEN * 4];
	if (n->family[0] || n->given[0] || n->middle[0] || n->suffix[0])
		put(o, "%s", client_display_name(n, buf, sizeof buf));
}

static void put_address(struct out *o, const struct address *a)
{
	put(o, "%s%s%s, %s %s %s", a->line1, a->line2[0] ? ", " : "", a->line2, a->city, a->state, a->zip);
	if (a->county[0])
		put(o, " (%s County)", a->county);
	put_date(o, " since ", a->since);
}

static const char *phone_use(enum phone_use u)
{
	return u == PHONE_MOBILE ? "mobile" : u == PHONE_WORK ? "work" : "home";
}

static void put_rp(struct out *o, const struct responsible_person *rp)
{
	put_name(o, &rp->name);
	if (rp->relationship[0])
		put(o, " (%s)", rp->relationship);
	if (rp->phone.number[0])
		put(o, "; %s %s", phone_use(rp->phone.use), rp->phone.number);
	if (rp->address.line1[0] || rp->address.city[0] || rp->address.zip[0]) {
		put(o, "; ");
		put_address(o, &rp->address);
	}
}

static void put_consent(struct out *o, const struct consent *cs)
{
	if (!client_consent_recorded(cs)) {
		put(o, "(none)");
		return;
	}
	put(o, "minor %s, adult %s", client_consent_status_label(cs->minor),
	    client_consent_status_label(cs->adult));
	if (cs->disaster_retention)
		put(o, ", disaster retention");
	put_date(o, ", given ", cs->date);
	if (cs->source[0])
		put(o, " (%s)", cs->source);
}

static const char *yes(bool b)
{
	return b ? "yes" : "no";
}

/* The client fields a person names, in the order a form shows them. */
enum client_kind {
	CK_FAMILY,
	CK_GIVEN,
	CK_MIDDLE,
	CK_SUFFIX,
	CK_AKA,
	CK_DOB,
	CK_SEX,
	CK_MAIDEN,
	CK_MOTHER_GIVEN,
	CK_BIRTH_ORDER,
	CK_RACE,
	CK_ETHNICITY,
	CK_ADDRESS,
	CK_PHONE,
	CK_EMAIL,
	CK_IDENT,
	CK_ORG_STATUS,
	CK_PROVIDER,
	CK_SCHEDULE,
	CK_REMINDER,
	CK_NOTICE,
	CK_NO_ADDRESS,
	CK_VR_LOCK,
	CK_DECEASED,
	CK_COMMENTS,
	CK_NOTE,
	CK_CONSENT,
	CK_N,
	CK_RESP = 100, /* one responsible person, by identity */
};

static const char *const client_label[CK_N] = {
    "Family name",
    "Given name",
    "Middle name",
    "Suffix",
    "Other names (AKA)",
    "Date of birth",
    "Sex",
    "Mother's maiden name",
    "Mother's given name",
    "Birth order",
    "Race",
    "Ethnicity",
    "Address",
    "Phone",
    "E-mail",
    "Identifiers",
    "Status here",
    "Primary provider",
    "Tracking schedule",
    "Reminder/recall",
    "Last notice",
    "No viable address",
    "Vital records lock",
    "Deceased",
    "Comments",
    "Note",
    "Consent",
};

static void client_text(int kind, const struct client *c, struct out *o)
{
	switch (kind) {
	case CK_FAMILY:
		put(o, "%s", c->name.family);
		break;
	case CK_GIVEN:
		put(o, "%s", c->name.given);
		break;
	case CK_MIDDLE:
		put(o, "%s", c->name.middle);
		break;
	case CK_SUFFIX:
		put(o, "%s", c->name.suffix);
		break;
	case CK_AKA:
		for (int i = 0; i < c->n_aka; i++) {
			put(o, "%s", i ? "; " : "");
			put_name(o, &c->aka[i]);
		}
		break;
	case CK_DOB:
		put_date(o, "", c->dob);
		break;
	case CK_SEX:
		put(o, "%s", c->sex == SEX_NONE ? "" : client_sex_label(c->sex));
		break;
	case CK_MAIDEN:
		put(o, "%s", c->mother_maiden);
		break;
	case CK_MOTHER_GIVEN:
		put(o, "%s", c->mother_given);
		break;
	case CK_BIRTH_ORDER:
		if (c->multiple_birth)
			put(o, "%d", c->multiple_birth);
		break;
	case CK_RACE:
		for (int i = 0; i < c->n_race; i++)
			put(o, "%s%s", i ? ", " : "", c->race[i]);
		break;
	case CK_ETHNICITY:
		put(o, "%s", c->ethnicity);
		break;
	case CK_ADDRESS:
		for (int i = 0; i < c->n_addr; i++) {
			put(o, "%s", i == 1 ? "; before: " : i ? "; " : "");
			put_address(o, &c->addr[i]);
		}
		break;
	case CK_PHONE:
		for (int i = 0; i < c->n_phone; i++)
			put(o, "%s%s %s", i ? "; " : "", phone_use(c->phone[i].use), c->phone[i].number);
		break;
	case CK_EMAIL:
		put(o, "%s", c->email);
		break;
	case CK_IDENT:
		for (int i = 0; i < c->n_ident; i++)
			put(o, "%s%s %s%s%s", i ? "; " : "", c->ident[i].type, c->ident[i].value,
			    c->ident[i].system[0] ? " @" : "", c->ident[i].system);
		break;
	case CK_ORG_STATUS:
		put(o, "%s%s%s", client_org_status_label(c->org_status), c->org_status_reason[0] ? ": " : "",
		    c->org_status_reason);
		break;
	case CK_PROVIDER:
		put(o, "%s", c->primary_provider);
		break;
	case CK_SCHEDULE:
		put(o, "%s", c->tracking_schedule);
		break;
	case CK_REMINDER:
		put(o, "%s", yes(c->reminder_recall));
		break;
	case CK_NOTICE:
		put_date(o, "", c->last_notice);
		break;
	case CK_NO_ADDRESS:
		put(o, "%s", yes(c->no_viable_address));
		break;
	case CK_VR_LOCK:
		put(o, "%s", yes(c->vital_records_lock));
		break;
	case CK_DECEASED:
		put(o, "%s", yes(c->deceased));
		break;
	case CK_COMMENTS:
		for (int i = 0; i < c->n_comment; i++) {
			const struct client_comment *cm = &c->comment[i];
			put(o, "%s%s %s %s", i ? "; " : "", client_comment_kind_label(cm->kind), cm->code,
			    cm->text);
			put_date(o, " from ", cm->begin);
			put_date(o, " to ", cm->end);
		}
		break;
	case CK_NOTE:
		put(o, "%s", c->note);
		break;
	case CK_CONSENT:
		put_consent(o, &c->consent);
		break;
	}
}

/* dst's field `kind` becomes src's. */
static void client_take(int kind, struct client *dst, const struct client *src)
{
	switch (kind) {
	case CK_FAMILY:
		memcpy(dst->name.family, src->name.family, sizeof dst->name.family);
		break;
	case CK_GIVEN:
		memcpy(dst->name.given, src->name.given, sizeof dst->name.given);
		break;
	case CK_MIDDLE:
		memcpy(dst->name.middle, src->name.middle, sizeof dst->name.middle);
		break;
	case CK_SUFFIX:
		memcpy(dst->name.suffix, src->name.suffix, sizeof dst->name.suffix);
		break;
	case CK_AKA:
		memcpy(dst->aka, src->aka, sizeof dst->aka);
		dst->n_aka = src->n_aka;
		break;
	case CK_DOB:
		dst->dob = src->dob;
		break;
	case CK_SEX:
		dst->sex = src->sex;
		break;
	case CK_MAIDEN:
		memcpy(dst->mother_maiden, src->mother_maiden, sizeof dst->mother_maiden);
		break;
	case CK_MOTHER_GIVEN:
		memcpy(dst->mother_given, src->mother_given, sizeof dst->mother_given);
		break;
	case CK_BIRTH_ORDER:
		dst->multiple_birth = src->multiple_birth;
		break;
	case CK_RACE:
		memcpy(dst->race, src->race, sizeof dst->race);
		dst->n_race = src->n_race;
		break;
	case CK_ETHNICITY:
		memcpy(dst->ethnicity, src->ethnicity, sizeof dst->ethnicity);
		break;
	case CK_ADDRESS:
		memcpy(dst->addr, src->addr, sizeof dst->addr);
		dst->n_addr = src->n_addr;
		break;
	case CK_PHONE:
		memcpy(dst->phone, src->phone, sizeof dst->phone);
		dst->n_phone = src->n_phone;
		break;
	case CK_EMAIL:
		memcpy(dst->email, src->email, sizeof dst->email);
		break;
	case CK_IDENT:
		memcpy(dst->ident, src->ident, sizeof dst->ident);
		dst->n_ident = src->n_ident;
		break;
	case CK_ORG_STATUS:
		dst->org_status = src->org_status;
		memcpy(dst->org_status_reason, src->org_status_reason, sizeof dst->org_status_reason);
		break;
	case CK_PROVIDER:
		memcpy(dst->primary_provider, src->primary_provider, sizeof dst->primary_provider);
		break;
	case CK_SCHEDULE:
		memcpy(dst->tracking_schedule, src->tracking_schedule, sizeof dst->tracking_schedule);
		break;
	case CK_REMINDER:
		dst->reminder_recall = src->reminder_recall;
		break;
	case CK_NOTICE:
		dst->last_notice = src->last_notice;
		break;
	case CK_NO_ADDRESS:
		dst->no_viable_address = src->no_viable_address;
		break;
	case CK_VR_LOCK:
		dst->vital_records_lock = src->vital_records_lock;
		break;
	case CK_DECEASED:
		dst->deceased = src->deceased;
		break;
	case CK_COMMENTS:
		memcpy(dst->comment, src->comment, sizeof dst->comment);
		dst->n_comment = src->n_comment;
		break;
	case CK_NOTE:
		memcpy(dst->note, src->note, sizeof dst->note);
		break;
	}
}

static enum cache_merge_state state_of(const char *b, const char *o, const char *t)
{
	bool ours = strcmp(b, o) != 0, theirs = strcmp(b, t) != 0;
	if (!ours && !theirs)
		return CACHE_MERGE_SAME;
	if (ours && !theirs)
		return CACHE_MERGE_OURS;
	if (!ours)
		return CACHE_MERGE_THEIRS;
	return strcmp(o, t) ? CACHE_MERGE_CONFLICT : CACHE_MERGE_AGREE;
}

static struct cache_merge_field *add_field(struct cache_merge *m, int kind, const char *label)
{
	if (m->n == CACHE_MERGE_FIELDS_MAX)
		return NULL;
	struct cache_merge_field *f = &m->f[m->n++];
	memset(f, 0, sizeof *f);
	f->kind = kind;
	text_copy(f->label, sizeof f->label, label);
	return f;
}

static void settle(struct cache_merge *m, struct cache_merge_field *f)
{
	f->state = state_of(f->base, f->ours, f->theirs);
	if (f->state == CACHE_MERGE_CONFLICT)
		m->n_conflicts++;
}

/* --- responsible persons: one field each, matched by identity ------------------ */

static bool rp_is(const struct responsible_person *rp, const char *uuid, const char *id)
{
	return (uuid[0] && !strcmp(rp->uuid, uuid)) || (id[0] && !strcmp(rp->id, id));
}

/* The person with that identity in c, NULL if none (or removed here, when
 * skip_removed). */
static const struct responsible_person *rp_find(const struct client *c, const char *uuid, const char *id,
                                                bool skip_removed)
{
	for (int i = 0; i < c->n_resp; i++)
		if (rp_is(&c->resp[i], uuid, id))
			return skip_removed && c->resp[i].removed ? NULL : &c->resp[i];
	return NULL;
}

static void rp_text(const struct responsible_person *rp, char *buf, size_t len)
{
	struct out o = {buf, len, 0};
	buf[0] = '\0';
	if (rp)
		put_rp(&o, rp);
	else
		put(&o, "(none)");
}

/* Add the field of one person (identity from `like`) unless it is there. */
static void rp_field(struct cache_merge *m, const struct responsible_person *like, const struct client *base,
                     const struct client *ours, const struct client *theirs)
{
	for (int i = 0; i < m->n; i++)
		if (m->f[i].kind == CK_RESP && ((like->uuid[0] && !strcmp(like->uuid, m->f[i].uuid)) ||
		                                (like->id[0] && !strcmp(like->id, m->f[i].id))))
			return;
	const struct responsible_person *b = rp_find(base, like->uuid, like->id, false);
	const struct responsible_person *o = rp_find(ours, like->uuid, like->id, true);
	const struct responsible_person *t = rp_find(theirs, like->uuid, like->id, false);
	/* the registry's copy may know an id this side was typed without */
	const struct responsible_person *any = o ? o : b ? b : t ? t : like;
	char name[VAX_NAME_LEN * 3], label[80];
	struct out lo = {label, sizeof label, 0};
	put(&lo, "Responsible person %s", client_display_name(&any->name, name, sizeof name));
	struct cache_merge_field *f = add_field(m, CK_RESP, label);
	if (!f)
		return;
	text_copy(f->uuid, sizeof f->uuid, like->uuid[0] ? like->uuid : b ? b->uuid : t ? t->uuid : "");
	text_copy(f->id, sizeof f->id, like->id[0] ? like->id : b ? b->id : t ? t->id : "");
	rp_text(b, f->base, sizeof f->base);
	rp_text(o, f->ours, sizeof f->ours);
	rp_text(t, f->theirs, sizeof f->theirs);
	settle(m, f);
}

void cache_merge_clients(const struct client *base, const struct client *ours, const struct client *theirs,
                         struct cache_merge *m)
{
	memset(m, 0, sizeof *m);
	m->client = true;
	for (int k = 0; k < CK_N; k++) {
		struct cache_merge_field *f = add_field(m, k, client_label[k]);
		struct out ob = {f->base, sizeof f->base, 0}, oo = {f->ours, sizeof f->ours, 0},
		           ot = {f->theirs, sizeof f->theirs, 0};
		client_text(k, base, &ob);
		client_text(k, ours, &oo);
		client_text(k, theirs, &ot);
		settle(m, f);
	}
	const struct client *sides[] = {base, ours, theirs};
	for (int s = 0; s < 3; s++)
		for (int i = 0; i < sides[s]->n_resp; i++)
			rp_field(m, &sides[s]->resp[i], base, ours, theirs);
}

/* --- doses ------------------------------------------------------------------------ */

enum imm_kind {
	IK_CVX,
	IK_DATE,
	IK_MVX,
	IK_NDC,
	IK_LOT,
	IK_EXPIRATION,
	IK_DOSE,
	IK_ROUTE,
	IK_SITE,
	IK_VIS,
	IK_FUNDING,
	IK_VFC,
	IK_SOURCE,
	IK_REFUSAL,
	IK_PROVIDER,
	IK_ORG,
	IK_NOTE,
	IK_DELETED,
	IK_EDIT_REASON,
	IK_N,
};

static const char *const imm_label[IK_N] = {
    "Vaccine (CVX)",
    "Date given",
    "Manufacturer (MVX)",
    "NDC",
    "Lot",
    "Lot expiration",
    "Dose volume",
    "Route",
    "Site",
    "VIS given",
    "Funding",
    "VFC eligibility",
    "Historical / source",
    "Refusal",
    "Administered by",
    "Organization",
    "Note",
    "Entered in error",
    "Reason for the change",
};

static void imm_text(int kind, const struct immunization *im, struct out *o)
{
	char buf[16];
	switch (kind) {
	case IK_CVX:
		put(o, "%s", im->cvx);
		break;
	case IK_DATE:
		put_date(o, "", im->date_given);
		break;
	case IK_MVX:
		put(o, "%s", im->mvx);
		break;
	case IK_NDC:
		put(o, "%s", im->ndc);
		break;
	case IK_LOT:
		put(o, "%s", im->lot);
		break;
	case IK_EXPIRATION:
		put_date(o, "", im->expiration);
		break;
	case IK_DOSE:
		if (im->dose_ul)
			put(o, "%s mL", imm_format_volume(im->dose_ul, buf, sizeof buf));
		break;
	case IK_ROUTE:
		put(o, "%s", im->route);
		break;
	case IK_SITE:
		put(o, "%s", im->site);
		break;
	case IK_VIS:
		for (int i = 0; i < im->n_vis; i++) {
			put(o, "%s%s", i ? "; " : "", im->vis[i].document);
			put_date(o, " edition ", im->vis[i].edition);
			put_date(o, " given ", im->vis[i].presented);
		}
		break;
	case IK_FUNDING:
		put(o, "%s", im->funding);
		break;
	case IK_VFC:
		put(o, "%s", im->vfc);
		break;
	case IK_SOURCE:
		put(o, "%s, source %s", im->historical ? "historical" : "administered", im->info_source);
		break;
	case IK_REFUSAL:
		if (im->refused)
			put(o, "refused (%s)", im->refusal_reason);
		break;
	case IK_PROVIDER:
		put(o, "%s", im->provider);
		break;
	case IK_ORG:
		put(o, "%s", im->org);
		break;
	case IK_NOTE:
		put(o, "%s", im->note);
		break;
	case IK_DELETED:
		if (im->entered_in_error)
			put(o, "yes: %s", im->delete_reason);
		break;
	case IK_EDIT_REASON:
		put(o, "%s", im->edit_reason);
		break;
	}
}

static void imm_take(int kind, struct immunization *d, const struct immunization *s)
{
	switch (kind) {
	case IK_CVX:
		memcpy(d->cvx, s->cvx, sizeof d->cvx);
		break;
	case IK_DATE:
		d->date_given = s->date_given;
		break;
	case IK_MVX:
		memcpy(d->mvx, s->mvx, sizeof d->mvx);
		break;
	case IK_NDC:
		memcpy(d->ndc, s->ndc, sizeof d->ndc);
		break;
	case IK_LOT:
		memcpy(d->lot, s->lot, sizeof d->lot);
		break;
	case IK_EXPIRATION:
		d->expiration = s->expiration;
		break;
	case IK_DOSE:
		d->dose_ul = s->dose_ul;
		break;
	case IK_ROUTE:
		memcpy(d->route, s->route, sizeof d->route);
		break;
	case IK_SITE:
		memcpy(d->site, s->site, sizeof d->site);
		break;
	case IK_VIS:
		memcpy(d->vis, s->vis, sizeof d->vis);
		d->n_vis = s->n_vis;
		break;
	case IK_FUNDING:
		memcpy(d->funding, s->funding, sizeof d->funding);
		break;
	case IK_VFC:
		memcpy(d->vfc, s->vfc, sizeof d->vfc);
		break;
	case IK_SOURCE:
		d->historical = s->historical;
		memcpy(d->info_source, s->info_source, sizeof d->info_source);
		break;
	case IK_REFUSAL:
		d->refused = s->refused;
		memcpy(d->refusal_reason, s->refusal_reason, sizeof d->refusal_reason);
		break;
	case IK_PROVIDER:
		memcpy(d->provider, s->provider, sizeof d->provider);
		break;
	case IK_ORG:
		memcpy(d->org, s->org, sizeof d->org);
		memcpy(d->org_name, s->org_name, sizeof d->org_name);
		break;
	case IK_NOTE:
		memcpy(d->note, s->note, sizeof d->note);
		break;
	case IK_DELETED:
		d->entered_in_error = s->entered_in_error;
		memcpy(d->delete_reason, s->delete_reason, sizeof d->delete_reason);
		break;
	case IK_EDIT_REASON:
		memcpy(d->edit_reason, s->edit_reason, sizeof d->edit_reason);
		break;
	}
}

void cache_merge_imms(const struct immunization *base, const struct immunization *ours,
                      const struct immunization *theirs, struct cache_merge *m)
{
	memset(m, 0, sizeof *m);
	for (int k = 0; k < IK_N; k++) {
		struct cache_merge_field *f = add_field(m, k, imm_label[k]);
		struct out ob = {f->base, sizeof f->base, 0}, oo = {f->ours, sizeof f->ours, 0},
		           ot = {f->theirs, sizeof f->theirs, 0};
		imm_text(k, base, &ob);
		imm_text(k, ours, &oo);
		imm_text(k, theirs, &ot);
		/* the registry fills the recording organization of a dose sent
		 * without one: that is not a change anybody made */
		if (k == IK_ORG && !base->org[0]) {
			text_copy(f->base, sizeof f->base, f->theirs);
			if (!ours->org[0])
				text_copy(f->ours, sizeof f->ours, f->theirs);
		}
		settle(m, f);
	}
}

/* --- results ---------------------------------------------------------------------- */

bool cache_merge_holds_ours(const struct cache_merge *m)
{
	for (int i = 0; i < m->n; i++)
		if (m->f[i].state == CACHE_MERGE_OURS || m->f[i].state == CACHE_MERGE_CONFLICT)
			return false;
	return true;
}

bool cache_merge_decided(const struct cache_merge *m)
{
	for (int i = 0; i < m->n; i++)
		if (m->f[i].state == CACHE_MERGE_CONFLICT && m->f[i].pick == CACHE_PICK_NONE)
			return false;
	return true;
}

static bool take_ours(const struct cache_merge_field *f)
{
	return f->state == CACHE_MERGE_OURS ||
	       (f->state == CACHE_MERGE_CONFLICT && f->pick == CACHE_PICK_OURS);
}

/* One person of ours into out (a copy of theirs): over theirs' copy (with
 * theirs' id and version, for If-Match), else as new. */
static void take_rp(struct client *out, const struct cache_merge_field *f, const struct client *ours,
                    const struct client *theirs)
{
	const struct responsible_person *o = rp_find(ours, f->uuid, f->id, false);
	const struct responsible_person *t = rp_find(theirs, f->uuid, f->id, false);
	struct responsible_person *slot = NULL;
	for (int i = 0; i < out->n_resp && t; i++)
		if (rp_is(&out->resp[i], f->uuid, f->id))
			slot = &out->resp[i];
	if (!o || o->removed) {
		/* removed here: the registry's copy goes at the next send */
		if (slot)
			slot->removed = true;
		return;
	}
	struct responsible_person rp = *o;
	if (slot) {
		text_copy(rp.id, sizeof rp.id, slot->id);
		text_copy(rp.version, sizeof rp.version, slot->version);
		if (!rp.uuid[0])
			text_copy(rp.uuid, sizeof rp.uuid, slot->uuid);
		*slot = rp;
		return;
	}
	if (rp.id[0]) {
		/* gone from the registry: ours goes again as a new record */
		uuid_v4(rp.uuid);
		rp.id[0] = rp.version[0] = '\0';
	}
	if (out->n_resp < CLIENT_RESP_MAX)
		out->resp[out->n_resp++] = rp;
}

bool cache_merge_client_result(const struct cache_merge *m, const struct client *ours,
                               const struct client *theirs, struct client *out)
{
	if (!cache_merge_decided(m))
		return false;
	*out = *theirs;
	/* the UUID it was typed under is how this workstation knows the record */
	if (ours->uuid[0])
		memcpy(out->uuid, ours->uuid, sizeof out->uuid);
	for (int i = 0; i < m->n; i++) {
		const struct cache_merge_field *f = &m->f[i];
		if (!take_ours(f))
			continue;
		if (f->kind == CK_RESP) {
			take_rp(out, f, ours, theirs);
		} else if (f->kind == CK_CONSENT) {
			if (!client_consent_recorded(&ours->consent))
				continue;
			struct consent cs = ours->consent;
			if (theirs->consent.id[0]) {
				text_copy(cs.id, sizeof cs.id, theirs->consent.id);
				text_copy(cs.version, sizeof cs.version, theirs->consent.version);
			} else if (cs.id[0]) {
				uuid_v4(cs.uuid);
				cs.id[0] = cs.version[0] = '\0';
			}
			out->consent = cs;
		} else {
			client_take(f->kind, out, ours);
		}
	}
	return true;
}

bool cache_merge_imm_result(const struct cache_merge *m, const struct immunization *ours,
                            const struct immunization *theirs, struct immunization *out)
{
	if (!cache_merge_decided(m))
		return false;
	*out = *theirs;
	if (ours->uuid[0])
		memcpy(out->uuid, ours->uuid, sizeof out->uuid);
	if (ours->client_uuid[0])
		memcpy(out->client_uuid, ours->client_uuid, sizeof out->client_uuid);
	for (int i = 0; i < m->n; i++)
		if (take_ours(&m->f[i]))
			imm_take(m->f[i].kind, out, ours);
	return true;
}

char *cache_merge_conflict_names(const struct cache_merge *m, char *buf, size_t len)
{
	struct out o = {buf, len, 0};
	buf[0] = '\0';
	for (int i = 0; i < m->n; i++)
		if (m->f[i].state == CACHE_MERGE_CONFLICT)
			put(&o, "%s%s", o.used ? ", " : "", m->f[i].label);
	return buf;
}

bool cache_merge_same_person(const struct responsible_person *a, const struct responsible_person *b)
{
	char ta[CACHE_MERGE_TEXT], tb[CACHE_MERGE_TEXT];
	rp_text(a, ta, sizeof ta);
	rp_text(b, tb, sizeof tb);
	return !strcmp(ta, tb) && a->removed == b->removed;
}

bool cache_merge_same_consent(const struct consent *a, const struct consent *b)
{
	char ta[CACHE_MERGE_TEXT], tb[CACHE_MERGE_TEXT];
	struct out oa = {ta, sizeof ta, 0}, ob = {tb, sizeof tb, 0};
	ta[0] = tb[0] = '\0';
	put_consent(&oa, a);
	put_consent(&ob, b);
	return !strcmp(ta, tb);
}

/* --- resources -------------------------------------------------------------------- */

/* Is all of `part` inside `whole` (every member, every array element in a
 * distinct element, every value equal)? */
static bool contains(const cJSON *whole, const cJSON *part)
{
	if (cJSON_IsObject(part)) {
		if (!cJSON_IsObject(whole))
			return false;
		const cJSON *k;
		cJSON_ArrayForEach(k, part)
		{
			const cJSON *w = cJSON_GetObjectItemCaseSensitive(whole, k->string);
			if (!w || !contains(w, k))
				return false;
		}
		return true;
	}
	if (cJSON_IsArray(part)) {
		if (!cJSON_IsArray(whole))
			return false;
		int n = cJSON_GetArraySize(whole);
		bool *used = xcalloc((size_t)n + 1, sizeof *used);
		bool ok = true;
		const cJSON *p;
		cJSON_ArrayForEach(p, part)
		{
			int j = 0;
			const cJSON *w;
			bool found = false;
			cJSON_ArrayForEach(w, whole)
			{
				if (!used[j] && contains(w, p)) {
					used[j] = found = true;
					break;
				}
				j++;
			}
			if (!found) {
				ok = false;
				break;
			}
		}
		free(used);
		return ok;
	}
	return cJSON_Compare(whole, part, true);
}

static void patch_object(cJSON *r, const cJSON *b, const cJSON *o, bool top, bool whole);

/* Patch array r (the registry's) with the change from b to o (ours).
 * False if it cannot be done element by element: the caller replaces it. */
static bool patch_array(cJSON *r, const cJSON *b, const cJSON *o, bool whole)
{
	if (whole)
		return false;
	int nb = cJSON_GetArraySize(b), no = cJSON_GetArraySize(o), nr = cJSON_GetArraySize(r);
	int *pair_o = xmalloc(((size_t)no + 1) * sizeof *pair_o); /* o[j] -> b index or -1 */
	bool *b_paired = xcalloc((size_t)nb + 1, sizeof *b_paired);
	int *map_b = xmalloc(((size_t)nb + 1) * sizeof *map_b); /* b[i] -> r index or -1 */
	bool *r_used = xcalloc((size_t)nr + 1, sizeof *r_used);
	bool ok = true;
	/* an element both have unchanged pairs first; the rest in order */
	for (int j = 0; j < no; j++) {
		pair_o[j] = -1;
		for (int i = 0; i < nb && pair_o[j] < 0; i++)
			if (!b_paired[i] &&
			    cJSON_Compare(cJSON_GetArrayItem(b, i), cJSON_GetArrayItem(o, j), true))
				pair_o[j] = i, b_paired[i] = true;
	}
	for (int j = 0, i = 0; j < no; j++) {
		if (pair_o[j] >= 0)
			continue;
		while (i < nb && b_paired[i])
			i++;
		if (i < nb)
			pair_o[j] = i, b_paired[i] = true;
	}
	for (int i = 0; i < nb; i++) {
		map_b[i] = -1;
		const cJSON *bi = cJSON_GetArrayItem(b, i);
		for (int k = 0; k < nr && map_b[i] < 0; k++)
			if (!r_used[k] && contains(cJSON_GetArrayItem(r, k), bi))
				map_b[i] = k, r_used[k] = true;
		/* an element vaxdesk changes or removes must be found in theirs */
		bool same = false;
		for (int j = 0; j < no && !same; j++)
			same = pair_o[j] == i && cJSON_Compare(bi, cJSON_GetArrayItem(o, j), true);
		if (map_b[i] < 0 && !same)
			ok = false;
	}
	if (ok) {
		cJSON *out = cJSON_CreateArray();
		for (int j = 0; j < no; j++) {
			int i = pair_o[j];
			const cJSON *oj = cJSON_GetArrayItem(o, j);
			cJSON *el = NULL;
			if (i < 0) {
				el = cJSON_Duplicate(oj, true);
			} else if (map_b[i] < 0) {
				continue; /* unchanged, and theirs has it in its own form */
			} else {
				const cJSON *bi = cJSON_GetArrayItem(b, i);
				el = cJSON_Duplicate(cJSON_GetArrayItem(r, map_b[i]), true);
				if (!cJSON_Compare(bi, oj, true)) {
					if (cJSON_IsObject(el) && cJSON_IsObject(bi) && cJSON_IsObject(oj)) {
						patch_object(el, bi, oj, false, false);
					} else {
						cJSON_Delete(el);
						el = cJSON_Duplicate(oj, true);
					}
				}
			}
			cJSON_AddItemToArray(out, el);
		}
		/* what vaxdesk does not model stays, after ours */
		for (int k = 0; k < nr; k++)
			if (!r_used[k])
				cJSON_AddItemToArray(out, cJSON_Duplicate(cJSON_GetArrayItem(r, k), true));
		while (r->child)
			cJSON_Delete(cJSON_DetachItemViaPointer(r, r->child));
		while (out->child)
			cJSON_AddItemToArray(r, cJSON_DetachItemViaPointer(out, out->child));
		cJSON_Delete(out);
	}
	free(pair_o);
	free(b_paired);
	free(map_b);
	free(r_used);
	return ok;
}

static void replace(cJSON *r, const char *key, const cJSON *v)
{
	cJSON *dup = cJSON_Duplicate(v, true);
	if (cJSON_GetObjectItemCaseSensitive(r, key))
		cJSON_ReplaceItemInObjectCaseSensitive(r, key, dup);
	else
		cJSON_AddItemToObject(r, key, dup);
}

static void patch_key(cJSON *r, const char *key, const cJSON *bk, const cJSON *ok, bool whole)
{
	if (bk && ok && cJSON_Compare(bk, ok, true))
		return;
	cJSON *rk = cJSON_GetObjectItemCaseSensitive(r, key);
	if (!ok) {
		cJSON_DeleteItemFromObjectCaseSensitive(r, key);
		return;
	}
	/* a member our encoding lacked (everything in it unmodelled) is patched
	 * as if ours had it empty: theirs stays, ours joins it */
	cJSON *empty = NULL;
	if (!bk && rk && cJSON_IsObject(rk) && cJSON_IsObject(ok))
		bk = empty = cJSON_CreateObject();
	else if (!bk && rk && cJSON_IsArray(rk) && cJSON_IsArray(ok))
		bk = empty = cJSON_CreateArray();
	if (bk && rk && cJSON_IsObject(bk) && cJSON_IsObject(ok) && cJSON_IsObject(rk))
		patch_object(rk, bk, ok, false, whole);
	else if (!(bk && rk && cJSON_IsArray(bk) && cJSON_IsArray(ok) && cJSON_IsArray(rk) &&
	           patch_array(rk, bk, ok, whole)))
		replace(r, key, ok);
	cJSON_Delete(empty);
}

static bool skipped(const char *key, bool top)
{
	return top && (!strcmp(key, "id") || !strcmp(key, "meta") || !strcmp(key, "resourceType"));
}

static void patch_object(cJSON *r, const cJSON *b, const cJSON *o, bool top, bool whole)
{
	const cJSON *k;
	cJSON_ArrayForEach(k, b)
	{
		if (!skipped(k->string, top))
			patch_key(r, k->string, k, cJSON_GetObjectItemCaseSensitive(o, k->string), whole);
	}
	cJSON_ArrayForEach(k, o)
	{
		if (!skipped(k->string, top) && !cJSON_GetObjectItemCaseSensitive(b, k->string))
			patch_key(r, k->string, NULL, k, whole);
	}
}

static cJSON *merge(const cJSON *remote, const cJSON *base, const cJSON *ours, bool whole)
{
	if (!remote || !cJSON_IsObject(remote))
		return cJSON_Duplicate(ours, true);
	cJSON *r = cJSON_Duplicate(remote, true);
	if (cJSON_IsObject(base) && cJSON_IsObject(ours))
		patch_object(r, base, ours, true, whole);
	return r;
}

cJSON *cache_merge_resource(const cJSON *remote, const cJSON *base, const cJSON *ours)
{
	return merge(remote, base, ours, false);
}

/* What a resource means to vaxdesk: read through core/fhir.h and written
 * again, without id, meta and the patient reference (which name, not say). */
static cJSON *as_read(const cJSON *res, const char *type)
{
	cJSON *back = NULL;
	if (!strcmp(type, "Patient")) {
		struct client *c = xmalloc(sizeof *c);
		if (fhir_patient_from_json(res, c, NULL))
			back = fhir_patient_to_json(c);
		free(c);
	} else if (!strcmp(type, "RelatedPerson")) {
		struct responsible_person rp;
		if (fhir_related_person_from_json(res, &rp, NULL, 0, NULL))
			back = fhir_related_person_to_json(&rp, "#");
	} else if (!strcmp(type, "Consent")) {
		struct consent cs;
		if (fhir_consent_from_json(res, &cs, NULL, 0, NULL))
			back = fhir_consent_to_json(&cs, "#");
	} else if (!strcmp(type, "Immunization")) {
		struct immunization im;
		if (fhir_immunization_from_json(res, &im, NULL))
			back = fhir_immunization_to_json(&im);
	}
	static const char *const drop[] = {"id", "meta", "patient"};
	for (size_t i = 0; back && i < sizeof drop / sizeof drop[0]; i++)
		cJSON_DeleteItemFromObjectCaseSensitive(back, drop[i]);
	return back;
}

static bool reads_as(const cJSON *res, const cJSON *ours, const char *type)
{
	cJSON *a = as_read(res, type), *b = as_read(ours, type);
	bool same = a && b && cJSON_Compare(a, b, true);
	cJSON_Delete(a);
	cJSON_Delete(b);
	return same;
}

cJSON *cache_merge_resource_checked(const cJSON *remote, const cJSON *base, const cJSON *ours,
                                    const char *type)
{
	for (int whole = 0; whole < 2; whole++) {
		cJSON *r = merge(remote, base, ours, whole);
		if (reads_as(r, ours, type))
			return r;
		cJSON_Delete(r);
	}
	return cJSON_Duplicate(ours, true);
}
