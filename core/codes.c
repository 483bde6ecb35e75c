/* core/codes.c - see codes.h. Tables are small (hundreds of rows), so
 * lookups are linear scans over arrays kept in file order; pickers need that
 * order anyway. */
#include "core/codes.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/text.h"
#include "core/xalloc.h"

struct group_row {
	char cvx[4];
	char *group;
};

struct link_row {
	char sale_id[16];
	char use_id[16];
	char mvx[4];
};

struct ndc_row {
	struct ndc_info info;
	char inner_id[16];
};

struct codes {
	struct cvx_info *cvx;
	size_t n_cvx, cap_cvx;
	struct mvx_info *mvx;
	size_t n_mvx, cap_mvx;
	struct group_row *grp;
	size_t n_grp, cap_grp;
	struct product_info *prod;
	size_t n_prod, cap_prod;
	struct ndc_row *ndc;
	size_t n_ndc, cap_ndc;
	struct vis_info *vis;
	size_t n_vis, cap_vis;
	struct link_row *link;
	size_t n_link, cap_link;
	bool loaded[CODES_TABLE_COUNT];
};

/* The exact header of each table. Every column must be present and no
 * other may appear: a renamed or added column means the file is not the
 * one this code was written for, and a person should look before it is
 * trusted for clinical data. */
static const char *const table_cols[CODES_TABLE_COUNT][18] = {
    [CODES_CVX] = {"cvx_code", "short_description", "full_vaccine_name", "status", "last_updated", "notes"},
    [CODES_MVX] = {"mvx_code", "manufacturer_name", "status", "last_updated", "notes"},
    [CODES_VACCINE_GROUP] = {"cvx_code", "short_description", "cvx_status", "vaccine_group_name",
                             "vaccine_group_cvx"},
    [CODES_PRODUCT] = {"cdc_product_name", "cvx_short_description", "cvx_code", "manufacturer", "mvx_code",
                       "mvx_status", "product_name_status", "last_updated"},
    [CODES_NDC_SALE] = {"sale_ndc_inner_id", "labeler", "product", "package", "proprietary_name",
                        "description", "labeler_name", "start_date", "end_date", "package_form", "route",
                        "last_updated", "cvx_code", "cvx_short_description", "ndc11", "gtin"},
    [CODES_NDC_USE] = {"use_ndc_inner_id", "labeler", "product", "package", "proprietary_name", "description",
                       "labeler_name", "start_date", "end_date", "package_form", "gtin", "cvx_code",
                       "cvx_short_description", "no_inner", "ndc11", "last_updated", "gtin_2"},
    [CODES_VIS] = {"cvx_code", "cvx_description", "vis_document_name", "vis_edition_date",
                   "vis_fully_encoded_string", "vis_status"},
    [CODES_NDC_LINK] = {"linker_id", "sale_ndc_inner_id", "use_ndc_inner_id", "mvx_code"},
};

static const char *const table_file[CODES_TABLE_COUNT] = {
    [CODES_CVX] = "cvx.csv",
    [CODES_MVX] = "mvx.csv",
    [CODES_VACCINE_GROUP] = "cvx_to_vaccine_group.csv",
    [CODES_PRODUCT] = "cvx_mvx_product_names.csv",
    [CODES_NDC_SALE] = "ndc_unit_of_sale.csv",
    [CODES_NDC_USE] = "ndc_unit_of_use.csv",
    [CODES_VIS] = "cvx_to_vis.csv",
    [CODES_NDC_LINK] = "ndc_linker.csv",
};

const char *codes_table_file(enum codes_table t)
{
	return t < CODES_TABLE_COUNT ? table_file[t] : "";
}

struct codes *codes_new(void)
{
	return xcalloc(1, sizeof(struct codes));
}

