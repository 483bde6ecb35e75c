/* tests/cache/cachedrv.c - the store's command line as vaxdesk runs it, plus
 * what the crash and fault tests need around it:
 *
 *   cachedrv sync|outbox|prefetch|purge ...   cache_cli_main(), as `vaxdesk`
 *   cachedrv record --count N [COMMON]        record N new clients with two
 *       historical doses each, offline; prints "saved <Type> <uuid>" only
 *       after the save returned (the moment the screen would say "saved")
 *   cachedrv person [COMMON] --family F --given G --dob YYYY-MM-DD
 *                   [--shot CVX:YYYY-MM-DD]...  one client typed offline
 *   cachedrv shot [COMMON] --rid ID --shot CVX:YYYY-MM-DD  a dose for a
 *       registry client by id alone (found online, never cached); with
 *       --rid-file FILE --count N, N such doses over the ids in FILE (one a
 *       line), a year apart for the same client (bench/links.sh's queue)
 *   cachedrv edit [COMMON] --rid ID [--given G] [--middle M] [--home PHONE]
 *       [--email E] [--note N] [--version V]  change fields of a cached
 *       client (an update; --version makes the edit begin from that version)
 *   cachedrv dose [COMMON] --rid ID --cvx CVX (--lot LOT | --delete)  change
 *       the lot of, or delete, the client's first cached dose of that CVX
 *   cachedrv merge [COMMON] --seq N           a conflict field by field, one
 *       line per field changed anywhere: "LABEL|STATE|base|ours|theirs"
 *   cachedrv resolve [COMMON] --seq N (--take ours|theirs | --pick LABEL=ours|theirs...)
 *       a person's choice for every field changed on both sides
 *   cachedrv pair [COMMON] --seq N            a dose held as a possible
 *       duplicate beside the registry's dose it matches
 *   cachedrv discard [COMMON] --seq N --reason WHY  a person drops an entry
 *   cachedrv tpull [COMMON] --token T --rid ID   read a client (its
 *       responsible persons, consent and doses) from a server that takes a
 *       bearer token (no vaxregd login), creating the store on first use
 *   cachedrv tsync [COMMON] --token T         send the outbox to such a server
 *   cachedrv approve|link [COMMON] --seq N [--rid ID]  a person's review
 *   cachedrv show [COMMON] --rid ID           the cached client's responsible
 *       persons, consent and given name
 *   cachedrv consent [COMMON] --rid ID --minor CODE --dob YYYY-MM-DD  record a
 *       minor consent answer (granted, refused, ...) given on that date
 *   cachedrv theirs [COMMON] --seq N          keep the registry's version of a
 *       conflict (the outbox's keep-theirs)
 *   cachedrv resp [COMMON] --rid ID --family F (--add --given G --rel R |
 *       --phone DIGITS | --remove)  add, re-phone or remove a responsible
 *       person of a cached client (Edit Client's Responsible tab); prints the
 *       client's responsible persons after the save
 *   cachedrv scan DIR STRING...               exit 1 if any file in DIR holds
 *       a STRING in any encoding tests/cache/cachetest.c knows
 *   cachedrv work --seed S --count N [COMMON]  N steps of front-desk work
 *       offline, chosen by S: new clients with a visit of 2-3 doses, edits
 *       (given, middle, phone, e-mail), responsible persons added, re-phoned
 *       and removed, consent, a dose's lot changed, a dose deleted; each step
 *       prints "try ..." before its save and "saved ..." once it returned
 *   cachedrv init [COMMON]                    the store as an online login
 *       leaves it, without a registry
 *   cachedrv verify FILE [COMMON]             every outbox entry is accepted,
 *       every record on the registry once and as the store holds it, every
 *       confirmed step of FILE (lines from record/work) in the store; prints
 *       the counts of records, lost, duplicated and held (false conflicts)
 *
 * COMMON: --data-dir DIR --registry URL --ca-file FILE --org O --user U
 * --password-fd N (as the command line).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "api/fhir_client.h"
#include "api/session.h"
#include "cache/cli.h"
#include "cache/store.h"
#include "cache/sync.h"
#include "core/fhir.h"
#include "core/lot.h"
#include "core/text.h"
#include "core/uuid.h"
#include "core/xalloc.h"
#include "tests/cache/cachetest.h"

#define MAX_SHOTS 8

struct opts {
	const char *dir, *registry, *ca, *org, *user;
	int pw_fd, count;
	const char *file;
	const char *family, *given, *dob, *rid, *rid_file, *version, *rel, *phone;
	const char *middle, *home, *email, *note, *cvx, *lot, *take, *reason, *token;
	const char *pick[16];
	int n_pick;
	bool add, remove, del;
	const char *shot[MAX_SHOTS];
	int n_shot;
	long seq;
	unsigned long long seed;
	char password[256];
};

static void parse(struct opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof *o);
	o->pw_fd = 0;
	o->count = 1;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
		if (!strcmp(a, "--data-dir"))
			o->dir = v, i++;
		else if (!strcmp(a, "--registry"))
			o->registry = v, i++;
		else if (!strcmp(a, "--ca-file"))
			o->ca = v, i++;
		else if (!strcmp(a, "--org"))
			o->org = v, i++;
		else if (!strcmp(a, "--user"))
			o->user = v, i++;
		else if (!strcmp(a, "--password-fd"))
			o->pw_fd = atoi(v), i++;
		else if (!strcmp(a, "--count"))
			o->count = atoi(v), i++;
		else if (!strcmp(a, "--family"))
			o->family = v, i++;
		else if (!strcmp(a, "--given"))
			o->given = v, i++;
		else if (!strcmp(a, "--dob"))
			o->dob = v, i++;
		else if (!strcmp(a, "--rid"))
			o->rid = v, i++;
		else if (!strcmp(a, "--rid-file"))
			o->rid_file = v, i++;
		else if (!strcmp(a, "--version"))
			o->version = v, i++;
		else if (!strcmp(a, "--rel") || !strcmp(a, "--minor"))
			o->rel = v, i++;
		else if (!strcmp(a, "--phone"))
			o->phone = v, i++;
		else if (!strcmp(a, "--middle"))
			o->middle = v, i++;
		else if (!strcmp(a, "--home"))
			o->home = v, i++;
		else if (!strcmp(a, "--email"))
			o->email = v, i++;
		else if (!strcmp(a, "--note"))
			o->note = v, i++;
		else if (!strcmp(a, "--cvx"))
			o->cvx = v, i++;
		else if (!strcmp(a, "--lot"))
			o->lot = v, i++;
		else if (!strcmp(a, "--take"))
			o->take = v, i++;
		else if (!strcmp(a, "--reason"))
			o->reason = v, i++;
		else if (!strcmp(a, "--token"))
			o->token = v, i++;
		else if (!strcmp(a, "--pick") && o->n_pick < 16)
			o->pick[o->n_pick++] = v, i++;
		else if (!strcmp(a, "--delete"))
			o->del = true;
		else if (!strcmp(a, "--add"))
			o->add = true;
		else if (!strcmp(a, "--remove"))
			o->remove = true;
		else if (!strcmp(a, "--seq"))
			o->seq = atol(v), i++;
		else if (!strcmp(a, "--seed"))
			o->seed = strtoull(v, NULL, 10), i++;
		else if (!strcmp(a, "--shot") && o->n_shot < MAX_SHOTS)
			o->shot[o->n_shot++] = v, i++;
		else
			o->file = a;
	}
	size_t n = 0;
	char ch;
	while (n + 1 < sizeof o->password && read(o->pw_fd, &ch, 1) == 1 && ch != '\n')
		o->password[n++] = ch;
	o->password[n] = '\0';
}

static struct cache_store *unlock(struct opts *o)
{
	struct cache_store_options so = {.dir = o->dir};
	struct vax_error err;
	struct cache_store *s = cache_store_open(&so, &err);
	if (!s || !cache_login_offline(s, o->org, o->user, o->password, &err)) {
		fprintf(stderr, "cachedrv: %s\n", err.message);
		exit(1);
	}
	return s;
}

/* A random name of letters only (the rules refuse digits in names), so no
 * two test clients look alike to $match. */
