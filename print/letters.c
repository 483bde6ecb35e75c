/* print/letters.c - see letters.h. */
#include "print/letters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "print/csvout.h"

bool letters_lang_parse(const char *s, enum letters_lang *out)
{
	if (s && !strcasecmp(s, "both")) {
		*out = LETTERS_BOTH;
		return true;
	}
	enum doc_lang l;
	if (!doc_lang_parse(s, &l))
		return false;
	*out = l == DOC_ES ? LETTERS_ES : LETTERS_EN;
	return true;
}

/* The vaccine groups in words a parent knows; history_group_label() names. */
static const struct {
	const char *label, *en, *es;
} words[] = {
    {"Hepatitis B", "Hepatitis B", "Hepatitis B"},
    {"Rotavirus", "Rotavirus", "Rotavirus"},
    {"DTaP/Tdap/Td", "DTaP/Tdap/Td (diphtheria, tetanus, whooping cough)",
     "DTaP/Tdap/Td (difteria, tétanos, tos ferina)"},
    {"Hib", "Hib (Haemophilus influenzae type b)", "Hib (Haemophilus influenzae tipo b)"},
    {"Pneumococcal", "Pneumococcal (pneumonia, meningitis)", "Neumococo (neumonía, meningitis)"},
    {"Polio", "Polio", "Polio"},
    {"Influenza", "Influenza (flu)", "Influenza (gripe)"},
    {"COVID-19", "COVID-19", "COVID-19"},
    {"MMR", "MMR (measles, mumps, rubella)", "SRP (sarampión, paperas, rubéola)"},
    {"Varicella", "Varicella (chickenpox)", "Varicela"},
    {"Hepatitis A", "Hepatitis A", "Hepatitis A"},
    {"Meningococcal ACWY", "Meningococcal ACWY (meningitis)", "Meningococo ACWY (meningitis)"},
    {"Meningococcal B", "Meningococcal B (meningitis)", "Meningococo B (meningitis)"},
    {"HPV", "HPV (human papillomavirus)", "VPH (virus del papiloma humano)"},
    {"RSV", "RSV (respiratory syncytial virus)", "VSR (virus sincitial respiratorio)"},
    {"Zoster", "Zoster (shingles)", "Zóster (culebrilla)"},
};

const char *letters_vaccine_words(const char *group_label, enum doc_lang lang)
{
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		if (!strcmp(words[i].label, group_label))
			return lang == DOC_ES ? words[i].es : words[i].en;
	return group_label;
}

/* The words of a letter, per language; {1} and {2} are filled in by fill()
 * (not printf formats: the strings are data, per language). */
struct text {
	const char *dear_parent, *dear, *intro, *cols[4], *overdue, *due, *dose, *closing, *elsewhere, *call,
	    *call_phone, *sincerely, *regarding;
};

static const struct text en = {
    .dear_parent = "Dear parent or guardian of {1},",
    .dear = "Dear {1},",
    .intro = "Our records show that {1} (date of birth {2}) is due for the vaccines below. Vaccines protect "
             "against serious diseases, and the doses on time protect best.",
    .cols = {"Vaccine", "Dose", "Due", "Status"},
    .overdue = "Overdue since {1}",
    .due = "Due now",
    .dose = "Dose {1}",
    .call = "Please call your clinic to make an appointment.",
    .call_phone = "Please call us at {1} to make an appointment.",
    .elsewhere = "If these vaccines were already given somewhere else, please bring or send us the record so "
                 "the immunization registry can be brought up to date.",
    .sincerely = "Sincerely,",
    .regarding = "Registry ID {1}",
};

static const struct text es = {
    .dear_parent = "Estimado padre, madre o tutor de {1}:",
    .dear = "Estimado(a) {1}:",
    .intro =
        "Nuestros registros indican que a {1} (fecha de nacimiento {2}) le corresponden las vacunas que se "
        "indican abajo. Las vacunas protegen contra enfermedades graves, y las dosis a tiempo protegen "
        "mejor.",
    .cols = {"Vacuna", "Dosis", "Fecha", "Estado"},
    .overdue = "Atrasada desde el {1}",
    .due = "Le corresponde ya",
    .dose = "Dosis {1}",
    .call = "Por favor llame a su clínica para hacer una cita.",
    .call_phone = "Por favor llámenos al {1} para hacer una cita.",
    .elsewhere = "Si estas vacunas ya se pusieron en otro lugar, tráiganos o envíenos el comprobante para "
                 "actualizar el registro de vacunas.",
    .sincerely = "Atentamente,",
    .regarding = "Número de registro {1}",
};

