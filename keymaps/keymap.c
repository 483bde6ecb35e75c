/* keymaps/keymap.c - keymaps and the keys-file parser; see keymap.h. */
#include "keymaps/keymap.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "keymaps/utf8.h"

struct binding {
	struct key key;
	enum action action; /* ACTION_NONE: unbound here, do not fall back */
};

struct keymap {
	struct binding *b;
	size_t n, cap;
};

struct keymap_set {
	struct keymap maps[KEYMAP_COUNT];
};

static const struct {
	const char *name;
	const char *title;
} keymap_rows[] = {
#define KEYMAP_ROW(id, name, title) {name, title},
    KEYMAP_INFO(KEYMAP_ROW)
#undef KEYMAP_ROW
};

const char *keymap_name(enum keymap_id id)
{
	return (unsigned)id < KEYMAP_COUNT ? keymap_rows[id].name : NULL;
}

const char *keymap_title(enum keymap_id id)
{
	return (unsigned)id < KEYMAP_COUNT ? keymap_rows[id].title : NULL;
}

bool keymap_id_from_name(const char *name, enum keymap_id *out)
{
	for (int i = 0; i < KEYMAP_COUNT; i++) {
		if (!strcmp(keymap_rows[i].name, name)) {
			*out = (enum keymap_id)i;
			return true;
		}
	}
	return false;
}

struct keymap_set *keymap_set_new(void)
{
	struct keymap_set *set = xcalloc(1, sizeof *set);
	return set;
}

void keymap_set_free(struct keymap_set **setp)
{
	if (!setp || !*setp)
		return;
	for (int i = 0; i < KEYMAP_COUNT; i++)
		free((*setp)->maps[i].b);
	free(*setp);
	*setp = NULL;
}

static const struct binding *find(const struct keymap *m, const struct key *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (key_equal(&m->b[i].key, key))
			return &m->b[i];
	return NULL;
}

void keymap_bind(struct keymap_set *set, enum keymap_id id, const struct key *key, enum action action)
{
	struct keymap *m = &set->maps[id];
	struct binding *old = (struct binding *)find(m, key);
	if (old) {
		old->action = action;
		return;
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->b = xrealloc(m->b, m->cap * sizeof *m->b);
	}
	m->b[m->n++] = (struct binding){*key, action};
}

/* --- lookup ---------------------------------------------------------------- */

/* The keymaps consulted for a screen, in order. */
static size_t chain(enum keymap_id id, unsigned flags, enum keymap_id out[3])
{
	size_t n = 0;
	out[n++] = id;
	if ((flags & KEYMAP_EDITING) && id != KEYMAP_FIELD && id != KEYMAP_GENERIC)
		out[n++] = KEYMAP_FIELD;
	if (id != KEYMAP_GENERIC)
		out[n++] = KEYMAP_GENERIC;
	return n;
}

enum action keymap_lookup(const struct keymap_set *set, enum keymap_id id, const struct key *key,
                          unsigned flags)
{
	enum keymap_id ids[3];
	size_t n = chain(id, flags, ids);
	for (size_t i = 0; i < n; i++) {
		/* while editing, generic bindings of printable keys (? / q)
		 * must not steal letters from the field */
		if ((flags & KEYMAP_EDITING) && ids[i] == KEYMAP_GENERIC && key_is_text(key))
			return ACTION_NONE;
		const struct binding *b = find(&set->maps[ids[i]], key);
		if (b)
			return b->action;
	}
	return ACTION_NONE;
}

size_t keymap_keys_for(const struct keymap_set *set, enum keymap_id id, unsigned flags, enum action action,
                       struct key *out, size_t max)
{
	enum keymap_id ids[3];
	size_t n = chain(id, flags, ids), found = 0;
	if (action == ACTION_NONE)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const struct keymap *m = &set->maps[ids[i]];
		for (size_t j = 0; j < m->n; j++) {
			const struct binding *b = &m->b[j];
			if (b->action != action)
				continue;
			/* only count it if a lookup would really reach it */
			if (keymap_lookup(set, id, &b->key, flags) != action)
				continue;
			/* the same key may be bound to the action in two keymaps */
			bool dup = false;
			for (size_t k = 0; k < found && k < max; k++)
				dup = dup || key_equal(&out[k], &b->key);
			if (dup)
				continue;
			if (found < max)
				out[found] = b->key;
			found++;
		}
	}
	return found;
}

bool keymap_fkey_for(const struct keymap_set *set, enum keymap_id id, unsigned flags, enum action action,
                     struct key *out)
{
	struct key keys[32];
	size_t n = keymap_keys_for(set, id, flags, action, keys, 32);
	for (size_t i = 0; i < n && i < 32; i++) {
		if (keys[i].kind == KEY_KIND_FKEY) {
			*out = keys[i];
			return true;
		}
	}
	return false;
}

