/* print/task.h - making a document away from the input loop and sending it
 * where it goes.
 *
 * A worker thread draws the document into a temporary file (a recall run can
 * be thousands of pages; drawing them takes seconds), then the file is
 * handed to lp (print/lp.h) or moved to the place asked for. The caller
 * polls from its loop (task_poll never blocks) and may cancel: the drawing
 * stops at the next letter or page it checks, the temporary file goes.
 *
 * The data the document is drawn from belongs to the task from task_start()
 * on (free_data frees it when the task is freed): the worker reads it while
 * the loop goes on changing its own copies.
 */
#ifndef VAX_PRINT_TASK_H
#define VAX_PRINT_TASK_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "print/pdf.h"

/** Draw the document into path (on the worker thread); stop early, with
 * any error, when *cancel becomes true. */
typedef bool (*task_make_fn)(const char *path, enum pdf_paper paper, void *data, const volatile bool *cancel,
                             struct vax_error *err);

enum task_dest {
	TASK_PRINT, /* through lp to printer (NULL or "": CUPS's default) */
	TASK_FILE,  /* saved at path */
};

struct task_spec {
	task_make_fn make;
	void *data;
	void (*free_data)(void *data);
	enum task_dest dest;
	enum pdf_paper paper;
	const char *printer; /* TASK_PRINT */
	const char *title;   /* TASK_PRINT: the job title (no PHI: queues show it) */
	const char *path;    /* TASK_FILE: where (replaced whole; mode 0600) */
};

enum task_state {
	TASK_DRAWING,
	TASK_PRINTING, /* lp has the file */
	TASK_DONE,
	TASK_FAILED,
	TASK_CANCELLED,
};

struct print_task;

/** Start; NULL with err when the thread or temporary file cannot be made
 * (then data is freed already). */
struct print_task *task_start(const struct task_spec *s, struct vax_error *err);
/** Advance (never blocks): the state now; done and failed say what in
 * words ("Sent to printer front-desk (request front-desk-12).", "Saved to
 * /home/ana/record.pdf.", or why not). */
enum task_state task_poll(struct print_task *t, char *words, size_t len);
/** Ask the drawing to stop (a print job lp has already is not taken back). */
void task_cancel(struct print_task *t);
/** Cancel if running, wait for the worker, remove the temporary file. */
void task_free(struct print_task **t);

#endif
