/* cache/cli.c - see cli.h */
#include "cache/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "api/fhir_client.h"
#include "api/http.h"
#include "api/session.h"
#include "cache/pull.h"
#include "cache/store.h"
#include "cache/hl7file.h"
#include "cache/sync.h"
#include "core/fhir.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "sys/config.h"
#include "sys/fileio.h"
#include "wire/wire.h"

#define EXIT_FAILED   1 /* a local problem, a refused login: nothing was decided */
#define EXIT_USAGE    2
#define EXIT_PERSON   3  /* entries wait for a person: rejected, in conflict, held for review */
#define EXIT_TEMPFAIL 75 /* sysexits EX_TEMPFAIL: entries wait to be sent; they go by themselves later */
#define PASSWORD_MAX  256

struct cli {
	const char *cmd;
	const char *data_dir, *config_path, *registry, *ca_file, *org, *user, *group;
	const char *from, *to, *output; /* export-hl7 */
	int password_fd;
	bool json, dry_run, all, help;
	char **args;
	int n_args;
	struct config cfg;
	char default_org[64]; /* a workstation's sign-in names no organization */
	char password[PASSWORD_MAX];
	struct cache_store *store;
	struct api_conn *conn;
	struct api_session *session;
	bool online;
};

static int usage(FILE *out, int status)
{
	fputs("Usage: vaxdesk sync [--dry-run]\n"
	      "       vaxdesk outbox [--json]\n"
	      "       vaxdesk prefetch ID... | --group ID\n"
	      "       vaxdesk purge [--all]\n"
	      "       vaxdesk export-hl7 [--from DATE] [--to DATE] [--output FILE]\n"
	      "       vaxdesk import-ack FILE\n"
	      "Options: --data-dir DIR --config FILE --registry URL --ca-file FILE\n"
	      "         --org CODE --user NAME --password-fd N --help\n"
	      "Exit status of sync: 0 nothing waits; 3 entries wait for a person (rejected,\n"
	      "in conflict, held for review); 75 entries wait to be sent (offline, busy, retry\n"
	      "later); 1 failed; 2 usage.\n",
	      out);
	return status;
}

static bool read_password(struct cli *c)
{
	int fd = c->password_fd;
	bool tty = false;
	struct termios old, quiet;
	if (fd < 0) {
		fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return false;
		tty = tcgetattr(fd, &old) == 0;
		if (tty) {
			quiet = old;
			quiet.c_lflag &= (tcflag_t)~ECHO;
			tcsetattr(fd, TCSAFLUSH, &quiet);
			dprintf(fd, "Password for %s at %s: ", c->user, c->org);
		}
	}
	size_t n = 0;
	char ch;
	while (n + 1 < sizeof c->password && read(fd, &ch, 1) == 1 && ch != '\n')
		c->password[n++] = ch;
	c->password[n] = '\0';
	if (n && c->password[n - 1] == '\r')
		c->password[n - 1] = '\0';
	if (c->password_fd < 0) {
		if (tty) {
			tcsetattr(fd, TCSAFLUSH, &old);
			dprintf(fd, "\n");
		}
		close(fd);
	}
	return n > 0;
}

static bool parse_args(struct cli *c, int argc, char **argv)
{
	c->cmd = argv[0];
	c->password_fd = -1;
	c->args = xcalloc((size_t)argc, sizeof *c->args);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **val = NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			c->help = true;
		else if (!strcmp(a, "--json"))
			c->json = true;
		else if (!strcmp(a, "--dry-run"))
			c->dry_run = true;
		else if (!strcmp(a, "--all"))
			c->all = true;
		else if (!strcmp(a, "--data-dir"))
			val = &c->data_dir;
		else if (!strcmp(a, "--config"))
			val = &c->config_path;
		else if (!strcmp(a, "--registry"))
			val = &c->registry;
		else if (!strcmp(a, "--ca-file"))
			val = &c->ca_file;
		else if (!strcmp(a, "--org"))
			val = &c->org;
		else if (!strcmp(a, "--user"))
			val = &c->user;
		else if (!strcmp(a, "--group"))
			val = &c->group;
		else if (!strcmp(a, "--from"))
			val = &c->from;
		else if (!strcmp(a, "--to"))
			val = &c->to;
		else if (!strcmp(a, "--output"))
			val = &c->output;
		else if (!strcmp(a, "--password-fd")) {
			if (++i >= argc)
				return false;
			c->password_fd = atoi(argv[i]);
		} else if (a[0] == '-')
			return false;
		else
			c->args[c->n_args++] = argv[i];
		if (val) {
			if (++i >= argc)
				return false;
			*val = argv[i];
		}
	}
	if (!c->org)
		c->org = getenv("VAXDESK_ORG");
	if (!c->user)
		c->user = getenv("VAXDESK_USER");
	return true;
}