size_t keymap_help_line(const struct keymap_set *set, enum keymap_id id, unsigned flags, enum action action,
                        char *buf, size_t len)
{
	struct key keys[3];
	char label[KEY_NAME_LEN];
	size_t n = keymap_keys_for(set, id, flags, action, keys, 3);
	size_t o = 0, cols = 0;
	if (len == 0)
		return n;
	buf[0] = '\0';
	for (size_t i = 0; i < n && i < 3; i++) {
		key_label(&keys[i], label, sizeof label);
		int w = snprintf(buf + o, len - o, "%s%s", i ? " " : "", label);
		if (w < 0 || (size_t)w >= len - o)
			return n;
		o += (size_t)w;
		/* columns, not bytes: a label may be é */
		for (const char *p = label; *p; p++)
			cols += ((unsigned char)*p & 0xc0) != 0x80;
		cols += i ? 1 : 0;
	}
	do {
		if (o + 1 >= len)
			return n;
		buf[o++] = ' ';
		buf[o] = '\0';
	} while (++cols < KEYMAP_HELP_KEYS_COLS);
	snprintf(buf + o, len - o, "%s", action_help(action) ? action_help(action) : "");
	return n;
}

size_t keymap_binding_count(const struct keymap_set *set, enum keymap_id id)
{
	return set->maps[id].n;
}

void keymap_binding_at(const struct keymap_set *set, enum keymap_id id, size_t i, struct key *key,
                       enum action *action)
{
	*key = set->maps[id].b[i].key;
	*action = set->maps[id].b[i].action;
}

/* --- errors ---------------------------------------------------------------- */