static void clear_table(struct codes *c, enum codes_table t)
{
	switch (t) {
	case CODES_CVX:
		for (size_t i = 0; i < c->n_cvx; i++) {
			free(c->cvx[i].short_desc);
			free(c->cvx[i].full_name);
		}
		c->n_cvx = 0;
		break;
	case CODES_MVX:
		for (size_t i = 0; i < c->n_mvx; i++)
			free(c->mvx[i].name);
		c->n_mvx = 0;
		break;
	case CODES_VACCINE_GROUP:
		for (size_t i = 0; i < c->n_grp; i++)
			free(c->grp[i].group);
		c->n_grp = 0;
		break;
	case CODES_PRODUCT:
		for (size_t i = 0; i < c->n_prod; i++)
			free(c->prod[i].name);
		c->n_prod = 0;
		break;
	case CODES_NDC_SALE:
	case CODES_NDC_USE: {
		/* both NDC tables share one array; drop the rows of this one */
		bool use = t == CODES_NDC_USE;
		size_t k = 0;
		for (size_t i = 0; i < c->n_ndc; i++) {
			if (c->ndc[i].info.unit_of_use == use)
				free(c->ndc[i].info.name);
			else
				c->ndc[k++] = c->ndc[i];
		}
		c->n_ndc = k;
		break;
	}
	case CODES_VIS:
		for (size_t i = 0; i < c->n_vis; i++)
			free(c->vis[i].document);
		c->n_vis = 0;
		break;
	case CODES_NDC_LINK:
		c->n_link = 0;
		break;
	case CODES_TABLE_COUNT:
		break;
	}
	c->loaded[t] = false;
}

void codes_free(struct codes **cp)
{
	struct codes *c = *cp;
	if (!c)
		return;
	for (int t = 0; t < CODES_TABLE_COUNT; t++)
		clear_table(c, (enum codes_table)t);
	free(c->cvx);
	free(c->mvx);
	free(c->grp);
	free(c->prod);
	free(c->ndc);
	free(c->vis);
	free(c->link);
	free(c);
	*cp = NULL;
}

bool codes_complete(const struct codes *c)
{
	for (int t = 0; t < CODES_TABLE_COUNT; t++)
		if (!c->loaded[t])
			return false;
	return true;
}

/* A code field: trimmed, digits/letters only, short. CDC pads some codes. */
static bool code_field(char *dst, size_t cap, const char *src)
{
	char tmp[64];
	text_copy(tmp, sizeof tmp, src);
	text_trim(tmp);
	if (strlen(tmp) >= cap)
		return false;
	for (const char *p = tmp; *p; p++)
		if (!isalnum((unsigned char)*p))
			return false;
	strcpy(dst, tmp);
	return true;
}

/* M/D/YYYY as CDC writes last_updated; "" is allowed (DATE_NONE). */
static bool cdc_date(const char *s, vax_date *out)
{
	*out = DATE_NONE;
	if (!*s)
		return true;
	return date_parse_us(s, out) == DATE_OK;
}

/* The manufacturer of each NDC, through CDC's sale/use linker; run after
 * any of the three tables is (re)loaded, whatever the order. */
static void resolve_mvx(struct codes *c)
{
	for (size_t n = 0; n < c->n_ndc; n++) {
		struct ndc_row *r = &c->ndc[n];
		r->info.mvx[0] = '\0';
		for (size_t i = 0; i < c->n_link; i++) {
			const char *id = r->info.unit_of_use ? c->link[i].use_id : c->link[i].sale_id;
			if (!strcmp(id, r->inner_id)) {
				strcpy(r->info.mvx, c->link[i].mvx);
				break;
			}
		}
	}
}

#define BAD(fmt, ...)                                                                                        \
	do {                                                                                                 \
		error_set(err, "CODES-ROW", "%s:%d: " fmt, label, row.line, __VA_ARGS__);                    \
		goto fail;                                                                                   \
	} while (0)

bool codes_parse(struct codes *c, enum codes_table t, const char *label, const char *buf, size_t len,
                 struct vax_error *err)
{
	struct csv_reader r;
	struct csv_row row = {0};
	const char *const *want = table_cols[t];
	int nwant = 0, map[18];
	while (nwant < 18 && want[nwant])
		nwant++;