/* Pump until the session operation ends; the command line may wait. */
struct wait_login {
	bool done;
	bool offline;
	enum api_class cls;
	char msg[VAX_ERROR_MSG_LEN];
};

static void login_done(struct api_session *s, const struct api_result *res, void *arg)
{
	(void)s;
	struct wait_login *w = arg;
	w->done = true;
	w->cls = res->cls;
	w->offline = cache_sync_is_offline(res) || res->cls == API_SERVER;
	text_copy(w->msg, sizeof w->msg, res->err.message);
}

/* The workstation signs itself in (vaxdesk.conf: client_secret_file or
 * token_file), asking the registry's SMART configuration first for the
 * client credentials' token endpoint. False if it could not start. */
static bool workstation_login(struct cli *c, struct wait_login *w)
{
	static char secret[512], bearer[API_TOKEN_MAX];
	struct api_auth_config ac = {.client_id = c->cfg.client_id};
	struct vax_error err;
	bool ok = true;
	if (c->cfg.client_secret_file[0] &&
	    (ok = api_secret_file_read(c->cfg.client_secret_file, secret, sizeof secret, &err)))
		ac.client_secret = secret;
	if (ok && c->cfg.token_file[0] &&
	    (ok = api_secret_file_read(c->cfg.token_file, bearer, sizeof bearer, &err)))
		ac.bearer = bearer;
	api_session_configure(c->session, &ac);
	OPENSSL_cleanse(secret, sizeof secret);
	OPENSSL_cleanse(bearer, sizeof bearer);
	if (!ok) {
		fprintf(stderr, "vaxdesk: %s\n", err.message);
		return false;
	}
	api_session_set_who(c->session, c->org, c->user);
	if (ac.client_secret) {
		struct wait_login d = {0};
		if (api_session_discover(c->session, login_done, &d))
			while (!d.done)
				api_pump(c->conn, 200);
		if (d.cls != API_OK) {
			*w = d;
			return false;
		}
		return api_session_client_login(c->session, login_done, w);
	}
	return api_session_bearer_login(c->session, login_done, w);
}

/* Unlock the store: online when want_online and the registry answers,
 * else with the offline login. */
