/* registry/demo.c - see demo.h. The synthetic people are drawn from name
 * lists that look like Texas: Spanish compound and hyphenated surnames,
 * Vietnamese names with their diacritics, German Hill Country names, and the
 * rest; a fixed seed makes every run identical. */
#include "registry/demo.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fhir.h"
#include "registry/auth.h"

#define DEMO_SEED     0x20261122u
#define DEMO_PASSWORD "Vax!demo2026"

bool demo_org_add(struct store *st, const char *code, const char *name, int64_t now, struct vax_error *err)
{
	if (!code[0] || strlen(code) > 32 ||
	    strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != strlen(code))
		return error_set(err, "ORG-CODE",
		                 "An organization code has 1-32 upper-case letters, digits or '-'.");
	if (!store_org_add(st, code, name, err))
		return false;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "resourceType", "Organization");
	cJSON *ids = cJSON_AddArrayToObject(o, "identifier");
	cJSON *id = cJSON_CreateObject();
	cJSON_AddStringToObject(id, "system", FHIR_CS "organization-code");
	cJSON_AddStringToObject(id, "value", code);
	cJSON_AddItemToArray(ids, id);
	cJSON_AddBoolToObject(o, "active", true);
	cJSON_AddStringToObject(o, "name", name);
	bool ok = store_write(st, "Organization", code, code, o, false, now, NULL, err);
	cJSON_Delete(o);
	return ok;
}

bool demo_user_add(struct store *st, const char *org, const char *username, const char *role,
                   const char *email, const char *password, struct vax_error *err)
{
	if (store_org_get(st, org, NULL, 0, err) != 1)
		return err && err->code[0]
		           ? false
		           : error_set(err, "ORG-UNKNOWN",
		                       "There is no organization %s; add it first (vaxregd org add).", org);
	struct store_user u;
	int found = store_user_get(st, username, &u, err);
	if (found < 0)
		return false;
	if (!found) {
		if (!password)
			return error_set(err, "PW-MISSING", "A new user needs a password.");
		if (!auth_password_rules(password, NULL, err))
			return false;
		memset(&u, 0, sizeof u);
		snprintf(u.username, sizeof u.username, "%s", username);
		snprintf(u.email, sizeof u.email, "%s", email);
		if (!auth_hash_password(password, u.hash, sizeof u.hash))
			return error_set(err, "PW-HASH", "The password could not be hashed.");
		if (!store_user_add(st, &u, err) || !store_pw_history_add(st, u.id, u.hash, err))
			return false;
	}
	return store_member_add(st, u.id, org, role, err);
}

/* ---- synthetic people ------------------------------------------------------ */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift64*: small, fast, and the same on every machine */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static int pick(int n)
{
	return (int)(rnd() % (uint32_t)n);
}

#define N(a) ((int)(sizeof a / sizeof *a))

