/* core/date.c - see date.h. Day numbers use the civil-from-days algorithm
 * (H. Hinnant), exact for the proleptic Gregorian calendar. */
#include "core/date.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool date_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_days_in_month(int y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12)
		return 0;
	return m == 2 && date_is_leap(y) ? 29 : dim[m - 1];
}

bool date_valid_ymd(int y, int m, int d)
{
	return y >= DATE_MIN_YEAR && y <= DATE_MAX_YEAR && m >= 1 && m <= 12 && d >= 1 &&
	       d <= date_days_in_month(y, m);
}

/* Days since 1970-01-01; valid for any y/m/d, real or not. */
static int32_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

vax_date date_from_ymd(int y, int m, int d)
{
	if (!date_valid_ymd(y, m, d))
		return DATE_NONE;
	return days_from_civil(y, m, d);
}

void date_to_ymd(vax_date dt, int *yp, int *mp, int *dp)
{
	int32_t z = dt + 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int y = yoe + era * 400;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp0 = (5 * doy + 2) / 153;
	int d = doy - (153 * mp0 + 2) / 5 + 1;
	int m = mp0 + (mp0 < 10 ? 3 : -9);
	y += m <= 2;
	if (yp)
		*yp = y;
	if (mp)
		*mp = m;
	if (dp)
		*dp = d;
}

const char *date_strerror(enum date_status st)
{
	switch (st) {
	case DATE_OK:
		return "OK";
	case DATE_EMPTY:
		return "Enter a date as MM/DD/YYYY.";
	case DATE_BAD_FORMAT:
		return "Enter the date as MM/DD/YYYY.";
	case DATE_TWO_DIGIT_YEAR:
		return "Enter all four digits of the year (MM/DD/YYYY).";
	case DATE_NO_SUCH_DAY:
		return "That day does not exist on the calendar.";
	case DATE_OUT_OF_RANGE:
		return "The year is out of range.";
	}
	return "Invalid date.";
}

