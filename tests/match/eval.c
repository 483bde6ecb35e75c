/* tests/match/eval.c - see eval.h. Name lists are hand-picked common names
 * of Texas: Spanish (with their accents), English, Vietnamese and a few
 * others; data/names/SOURCE.md says where the choices come from. */
#include "tests/match/eval.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/date.h"
#include "core/nickname.h"
#include "core/phonetic.h"
#include "core/text.h"
#include "core/xalloc.h"

/* ---- a seeded generator (splitmix64) --------------------------------- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static unsigned rnd(unsigned n)
{
	return n ? (unsigned)(rng_next() % n) : 0;
}

static bool chance(unsigned percent)
{
	return rnd(100) < percent;
}

/* Skewed pick: the first names of a list are the most common (roughly
 * Zipf), as in real name frequencies. */
static unsigned skew(unsigned n)
{
	unsigned a = rnd(n), b = rnd(n);
	return a < b ? a : b;
}

#define PICK(list)      (list[skew((unsigned)(sizeof list / sizeof list[0]))])
#define PICK_FLAT(list) (list[rnd((unsigned)(sizeof list / sizeof list[0]))])

static const char *const sur_es[] = {
    "García",     "Martínez",   "Hernández",     "López",     "González",    "Rodríguez", "Pérez",
    "Sánchez",    "Ramírez",    "Flores",        "Gómez",     "Torres",      "Díaz",      "Rivera",
    "Reyes",      "Cruz",       "Morales",       "Ortiz",     "Gutiérrez",   "Chávez",    "Ramos",
    "Ruiz",       "Mendoza",    "Álvarez",       "Castillo",  "Jiménez",     "Vásquez",   "Moreno",
    "Herrera",    "Medina",     "Aguilar",       "Garza",     "Castro",      "Vargas",    "Fernández",
    "Guzmán",     "Muñoz",      "Salazar",       "Rojas",     "Soto",        "Delgado",   "Peña",
    "Ríos",       "Contreras",  "Sandoval",      "Guerrero",  "Estrada",     "Núñez",     "Domínguez",
    "Cortez",     "Treviño",    "Villarreal",    "Cantú",     "Salinas",     "Cavazos",   "Longoria",
    "Sáenz",      "Zamora",     "Ybarra",        "Hinojosa",  "De La Cruz",  "De León",   "Del Río",
    "Benavides",  "Elizondo",   "Galván",        "Ochoa",     "Quintanilla", "Barrera",   "Rangel",
    "Montemayor", "Zúñiga",     "Olvera",        "Téllez",    "Cárdenas",    "Espinoza",  "Fuentes",
    "Valdez",     "Navarro",    "Acosta",        "Cervantes", "Ibarra",      "Macías",    "Pacheco",
    "Maldonado",  "Villanueva", "Luna",          "Juárez",    "Mejía",       "Solís",     "Cisneros",
    "Escobedo",   "Leal",       "Carrizales",    "Hidalgo",   "Villegas",    "Arredondo", "Bustamante",
    "Quiroga",    "Zavala",     "De Los Santos",
};
static const char *const sur_en[] = {
    "Smith",    "Johnson",    "Williams",   "Brown",     "Jones",    "Miller",    "Davis",     "Wilson",
    "Anderson", "Taylor",     "Thomas",     "Moore",     "Jackson",  "Martin",    "Lee",       "Thompson",
    "White",    "Harris",     "Clark",      "Lewis",     "Robinson", "Walker",    "Young",     "Allen",
    "King",     "Wright",     "Scott",      "Hill",      "Green",    "Adams",     "Baker",     "Nelson",
    "Carter",   "Mitchell",   "Roberts",    "Turner",    "Phillips", "Campbell",  "Parker",    "Evans",
    "Edwards",  "Collins",    "Stewart",    "Morris",    "Murphy",   "Cook",      "Rogers",    "Morgan",
    "Cooper",   "Peterson",   "Reed",       "Bailey",    "Bell",     "Kelly",     "Howard",    "Ward",
    "Cox",      "Richardson", "Wood",       "Watson",    "Brooks",   "Bennett",   "Gray",      "James",
    "Hughes",   "Price",      "Sanders",    "Myers",     "Long",     "Ross",      "Foster",    "O'Brien",
    "McDonald", "O'Neil",     "Washington", "Jefferson", "Freeman",  "Hayes",     "Bryant",    "Coleman",
    "Jenkins",  "Powell",     "Perry",      "Russell",   "Griffin",  "Schmidt",   "Schneider", "Fischer",
    "Weber",    "Becker",     "Hoffmann",   "Kowalski",  "St. John", "Van Buren", "MacArthur", "Fitzgerald",
    "Dubois",   "Thibodeaux", "Boudreaux",
};
static const char *const sur_vi[] = {
    "Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Phan",   "Vũ",   "Võ",  "Đặng",
    "Bùi",    "Đỗ",   "Hồ", "Ngô",  "Dương", "Lý",    "Trương", "Đinh", "Lâm", "Mai",
};
static const char *const sur_other[] = {
    "Patel", "Shah", "Kim",   "Park",  "Chen", "Wang", "Li",  "Zhang",  "Okafor", "Adeyemi",
    "Ali",   "Khan", "Singh", "Kumar", "Choi", "Yang", "Obi", "Haddad", "Mensah", "Wu",
};

