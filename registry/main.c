/* registry/main.c - vaxregd entry point: serve, init, org/user admin,
 * maintenance switch. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <openssl/crypto.h>

#include "core/codes.h"
#include "registry/routes.h"
#include "registry/auth.h"
#include "registry/demo.h"
#include "registry/server.h"
#include "registry/spool.h"
#include "registry/store.h"
#include "sys/codeload.h"
#include "sys/fileio.h"
#include "wire/wire.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: vaxregd [serve] --data DIR --listen ADDR:PORT --cert FILE --key FILE [OPTION]...\n"
	        "       vaxregd init --data DIR [--demo [--clients N [--doses N]]]\n"
	        "       vaxregd upgrade --data DIR\n"
	        "  (each command takes --database URL instead of or beside --data DIR: a PostgreSQL\n"
	        "   registry that several servers share)\n"
	        "       vaxregd org add --data DIR --code CODE --name NAME\n"
	        "       vaxregd user add --data DIR --org CODE --username NAME --role ROLE --email ADDR\n"
	        "                        [--password PW | password on stdin]\n"
	        "       vaxregd maintenance on|off --data DIR [--retry SECONDS]\n"
	        "       vaxregd record delete|restore --data DIR --type TYPE --id ID --reason TEXT\n"
	        "The vaxdesk immunization registry server (FHIR R4 over HTTPS).\n"
	        "\n"
	        "Serving:\n"
	        "  --data DIR            the registry's data directory (made by 'init')\n"
	        "  --database URL        a postgresql:// registry database instead of DIR/registry.db\n"
	        "  --replica URL         a streaming replica of that database: searches read it when it\n"
	        "                        has what the asking user wrote (else the database answers)\n"
	        "  --replica-lag SECONDS the most a replica may be behind to be read (default 5)\n"
	        "  --listen ADDR:PORT    address to serve on; port 0 picks a free one\n"
	        "  --cert FILE, --key FILE  the TLS certificate chain and private key (PEM)\n"
	        "  --threads N           worker threads (default 8)\n"
	        "  --idle-timeout SECONDS  close a connection idle this long (default 30)\n"
	        "  --tls-tickets         TLS session tickets, so a client that reconnects resumes\n"
	        "  --token-ttl SECONDS   lifetime of a login token (default 900)\n"
	        "  --reset-ttl SECONDS   lifetime of a password-reset token (default 86400)\n"
	        "  --session-max SECONDS how long a session may be renewed after its password login\n"
	        "                        (default 43200)\n"
	        "  --login-delay SECONDS wait before a login after 3 failed ones in a row, doubled\n"
	        "                        after each further one (default 15)\n"
	        "  --refresh-ttl SECONDS lifetime of a login's refresh tokens (default 28800)\n"
	        "  --device-code-ttl SECONDS  how long a device sign-in waits for approval (default 600)\n"
	        "  --device-interval SECONDS  the polling interval asked of devices (default 5)\n"
	        "  --test-device-slow-down N  test suites only: answer the first N polls of every\n"
	        "                        device code with slow_down\n"
	        "  --test-no-batch       test suites only: refuse batch Bundles, as a registry that\n"
	        "                        takes transactions only does\n"
	        "  --mail-command CMD    pipe reset mail to CMD (default: maildir DIR/mail)\n"
	        "  --maintenance-window HH:MM-HH:MM  daily maintenance window, UTC\n"
	        "  --access-log          log method, path, status, time and body bytes (never queries)\n"
	        "  --tls-priorities STR  GnuTLS priority string (default: TLS 1.2 and 1.3 with\n"
	        "                        forward secrecy and AEAD ciphers only; see vaxregd(8))\n"
	        "  --per-ip N            connections at once from one address (default 16)\n"
	        "  --header-timeout S    seconds to send a request's headers (default 10)\n"
	        "  --record DIR          write every FHIR response body to DIR, for conformance\n"
	        "                        checks in tests; the bodies hold PHI: never on a live registry\n"
	        "  --test-kdf-cost       test suites only (any command): hash new passwords with\n"
	        "                        scrypt N=2^10 instead of 2^17; serving needs a loopback\n"
	        "                        --listen address with it\n"
	        "  --spool DIR           process HL7 batch files dropped in DIR/<ORG>/ (ACK beside each)\n"
	        "  --spool-poll MS       how often the spool folder is looked at (default 2000)\n"
	        "Roles: provider (read and write), view (read only), school (read, school lists).\n"
	        "Signals: TERM/INT stop gracefully; USR1 enters maintenance, USR2 leaves it.\n"
	        "\n"
	        "  -h, --help     show this help and exit\n"
	        "  -V, --version  show the version and exit\n");
}

struct opts {
	const char *data, *database, *replica, *listen, *cert, *key, *mail, *window, *record, *tls, *spool;
	const char *code, *name, *org, *username, *role, *email, *password, *type, *id, *reason;
	int threads, token_ttl, reset_ttl, session_max, login_delay, retry, clients, doses, per_ip,
	    header_time, spool_poll, idle_timeout, replica_lag;
	int refresh_ttl, device_ttl, device_interval, test_slow_down;
	bool demo, access_log, test_kdf, tls_tickets, test_no_batch;
};

/* The dictionary dcz bodies are made with (data/wire/fhir.dict); without it
 * every client gets gzip, which is said once. */
