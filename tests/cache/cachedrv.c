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
 *   cachedrv edit [COMMON] --rid ID --given G [--version V]  change the
 *       given name of a cached client (an update, If-Match on V or the
 *       cached version)
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
 *   cachedrv verify FILE [COMMON]             every record named in FILE
 *       (lines from `record`) and every outbox entry is accepted, and the
 *       registry holds each exactly once
 *
 * COMMON: --data-dir DIR --registry URL --ca-file FILE --org O --user U
 * --password-fd N (as the command line).
 */
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
#include "core/fhir.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "tests/cache/cachetest.h"

#define MAX_SHOTS 8

struct opts {
	const char *dir, *registry, *ca, *org, *user;
	int pw_fd, count;
	const char *file;
	const char *family, *given, *dob, *rid, *rid_file, *version, *rel, *phone;
	bool add, remove;
	const char *shot[MAX_SHOTS];
	int n_shot;
	long seq;
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
		else if (!strcmp(a, "--add"))
			o->add = true;
		else if (!strcmp(a, "--remove"))
			o->remove = true;
		else if (!strcmp(a, "--seq"))
			o->seq = atol(v), i++;
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
	text_copy(c.name.given, sizeof c.name.given, o->given);
	if (o->version)
		text_copy(c.version, sizeof c.version, o->version);
	if (!save_update(s, o, &c))
		return 1;
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
	int bad = 0, checked = 0, confirmed = 0;
	struct cache_entry *v;
	int n = cache_outbox_list(s, 0, &v, &err);
	for (int i = 0; i < n; i++) {
		if (v[i].state != CACHE_ACCEPTED) {
			fprintf(stderr, "not accepted: entry %lld is %s: %s\n", (long long)v[i].seq,
			        cache_state_name(v[i].state), v[i].message);
			bad++;
			continue;
		}
		long t = registry_count(conn, cache_rtype_name(v[i].type), v[i].rec_key);
		checked++;
		if (t != 1) {
			fprintf(stderr, "%s %s is on the registry %ld times\n", cache_rtype_name(v[i].type),
			        v[i].rec_key, t);
			bad++;
		}
	}
	FILE *f = o->file ? fopen(o->file, "r") : NULL;
	char line[256];
	while (f && fgets(line, sizeof line, f)) {
		char type[32], uuid[64];
		if (sscanf(line, "saved %31s %63s", type, uuid) != 2)
			continue;
		confirmed++;
		bool found = false;
		for (int i = 0; i < n && !found; i++)
			found = !strcmp(v[i].rec_key, uuid);
		long t = found ? 1 : registry_count(conn, type, uuid);
		if (!found || t != 1) {
			fprintf(stderr, "confirmed %s %s: in outbox %s, on registry %ld\n", type, uuid,
			        found ? "yes" : "no", t);
			bad++;
		}
	}
	if (f)
		fclose(f);
	free(v);
	printf("verify: %d outbox entries checked on the registry, %d confirmed saves, %d problem(s)\n",
	       checked, confirmed, bad);
	api_session_free(ss);
	api_conn_free(conn);
	cache_store_close(s);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
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
	if (!strcmp(argv[1], "consent")) {
		parse(&o, argc, argv);
		return consent(&o);
	}
	if (!strcmp(argv[1], "resp") || !strcmp(argv[1], "show") || !strcmp(argv[1], "theirs")) {
		parse(&o, argc, argv);
		return argv[1][0] == 'r' ? resp(&o) : argv[1][0] == 's' ? show(&o) : theirs(&o);
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
