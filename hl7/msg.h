/* hl7/msg.h - HL7 v2 messages as text: parse, read a value by its
 * position, build a message, escape and unescape.
 *
 * What travels is ER7 ("pipe and hat") text. On input a segment may end in
 * \r (the standard), \n or \r\n, empty lines are skipped, MLLP framing bytes
 * and a UTF-8 byte order mark are dropped, and text that is not UTF-8 (or
 * declares ISO 8859-1 in MSH-18) is read as Latin-1, so a name like Peña
 * from an older EHR survives. The separators are the ones MSH-1 and MSH-2
 * declare. Output always ends each segment with \r and uses |^~\&.
 *
 * Positions are numbered as the standard numbers them: fields from 1 (MSH-1
 * is the field separator itself, MSH-2 the encoding characters), and
 * repetition, component and sub-component from 1; 0 there means 1.
 */
#ifndef VAX_HL7_MSG_H
#define VAX_HL7_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/date.h"
#include "core/error.h"

#define HL7_MAX_SEGMENTS 5000

struct hl7_msg;

/** Parse one message (it must start with MSH). Error codes: HL7-EMPTY,
 * HL7-NO-MSH, HL7-ENCODING, HL7-SEGMENT (a line that is not a segment,
 * named by its line number), HL7-TOO-BIG. */
struct hl7_msg *hl7_parse(const char *text, size_t len, struct vax_error *err);
void hl7_free(struct hl7_msg **mp);

/** Number of segments, and the id ("PID") and input line of one. */
int hl7_nseg(const struct hl7_msg *m);
const char *hl7_seg_id(const struct hl7_msg *m, int seg);
int hl7_seg_line(const struct hl7_msg *m, int seg);
/** The first segment named id at index >= from, or -1. */
int hl7_find(const struct hl7_msg *m, const char *id, int from);
/** Which occurrence of its id a segment is (1 for the first RXA, ...): the
 * "sequence" an ERR location names. */
int hl7_occurrence(const struct hl7_msg *m, int seg);

/** Repetitions in a field (0 when empty). */
int hl7_reps(const struct hl7_msg *m, int seg, int field);
/** The unescaped value at a position into buf (always NUL-terminated, cut
 * at a UTF-8 character boundary). Returns the length of the whole value,
 * so a result >= cap means it did not fit. A value of "" (HL7's explicit
 * null) reads as empty. */
size_t hl7_get(const struct hl7_msg *m, int seg, int field, int rep, int comp, int sub, char *buf,
               size_t cap);
/** True if the position holds anything. */
bool hl7_has(const struct hl7_msg *m, int seg, int field, int rep, int comp, int sub);
/** The raw (still escaped) text of a whole field, and its length. */
const char *hl7_raw_field(const struct hl7_msg *m, int seg, int field, size_t *len);

/** Unescape src[0..len) (with the message's separators) into buf. */
size_t hl7_unescape(const struct hl7_msg *m, const char *src, size_t len, char *buf, size_t cap);

/* ---- building ------------------------------------------------------------- */

struct hl7_out;

struct hl7_out *hl7_out_new(void);
void hl7_out_free(struct hl7_out **op);
/** Start a segment; the one before it is finished. "MSH" writes MSH-1 and
 * MSH-2 itself. */
void hl7_out_segment(struct hl7_out *o, const char *id);
/** Set a value in the current segment (escaped here); empty and NULL values
 * are left out, and a second value at one position replaces the first. */
void hl7_out_set(struct hl7_out *o, int field, int rep, int comp, int sub, const char *value);
void hl7_out_setf(struct hl7_out *o, int field, int rep, int comp, int sub, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/** Finish and take the text (malloc'd, each segment ending in \r); *len may
 * be NULL. The builder is empty afterwards. */
char *hl7_out_take(struct hl7_out *o, size_t *len);

/** Set a DT value (YYYYMMDD); DATE_NONE is left out. */
void hl7_out_date(struct hl7_out *o, int field, int rep, int comp, int sub, vax_date d);

/** Escape a value for ER7 with the standard separators (malloc'd). */
char *hl7_escape(const char *value);

/** HL7 TS from Unix seconds, UTC with its offset: "20240105143000+0000". */
char *hl7_ts(int64_t unix_s, char *buf, size_t cap);
/** Unix seconds from an HL7 TS (YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ]); false
 * if it is not one. */
bool hl7_ts_parse(const char *ts, int64_t *unix_s);

#endif