static const char *const giv_es_m[] = {
    "José",     "Juan",    "Luis",     "Carlos",   "Jesús",     "Francisco", "Miguel",      "Alejandro",
    "Jorge",    "Eduardo", "Roberto",  "Alberto",  "Guillermo", "Ignacio",   "Fernando",    "Ricardo",
    "Manuel",   "Antonio", "Javier",   "Daniel",   "Diego",     "Santiago",  "Mateo",       "Sebastián",
    "Emiliano", "Adrián",  "Ángel",    "Rafael",   "Pedro",     "Raúl",      "Héctor",      "Sergio",
    "Arturo",   "Gustavo", "Salvador", "Rodolfo",  "Gerardo",   "Ramón",     "Enrique",     "Joaquín",
    "Iker",     "Gael",    "Leonardo", "Cristian", "Andrés",    "Julián",    "Juan Carlos", "José Luis",
    "Óscar",    "Rubén",   "Israel",   "Efraín",   "Humberto",  "Octavio",   "Gilberto",    "Alfredo",
    "Gonzalo",  "Vicente", "Emmanuel", "Tomás",
};
static const char *const giv_es_f[] = {
    "María",     "Guadalupe",  "Sofía",          "Valentina", "Camila",    "Ximena",    "Isabella",
    "Daniela",   "Gabriela",   "Mariana",        "Fernanda",  "Alejandra", "Andrea",    "Ana",
    "Lucía",     "Paula",      "Victoria",       "Natalia",   "Valeria",   "Regina",    "Renata",
    "Jimena",    "Elizabeth",  "Leticia",        "Patricia",  "Rosario",   "Dolores",   "Concepción",
    "Consuelo",  "Graciela",   "Francisca",      "Josefina",  "Teresa",    "Margarita", "Marisol",
    "Yesenia",   "Itzel",      "Citlali",        "Xóchitl",   "Araceli",   "Beatriz",   "Catalina",
    "Carolina",  "Cristina",   "Mercedes",       "Soledad",   "Socorro",   "Refugio",   "María Guadalupe",
    "Ana María", "María José", "María Fernanda", "Luz María", "Esperanza", "Lourdes",   "Yolanda",
    "Silvia",    "Verónica",   "Adriana",        "Claudia",
};
static const char *const giv_en_m[] = {
    "William",   "James",     "John",        "Robert",  "Michael", "David",   "Richard", "Joseph",
    "Thomas",    "Charles",   "Christopher", "Daniel",  "Matthew", "Anthony", "Andrew",  "Joshua",
    "Benjamin",  "Samuel",    "Jacob",       "Ethan",   "Liam",    "Noah",    "Oliver",  "Elijah",
    "Lucas",     "Mason",     "Logan",       "Jackson", "Aiden",   "Caleb",   "Nathan",  "Jonathan",
    "Alexander", "Zachary",   "Edward",      "Steven",  "Kenneth", "Ronald",  "Gregory", "Jeffrey",
    "Theodore",  "Frederick", "Nicholas",    "Patrick", "Tyler",   "Brandon", "Justin",  "Austin",
    "Dylan",     "Hunter",    "Wyatt",       "Carter",  "Grayson", "DeShawn", "Jamal",   "Tyrone",
    "Malik",     "Darnell",
};
static const char *const giv_en_f[] = {
    "Elizabeth", "Katherine", "Jennifer", "Jessica",   "Ashley",    "Emily",   "Sarah",    "Hannah",
    "Madison",   "Abigail",   "Olivia",   "Emma",      "Ava",       "Sophia",  "Mia",      "Charlotte",
    "Amelia",    "Harper",    "Evelyn",   "Margaret",  "Patricia",  "Barbara", "Susan",    "Deborah",
    "Rebecca",   "Victoria",  "Samantha", "Christina", "Amanda",    "Melissa", "Nicole",   "Stephanie",
    "Allison",   "Kimberly",  "Cynthia",  "Dorothy",   "Alexandra", "Natalie", "Brooklyn", "Aaliyah",
    "Destiny",   "Jasmine",   "Kayla",    "Brianna",   "Taylor",    "Morgan",  "Lauren",   "Megan",
    "Rachel",    "Hailey",    "Zoe",      "Chloe",     "Addison",   "Avery",   "Ella",     "Scarlett",
    "Grace",     "Lily",      "Nevaeh",   "Imani",
};
static const char *const giv_vi_m[] = {
    "Minh",  "Tuấn", "Đức", "Hùng", "Khoa", "Long",  "Nam",  "Quang", "Thành", "Bảo",
    "Khánh", "Hiếu", "Huy", "Phúc", "Dũng", "Trung", "Vinh", "Sơn",   "Tâm",   "Hoàng",
};
static const char *const giv_vi_f[] = {
    "Anh", "Linh", "Hương", "Thảo",  "Trang", "Phương", "Vy",   "Ngọc",  "Lan",  "Mai",
    "Hà",  "Thủy", "Hạnh",  "Nhung", "Hoa",   "Yến",    "Diễm", "Quỳnh", "Tiên", "Uyên",
};
static const char *const giv_other_m[] = {
    "Aarav", "Arjun", "Rohan", "Wei",   "Jun",   "Min-jun", "Chinedu",
    "Emeka", "Omar",  "Ahmed", "Yusuf", "Kwame", "Hiroshi", "Ravi",
};
static const char *const giv_other_f[] = {
    "Priya", "Ananya", "Mei",   "Xin",   "Ji-woo", "Seo-yeon", "Ngozi",
    "Amara", "Fatima", "Aisha", "Layla", "Yuki",   "Kavya",    "Chiamaka",
};
static const char *const streets[] = {
    "Main",        "Oak",      "Pecan",        "Cedar",
    "Elm",         "Mesquite", "Bluebonnet",   "Guadalupe",
    "San Jacinto", "Lamar",    "Congress",     "Rio Grande",
    "Alamo",       "Travis",   "Houston",      "Austin",
    "Magnolia",    "Live Oak", "Cypress",      "Nueces",
    "Brazos",      "Colorado", "Frio",         "Medina",
    "Llano",       "Lavaca",   "Zaragoza",     "Hidalgo",
    "Juárez",      "Morelos",  "Cesar Chavez", "Martin Luther King",
};
static const char *const suffixes[] = {"St", "Ave", "Dr", "Ln", "Rd", "Blvd", "Ct", "Trl"};
static const char *const cities[] = {
    "Houston", "San Antonio", "Dallas",         "Austin",    "Fort Worth", "El Paso",  "Laredo",
    "McAllen", "Brownsville", "Corpus Christi", "Harlingen", "Edinburg",   "Pasadena", "Arlington",
    "Plano",   "Garland",     "Irving",         "Killeen",   "Waco",       "Lubbock",
};
static const char *const areas[] = {"512", "210", "713", "281", "832", "214", "972", "817",
                                    "915", "956", "361", "254", "806", "737", "469"};

