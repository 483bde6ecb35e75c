/* core/match.c - see match.h and doc/matching.md. */
#include "core/match.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nickname.h"
#include "core/phonetic.h"
#include "core/text.h"
#include "core/xalloc.h"

/* ---- names as token lists -------------------------------------------- */

#define TOK_MAX 6
#define TOK_LEN 48

struct toks {
	int n;
	char t[TOK_MAX][TOK_LEN];
	char ph[TOK_MAX][PHONETIC_LEN];
	char joined[VAX_NAME_LEN]; /* text_fold of the whole field */
	const char *raw;           /* as typed, for the reasons */
};

/* Spanish, Portuguese, Dutch and French particles: "de la Cruz" files as
 * Cruz when compared part by part (the joined form keeps them). */
static bool is_particle(const char *t)
{
	static const char *const p[] = {"DE", "DEL", "LA", "LAS", "LOS", "Y",   "E",  "DA",
	                                "DO", "DOS", "DI", "VAN", "VON", "DER", "LE", "ST"};
	for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
		if (strcmp(t, p[i]) == 0)
			return true;
	return false;
}

static void toks_make(const char *raw, struct toks *tk)
{
	char words[2 * VAX_NAME_LEN];
	tk->n = 0;
	tk->raw = raw ? raw : "";
	text_fold(tk->raw, tk->joined, sizeof tk->joined);
	text_fold_words(tk->raw, words, sizeof words);
	char all[TOK_MAX][TOK_LEN];
	int nall = 0, kept = 0;
	for (char *save = NULL, *w = strtok_r(words, " ", &save); w && nall < TOK_MAX;
	     w = strtok_r(NULL, " ", &save)) {
		text_copy(all[nall], TOK_LEN, w);
		if (!is_particle(w))
			kept++;
		nall++;
	}
	for (int i = 0; i < nall; i++) {
		/* a name made only of particles ("De La") keeps them */
		if (kept > 0 && is_particle(all[i]))
			continue;
		memcpy(tk->t[tk->n], all[i], TOK_LEN);
		phonetic_code(all[i], tk->ph[tk->n]);
		tk->n++;
	}
}

/* How well two name parts agree, best first. */
enum tok_kind { TK_NONE = 0, TK_INITIAL, TK_TYPO, TK_PHON, TK_NICK, TK_EXACT };

static enum tok_kind tok_compare(const struct toks *a, int i, const struct toks *b, int j, bool given)
{
	const char *x = a->t[i], *y = b->t[j];
	if (strcmp(x, y) == 0)
		return TK_EXACT;
	if (given && nickname_related(x, y))
		return TK_NICK;
	if (a->ph[i][0] && strcmp(a->ph[i], b->ph[j]) == 0 && strlen(x) > 1 && strlen(y) > 1)
		return TK_PHON;
	size_t lx = strlen(x), ly = strlen(y);
	if (lx >= 3 && ly >= 3 && phonetic_jaro_winkler(x, y) >= 0.88)
		return TK_TYPO;
	if ((lx == 1 || ly == 1) && x[0] == y[0])
		return TK_INITIAL;
	return TK_NONE;
}

/* Agreement levels of a name field. */
enum level {
	LV_MISSING = 0,
	LV_EXACT,
	LV_REORDER, /* same parts, other order: López García */
	LV_SUBSET,  /* one part of a compound: García vs García López */
	LV_NICK,    /* nickname: Bill vs William */
	LV_PHON,    /* sounds alike: Gonzales vs González */
	LV_TYPO,    /* close spelling: Rodirguez */
	LV_PARTIAL, /* compounds sharing one part: García Pérez vs García López */
	LV_INITIAL, /* J vs Juan */
	LV_MIDDLE,  /* given name typed is the record's middle name */
	LV_DISAGREE,
	LV_COUNT
};

static enum level names_compare(const struct toks *a, const struct toks *b, bool given)
{
	if (a->n == 0 || b->n == 0 || !a->joined[0] || !b->joined[0])
		return LV_MISSING;
	if (strcmp(a->joined, b->joined) == 0)
		return LV_EXACT;
	const struct toks *s = a->n <= b->n ? a : b, *l = s == a ? b : a;
	bool used[TOK_MAX] = {false};
	enum tok_kind worst = TK_EXACT;
	int matched = 0;
	bool in_order = true;
	int last_j = -1;
	for (int i = 0; i < s->n; i++) {
		enum tok_kind best = TK_NONE;
		int bj = -1;
		for (int j = 0; j < l->n; j++) {
			if (used[j])
				continue;
			enum tok_kind k =
			    s == a ? tok_compare(a, i, b, j, given) : tok_compare(a, j, b, i, given);
			if (k > best) {
				best = k;
				bj = j;
			}
		}
		if (bj >= 0 && best >= TK_TYPO) {
			used[bj] = true;
			matched++;
			if (bj < last_j)
				in_order = false;
			last_j = bj;
		} else if (bj >= 0 && best == TK_INITIAL) {
			used[bj] = true;
		}
		if (best < worst)
			worst = best;
	}
	if (matched == s->n) {
		if (worst == TK_EXACT) {
			if (s->n == l->n)
				return in_order ? LV_EXACT : LV_REORDER;
			return LV_SUBSET;
		}
		return worst == TK_NICK ? LV_NICK : worst == TK_PHON ? LV_PHON : LV_TYPO;
	}
	/* hyphens or spaces lost or added: GARCIALOPEZ vs GARCIA LOPES */
	if (a->n != b->n && phonetic_jaro_winkler(a->joined, b->joined) >= 0.92)
		return LV_TYPO;
	if (matched > 0 && s->n >= 2)
		return LV_PARTIAL;
	if (worst == TK_INITIAL)
		return LV_INITIAL;
	return LV_DISAGREE;
}

