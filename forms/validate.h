/* forms/validate.h - the checks behind each field kind, as plain functions
 * of the typed text (UTF-8). Each returns NULL when the value is acceptable
 * and otherwise a short sentence to show beside the field. An empty value
 * is acceptable here; "required" is the form's business.
 *
 * validate_name() applies core's rule (rules_name_ok in core/rules.h, the
 * same check vaxregd runs) and adds messages about the shape of the name.
 */
#ifndef VAX_FORMS_VALIDATE_H
#define VAX_FORMS_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

/** A person's name: the characters core/rules.h allows (Latin letters with
 * any accents, precomposed or combining, hyphen, apostrophe ' or U+2019,
 * space), starting and ending with a letter, no two separators in a row. */
const char *validate_name(const char *value);
/** MM/DD/YYYY (also M/D/YYYY, MM-DD-YYYY, MMDDYYYY) via core/date.h. */
const char *validate_date(const char *value);
/** A US phone number: 10 digits, formatting characters ( ) - . + and
 * spaces ignored; area code and exchange cannot start with 0 or 1 (the
 * NANP rule core/rules.c applies too). */
const char *validate_phone(const char *value);
/** A US ZIP code: 5 digits, or 9 as 12345-6789 or 123456789. */
const char *validate_zip(const char *value);

/** The digits of a phone number, 10 of them plus NUL, in out[11]; false if
 * validate_phone() would not accept it. */
bool validate_phone_digits(const char *value, char out[11]);

#endif