enum origin { OR_ES, OR_EN, OR_VI, OR_OTHER };

static enum origin pick_origin(void)
{
	unsigned r = rnd(100);
	return r < 48 ? OR_ES : r < 88 ? OR_EN : r < 95 ? OR_VI : OR_OTHER;
}

static const char *pick_surname(enum origin o)
{
	switch (o) {
	case OR_ES:
		return PICK(sur_es);
	case OR_EN:
		return PICK(sur_en);
	case OR_VI:
		return PICK(sur_vi);
	case OR_OTHER:
		break;
	}
	return PICK(sur_other);
}

static const char *pick_given(enum origin o, enum sex s)
{
	bool f = s == SEX_FEMALE;
	/* one Hispanic child in five gets an English name, and the reverse */
	if (o == OR_ES && chance(20))
		o = OR_EN;
	else if (o == OR_EN && chance(5))
		o = OR_ES;
	switch (o) {
	case OR_ES:
		return f ? PICK(giv_es_f) : PICK(giv_es_m);
	case OR_EN:
		return f ? PICK(giv_en_f) : PICK(giv_en_m);
	case OR_VI:
		return f ? PICK(giv_vi_f) : PICK(giv_vi_m);
	case OR_OTHER:
		break;
	}
	return f ? PICK(giv_other_f) : PICK(giv_other_m);
}

static vax_date random_date(int y0, int y1)
{
	int y = y0 + (int)rnd((unsigned)(y1 - y0 + 1));
	int m = 1 + (int)rnd(12);
	int d = 1 + (int)rnd((unsigned)date_days_in_month(y, m));
	return date_from_ymd(y, m, d);
}

static void set_phone(struct client *c, const char *num)
{
	c->n_phone = 1;
	c->phone[0].use = PHONE_HOME;
	text_copy(c->phone[0].number, sizeof c->phone[0].number, num);
}

/* a + sep + b, truncated at a character boundary */
static void join(char *dst, size_t cap, const char *a, const char *sep, const char *b)
{
	char tmp[3 * VAX_NAME_LEN];
	snprintf(tmp, sizeof tmp, "%s%s%s", a, sep, b);
	text_copy(dst, cap, tmp);
}

/* A household: the parents' surnames, the mother's names, an address and
 * a phone shared by every child. */
struct household {
	enum origin o;
	char father_sur[VAX_NAME_LEN];
	char mother_sur[VAX_NAME_LEN];
	char mother_given[VAX_NAME_LEN];
	char line1[VAX_NAME_LEN];
	char city[VAX_NAME_LEN];
	char zip[11];
	char phone[16];
	bool compound; /* children carry both surnames */
	bool hyphen;
};

static void household_make(struct household *h)
{
	memset(h, 0, sizeof *h);
	h->o = pick_origin();
	text_copy(h->father_sur, sizeof h->father_sur, pick_surname(h->o));
	enum origin mo = chance(85) ? h->o : pick_origin();
	do
		text_copy(h->mother_sur, sizeof h->mother_sur, pick_surname(mo));
	while (strcmp(h->mother_sur, h->father_sur) == 0);
	text_copy(h->mother_given, sizeof h->mother_given, pick_given(mo, SEX_FEMALE));
	/* one draw per statement: the order of arguments is unspecified in C,
	 * and the stored set must be the same whatever the compiler */
	unsigned number = 100 + rnd(9900);
	const char *street = PICK_FLAT(streets);
	snprintf(h->line1, sizeof h->line1, "%u %s %s", number, street, PICK_FLAT(suffixes));
	text_copy(h->city, sizeof h->city, PICK_FLAT(cities));
	snprintf(h->zip, sizeof h->zip, "7%04u", rnd(10000));
	const char *area = PICK_FLAT(areas);
	unsigned exchange = 200 + rnd(800);
	snprintf(h->phone, sizeof h->phone, "%s%03u%04u", area, exchange, rnd(10000));
	h->compound = h->o == OR_ES ? chance(45) : false;
	h->hyphen = h->o == OR_EN ? chance(4) : h->o == OR_ES && h->compound && chance(20);
}