/* log2 likelihood ratios per level (see doc/matching.md). */
static const double w_family[LV_COUNT] = {
    [LV_MISSING] = 0, [LV_EXACT] = 8,  [LV_REORDER] = 7,     [LV_SUBSET] = 6.5,
    [LV_NICK] = 6,    [LV_PHON] = 6,   [LV_TYPO] = 5,        [LV_PARTIAL] = 3,
    [LV_INITIAL] = 0, [LV_MIDDLE] = 0, [LV_DISAGREE] = -3.5,
};
static const double w_given[LV_COUNT] = {
    [LV_MISSING] = 0, [LV_EXACT] = 7,  [LV_REORDER] = 6,   [LV_SUBSET] = 5.5,
    [LV_NICK] = 5.5,  [LV_PHON] = 5.5, [LV_TYPO] = 4.5,    [LV_PARTIAL] = 3,
    [LV_INITIAL] = 1, [LV_MIDDLE] = 4, [LV_DISAGREE] = -6,
};
static const double w_mother[LV_COUNT] = {
    [LV_MISSING] = 0, [LV_EXACT] = 4,  [LV_REORDER] = 4,   [LV_SUBSET] = 3.5,
    [LV_NICK] = 3,    [LV_PHON] = 3,   [LV_TYPO] = 3,      [LV_PARTIAL] = 2,
    [LV_INITIAL] = 0, [LV_MIDDLE] = 0, [LV_DISAGREE] = -4,
};

#define W_SWAPPED_PENALTY       1.0
#define W_DOB_EXACT             10.0
#define W_DOB_SWAPPED_DM        6.0
#define W_DOB_ONE_DIGIT         5.0
#define W_DOB_YEAR_ONE          4.0
#define W_DOB_DISAGREE          -8.0
#define W_SEX_AGREE             0.5
#define W_SEX_DISAGREE          -3.0
#define W_MIDDLE_AGREE          1.5
#define W_MIDDLE_INITIAL        0.5
#define W_MIDDLE_DISAGREE       -1.0
#define W_MOTHER_GIVEN_AGREE    1.5
#define W_MOTHER_GIVEN_DISAGREE -0.5
#define W_PHONE_AGREE           5.0
#define W_PHONE_DISAGREE        -0.5
#define W_ADDR_AGREE            4.0
#define W_ZIP_AGREE             1.0
#define W_ADDR_DISAGREE         -0.5
#define W_BIRTH_ORDER_DIFFERS   -5.0

/* ---- reasons --------------------------------------------------------- */

static void why(struct match_result *r, bool want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void why(struct match_result *r, bool want, const char *fmt, ...)
{
	if (!want || r->n_why >= MATCH_WHY_MAX)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->why[r->n_why++], MATCH_WHY_LEN, fmt, ap);
	va_end(ap);
}

static void why_name(struct match_result *r, bool want, const char *field, enum level lv, const char *q,
                     const char *c, bool aka)
{
	const char *suffix = aka ? ", an earlier name on record" : "";
	switch (lv) {
	case LV_MISSING:
		break;
	case LV_EXACT:
		if (aka)
			why(r, want, "%s agrees with an earlier name on record (%s)", field, c);
		else
			why(r, want, "%s agrees", field);
		break;
	case LV_REORDER:
		why(r, want, "%s parts in the other order (%s vs %s%s)", field, q, c, suffix);
		break;
	case LV_SUBSET:
		why(r, want, "%s is part of the compound name (%s vs %s%s)", field, q, c, suffix);
		break;
	case LV_NICK:
		why(r, want, "%s is a nickname of the other (%s vs %s%s)", field, q, c, suffix);
		break;
	case LV_PHON:
		why(r, want, "%s sounds alike (%s vs %s%s)", field, q, c, suffix);
		break;
	case LV_TYPO:
		why(r, want, "%s spelled differently (%s vs %s%s)", field, q, c, suffix);
		break;
	case LV_PARTIAL:
		why(r, want, "%s shares one part (%s vs %s%s)", field, q, c, suffix);
		break;
	case LV_INITIAL:
		why(r, want, "%s agrees by initial only (%s vs %s)", field, q, c);
		break;
	case LV_MIDDLE:
		why(r, want, "%s is the middle name on record (%s)", field, c);
		break;
	case LV_DISAGREE:
	case LV_COUNT:
		why(r, want, "%s differs (%s vs %s%s)", field, q, c, suffix);
		break;
	}
}

/* ---- field comparators ----------------------------------------------- */

enum dob_level { DOB_MISSING, DOB_EXACT, DOB_SWAPPED_DM, DOB_ONE_DIGIT, DOB_YEAR_ONE, DOB_DISAGREE };

