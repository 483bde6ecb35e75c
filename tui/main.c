/* tui/main.c - vaxdesk entry point: options, configuration, keymaps, then
 * the terminal and its one loop (tui/app.c). */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cache/cli.h"
#include "core/codes.h"
#include "core/county.h"
#include "core/xalloc.h"
#include "print/pdf.h"
#include "sys/fileio.h"
#include "tui/tui.h"
#include "wire/wire.h"

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: vaxdesk [OPTION]...\n"
	    "       vaxdesk sync|outbox|prefetch|purge|export-hl7|import-ack [OPTION]...  (see vaxdesk(1))\n"
	    "Record immunizations in a state registry, online or offline.\n"
	    "\n"
	    "  -c, --config FILE      read settings from FILE (default\n"
	    "                         $XDG_CONFIG_HOME/vaxdesk/vaxdesk.conf)\n"
	    "  -k, --keys NAME|FILE   extra keymap: \"vi\" for the shipped vi keys, or a keys file\n"
	    "                         (loaded after the defaults, before\n"
	    "                         $XDG_CONFIG_HOME/vaxdesk/keys)\n"
	    "      --check-keys FILE  check a keys file, print its errors as file:line, and exit\n"
	    "      --login-notice FILE  show the text in FILE under the login form\n"
	    "  -h, --help             show this help and exit\n"
	    "  -V, --version          show the version and exit\n"
	    "\n"
	    "Environment: VAXDESK_SCRIPT=FILE feeds keys and commands from FILE;\n"
	    "VAXDESK_NO_DISPLAY=1 runs without a terminal (with VAXDESK_SCRIPT);\n"
	    "NO_COLOR turns colour off.\n");
}

static void note_add(struct app *a, const char *msg)
{
	a->notes = xrealloc(a->notes, (a->n_notes + 1) * sizeof *a->notes);
	a->notes[a->n_notes++] = xstrdup(msg);
}

static char *xdg_path(const char *name)
{
	const char *x = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	char buf[4096];
	if (x && *x)
		snprintf(buf, sizeof buf, "%s/vaxdesk/%s", x, name);
	else if (home && *home)
		snprintf(buf, sizeof buf, "%s/.config/vaxdesk/%s", home, name);
	else
		return NULL;
	return xstrdup(buf);
}

/* The shipped vi.keys: beside the data in a build tree, or installed. */
static bool find_shipped_keys(const char *name, char *out, size_t len)
{
	const char *dd = getenv("VAXDESK_DATADIR");
	const char *sub[] = {"", "/.."};
	for (int i = 0; dd && *dd && i < 2; i++) {
		snprintf(out, len, "%s%s/keymaps/%s.keys", dd, sub[i], name);
		if (access(out, R_OK) == 0)
			return true;
	}
	snprintf(out, len, "%s/keymaps/%s.keys", VAX_DATADIR, name);
	return access(out, R_OK) == 0;
}

static void load_keys(struct app *a, const char *extra)
{
	struct keymap_errors errs = {0};
	a->keys = keymap_set_new();
	keymap_load_defaults(a->keys, &errs);
	if (extra) {
		char path[4096];
		if (strchr(extra, '/') || !find_shipped_keys(extra, path, sizeof path))
			snprintf(path, sizeof path, "%s", extra);
		keymap_load_file(a->keys, path, &errs);
	}
	char *user = xdg_path("keys");
	if (user && access(user, F_OK) == 0)
		keymap_load_file(a->keys, user, &errs);
	free(user);
	for (size_t i = 0; i < errs.count; i++)
		note_add(a, errs.msgs[i]);
	if (errs.dropped) {
		char m[64];
		snprintf(m, sizeof m, "%zu more errors in keys files", errs.dropped);
		note_add(a, m);
	}
	keymap_errors_free(&errs);
}

/* The registry connection from vaxdesk.conf; NULL (with a note) if none. */
static struct api_conn *open_registry(struct app *a)
{
	if (!a->cfg.registry_url[0])
		return NULL;
	struct vax_error err;
	if (!api_global_init(&err)) {
		note_add(a, err.message);
		return NULL;
	}
	/* the wire dictionary: without it bodies go as gzip, nothing to say */
	char *dict = NULL;
	size_t dict_len = 0;
	struct vax_error derr;
	if (!fileio_read_data(WIRE_DICT_FILE, &dict, &dict_len, &derr))
		dict = NULL;
	struct api_conn_config cc = {
	    .base_url = a->cfg.registry_url,
	    .ca_file = a->cfg.ca_file[0] ? a->cfg.ca_file : NULL,
	    .pinned_pubkey = a->cfg.pinned_pubkey[0] ? a->cfg.pinned_pubkey : NULL,
	    .connect_timeout_ms = a->cfg.connect_timeout_seconds * 1000L,
	    .dict = dict,
	    .dict_len = dict_len,
	};
	struct api_conn *conn = api_conn_new(&cc, &err);
	free(dict);
	if (!conn)
		note_add(a, err.message);
	return conn;
}

/* What the workstation brings to sign in (vaxdesk.conf), and the
 * organization a sign-in that names none works for. */