static void child_make(const struct household *h, struct client *c, vax_date dob, enum sex s,
                       const char *avoid_given)
{
	client_init(c);
	if (h->compound || h->hyphen)
		join(c->name.family, sizeof c->name.family, h->father_sur, h->hyphen ? "-" : " ",
		     h->mother_sur);
	else
		text_copy(c->name.family, sizeof c->name.family, h->father_sur);
	do
		text_copy(c->name.given, sizeof c->name.given, pick_given(h->o, s));
	while (avoid_given && strcmp(c->name.given, avoid_given) == 0);
	if (h->o == OR_VI && chance(70))
		text_copy(c->name.middle, sizeof c->name.middle, s == SEX_FEMALE ? "Thị" : "Văn");
	else if (chance(35))
		text_copy(c->name.middle, sizeof c->name.middle, pick_given(h->o, s));
	/* a twin's middle name is not the other twin's first name */
	if (strcmp(c->name.middle, c->name.given) == 0 ||
	    (avoid_given && strcmp(c->name.middle, avoid_given) == 0))
		c->name.middle[0] = '\0';
	c->dob = dob;
	c->sex = s;
	text_copy(c->mother_maiden, sizeof c->mother_maiden, h->mother_sur);
	text_copy(c->mother_given, sizeof c->mother_given, h->mother_given);
	c->n_addr = 1;
	text_copy(c->addr[0].line1, sizeof c->addr[0].line1, h->line1);
	text_copy(c->addr[0].city, sizeof c->addr[0].city, h->city);
	text_copy(c->addr[0].state, sizeof c->addr[0].state, "TX");
	text_copy(c->addr[0].zip, sizeof c->addr[0].zip, h->zip);
	if (chance(90))
		set_phone(c, h->phone);
}

/* The mother as a client of her own: married name with her maiden name as
 * an AKA (or, for some, only the maiden name on record). */
static void mother_make(const struct household *h, struct client *c)
{
	client_init(c);
	text_copy(c->name.given, sizeof c->name.given, h->mother_given);
	if (chance(60)) {
		text_copy(c->name.family, sizeof c->name.family, h->father_sur);
		struct person_name aka = {0};
		text_copy(aka.family, sizeof aka.family, h->mother_sur);
		text_copy(aka.given, sizeof aka.given, h->mother_given);
		client_add_aka(c, &aka);
	} else {
		text_copy(c->name.family, sizeof c->name.family, h->mother_sur);
	}
	c->dob = random_date(1975, 2002);
	c->sex = SEX_FEMALE;
	text_copy(c->mother_maiden, sizeof c->mother_maiden, pick_surname(h->o));
	text_copy(c->mother_given, sizeof c->mother_given, pick_given(h->o, SEX_FEMALE));
	c->n_addr = 1;
	text_copy(c->addr[0].line1, sizeof c->addr[0].line1, h->line1);
	text_copy(c->addr[0].city, sizeof c->addr[0].city, h->city);
	text_copy(c->addr[0].state, sizeof c->addr[0].state, "TX");
	text_copy(c->addr[0].zip, sizeof c->addr[0].zip, h->zip);
	set_phone(c, h->phone);
}

static void clients_generate(size_t n, struct client *out)
{
	size_t i = 0;
	while (i < n) {
		struct household h;
		household_make(&h);
		unsigned kids = 1 + skew(4);
		for (unsigned k = 0; k < kids && i < n; k++) {
			enum sex s = chance(50) ? SEX_FEMALE : SEX_MALE;
			vax_date dob = random_date(2006, 2025);
			if (chance(3) && i + 1 < n) {
				/* twins: same DOB, parents, address; different first names */
				enum sex s2 = chance(60) ? s : (s == SEX_FEMALE ? SEX_MALE : SEX_FEMALE);
				child_make(&h, &out[i], dob, s, NULL);
				child_make(&h, &out[i + 1], dob, s2, out[i].name.given);
				text_copy(out[i + 1].name.family, sizeof out[i + 1].name.family,
				          out[i].name.family);
				out[i].multiple_birth = 1;
				out[i + 1].multiple_birth = 2;
				i += 2;
				continue;
			}
			child_make(&h, &out[i++], dob, s, NULL);
		}
		if (i < n && chance(20))
			mother_make(&h, &out[i++]);
	}
	for (size_t k = 0; k < n; k++)
		snprintf(out[k].id, sizeof out[k].id, "TX%08zu", k + 1);
}

/* ---- corruption ------------------------------------------------------ */

/* One keying error in a UTF-8 name: drop, double, swap or replace a
 * letter (ASCII letters only are touched, so the text stays valid). */