static enum dob_level dob_compare(vax_date a, vax_date b)
{
	if (a == DATE_NONE || b == DATE_NONE)
		return DOB_MISSING;
	if (a == b)
		return DOB_EXACT;
	int ya, ma, da, yb, mb, db;
	date_to_ymd(a, &ya, &ma, &da);
	date_to_ymd(b, &yb, &mb, &db);
	if (ya == yb && ma == db && da == mb)
		return DOB_SWAPPED_DM;
	/* one key struck wrong, or two neighbouring digits swapped */
	char sa[16], sb[16];
	snprintf(sa, sizeof sa, "%02d%02d%04d", ma, da, ya);
	snprintf(sb, sizeof sb, "%02d%02d%04d", mb, db, yb);
	int diff = 0, first = -1, second = -1;
	for (int i = 0; i < 8; i++) {
		if (sa[i] != sb[i]) {
			if (diff == 0)
				first = i;
			else if (diff == 1)
				second = i;
			diff++;
		}
	}
	if (diff == 1)
		return DOB_ONE_DIGIT;
	if (diff == 2 && second == first + 1 && sa[first] == sb[second] && sa[second] == sb[first])
		return DOB_ONE_DIGIT;
	if (ma == mb && da == db && abs(ya - yb) == 1)
		return DOB_YEAR_ONE;
	return DOB_DISAGREE;
}

static bool phones_agree(const struct client *a, const struct client *b, bool *both)
{
	*both = a->n_phone > 0 && b->n_phone > 0;
	for (int i = 0; i < a->n_phone && i < CLIENT_PHONE_MAX; i++) {
		char x[16];
		text_digits(a->phone[i].number, x, sizeof x);
		if (strlen(x) < 7)
			continue;
		for (int j = 0; j < b->n_phone && j < CLIENT_PHONE_MAX; j++) {
			char y[16];
			text_digits(b->phone[j].number, y, sizeof y);
			if (strcmp(x, y) == 0)
				return true;
		}
	}
	return false;
}

enum addr_level { ADDR_MISSING, ADDR_AGREE, ADDR_ZIP, ADDR_DISAGREE };

static enum addr_level addr_compare(const struct client *a, const struct client *b)
{
	enum addr_level best = ADDR_MISSING;
	for (int i = 0; i < a->n_addr && i < CLIENT_ADDR_MAX; i++) {
		char la[VAX_NAME_LEN];
		text_fold(a->addr[i].line1, la, sizeof la);
		if (!la[0] && !a->addr[i].zip[0])
			continue;
		for (int j = 0; j < b->n_addr && j < CLIENT_ADDR_MAX; j++) {
			char lb[VAX_NAME_LEN];
			text_fold(b->addr[j].line1, lb, sizeof lb);
			if (!lb[0] && !b->addr[j].zip[0])
				continue;
			bool zip = a->addr[i].zip[0] && strncmp(a->addr[i].zip, b->addr[j].zip, 5) == 0;
			if (la[0] && strcmp(la, lb) == 0 && (zip || !a->addr[i].zip[0] || !b->addr[j].zip[0]))
				return ADDR_AGREE;
			if (zip)
				best = ADDR_ZIP;
			else if (best == ADDR_MISSING)
				best = ADDR_DISAGREE;
		}
	}
	return best;
}

/* ---- the score ------------------------------------------------------- */

struct name_cmp {
	double w;
	enum level fam, giv;
	bool swapped;
	int cand_name; /* 0 = current name, k = aka[k - 1] */
	const struct person_name *cn;
};

static void name_try(const struct person_name *q, const struct person_name *cn, int which,
                     struct name_cmp *best)
{
	struct toks qf, qg, cf, cg;
	toks_make(q->family, &qf);
	toks_make(q->given, &qg);
	toks_make(cn->family, &cf);
	toks_make(cn->given, &cg);

	enum level fam = names_compare(&qf, &cf, false);
	enum level giv = names_compare(&qg, &cg, true);
	if (giv == LV_DISAGREE && cn->middle[0]) {
		struct toks cm;
		toks_make(cn->middle, &cm);
		enum level m = names_compare(&qg, &cm, true);
		if (m == LV_EXACT || m == LV_NICK || m == LV_PHON || m == LV_SUBSET)
			giv = LV_MIDDLE;
	}
	double w = w_family[fam] + w_given[giv];
	/* an earlier name counts a little less than the current one */
	if (which > 0)
		w -= 0.5;
	if (w > best->w || best->cn == NULL) {
		*best = (struct name_cmp){w, fam, giv, false, which, cn};
	}
	/* first and last typed in each other's box */
	enum level sf = names_compare(&qf, &cg, true);
	enum level sg = names_compare(&qg, &cf, false);
	if (sf != LV_DISAGREE && sf != LV_MISSING && sg != LV_DISAGREE && sg != LV_MISSING) {
		double ws = w_family[sg] + w_given[sf] - W_SWAPPED_PENALTY - (which > 0 ? 0.5 : 0);
		if (ws > best->w)
			*best = (struct name_cmp){ws, sg, sf, true, which, cn};
	}
}

static enum match_grade grade_of(double w)
{
	if (w >= MATCH_W_CERTAIN)
		return MATCH_CERTAIN;
	if (w >= MATCH_W_PROBABLE)
		return MATCH_PROBABLE;
	if (w >= MATCH_W_POSSIBLE)
		return MATCH_POSSIBLE;
	return MATCH_NONE;
}