/* Reads 1..maxd digits; returns count read, value in *v. */
static int read_digits(const char **sp, int maxd, int *v)
{
	int n = 0, val = 0;
	const char *s = *sp;
	while (n < maxd && isdigit((unsigned char)s[n])) {
		val = val * 10 + (s[n] - '0');
		n++;
	}
	*sp = s + n;
	*v = val;
	return n;
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static enum date_status finish(int y, int m, int d, vax_date *out)
{
	if (y < DATE_MIN_YEAR || y > DATE_MAX_YEAR)
		return DATE_OUT_OF_RANGE;
	if (m < 1 || m > 12 || d < 1 || d > date_days_in_month(y, m))
		return DATE_NO_SUCH_DAY;
	*out = days_from_civil(y, m, d);
	return DATE_OK;
}

enum date_status date_parse_us(const char *s, vax_date *out)
{
	int m, d, y, nm, nd, ny;
	*out = DATE_NONE;
	if (!s)
		return DATE_EMPTY;
	s = skip_space(s);
	if (!*s)
		return DATE_EMPTY;

	/* MMDDYYYY as a scanner or a fast typist enters it */
	size_t digits = strspn(s, "0123456789");
	if (digits == 8 && *skip_space(s + 8) == '\0') {
		read_digits(&s, 2, &m);
		read_digits(&s, 2, &d);
		read_digits(&s, 4, &y);
		return finish(y, m, d, out);
	}
	if (digits == 6 && *skip_space(s + 6) == '\0')
		return DATE_TWO_DIGIT_YEAR;

	nm = read_digits(&s, 2, &m);
	if (nm == 0 || (*s != '/' && *s != '-'))
		return DATE_BAD_FORMAT;
	char sep = *s++;
	nd = read_digits(&s, 2, &d);
	if (nd == 0 || *s != sep)
		return DATE_BAD_FORMAT;
	s++;
	ny = read_digits(&s, 5, &y);
	if (*skip_space(s) != '\0' || ny == 0)
		return DATE_BAD_FORMAT;
	if (ny <= 2)
		return DATE_TWO_DIGIT_YEAR;
	if (ny != 4)
		return DATE_BAD_FORMAT;
	return finish(y, m, d, out);
}

enum date_status date_parse_iso(const char *s, vax_date *out)
{
	int y, m, d;
	*out = DATE_NONE;
	if (!s || !*s)
		return DATE_EMPTY;
	if (read_digits(&s, 4, &y) != 4 || *s++ != '-')
		return DATE_BAD_FORMAT;
	if (read_digits(&s, 2, &m) != 2 || *s++ != '-')
		return DATE_BAD_FORMAT;
	if (read_digits(&s, 2, &d) != 2)
		return DATE_BAD_FORMAT;
	/* a FHIR dateTime carries a time after 'T'; the date part is ours */
	if (*s != '\0' && *s != 'T')
		return DATE_BAD_FORMAT;
	return finish(y, m, d, out);
}

enum date_status date_parse_compact(const char *s, vax_date *out)
{
	int y, m, d;
	*out = DATE_NONE;
	if (!s || !*s)
		return DATE_EMPTY;
	if (strlen(s) != 8 || strspn(s, "0123456789") != 8)
		return DATE_BAD_FORMAT;
	read_digits(&s, 4, &y);
	read_digits(&s, 2, &m);
	read_digits(&s, 2, &d);
	return finish(y, m, d, out);
}

static bool in_range(vax_date dt)
{
	return dt != DATE_NONE && dt >= days_from_civil(DATE_MIN_YEAR, 1, 1) &&
	       dt <= days_from_civil(DATE_MAX_YEAR, 12, 31);
}

char *date_format_iso(vax_date dt, char buf[DATE_ISO_LEN])
{
	int y, m, d;
	buf[0] = '\0';
	if (!in_range(dt))
		return buf;
	date_to_ymd(dt, &y, &m, &d);
	snprintf(buf, DATE_ISO_LEN, "%04d-%02d-%02d", y, m, d);
	return buf;
}

char *date_format_us(vax_date dt, char buf[DATE_US_LEN])
{
	int y, m, d;
	buf[0] = '\0';
	if (!in_range(dt))
		return buf;
	date_to_ymd(dt, &y, &m, &d);
	snprintf(buf, DATE_US_LEN, "%02d/%02d/%04d", m, d, y);
	return buf;
}

vax_date date_add_months(vax_date dt, int years, int months)
{
	int y, m, d;
	if (dt == DATE_NONE)
		return DATE_NONE;
	date_to_ymd(dt, &y, &m, &d);
	y += years;
	/* months counted from 0 so negative totals floor correctly */
	long total = (long)y * 12 + (m - 1) + months;
	y = (int)(total >= 0 ? total / 12 : -((-total + 11) / 12));
	m = (int)(total - (long)y * 12) + 1;
	/* CALCDT-5: not a real day -> first day of the next month */
	if (d > date_days_in_month(y, m)) {
		d = 1;
		if (++m > 12) {
			m = 1;
			y++;
		}
	}
	return days_from_civil(y, m, d);
}

vax_date date_add_days(vax_date dt, int days)
{
	return dt == DATE_NONE ? DATE_NONE : dt + days;
}

vax_date date_add_span(vax_date dt, const struct date_span *sp)
{
	return date_add_days(date_add_months(dt, sp->years, sp->months), sp->days);
}

vax_date date_sub_span(vax_date dt, const struct date_span *sp)
{
	struct date_span neg = {-sp->years, -sp->months, -sp->days};
	return date_add_span(dt, &neg);
}

static bool unit_match(const char *w, size_t n, const char *unit)
{
	size_t u = strlen(unit);
	/* "year" or "years", case-insensitive */
	if (n != u && n != u + 1)
		return false;
	if (n == u + 1 && tolower((unsigned char)w[u]) != 's')
		return false;
	for (size_t i = 0; i < u; i++)
		if (tolower((unsigned char)w[i]) != unit[i])
			return false;
	return true;
}

bool date_span_parse(const char *s, struct date_span *out)
{
	struct date_span sp = {0, 0, 0};
	int sign = 1, terms = 0;
	if (!s)
		return false;
	for (;;) {
		s = skip_space(s);
		if (!*s)
			break;
		if (terms > 0) {
			if (*s == '+')
				sign = 1;
			else if (*s == '-')
				sign = -1;
			else
				return false;
			s = skip_space(s + 1);
		} else if (*s == '-' || *s == '+') {
			sign = *s == '-' ? -1 : 1;
			s = skip_space(s + 1);
		}
		int v;
		int nd = read_digits(&s, 6, &v);
		if (nd == 0)
			return false;
		s = skip_space(s);
		const char *w = s;
		while (isalpha((unsigned char)*s))
			s++;
		size_t n = (size_t)(s - w);
		if (unit_match(w, n, "year"))
			sp.years += sign * v;
		else if (unit_match(w, n, "month"))
			sp.months += sign * v;
		else if (unit_match(w, n, "week"))
			sp.days += sign * v * 7;
		else if (unit_match(w, n, "day"))
			sp.days += sign * v;
		else
			return false;
		terms++;
	}
	if (terms == 0)
		return false;
	*out = sp;
	return true;
}

int date_age_months(vax_date dob, vax_date on)
{
	int y1, m1, y2, m2;
	if (dob == DATE_NONE || on == DATE_NONE || on < dob)
		return 0;
	date_to_ymd(dob, &y1, &m1, NULL);
	date_to_ymd(on, &y2, &m2, NULL);
	int n = (y2 - y1) * 12 + (m2 - m1);
	/* adding can overshoot by one month (day-of-month, CALCDT-5) */
	while (n > 0 && date_add_months(dob, 0, n) > on)
		n--;
	return n;
}

int date_age_years(vax_date dob, vax_date on)
{
	int y1, y2;
	if (dob == DATE_NONE || on == DATE_NONE || on < dob)
		return 0;
	date_to_ymd(dob, &y1, NULL, NULL);
	date_to_ymd(on, &y2, NULL, NULL);
	int n = y2 - y1;
	while (n > 0 && date_add_months(dob, n, 0) > on)
		n--;
	return n;
}

int32_t date_diff_days(vax_date a, vax_date b)
{
	return b - a;
}

char *date_format_age(vax_date dob, vax_date on, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (dob == DATE_NONE || on == DATE_NONE || on < dob)
		return buf;
	int months = date_age_months(dob, on);
	int days = date_diff_days(date_add_months(dob, 0, months), on);
	if (months >= 24)
		snprintf(buf, len, "%d y %d m", months / 12, months % 12);
	else if (months > 0)
		snprintf(buf, len, "%d m %d d", months, days);
	else
		snprintf(buf, len, "%d d", days);
	return buf;
}