static void typo(char *s, size_t cap)
{
	size_t n = strlen(s);
	size_t pos[VAX_NAME_LEN], np = 0;
	for (size_t i = 0; i < n; i++)
		if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))
			if (i > 0 || n < 4)
				pos[np++] = i;
	if (np == 0 || n < 3)
		return;
	size_t p = pos[rnd((unsigned)np)];
	switch (rnd(4)) {
	case 0: /* drop */
		memmove(s + p, s + p + 1, n - p);
		break;
	case 1: /* double */
		if (n + 1 < cap) {
			memmove(s + p + 1, s + p, n - p + 1);
		}
		break;
	case 2: /* swap with the next ASCII letter */
		if (p + 1 < n && ((s[p + 1] >= 'a' && s[p + 1] <= 'z'))) {
			char t = s[p];
			s[p] = s[p + 1];
			s[p + 1] = t;
		} else {
			memmove(s + p, s + p + 1, n - p);
		}
		break;
	default: { /* a neighbouring key */
		static const char *const near = "qwertyuiopasdfghjklzxcvbnm";
		const char *k = strchr(near, s[p] | 0x20);
		if (k) {
			char r = k > near && k[1] ? (chance(50) ? k[-1] : k[1]) : (k[1] ? k[1] : k[-1]);
			s[p] = (char)(s[p] >= 'a' ? r : r - 32);
		}
		break;
	}
	}
}