static struct wire_dict *load_dict(void)
{
	char *bytes = NULL;
	size_t len = 0;
	struct vax_error err = {0};
	struct wire_dict *d = NULL;
	if (fileio_read_data(WIRE_DICT_FILE, &bytes, &len, &err))
		d = wire_dict_new(bytes, len, &err);
	if (!d)
		fprintf(stderr, "vaxregd: dictionary compression (dcz) is off: %s\n", err.message);
	free(bytes);
	return d;
}

static int die(const char *msg, const char *detail)
{
	fprintf(stderr, "vaxregd: %s%s%s\n", msg, detail ? ": " : "", detail ? detail : "");
	return 1;
}

/* Parse options after the command words; returns false on an error. */
static bool parse_opts(int argc, char **argv, int i, struct opts *o)
{
	for (; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		int *num = NULL;
		if (!strcmp(a, "--demo")) {
			o->demo = true;
			continue;
		}
		if (!strcmp(a, "--tls-tickets")) {
			o->tls_tickets = true;
			continue;
		}
		if (!strcmp(a, "--access-log")) {
			o->access_log = true;
			continue;
		}
		if (!strcmp(a, "--test-no-batch")) {
			o->test_no_batch = true;
			continue;
		}
		if (!strcmp(a, "--test-kdf-cost")) {
			o->test_kdf = true;
			auth_set_test_cost(true);
			continue;
		}
		if (!strcmp(a, "--data"))
			slot = &o->data;
		else if (!strcmp(a, "--database"))
			slot = &o->database;
		else if (!strcmp(a, "--replica"))
			slot = &o->replica;
		else if (!strcmp(a, "--replica-lag"))
			num = &o->replica_lag;
		else if (!strcmp(a, "--listen"))
			slot = &o->listen;
		else if (!strcmp(a, "--cert"))
			slot = &o->cert;
		else if (!strcmp(a, "--key"))
			slot = &o->key;
		else if (!strcmp(a, "--mail-command"))
			slot = &o->mail;
		else if (!strcmp(a, "--maintenance-window"))
			slot = &o->window;
		else if (!strcmp(a, "--record"))
			slot = &o->record;
		else if (!strcmp(a, "--type"))
			slot = &o->type;
		else if (!strcmp(a, "--id"))
			slot = &o->id;
		else if (!strcmp(a, "--reason"))
			slot = &o->reason;
		else if (!strcmp(a, "--tls-priorities"))
			slot = &o->tls;
		else if (!strcmp(a, "--per-ip"))
			num = &o->per_ip;
		else if (!strcmp(a, "--header-timeout"))
			num = &o->header_time;
		else if (!strcmp(a, "--code"))
			slot = &o->code;
		else if (!strcmp(a, "--name"))
			slot = &o->name;
		else if (!strcmp(a, "--org"))
			slot = &o->org;
		else if (!strcmp(a, "--username"))
			slot = &o->username;
		else if (!strcmp(a, "--role"))
			slot = &o->role;
		else if (!strcmp(a, "--email"))
			slot = &o->email;
		else if (!strcmp(a, "--password"))
			slot = &o->password;
		else if (!strcmp(a, "--threads"))
			num = &o->threads;
		else if (!strcmp(a, "--idle-timeout"))
			num = &o->idle_timeout;
		else if (!strcmp(a, "--token-ttl"))
			num = &o->token_ttl;
		else if (!strcmp(a, "--reset-ttl"))
			num = &o->reset_ttl;
		else if (!strcmp(a, "--login-delay"))
			num = &o->login_delay;
		else if (!strcmp(a, "--session-max"))
			num = &o->session_max;
		else if (!strcmp(a, "--refresh-ttl"))
			num = &o->refresh_ttl;
		else if (!strcmp(a, "--device-code-ttl"))
			num = &o->device_ttl;
		else if (!strcmp(a, "--device-interval"))
			num = &o->device_interval;
		else if (!strcmp(a, "--test-device-slow-down"))
			num = &o->test_slow_down;
		else if (!strcmp(a, "--retry"))
			num = &o->retry;
		else if (!strcmp(a, "--clients"))
			num = &o->clients;
		else if (!strcmp(a, "--doses"))
			num = &o->doses;
		else if (!strcmp(a, "--spool"))
			slot = &o->spool;
		else if (!strcmp(a, "--spool-poll"))
			num = &o->spool_poll;
		else {
			fprintf(stderr, "vaxregd: unknown option '%s' (see vaxregd --help)\n", a);
			return false;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "vaxregd: %s needs a value\n", a);
			return false;
		}
		if (slot) {
			*slot = argv[++i];
		} else {
			char *end;
			long v = strtol(argv[++i], &end, 10);
			if (*end || v <= 0 || v > 100000000) {
				fprintf(stderr, "vaxregd: %s takes a positive number\n", a);
				return false;
			}
			*num = (int)v;
		}
	}
	return true;
}

