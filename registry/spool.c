/* registry/spool.c - see spool.h */
#include "registry/spool.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/xalloc.h"
#include "registry/routes_hl7.h"
#include "sys/fileio.h"

#define MAX_SEEN 512

struct seen {
	char path[4096];
	off_t size;
	time_t mtime;
};

struct spool {
	struct registry *a;
	char *dir;
	int poll_ms;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	struct seen *seen;
	int nseen;
};

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), k = strlen(tail);
	return n >= k && !strcmp(s + n - k, tail);
}

static bool org_name_ok(const char *s)
{
	if (!*s || strlen(s) > 32)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_'))
			return false;
	return true;
}

/* True once a file looked the same on two scans in a row. */
static bool settled(struct spool *sp, const char *path, const struct stat *st)
{
	for (int i = 0; i < sp->nseen; i++)
		if (!strcmp(sp->seen[i].path, path)) {
			bool same = sp->seen[i].size == st->st_size && sp->seen[i].mtime == st->st_mtime;
			sp->seen[i].size = st->st_size;
			sp->seen[i].mtime = st->st_mtime;
			return same;
		}
	int k = sp->nseen < MAX_SEEN ? sp->nseen++ : (int)(st->st_mtime % MAX_SEEN);
	snprintf(sp->seen[k].path, sizeof sp->seen[k].path, "%s", path);
	sp->seen[k].size = st->st_size;
	sp->seen[k].mtime = st->st_mtime;
	return false;
}

static void process(struct spool *sp, const char *org, const char *name, const char *path)
{
	int64_t now = (int64_t)time(NULL);
	char *text = NULL;
	size_t len = 0;
	struct vax_error err = {0};
	char *ack = NULL;
	size_t n = 0;
	char code[4] = "AR";
	char bearer[96];
	if (!fileio_read(path, &text, &len, &err)) {
		fprintf(stderr, "vaxregd: spool %s/%s: %s\n", org, name, err.message);
		return;
	}
	if (!reg_hl7_system_session(sp->a, SPOOL_USER, org, now, bearer, sizeof bearer)) {
		fprintf(stderr, "vaxregd: spool folder '%s' is not an organization code; its files wait\n",
		        org);
		free(text);
		return;
	}
	ack = reg_hl7_answer(sp->a, bearer, text, len, now, &n, code);
	reg_hl7_end_session(sp->a, bearer, now);
	char *out = xmalloc(strlen(path) + 8);
	sprintf(out, "%s.ack", path);
	if (!fileio_write_atomic(out, ack, n, 0640, &err))
		fprintf(stderr, "vaxregd: spool %s/%s: %s\n", org, name, err.message);
	else
		fprintf(stderr, "vaxregd: spool %s/%s answered (%s)\n", org, name, code);
	free(out);
	free(ack);
	free(text);
}

static void scan(struct spool *sp)
{
	DIR *top = opendir(sp->dir);
	if (!top)
		return;
	struct dirent *od;
	while ((od = readdir(top))) {
		if (od->d_name[0] == '.' || !org_name_ok(od->d_name))
			continue;
		char *odir = fileio_join(sp->dir, od->d_name);
		DIR *d = opendir(odir);
		if (!d) {
			free(odir);
			continue;
		}
		struct dirent *fe;
		while ((fe = readdir(d))) {
			const char *nm = fe->d_name;
			if (nm[0] == '.' || ends_with(nm, ".ack") || ends_with(nm, ".tmp") ||
			    ends_with(nm, ".part"))
				continue;
			char *path = fileio_join(odir, nm);
			char *ackp = xmalloc(strlen(path) + 8);
			sprintf(ackp, "%s.ack", path);
			struct stat st, ast;
			int64_t now = (int64_t)time(NULL);
			int retry;
			bool go = stat(path, &st) == 0 && S_ISREG(st.st_mode) && stat(ackp, &ast) != 0 &&
			          settled(sp, path, &st) && !registry_in_maintenance(sp->a, now, &retry);
			if (go)
				process(sp, od->d_name, nm, path);
			free(ackp);
			free(path);
			pthread_mutex_lock(&sp->mu);
			bool stop = sp->stop;
			pthread_mutex_unlock(&sp->mu);
			if (stop)
				break;
		}
		closedir(d);
		free(odir);
	}
	closedir(top);
}

static void *run(void *arg)
{
	struct spool *sp = arg;
	pthread_mutex_lock(&sp->mu);
	while (!sp->stop) {
		pthread_mutex_unlock(&sp->mu);
		scan(sp);
		pthread_mutex_lock(&sp->mu);
		if (sp->stop)
			break;
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_sec += sp->poll_ms / 1000;
		t.tv_nsec += (long)(sp->poll_ms % 1000) * 1000000L;
		if (t.tv_nsec >= 1000000000L)
			t.tv_sec++, t.tv_nsec -= 1000000000L;
		pthread_cond_timedwait(&sp->cv, &sp->mu, &t);
	}
	pthread_mutex_unlock(&sp->mu);
	return NULL;
}

struct spool *spool_start(struct registry *a, const char *dir, int poll_ms, struct vax_error *err)
{
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		error_set(err, "SPOOL-DIR", "cannot make the spool folder %s: %s", dir, strerror(errno));
		return NULL;
	}
	struct spool *sp = xcalloc(1, sizeof *sp);
	sp->a = a;
	sp->dir = xstrdup(dir);
	sp->poll_ms = poll_ms > 0 ? poll_ms : 2000;
	sp->seen = xcalloc(MAX_SEEN, sizeof *sp->seen);
	pthread_mutex_init(&sp->mu, NULL);
	pthread_cond_init(&sp->cv, NULL);
	if (pthread_create(&sp->th, NULL, run, sp) != 0) {
		error_set(err, "SPOOL-THREAD", "cannot start the spool thread");
		free(sp->seen);
		free(sp->dir);
		free(sp);
		return NULL;
	}
	return sp;
}

void spool_stop(struct spool **spp)
{
	if (!spp || !*spp)
		return;
	struct spool *sp = *spp;
	pthread_mutex_lock(&sp->mu);
	sp->stop = true;
	pthread_cond_signal(&sp->cv);
	pthread_mutex_unlock(&sp->mu);
	pthread_join(sp->th, NULL);
	pthread_mutex_destroy(&sp->mu);
	pthread_cond_destroy(&sp->cv);
	free(sp->seen);
	free(sp->dir);
	free(sp);
	*spp = NULL;
}