static void random_name(char *buf, size_t len)
{
	unsigned char r[12];
	RAND_bytes(r, sizeof r);
	size_t n = len - 1 < 10 ? len - 1 : 10;
	buf[0] = (char)('A' + r[0] % 26);
	for (size_t i = 1; i < n; i++)
		buf[i] = (char)('a' + r[i] % 26);
	buf[n] = '\0';
}

static int record(struct opts *o)
{
	struct cache_store *s = unlock(o);
	struct capture cap = {0};
	text_copy(cap.user, sizeof cap.user, o->user);
	text_copy(cap.org, sizeof cap.org, o->org);
	text_copy(cap.workstation, sizeof cap.workstation, "crash-desk");
	struct vax_error err;
	for (int i = 0; i < o->count; i++) {
		struct client c;
		client_init(&c);
		random_name(c.name.family, sizeof c.name.family);
		random_name(c.name.given, sizeof c.name.given);
		unsigned char r[2];
		RAND_bytes(r, sizeof r);
		c.dob = date_add_days(date_from_ymd(2012, 1, 1), (r[0] << 8 | r[1]) % 3000);
		c.sex = r[0] & 1 ? SEX_FEMALE : SEX_MALE;
		c.n_addr = 1;
		text_copy(c.addr[0].county, sizeof c.addr[0].county, "Travis");
		text_copy(c.addr[0].state, sizeof c.addr[0].state, "TX");
		text_copy(c.addr[0].zip, sizeof c.addr[0].zip, "78701");
		cap.at = (int64_t)time(NULL);
		if (!cache_save_client(s, &c, CACHE_OP_CREATE, &cap, NULL, &err)) {
			fprintf(stderr, "cachedrv: %s\n", err.message);
			return 1;
		}
		printf("saved Patient %s\n", c.uuid);
		fflush(stdout);
		static const char *const cvx[] = {"08", "20"};
		for (int d = 0; d < 2; d++) {
			struct immunization im;
			imm_init(&im);
			text_copy(im.client_uuid, sizeof im.client_uuid, c.uuid);
			text_copy(im.cvx, sizeof im.cvx, cvx[d]);
			im.date_given = date_add_days(c.dob, 1 + 60 * d);
			im.historical = true;
			text_copy(im.info_source, sizeof im.info_source, "01");
			if (!cache_save_immunization(s, &im, CACHE_OP_CREATE, &cap, NULL, &err)) {
				fprintf(stderr, "cachedrv: %s\n", err.message);
				return 1;
			}
			printf("saved Immunization %s\n", im.uuid);
			fflush(stdout);
		}
	}
	cache_store_close(s);
	return 0;
}

static void capture_of(const struct opts *o, struct capture *cap)
{
	memset(cap, 0, sizeof *cap);
	text_copy(cap->user, sizeof cap->user, o->user);
	text_copy(cap->org, sizeof cap->org, o->org);
	text_copy(cap->workstation, sizeof cap->workstation, "review-desk");
	cap->at = (int64_t)time(NULL);
}

static int person(struct opts *o)
{
	struct cache_store *s = unlock(o);
	struct capture cap;
	capture_of(o, &cap);
	struct vax_error err;
	struct client c;
	client_init(&c);
	text_copy(c.name.family, sizeof c.name.family, o->family);
	text_copy(c.name.given, sizeof c.name.given, o->given);
	if (!o->dob || date_parse_iso(o->dob, &c.dob) != DATE_OK)
		return 2;
	c.sex = SEX_FEMALE;
	c.n_addr = 1;
	text_copy(c.addr[0].county, sizeof c.addr[0].county, "Travis");
	text_copy(c.addr[0].state, sizeof c.addr[0].state, "TX");
	text_copy(c.addr[0].zip, sizeof c.addr[0].zip, "78701");
	if (!cache_save_client(s, &c, CACHE_OP_CREATE, &cap, NULL, &err)) {
		fprintf(stderr, "cachedrv: %s\n", err.message);
		return 1;
	}
	printf("saved Patient %s\n", c.uuid);
	for (int i = 0; i < o->n_shot; i++) {
		struct immunization im;
		imm_init(&im);
		char cvx[8] = "";
		const char *colon = strchr(o->shot[i], ':');
		if (!colon || date_parse_iso(colon + 1, &im.date_given) != DATE_OK)
			return 2;
		text_copy(cvx, sizeof cvx, o->shot[i]);
		cvx[colon - o->shot[i] < 7 ? colon - o->shot[i] : 7] = '\0';
		text_copy(im.cvx, sizeof im.cvx, cvx);
		text_copy(im.client_uuid, sizeof im.client_uuid, c.uuid);
		im.historical = true;
		text_copy(im.info_source, sizeof im.info_source, "01");
		if (!cache_save_immunization(s, &im, CACHE_OP_CREATE, &cap, NULL, &err)) {
			fprintf(stderr, "cachedrv: %s\n", err.message);
			return 1;
		}
		printf("saved Immunization %s\n", im.uuid);
	}
	cache_store_close(s);
	return 0;
}

/* The ids in o->rid_file, or o->rid alone; NULL on a bad file. */
static char **shot_rids(const struct opts *o, int *n)
{
	char **rids = NULL, line[128];
	*n = 0;
	if (!o->rid_file) {
		if (!o->rid)
			return NULL;
		rids = xcalloc(1, sizeof *rids);
		rids[(*n)++] = xstrdup(o->rid);
		return rids;
	}
	FILE *f = fopen(o->rid_file, "r");
	if (!f)
		return NULL;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!*line)
			continue;
		rids = xrealloc(rids, (size_t)(*n + 1) * sizeof *rids);
		rids[(*n)++] = xstrdup(line);
	}
	fclose(f);
	return rids;
}