/* The registry's store: the database URL if one is given (several
 * servers share it), else the data directory's SQLite file. */
static const char *store_where(const struct opts *o)
{
	return o->database ? o->database : o->data;
}

static struct store *open_store(const struct opts *o)
{
	if (!store_where(o)) {
		die("--data DIR (or --database URL) is required", NULL);
		return NULL;
	}
	struct vax_error err = {0};
	struct store *st = store_open(store_where(o), &err);
	if (!st)
		die(err.message, NULL);
	return st;
}

/* The registry administrator deletes a record (a client is never deleted by
 * an organization) or brings back the last version before a deletion. Both
 * are new versions, so nothing is lost, and both are audited with the
 * reason. */
static int cmd_record(const char *what, const struct opts *o)
{
	bool del = !strcmp(what, "delete");
	if (!del && strcmp(what, "restore"))
		return die("say 'record delete' or 'record restore'", NULL);
	if (!o->type || !o->id || !o->reason || !*o->reason)
		return die("record delete|restore needs --type, --id and --reason", NULL);
	struct store *st = open_store(o);
	if (!st)
		return 1;
	struct vax_error err = {0};
	struct store_res cur = {0}, h[64];
	int rc = 0, n = 0;
	int found = store_read(st, o->type, o->id, 0, &cur, &err);
	if (found <= 0) {
		rc = die(found < 0 ? err.message : "no such record", NULL);
		goto out;
	}
	if (del == cur.deleted) {
		rc = die(del ? "the record is deleted already" : "the record is not deleted", NULL);
		goto out;
	}
	cJSON *res = NULL;
	if (!del) {
		n = store_history(st, o->type, o->id, h, 64, &err);
		for (int i = 0; i < n && !res; i++)
			if (!h[i].deleted && h[i].json)
				res = cJSON_Parse(h[i].json);
		if (!res) {
			rc = die("no earlier version to restore", NULL);
			goto out;
		}
	}
	long version;
	char action[64];
	snprintf(action, sizeof action, "admin-%s", what);
	if (!store_begin(st, &err) ||
	    !store_write(st, o->type, o->id, cur.org, res, del, (int64_t)time(NULL), &version, &err) ||
	    !store_audit(st, "registry-administrator", "", action, o->type, o->id, (int64_t)time(NULL),
	                 &err) ||
	    !store_commit(st, &err)) {
		store_rollback(st);
		rc = die(err.message, NULL);
	} else {
		printf("vaxregd: %s/%s %s (version %ld): %s\n", o->type, o->id, del ? "deleted" : "restored",
		       version, o->reason);
	}
	cJSON_Delete(res);
out:
	for (int i = 0; i < n; i++)
		store_res_free(&h[i]);
	store_res_free(&cur);
	store_close(st);
	return rc;
}