/* Accents dropped, case changed, as a keyboard without them types it. */
static void plain(char *s, size_t cap)
{
	char f[VAX_NAME_LEN];
	text_fold_words(s, f, sizeof f);
	if (chance(50)) {
		for (char *p = f; *p; p++)
			if (p > f && p[-1] != ' ' && *p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
	}
	text_copy(s, cap, f);
}

static const char *nickname_of(const char *given)
{
	char f[VAX_NAME_LEN];
	text_fold(given, f, sizeof f);
	size_t n;
	const struct nickname_entry *t = nickname_table(&n);
	const char *found[16];
	size_t nf = 0;
	for (size_t i = 0; i < n && nf < 16; i++)
		for (int j = 0; j < NICKNAME_FULL_MAX && t[i].full[j]; j++)
			if (strcmp(t[i].full[j], f) == 0 && strlen(t[i].nick) > 2)
				found[nf++] = t[i].nick;
	return nf ? found[rnd((unsigned)nf)] : NULL;
}

/* First space or hyphen separated parts of a compound surname. */
static int surname_parts(const char *fam, char parts[2][VAX_NAME_LEN])
{
	const char *sep = strpbrk(fam, " -");
	/* "De La Cruz" is one surname, not two */
	if (!sep || strncmp(fam, "De ", 3) == 0 || strncmp(fam, "Del ", 4) == 0 ||
	    strncmp(fam, "Van ", 4) == 0 || strncmp(fam, "St. ", 4) == 0)
		return 1;
	text_copy(parts[0], VAX_NAME_LEN, fam);
	parts[0][sep - fam] = '\0';
	text_copy(parts[1], VAX_NAME_LEN, sep + 1);
	return strpbrk(parts[1], " -") ? 1 : 2;
}

static void query_base(const struct client *c, struct client *q)
{
	client_init(q);
	q->name = c->name;
	q->name.middle[0] = '\0';
	q->name.suffix[0] = '\0';
	q->dob = c->dob;
	if (chance(60))
		q->sex = c->sex;
	if (chance(25) && c->n_phone)
		set_phone(q, c->phone[0].number);
	if (chance(15) && c->mother_maiden[0])
		text_copy(q->mother_maiden, sizeof q->mother_maiden, c->mother_maiden);
	if (chance(15) && c->n_addr) {
		q->n_addr = 1;
		q->addr[0] = c->addr[0];
	}
	if (chance(20))
		text_copy(q->name.middle, sizeof q->name.middle, c->name.middle);
}

static bool corrupt(struct client *q, const struct client *c, unsigned kind, char *label, size_t cap)
{
	int y, m, d;
	date_to_ymd(c->dob, &y, &m, &d);
	char parts[2][VAX_NAME_LEN];
	switch (kind) {
	case 0:
		text_copy(label, cap, "exact");
		return true;
	case 1:
		typo(q->name.family, sizeof q->name.family);
		text_copy(label, cap, "family-typo");
		return true;
	case 2:
		typo(q->name.given, sizeof q->name.given);
		text_copy(label, cap, "given-typo");
		return true;
	case 3: {
		const char *nick = nickname_of(c->name.given);
		if (!nick)
			return false;
		/* typed the way the person says it: "Chuy", "Bill" */
		char buf[VAX_NAME_LEN];
		text_copy(buf, sizeof buf, nick);
		for (char *p = buf + 1; *p; p++)
			*p = (char)(*p + 32);
		text_copy(q->name.given, sizeof q->name.given, buf);
		text_copy(label, cap, "nickname");
		return true;
	}
	case 4:
		plain(q->name.family, sizeof q->name.family);
		plain(q->name.given, sizeof q->name.given);
		text_copy(label, cap, "no-accents");
		return true;
	case 5: {
		if (surname_parts(c->name.family, parts) != 2)
			return false;
		unsigned how = rnd(4);
		if (how == 0)
			text_copy(q->name.family, sizeof q->name.family, parts[0]);
		else if (how == 1)
			text_copy(q->name.family, sizeof q->name.family, parts[1]);
		else if (how == 2)
			join(q->name.family, sizeof q->name.family, parts[1], " ", parts[0]);
		else
			join(q->name.family, sizeof q->name.family, parts[0], "-", parts[1]);
		text_copy(label, cap, "compound-surname");
		return true;
	}
	case 6:
		text_copy(q->name.family, sizeof q->name.family, c->name.given);
		text_copy(q->name.given, sizeof q->name.given, c->name.family);
		text_copy(label, cap, "swapped-names");
		return true;
	case 7:
		if (d > 12 || d == m)
			return false;
		q->dob = date_from_ymd(y, d, m);
		text_copy(label, cap, "dob-day-month");
		return q->dob != DATE_NONE;
	case 8: {
		char s[16];
		snprintf(s, sizeof s, "%02d%02d%04d", m, d, y);
		for (int tries = 0; tries < 20; tries++) {
			char t[16];
			memcpy(t, s, sizeof t);
			int p = (int)rnd(8);
			if (p == 4)
				continue; /* the millennium digit is never wrong */
			t[p] = (char)('0' + rnd(10));
			int mm = (t[0] - '0') * 10 + t[1] - '0', dd = (t[2] - '0') * 10 + t[3] - '0';
			int yy = atoi(t + 4);
			vax_date nd = date_from_ymd(yy, mm, dd);
			if (nd != DATE_NONE && nd != c->dob) {
				q->dob = nd;
				text_copy(label, cap, "dob-digit");
				return true;
			}
		}
		return false;
	}
	case 9:
		q->name.given[0] = '\0';
		text_copy(label, cap, "no-given");
		return true;
	case 10: {
		/* a name change the record does not know: new surname, and the
		 * desk asks for what confirms it */
		if (c->sex != SEX_FEMALE || c->n_aka > 0 || c->dob > date_from_ymd(2004, 12, 31))
			return false;
		const char *ns;
		do
			ns = pick_surname(pick_origin());
		while (strcmp(ns, c->name.family) == 0);
		text_copy(q->name.family, sizeof q->name.family, ns);
		if (c->n_phone)
			set_phone(q, c->phone[0].number);
		if (chance(50)) {
			q->n_addr = 1;
			q->addr[0] = c->addr[0];
		}
		text_copy(q->mother_maiden, sizeof q->mother_maiden, c->mother_maiden);
		text_copy(label, cap, "married-name");
		return true;
	}
	case 11:
		if (c->n_aka == 0)
			return false;
		text_copy(q->name.family, sizeof q->name.family, c->aka[0].family);
		text_copy(label, cap, "earlier-name");
		return true;
	case 12:
		if (!c->multiple_birth)
			return false;
		text_copy(label, cap, "twin");
		return true;
	case 13:
		/* the given name typed is the middle name the person goes by */
		if (!c->name.middle[0] || strcmp(c->name.middle, "Thị") == 0 ||
		    strcmp(c->name.middle, "Văn") == 0)
			return false;
		text_copy(q->name.given, sizeof q->name.given, c->name.middle);
		text_copy(label, cap, "goes-by-middle");
		return true;
	case 14:
		q->dob = DATE_NONE;
		if (c->n_phone)
			set_phone(q, c->phone[0].number);
		else
			return false;
		text_copy(label, cap, "no-dob-phone");
		return true;
	default:
		return false;
	}
}

#define KINDS 15

static void queries_generate(const struct client *cl, size_t n, struct eval_query *out, size_t m)
{
	size_t i = 0;
	/* twins are rare: find them once so some queries can ask for one */
	size_t *twins = xmalloc((n + 1) * sizeof *twins), nt = 0;
	for (size_t k = 0; k < n; k++)
		if (cl[k].multiple_birth)
			twins[nt++] = k;
	while (i < m) {
		struct eval_query *eq = &out[i];
		memset(eq, 0, sizeof *eq);
		if (chance(10)) {
			/* someone not in the set: a sibling of a client, a new
			 * person, or a namesake (same name, DOB and sex as a
			 * client, another family: rare at 5,000 people, certain
			 * to exist among millions) */
			struct household h;
			household_make(&h);
			const struct client *sib = &cl[rnd((unsigned)n)];
			struct client p;
			const char *kind = "not-in-set";
			unsigned v = rnd(10);
			if (v < 4) {
				vax_date dob = random_date(2006, 2025);
				child_make(&h, &p, dob, chance(50) ? SEX_FEMALE : SEX_MALE, NULL);
				text_copy(p.name.family, sizeof p.name.family, sib->name.family);
				p.addr[0] = sib->addr[0];
				p.phone[0] = sib->phone[0];
				p.n_phone = sib->n_phone;
				text_copy(p.mother_maiden, sizeof p.mother_maiden, sib->mother_maiden);
			} else if (v < 7) {
				vax_date dob = random_date(2006, 2025);
				child_make(&h, &p, dob, chance(50) ? SEX_FEMALE : SEX_MALE, NULL);
			} else {
				/* another mother: a namesake with the same mother's
				 * maiden name as well cannot be told apart */
				while (phonetic_equal(h.mother_sur, sib->mother_maiden))
					household_make(&h);
				child_make(&h, &p, sib->dob, sib->sex, NULL);
				text_copy(p.name.family, sizeof p.name.family, sib->name.family);
				text_copy(p.name.given, sizeof p.name.given, sib->name.given);
				kind = "namesake";
			}
			query_base(&p, &eq->q);
			if (strcmp(kind, "namesake") == 0)
				/* Smart search asks for it */
				text_copy(eq->q.mother_maiden, sizeof eq->q.mother_maiden, p.mother_maiden);
			eq->truth = -1;
			text_copy(eq->kind, sizeof eq->kind, kind);
			i++;
			continue;
		}
		/* rare situations (twins, name changes) are asked about more
		 * often than they occur, so each is measured */
		unsigned kind = rnd(KINDS);
		size_t t = 0;
		char label[40];
		bool ok = false;
		for (int tries = 0; tries < 200 && !ok; tries++) {
			t = kind == 12 && nt ? twins[rnd((unsigned)nt)] : rnd((unsigned)n);
			query_base(&cl[t], &eq->q);
			ok = corrupt(&eq->q, &cl[t], kind, label, sizeof label);
		}
		if (!ok)
			continue;
		/* one query in five carries a second error */
		if (kind != 0 && chance(20)) {
			unsigned k2 = 1 + rnd(4);
			char l2[40];
			if (k2 != kind && corrupt(&eq->q, &cl[t], k2, l2, sizeof l2)) {
				strncat(label, "+", sizeof label - strlen(label) - 1);
				strncat(label, l2, sizeof label - strlen(label) - 1);
			}
		}
		eq->truth = (long)t;
		text_copy(eq->kind, sizeof eq->kind, label);
		i++;
	}
	free(twins);
}

void eval_generate(uint64_t seed, size_t n, size_t m, struct eval_set *out)
{
	rng_state = seed;
	out->c = xcalloc(n ? n : 1, sizeof *out->c);
	out->n = n;
	out->q = xcalloc(m ? m : 1, sizeof *out->q);
	out->m = m;
	clients_generate(n, out->c);
	queries_generate(out->c, n, out->q, m);
}

void eval_free(struct eval_set *s)
{
	free(s->c);
	free(s->q);
	memset(s, 0, sizeof *s);
}

/* ---- text form ------------------------------------------------------- */

static void put_person(FILE *f, const struct client *c)
{
	char dob[DATE_ISO_LEN];
	date_format_iso(c->dob, dob);
	fprintf(f, "%s|%s|%s|%s|%s|%s|%s|%d|%s|%s|%s|%s|%s|%s", c->name.family, c->name.given, c->name.middle,
	        dob, client_sex_code(c->sex), c->mother_maiden, c->mother_given, c->multiple_birth,
	        c->n_phone ? c->phone[0].number : "", c->n_addr ? c->addr[0].line1 : "",
	        c->n_addr ? c->addr[0].city : "", c->n_addr ? c->addr[0].zip : "",
	        c->n_aka ? c->aka[0].family : "", c->n_aka ? c->aka[0].given : "");
}

void eval_write(FILE *f, const struct eval_set *s)
{
	fprintf(f,
	        "# tests/match/eval.txt - generated by tests/match/gen_eval (seed %u); do not edit.\n"
	        "# C|id|family|given|middle|dob|sex|mother maiden|mother given|birth "
	        "order|phone|street|city|zip|aka family|aka given\n"
	        "# Q|true client id or -|kind of corruption|family|given|... as for C\n",
	        (unsigned)EVAL_SEED);
	for (size_t i = 0; i < s->n; i++) {
		fprintf(f, "C|%s|", s->c[i].id);
		put_person(f, &s->c[i]);
		fputc('\n', f);
	}
	for (size_t i = 0; i < s->m; i++) {
		if (s->q[i].truth >= 0)
			fprintf(f, "Q|%s|%s|", s->c[s->q[i].truth].id, s->q[i].kind);
		else
			fprintf(f, "Q|-|%s|", s->q[i].kind);
		put_person(f, &s->q[i].q);
		fputc('\n', f);
	}
}

#define FIELDS 17

static bool get_person(char **fld, struct client *c)
{
	client_init(c);
	text_copy(c->name.family, sizeof c->name.family, fld[0]);
	text_copy(c->name.given, sizeof c->name.given, fld[1]);
	text_copy(c->name.middle, sizeof c->name.middle, fld[2]);
	if (fld[3][0] && date_parse_iso(fld[3], &c->dob) != DATE_OK)
		return false;
	c->sex = client_sex_from_code(fld[4]);
	text_copy(c->mother_maiden, sizeof c->mother_maiden, fld[5]);
	text_copy(c->mother_given, sizeof c->mother_given, fld[6]);
	c->multiple_birth = atoi(fld[7]);
	if (fld[8][0])
		set_phone(c, fld[8]);
	if (fld[9][0] || fld[11][0]) {
		c->n_addr = 1;
		text_copy(c->addr[0].line1, sizeof c->addr[0].line1, fld[9]);
		text_copy(c->addr[0].city, sizeof c->addr[0].city, fld[10]);
		text_copy(c->addr[0].state, sizeof c->addr[0].state, "TX");
		text_copy(c->addr[0].zip, sizeof c->addr[0].zip, fld[11]);
	}
	if (fld[12][0]) {
		struct person_name aka = {0};
		text_copy(aka.family, sizeof aka.family, fld[12]);
		text_copy(aka.given, sizeof aka.given, fld[13]);
		client_add_aka(c, &aka);
	}
	return true;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(((const struct client *)a)->id, ((const struct client *)b)->id);
}

bool eval_read(FILE *f, struct eval_set *out)
{
	char line[2048];
	size_t capc = 0, capq = 0, lineno = 0;
	memset(out, 0, sizeof *out);
	while (fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		char *fld[FIELDS + 1];
		int nf = 0;
		char *p = line;
		for (;;) {
			fld[nf++] = p;
			char *bar = strchr(p, '|');
			if (!bar || nf > FIELDS)
				break;
			*bar = '\0';
			p = bar + 1;
		}
		int want = line[0] == 'C' ? FIELDS - 1 : FIELDS;
		if (nf != want) {
			fprintf(stderr, "eval: line %zu: %d fields, want %d\n", lineno, nf, want);
			return false;
		}
		if (strcmp(fld[0], "C") == 0) {
			out->c = xgrow(out->c, &capc, out->n + 1, sizeof *out->c);
			if (!get_person(fld + 2, &out->c[out->n])) {
				fprintf(stderr, "eval: line %zu: bad date\n", lineno);
				return false;
			}
			text_copy(out->c[out->n].id, sizeof out->c[out->n].id, fld[1]);
			out->n++;
		} else if (strcmp(fld[0], "Q") == 0) {
			out->q = xgrow(out->q, &capq, out->m + 1, sizeof *out->q);
			struct eval_query *eq = &out->q[out->m];
			memset(eq, 0, sizeof *eq);
			if (!get_person(fld + 3, &eq->q)) {
				fprintf(stderr, "eval: line %zu: bad date\n", lineno);
				return false;
			}
			eq->truth = -1;
			if (strcmp(fld[1], "-") != 0) {
				/* ids are written in order, so bsearch the clients */
				struct client key;
				text_copy(key.id, sizeof key.id, fld[1]);
				const struct client *hit =
				    bsearch(&key, out->c, out->n, sizeof *out->c, cmp_id);
				if (!hit) {
					fprintf(stderr, "eval: line %zu: unknown client %s\n", lineno,
					        fld[1]);
					return false;
				}
				eq->truth = hit - out->c;
			}
			text_copy(eq->kind, sizeof eq->kind, fld[2]);
			out->m++;
		} else {
			fprintf(stderr, "eval: line %zu: unknown record type\n", lineno);
			return false;
		}
	}
	return true;
}

/* ---- figures --------------------------------------------------------- */

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static struct eval_kind *kind_of(struct eval_stats *st, const char *label)
{
	size_t len = strcspn(label, "+");
	for (int i = 0; i < st->n_kinds; i++)
		if (strlen(st->kind[i].kind) == len && strncmp(st->kind[i].kind, label, len) == 0)
			return &st->kind[i];
	if (st->n_kinds >= EVAL_KINDS_MAX || len >= sizeof st->kind[0].kind)
		return NULL;
	struct eval_kind *k = &st->kind[st->n_kinds++];
	memcpy(k->kind, label, len);
	k->kind[len] = '\0';
	return k;
}

void eval_run(const struct eval_set *s, const struct match_index *ix, bool timing, FILE *misses,
              struct eval_stats *st)
{
	memset(st, 0, sizeof *st);
	if (timing)
		st->latency_ns = xcalloc(s->m ? s->m : 1, sizeof *st->latency_ns);
	struct match_result res[5];
	for (size_t i = 0; i < s->m; i++) {
		const struct eval_query *eq = &s->q[i];
		size_t scored = 0;
		double t0 = timing ? now_ns() : 0;
		size_t nr = match_search(&eq->q, s->c, s->n, ix, res, 5, &scored);
		if (timing)
			st->latency_ns[i] = now_ns() - t0;
		st->queries++;
		st->scored += scored;
		bool hit3 = false;
		for (size_t r = 0; r < nr && r < 3; r++)
			if ((long)res[r].index == eq->truth)
				hit3 = true;
		bool wrong_certain = false;
		for (size_t r = 0; r < nr; r++)
			if (res[r].grade == MATCH_CERTAIN && (long)res[r].index != eq->truth)
				wrong_certain = true;
		if (eq->truth >= 0) {
			st->in_set++;
			st->top3 += hit3;
			st->top1 += nr > 0 && (long)res[0].index == eq->truth;
			st->true_certain +=
			    nr > 0 && (long)res[0].index == eq->truth && res[0].grade == MATCH_CERTAIN;
		} else {
			st->not_in_set++;
		}
		st->wrong_certain += wrong_certain;
		struct eval_kind *kd = kind_of(st, eq->kind);
		if (kd) {
			kd->queries++;
			kd->in_set += eq->truth >= 0;
			kd->top3 += hit3;
			kd->wrong_certain += wrong_certain;
			if (nr > 0 && (long)res[0].index == eq->truth && eq->truth >= 0) {
				kd->true_certain += res[0].grade == MATCH_CERTAIN;
				kd->probable += res[0].grade == MATCH_PROBABLE;
			}
		}
		if (misses && ((eq->truth >= 0 && !hit3) || wrong_certain)) {
			fprintf(misses, "%s %s: %s, %s %s | ", wrong_certain ? "WRONG-CERTAIN" : "MISS",
			        eq->kind, eq->q.name.family, eq->q.name.given, eq->q.name.middle);
			if (eq->truth >= 0) {
				const struct client *t = &s->c[eq->truth];
				char d1[DATE_ISO_LEN], d2[DATE_ISO_LEN];
				fprintf(misses, "truth %s, %s %s %s q-dob %s", t->name.family, t->name.given,
				        t->name.middle, date_format_iso(t->dob, d1),
				        date_format_iso(eq->q.dob, d2));
			}
			fputc('\n', misses);
			for (size_t r = 0; r < nr; r++) {
				const struct client *c = &s->c[res[r].index];
				fprintf(misses, "   %zu %.1f %s %s, %s:", r, res[r].weight,
				        match_grade_code(res[r].grade), c->name.family, c->name.given);
				for (int k = 0; k < res[r].n_why; k++)
					fprintf(misses, " [%s]", res[r].why[k]);
				fputc('\n', misses);
			}
		}
	}
}
