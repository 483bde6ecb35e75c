/* print/task.c - see task.h. */
#include "print/task.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "print/lp.h"
#include "sys/fileio.h"

struct print_task {
	struct task_spec spec;
	char *printer, *title, *path; /* copies */
	char *tmp;                    /* the document while it is made */
	pthread_t thread;
	bool joined;
	atomic_bool finished; /* the worker is done (ok or not) */
	volatile bool cancel;
	bool ok;
	struct vax_error err;
	struct lp_job *lp;
	enum task_state state;
	char words[600];
};

static void *worker(void *arg)
{
	struct print_task *t = arg;
	t->ok = t->spec.make(t->tmp, t->spec.paper, t->spec.data, &t->cancel, &t->err);
	atomic_store(&t->finished, true);
	return NULL;
}

struct print_task *task_start(const struct task_spec *s, struct vax_error *err)
{
	struct print_task *t = xcalloc(1, sizeof *t);
	t->spec = *s;
	t->printer = xstrdup(s->printer ? s->printer : "");
	t->title = xstrdup(s->title && *s->title ? s->title : "vaxdesk");
	t->path = xstrdup(s->path ? s->path : "");
	t->tmp = lp_temp_path("vaxdesk-doc", err);
	if (!t->tmp) {
		task_free(&t);
		return NULL;
	}
	atomic_init(&t->finished, false);
	t->state = TASK_DRAWING;
	int rc = pthread_create(&t->thread, NULL, worker, t);
	if (rc != 0) {
		t->joined = true;
		error_set(err, "PRINT-THREAD", "The document cannot be made now: %s.", strerror(rc));
		task_free(&t);
		return NULL;
	}
	return t;
}

static void fail(struct print_task *t, const char *msg)
{
	t->state = TASK_FAILED;
	snprintf(t->words, sizeof t->words, "%s", msg);
}

/* The document is drawn: print it or put it in place. */
static void deliver(struct print_task *t)
{
	if (!t->ok) {
		if (t->cancel)
			t->state = TASK_CANCELLED, snprintf(t->words, sizeof t->words, "Stopped.");
		else
			fail(t, t->err.message);
		unlink(t->tmp);
		return;
	}
	struct vax_error err = {0};
	if (t->spec.dest == TASK_FILE) {
		/* the temporary may sit on another file system than the target */
		if (rename(t->tmp, t->path) != 0) {
			char *buf;
			size_t len;
			bool ok = fileio_read(t->tmp, &buf, &len, &err) &&
			          fileio_write_atomic(t->path, buf, len, 0600, &err);
			if (ok)
				free(buf);
			unlink(t->tmp);
			if (!ok) {
				fail(t, err.message);
				return;
			}
		}
		t->state = TASK_DONE;
		snprintf(t->words, sizeof t->words, "Saved to %s.", t->path);
		return;
	}
	t->lp = lp_start(t->tmp, t->printer, t->title, t->spec.paper, true, &err);
	if (!t->lp) {
		unlink(t->tmp);
		fail(t, err.message);
		return;
	}
	t->state = TASK_PRINTING;
}

enum task_state task_poll(struct print_task *t, char *words, size_t len)
{
	if (t->state == TASK_DRAWING && atomic_load(&t->finished)) {
		pthread_join(t->thread, NULL);
		t->joined = true;
		deliver(t);
	}
	if (t->state == TASK_PRINTING) {
		char req[128];
		struct vax_error err = {0};
		int r = lp_poll(t->lp, req, sizeof req, &err);
		if (r > 0) {
			t->state = TASK_DONE;
			if (req[0])
				snprintf(t->words, sizeof t->words, "Sent to printer %s (request %s).",
				         t->printer[0] ? t->printer : "(the default)", req);
			else
				snprintf(t->words, sizeof t->words, "Sent to printer %s.",
				         t->printer[0] ? t->printer : "(the default)");
		} else if (r < 0) {
			fail(t, err.message);
		}
		if (r != 0)
			lp_free(&t->lp);
	}
	if (words && len)
		snprintf(words, len, "%s", t->words);
	return t->state;
}

void task_cancel(struct print_task *t)
{
	t->cancel = true;
}

void task_free(struct print_task **tp)
{
	struct print_task *t = *tp;
	if (!t)
		return;
	t->cancel = true;
	if (!t->joined && t->tmp) {
		pthread_join(t->thread, NULL);
		t->joined = true;
		if (t->state == TASK_DRAWING)
			unlink(t->tmp);
	}
	lp_free(&t->lp);
	if (t->spec.free_data)
		t->spec.free_data(t->spec.data);
	free(t->printer);
	free(t->title);
	free(t->path);
	free(t->tmp);
	free(t);
	*tp = NULL;
}