static void score(const struct client *q, const struct client *c, struct match_result *r, bool want)
{
	memset(r, 0, sizeof *r);
	double w = 0;

	/* names: the best of the record's current and earlier names */
	struct name_cmp nc = {0};
	name_try(&q->name, &c->name, 0, &nc);
	for (int k = 0; k < c->n_aka && k < CLIENT_AKA_MAX; k++)
		name_try(&q->name, &c->aka[k], k + 1, &nc);
	w += nc.w;
	if (nc.swapped) {
		why(r, want, "first and last names swapped (%s, %s vs %s, %s)", q->name.family, q->name.given,
		    nc.cn->family, nc.cn->given);
	} else {
		why_name(r, want, "last name", nc.fam, q->name.family, nc.cn->family, nc.cand_name > 0);
		why_name(r, want, "first name", nc.giv, q->name.given,
		         nc.giv == LV_MIDDLE ? nc.cn->middle : nc.cn->given, false);
	}

	/* middle name: weak evidence either way */
	char qm[VAX_NAME_LEN], cm[VAX_NAME_LEN];
	text_fold(q->name.middle, qm, sizeof qm);
	text_fold(nc.cn->middle, cm, sizeof cm);
	if (qm[0] && cm[0] && nc.giv != LV_MIDDLE) {
		if (strcmp(qm, cm) == 0 || nickname_related(qm, cm)) {
			w += W_MIDDLE_AGREE;
			why(r, want, "middle name agrees");
		} else if ((!qm[1] || !cm[1]) && qm[0] == cm[0]) {
			w += W_MIDDLE_INITIAL;
			why(r, want, "middle initial agrees");
		} else {
			w += W_MIDDLE_DISAGREE;
			why(r, want, "middle name differs (%s vs %s)", q->name.middle, nc.cn->middle);
		}
	}

	enum dob_level dl = dob_compare(q->dob, c->dob);
	char da[DATE_US_LEN], db[DATE_US_LEN];
	if (want && dl != DOB_MISSING) {
		date_format_us(q->dob, da);
		date_format_us(c->dob, db);
	}
	switch (dl) {
	case DOB_MISSING:
		break;
	case DOB_EXACT:
		w += W_DOB_EXACT;
		why(r, want, "DOB agrees");
		break;
	case DOB_SWAPPED_DM:
		w += W_DOB_SWAPPED_DM;
		why(r, want, "DOB has day and month swapped (%s vs %s)", da, db);
		break;
	case DOB_ONE_DIGIT:
		w += W_DOB_ONE_DIGIT;
		why(r, want, "DOB differs by one digit (%s vs %s)", da, db);
		break;
	case DOB_YEAR_ONE:
		w += W_DOB_YEAR_ONE;
		why(r, want, "DOB year differs by one (%s vs %s)", da, db);
		break;
	case DOB_DISAGREE:
		w += W_DOB_DISAGREE;
		why(r, want, "DOB differs (%s vs %s)", da, db);
		break;
	}

	bool sex_differs = false;
	if (q->sex != SEX_NONE && q->sex != SEX_UNKNOWN && c->sex != SEX_NONE && c->sex != SEX_UNKNOWN) {
		if (q->sex == c->sex) {
			w += W_SEX_AGREE;
			why(r, want, "sex agrees");
		} else {
			/* boy-girl twins: María and Mario fold alike */
			sex_differs = true;
			w += W_SEX_DISAGREE;
			why(r, want, "sex differs (%s vs %s)", client_sex_label(q->sex),
			    client_sex_label(c->sex));
		}
	}

	struct toks qmm, cmm;
	toks_make(q->mother_maiden, &qmm);
	toks_make(c->mother_maiden, &cmm);
	enum level ml = names_compare(&qmm, &cmm, false);
	w += w_mother[ml];
	why_name(r, want, "mother's maiden name", ml, q->mother_maiden, c->mother_maiden, false);

	char qmg[VAX_NAME_LEN], cmg[VAX_NAME_LEN];
	text_fold(q->mother_given, qmg, sizeof qmg);
	text_fold(c->mother_given, cmg, sizeof cmg);
	if (qmg[0] && cmg[0]) {
		if (strcmp(qmg, cmg) == 0 || nickname_related(qmg, cmg) || phonetic_equal(qmg, cmg)) {
			w += W_MOTHER_GIVEN_AGREE;
			why(r, want, "mother's first name agrees");
		} else {
			w += W_MOTHER_GIVEN_DISAGREE;
			why(r, want, "mother's first name differs (%s vs %s)", q->mother_given,
			    c->mother_given);
		}
	}

	bool both, corroborated = ml != LV_MISSING && ml != LV_DISAGREE && ml != LV_INITIAL;
	if (phones_agree(q, c, &both)) {
		corroborated = true;
		w += W_PHONE_AGREE;
		why(r, want, "phone agrees");
	} else if (both) {
		w += W_PHONE_DISAGREE;
		why(r, want, "phone differs");
	}

	switch (addr_compare(q, c)) {
	case ADDR_MISSING:
		break;
	case ADDR_AGREE:
		corroborated = true;
		w += W_ADDR_AGREE;
		why(r, want, "address agrees");
		break;
	case ADDR_ZIP:
		w += W_ZIP_AGREE;
		why(r, want, "ZIP agrees, street differs");
		break;
	case ADDR_DISAGREE:
		w += W_ADDR_DISAGREE;
		why(r, want, "address differs");
		break;
	}

	/* Twins and other multiples: same DOB and parents, so everything but
	 * the first name agrees. A first name that clearly differs, or a
	 * different birth order, must never make a certain match. */
	bool cap = false;
	if (q->multiple_birth > 0 && c->multiple_birth > 0 && q->multiple_birth != c->multiple_birth) {
		w += W_BIRTH_ORDER_DIFFERS;
		cap = true;
		why(r, want, "different birth order (%d vs %d): a twin?", q->multiple_birth,
		    c->multiple_birth);
	}
	if (nc.giv == LV_DISAGREE && (dl == DOB_EXACT || dl == DOB_ONE_DIGIT || dl == DOB_SWAPPED_DM)) {
		cap = true;
		why(r, want, "same DOB but a different first name: a twin or sibling?");
	} else if ((q->multiple_birth > 0 || c->multiple_birth > 0) && nc.giv != LV_EXACT &&
	           nc.giv != LV_NICK && nc.giv != LV_REORDER && nc.giv != LV_SUBSET) {
		/* Hùng and Hương fold alike: for a known twin only the
		 * first name itself can be certain */
		cap = true;
		why(r, want, "a twin on record: the first name must agree for a certain match");
	}
	/* Certain needs the DOB itself and a first name that agrees: without
	 * them siblings (and twins) are too alike, and a DOB with a typo is
	 * for a person to confirm and correct. */
	if (sex_differs || dl != DOB_EXACT || nc.giv == LV_MISSING || nc.giv == LV_INITIAL ||
	    nc.giv == LV_MIDDLE || nc.giv == LV_DISAGREE)
		cap = true;
	/* A mother's maiden name does not change: when the record and the
	 * desk disagree on it, this is a namesake until a person says not. */
	if (ml == LV_DISAGREE)
		cap = true;
	/* a surname that is only part of the other, shares a part or
	 * differs (a name change) needs a contact field to agree as well */
	if ((nc.fam == LV_SUBSET || nc.fam == LV_PARTIAL || nc.fam == LV_DISAGREE || nc.fam == LV_MISSING ||
	     nc.fam == LV_INITIAL) &&
	    !corroborated)
		cap = true;
	/* Garza and García sound alike to the key: different spellings of a
	 * common surname are for a person to confirm; a slip of one key
	 * (Rodrigeuz) is not */
	if ((nc.fam == LV_PHON || nc.fam == LV_TYPO) && !corroborated) {
		char fa[VAX_NAME_LEN], fb[VAX_NAME_LEN];
		text_fold(nc.swapped ? q->name.given : q->name.family, fa, sizeof fa);
		text_fold(nc.cn->family, fb, sizeof fb);
		if (phonetic_jaro_winkler(fa, fb) < 0.9)
			cap = true;
	}

	r->weight = w;
	r->score = 1.0 / (1.0 + exp(-(w - MATCH_W_PROBABLE) / 2.0));
	r->grade = grade_of(w);
	r->not_certain = cap;
	if (cap && r->grade > MATCH_PROBABLE)
		r->grade = MATCH_PROBABLE;
}

