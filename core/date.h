/* core/date.h - calendar dates as the registry and CDSi count them.
 *
 * A date is a plain day number (days since 1970-01-01, proleptic Gregorian),
 * so comparing and subtracting are integer operations. Arithmetic with years
 * and months follows the CDSi logic specification v4.6, table 3-6
 * (CALCDT-1..6): years first, then months, then weeks/days; a computed date
 * that does not exist (Sep 31, Feb 29 in a common year) moves forward to the
 * first day of the next month.
 *
 * Entry is MM/DD/YYYY (what the front desk types); the wire is ISO
 * YYYY-MM-DD. Two-digit years are refused: 01/02/03 is ambiguous at a
 * registry that holds people born in three centuries.
 *
 * No function here reads the clock; "today" always comes from the caller.
 */
#ifndef VAX_CORE_DATE_H
#define VAX_CORE_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** A calendar day. DATE_NONE means "no date" (an empty field). */
typedef int32_t vax_date;
#define DATE_NONE INT32_MIN

/** Earliest and latest years any date may have. */
#define DATE_MIN_YEAR 1800
#define DATE_MAX_YEAR 2999

/** Buffer sizes for the formatters, including the NUL. */
#define DATE_ISO_LEN 11 /* YYYY-MM-DD */
#define DATE_US_LEN  11 /* MM/DD/YYYY */

/** A span as CDSi writes it: "6 months - 4 days", "4 weeks", "19 years". */
struct date_span {
	int years;
	int months;
	int days; /* weeks are folded into days */
};

/** Parse result codes; date_strerror() gives the person-readable text. */
enum date_status {
	DATE_OK = 0,
	DATE_EMPTY,      /* nothing typed */
	DATE_BAD_FORMAT, /* not MM/DD/YYYY (or YYYY-MM-DD on the wire) */
	DATE_TWO_DIGIT_YEAR,
	DATE_NO_SUCH_DAY,  /* 02/30/2020, 13/01/2020 */
	DATE_OUT_OF_RANGE, /* year outside DATE_MIN_YEAR..DATE_MAX_YEAR */
};

/** Message for a status, suitable for showing beside a field. */
const char *date_strerror(enum date_status st);

/** True if y/m/d is a real day within the supported range. */
bool date_valid_ymd(int y, int m, int d);
bool date_is_leap(int y);
int date_days_in_month(int y, int m);

/** Build a date; DATE_NONE if y/m/d is not a real day. */
vax_date date_from_ymd(int y, int m, int d);
/** Split a date into year, month (1-12), day (1-31). Any pointer may be NULL. */
void date_to_ymd(vax_date dt, int *y, int *m, int *d);

/** Parse what a person typed: MM/DD/YYYY (also M/D/YYYY, MM-DD-YYYY and
 * MMDDYYYY). Surrounding spaces are ignored. */
enum date_status date_parse_us(const char *s, vax_date *out);
/** Parse the wire form YYYY-MM-DD (FHIR date; a longer dateTime is accepted
 * and its date part used). */
enum date_status date_parse_iso(const char *s, vax_date *out);
/** Parse YYYYMMDD (HL7 v2 DT, NDC tables). */
enum date_status date_parse_compact(const char *s, vax_date *out);

/** Format; an out-of-range or DATE_NONE date gives "". Returns buf. */
char *date_format_iso(vax_date dt, char buf[DATE_ISO_LEN]);
char *date_format_us(vax_date dt, char buf[DATE_US_LEN]);

/** CALCDT-1/2/5: add whole years and months (either may be negative). */
vax_date date_add_months(vax_date dt, int years, int months);
/** CALCDT-3/4: add days (negative subtracts). */
vax_date date_add_days(vax_date dt, int days);
/** CALCDT-6: years, then months (CALCDT-5 applied), then days. */
vax_date date_add_span(vax_date dt, const struct date_span *sp);
/** Same as date_add_span with every part negated (for "before" windows). */
vax_date date_sub_span(vax_date dt, const struct date_span *sp);

/** Parse a CDSi span: terms "N years|months|weeks|days" joined by "+" or
 * "-", e.g. "6 months - 4 days", "1 year + 2 weeks". Singular and plural
 * units are accepted. Returns false on anything else. An empty string is
 * not a span (returns false); callers treat an absent value themselves. */
bool date_span_parse(const char *s, struct date_span *out);

/** Whole years / months completed from dob to on (0 if on < dob), counted as
 * CDSi adds them: the largest n with dob + n units <= on. */
int date_age_years(vax_date dob, vax_date on);
int date_age_months(vax_date dob, vax_date on);
/** Days from a to b (b - a). */
int32_t date_diff_days(vax_date a, vax_date b);

/** Age as a registry screen shows it: "3 y 2 m", "7 m 12 d", "16 d". */
char *date_format_age(vax_date dob, vax_date on, char *buf, size_t len);

#endif
