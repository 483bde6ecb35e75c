/* tui/schools.c - school lists (FHIR Group) as the school screens handle
 * them: read from a searchset, a member added or taken off, a list named.
 * A member carries the student's name and birth date as the reference's
 * display, written when the student is added, so a list shows who is on
 * it without reading every student again. Every change is a PUT of the
 * whole Group with If-Match: a list changed at another desk meanwhile is
 * refused (412) and read again, never overwritten. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/fhir_client.h"
#include "core/fhir.h"
#include "core/xalloc.h"
#include "tui/tui.h"

void schools_free_lists(struct school_list *l, int n)
{
	for (int i = 0; i < n; i++)
		cJSON_Delete(l[i].group);
	free(l);
}

static void fill(struct school_list *l, const cJSON *g)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(g, "id");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(g, "name");
	const cJSON *ver =
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(g, "meta"), "versionId");
	snprintf(l->id, sizeof l->id, "%s", cJSON_IsString(id) ? id->valuestring : "");
	snprintf(l->name, sizeof l->name, "%s", cJSON_IsString(name) ? name->valuestring : "(no name)");
	snprintf(l->version, sizeof l->version, "%s", cJSON_IsString(ver) ? ver->valuestring : "");
	l->members = 0;
	const cJSON *m;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(g, "member"))
	{
		l->members += !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "inactive"));
	}
	l->group = cJSON_Duplicate(g, true);
}

int schools_read_lists(const struct api_bundle *b, struct school_list **out)
{
	*out = xcalloc((size_t)b->n + 1, sizeof **out);
	int n = 0;
	for (int i = 0; i < b->n; i++)
		if (b->entry[i].resource && !strcmp(b->entry[i].resource_type, "Group"))
			fill(&(*out)[n++], b->entry[i].resource);
	return n;
}

bool schools_read_one(const cJSON *group, struct school_list *out)
{
	memset(out, 0, sizeof *out);
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(group, "resourceType");
	if (!cJSON_IsString(rt) || strcmp(rt->valuestring, "Group"))
		return false;
	fill(out, group);
	return true;
}

void schools_member_display(const cJSON *patient, char *buf, size_t len)
{
	struct client c;
	char name[2 * VAX_NAME_LEN + 4], dob[DATE_US_LEN];
	if (!fhir_patient_from_json(patient, &c, NULL)) {
		snprintf(buf, len, "(unreadable)");
		return;
	}
	snprintf(buf, len, "%s (%s)", client_display_name(&c.name, name, sizeof name),
	         date_format_us(c.dob, dob));
}

static const char *member_ref(const cJSON *m)
{
	const cJSON *r =
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "entity"), "reference");
	return cJSON_IsString(r) ? r->valuestring : "";
}

/* Group.quantity is the number of members (the registry checks it): kept
 * true after a change, when the list has one. */
static void count_members(cJSON *group)
{
	if (cJSON_GetObjectItemCaseSensitive(group, "quantity"))
		cJSON_ReplaceItemInObjectCaseSensitive(
		    group, "quantity",
		    cJSON_CreateNumber(
		        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(group, "member"))));
}

bool schools_add_member(cJSON *group, const char *pid, const char *display)
{
	char ref[96];
	snprintf(ref, sizeof ref, "Patient/%.64s", pid);
	cJSON *members = cJSON_GetObjectItemCaseSensitive(group, "member");
	if (!members)
		members = cJSON_AddArrayToObject(group, "member");
	cJSON *m;
	cJSON_ArrayForEach(m, members)
	{
		if (!strcmp(member_ref(m), ref)) {
			if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "inactive")))
				return false; /* on the list already */
			cJSON_DeleteItemFromObjectCaseSensitive(m, "inactive");
			return true; /* the count is the same */
		}
	}
	m = cJSON_CreateObject();
	cJSON *e = cJSON_AddObjectToObject(m, "entity");
	cJSON_AddStringToObject(e, "reference", ref);
	if (display && *display)
		cJSON_AddStringToObject(e, "display", display);
	cJSON_AddItemToArray(members, m);
	count_members(group);
	return true;
}

bool schools_remove_member(cJSON *group, const char *pid)
{
	char ref[96];
	snprintf(ref, sizeof ref, "Patient/%.64s", pid);
	cJSON *members = cJSON_GetObjectItemCaseSensitive(group, "member");
	int i = 0;
	cJSON *m;
	cJSON_ArrayForEach(m, members)
	{
		if (!strcmp(member_ref(m), ref)) {
			cJSON_DeleteItemFromArray(members, i);
			/* FHIR has no empty lists: the last one gone, no "member" */
			if (!cJSON_GetArraySize(members))
				cJSON_DeleteItemFromObjectCaseSensitive(group, "member");
			count_members(group);
			return true;
		}
		i++;
	}
	return false;
}

struct api_req *schools_put(struct app *a, const struct school_list *l, api_done_fn cb, void *arg,
                            struct vax_error *err)
{
	if (!app_conn(a) || app_offline(a)) {
		error_set(err, "REPORT-OFFLINE",
		          "School lists are kept at the registry; the session is offline.");
		return NULL;
	}
	struct api_req *r = api_fhir_update_req(app_conn(a), "Group", l->id, l->group, l->version, err);
	if (r && !api_req_send(r, cb, arg)) {
		api_req_free(r);
		error_set(err, "REPORT-REQUEST", "The change could not be sent.");
		return NULL;
	}
	return r;
}