void match_score(const struct client *query, const struct client *candidate, struct match_result *out)
{
	score(query, candidate, out, true);
}

const char *match_grade_code(enum match_grade g)
{
	switch (g) {
	case MATCH_CERTAIN:
		return "certain";
	case MATCH_PROBABLE:
		return "probable";
	case MATCH_POSSIBLE:
		return "possible";
	case MATCH_NONE:
		break;
	}
	return "certainly-not";
}

/* ---- blocking keys --------------------------------------------------- */

static void key_add(struct match_keys *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void key_add(struct match_keys *k, const char *fmt, ...)
{
	char buf[MATCH_KEY_LEN];
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof buf || k->n >= MATCH_KEYS_MAX)
		return;
	for (int i = 0; i < k->n; i++)
		if (strcmp(k->key[i], buf) == 0)
			return;
	memcpy(k->key[k->n++], buf, (size_t)len + 1);
}

#define GIVEN_CODES_MAX 24

/* Phonetic codes a given name files under: each of its first two parts,
 * and every full name a part is a nickname of (so Bill meets William and
 * Memo meets Guille through Guillermo). */
static int given_codes(const char *given, char codes[GIVEN_CODES_MAX][PHONETIC_LEN])
{
	struct toks g;
	int n = 0;
	toks_make(given, &g);
	for (int i = 0; i < g.n && i < 2; i++) {
		const char *forms[1 + NICKNAME_FULL_MAX] = {g.t[i]};
		int nf = 1;
		const struct nickname_entry *e = nickname_find(g.t[i]);
		for (int j = 0; e && j < NICKNAME_FULL_MAX && e->full[j]; j++)
			forms[nf++] = e->full[j];
		for (int f = 0; f < nf; f++) {
			char code[PHONETIC_LEN];
			phonetic_code(forms[f], code);
			bool dup = !code[0];
			for (int x = 0; x < n && !dup; x++)
				dup = strcmp(codes[x], code) == 0;
			if (!dup && n < GIVEN_CODES_MAX)
				memcpy(codes[n++], code, PHONETIC_LEN);
		}
	}
	return n;
}

static void name_keys(const char *family, const char *given, int year, int mmdd, struct match_keys *k)
{
	char gc[GIVEN_CODES_MAX][PHONETIC_LEN];
	int ng = given_codes(given, gc);
	struct toks f;
	toks_make(family, &f);
	for (int i = 0; i < f.n && i < 3; i++) {
		if (!f.ph[i][0])
			continue;
		for (int g = 0; g < ng; g++)
			key_add(k, "GF:%s:%s", gc[g], f.ph[i]);
		if (year > 0) {
			key_add(k, "FY:%s:%d", f.ph[i], year);
			key_add(k, "FM:%s:%04d", f.ph[i], mmdd);
		}
	}
	for (int g = 0; g < ng && year > 0; g++) {
		key_add(k, "GY:%s:%d", gc[g], year);
		key_add(k, "GM:%s:%04d", gc[g], mmdd);
	}
}

