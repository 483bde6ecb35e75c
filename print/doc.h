/* print/doc.h - what the printed documents share: names and addresses as
 * a letter writes them, dates in words (English and Spanish), and where a
 * document goes (a file, or a printer through print/lp.h).
 */
#ifndef VAX_PRINT_DOC_H
#define VAX_PRINT_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/client.h"
#include "core/date.h"

enum doc_lang {
	DOC_EN = 0,
	DOC_ES,
};

/** "en", "es" -> language; false for anything else. */
bool doc_lang_parse(const char *s, enum doc_lang *out);

/** "Ana María García López": given, middle, family, suffix, as an envelope
 * writes them. */
char *doc_name_natural(const struct person_name *n, char *buf, size_t len);
/** An address as envelope lines ("123 Main St", "Apt 4", "Austin, TX
 * 78741") joined by sep ("\n" or "; "); "" when there is none. */
char *doc_address(const struct address *a, const char *sep, char *buf, size_t len);
/** "November 22, 2026" / "22 de noviembre de 2026"; "" for DATE_NONE. */
char *doc_date_long(vax_date d, enum doc_lang lang, char *buf, size_t len);
/** MM/DD/YYYY (English) or DD/MM/YYYY (Spanish); "" for DATE_NONE. */
char *doc_date_short(vax_date d, enum doc_lang lang, char *buf, size_t len);
/** The registry id a person quotes: the SR identifier, else the resource id. */
const char *doc_registry_id(const struct client *c);

#endif