static int shot(struct opts *o)
{
	struct cache_store *s = unlock(o);
	struct capture cap;
	capture_of(o, &cap);
	struct vax_error err;
	const char *colon = o->n_shot ? strchr(o->shot[0], ':') : NULL;
	vax_date first;
	int n_rids, status = 0;
	char **rids = shot_rids(o, &n_rids);
	if (!rids || !n_rids || !colon || date_parse_iso(colon + 1, &first) != DATE_OK)
		return 2;
	for (int i = 0; i < o->count && !status; i++) {
		struct immunization im;
		imm_init(&im);
		size_t cl = (size_t)(colon - o->shot[0]);
		memcpy(im.cvx, o->shot[0], cl < sizeof im.cvx - 1 ? cl : sizeof im.cvx - 1);
		im.date_given = date_add_days(first, 365 * (i / n_rids));
		text_copy(im.client_id, sizeof im.client_id, rids[i % n_rids]);
		im.historical = true;
		text_copy(im.info_source, sizeof im.info_source, "01");
		if (!cache_save_immunization(s, &im, CACHE_OP_CREATE, &cap, NULL, &err)) {
			fprintf(stderr, "cachedrv: %s\n", err.message);
			status = 1;
		} else if (o->count == 1) {
			printf("saved Immunization %s\n", im.uuid);
		}
	}
	if (!status && o->count > 1)
		printf("saved %d Immunizations\n", o->count);
	for (int i = 0; i < n_rids; i++)
		free(rids[i]);
	free(rids);
	cache_store_close(s);
	return status;
}

/* The cached client o->rid names; false, with a message, when it is not cached. */
static bool cached_client(struct cache_store *s, const struct opts *o, struct client *c)
{
	struct vax_error err;
	char key[CACHE_KEY_STR];
	if (!o->rid || !cache_find_rid(s, o->rid, key) || !cache_get_client(s, key, c, NULL, &err)) {
		fprintf(stderr, "cachedrv: client %s is not cached\n", o->rid ? o->rid : "?");
		return false;
	}
	return true;
}

/* Save c as an update typed by o's user; false, with the message, on refusal. */
static bool save_update(struct cache_store *s, const struct opts *o, struct client *c)
{
	struct capture cap;
	capture_of(o, &cap);
	struct vax_error err;
	if (!cache_save_client(s, c, CACHE_OP_UPDATE, &cap, NULL, &err)) {
		fprintf(stderr, "cachedrv: %s\n", err.message);
		return false;
	}
	return true;
}

static void print_resp(const struct client *c)
{
	for (int i = 0; i < c->n_resp; i++)
		printf("resp %s %s id=%s version=%s%s\n", c->resp[i].name.family, c->resp[i].phone.number,
		       c->resp[i].id, c->resp[i].version, c->resp[i].removed ? " removed" : "");
}

static int edit(struct opts *o)
{
	struct cache_store *s = unlock(o);
	struct client c;
	if (!cached_client(s, o, &c))
		return 1;
	struct client started = c;
	if (o->given)
		text_copy(c.name.given, sizeof c.name.given, o->given);
	if (o->middle)
		text_copy(c.name.middle, sizeof c.name.middle, o->middle);
	if (o->email)
		text_copy(c.email, sizeof c.email, o->email);
	if (o->note)
		text_copy(c.note, sizeof c.note, o->note);
	if (o->home) {
		c.n_phone = 1;
		c.phone[0].use = PHONE_HOME;
		text_copy(c.phone[0].number, sizeof c.phone[0].number, o->home);
	}
	if (o->version) {
		/* as a form opened at that version saves it */
		text_copy(started.version, sizeof started.version, o->version);
		text_copy(c.version, sizeof c.version, o->version);
		struct capture cap;
		capture_of(o, &cap);
		struct vax_error err;
		if (!cache_save_client_edit(s, &started, &c, &cap, NULL, &err)) {
			fprintf(stderr, "cachedrv: %s\n", err.message);
			return 1;
		}
	} else if (!save_update(s, o, &c)) {
		return 1;
	}
	cache_store_close(s);
	return 0;
}

/* Change the lot of (or delete) the client's first cached dose of a CVX. */
static int dose(struct opts *o)
{
	struct cache_store *s = unlock(o);
	struct vax_error err;
	char key[CACHE_KEY_STR];
	struct immunization *v = NULL;
	if (!o->rid || !o->cvx || !cache_find_rid(s, o->rid, key)) {
		fprintf(stderr, "cachedrv: dose needs --rid of a cached client and --cvx\n");
		return 1;
	}
	int n = cache_client_immunizations(s, key, &v, &err), at = -1;
	for (int i = 0; i < n && at < 0; i++)
		if (!strcmp(v[i].cvx, o->cvx) && !v[i].entered_in_error)
			at = i;
	if (at < 0) {
		fprintf(stderr, "cachedrv: no cached dose of CVX %s\n", o->cvx);
		free(v);
		return 1;
	}
	struct immunization im = v[at];
	free(v);
	struct capture cap;
	capture_of(o, &cap);
	if (o->del)
		text_copy(im.delete_reason, sizeof im.delete_reason, "Entered for the wrong client");
	else
		text_copy(im.lot, sizeof im.lot, o->lot ? o->lot : "");
	if (!cache_save_immunization(s, &im, o->del ? CACHE_OP_DELETE : CACHE_OP_UPDATE, &cap, NULL, &err)) {
		fprintf(stderr, "cachedrv: %s\n", err.message);
		return 1;
	}
	printf("saved %s Immunization %s\n", o->del ? "delete" : "update", im.id);
	cache_store_close(s);
	return 0;
}

static const char *merge_state_name(enum cache_merge_state st)
{
	static const char *const n[] = {"same", "ours", "theirs", "agree", "conflict"};
	return (unsigned)st < 5 ? n[st] : "?";
}

/* A conflict field by field (merge), or resolved by a person (resolve). */
static int merge(struct opts *o, bool resolve)
{
	struct cache_store *s = unlock(o);
	struct vax_error err;
	struct cache_merge *m = malloc(sizeof *m);
	if (!m || !cache_outbox_merge(s, o->seq, m, &err)) {
		fprintf(stderr, "cachedrv: %s\n", m ? err.message : "out of memory");
		return 1;
	}
	int rc = 0;
	if (!resolve) {
		for (int i = 0; i < m->n; i++)
			if (m->f[i].state != CACHE_MERGE_SAME)
				printf("%s|%s|%s|%s|%s\n", m->f[i].label, merge_state_name(m->f[i].state),
				       m->f[i].base, m->f[i].ours, m->f[i].theirs);
	} else {
		for (int i = 0; i < m->n; i++) {
			const char *side = o->take;
			for (int k = 0; k < o->n_pick; k++) {
				size_t l = strlen(m->f[i].label);
				if (!strncmp(o->pick[k], m->f[i].label, l) && o->pick[k][l] == '=')
					side = o->pick[k] + l + 1;
			}
			if (side)
				m->f[i].pick = !strcmp(side, "ours") ? CACHE_PICK_OURS : CACHE_PICK_THEIRS;
		}
		if (!cache_outbox_resolve(s, o->seq, m, &err)) {
			fprintf(stderr, "cachedrv: %s: %s\n", err.code, err.message);
			rc = 1;
		}
	}
	free(m);
	cache_store_close(s);
	return rc;
}