static int cmd_org_add(const struct opts *o)
{
	if (!o->code || !o->name)
		return die("org add needs --code and --name", NULL);
	struct store *st = open_store(o);
	if (!st)
		return 1;
	struct vax_error err = {0};
	bool ok = store_begin(st, &err) && demo_org_add(st, o->code, o->name, (int64_t)time(NULL), &err) &&
	          store_commit(st, &err);
	if (!ok)
		store_rollback(st);
	store_close(st);
	if (!ok)
		return die(err.message, NULL);
	printf("organization %s added\n", o->code);
	return 0;
}

static int cmd_user_add(const struct opts *o)
{
	if (!o->org || !o->username || !o->role || !o->email)
		return die("user add needs --org, --username, --role and --email", NULL);
	if (strcmp(o->role, "provider") && strcmp(o->role, "view") && strcmp(o->role, "school"))
		return die("--role must be provider, view or school", NULL);
	char pw[128] = "";
	if (o->password) {
		snprintf(pw, sizeof pw, "%s", o->password);
	} else {
		if (isatty(0))
			fprintf(stderr, "Password for %s: ", o->username);
		if (!fgets(pw, sizeof pw, stdin))
			pw[0] = '\0';
		pw[strcspn(pw, "\r\n")] = '\0';
	}
	struct store *st = open_store(o);
	if (!st)
		return 1;
	struct vax_error err = {0};
	bool ok = store_begin(st, &err) &&
	          demo_user_add(st, o->org, o->username, o->role, o->email, pw[0] ? pw : NULL, &err) &&
	          store_commit(st, &err);
	if (!ok)
		store_rollback(st);
	OPENSSL_cleanse(pw, sizeof pw);
	store_close(st);
	if (!ok)
		return die(err.message, NULL);
	printf("user %s is %s at %s\n", o->username, o->role, o->org);
	return 0;
}

static int cmd_init(const struct opts *o)
{
	struct store *st = open_store(o);
	if (!st)
		return 1;
	int rc = 0;
	if (o->demo) {
		struct vax_error err = {0};
		bool ok = o->clients
		              ? demo_load_n(st, (int64_t)time(NULL), o->clients, o->doses, stdout, &err)
		              : demo_load(st, (int64_t)time(NULL), stdout, &err);
		if (!ok)
			rc = die(err.message, NULL);
	} else {
		printf("vaxregd: registry initialized in %s\n", o->database ? "the database" : o->data);
	}
	store_close(st);
	return rc;
}

static int cmd_upgrade(const struct opts *o)
{
	if (!store_where(o))
		return die("--data DIR (or --database URL) is required", NULL);
	struct vax_error err = {0};
	if (!store_upgrade(store_where(o), stdout, &err))
		return die(err.message, NULL);
	return 0;
}

/* Maintenance for every server of a registry: a setting in its database. */
static int maintenance_db(const char *onoff, const struct opts *o)
{
	bool on = !strcmp(onoff, "on");
	if (!on && strcmp(onoff, "off"))
		return die("say 'maintenance on' or 'maintenance off'", NULL);
	struct store *st = open_store(o);
	if (!st)
		return 1;
	char buf[32];
	snprintf(buf, sizeof buf, "%d", o->retry > 0 ? o->retry : 600);
	struct vax_error err = {0};
	bool ok = store_setting_set(st, "maintenance", on ? buf : NULL, &err);
	store_close(st);
	if (!ok)
		return die(err.message, NULL);
	printf(on ? "vaxregd: maintenance on; every request to every server now gets 503\n"
	          : "vaxregd: maintenance off\n");
	return 0;
}