static void phone_keys(const struct client *c, struct match_keys *k)
{
	for (int i = 0; i < c->n_phone && i < CLIENT_PHONE_MAX; i++) {
		char p[16];
		text_digits(c->phone[i].number, p, sizeof p);
		if (strlen(p) >= 7)
			key_add(k, "P:%s", p);
	}
}

static void keys_of(const struct client *c, struct match_keys *k)
{
	int y = 0, m = 0, d = 0;
	if (c->dob != DATE_NONE) {
		date_to_ymd(c->dob, &y, &m, &d);
		key_add(k, "D:%04d%02d%02d", y, m, d);
	}
	name_keys(c->name.family, c->name.given, y, m * 100 + d, k);
	for (int i = 0; i < c->n_aka && i < CLIENT_AKA_MAX; i++)
		name_keys(c->aka[i].family, c->aka[i].given, y, m * 100 + d, k);
	phone_keys(c, k);
}

void match_keys_record(const struct client *c, struct match_keys *out)
{
	out->n = 0;
	keys_of(c, out);
}

void match_keys_query(const struct client *q, struct match_keys *out)
{
	out->n = 0;
	keys_of(q, out);
	int y = 0, m = 0, d = 0;
	if (q->dob != DATE_NONE) {
		date_to_ymd(q->dob, &y, &m, &d);
		if (m != d && date_valid_ymd(y, d, m))
			key_add(out, "D:%04d%02d%02d", y, d, m);
	}
	name_keys(q->name.given, q->name.family, y, m * 100 + d, out);
}

/* ---- narrow blocking keys ---------------------------------------------- */

/* Phonetic codes of a family name's first three parts. */
static int family_codes(const char *family, char codes[3][PHONETIC_LEN])
{
	struct toks f;
	int n = 0;
	toks_make(family, &f);
	for (int i = 0; i < f.n && n < 3; i++) {
		bool dup = !f.ph[i][0];
		for (int x = 0; x < n && !dup; x++)
			dup = strcmp(codes[x], f.ph[i]) == 0;
		if (!dup)
			memcpy(codes[n++], f.ph[i], PHONETIC_LEN);
	}
	return n;
}

enum { BK_RECORD, BK_QUERY, BK_WIDE };

/* The keys of one name and one DOB (y 0 = none). A record stores every
 * kind; a query asks for the narrow ones (mode BK_QUERY: the name and DOB
 * keys when it has a DOB, the name-only key when it has none) or the wide
 * ones (BK_WIDE: one name with part of the DOB). */
static void block_name(const char *family, const char *given, int y, int m, int d, int mode,
                       struct match_keys *k)
{
	char gc[GIVEN_CODES_MAX][PHONETIC_LEN], fc[3][PHONETIC_LEN];
	int ng = given_codes(given, gc), nf = family_codes(family, fc);
	bool narrow = mode != BK_WIDE, wide = mode != BK_QUERY;
	for (int g = 0; g < ng; g++)
		for (int f = 0; f < nf; f++) {
			if (y > 0 && narrow) {
				key_add(k, "Y:%s:%s:%04d%02d", gc[g], fc[f], y, m);
				key_add(k, "M:%s:%s:%04d%02d", gc[g], fc[f], y, d);
				key_add(k, "X:%s:%s:%02d%02d", gc[g], fc[f], m, d);
			}
			if (mode == BK_RECORD || y == 0)
				key_add(k, "N:%s:%s", gc[g], fc[f]);
		}
	if (y == 0)
		return;
	for (int g = 0; g < ng; g++) {
		if (narrow)
			key_add(k, "G:%s:%04d%02d%02d", gc[g], y, m, d);
		if (wide) {
			key_add(k, "A:%s:%04d%02d", gc[g], y, m);
			key_add(k, "H:%s:%04d%02d", gc[g], y, d);
			key_add(k, "B:%s:%02d%02d", gc[g], m, d);
		}
	}
	for (int f = 0; f < nf; f++) {
		if (narrow)
			key_add(k, "F:%s:%04d%02d%02d", fc[f], y, m, d);
		if (wide) {
			key_add(k, "C:%s:%04d%02d", fc[f], y, m);
			key_add(k, "I:%s:%04d%02d", fc[f], y, d);
			key_add(k, "E:%s:%02d%02d", fc[f], m, d);
		}
	}
}

static void block_keys(const struct client *c, int y, int m, int d, int mode, struct match_keys *k)
{
	block_name(c->name.family, c->name.given, y, m, d, mode, k);
	for (int i = 0; mode == BK_RECORD && i < c->n_aka && i < CLIENT_AKA_MAX; i++)
		block_name(c->aka[i].family, c->aka[i].given, y, m, d, mode, k);
}

void match_block_record(const struct client *c, struct match_keys *out)
{
	int y = 0, m = 0, d = 0;
	out->n = 0;
	if (c->dob != DATE_NONE) {
		date_to_ymd(c->dob, &y, &m, &d);
		key_add(out, "D:%04d%02d%02d", y, m, d);
	}
	block_keys(c, y, m, d, BK_RECORD, out);
	phone_keys(c, out);
}