/* A dose held as a possible duplicate, and the registry's it matches. */
static int pair(struct opts *o)
{
	struct cache_store *s = unlock(o);
	struct vax_error err;
	struct immunization ours, theirs;
	char when[DATE_US_LEN];
	if (!cache_outbox_imm(s, o->seq, CACHE_OURS, &ours, &err)) {
		fprintf(stderr, "cachedrv: %s\n", err.message);
		return 1;
	}
	printf("ours CVX %s given %s\n", ours.cvx, date_format_us(ours.date_given, when));
	if (cache_outbox_imm(s, o->seq, CACHE_THEIRS, &theirs, &err))
		printf("theirs Immunization/%s CVX %s given %s by %s\n", theirs.id, theirs.cvx,
		       date_format_us(theirs.date_given, when), theirs.org);
	cache_store_close(s);
	return 0;
}

static int resp(struct opts *o)
{
	struct cache_store *s = unlock(o);
	struct client c;
	if (!o->family) {
		fprintf(stderr, "cachedrv: resp needs --family\n");
		return 1;
	}
	if (!cached_client(s, o, &c))
		return 1;
	struct responsible_person *rp = NULL;
	for (int i = 0; i < c.n_resp && !rp; i++)
		if (!strcmp(c.resp[i].name.family, o->family))
			rp = &c.resp[i];
	if (o->add) {
		if (c.n_resp == CLIENT_RESP_MAX)
			return 1;
		rp = &c.resp[c.n_resp++];
		memset(rp, 0, sizeof *rp);
		rp->address.since = DATE_NONE;
		text_copy(rp->name.family, sizeof rp->name.family, o->family);
		text_copy(rp->name.given, sizeof rp->name.given, o->given ? o->given : "");
		text_copy(rp->relationship, sizeof rp->relationship, o->rel ? o->rel : "GRD");
	} else if (!rp) {
		fprintf(stderr, "cachedrv: no responsible person %s\n", o->family);
		return 1;
	}
	if (o->phone)
		text_copy(rp->phone.number, sizeof rp->phone.number, o->phone);
	if (o->remove)
		rp->removed = true;
	if (!save_update(s, o, &c))
		return 1;
	print_resp(&c);
	cache_store_close(s);
	return 0;
}

/* The responsible persons of a cached client, one a line, as resp prints them. */
static int show(struct opts *o)
{
	struct cache_store *s = unlock(o);
	struct client c;
	if (!cached_client(s, o, &c))
		return 1;
	print_resp(&c);
	if (client_consent_recorded(&c.consent))
		printf("consent %s id=%s version=%s\n", client_consent_status_label(c.consent.minor),
		       c.consent.id, c.consent.version);
	printf("given %s\n", c.name.given);
	printf("middle %s\n", c.name.middle);
	printf("email %s\n", c.email);
	printf("home %s\n", c.n_phone ? c.phone[0].number : "");
	printf("version %s\n", c.version);
	cache_store_close(s);
	return 0;
}

static int consent(struct opts *o)
{
	struct cache_store *s = unlock(o);
	struct client c;
	if (!o->rel || !o->dob) {
		fprintf(stderr, "cachedrv: consent needs --minor and --dob\n");
		return 1;
	}
	if (!cached_client(s, o, &c))
		return 1;
	if (date_parse_iso(o->dob, &c.consent.date) != DATE_OK) {
		fprintf(stderr, "cachedrv: consent: bad date %s\n", o->dob);
		return 1;
	}
	static const char *const code[] = {"unknown", "granted", "refused", "withdrawn"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(o->rel, code[i]))
			c.consent.minor = (enum consent_status)i;
	if (!save_update(s, o, &c))
		return 1;
	cache_store_close(s);
	return 0;
}

static int discard(struct opts *o)
{
	struct cache_store *s = unlock(o);
	struct capture cap;
	capture_of(o, &cap);
	struct vax_error err;
	bool ok = cache_outbox_discard(s, o->seq, o->reason ? o->reason : "", &cap, &err);
	if (!ok)
		fprintf(stderr, "cachedrv: %s\n", err.message);
	cache_store_close(s);
	return ok ? 0 : 1;
}

static int theirs(struct opts *o)
{
	struct cache_store *s = unlock(o);
	struct capture cap;
	capture_of(o, &cap);
	struct vax_error err;
	bool ok = cache_outbox_keep_theirs(s, o->seq, &cap, &err);
	if (!ok)
		fprintf(stderr, "cachedrv: %s\n", err.message);
	cache_store_close(s);
	return ok ? 0 : 1;
}

static int review(struct opts *o, bool link)
{
	struct cache_store *s = unlock(o);
	struct vax_error err;
	bool ok = link ? cache_outbox_link(s, o->seq, o->rid ? o->rid : "", &err)
	               : cache_outbox_approve(s, o->seq, o->version, &err);
	if (!ok)
		fprintf(stderr, "cachedrv: %s\n", err.message);
	cache_store_close(s);
	return ok ? 0 : 1;
}

/* A connection to a server that takes a bearer token as it is. */
static struct api_conn *token_conn(const struct opts *o)
{
	struct vax_error err;
	struct api_conn_config cfg = {.base_url = o->registry, .ca_file = o->ca};
	struct api_conn *conn = api_global_init(&err) ? api_conn_new(&cfg, &err) : NULL;
	if (!conn) {
		fprintf(stderr, "cachedrv: %s\n", err.message);
		exit(1);
	}
	api_conn_set_token(conn, o->token);
	return conn;
}

/* GET and parse; NULL (reported) unless 200. */
static cJSON *get_json(struct api_conn *conn, const char *path)
{
	struct vax_error err;
	struct api_req *r = api_req_new(conn, "GET", path, &err);
	const struct api_result *res = r ? api_req_wait(r, 30000) : NULL;
	cJSON *j = res && res->cls == API_OK ? cJSON_ParseWithLength(res->body, res->body_len) : NULL;
	if (!j)
		fprintf(stderr, "cachedrv: GET %s: %s\n", path, res ? res->err.message : err.message);
	api_req_free(r);
	return j;
}

static int tpull(struct opts *o)
{
	struct cache_store_options so = {.dir = o->dir};
	struct vax_error err;
	struct cache_store *s = cache_store_open(&so, &err);
	if (!s || !cache_login_online(s, o->org, o->user, o->password, (int64_t)time(NULL), &err)) {
		fprintf(stderr, "cachedrv: %s\n", err.message);
		return 1;
	}
	struct api_conn *conn = token_conn(o);
	char path[256];
	snprintf(path, sizeof path, "/Patient/%s", o->rid);
	cJSON *pat = get_json(conn, path);
	struct client c;
	int rc = 1;
	if (pat && fhir_patient_from_json(pat, &c, &err)) {
		static const char *const what[] = {"RelatedPerson", "Consent", "Immunization"};
		cJSON *found[3];
		for (int k = 0; k < 3; k++) {
			snprintf(path, sizeof path, "/%s?patient=Patient/%s&_count=100", what[k], o->rid);
			found[k] = get_json(conn, path);
		}
		const cJSON *x;
		cJSON_ArrayForEach(x, cJSON_GetObjectItem(found[0], "entry"))
		{
			const cJSON *r = cJSON_GetObjectItem(x, "resource");
			if (c.n_resp < CLIENT_RESP_MAX &&
			    fhir_related_person_from_json(r, &c.resp[c.n_resp], NULL, 0, NULL)) {
				c.n_resp++;
				cache_put_remote(s, r, NULL);
			}
		}
		cJSON_ArrayForEach(x, cJSON_GetObjectItem(found[1], "entry"))
		{
			const cJSON *r = cJSON_GetObjectItem(x, "resource");
			if (fhir_consent_from_json(r, &c.consent, NULL, 0, NULL))
				cache_put_remote(s, r, NULL);
		}
		rc =
		    cache_put_client(s, &c, (int64_t)time(NULL), NULL, &err) && cache_put_remote(s, pat, &err)
		        ? 0
		        : 1;
		cJSON_ArrayForEach(x, cJSON_GetObjectItem(found[2], "entry"))
		{
			const cJSON *r = cJSON_GetObjectItem(x, "resource");
			struct immunization im;
			if (fhir_immunization_from_json(r, &im, &err) &&
			    cache_put_immunization(s, &im, NULL, &err))
				cache_put_remote(s, r, NULL);
			else
				rc = 1;
		}
		for (int k = 0; k < 3; k++)
			cJSON_Delete(found[k]);
	}
	if (rc)
		fprintf(stderr, "cachedrv: tpull: %s\n", err.message);
	cJSON_Delete(pat);
	api_conn_free(conn);
	cache_store_close(s);
	return rc;
}