static int cmd_maintenance(const char *onoff, const struct opts *o)
{
	if (o->database)
		return maintenance_db(onoff, o);
	if (!o->data)
		return die("--data DIR (or --database URL) is required", NULL);
	char *path = fileio_join(o->data, "maintenance");
	int rc = 0;
	if (!strcmp(onoff, "on")) {
		char buf[32];
		int n = snprintf(buf, sizeof buf, "%d\n", o->retry > 0 ? o->retry : 600);
		struct vax_error err = {0};
		if (!fileio_write_atomic(path, buf, (size_t)n, 0644, &err))
			rc = die(err.message, NULL);
		else
			printf("vaxregd: maintenance on; every request now gets 503\n");
	} else if (!strcmp(onoff, "off")) {
		if (unlink(path) != 0 && errno != ENOENT)
			rc = die("cannot remove the maintenance flag", strerror(errno));
		else
			printf("vaxregd: maintenance off\n");
	} else {
		rc = die("say 'maintenance on' or 'maintenance off'", NULL);
	}
	free(path);
	return rc;
}

static bool parse_window(const char *w, int *start, int *end)
{
	int h1, m1, h2, m2;
	char tail;
	if (sscanf(w, "%d:%d-%d:%d%c", &h1, &m1, &h2, &m2, &tail) != 4 || h1 < 0 || h1 > 23 || h2 < 0 ||
	    h2 > 23 || m1 < 0 || m1 > 59 || m2 < 0 || m2 > 59)
		return false;
	*start = h1 * 60 + m1;
	*end = h2 * 60 + m2;
	return true;
}

static int cmd_serve(const struct opts *o)
{
	if (!o->cert || !o->key)
		return die("--cert FILE and --key FILE are required (vaxregd serves HTTPS only)", NULL);
	/* with the registry in a database, DIR still holds this server's
	 * mail spool and maintenance flag */
	if (o->data && o->database && mkdir(o->data, 0700) != 0 && errno != EEXIST)
		return die("cannot make the data directory", strerror(errno));
	struct registry_config cfg = {.datadir = o->data,
	                              .token_ttl = o->token_ttl,
	                              .reset_ttl = o->reset_ttl,
	                              .login_delay = o->login_delay,
	                              .session_max = o->session_max,
	                              .refresh_ttl = o->refresh_ttl,
	                              .device_ttl = o->device_ttl,
	                              .device_interval = o->device_interval,
	                              .test_slow_down = o->test_slow_down,
	                              .test_no_batch = o->test_no_batch,
	                              .mail_command = o->mail,
	                              .maint_start = -1,
	                              .maint_end = -1};
	if (o->window && !parse_window(o->window, &cfg.maint_start, &cfg.maint_end))
		return die("--maintenance-window takes HH:MM-HH:MM (UTC)", NULL);
	if (o->test_kdf) {
		/* cheap hashes are for a test suite's registry, never one a network reaches */
		if (o->listen && strncmp(o->listen, "127.", 4))
			return die("--test-kdf-cost is for test suites: it needs a loopback --listen address",
			           NULL);
		fprintf(stderr, "vaxregd: --test-kdf-cost: new passwords get cheap hashes (tests only)\n");
	}

	/* signals are taken by sigwait below; block them before any thread starts */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct store *st = open_store(o);
	if (!st)
		return 1;
	struct vax_error err = {0};
	if (o->replica && !store_set_replica(st, o->replica, o->replica_lag, &err)) {
		store_close(st);
		return die(err.message, NULL);
	}
	char *codes_dir = fileio_join(fileio_datadir(), "codes");
	struct codes *codes = codes_new();
	if (!codeload_dir(codes, codes_dir, &err)) {
		fprintf(stderr, "vaxregd: %s\n", err.message);
		codes_free(&codes);
		free(codes_dir);
		store_close(st);
		return 1;
	}
	free(codes_dir);
	/* Loaded once: $immds-forecast shares it read-only across threads.
	 * Without it the registry still serves records; the operation says why
	 * it is missing. */
	char cdsi_dir[4096];
	struct cdsi_data *cdsi = cdsi_data_load(cdsi_data_dir(cdsi_dir, sizeof cdsi_dir), &err);
	if (!cdsi)
		fprintf(stderr, "vaxregd: $immds-forecast is off: %s\n", err.message);
	cfg.cdsi = cdsi;
	char school_path[4096];
	struct school_reqs *school = NULL;
	if (cdsi && !(school = school_load(school_texas_path(school_path, sizeof school_path), cdsi, &err)))
		fprintf(stderr, "vaxregd: $school-compliance is off: %s\n", err.message);
	cfg.school = school;
	struct registry *a = registry_new(st, codes, &cfg);
	struct wire_dict *dict = load_dict();
	/* servers sharing a database share the TLS ticket key: a client
	 * resumes its session with whichever answers */
	char ticket[300] = "";
	if (o->database && o->tls_tickets) {
		gnutls_datum_t k = {0}, hex = {0};
		if (gnutls_session_ticket_key_generate(&k) == GNUTLS_E_SUCCESS &&
		    gnutls_hex_encode2(&k, &hex) == GNUTLS_E_SUCCESS &&
		    !store_setting_init(st, "tls-ticket-key", (const char *)hex.data, ticket, sizeof ticket,
		                        &err))
			ticket[0] = '\0';
		if (k.data) {
			gnutls_memset(k.data, 0, k.size);
			gnutls_free(k.data);
		}
		gnutls_free(hex.data);
	}
	struct server_opts so = {.listen = o->listen,
	                         .ticket_key = ticket[0] ? ticket : NULL,
	                         .cert_file = o->cert,
	                         .key_file = o->key,
	                         .threads = (unsigned)o->threads,
	                         .timeout = (unsigned)o->idle_timeout,
	                         .tls_tickets = o->tls_tickets,
	                         .access_log = o->access_log,
	                         .record_dir = o->record,
	                         .tls_priorities = o->tls,
	                         .per_ip = (unsigned)o->per_ip,
	                         .header_time = (unsigned)o->header_time,
	                         .dict = dict};
	char url[160];
	struct server *srv = server_start(a, &so, url, sizeof url, &err);
	if (!srv) {
		registry_free(a);
		wire_dict_free(dict);
		school_free(school);
		cdsi_data_free(cdsi);
		codes_free(&codes);
		store_close(st);
		return die(err.message, NULL);
	}
	struct spool *spool = NULL;
	int rc = 0;
	if (o->spool && !(spool = spool_start(a, o->spool, o->spool_poll, &err)))
		rc = die(err.message, NULL);
	else
		printf("vaxregd: serving %s\n", url);
	fflush(stdout);
	for (; !rc;) {
		int sig;
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGUSR1) {
			registry_set_maintenance(a, 1);
			fprintf(stderr, "vaxregd: maintenance on (signal)\n");
		} else if (sig == SIGUSR2) {
			registry_set_maintenance(a, -1);
			fprintf(stderr, "vaxregd: maintenance by flag file and window\n");
		} else if (sig == SIGHUP) {
			continue;
		} else {
			break;
		}
	}
	if (!rc)
		fprintf(stderr, "vaxregd: stopping\n");
	spool_stop(&spool);
	server_stop(srv);
	registry_free(a);
	wire_dict_free(dict);
	school_free(school);
	cdsi_data_free(cdsi);
	codes_free(&codes);
	store_close(st);
	return rc;
}

