/* forms/validate.h - the checks behind each field kind, as plain functions
 * of the typed text (UTF-8). Each returns NULL when the value is acceptable
 * and otherwise a short sentence to show beside the field. An empty value
 * is acceptable here; "required" is the form's business.
 *
 * validate_name() mirrors the name rule core/rules.h will hold; when that
 * lands, this function should call it so the two can never drift.
 */
#ifndef VAX_FORMS_VALIDATE_H
#define VAX_FORMS_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

/** A person's name: letters (accented and non-Latin letters included, with
 * combining marks), hyphen, apostrophe (' or U+2019) and space; it must
 * start with a letter and hold no two separators in a row. */
const char *validate_name(const char *value);
/** MM/DD/YYYY (also M/D/YYYY, MM-DD-YYYY, MMDDYYYY) via core/date.h. */
const char *validate_date(const char *value);
/** A US phone number: 10 digits (a leading 1 is allowed), formatting
 * characters ( ) - . + and spaces ignored; area code and exchange cannot
 * start with 0 or 1. */
const char *validate_phone(const char *value);
/** A US ZIP code: 5 digits, or 9 as 12345-6789 or 123456789. */
const char *validate_zip(const char *value);

/** The digits of a phone number, 10 of them plus NUL, in out[11]; false if
 * validate_phone() would not accept it. */
bool validate_phone_digits(const char *value, char out[11]);

#endif
