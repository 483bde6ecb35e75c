/* wire/wire.h - how FHIR bodies travel between vaxdesk and vaxregd: gzip,
 * and Zstandard with a dictionary both ends hold (RFC 9842's "dcz").
 *
 * On a slow, metered link most of a small FHIR body is the same words every
 * time (system URLs, element names, code displays). A dictionary trained on
 * such bodies (data/wire/fhir.dict, tools/mkdict) lets a shot go up in 200
 * bytes instead of 700. Each end names the dictionary it holds by its
 * SHA-256 (the Available-Dictionary request header, and the 40-byte header of
 * every dcz body); ends that hold different ones use gzip. Pure: no I/O, the
 * caller reads the dictionary file.
 */
#ifndef VAX_WIRE_WIRE_H
#define VAX_WIRE_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/** The dictionary's file under the data directory. */
#define WIRE_DICT_FILE "wire/fhir.dict"

/** The 40 bytes before a dcz body's Zstandard frame: magic and SHA-256. */
#define WIRE_DCZ_HEADER 40

/** Bodies smaller than this go as they are: the framing eats the gain. */
#define WIRE_MIN 200

struct wire_dict;

/** A dictionary from its bytes (copied); NULL with err set if they are no
 * Zstandard dictionary or too large. */
struct wire_dict *wire_dict_new(const void *bytes, size_t len, struct vax_error *err);
void wire_dict_free(struct wire_dict *d);

/** The Available-Dictionary value naming d: ":<base64 SHA-256>:". */
const char *wire_dict_name(const struct wire_dict *d);

/** Does an Available-Dictionary header value name d? (NULL d or value: no) */
bool wire_dict_named(const struct wire_dict *d, const char *value);

/** Is coding (e.g. "dcz") one of a comma list such as Accept-Encoding's,
 * and not refused with q=0? */
bool wire_coding_listed(const char *list, const char *coding);

/** in as a dcz body (malloc'd, *out_len set); NULL when it does not pay
 * (small, or no smaller) or memory runs out. */
unsigned char *wire_dcz_encode(const struct wire_dict *d, const void *in, size_t len, size_t *out_len);

/** How a body read back failed. */
enum wire_status {
	WIRE_OK = 0,
	WIRE_TOO_LARGE,  /* more than max once decoded */
	WIRE_OTHER_DICT, /* dcz made with a dictionary this end does not hold */
	WIRE_BAD,        /* not what its Content-Encoding says, or cut short */
	WIRE_NOMEM,
};

/** A dcz body decoded into *out (malloc'd, NUL-terminated; *out_len
 * excludes the NUL), never past max bytes. err says why not. */
enum wire_status wire_dcz_decode(const struct wire_dict *d, const void *in, size_t len, size_t max,
                                 char **out, size_t *out_len, struct vax_error *err);

/** in gzip-compressed (malloc'd); NULL when it does not pay or fails. */
unsigned char *wire_gzip(const void *in, size_t len, size_t *out_len);

/** A gzip body decoded as wire_dcz_decode() does. */
enum wire_status wire_gunzip(const void *in, size_t len, size_t max, char **out, size_t *out_len,
                             struct vax_error *err);

/** A body decoded by its Content-Encoding, "dcz" or "gzip" (any case), as
 * the two above do; any other coding is WIRE_BAD. */
enum wire_status wire_decode(const struct wire_dict *d, const char *coding, const void *in, size_t len,
                             size_t max, char **out, size_t *out_len, struct vax_error *err);

#endif