int main(int argc, char **argv)
{
	/* a core file of the registry would hold clients' records in the clear */
	struct rlimit no_core = {0, 0};
	setrlimit(RLIMIT_CORE, &no_core);
	struct opts o = {0};
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
			printf("vaxregd %s\n", PACKAGE_VERSION);
			return 0;
		}
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "init"))
		return parse_opts(argc, argv, 2, &o) ? cmd_init(&o) : 2;
	if (!strcmp(cmd, "upgrade"))
		return parse_opts(argc, argv, 2, &o) ? cmd_upgrade(&o) : 2;
	if (!strcmp(cmd, "org") && argc > 2 && !strcmp(argv[2], "add"))
		return parse_opts(argc, argv, 3, &o) ? cmd_org_add(&o) : 2;
	if (!strcmp(cmd, "user") && argc > 2 && !strcmp(argv[2], "add"))
		return parse_opts(argc, argv, 3, &o) ? cmd_user_add(&o) : 2;
	if (!strcmp(cmd, "maintenance") && argc > 2)
		return parse_opts(argc, argv, 3, &o) ? cmd_maintenance(argv[2], &o) : 2;
	if (!strcmp(cmd, "record") && argc > 2)
		return parse_opts(argc, argv, 3, &o) ? cmd_record(argv[2], &o) : 2;
	if (!strcmp(cmd, "serve"))
		return parse_opts(argc, argv, 2, &o) ? cmd_serve(&o) : 2;
	if (cmd[0] == '-')
		return parse_opts(argc, argv, 1, &o) ? cmd_serve(&o) : 2;
	fprintf(stderr, "vaxregd: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