/* The store as an online login leaves it, without a registry (disk tests). */
static int init(struct opts *o)
{
	struct cache_store_options so = {.dir = o->dir};
	struct vax_error err;
	struct cache_store *s = cache_store_open(&so, &err);
	bool ok = s && cache_login_online(s, o->org, o->user, o->password, (int64_t)time(NULL), &err);
	char note[VAX_ERROR_MSG_LEN];
	if (ok && cache_take_notice(s, note, sizeof note))
		printf("notice: %s\n", note);
	if (!ok)
		fprintf(stderr, "cachedrv: %s: %s\n", err.code, err.message);
	cache_store_close(s);
	return ok ? 0 : 1;
}

static int tsync(struct opts *o)
{
	struct cache_store *s = unlock(o);
	struct api_conn *conn = token_conn(o);
	struct vax_error err;
	error_clear(&err);
	/* a server without $match: the clients here are the registry's already */
	struct cache_sync_options so = {.no_match = true};
	struct cache_sync *y = cache_sync_new(s, conn, &so);
	enum cache_sync_status st = cache_sync_run(y, &err);
	const struct cache_sync_stats *t = cache_sync_stats(y);
	printf("tsync %s: accepted %d, rejected %d, conflict %d, merged %d\n", cache_sync_status_name(st),
	       t->accepted, t->rejected, t->conflict, t->merged);
	if (error_isset(&err))
		fprintf(stderr, "cachedrv: %s\n", err.message);
	struct cache_entry *v;
	int n = cache_outbox_list(s, CACHE_UNSENT_MASK, &v, NULL);
	for (int i = 0; i < n; i++)
		fprintf(stderr, "cachedrv: entry %lld %s: %s\n", (long long)v[i].seq,
		        cache_state_name(v[i].state), v[i].message);
	free(v);
	cache_sync_free(y);
	api_conn_free(conn);
	cache_store_close(s);
	return st == CACHE_SYNC_DONE && n == 0 ? 0 : 1;
}

struct done {
	bool done;
	enum api_class cls;
};

static void login_cb(struct api_session *ss, const struct api_result *res, void *arg)
{
	(void)ss;
	struct done *d = arg;
	d->done = true;
	d->cls = res->cls;
}

/* How many records of type carry this uuid on the registry; -1 on error. */
static long registry_count(struct api_conn *conn, const char *type, const char *uuid)
{
	char ident[128];
	snprintf(ident, sizeof ident, FHIR_SYS_UUID "|urn:uuid:%s", uuid);
	struct api_fhir_param p[] = {{"identifier", ident}};
	struct vax_error err;
	struct api_req *r = api_fhir_search_req(conn, type, p, 1, &err);
	const struct api_result *res = r ? api_req_wait(r, 30000) : NULL;
	struct api_bundle b;
	long total = -1;
	if (res && api_fhir_read_bundle(res, &b, &err)) {
		total = b.total >= 0 ? b.total : b.n;
		api_bundle_free(&b);
	} else {
		fprintf(stderr, "cachedrv: search %s: %s\n", type, res ? res->err.message : err.message);
	}
	api_req_free(r);
	return total;
}

/* --- the crash workload ------------------------------------------------------- */

/* A deterministic generator (the seed printed by the tests replays a run). */
static uint64_t lcg;

static unsigned next_rand(unsigned n)
{
	lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
	return n ? (unsigned)((lcg >> 33) % n) : 0;
}

static void rand_name(char *buf, size_t len)
{
	size_t n = len - 1 < 9 ? len - 1 : 9;
	buf[0] = (char)('A' + next_rand(26));
	for (size_t i = 1; i < n; i++)
		buf[i] = (char)('a' + next_rand(26));
	buf[n] = '\0';
}

/* A US phone number: area code 512, an exchange from 200. */
static void rand_phone(char *buf)
{
	snprintf(buf, 11, "512%u%06u", 2 + next_rand(8), next_rand(1000000));
}

/* The clients this workload made in this store, oldest first. */
static int work_clients(struct cache_store *s, char (*keys)[CACHE_KEY_STR], int max)
{
	struct cache_entry *v;
	int n = cache_outbox_list(s, 0, &v, NULL), k = 0;
	for (int i = 0; i < n && k < max; i++)
		if (v[i].type == CACHE_R_PATIENT && v[i].op == CACHE_OP_CREATE &&
		    v[i].state != CACHE_DISCARDED)
			text_copy(keys[k++], CACHE_KEY_STR, v[i].rec_key);
	free(v);
	return k;
}

/* One line per step, flushed: "try ..." before a save, "saved ..." once it
 * returned (what a screen would then show as saved). */
static void step(const char *what, const char *op, const char *type, const char *uuid, const char *field,
                 const char *value)
{
	if (field)
		printf("%s %s %s %s %s=%s\n", what, op, type, uuid, field, value);
	else
		printf("%s %s %s %s\n", what, op, type, uuid);
	fflush(stdout);
}

static bool work_save_client(struct cache_store *s, const struct opts *o, struct client *c, const char *op,
                             const char *field, const char *value)
{
	struct capture cap;
	capture_of(o, &cap);
	struct vax_error err;
	step("try", op, "Patient", c->uuid, field, value);
	if (!cache_save_client(s, c, CACHE_OP_UPDATE, &cap, NULL, &err)) {
		fprintf(stderr, "cachedrv: %s: %s\n", op, err.message);
		return false;
	}
	step("saved", op, "Patient", c->uuid, field, value);
	return true;
}

static const char *const VISIT_CVX[] = {"20", "03", "10", "08", "21", "83", "133", "116"};

/* A new client and the doses of one visit (2 or 3, each of its own vaccine
 * group), all typed offline. */