	clear_table(c, t);
	csv_init(&r, label, buf, len);
	enum csv_status st = csv_next(&r, &row, err);
	if (st == CSV_ERROR)
		goto fail;
	if (st == CSV_END) {
		error_set(err, "CODES-EMPTY",
		          "%s: the file is empty; expected a header line starting with '%s'", label, want[0]);
		goto fail;
	}
	/* map each wanted column to its position in this file's header */
	for (int w = 0; w < nwant; w++)
		map[w] = -1;
	for (int i = 0; i < row.n; i++) {
		const char *name = row.field[i];
		if (i == 0 && !strncmp(name, "\xEF\xBB\xBF", 3)) /* byte-order mark */
			name += 3;
		int w;
		for (w = 0; w < nwant; w++)
			if (!strcmp(name, want[w]))
				break;
		if (w == nwant) {
			error_set(err, "CODES-COLUMN",
			          "%s:1: unknown column '%s' in the header (expected: %s, ...)", label, name,
			          want[0]);
			goto fail;
		}
		if (map[w] >= 0) {
			error_set(err, "CODES-COLUMN", "%s:1: column '%s' appears twice", label, name);
			goto fail;
		}
		map[w] = i;
	}
	for (int w = 0; w < nwant; w++) {
		if (map[w] < 0) {
			error_set(err, "CODES-COLUMN",
			          "%s:1: required column '%s' is missing from the header", label, want[w]);
			goto fail;
		}
	}
	int ncols = row.n;