static bool login(struct cli *c, bool want_online)
{
	struct vax_error err;
	if (!c->org && (c->cfg.client_secret_file[0] || c->cfg.token_file[0])) {
		config_default_org(&c->cfg, c->default_org, sizeof c->default_org);
		c->org = c->default_org;
	}
	if (!c->org || !c->user) {
		fputs("vaxdesk: give --org and --user (or VAXDESK_ORG, VAXDESK_USER)\n", stderr);
		return false;
	}
	if (!read_password(c)) {
		fputs("vaxdesk: no password given\n", stderr);
		return false;
	}
	if (want_online && c->cfg.registry_url[0]) {
		struct api_conn_config acfg = {
		    .base_url = c->cfg.registry_url,
		    .ca_file = c->cfg.ca_file[0] ? c->cfg.ca_file : NULL,
		    .pinned_pubkey = c->cfg.pinned_pubkey[0] ? c->cfg.pinned_pubkey : NULL,
		    .connect_timeout_ms = c->cfg.connect_timeout_seconds * 1000L,
		    /* a stalled link is offline after as long as a dead one */
		    .low_speed_time_s =
		        c->cfg.connect_timeout_seconds > 0 ? c->cfg.connect_timeout_seconds : 20,
		};
		/* the wire dictionary (gzip without it) */
		char *dict = NULL;
		struct vax_error derr;
		if (fileio_read_data(WIRE_DICT_FILE, &dict, &acfg.dict_len, &derr))
			acfg.dict = dict;
		bool made = api_global_init(&err) && (c->conn = api_conn_new(&acfg, &err));
		free(dict);
		if (!made) {
			fprintf(stderr, "vaxdesk: %s\n", err.message);
			return false;
		}
		c->session = api_session_new(c->conn);
		struct wait_login w = {0};
		bool workstation = c->cfg.client_secret_file[0] || c->cfg.token_file[0];
		if (workstation ? workstation_login(c, &w)
		                : api_session_login(c->session, c->org, c->user, c->password, NULL, true,
		                                    login_done, &w))
			while (!w.done)
				api_pump(c->conn, 200);
		if (w.done && w.cls == API_OK && workstation) {
			/* the registry signed the workstation in; the passphrase opens
			 * this person's records (made at their first sign-in in vaxdesk) */
			c->online = true;
			if (!cache_login_offline(c->store, c->org, c->user, c->password, &err)) {
				fprintf(stderr, "vaxdesk: %s\n", err.message);
				return false;
			}
			return true;
		}
		if (w.done && w.cls == API_OK) {
			c->online = true;
			if (!cache_login_online(c->store, c->org, c->user, c->password, (int64_t)time(NULL),
			                        &err)) {
				fprintf(stderr, "vaxdesk: %s\n", err.message);
				return false;
			}
			char note[VAX_ERROR_MSG_LEN];
			if (cache_take_notice(c->store, note, sizeof note))
				fprintf(stderr, "vaxdesk: %s\n", note);
			return true;
		}
		if (w.done && !w.offline) {
			const struct api_token_error *te = api_session_login_error(c->session);
			fprintf(stderr, "vaxdesk: login refused: %s\n",
			        te && te->description[0] ? te->description : w.msg);
			return false;
		}
		fprintf(stderr, "vaxdesk: the registry is not reachable (%s); working offline\n", w.msg);
	}
	if (!cache_login_offline(c->store, c->org, c->user, c->password, &err)) {
		fprintf(stderr, "vaxdesk: %s\n", err.message);
		return false;
	}
	return true;
}

static void json_escape(FILE *out, const char *s)
{
	cJSON *j = cJSON_CreateString(s);
	char *t = cJSON_PrintUnformatted(j);
	fputs(t, out);
	free(t);
	cJSON_Delete(j);
}