static const char *hisp_family[] = {
    "García",    "Hernández",     "Martínez",  "López",  "González",  "Rodríguez", "Pérez",      "Sánchez",
    "Ramírez",   "Flores",        "Treviño",   "Peña",   "Garza",     "Cantú",     "Villarreal", "de la Cruz",
    "De León",   "Ibáñez",        "Muñoz",     "Núñez",  "Salinas",   "Ochoa",     "Zúñiga",     "Saldaña",
    "Castañeda", "de los Santos", "Gutiérrez", "Chávez", "Domínguez", "Guerra",
};
static const char *hisp_given_f[] = {
    "María",    "Sofía",   "Valentina", "Ximena", "Camila",  "Guadalupe", "Renée",   "Ana Lucía",
    "Isabella", "Daniela", "Mía",       "Itzel",  "Yesenia", "Marisol",   "Araceli",
};
static const char *hisp_given_m[] = {
    "José", "Mateo",   "Santiago", "Diego",  "Emiliano", "Jesús", "Ángel",     "Juan Pablo",
    "Luis", "Joaquín", "Andrés",   "Héctor", "Rubén",    "Iker",  "Sebastián",
};
static const char *viet_family[] = {
    "Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hoàng", "Phan", "Vũ",
};
static const char *viet_given_f[] = {"Minh Anh", "Thảo", "Linh", "Ngọc", "Hương", "Trâm", "Phương", "Vy"};
static const char *viet_given_m[] = {"Bảo", "Khánh", "Quốc", "Minh", "Đức", "Tuấn", "Huy", "Long"};
static const char *anglo_family[] = {
    "Smith",    "Johnson",    "Williams", "Brown",    "Jones",    "Miller",   "Davis",   "Wilson",
    "Anderson", "Taylor",     "Thomas",   "Moore",    "Jackson",  "White",    "Harris",  "Washington",
    "O'Brien",  "McAllister", "Schmidt",  "Müller",   "Kowalski", "Schulze",  "Fischer", "Okafor",
    "Patel",    "Kim",        "Nowak",    "St. John", "D'Angelo", "Van Dyke",
};
static const char *anglo_given_f[] = {
    "Emma",   "Olivia", "Ava",     "Harper", "Zoë",       "Chloé",    "Amelia",
    "Evelyn", "Imani",  "Aaliyah", "Priya",  "Mary-Kate", "Brooklyn", "Noelle",
};
static const char *anglo_given_m[] = {
    "Liam",   "Noah",  "Elijah",   "James", "William", "Benjamin", "DeShawn",
    "Jaylen", "Arjun", "Jean-Luc", "Owen",  "Caleb",   "Wyatt",    "Ezra",
};
static const char *middles[] = {"",          "",      "",      "Ann",  "Marie", "Lee",
                                "Alejandro", "Grace", "James", "Rose", "Văn",   "Thị"};

struct place {
	const char *city, *county, *zip;
};
static const struct place places[] = {
    {"Austin", "Travis", "78741"},
    {"Austin", "Travis", "78753"},
    {"Pflugerville", "Travis", "78660"},
    {"McAllen", "Hidalgo", "78501"},
    {"Edinburg", "Hidalgo", "78539"},
    {"Pharr", "Hidalgo", "78577"},
    {"Brownsville", "Cameron", "78521"},
    {"Harlingen", "Cameron", "78550"},
    {"Houston", "Harris", "77036"},
    {"Houston", "Harris", "77072"},
    {"Pasadena", "Harris", "77506"},
    {"San Antonio", "Bexar", "78207"},
    {"San Antonio", "Bexar", "78228"},
    {"El Paso", "El Paso", "79936"},
    {"Laredo", "Webb", "78043"},
    {"Dallas", "Dallas", "75217"},
    {"Fort Worth", "Tarrant", "76106"},
    {"Lubbock", "Lubbock", "79415"},
    {"Fredericksburg", "Gillespie", "78624"},
    {"New Braunfels", "Comal", "78130"},
};
static const char *streets[] = {
    "Calle del Sol",      "E Cesar Chavez St", "Bellaire Blvd", "N 10th St",      "Guadalupe St",
    "Old San Antonio Rd", "Pecan Grove Ln",    "Mesquite Dr",   "Bluebonnet Trl", "W Alabama Ave",
    "Rio Grande Ave",     "Hueco Tanks Rd",    "Main St",       "Ranch Rd 12",
};

/* CVX given at these ages (months): a simplified childhood schedule for
 * believable histories; the demo does not pretend to be ACIP-correct. */
struct sched {
	const char *cvx, *mvx;
	int months;
};
static const struct sched childhood[] = {
    {"08", "MSD", 0},  {"08", "MSD", 2},    {"20", "PMC", 2},   {"10", "PMC", 2},    {"49", "MSD", 2},
    {"133", "PFR", 2}, {"116", "MSD", 2},   {"20", "PMC", 4},   {"10", "PMC", 4},    {"49", "MSD", 4},
    {"133", "PFR", 4}, {"116", "MSD", 4},   {"08", "MSD", 6},   {"20", "PMC", 6},    {"133", "PFR", 6},
    {"03", "MSD", 12}, {"21", "MSD", 12},   {"83", "SKB", 12},  {"133", "PFR", 12},  {"49", "MSD", 15},
    {"20", "PMC", 15}, {"83", "SKB", 18},   {"20", "PMC", 48},  {"10", "PMC", 48},   {"03", "MSD", 48},
    {"21", "MSD", 48}, {"115", "PMC", 132}, {"62", "MSD", 132}, {"114", "PMC", 132}, {"114", "PMC", 192},
};

