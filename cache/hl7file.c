/* cache/hl7file.c - see hl7file.h */
#include "cache/hl7file.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fhir.h"
#include "core/text.h"
#include "core/uuid.h"
#include "core/xalloc.h"
#include "hl7/batch.h"
#include "hl7/vxu.h"
#include "sys/fileio.h"

static bool in_range(const struct cache_entry *e, const struct hl7file_export *o)
{
	vax_date d = (vax_date)(e->cap.at / 86400);
	return (o->from == DATE_NONE || d >= o->from) && (o->to == DATE_NONE || d <= o->to);
}

/* The dose of an entry (its payload) and the client it belongs to (the
 * cached copy, the latest typed here). */
static bool entry_records(struct cache_store *s, const struct cache_entry *e, struct client *c,
                          struct immunization *im, bool *is_dose, struct vax_error *err)
{
	int64_t as_of;
	*is_dose = e->type == CACHE_R_IMMUNIZATION;
	if (!cache_get_client(s, e->client_key[0] ? e->client_key : e->rec_key, c, &as_of, err))
		return false;
	if (!*is_dose)
		return true;
	char *json = cache_outbox_payload(s, e->seq, false, err);
	if (!json)
		return false;
	cJSON *j = cJSON_Parse(json);
	bool ok = j && fhir_immunization_from_json(j, im, err);
	cJSON_Delete(j);
	free(json);
	if (ok && e->op == CACHE_OP_DELETE)
		im->entered_in_error = true;
	return ok;
}

int hl7file_export(struct cache_store *s, const struct hl7file_export *o, FILE *out, struct vax_error *err)
{
	bool dated = o->from != DATE_NONE || o->to != DATE_NONE;
	unsigned mask = dated ? ~(1u << CACHE_DISCARDED) : (1u << CACHE_PENDING | 1u << CACHE_SENDING);
	struct cache_entry *list = NULL;
	int n = cache_outbox_list(s, mask, &list, err);
	if (n < 0)
		return -1;
	char **msgs = xcalloc((size_t)n + 1, sizeof *msgs);
	size_t *lens = xcalloc((size_t)n + 1, sizeof *lens);
	int k = 0, doses = 0, skipped = 0;
	struct client *c = xmalloc(sizeof *c);
	for (int i = 0; i < n; i++) {
		const struct cache_entry *e = &list[i];
		if (!in_range(e, o))
			continue;
		struct immunization im;
		bool is_dose;
		struct vax_error e2 = {0};
		if (!entry_records(s, e, c, &im, &is_dose, &e2)) {
			fprintf(out, "entry %lld left out: %s\n", (long long)e->seq, e2.message);
			skipped++;
			continue;
		}
		struct hl7_write_opts w = {.sending_app = "VAXDESK",
		                           .sending_facility = o->org,
		                           .receiving_app = "VAXREGD",
		                           .control_id = e->uuid,
		                           .extensions = true,
		                           .now = o->now};
		msgs[k] = hl7_vxu_write(&w, c, &im, is_dose ? 1 : 0, &lens[k]);
		k++;
		doses += is_dose;
	}
	free(c);
	free(list);
	char batch_id[VAX_UUID_LEN];
	uuid_v4(batch_id);
	struct hl7_batch_header h = {.sending_app = "VAXDESK",
	                             .sending_facility = o->org,
	                             .receiving_app = "VAXREGD",
	                             .control_id = batch_id,
	                             .comment = "vaxdesk outbox",
	                             .now = o->now};
	size_t len;
	char *text = hl7_batch_write(&h, msgs, lens, k, &len);
	for (int i = 0; i < k; i++)
		free(msgs[i]);
	free(msgs);
	free(lens);
	bool ok = fileio_write_atomic(o->path, text, len, 0600, err);
	free(text);
	if (!ok)
		return -1;
	fprintf(out, "wrote %d message%s (%d dose%s, %d client record%s) to %s%s\n", k, k == 1 ? "" : "s",
	        doses, doses == 1 ? "" : "s", k - doses, k - doses == 1 ? "" : "s", o->path,
	        skipped ? "; some entries were left out (above)" : "");
	return k;
}

/* "accepted" or the errors in words, for the outbox. */
static void words(const struct hl7_ack *a, char *buf, size_t cap)
{
	buf[0] = '\0';
	size_t n = 0;
	for (int i = 0; i < a->issues.n && n + 1 < cap; i++) {
		const struct hl7_issue *is = &a->issues.v[i];
		if (is->severity != 'E' && strcmp(a->code, "AA") != 0)
			continue;
		char one[480];
		hl7_issue_words(is, one, sizeof one);
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? "; " : "", one);
	}
	if (!buf[0] && strcmp(a->code, "AA") != 0)
		snprintf(buf, cap, "The registry refused the message (%s)%s%s.", a->code,
		         a->text[0] ? ": " : "", a->text);
}

int hl7file_import_ack(struct cache_store *s, const char *path, FILE *out, struct vax_error *err)
{
	char *text = NULL;
	size_t len = 0;
	if (!fileio_read(path, &text, &len, err))
		return -1;
	struct hl7_batch b;
	if (!hl7_batch_read(text, len, &b, err)) {
		free(text);
		return -1;
	}
	free(text);
	struct cache_entry *list = NULL;
	int n = cache_outbox_list(s, 0, &list, err);
	if (n < 0) {
		hl7_batch_free(&b);
		return -1;
	}
	int done = 0;
	struct hl7_ack *a = xmalloc(sizeof *a);
	for (int i = 0; i < b.n; i++) {
		struct vax_error e2 = {0};
		struct hl7_msg *m = hl7_parse(b.msg[i].text, b.msg[i].len, &e2);
		if (!m || !hl7_ack_read(m, a, &e2)) {
			fprintf(out, "%s:%d: %s\n", path, b.msg[i].line, e2.message);
			hl7_free(&m);
			continue;
		}
		hl7_free(&m);
		const struct cache_entry *e = NULL;
		for (int k = 0; k < n; k++)
			if (!strcmp(list[k].uuid, a->acked_id))
				e = &list[k];
		if (!e) {
			fprintf(out, "%s:%d: the answer to '%s' names no entry of this outbox\n", path,
			        b.msg[i].line, a->acked_id);
			continue;
		}
		if (e->state == CACHE_ACCEPTED || e->state == CACHE_DISCARDED) {
			fprintf(out, "entry %lld: already %s\n", (long long)e->seq,
			        cache_state_name(e->state));
			continue;
		}
		char msg[VAX_ERROR_MSG_LEN];
		words(a, msg, sizeof msg);
		bool accepted = !strcmp(a->code, "AA") || !strcmp(a->code, "CA");
		if (!cache_outbox_set_state(s, e->seq, accepted ? CACHE_ACCEPTED : CACHE_REJECTED, NULL, NULL,
		                            msg[0] ? msg : NULL, NULL, &e2)) {
			fprintf(out, "entry %lld: %s\n", (long long)e->seq, e2.message);
			continue;
		}
		fprintf(out, "entry %lld: %s%s%s\n", (long long)e->seq, accepted ? "accepted" : "rejected",
		        msg[0] ? ": " : "", msg);
		done++;
	}
	free(a);
	free(list);
	hl7_batch_free(&b);
	return done;
}