static bool work_new(struct cache_store *s, const struct opts *o)
{
	struct capture cap;
	capture_of(o, &cap);
	struct vax_error err;
	struct client c;
	client_init(&c);
	rand_name(c.name.family, sizeof c.name.family);
	rand_name(c.name.given, sizeof c.name.given);
	c.dob = date_add_days(date_from_ymd(2012, 1, 1), (int)next_rand(3000));
	c.sex = next_rand(2) ? SEX_FEMALE : SEX_MALE;
	c.n_addr = 1;
	text_copy(c.addr[0].county, sizeof c.addr[0].county, "Travis");
	text_copy(c.addr[0].state, sizeof c.addr[0].state, "TX");
	text_copy(c.addr[0].zip, sizeof c.addr[0].zip, "78701");
	uuid_v4(c.uuid);
	step("try", "create", "Patient", c.uuid, NULL, NULL);
	if (!cache_save_client(s, &c, CACHE_OP_CREATE, &cap, NULL, &err)) {
		fprintf(stderr, "cachedrv: %s\n", err.message);
		return false;
	}
	step("saved", "create", "Patient", c.uuid, NULL, NULL);
	struct immunization im[3];
	int n = 2 + (int)next_rand(2), first = (int)next_rand(8);
	for (int d = 0; d < n; d++) {
		imm_init(&im[d]);
		uuid_v4(im[d].uuid);
		text_copy(im[d].client_uuid, sizeof im[d].client_uuid, c.uuid);
		text_copy(im[d].cvx, sizeof im[d].cvx, VISIT_CVX[(first + d) % 8]);
		im[d].date_given = date_add_days(c.dob, 400);
		im[d].historical = true;
		text_copy(im[d].info_source, sizeof im[d].info_source, "01");
		step("try", "create", "Immunization", im[d].uuid, NULL, NULL);
	}
	if (!cache_save_immunizations(s, im, (size_t)n, &cap, &err)) {
		fprintf(stderr, "cachedrv: visit: %s\n", err.message);
		return false;
	}
	for (int d = 0; d < n; d++)
		step("saved", "create", "Immunization", im[d].uuid, NULL, NULL);
	return true;
}

static bool work_edit(struct cache_store *s, const struct opts *o, struct client *c)
{
	char v[VAX_NAME_LEN];
	switch (next_rand(4)) {
	case 0:
		rand_name(v, 9);
		text_copy(c->name.given, sizeof c->name.given, v);
		return work_save_client(s, o, c, "edit", "given", v);
	case 1:
		rand_name(v, 9);
		text_copy(c->name.middle, sizeof c->name.middle, v);
		return work_save_client(s, o, c, "edit", "middle", v);
	case 2:
		rand_phone(v);
		c->n_phone = 1;
		c->phone[0].use = PHONE_HOME;
		text_copy(c->phone[0].number, sizeof c->phone[0].number, v);
		return work_save_client(s, o, c, "edit", "home", v);
	default:
		rand_name(v, 9);
		for (char *p = v; *p; p++)
			*p = (char)(*p | 0x20);
		strcat(v, "@example.org");
		text_copy(c->email, sizeof c->email, v);
		return work_save_client(s, o, c, "edit", "email", v);
	}
}

/* Add, re-phone or remove a responsible person; or record a consent. */
static bool work_companion(struct cache_store *s, const struct opts *o, struct client *c)
{
	char v[32];
	int live = 0;
	for (int i = 0; i < c->n_resp; i++)
		live += !c->resp[i].removed;
	unsigned what = next_rand(4);
	if (what == 3) {
		c->consent.minor = next_rand(2) ? CONSENT_GRANTED : CONSENT_REFUSED;
		c->consent.date = date_add_days(c->dob, 1 + (int)next_rand(300));
		snprintf(v, sizeof v, "%s", client_consent_status_label(c->consent.minor));
		return work_save_client(s, o, c, "consent", NULL, NULL);
	}
	if (live == 0 || (what == 0 && c->n_resp < CLIENT_RESP_MAX)) {
		if (c->n_resp >= CLIENT_RESP_MAX)
			return true;
		struct responsible_person *rp = &c->resp[c->n_resp++];
		memset(rp, 0, sizeof *rp);
		rp->address.since = DATE_NONE;
		rand_name(rp->name.family, 9);
		rand_name(rp->name.given, 9);
		text_copy(rp->relationship, sizeof rp->relationship, next_rand(2) ? "MTH" : "FTH");
		rand_phone(rp->phone.number);
		return work_save_client(s, o, c, "person", NULL, NULL);
	}
	int pick = (int)next_rand((unsigned)live), k = -1;
	for (int i = 0; i < c->n_resp && pick >= 0; i++)
		if (!c->resp[i].removed && pick-- == 0)
			k = i;
	if (what == 2)
		c->resp[k].removed = true;
	else
		rand_phone(c->resp[k].phone.number);
	return work_save_client(s, o, c, "person", NULL, NULL);
}

/* Change the lot of one of the client's doses, or delete one. */
static bool work_dose(struct cache_store *s, const struct opts *o, const char *key, bool del)
{
	struct immunization *v = NULL;
	int n = cache_client_immunizations(s, key, &v, NULL), live = 0;
	for (int i = 0; i < n; i++)
		if (!v[i].entered_in_error)
			v[live++] = v[i];
	if (live == 0) {
		free(v);
		return true;
	}
	struct immunization im = v[next_rand((unsigned)live)];
	free(v);
	struct capture cap;
	capture_of(o, &cap);
	struct vax_error err;
	char lot[16];
	snprintf(lot, sizeof lot, "L%u", next_rand(1000000));
	if (del)
		text_copy(im.delete_reason, sizeof im.delete_reason, "Entered for the wrong client");
	else
		text_copy(im.lot, sizeof im.lot, lot);
	step("try", del ? "delete" : "edit", "Immunization", im.uuid, del ? NULL : "lot", lot);
	if (!cache_save_immunization(s, &im, del ? CACHE_OP_DELETE : CACHE_OP_UPDATE, &cap, NULL, &err)) {
		fprintf(stderr, "cachedrv: %s\n", err.message);
		return false;
	}
	step("saved", del ? "delete" : "edit", "Immunization", im.uuid, del ? NULL : "lot", lot);
	return true;
}

/* cachedrv work --seed S --count N: N steps of front-desk work, offline. */
static int work(struct opts *o)
{
	struct cache_store *s = unlock(o);
	lcg = o->seed;
	char(*keys)[CACHE_KEY_STR] = xmalloc(4096 * sizeof *keys);
	for (int i = 0; i < o->count; i++) {
		int n = work_clients(s, keys, 4096);
		unsigned kind = n ? next_rand(10) : 0;
		bool ok = true;
		struct client c;
		if (kind < 3) {
			ok = work_new(s, o);
		} else if (!cache_get_client(s, keys[next_rand((unsigned)n)], &c, NULL, NULL)) {
			continue;
		} else if (kind < 5) {
			ok = work_edit(s, o, &c);
		} else if (kind < 7) {
			ok = work_companion(s, o, &c);
		} else {
			char key[CACHE_KEY_STR];
			cache_client_key(s, &c, key);
			ok = work_dose(s, o, key, kind == 9);
		}
		if (!ok) {
			free(keys);
			cache_store_close(s);
			return 1;
		}
	}
	free(keys);
	cache_store_close(s);
	return 0;
}

/* --- verify --------------------------------------------------------------------- */