	while ((st = csv_next(&r, &row, err)) == CSV_ROW) {
		if (row.n != ncols)
			BAD("expected %d fields, found %d (the line is cut short or has a stray comma)",
			    ncols, row.n);
#define F(w) (row.field[map[(w)]])
		switch (t) {
		case CODES_CVX: {
			struct cvx_info ci = {0};
			if (!code_field(ci.code, sizeof ci.code, F(0)) || !ci.code[0])
				BAD("'%s' is not a CVX code", F(0));
			const char *s = F(3);
			if (!strcmp(s, "Active"))
				ci.status = CVX_ACTIVE;
			else if (!strcmp(s, "Inactive"))
				ci.status = CVX_INACTIVE;
			else if (!strcmp(s, "Non-US"))
				ci.status = CVX_NON_US;
			else if (!strcmp(s, "Never Active"))
				ci.status = CVX_NEVER_ACTIVE;
			else
				BAD("unknown CVX status '%s' (expected Active, Inactive, Non-US or Never "
				    "Active)",
				    s);
			if (!cdc_date(F(4), &ci.updated))
				BAD("'%s' is not a date (M/D/YYYY)", F(4));
			if (codes_cvx(c, ci.code))
				BAD("CVX %s is listed twice", ci.code);
			ci.short_desc = xstrdup(F(1));
			ci.full_name = xstrdup(F(2));
			ci.unspecified = strstr(F(1), "unspecified") != NULL;
			c->cvx = xgrow(c->cvx, &c->cap_cvx, c->n_cvx + 1, sizeof *c->cvx);
			c->cvx[c->n_cvx++] = ci;
			break;
		}
		case CODES_MVX: {
			struct mvx_info mi = {0};
			if (!code_field(mi.code, sizeof mi.code, F(0)) || !mi.code[0])
				BAD("'%s' is not an MVX code", F(0));
			if (strcmp(F(2), "Active") && strcmp(F(2), "Inactive"))
				BAD("unknown MVX status '%s' (expected Active or Inactive)", F(2));
			mi.active = !strcmp(F(2), "Active");
			mi.name = xstrdup(F(1));
			c->mvx = xgrow(c->mvx, &c->cap_mvx, c->n_mvx + 1, sizeof *c->mvx);
			c->mvx[c->n_mvx++] = mi;
			break;
		}
		case CODES_VACCINE_GROUP: {
			struct group_row g = {0};
			if (!code_field(g.cvx, sizeof g.cvx, F(0)) || !g.cvx[0])
				BAD("'%s' is not a CVX code", F(0));
			if (!F(3)[0])
				BAD("CVX %s has no vaccine group name", g.cvx);
			g.group = xstrdup(F(3));
			c->grp = xgrow(c->grp, &c->cap_grp, c->n_grp + 1, sizeof *c->grp);
			c->grp[c->n_grp++] = g;
			break;
		}
		case CODES_PRODUCT: {
			struct product_info p = {0};
			if (!code_field(p.cvx, sizeof p.cvx, F(2)) || !p.cvx[0])
				BAD("'%s' is not a CVX code", F(2));
			if (!code_field(p.mvx, sizeof p.mvx, F(4)))
				BAD("'%s' is not an MVX code", F(4));
			p.active = !strcmp(F(6), "Active");
			p.name = xstrdup(F(0));
			c->prod = xgrow(c->prod, &c->cap_prod, c->n_prod + 1, sizeof *c->prod);
			c->prod[c->n_prod++] = p;
			break;
		}
		case CODES_NDC_SALE:
		case CODES_NDC_USE: {
			struct ndc_row n = {0};
			bool use = t == CODES_NDC_USE;
			int id_col = 0, ndc_col = 14, cvx_col = use ? 11 : 12, gtin_col = use ? 10 : 15;
			const char *ndc = F(ndc_col);
			/* 5-4-2 with dashes, exactly as CDC publishes it */
			if (strlen(ndc) != 13 || ndc[5] != '-' || ndc[10] != '-' ||
			    strspn(ndc, "0123456789") != 5 || strspn(ndc + 6, "0123456789") != 4 ||
			    strspn(ndc + 11, "0123456789") != 2)
				BAD("'%s' is not an 11-digit NDC in 5-4-2 form", ndc);
			strcpy(n.info.ndc, ndc);
			/* labeler, product and package as the label has them */
			char ten[16];
			snprintf(ten, sizeof ten, "%.5s-%.4s-%.2s", F(1), F(2), F(3));
			if (!codes_ndc_form_ok(ten))
				BAD("'%s-%s-%s' is not a 10-digit NDC (labeler, product, package)", F(1),
				    F(2), F(3));
			memcpy(n.info.ndc10, ten, sizeof n.info.ndc10);
			if (!code_field(n.info.cvx, sizeof n.info.cvx, F(cvx_col)))
				BAD("'%s' is not a CVX code", F(cvx_col));
			text_digits(F(gtin_col), n.info.gtin, sizeof n.info.gtin);
			text_copy(n.inner_id, sizeof n.inner_id, F(id_col));
			n.info.unit_of_use = use;
			n.info.name = xstrdup(F(4));
			c->ndc = xgrow(c->ndc, &c->cap_ndc, c->n_ndc + 1, sizeof *c->ndc);
			c->ndc[c->n_ndc++] = n;
			break;
		}
		case CODES_VIS: {
			struct vis_info v = {0};
			if (!code_field(v.cvx, sizeof v.cvx, F(0)) || !v.cvx[0])
				BAD("'%s' is not a CVX code", F(0));
			if (!cdc_date(F(3), &v.edition))
				BAD("'%s' is not a date (M/D/YYYY)", F(3));
			text_copy(v.encoded, sizeof v.encoded, F(4));
			v.current = !strcmp(F(5), "Current");
			v.document = xstrdup(F(2));
			c->vis = xgrow(c->vis, &c->cap_vis, c->n_vis + 1, sizeof *c->vis);
			c->vis[c->n_vis++] = v;
			break;
		}
		case CODES_NDC_LINK: {
			struct link_row l = {0};
			text_copy(l.sale_id, sizeof l.sale_id, F(1));
			text_copy(l.use_id, sizeof l.use_id, F(2));
			if (!code_field(l.mvx, sizeof l.mvx, F(3)))
				BAD("'%s' is not an MVX code", F(3));
			c->link = xgrow(c->link, &c->cap_link, c->n_link + 1, sizeof *c->link);
			c->link[c->n_link++] = l;
			break;
		}
		case CODES_TABLE_COUNT:
			break;
		}
#undef F
	}
	if (st == CSV_ERROR)
		goto fail;
	csv_row_free(&row);
	c->loaded[t] = true;
	resolve_mvx(c);
	return true;
fail:
	csv_row_free(&row);
	clear_table(c, t);
	return false;
}
#undef BAD