static int cmd_outbox(struct cli *c)
{
	struct vax_error err;
	struct cache_entry *v;
	int n = cache_outbox_list(c->store, 0, &v, &err);
	if (n < 0) {
		fprintf(stderr, "vaxdesk: %s\n", err.message);
		return 1;
	}
	if (c->json)
		fputs("[", stdout);
	else
		printf("%-6s %-12s %-6s %-12s %-10s %-12s %-8s %s\n", "SEQ", "STATE", "OP", "TYPE", "USER",
		       "CAPTURED", "TRIES", "RECEIPT / MESSAGE");
	for (int i = 0; i < n; i++) {
		struct cache_entry *e = &v[i];
		char when[32];
		time_t t = (time_t)e->cap.at;
		struct tm tm;
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		if (c->json) {
			printf("%s{\"seq\":%lld,\"uuid\":\"%s\",\"state\":\"%s\",\"op\":\"%s\","
			       "\"type\":\"%s\",\"user\":",
			       i ? "," : "", (long long)e->seq, e->uuid, cache_state_name(e->state),
			       cache_op_name(e->op), cache_rtype_name(e->type));
			json_escape(stdout, e->cap.user);
			fputs(",\"org\":", stdout);
			json_escape(stdout, e->cap.org);
			fputs(",\"workstation\":", stdout);
			json_escape(stdout, e->cap.workstation);
			printf(",\"captured\":\"%s\",\"attempts\":%d,\"receipt_id\":", when, e->attempts);
			json_escape(stdout, e->receipt_id);
			fputs(",\"receipt_version\":", stdout);
			json_escape(stdout, e->receipt_version);
			fputs(",\"message\":", stdout);
			json_escape(stdout, e->message);
			fputs("}", stdout);
		} else {
			char rm[VAX_ERROR_MSG_LEN + VAX_ID_LEN + 8];
			if (e->receipt_id[0])
				snprintf(rm, sizeof rm, "%s/%s", e->receipt_id, e->receipt_version);
			else
				text_copy(rm, sizeof rm, e->message);
			printf("%-6lld %-12s %-6s %-12s %-10s %-12.10s %-8d %s\n", (long long)e->seq,
			       cache_state_name(e->state), cache_op_name(e->op), cache_rtype_name(e->type),
			       e->cap.user, when, e->attempts, rm);
		}
	}
	if (c->json)
		fputs("]\n", stdout);
	free(v);
	return 0;
}

/* What the outbox holds now, in one line that matches `vaxdesk outbox`. */
struct waiting {
	int to_send, rejected, conflict, review;
};

static void waiting_count(struct cli *c, struct waiting *w)
{
	w->to_send = cache_outbox_count(c->store, 1u << CACHE_PENDING | 1u << CACHE_SENDING);
	w->rejected = cache_outbox_count(c->store, 1u << CACHE_REJECTED);
	w->conflict = cache_outbox_count(c->store, 1u << CACHE_CONFLICT);
	w->review = cache_outbox_count(c->store, 1u << CACHE_NEEDS_REVIEW);
	printf("outbox: %d waiting to be sent, %d waiting for a person (%d rejected, %d in conflict, "
	       "%d for review)\n",
	       w->to_send, w->rejected + w->conflict + w->review, w->rejected, w->conflict, w->review);
}

/* 0 only when nothing waits (cli.h). */
static int waiting_status(const struct waiting *w)
{
	if (w->rejected + w->conflict + w->review > 0)
		return EXIT_PERSON;
	return w->to_send > 0 ? EXIT_TEMPFAIL : 0;
}

static int cmd_sync(struct cli *c)
{
	struct vax_error err;
	struct waiting w;
	error_clear(&err);
	if (c->dry_run) {
		int n = cache_outbox_count(c->store, 1u << CACHE_PENDING | 1u << CACHE_SENDING);
		printf("%d entr%s would be sent; nothing was sent (--dry-run)\n", n, n == 1 ? "y" : "ies");
		waiting_count(c, &w);
		return waiting_status(&w);
	}
	if (!c->online) {
		printf("offline: nothing was sent\n");
		waiting_count(c, &w);
		return waiting_status(&w);
	}
	struct cache_sync_options o = {.batch_max = c->cfg.sync_batch};
	struct cache_sync *y = cache_sync_new(c->store, c->conn, &o);
	enum cache_sync_status st = cache_sync_run(y, &err);
	const struct cache_sync_stats *s = cache_sync_stats(y);
	printf("sync %s: accepted %d, rejected %d, conflict %d, needs review %d; "
	       "merged %d, already on the registry %d; "
	       "%d bundle(s), %d split(s), %d match(es); pending %d\n",
	       cache_sync_status_name(st), s->accepted, s->rejected, s->conflict, s->review, s->merged,
	       s->reconciled, s->bundles, s->splits, s->matches,
	       cache_outbox_count(c->store, 1u << CACHE_PENDING));
	if (st == CACHE_SYNC_OFFLINE)
		printf("offline: next probe in %lld s\n",
		       (long long)(cache_sync_next_probe(y) - (int64_t)time(NULL)));
	if (error_isset(&err))
		fprintf(stderr, "vaxdesk: %s\n", err.message);
	cache_sync_free(y);
	waiting_count(c, &w);
	if (st == CACHE_SYNC_ERROR || st == CACHE_SYNC_AUTH)
		return EXIT_FAILED;
	int status = waiting_status(&w);
	/* offline or another process sending: the rest goes later */
	return status == 0 && (st == CACHE_SYNC_OFFLINE || st == CACHE_SYNC_BUSY) ? EXIT_TEMPFAIL : status;
}