/* GET and wait; the result stays valid until *r is freed. */
static const struct api_result *fetch(struct api_conn *conn, struct api_req **r, const char *type,
                                      const char *id, const char *search)
{
	struct vax_error err;
	char path[256];
	if (search)
		snprintf(path, sizeof path, "/%s?patient=Patient/%s&_count=50", type, id);
	else
		snprintf(path, sizeof path, "/%s/%s", type, id);
	*r = api_req_new(conn, "GET", path, &err);
	return *r ? api_req_wait(*r, 30000) : NULL;
}

/* The registry's client (Patient, RelatedPersons, Consent); false if gone. */
static bool registry_client(struct api_conn *conn, const char *id, struct client *c)
{
	struct api_req *r;
	const struct api_result *res = fetch(conn, &r, "Patient", id, NULL);
	bool ok = res && api_fhir_read_patient(res, c, NULL);
	api_req_free(r);
	static const char *const what[] = {"RelatedPerson", "Consent"};
	for (int k = 0; ok && k < 2; k++) {
		res = fetch(conn, &r, what[k], id, "patient");
		struct api_bundle b;
		if (res && api_fhir_read_bundle(res, &b, NULL)) {
			for (int i = 0; i < b.n; i++) {
				if (!k && c->n_resp < CLIENT_RESP_MAX &&
				    fhir_related_person_from_json(b.entry[i].resource, &c->resp[c->n_resp],
				                                  NULL, 0, NULL))
					c->n_resp++;
				else if (k)
					fhir_consent_from_json(b.entry[i].resource, &c->consent, NULL, 0,
					                       NULL);
			}
			api_bundle_free(&b);
		}
		api_req_free(r);
	}
	return ok;
}

/* What a confirmed change said a field became, against the store. */
struct said {
	char op[16], type[16], uuid[64], field[16], value[64];
	bool saved;
};

static int said_read(const char *file, struct said **out)
{
	FILE *f = file ? fopen(file, "r") : NULL;
	size_t cap = 0;
	int n = 0;
	*out = NULL;
	char line[512];
	while (f && fgets(line, sizeof line, f)) {
		struct said t;
		char what[8], fv[96] = "";
		memset(&t, 0, sizeof t);
		if (sscanf(line, "%7s %15s %15s %63s %95s", what, t.op, t.type, t.uuid, fv) < 4 ||
		    (strcmp(what, "try") && strcmp(what, "saved")) || strlen(t.uuid) != 36)
			continue; /* a line a kill cut short was never confirmed */
		t.saved = !strcmp(what, "saved");
		char *eq = strchr(fv, '=');
		if (eq) {
			*eq = '\0';
			text_copy(t.field, sizeof t.field, fv);
			text_copy(t.value, sizeof t.value, eq + 1);
		}
		*out = xgrow(*out, &cap, (size_t)n + 1, sizeof **out);
		(*out)[n++] = t;
	}
	if (f)
		fclose(f);
	return n;
}

/* Does the store's value of a field agree with what was confirmed: the last
 * confirmed value, or one tried after it (saved, its line cut short)? */
static bool value_ok(const struct said *v, int n, const char *uuid, const char *field, const char *have)
{
	int last = -1;
	for (int i = 0; i < n; i++)
		if (v[i].saved && !strcmp(v[i].uuid, uuid) && !strcmp(v[i].field, field))
			last = i;
	if (last < 0)
		return true;
	for (int i = last; i < n; i++)
		if (!strcmp(v[i].uuid, uuid) && !strcmp(v[i].field, field) && !strcmp(v[i].value, have))
			return true;
	return false;
}

static const char *client_field(const struct client *c, const char *field)
{
	return !strcmp(field, "given")    ? c->name.given
	       : !strcmp(field, "middle") ? c->name.middle
	       : !strcmp(field, "email")  ? c->email
	       : !strcmp(field, "home")   ? (c->n_phone ? c->phone[0].number : "")
	                                  : "";
}

/* Has the client a registry ID (REGID_SYSTEM)? */
static bool has_regid(const struct client *c)
{
	for (int i = 0; i < c->n_ident; i++)
		if (!strcmp(c->ident[i].system, REGID_SYSTEM))
			return true;
	return false;
}

static void drop_regid(struct client *c)
{
	int k = 0;
	for (int i = 0; i < c->n_ident; i++)
		if (strcmp(c->ident[i].system, REGID_SYSTEM))
			c->ident[k++] = c->ident[i];
	c->n_ident = k;
}