static char *fill(char *buf, size_t len, const char *tmpl, const char *a, const char *b)
{
	size_t o = 0;
	for (const char *p = tmpl; *p && o + 1 < len;) {
		const char *v = !strncmp(p, "{1}", 3) ? a : !strncmp(p, "{2}", 3) ? b : NULL;
		if (v) {
			o += (size_t)snprintf(buf + o, len - o, "%s", v ? v : "");
			if (o >= len)
				o = len - 1;
			p += 3;
		} else {
			buf[o++] = *p++;
		}
	}
	buf[o] = '\0';
	return buf;
}

static void one_letter(struct pdf *p, const struct letters_doc *d, const struct letter *l, enum doc_lang lang)
{
	const struct text *t = lang == DOC_ES ? &es : &en;
	const struct client *c = l->client;
	char name[3 * VAX_NAME_LEN], addr[600], buf[1200], date[64], dob[DATE_US_LEN];
	double left = 72; /* a #10 window envelope's address window */
	/* return address: the organization */
	pdf_text_at(p, 54, 36, 300, PDF_BOLD, d->org_name ? d->org_name : "");
	pdf_text_at(p, 54 + pdf_width(p) - 170, 36, 170, PDF_BODY,
	            doc_date_long(d->date, lang, date, sizeof date));
	/* recipient */
	doc_name_natural(&c->name, name, sizeof name);
	bool minor = date_age_years(c->dob, d->date) < 18;
	char to[sizeof name + 80];
	if (minor)
		snprintf(to, sizeof to, "%s %s",
		         lang == DOC_ES ? "Padres o tutores de" : "Parent or guardian of", name);
	else
		snprintf(to, sizeof to, "%s", name);
	snprintf(buf, sizeof buf, "%s\n%s", to, doc_address(&c->addr[0], "\n", addr, sizeof addr));
	pdf_text_at(p, left, 144, 300, PDF_LARGE, buf);
	pdf_set_y(p, 252);
	fill(buf, sizeof buf, minor ? t->dear_parent : t->dear, name, NULL);
	pdf_text(p, PDF_LARGE, buf);
	pdf_space(p, 8);
	fill(buf, sizeof buf, t->intro, name, doc_date_short(c->dob, lang, dob, sizeof dob));
	pdf_text(p, PDF_LARGE, buf);
	pdf_space(p, 10);
	const struct pdf_table tab = {
	    .ncols = 4,
	    .widths = {3.2, 0.8, 1.1, 1.9},
	    .headers = {t->cols[0], t->cols[1], t->cols[2], t->cols[3]},
	    .style = PDF_BODY,
	};
	pdf_table_begin(p, &tab);
	for (int i = 0; i < l->ndue; i++) {
		const struct recall_due *r = &l->due[i];
		char dose[32] = "", when[32], status[96];
		if (r->dose_number > 0) {
			char n[12];
			snprintf(n, sizeof n, "%d", r->dose_number);
			fill(dose, sizeof dose, t->dose, n, NULL);
		}
		doc_date_short(r->due, lang, when, sizeof when);
		if (r->overdue && r->past_due != DATE_NONE) {
			char pd[32];
			fill(status, sizeof status, t->overdue,
			     doc_date_short(r->past_due, lang, pd, sizeof pd), NULL);
		} else {
			snprintf(status, sizeof status, "%s", t->due);
		}
		const char *cells[] = {letters_vaccine_words(r->vaccine, lang), dose, when, status};
		pdf_table_row(p, cells, r->overdue ? PDF_ROW_MARK : 0);
	}
	pdf_table_end(p);
	if (d->org_phone && *d->org_phone)
		fill(buf, sizeof buf, t->call_phone, d->org_phone, NULL);
	else
		snprintf(buf, sizeof buf, "%s", t->call);
	pdf_text(p, PDF_LARGE, buf);
	pdf_space(p, 6);
	pdf_text(p, PDF_BODY, t->elsewhere);
	pdf_space(p, 16);
	pdf_text(p, PDF_LARGE, t->sincerely);
	pdf_space(p, 4);
	pdf_text(p, PDF_LARGE, d->org_name ? d->org_name : "");
	pdf_space(p, 18);
	fill(buf, sizeof buf, t->regarding, doc_registry_id(c), NULL);
	pdf_text(p, PDF_SMALL, buf);
}