/* GET and wait (the command line only). NULL on failure, reported. */
static const struct api_result *get(struct cli *c, struct api_req *r)
{
	if (!r)
		return NULL;
	const struct api_result *res = api_req_wait(r, 60000);
	if (res->cls != API_OK) {
		fprintf(stderr, "vaxdesk: %s %s: %s\n", api_req_method(r), api_req_path(r), res->err.message);
		return NULL;
	}
	return res;
}

static int prefetch_one(struct cli *c, const char *id)
{
	struct cache_pull_outcome out;
	if (cache_pull_run(c->store, c->conn, id, 60000, &out))
		return 0;
	if (out.cls != API_OK)
		fprintf(stderr, "vaxdesk: Patient/%s: %s\n", id, out.err.message);
	else
		fprintf(stderr, "vaxdesk: Patient/%s: %d dose%s could not be stored\n", id, out.bad,
		        out.bad == 1 ? "" : "s");
	return 1;
}

static int cmd_prefetch(struct cli *c)
{
	struct vax_error err;
	if (!c->online) {
		fputs("vaxdesk: prefetch needs the registry\n", stderr);
		return EXIT_TEMPFAIL;
	}
	char **ids = c->args;
	int n = c->n_args, failed = 0;
	char **owned = NULL;
	if (c->group) {
		struct api_req *r = api_fhir_read_req(c->conn, "Group", c->group, NULL, &err);
		const struct api_result *res = r ? get(c, r) : NULL;
		cJSON *g = res ? api_fhir_read_resource(res, "Group", &err) : NULL;
		api_req_free(r);
		if (!g) {
			fprintf(stderr, "vaxdesk: Group/%s could not be read\n", c->group);
			return 1;
		}
		const cJSON *m, *members = cJSON_GetObjectItemCaseSensitive(g, "member");
		owned = xcalloc((size_t)cJSON_GetArraySize(members) + 1, sizeof *owned);
		n = 0;
		cJSON_ArrayForEach(m, members)
		{
			const cJSON *ent = cJSON_GetObjectItemCaseSensitive(m, "entity");
			const cJSON *ref = ent ? cJSON_GetObjectItemCaseSensitive(ent, "reference") : NULL;
			const char *pid =
			    cJSON_IsString(ref) ? fhir_ref_id(ref->valuestring, "Patient") : NULL;
			if (pid)
				owned[n++] = xstrdup(pid);
		}
		cJSON_Delete(g);
		ids = owned;
	}
	for (int i = 0; i < n; i++)
		failed += prefetch_one(c, ids[i]);
	printf("prefetched %d of %d client(s); %d cached in all\n", n - failed, n,
	       cache_count_clients(c->store));
	if (owned) {
		for (int i = 0; i < n; i++)
			free(owned[i]);
		free(owned);
	}
	return failed ? 1 : 0;
}

static int cmd_purge(struct cli *c)
{
	struct vax_error err;
	int n = cache_purge(c->store, (int64_t)time(NULL), c->all ? -1 : c->cfg.cache_retention_days, &err);
	if (n < 0) {
		fprintf(stderr, "vaxdesk: %s\n", err.message);
		return 1;
	}
	printf("purged %d cached client(s); %d left; %d unsent change(s) kept\n", n,
	       cache_count_clients(c->store), cache_outbox_count(c->store, CACHE_UNSENT_MASK));
	return 0;
}

/* The file route (cache/hl7file.h): works offline, as during maintenance. */
static bool cli_date(const char *s, vax_date *d)
{
	*d = DATE_NONE;
	return !s || date_parse_us(s, d) == DATE_OK || date_parse_iso(s, d) == DATE_OK;
}