static void fake_uuid(char out[VAX_UUID_LEN])
{
	uint32_t w[4] = {rnd(), rnd(), rnd(), rnd()};
	w[1] = (w[1] & 0xFFFF0FFFu) | 0x00004000u;
	w[2] = (w[2] & 0x3FFFFFFFu) | 0x80000000u;
	snprintf(out, VAX_UUID_LEN, "%08x-%04x-%04x-%04x-%04x%08x", w[0], w[1] >> 16, w[1] & 0xFFFF,
	         w[2] >> 16, w[2] & 0xFFFF, w[3]);
}

static void make_client(struct client *c, vax_date anchor)
{
	client_init(c);
	fake_uuid(c->uuid);
	int kind = pick(100);
	bool female = pick(2);
	c->sex = female ? SEX_FEMALE : SEX_MALE;
	const char *g, *f;
	if (kind < 55) {
		f = hisp_family[pick(N(hisp_family))];
		g = female ? hisp_given_f[pick(N(hisp_given_f))] : hisp_given_m[pick(N(hisp_given_m))];
		int style = pick(10);
		if (style < 3) /* two surnames, as on a Mexican birth certificate */
			snprintf(c->name.family, sizeof c->name.family, "%s %s", f,
			         hisp_family[pick(N(hisp_family))]);
		else if (style < 5)
			snprintf(c->name.family, sizeof c->name.family, "%s-%s", f,
			         hisp_family[pick(N(hisp_family))]);
		else
			snprintf(c->name.family, sizeof c->name.family, "%s", f);
		snprintf(c->ethnicity, sizeof c->ethnicity, "2135-2");
		snprintf(c->race[c->n_race++], 8, "2106-3");
	} else if (kind < 65) {
		f = viet_family[pick(N(viet_family))];
		g = female ? viet_given_f[pick(N(viet_given_f))] : viet_given_m[pick(N(viet_given_m))];
		snprintf(c->name.family, sizeof c->name.family, "%s", f);
		snprintf(c->ethnicity, sizeof c->ethnicity, "2186-5");
		snprintf(c->race[c->n_race++], 8, "2028-9");
	} else {
		f = anglo_family[pick(N(anglo_family))];
		g = female ? anglo_given_f[pick(N(anglo_given_f))] : anglo_given_m[pick(N(anglo_given_m))];
		if (pick(12) == 0)
			snprintf(c->name.family, sizeof c->name.family, "%s-%s", f,
			         anglo_family[pick(N(anglo_family))]);
		else
			snprintf(c->name.family, sizeof c->name.family, "%s", f);
		snprintf(c->ethnicity, sizeof c->ethnicity, "2186-5");
		snprintf(c->race[c->n_race++], 8, pick(4) == 0 ? "2054-5" : "2106-3");
	}
	snprintf(c->name.given, sizeof c->name.given, "%s", g);
	snprintf(c->name.middle, sizeof c->name.middle, "%s", middles[pick(N(middles))]);
	/* mostly children: what a clinic front desk and a school nurse see */
	int age_days = pick(10) < 8 ? 60 + pick(18 * 365) : 18 * 365 + pick(60 * 365);
	c->dob = date_add_days(anchor, -age_days);
	const struct place *pl = &places[pick(N(places))];
	struct address *a = &c->addr[c->n_addr++];
	snprintf(a->line1, sizeof a->line1, "%d %s", 100 + pick(9800), streets[pick(N(streets))]);
	if (pick(5) == 0)
		snprintf(a->line2, sizeof a->line2, "Apt %d", 1 + pick(400));
	snprintf(a->city, sizeof a->city, "%s", pl->city);
	snprintf(a->county, sizeof a->county, "%s", pl->county);
	snprintf(a->state, sizeof a->state, "TX");
	snprintf(a->zip, sizeof a->zip, "%s", pl->zip);
	a->since = c->dob;
	c->phone[c->n_phone].use = pick(3) ? PHONE_MOBILE : PHONE_HOME;
	snprintf(c->phone[c->n_phone].number, sizeof c->phone[0].number, "%03d555%04d",
	         (int[]){512, 956, 713, 210, 915, 214, 817, 806}[pick(8)], pick(10000));
	c->n_phone++;
	const char *mom[] = {"Garza", "Nguyễn", "Smith", "López", "Treviño", "Müller"};
	snprintf(c->mother_maiden, sizeof c->mother_maiden, "%s", mom[pick(N(mom))]);
	snprintf(c->tracking_schedule, sizeof c->tracking_schedule, "ACIP");
	c->reminder_recall = pick(4) != 0;
	c->consent.minor = CONSENT_GRANTED;
	c->consent.date = c->dob;
	if (pick(25) == 0) {
		struct person_name aka = c->name;
		snprintf(aka.family, sizeof aka.family, "%s", hisp_family[pick(N(hisp_family))]);
		client_add_aka(c, &aka);
	}
}