static void configure_sign_in(struct app *a)
{
	char org[64];
	config_default_org(&a->cfg, org, sizeof org);
	session_set_default_org(a->sess, org);
	struct api_session *as = session_api(a->sess);
	if (!as)
		return;
	static char secret[512], bearer[API_TOKEN_MAX];
	struct api_auth_config ac = {.client_id = a->cfg.client_id};
	struct vax_error err;
	if (a->cfg.client_secret_file[0]) {
		if (api_secret_file_read(a->cfg.client_secret_file, secret, sizeof secret, &err))
			ac.client_secret = secret;
		else
			note_add(a, err.message);
	}
	if (a->cfg.token_file[0]) {
		if (api_secret_file_read(a->cfg.token_file, bearer, sizeof bearer, &err))
			ac.bearer = bearer;
		else
			note_add(a, err.message);
	}
	api_session_configure(as, &ac);
	OPENSSL_cleanse(secret, sizeof secret);
	OPENSSL_cleanse(bearer, sizeof bearer);
}

static struct cache_store *open_store(struct app *a)
{
	struct cache_store_options so = {0};
	struct vax_error err;
	struct cache_store *store = cache_store_open(&so, &err);
	if (!store) {
		char m[VAX_ERROR_MSG_LEN + 64];
		snprintf(m, sizeof m, "Local store (offline work) unavailable: %s", err.message);
		note_add(a, m);
	}
	return store;
}

static void app_free(struct app *a)
{
	reports_stop(a);
	pdf_shutdown(); /* after the last document: fontconfig's caches */
	app_close_all(a);
	app_sync_free(a); /* before the store and the connection it uses */
	app_lots_free(a);
	struct cache_store *store = a->sess ? session_store_handle(a->sess) : NULL;
	struct api_conn *conn = a->sess ? session_conn(a->sess) : NULL;
	session_free(&a->sess);
	cache_store_close(store);
	if (conn)
		api_conn_free(conn);
	codes_free(&a->codes);
	county_list_free(&a->counties);
	forecast_data_free(&a->forecast);
	keymap_set_free(&a->keys);
	for (size_t i = 0; i < a->n_notes; i++)
		free(a->notes[i]);
	free(a->notes);
	free(a->login_notice);
	input_script_close(a);
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	/* no core files: they would hold PHI and the session token */
	struct rlimit rl = {0, 0};
	setrlimit(RLIMIT_CORE, &rl);
	/* nor may another process of the same user read our memory (ptrace,
	 * /proc/PID/mem): it holds the store key and clients' records */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	if (argc > 1 &&
	    (!strcmp(argv[1], "sync") || !strcmp(argv[1], "outbox") || !strcmp(argv[1], "prefetch") ||
	     !strcmp(argv[1], "purge") || !strcmp(argv[1], "export-hl7") || !strcmp(argv[1], "import-ack")))
		return cache_cli_main(argc - 1, argv + 1);

	const char *config_path = NULL, *keys = NULL, *notice = NULL;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(o, "--version") || !strcmp(o, "-V")) {
			printf("vaxdesk %s\n", PACKAGE_VERSION);
			return 0;
		}
		const char **slot = NULL;
		if (!strcmp(o, "--check-keys")) {
			if (i + 1 >= argc) {
				fputs("vaxdesk: --check-keys needs a FILE\n", stderr);
				return 2;
			}
			return keymap_check_file(argv[i + 1], stderr);
		} else if (!strcmp(o, "--config") || !strcmp(o, "-c")) {
			slot = &config_path;
		} else if (!strcmp(o, "--keys") || !strcmp(o, "-k")) {
			slot = &keys;
		} else if (!strcmp(o, "--login-notice")) {
			slot = &notice;
		}
		if (!slot) {
			fprintf(stderr, "vaxdesk: unknown option '%s'\n", o);
			usage(stderr);
			return 2;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "vaxdesk: %s needs a value\n", o);
			return 2;
		}
		*slot = argv[++i];
	}

	static struct app app;
	struct app *a = &app;
	char host[64] = "";
	gethostname(host, sizeof host - 1);
	config_defaults(&a->cfg, host);
	char *cpath = config_path ? xstrdup(config_path) : config_default_path();
	if (cpath)
		config_load(&a->cfg, cpath);
	if (config_path && access(config_path, R_OK) != 0) {
		fprintf(stderr, "vaxdesk: cannot read %s: %s\n", config_path, strerror(errno));
		free(cpath);
		return 2;
	}
	free(cpath);
	if (a->cfg.fatal[0]) {
		fprintf(stderr, "vaxdesk: %s\n", a->cfg.fatal);
		return 2;
	}
	for (int i = 0; i < a->cfg.n_errors; i++)
		note_add(a, a->cfg.errors[i]);
	a->idle_lock_ms = (int64_t)a->cfg.idle_lock_minutes * 60 * 1000;
	if (notice) {
		FILE *f = fopen(notice, "r");
		if (!f) {
			fprintf(stderr, "vaxdesk: cannot read %s: %s\n", notice, strerror(errno));
			return 2;
		}
		char buf[2048];
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		a->login_notice = xstrdup(buf);
	}
	if (!keys && a->cfg.keys[0])
		keys = a->cfg.keys;
	load_keys(a, keys);

	const char *script = getenv("VAXDESK_SCRIPT");
	const char *nd = getenv("VAXDESK_NO_DISPLAY");
	a->no_display = nd && *nd && strcmp(nd, "0") != 0;
	if (a->no_display && !(script && *script)) {
		fputs("vaxdesk: VAXDESK_NO_DISPLAY needs VAXDESK_SCRIPT\n", stderr);
		app_free(a);
		return 2;
	}
	if (script && *script && !input_script_open(a, script)) {
		app_free(a);
		return 2;
	}
	struct api_conn *conn = open_registry(a);
	a->sess = session_new(open_store(a), conn);
	configure_sign_in(a);
	if (!term_open(a)) {
		app_free(a);
		return 1;
	}
	int status = app_run(a);
	term_close();
	app_free(a);
	return status;
}
