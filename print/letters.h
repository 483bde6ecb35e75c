/* print/letters.h - reminder/recall notices: one letter per client (or two,
 * English then Spanish), addressed for a window envelope, naming each
 * vaccine due with its dose and date; and the same run as a CSV list.
 *
 * A letter to a client under 18 is addressed to the parent or guardian.
 * The organization's name heads each letter; the notice date is the run's.
 */
#ifndef VAX_PRINT_LETTERS_H
#define VAX_PRINT_LETTERS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/client.h"
#include "core/date.h"
#include "core/error.h"
#include "print/doc.h"
#include "print/pdf.h"
#include "print/recall.h"

/** One client's notice. */
struct letter {
	const struct client *client;
	const struct recall_due *due;
	int ndue;
};

enum letters_lang {
	LETTERS_EN = 0,
	LETTERS_ES,
	LETTERS_BOTH, /* each client gets the English letter, then the Spanish one */
};

struct letters_doc {
	const char *org_name;
	const char *org_phone; /* "" or NULL: the letters ask to call the clinic */
	vax_date date;         /* the notice date */
	enum letters_lang lang;
	const struct letter *letters;
	size_t n;
	const volatile bool *cancel; /* may be NULL; when it turns true the letters stop */
};

/** "en", "es", "both" -> language; false otherwise. */
bool letters_lang_parse(const char *s, enum letters_lang *out);

bool letters_pdf_file(const char *path, enum pdf_paper paper, const struct letters_doc *d,
                      struct vax_error *err);
bool letters_pdf_mem(char **buf, size_t *len, enum pdf_paper paper, const struct letters_doc *d,
                     struct vax_error *err);
/** The list: one row per client, with the vaccines due and the earliest
 * overdue date. */
bool letters_csv_file(const char *path, const struct letters_doc *d, struct vax_error *err);

/** A vaccine group named for a letter in lang ("MMR (measles, mumps,
 * rubella)", "SRP (sarampión, paperas, rubéola)"). */
const char *letters_vaccine_words(const char *group_label, enum doc_lang lang);

#endif