const struct cvx_info *codes_cvx(const struct codes *c, const char *cvx)
{
	for (size_t i = 0; cvx && i < c->n_cvx; i++)
		if (!strcmp(c->cvx[i].code, cvx))
			return &c->cvx[i];
	return NULL;
}

const struct mvx_info *codes_mvx(const struct codes *c, const char *mvx)
{
	for (size_t i = 0; mvx && i < c->n_mvx; i++)
		if (text_ieq(c->mvx[i].code, mvx))
			return &c->mvx[i];
	return NULL;
}

/* Normalise any NDC spelling to 5-4-2 with dashes; false if impossible. */
static bool ndc_normalize(const char *in, char out[14])
{
	char digits[16];
	int parts[3] = {0, 0, 0}, np = 0, run = 0;
	for (const char *p = in; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			run++;
		} else if (*p == '-') {
			if (np >= 2 || run == 0)
				return false;
			parts[np++] = run;
			run = 0;
		} else if (*p != ' ') {
			return false;
		}
	}
	parts[np] = run;
	text_digits(in, digits, sizeof digits);
	size_t n = strlen(digits);
	char d[12];
	if (np == 0 && n == 11) {
		memcpy(d, digits, 11);
	} else if (np == 2 && n == 11 && parts[0] == 5 && parts[1] == 4 && parts[2] == 2) {
		memcpy(d, digits, 11);
	} else if (np == 2 && n == 10) {
		/* 10-digit label forms: pad the short segment with a zero */
		if (parts[0] == 4 && parts[1] == 4 && parts[2] == 2)
			snprintf(d, sizeof d, "0%s", digits);
		else if (parts[0] == 5 && parts[1] == 3 && parts[2] == 2)
			snprintf(d, sizeof d, "%.5s0%.5s", digits, digits + 5);
		else if (parts[0] == 5 && parts[1] == 4 && parts[2] == 1)
			snprintf(d, sizeof d, "%.9s0%.1s", digits, digits + 9);
		else
			return false;
	} else {
		return false;
	}
	snprintf(out, 14, "%.5s-%.4s-%.2s", d, d + 5, d + 9);
	return true;
}

bool codes_ndc_form_ok(const char *ndc)
{
	size_t n = strlen(ndc);
	if (n == 11 && strspn(ndc, "0123456789") == 11)
		return true;
	if (n != 12)
		return false;
	size_t a = strspn(ndc, "0123456789");
	if (ndc[a] != '-')
		return false;
	size_t b = strspn(ndc + a + 1, "0123456789");
	if (ndc[a + 1 + b] != '-')
		return false;
	size_t c = strspn(ndc + a + b + 2, "0123456789");
	if (a + b + c != 10 || ndc[a + b + c + 2])
		return false;
	return (a == 4 && b == 4 && c == 2) || (a == 5 && b == 3 && c == 2) || (a == 5 && b == 4 && c == 1);
}

void codes_ndc_undash(char *ndc)
{
	char digits[16];
	text_digits(ndc, digits, sizeof digits);
	if (strlen(ndc) == 13 && strlen(digits) == 11 && ndc[5] == '-' && ndc[10] == '-')
		strcpy(ndc, digits);
}

const struct ndc_info *codes_ndc(const struct codes *c, const char *ndc)
{
	char norm[14];
	if (!ndc || !ndc_normalize(ndc, norm))
		return NULL;
	for (size_t i = 0; i < c->n_ndc; i++) {
		if (!strcmp(c->ndc[i].info.ndc, norm)) {
			return &c->ndc[i].info;
		}
	}
	return NULL;
}