static bool write_json(struct store *st, const char *type, const char *id, const char *org, cJSON *j,
                       int64_t now, struct vax_error *err)
{
	bool ok = store_write(st, type, id, org, j, false, now, NULL, err);
	cJSON_Delete(j);
	return ok;
}

/* The clients are made on a second thread while the loading thread
 * stores them: making a resource (the JSON, its search terms and $match
 * keys) costs about as much as storing it. Resources go over in batches;
 * the queue holds a few, so memory stays flat. */
#define BATCH  512
#define QUEUED 8

struct batch {
	int n;
	struct store_ready *r[BATCH];
};

struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t ready, room;
	struct batch *q[QUEUED];
	int head, count;
	bool done, stop;
	/* what the maker was asked for and what it made */
	int n_clients, shots;
	vax_date anchor;
	int64_t now;
	long n_shots;
	cJSON *group; /* the school list, filled as students are made */
	int n_members;
	bool oom;
};

static void pipe_push(struct pipe *p, struct batch *b)
{
	pthread_mutex_lock(&p->mu);
	while (p->count == QUEUED && !p->stop)
		pthread_cond_wait(&p->room, &p->mu);
	if (p->stop) {
		pthread_mutex_unlock(&p->mu);
		for (int i = 0; i < b->n; i++)
			store_ready_free(b->r[i]);
		free(b);
		return;
	}
	p->q[(p->head + p->count) % QUEUED] = b;
	p->count++;
	pthread_cond_signal(&p->ready);
	pthread_mutex_unlock(&p->mu);
}

/* The next batch, or NULL when the maker is done. */
static struct batch *pipe_pop(struct pipe *p)
{
	pthread_mutex_lock(&p->mu);
	while (p->count == 0 && !p->done)
		pthread_cond_wait(&p->ready, &p->mu);
	struct batch *b = NULL;
	if (p->count) {
		b = p->q[p->head];
		p->head = (p->head + 1) % QUEUED;
		p->count--;
		pthread_cond_signal(&p->room);
	}
	pthread_mutex_unlock(&p->mu);
	return b;
}

static bool made(struct pipe *p, struct batch **b, const char *type, const char *id, const char *org,
                 cJSON *j)
{
	struct store_ready *r = store_ready_new(type, id, org, j, p->now, NULL);
	cJSON_Delete(j);
	if (!r) {
		p->oom = true;
		return false;
	}
	(*b)->r[(*b)->n++] = r;
	if ((*b)->n == BATCH) {
		pipe_push(p, *b);
		*b = calloc(1, sizeof **b);
		if (!*b) {
			p->oom = true;
			return false;
		}
	}
	return true;
}

static const char *const client_orgs[] = {"HILLPEDS", "RGVFAM", "BAYOUHC"};