static int verify(struct opts *o)
{
	struct cache_store *s = unlock(o);
	struct vax_error err;
	struct api_conn_config cfg = {.base_url = o->registry, .ca_file = o->ca};
	struct api_conn *conn = api_global_init(&err) ? api_conn_new(&cfg, &err) : NULL;
	if (!conn) {
		fprintf(stderr, "cachedrv: %s\n", err.message);
		return 1;
	}
	struct api_session *ss = api_session_new(conn);
	struct done d = {0};
	api_session_login(ss, o->org, o->user, o->password, NULL, true, login_cb, &d);
	while (!d.done)
		api_pump(conn, 100);
	if (d.cls != API_OK) {
		fprintf(stderr, "cachedrv: verify: login failed\n");
		return 1;
	}
	int lost = 0, dup = 0, held = 0, records = 0, creates = 0, changes = 0, confirmed = 0;
	struct cache_entry *v;
	int n = cache_outbox_list(s, 0, &v, &err);
	struct said *said;
	int ns = said_read(o->file, &said);
	/* every entry: on the registry, once; nothing left waiting */
	for (int i = 0; i < n; i++) {
		const struct cache_entry *e = &v[i];
		if (e->state == CACHE_DISCARDED)
			continue;
		if (e->op == CACHE_OP_CREATE)
			creates++;
		else
			changes++;
		if (e->state != CACHE_ACCEPTED) {
			fprintf(stderr, "entry %lld (%s %s) is %s: %s\n", (long long)e->seq,
			        cache_op_name(e->op), cache_rtype_name(e->type), cache_state_name(e->state),
			        e->message);
			if (e->state == CACHE_PENDING || e->state == CACHE_SENDING)
				lost++;
			else
				held++;
			continue;
		}
		if (e->op != CACHE_OP_CREATE)
			continue;
		/* a record deleted since is not found by a search any more */
		bool deleted = false;
		for (int k = i + 1; k < n; k++)
			deleted = deleted || (!strcmp(v[k].rec_key, e->rec_key) &&
			                      v[k].op == CACHE_OP_DELETE && v[k].state == CACHE_ACCEPTED);
		long t = registry_count(conn, cache_rtype_name(e->type), e->rec_key);
		if (t != (deleted ? 0 : 1)) {
			fprintf(stderr, "%s %s is on the registry %ld times\n", cache_rtype_name(e->type),
			        e->rec_key, t);
			if (t > 1)
				dup++;
			else
				lost++;
		}
	}
	/* every record: the registry holds what the store holds */
	for (int i = 0; i < n; i++) {
		const struct cache_entry *e = &v[i];
		bool first = true;
		for (int k = 0; k < i && first; k++)
			first = strcmp(v[k].rec_key, e->rec_key) != 0;
		if (!first || e->state != CACHE_ACCEPTED)
			continue;
		records++;
		struct cache_merge *m = xmalloc(sizeof *m);
		struct api_req *r = NULL;
		if (e->type == CACHE_R_PATIENT) {
			struct client *c = xmalloc(2 * sizeof *c);
			if (!cache_get_client(s, e->rec_key, &c[0], NULL, NULL) ||
			    !registry_client(conn, c[0].id, &c[1])) {
				fprintf(stderr, "client %s: not in the store or not on the registry\n",
				        e->rec_key);
				lost++;
			} else {
				/* the registry ID the registry gave a client made offline
				 * reaches the store at its next read, not with the receipt */
				if (!has_regid(&c[0]))
					drop_regid(&c[1]);
				cache_merge_clients(&c[0], &c[0], &c[1], m);
				for (int f = 0; f < m->n; f++)
					if (m->f[f].state != CACHE_MERGE_SAME) {
						fprintf(stderr,
						        "client %s: %s is '%s' here, '%s' on the registry\n",
						        e->rec_key, m->f[f].label, m->f[f].ours,
						        m->f[f].theirs);
						lost++;
					}
				static const char *const fields[] = {"given", "middle", "email", "home"};
				for (int f = 0; f < 4; f++)
					if (!value_ok(said, ns, e->rec_key, fields[f],
					              client_field(&c[0], fields[f]))) {
						fprintf(stderr,
						        "client %s: the confirmed %s is not there ('%s')\n",
						        e->rec_key, fields[f],
						        client_field(&c[0], fields[f]));
						lost++;
					}
			}
			free(c);
		} else {
			/* the last entry of the dose says whether it should exist */
			int last = i;
			for (int k = i; k < n; k++)
				if (!strcmp(v[k].rec_key, e->rec_key) && v[k].state != CACHE_DISCARDED)
					last = k;
			struct immunization here, there;
			bool deleted = v[last].op == CACHE_OP_DELETE;
			const struct api_result *res =
			    fetch(conn, &r, "Immunization",
			          v[last].receipt_id[0] ? v[last].receipt_id : e->receipt_id, NULL);
			bool gone = res && (res->status == 404 || res->status == 410);
			if (deleted != gone) {
				fprintf(stderr, "dose %s: %s here, %s on the registry\n", e->rec_key,
				        deleted ? "deleted" : "kept", gone ? "gone" : "there");
				lost++;
			} else if (!deleted) {
				struct immunization *all = NULL;
				int nd = cache_client_immunizations(s, e->client_key, &all, NULL);
				bool found = false;
				for (int k = 0; k < nd && !found; k++)
					if (!strcmp(all[k].uuid, e->rec_key)) {
						here = all[k];
						found = true;
					}
				free(all);
				if (!found || !api_fhir_read_immunization(res, &there, NULL)) {
					fprintf(stderr, "dose %s: not readable here or there\n", e->rec_key);
					lost++;
				} else {
					cache_merge_imms(&here, &here, &there, m);
					for (int f = 0; f < m->n; f++)
						if (m->f[f].state != CACHE_MERGE_SAME &&
						    strcmp(m->f[f].label, "Organization")) {
							fprintf(stderr,
							        "dose %s: %s is '%s' here, '%s' on the "
							        "registry\n",
							        e->rec_key, m->f[f].label, m->f[f].ours,
							        m->f[f].theirs);
							lost++;
						}
					if (!value_ok(said, ns, e->rec_key, "lot", here.lot)) {
						fprintf(stderr, "dose %s: the confirmed lot is not there\n",
						        e->rec_key);
						lost++;
					}
				}
			}
			api_req_free(r);
		}
		free(m);
	}
	/* every confirmed step is in the store */
	for (int i = 0; i < ns; i++) {
		if (!said[i].saved)
			continue;
		confirmed++;
		bool found = false;
		for (int k = 0; k < n && !found; k++)
			found = !strcmp(v[k].rec_key, said[i].uuid);
		if (!found) {
			fprintf(stderr, "confirmed %s %s %s: not in the outbox\n", said[i].op, said[i].type,
			        said[i].uuid);
			lost++;
		}
	}
	free(said);
	free(v);
	printf("verify: %d records (%d created, %d changes), %d confirmed steps; %d lost, %d duplicated, "
	       "%d held for a person (false conflicts)\n",
	       records, creates, changes, confirmed, lost, dup, held);
	api_session_free(ss);
	api_conn_free(conn);
	cache_store_close(s);
	return lost || dup || held ? 1 : 0;
}

int main(int argc, char **argv)
{
	cachetest_faulty_disk();
	if (argc < 2) {
		fputs("usage: cachedrv record|verify|sync|outbox|prefetch|purge ...\n", stderr);
		return 2;
	}
	struct opts o;
	if (!strcmp(argv[1], "scan") && argc >= 3) {
		int found = 0;
		for (int i = 3; i < argc; i++)
			if (cachetest_dir_contains(argv[2], argv[i])) {
				printf("found on disk: %s\n", argv[i]);
				found++;
			}
		return found ? 1 : 0;
	}
	if (!strcmp(argv[1], "shot")) {
		parse(&o, argc, argv);
		return shot(&o);
	}
	if (!strcmp(argv[1], "person") || !strcmp(argv[1], "edit") || !strcmp(argv[1], "approve") ||
	    !strcmp(argv[1], "link")) {
		parse(&o, argc, argv);
		return argv[1][0] == 'p'   ? person(&o)
		       : argv[1][0] == 'e' ? edit(&o)
		                           : review(&o, argv[1][0] == 'l');
	}
	if (!strcmp(argv[1], "dose") || !strcmp(argv[1], "merge") || !strcmp(argv[1], "resolve") ||
	    !strcmp(argv[1], "pair") || !strcmp(argv[1], "discard")) {
		parse(&o, argc, argv);
		return !strcmp(argv[1], "dose")      ? dose(&o)
		       : !strcmp(argv[1], "discard") ? discard(&o)
		       : !strcmp(argv[1], "pair")    ? pair(&o)
		                                     : merge(&o, argv[1][0] == 'r');
	}
	if (!strcmp(argv[1], "consent")) {
		parse(&o, argc, argv);
		return consent(&o);
	}
	if (!strcmp(argv[1], "resp") || !strcmp(argv[1], "show") || !strcmp(argv[1], "theirs")) {
		parse(&o, argc, argv);
		return argv[1][0] == 'r' ? resp(&o) : argv[1][0] == 's' ? show(&o) : theirs(&o);
	}
	if (!strcmp(argv[1], "tpull") || !strcmp(argv[1], "tsync")) {
		parse(&o, argc, argv);
		return argv[1][1] == 'p' ? tpull(&o) : tsync(&o);
	}
	if (!strcmp(argv[1], "work") || !strcmp(argv[1], "init")) {
		parse(&o, argc, argv);
		return argv[1][0] == 'w' ? work(&o) : init(&o);
	}
	if (!strcmp(argv[1], "record")) {
		parse(&o, argc, argv);
		return record(&o);
	}
	if (!strcmp(argv[1], "verify")) {
		parse(&o, argc, argv);
		return verify(&o);
	}
	return cache_cli_main(argc - 1, argv + 1);
}