const struct ndc_info *codes_ndc_by_gtin(const struct codes *c, const char *gtin)
{
	char g[16];
	text_digits(gtin ? gtin : "", g, sizeof g);
	if (strlen(g) != 14)
		return NULL;
	for (size_t i = 0; i < c->n_ndc; i++) {
		if (!strcmp(c->ndc[i].info.gtin, g)) {
			return &c->ndc[i].info;
		}
	}
	/* a US drug GTIN-14 is: packaging indicator, "03", the 10-digit NDC,
	 * check digit; so an NDC missing from CDC's GTIN column still resolves */
	if (g[1] == '0' && g[2] == '3') {
		for (size_t i = 0; i < c->n_ndc; i++) {
			char d[12];
			text_digits(c->ndc[i].info.ndc, d, sizeof d);
			/* compare against each 10-digit form the 11 digits may come from */
			char f442[11], f532[11], f541[11];
			snprintf(f442, sizeof f442, "%.10s", d + 1);
			snprintf(f532, sizeof f532, "%.5s%.5s", d, d + 6);
			snprintf(f541, sizeof f541, "%.9s%.1s", d, d + 10);
			const char *ten = g + 3;
			if ((d[0] == '0' && !strncmp(f442, ten, 10)) ||
			    (d[5] == '0' && !strncmp(f532, ten, 10)) ||
			    (d[9] == '0' && !strncmp(f541, ten, 10))) {
				return &c->ndc[i].info;
			}
		}
	}
	return NULL;
}

int codes_vaccine_groups(const struct codes *c, const char *cvx, const char **groups, int max)
{
	int n = 0;
	for (size_t i = 0; cvx && i < c->n_grp && n < max; i++)
		if (!strcmp(c->grp[i].cvx, cvx))
			groups[n++] = c->grp[i].group;
	return n;
}

bool codes_same_group(const struct codes *c, const char *a, const char *b)
{
	const char *ga[8], *gb[8];
	int na = codes_vaccine_groups(c, a, ga, 8);
	int nb = codes_vaccine_groups(c, b, gb, 8);
	for (int i = 0; i < na; i++)
		for (int j = 0; j < nb; j++)
			if (!strcmp(ga[i], gb[j]))
				return true;
	return false;
}

int codes_products(const struct codes *c, const char *cvx, const struct product_info **out, int max)
{
	int n = 0;
	for (size_t i = 0; cvx && i < c->n_prod && n < max; i++)
		if (!strcmp(c->prod[i].cvx, cvx))
			out[n++] = &c->prod[i];
	return n;
}

bool codes_mvx_matches_cvx(const struct codes *c, const char *cvx, const char *mvx)
{
	bool any = false;
	for (size_t i = 0; i < c->n_prod; i++) {
		if (strcmp(c->prod[i].cvx, cvx) || !c->prod[i].mvx[0])
			continue;
		any = true;
		if (text_ieq(c->prod[i].mvx, mvx))
			return true;
	}
	return !any;
}

int codes_vis(const struct codes *c, const char *cvx, const struct vis_info **out, int max)
{
	int n = 0;
	/* current statements first, so a picker offers them at the top */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; cvx && i < c->n_vis && n < max; i++)
			if (!strcmp(c->vis[i].cvx, cvx) && c->vis[i].current == (pass == 0))
				out[n++] = &c->vis[i];
	return n;
}

size_t codes_cvx_all(const struct codes *c, const struct cvx_info **out)
{
	*out = c->cvx;
	return c->n_cvx;
}

size_t codes_mvx_all(const struct codes *c, const struct mvx_info **out)
{
	*out = c->mvx;
	return c->n_mvx;
}

size_t codes_product_all(const struct codes *c, const struct product_info **out)
{
	*out = c->prod;
	return c->n_prod;
}