void match_block_query(const struct client *q, struct match_keys *out)
{
	int y = 0, m = 0, d = 0;
	out->n = 0;
	if (q->dob != DATE_NONE)
		date_to_ymd(q->dob, &y, &m, &d);
	bool names = q->name.family[0] || q->name.given[0];
	if (y > 0 && !names)
		key_add(out, "D:%04d%02d%02d", y, m, d);
	block_keys(q, y, m, d, BK_QUERY, out);
	/* first and last typed in each other's box */
	block_name(q->name.given, q->name.family, y, m, d, BK_QUERY, out);
	/* day and month swapped */
	if (y > 0 && m != d && date_valid_ymd(y, d, m)) {
		if (!names)
			key_add(out, "D:%04d%02d%02d", y, d, m);
		block_keys(q, y, d, m, BK_QUERY, out);
	}
	/* with a DOB, any one field wrong leaves a name-and-DOB key; a phone
	 * (shared by a household, a clinic) is for the wide look */
	if (y == 0)
		phone_keys(q, out);
}

void match_block_wide(const struct client *q, struct match_keys *out)
{
	int y = 0, m = 0, d = 0;
	out->n = 0;
	if (q->dob == DATE_NONE)
		return; /* the narrow keys of a query without a DOB are its names and phone */
	date_to_ymd(q->dob, &y, &m, &d);
	phone_keys(q, out);
	key_add(out, "D:%04d%02d%02d", y, m, d);
	block_name(q->name.family, q->name.given, y, m, d, BK_WIDE, out);
	block_name(q->name.given, q->name.family, y, m, d, BK_WIDE, out);
	if (m != d && date_valid_ymd(y, d, m)) {
		key_add(out, "D:%04d%02d%02d", y, d, m);
		block_name(q->name.family, q->name.given, y, d, m, BK_WIDE, out);
	}
}

/* ---- in-memory index ------------------------------------------------- */

struct posting {
	uint64_t h; /* 0 = empty slot */
	uint32_t *pos;
	size_t n, cap;
};

struct match_index {
	struct posting *slot;
	size_t cap, used;
};

static uint64_t key_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h ? h : 1;
}

struct match_index *match_index_new(void)
{
	struct match_index *ix = xcalloc(1, sizeof *ix);
	ix->cap = 1024;
	ix->slot = xcalloc(ix->cap, sizeof *ix->slot);
	return ix;
}

void match_index_free(struct match_index *ix)
{
	if (!ix)
		return;
	for (size_t i = 0; i < ix->cap; i++)
		free(ix->slot[i].pos);
	free(ix->slot);
	free(ix);
}

static struct posting *slot_find(const struct match_index *ix, uint64_t h)
{
	size_t i = (size_t)h & (ix->cap - 1);
	while (ix->slot[i].h && ix->slot[i].h != h)
		i = (i + 1) & (ix->cap - 1);
	return &ix->slot[i];
}

static void index_grow(struct match_index *ix)
{
	struct match_index big = {xcalloc(ix->cap * 2, sizeof(struct posting)), ix->cap * 2, ix->used};
	for (size_t i = 0; i < ix->cap; i++)
		if (ix->slot[i].h)
			*slot_find(&big, ix->slot[i].h) = ix->slot[i];
	free(ix->slot);
	*ix = big;
}

void match_index_add(struct match_index *ix, const struct client *c, uint32_t pos)
{
	struct match_keys k;
	match_block_record(c, &k);
	for (int i = 0; i < k.n; i++) {
		if ((ix->used + 1) * 4 > ix->cap * 3)
			index_grow(ix);
		uint64_t h = key_hash(k.key[i]);
		struct posting *p = slot_find(ix, h);
		if (!p->h) {
			p->h = h;
			ix->used++;
		}
		p->pos = xgrow(p->pos, &p->cap, p->n + 1, sizeof *p->pos);
		p->pos[p->n++] = pos;
	}
}

const uint32_t *match_index_lookup(const struct match_index *ix, const char *key, size_t *n)
{
	struct posting *p = slot_find(ix, key_hash(key));
	*n = p->h ? p->n : 0;
	return p->h ? p->pos : NULL;
}

/* ---- twins ------------------------------------------------------------ */

static bool given_same(const char *a, const char *b)
{
	char fa[VAX_NAME_LEN], fb[VAX_NAME_LEN];
	text_fold(a, fa, sizeof fa);
	text_fold(b, fb, sizeof fb);
	return fa[0] && strcmp(fa, fb) == 0;
}

/* Two records of different people born the same day under the same
 * surname: twins (or triplets), whatever their first names. Records with
 * the same first name and no differing birth order are one person twice,
 * not twins. */
static bool co_twins(const struct client *a, const struct client *b)
{
	if (a == b || a->dob == DATE_NONE || a->dob != b->dob)
		return false;
	struct toks fa, fb;
	toks_make(a->name.family, &fa);
	toks_make(b->name.family, &fb);
	enum level fam = names_compare(&fa, &fb, false);
	if (fam != LV_EXACT && fam != LV_REORDER && fam != LV_SUBSET)
		return false;
	bool orders_differ =
	    a->multiple_birth > 0 && b->multiple_birth > 0 && a->multiple_birth != b->multiple_birth;
	return orders_differ || !given_same(a->name.given, b->name.given);
}

/* How the query's first name agrees with a record's, names swapped and
 * earlier names included, as the score sees it. */
static enum level given_level(const struct client *q, const struct client *c)
{
	struct name_cmp nc = {0};
	name_try(&q->name, &c->name, 0, &nc);
	for (int k = 0; k < c->n_aka && k < CLIENT_AKA_MAX; k++)
		name_try(&q->name, &c->aka[k], k + 1, &nc);
	return nc.giv;
}

