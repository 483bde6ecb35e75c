/* core/xalloc.h - allocation that cannot fail: on out-of-memory the program
 * ends (after the registered cleanup, see xalloc_set_die) instead of every
 * caller carrying an error path it could never test. */
#ifndef VAX_CORE_XALLOC_H
#define VAX_CORE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/** Grow an array of nmemb elements of size to at least need elements. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/** Called before abort() on OOM, e.g. to restore the terminal. */
void xalloc_set_die(void (*fn)(void));

#endif