static void *make_clients(void *arg)
{
	struct pipe *p = arg;
	struct batch *b = calloc(1, sizeof *b);
	cJSON *members = cJSON_GetObjectItemCaseSensitive(p->group, "member");
	bool ok = b != NULL;
	for (int i = 0; ok && i < p->n_clients && !p->stop; i++) {
		struct client c;
		make_client(&c, p->anchor);
		char pid[VAX_UUID_LEN];
		fake_uuid(pid);
		const char *org = client_orgs[pick(3)];
		ok = made(p, &b, "Patient", pid, org, fhir_patient_to_json(&c));
		int age_m = date_age_months(c.dob, p->anchor);
		int given = 0, limit = p->shots > 0 ? p->shots : N(childhood);
		if (p->shots <= 0 && age_m > 18 * 12)
			limit = 3 + pick(6); /* adults: what made it into the registry */
		for (int k = 0; ok && k < N(childhood) && given < limit; k++) {
			if (childhood[k].months > age_m || pick(20) == 0)
				continue; /* not due yet, or missed */
			struct immunization im;
			imm_init(&im);
			fake_uuid(im.uuid);
			snprintf(im.client_id, sizeof im.client_id, "%s", pid);
			snprintf(im.cvx, sizeof im.cvx, "%s", childhood[k].cvx);
			snprintf(im.mvx, sizeof im.mvx, "%s", childhood[k].mvx);
			im.date_given =
			    date_add_days(date_add_months(c.dob, 0, childhood[k].months), pick(21));
			if (im.date_given > p->anchor)
				im.date_given = p->anchor;
			im.historical = true;
			snprintf(im.info_source, sizeof im.info_source, "01");
			snprintf(im.org, sizeof im.org, "%s", org);
			char iid[VAX_UUID_LEN];
			fake_uuid(iid);
			ok = made(p, &b, "Immunization", iid, org, fhir_immunization_to_json(&im));
			given++;
			p->n_shots++;
		}
		/* extra flu shots make the bench's doses per client */
		for (; ok && given < p->shots; given++) {
			struct immunization im;
			imm_init(&im);
			fake_uuid(im.uuid);
			snprintf(im.client_id, sizeof im.client_id, "%s", pid);
			snprintf(im.cvx, sizeof im.cvx, "141");
			im.date_given = date_add_days(p->anchor, -pick(3650));
			if (im.date_given < c.dob)
				im.date_given = c.dob;
			im.historical = true;
			snprintf(im.info_source, sizeof im.info_source, "01");
			char iid[VAX_UUID_LEN];
			fake_uuid(iid);
			ok = made(p, &b, "Immunization", iid, org, fhir_immunization_to_json(&im));
			p->n_shots++;
		}
		if (age_m >= 60 && age_m < 72 && p->n_members < 40 && !strcmp(c.addr[0].county, "Travis")) {
			cJSON *m = cJSON_CreateObject();
			cJSON *e = cJSON_AddObjectToObject(m, "entity");
			char ref[80];
			snprintf(ref, sizeof ref, "Patient/%s", pid);
			cJSON_AddStringToObject(e, "reference", ref);
			cJSON_AddItemToArray(members, m);
			p->n_members++;
		}
	}
	if (b && b->n)
		pipe_push(p, b);
	else
		free(b);
	pthread_mutex_lock(&p->mu);
	p->done = true;
	pthread_cond_signal(&p->ready);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

bool demo_load_n(struct store *st, int64_t now, int n_clients, int shots_per_client, FILE *out,
                 struct vax_error *err)
{
	static const struct {
		const char *code, *name;
	} orgs[] = {
	    {"HILLPEDS", "Hill Country Pediatrics"},
	    {"RGVFAM", "Rio Grande Valley Family Clinic"},
	    {"BAYOUHC", "Bayou City Community Health"},
	    {"AUSTINISD", "Austin ISD Health Services"},
	};
	static const struct {
		const char *org, *user, *role, *email;
	} users[] = {
	    {"HILLPEDS", "frontdesk", "provider", "frontdesk@hillpeds.example"},
	    {"HILLPEDS", "mrodriguez", "provider", "m.rodriguez@rgvfam.example"},
	    {"RGVFAM", "mrodriguez", "provider", NULL},
	    {"BAYOUHC", "mrodriguez", "view", NULL},
	    {"HILLPEDS", "viewer", "view", "records@hillpeds.example"},
	    {"AUSTINISD", "nurse", "school", "nurse@austinisd.example"},
	};
	rng_state = DEMO_SEED;
	vax_date anchor = date_from_ymd(2026, 9, 1);
	if (anchor > (vax_date)(now / 86400))
		anchor = (vax_date)(now / 86400);
	if (!store_bulk(st, true, err) || !store_begin(st, err))
		return false;
	for (int i = 0; i < N(orgs); i++)
		if (!demo_org_add(st, orgs[i].code, orgs[i].name, now, err))
			goto fail;
	for (int i = 0; i < N(users); i++)
		if (!demo_user_add(st, users[i].org, users[i].user, users[i].role,
		                   users[i].email ? users[i].email : "", DEMO_PASSWORD, err))
			goto fail;

	struct pipe p = {.n_clients = n_clients, .shots = shots_per_client, .anchor = anchor, .now = now};
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.ready, NULL);
	pthread_cond_init(&p.room, NULL);
	p.group = cJSON_CreateObject();
	cJSON_AddStringToObject(p.group, "resourceType", "Group");
	cJSON_AddStringToObject(p.group, "type", "person");
	cJSON_AddBoolToObject(p.group, "actual", true);
	cJSON_AddStringToObject(p.group, "name", "Becker Elementary - Kindergarten 2026-27");
	cJSON_AddArrayToObject(p.group, "member");
	pthread_t maker;
	bool ok = pthread_create(&maker, NULL, make_clients, &p) == 0;
	if (!ok)
		error_set(err, "DEMO", "Cannot start a thread.");
	long stored = 0;
	for (struct batch *b; ok && (b = pipe_pop(&p)) != NULL;) {
		for (int i = 0; i < b->n; i++) {
			/* commit in slices: a huge transaction makes a huge WAL */
			if (ok && ++stored % 50000 == 0)
				ok = store_commit(st, err) && store_begin(st, err);
			ok = ok && store_write_ready(st, b->r[i], err);
			store_ready_free(b->r[i]);
		}
		free(b);
	}
	/* a failure stops the maker; what it queued is dropped */
	pthread_mutex_lock(&p.mu);
	p.stop = true;
	pthread_cond_broadcast(&p.room);
	pthread_mutex_unlock(&p.mu);
	pthread_join(maker, NULL);
	for (struct batch *b; (b = pipe_pop(&p)) != NULL; free(b))
		for (int i = 0; i < b->n; i++)
			store_ready_free(b->r[i]);
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.ready);
	pthread_cond_destroy(&p.room);
	if (ok && p.oom)
		ok = error_set(err, "DEMO", "Out of memory.");
	if (!ok) {
		cJSON_Delete(p.group);
		goto fail;
	}
	cJSON_AddNumberToObject(p.group, "quantity", p.n_members);
	char gid[VAX_UUID_LEN];
	fake_uuid(gid);
	if (!write_json(st, "Group", gid, "AUSTINISD", p.group, now, err))
		goto fail;
	if (!store_commit(st, err) || !store_bulk(st, false, err))
		goto fail;
	if (out) {
		fprintf(out,
		        "vaxregd: demo registry loaded: %d organizations, %d clients, %ld immunizations, "
		        "1 school list (%d students)\n",
		        N(orgs), n_clients, p.n_shots, p.n_members);
		fprintf(out, "Demo logins (password for all: %s):\n", DEMO_PASSWORD);
		fprintf(out, "  org HILLPEDS   user frontdesk   provider\n");
		fprintf(
		    out,
		    "  org HILLPEDS   user mrodriguez  provider (also RGVFAM provider, BAYOUHC view-only)\n");
		fprintf(out, "  org HILLPEDS   user viewer      view-only\n");
		fprintf(out, "  org AUSTINISD  user nurse       school nurse\n");
	}
	return true;
fail:
	store_rollback(st);
	store_bulk(st, false, NULL);
	return false;
}

bool demo_load(struct store *st, int64_t now, FILE *out, struct vax_error *err)
{
	return demo_load_n(st, now, 3000, 0, out, err);
}