static void add_error(struct keymap_errors *errs, const char *source, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_error(struct keymap_errors *errs, const char *source, size_t line, const char *fmt, ...)
{
	if (!errs)
		return;
	if (errs->count >= KEYMAP_ERRORS_MAX) {
		errs->dropped++;
		return;
	}
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	char *full;
	int len = line ? snprintf(NULL, 0, "%s:%zu: %s", source, line, msg)
	               : snprintf(NULL, 0, "%s: %s", source, msg);
	full = xmalloc((size_t)len + 1);
	if (line)
		snprintf(full, (size_t)len + 1, "%s:%zu: %s", source, line, msg);
	else
		snprintf(full, (size_t)len + 1, "%s: %s", source, msg);
	if (errs->count == errs->cap) {
		errs->cap = errs->cap ? errs->cap * 2 : 8;
		errs->msgs = xrealloc(errs->msgs, errs->cap * sizeof *errs->msgs);
	}
	errs->msgs[errs->count++] = full;
}

void keymap_errors_free(struct keymap_errors *errs)
{
	if (!errs)
		return;
	for (size_t i = 0; i < errs->count; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	memset(errs, 0, sizeof *errs);
}

/* A token as it may appear inside a message: valid UTF-8 (the line was
 * checked), control characters escaped, long tokens cut at a character
 * boundary, so a hostile file cannot paint the operator's terminal. */
static const char *quote(const char *tok, char *buf, size_t len)
{
	size_t o = 0, i = 0;
	const size_t limit = 40;
	while (tok[i] && o + 6 < len) {
		unsigned char c = (unsigned char)tok[i];
		if (i >= limit && (c & 0xc0) != 0x80) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
		i++;
	}
	buf[o] = '\0';
	return buf;
}

/* --- parser ---------------------------------------------------------------- */

#define MAX_TOKENS 5

/* Split line (NUL-terminated, modified in place) into at most MAX_TOKENS
 * words; a word starting with '#' ends the line. Returns the word count,
 * which may be MAX_TOKENS when there are more. */
static size_t split(char *line, char *tok[MAX_TOKENS])
{
	size_t n = 0;
	char *p = line;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#' || n == MAX_TOKENS)
			return n;
		tok[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
}

static size_t parse_line(struct keymap_set *set, char *line, const char *source, size_t lineno,
                         struct keymap_errors *errs)
{
	char *tok[MAX_TOKENS];
	char q[256];
	size_t n = split(line, tok);
	if (n == 0)
		return 0;
	if (strcmp(tok[0], "bind") != 0) {
		add_error(errs, source, lineno,
		          "unknown command '%s' (lines look like: bind <keymap> <key> <action>)",
		          quote(tok[0], q, sizeof q));
		return 1;
	}
	if (n < 4) {
		static const char *const missing[] = {"", "keymap, key and action", "key and action",
		                                      "action"};
		add_error(errs, source, lineno, "bind: missing %s (bind <keymap> <key> <action>)",
		          missing[n]);
		return 1;
	}
	if (n > 4) {
		add_error(errs, source, lineno,
		          "bind: unexpected '%s' after the action (comments start with #)",
		          quote(tok[4], q, sizeof q));
		return 1;
	}

	/* check every part so one pass reports everything wrong with the line */
	size_t errors = 0;
	bool want[KEYMAP_COUNT] = {false};
	char *names = tok[1];
	for (char *save = NULL, *name = strtok_r(names, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		enum keymap_id id;
		if (keymap_id_from_name(name, &id)) {
			want[id] = true;
		} else {
			add_error(errs, source, lineno, "unknown keymap '%s'", quote(name, q, sizeof q));
			errors++;
		}
	}
	bool any = false;
	for (int i = 0; i < KEYMAP_COUNT; i++)
		any = any || want[i];
	if (!any && !errors) { /* the name was only commas */
		add_error(errs, source, lineno, "bind: missing keymap name");
		errors++;
	}

	struct key key;
	const char *why = NULL;
	if (!key_parse(tok[2], &key, &why)) {
		add_error(errs, source, lineno, "bad key '%s': %s", quote(tok[2], q, sizeof q), why);
		errors++;
	}

	enum action action;
	if (!action_from_name(tok[3], &action)) {
		add_error(errs, source, lineno, "unknown action '%s'", quote(tok[3], q, sizeof q));
		errors++;
	}
	if (errors)
		return errors;
	for (int i = 0; i < KEYMAP_COUNT; i++)
		if (want[i])
			keymap_bind(set, (enum keymap_id)i, &key, action);
	return 0;
}

size_t keymap_parse_buffer(struct keymap_set *set, const char *buf, size_t len, const char *source,
                           struct keymap_errors *errs)
{
	char line[KEYMAP_LINE_MAX + 1];
	size_t errors = 0, lineno = 0, pos = 0;
	if (!source)
		source = "(keys)";
	while (pos < len) {
		const char *start = buf + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;
		pos += n + (nl ? 1 : 0);
		lineno++;
		if (n > 0 && start[n - 1] == '\r')
			n--; /* files edited on Windows */
		if (n > KEYMAP_LINE_MAX) {
			add_error(errs, source, lineno, "line is longer than %d bytes; ignored",
			          KEYMAP_LINE_MAX);
			errors++;
			continue;
		}
		if (memchr(start, '\0', n)) {
			add_error(errs, source, lineno, "line contains a NUL byte; ignored");
			errors++;
			continue;
		}
		if (!utf8_valid(start, n)) {
			add_error(errs, source, lineno, "line is not valid UTF-8; ignored");
			errors++;
			continue;
		}
		memcpy(line, start, n);
		line[n] = '\0';
		errors += parse_line(set, line, source, lineno, errs);
	}
	return errors;
}

size_t keymap_load_file(struct keymap_set *set, const char *path, struct keymap_errors *errs)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		add_error(errs, path, 0, "cannot open: %s", strerror(errno));
		return 1;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	bool too_big = false, failed = false;
	for (;;) {
		if (len == cap) {
			if (cap >= KEYMAP_FILE_MAX) {
				too_big = true;
				break;
			}
			cap = cap ? cap * 2 : 4096;
			buf = xrealloc(buf, cap);
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			failed = ferror(f) != 0;
			break;
		}
	}
	int saved = errno;
	fclose(f);
	size_t errors;
	if (too_big) {
		add_error(errs, path, 0, "file is larger than %d bytes; not read", KEYMAP_FILE_MAX);
		errors = 1;
	} else if (failed) {
		add_error(errs, path, 0, "cannot read: %s", strerror(saved));
		errors = 1;
	} else {
		errors = keymap_parse_buffer(set, buf, len, path, errs);
	}
	free(buf);
	return errors;
}

size_t keymap_load_defaults(struct keymap_set *set, struct keymap_errors *errs)
{
	return keymap_parse_buffer(set, keymap_default_text, keymap_default_len, "default.keys", errs);
}

int keymap_check_file(const char *path, FILE *err)
{
	struct keymap_set *set = keymap_set_new();
	struct keymap_errors errs = {0};
	size_t n = keymap_load_file(set, path, &errs);
	for (size_t i = 0; i < errs.count; i++)
		fprintf(err, "%s\n", errs.msgs[i]);
	if (errs.dropped)
		fprintf(err, "%s: %zu more errors not shown\n", path, errs.dropped);
	keymap_errors_free(&errs);
	keymap_set_free(&set);
	return n ? 1 : 0;
}