/* May cand stay certain beside its co-twin? Only when the query tells them
 * apart: by birth order where the query and both records carry one, by a
 * first name that fits the co-twin not at all, or by one that is the
 * candidate's own exactly and not the co-twin's. A nickname or a look-alike
 * name that could be either twin's never does. */
static bool tells_apart(const struct client *q, const struct client *cand, const struct client *twin)
{
	if (q->multiple_birth > 0 && cand->multiple_birth == q->multiple_birth && twin->multiple_birth > 0 &&
	    twin->multiple_birth != q->multiple_birth)
		return true;
	enum level lt = given_level(q, twin);
	if (lt == LV_DISAGREE)
		return true;
	return given_level(q, cand) == LV_EXACT && lt != LV_EXACT;
}

static void twin_cap(struct match_result *r)
{
	r->not_certain = true;
	if (r->grade > MATCH_PROBABLE)
		r->grade = MATCH_PROBABLE;
	why(r, true, "a twin on record (same DOB and last name): confirm which one");
}

void match_twins(const struct client *query, const struct client *const *cands, struct match_result *res,
                 size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (res[i].grade != MATCH_CERTAIN)
			continue;
		for (size_t j = 0; j < n; j++)
			if (j != i && co_twins(cands[i], cands[j]) &&
			    !tells_apart(query, cands[i], cands[j])) {
				twin_cap(&res[i]);
				break;
			}
	}
}

/* ---- search ---------------------------------------------------------- */

/* A candidate: its position and its weight and grade (reasons come later,
 * for what is shown). */
struct scored {
	size_t pos;
	double weight;
	enum match_grade grade;
	bool twin; /* capped by the twin rule */
};

static int scored_cmp(const void *pa, const void *pb)
{
	const struct scored *a = pa, *b = pb;
	if (a->grade != b->grade)
		return a->grade < b->grade ? 1 : -1;
	if (a->weight != b->weight)
		return a->weight < b->weight ? 1 : -1;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* Add the records under keys not seen yet. */
static void gather(const struct match_index *ix, const struct match_keys *k, size_t n, uint8_t *seen,
                   struct scored **c, size_t *nc, size_t *cap)
{
	for (int i = 0; i < k->n; i++) {
		size_t np;
		const uint32_t *p = match_index_lookup(ix, k->key[i], &np);
		for (size_t j = 0; j < np; j++) {
			uint32_t pos = p[j];
			if (pos >= n || (seen[pos / 8] & (1u << (pos % 8))))
				continue;
			seen[pos / 8] |= (uint8_t)(1u << (pos % 8));
			*c = xgrow(*c, cap, *nc + 1, sizeof **c);
			(*c)[(*nc)++] = (struct scored){.pos = pos};
		}
	}
}

static void score_from(const struct client *query, const struct client *arr, struct scored *c, size_t from,
                       size_t to)
{
	struct match_result *r = xmalloc(sizeof *r);
	for (size_t i = from; i < to; i++) {
		score(query, &arr[c[i].pos], r, false);
		c[i].weight = r->weight;
		c[i].grade = r->grade;
	}
	free(r);
}

size_t match_search(const struct client *query, const struct client *arr, size_t n,
                    const struct match_index *ix, struct match_result *out, size_t max, size_t *scored)
{
	if (max == 0) {
		if (scored)
			*scored = 0;
		return 0;
	}
	size_t nc = 0, cap = 0;
	struct scored *c = NULL;
	uint8_t *seen = NULL;
	if (!ix) {
		c = xcalloc(n ? n : 1, sizeof *c);
		for (size_t i = 0; i < n; i++)
			c[nc++].pos = i;
		score_from(query, arr, c, 0, nc);
	} else {
		struct match_keys *k = xmalloc(sizeof *k);
		seen = xcalloc(n / 8 + 1, 1);
		match_block_query(query, k);
		gather(ix, k, n, seen, &c, &nc, &cap);
		score_from(query, arr, c, 0, nc);
		/* nothing probable from the narrow keys: a query with two
		 * fields wrong, or a new client; look wider before saying so */
		bool probable = false;
		for (size_t i = 0; i < nc && !probable; i++)
			probable = c[i].grade >= MATCH_PROBABLE;
		if (!probable) {
			size_t before = nc;
			match_block_wide(query, k);
			gather(ix, k, n, seen, &c, &nc, &cap);
			score_from(query, arr, c, before, nc);
		}
		free(seen);
		free(k);
	}
	/* the twin rule looks at every candidate, graded or not: a co-twin
	 * whose first name differs wholly may score below possible */
	for (size_t i = 0; i < nc; i++) {
		if (c[i].grade != MATCH_CERTAIN)
			continue;
		for (size_t j = 0; j < nc && !c[i].twin; j++)
			if (j != i && co_twins(&arr[c[i].pos], &arr[c[j].pos]) &&
			    !tells_apart(query, &arr[c[i].pos], &arr[c[j].pos])) {
				c[i].twin = true;
				c[i].grade = MATCH_PROBABLE;
			}
	}
	if (nc)
		qsort(c, nc, sizeof *c, scored_cmp);
	size_t have = 0;
	for (size_t i = 0; i < nc && have < max && c[i].grade != MATCH_NONE; i++) {
		/* the reasons only for what is shown */
		score(query, &arr[c[i].pos], &out[have], true);
		if (c[i].twin)
			twin_cap(&out[have]);
		out[have].index = c[i].pos;
		have++;
	}
	free(c);
	if (scored)
		*scored = nc;
	return have;
}