static void draw(struct pdf *p, const void *data)
{
	const struct letters_doc *d = data;
	bool first = true;
	for (size_t i = 0; i < d->n && !(d->cancel && *d->cancel); i++) {
		for (int k = 0; k < 2; k++) {
			enum doc_lang lang = k == 0 ? DOC_EN : DOC_ES;
			if ((d->lang == LETTERS_EN && lang != DOC_EN) ||
			    (d->lang == LETTERS_ES && lang != DOC_ES))
				continue;
			if (!first)
				pdf_new_page(p);
			first = false;
			one_letter(p, d, &d->letters[i], lang);
		}
	}
	if (first)
		pdf_text(p, PDF_BODY, "No clients were selected for a notice.");
}

static struct pdf_setup setup(enum pdf_paper paper)
{
	return (struct pdf_setup){.paper = paper, .title = "Immunization reminder", .margin = 54};
}

bool letters_pdf_file(const char *path, enum pdf_paper paper, const struct letters_doc *d,
                      struct vax_error *err)
{
	struct pdf_setup s = setup(paper);
	return pdf_write_file(path, &s, draw, d, err);
}

bool letters_pdf_mem(char **buf, size_t *len, enum pdf_paper paper, const struct letters_doc *d,
                     struct vax_error *err)
{
	struct pdf_setup s = setup(paper);
	return pdf_write_mem(buf, len, &s, draw, d, err);
}

bool letters_csv_file(const char *path, const struct letters_doc *d, struct vax_error *err)
{
	struct csvout o = {0};
	static const char *const head[] = {
	    "registry_id", "family", "given", "middle", "birth_date",   "address_line1", "address_line2",
	    "city",        "state",  "zip",   "phone",  "vaccines_due", "overdue_since", "notice_date"};
	csvout_row(&o, head, (int)(sizeof head / sizeof *head));
	char notice[DATE_ISO_LEN];
	date_format_iso(d->date, notice);
	for (size_t i = 0; i < d->n; i++) {
		const struct letter *l = &d->letters[i];
		const struct client *c = l->client;
		const struct address *a = &c->addr[0];
		char dob[DATE_ISO_LEN], od[DATE_ISO_LEN] = "", vaccines[1024] = "";
		vax_date earliest = DATE_NONE;
		for (int k = 0; k < l->ndue; k++) {
			size_t o2 = strlen(vaccines);
			snprintf(vaccines + o2, sizeof vaccines - o2, "%s%s", k ? "; " : "",
			         l->due[k].vaccine);
			if (l->due[k].overdue && l->due[k].past_due != DATE_NONE &&
			    (earliest == DATE_NONE || l->due[k].past_due < earliest))
				earliest = l->due[k].past_due;
		}
		date_format_iso(earliest, od);
		csvout_field(&o, doc_registry_id(c));
		csvout_field(&o, c->name.family);
		csvout_field(&o, c->name.given);
		csvout_field(&o, c->name.middle);
		csvout_plain(&o, date_format_iso(c->dob, dob));
		csvout_field(&o, a->line1);
		csvout_field(&o, a->line2);
		csvout_field(&o, a->city);
		csvout_field(&o, a->state);
		csvout_plain(&o, a->zip);
		csvout_plain(&o, c->n_phone > 0 ? c->phone[0].number : "");
		csvout_field(&o, vaccines);
		csvout_plain(&o, od);
		csvout_plain(&o, notice);
		csvout_end_row(&o);
	}
	return csvout_save(&o, path, err);
}