static int cmd_export_hl7(struct cli *c)
{
	struct hl7file_export o = {.org = c->org, .user = c->user, .now = (int64_t)time(NULL)};
	if (!cli_date(c->from, &o.from) || !cli_date(c->to, &o.to)) {
		fprintf(stderr, "vaxdesk: --from and --to take a date (MM/DD/YYYY)\n");
		return 2;
	}
	char name[128];
	if (!c->output) {
		struct tm tm;
		time_t t = (time_t)o.now;
		gmtime_r(&t, &tm);
		snprintf(name, sizeof name, "vaxdesk-%.32s-%04d%02d%02d%02d%02d%02d.hl7", c->org,
		         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	}
	o.path = c->output ? c->output : name;
	struct vax_error err = {0};
	if (hl7file_export(c->store, &o, stdout, &err) < 0) {
		fprintf(stderr, "vaxdesk: %s\n", err.message);
		return 1;
	}
	return 0;
}

static int cmd_import_ack(struct cli *c)
{
	if (c->n_args != 1) {
		fprintf(stderr, "vaxdesk: import-ack takes the ACK file the registry wrote\n");
		return 2;
	}
	struct vax_error err = {0};
	if (hl7file_import_ack(c->store, c->args[0], stdout, &err) < 0) {
		fprintf(stderr, "vaxdesk: %s\n", err.message);
		return 1;
	}
	return 0;
}

int cache_cli_main(int argc, char **argv)
{
	struct cli c;
	memset(&c, 0, sizeof c);
	if (argc < 1 || !parse_args(&c, argc, argv)) {
		free(c.args);
		return usage(stderr, EXIT_USAGE);
	}
	if (c.help) {
		free(c.args);
		return usage(stdout, 0);
	}
	int (*fn)(struct cli *) = NULL;
	bool online = false;
	if (!strcmp(c.cmd, "sync")) {
		fn = cmd_sync;
		online = !c.dry_run;
	} else if (!strcmp(c.cmd, "outbox")) {
		fn = cmd_outbox;
	} else if (!strcmp(c.cmd, "prefetch")) {
		fn = cmd_prefetch;
		online = true;
	} else if (!strcmp(c.cmd, "purge")) {
		fn = cmd_purge;
	} else if (!strcmp(c.cmd, "export-hl7")) {
		fn = cmd_export_hl7;
	} else if (!strcmp(c.cmd, "import-ack")) {
		fn = cmd_import_ack;
	} else {
		free(c.args);
		return usage(stderr, EXIT_USAGE);
	}
	char host[64] = "workstation";
	gethostname(host, sizeof host - 1);
	config_defaults(&c.cfg, host);
	char *cpath = c.config_path ? xstrdup(c.config_path) : config_default_path();
	config_load(&c.cfg, cpath);
	free(cpath);
	for (int i = 0; i < c.cfg.n_errors; i++)
		fprintf(stderr, "vaxdesk: %s\n", c.cfg.errors[i]);
	if (c.cfg.fatal[0]) {
		fprintf(stderr, "vaxdesk: %s\n", c.cfg.fatal);
		free(c.args);
		return 2;
	}
	if (c.registry)
		text_copy(c.cfg.registry_url, sizeof c.cfg.registry_url, c.registry);
	if (c.ca_file)
		text_copy(c.cfg.ca_file, sizeof c.cfg.ca_file, c.ca_file);
	struct vax_error err;
	struct cache_store_options so = {.dir = c.data_dir};
	int status = 1;
	c.store = cache_store_open(&so, &err);
	if (!c.store)
		fprintf(stderr, "vaxdesk: %s\n", err.message);
	else if (login(&c, online))
		status = fn(&c);
	OPENSSL_cleanse(c.password, sizeof c.password);
	api_session_free(c.session);
	api_conn_free(c.conn);
	cache_store_close(c.store);
	free(c.args);
	return status;
}
