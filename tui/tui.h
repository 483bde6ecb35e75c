/* tui/tui.h - vaxdesk's terminal frame: the application state, the screen
 * table and the helpers every screen uses.
 *
 * Design (DESIGN.md section 7):
 *   - Screens are ops structs, one per file (tui/screen_*.c), listed once in
 *     SCREEN_INFO below; the enum and the table come from that list. Each
 *     open screen is an instance on the stack (struct screen: its ops and
 *     its own state), made by ops->open from the opener's arguments and
 *     freed by ops->close; a screen opens another only with app_open().
 *   - Screens only show: who is logged in is tui/session.h, a client from
 *     the registry cache/pull.h, a record's forecast forecast/record.h; what
 *     a screen draws is computed when its data changes, never while drawing.
 *   - One input loop (tui/app.c) with one wget_wch() call site (tui/input.c)
 *     that also pumps the network, so a slow registry never blocks a key.
 *   - Handlers never draw: they change state and mark what is dirty; the
 *     loop redraws the dirty parts and calls doupdate() once per turn.
 *   - Keys go through keymaps/ (struct key -> enum action), so the help
 *     screen and the function-key bar show what the keys files say.
 *   - Screens that show PHI are hidden while the screen is locked.
 */
#ifndef VAX_TUI_TUI_H
#define VAX_TUI_TUI_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <stdbool.h>
#include <stdint.h>
#include <wchar.h>

#include <cjson/cJSON.h>

#include "api/http.h"
#include "api/session.h"
#include "cache/store.h"
#include "forecast/immds.h"
#include "forecast/record.h"
#include "forms/form.h"
#include "keymaps/keymap.h"
#include "print/recall.h"
#include "print/task.h"
#include "sys/config.h"
#include "tui/session.h"

struct app;
struct codes;

/* clang-format off */
/* Every screen, once: _(ENUM, name) expands to SCREEN_ENUM and the ops
 * struct screen_<name>_ops that tui/screen_<name>.c defines. */
#define SCREEN_INFO(_) \
	_(LOGIN,    login)    /* org code, username, password (+ challenge) */ \
	_(CONFID,   confid)   /* the confidentiality statement, "I Agree" */ \
	_(FORGOT,   forgot)   /* Forgot Password: e-mail, then token + new password */ \
	_(PASSWORD, password) /* Change Password (also forced by the registry) */ \
	_(PORTAL,   portal)   /* choose / switch organization */ \
	_(MENU,     menu)     /* the main menu */ \
	_(LOCK,     lock)     /* idle lock, expired token, signing in: asks the password */ \
	_(HELP,     help)     /* the keys of the screen below */ \
	_(CLIENT,   client)   /* one client's record: details, shots, forecast */ \
	_(CLIENT_EDIT, client_edit) /* Add / Edit Client: demographic tabs */ \
	_(SHOT,     shot)     /* Add New / Add Historical / refusal / edit of a dose */ \
	_(OUTBOX,   outbox)   /* what waits for the registry, and why */ \
	_(SEARCH,   search)   /* Find a client: Quick, Basic and Smart search */ \
	_(RESULTS,  results)  /* the clients a search found, paged */ \
	_(REVIEW_MATCH, review_match) /* held offline clients the registry may have */ \
	_(DISCARD,  discard)  /* why an outbox entry is dropped (a reason is required) */ \
	_(MERGE,    merge)    /* a change in conflict, field by field: base, ours, registry's */ \
	_(REVIEW_DOSE, review_dose) /* a possible duplicate dose beside the one it looks like */ \
	_(DEVICE,   device)   /* sign in on another device: the code, the address, waiting */ \
	_(PASSPHRASE, passphrase) /* the local passphrase after a sign-in without a password */ \
	_(ASK,      ask)      /* a few fields asked for a report (tui/reports.c) */ \
	_(RECALL,   recall)   /* a reminder/recall run, its letters and notices */ \
	_(SCHOOLS,  schools)  /* the organization's school lists */ \
	_(SCHOOL_LIST, school_list) /* one list's students */ \
	_(STUDENTS, students) /* students found, to add to lists */ \
	_(PICK_LISTS, pick_lists) /* the lists to add a student to */ \
	_(SCHOOL_REPORT, school_report) /* a compliance report, run or reopened */ \
	_(SCHOOL_REPORTS, school_reports) /* Check School Reports */ \
	_(SUMMARY,  summary)  /* the provider summary */ \
	_(PICK,     pick)     /* a field's list, code and full name, narrowed as typed */ \
	_(DUE,      due)      /* the vaccines due today as a checklist: ticked ones are the visit */ \
	_(LOTS,     lots)     /* the organization's vaccine lots on hand */ \
	_(LOT_EDIT, lot_edit) /* add or change a lot */
/* clang-format on */

enum screen_id {
#define SCREEN_ENUM(id, name) SCREEN_##id,
	SCREEN_INFO(SCREEN_ENUM)
#undef SCREEN_ENUM
	    SCREEN_COUNT
};

/* What a handler did (htop's handler flags, simplified). */
#define TUI_HANDLED   0x1u /* the screen took the key */
#define TUI_UNHANDLED 0x2u /* not for this screen: the frame tries its own */

/* What changed outside a screen, for ops->notify (or-ed). */
#define EVENT_OUTBOX  0x1u /* outbox entries changed state (a sync step, a save) */
#define EVENT_NET     0x2u /* the registry's reachability changed */
#define EVENT_SESSION 0x4u /* the session's state changed (lock, expiry, sign-in) */
#define EVENT_LOTS    0x8u /* the lots on hand were read again or changed */

/* One open screen: what it is and its own state (tig's view->private, tmux's
 * window_mode data). The stack holds these; the same screen can be on it
 * twice, each instance with its own client, form and selection. */
struct screen {
	enum screen_id id;
	const struct screen_ops *ops;
	void *data; /* the instance's state, made by ops->open, freed by ops->close */
};

struct screen_ops {
	const char *name;
	const char *title;
	enum keymap_id keymap;
	bool phi; /* shows PHI: hidden while locked */
	/** Make an instance's state from arg (the opener's, may be NULL). NULL
	 * refuses to open (say why with app_message). NULL op: no state. */
	void *(*open)(struct app *a, const void *arg);
	/** The instance became the top one (opened: fresh, or uncovered). */
	void (*enter)(struct app *a, struct screen *s, bool fresh);
	/** Draw the body window (already erased) from the instance's state:
	 * nothing here reads the store or the network. */
	void (*draw)(struct app *a, struct screen *s, WINDOW *w);
	/** An action from the keymaps. */
	unsigned (*action)(struct app *a, struct screen *s, enum action act);
	/** A typed character (only asked while a field has focus); NULL: it
	 * goes to the form's focused field (form_view_text). */
	unsigned (*text)(struct app *a, struct screen *s, wchar_t wc);
	/** The form with the focus, or NULL. */
	struct form *(*form)(const struct screen *s);
	/** Actions this screen handles, ACTION_NONE-terminated (help, bar);
	 * the bar fills from the front, so the most used come first. */
	const enum action *actions;
	/** False: the bar leaves act out now (it does not apply in this mode,
	 * or the body shows its key already); help still lists it. NULL: the
	 * bar offers every action. */
	bool (*action_shown)(struct app *a, struct screen *s, enum action act);
	/** Something typed here is not saved: leaving asks first (quit, menu). */
	bool (*unsaved)(const struct screen *s);
	/** Something outside changed (EVENT_*): recompute what is shown. */
	void (*notify)(struct app *a, struct screen *s, unsigned events);
	/** Free the instance's state (NULL op: free(data)). */
	void (*close)(struct screen *s);
	/** Each turn of the loop, for every screen on the stack (long work done
	 * in steps: a recall run's notices). NULL: nothing to do. */
	void (*idle)(struct app *a, struct screen *s);
};

#define SCREEN_DECL(id, name) extern const struct screen_ops screen_##name##_ops;
SCREEN_INFO(SCREEN_DECL)
#undef SCREEN_DECL

/* What an opener passes to ops->open (app_open's arg), per screen. */
enum shot_mode { SHOT_ADMINISTERED, SHOT_HISTORICAL, SHOT_REFUSAL };
struct open_visit_row;
struct open_shot {
	const char *client_key;            /* the client's row key in the store */
	enum shot_mode mode;               /* a new dose (im NULL) */
	const struct open_visit_row *rows; /* Add New: start with these rows (due today) */
	int n_rows;
	const struct immunization *im;    /* change this dose (or delete it) */
	bool delete;                      /* ask why, then delete im */
	const struct cache_entry *outbox; /* correct this rejected outbox dose (im its payload) */
};
struct open_client_edit {
	const struct client *base; /* the client as it is (or a search's pre-fill) */
	bool adding;               /* Add Client */
};
/* the pick list over a form (F4): the form is the opener's, under it */
struct open_pick {
	struct form *form;
	size_t field;
	const char *title; /* NULL: the field's label */
	/* after the field took entry k (below is the opener, on top again) */
	void (*picked)(struct app *a, struct screen *below, size_t field);
	/* why entry k may not be chosen (an expired lot), or NULL */
	const char *(*refuse)(struct app *a, struct screen *below, size_t field, size_t k);
};
/* Add New for these vaccines, each row filled from a lot on hand (or its vaccine) */
struct open_visit_row {
	char cvx[4];
	char lot_id[VAX_ID_LEN]; /* a lot on hand ("" none) */
};
/* (also the merge and the possible duplicate's screens: an outbox entry) */
struct open_discard {
	const struct cache_entry *e;
	const char *who; /* the client's name */
};
/* the lock screen's arg; its instance state begins with it, so the frame
 * (which puts the lock up and takes it away) can read the mode */
enum lock_mode {
	LOCK_IDLE,    /* idle lock / lock key */
	LOCK_EXPIRED, /* the token ran out */
	LOCK_SIGN_IN, /* an offline session signs in to the registry */
};
/* the confidentiality statement: answered runs for the screen below once it closes */
struct open_confid {
	void (*answered)(struct app *a, struct screen *below, bool agreed);
};
struct open_forgot {
	const char *org, *user; /* pre-fill */
	const char *hint;       /* why the reset opened ("" if asked for) */
};
/* sign in on another device: at the login (the passphrase follows), or a
 * session whose store is open signing in again (adopt) */
struct open_device {
	const char *name; /* who signs in, when the registry does not say */
	bool adopt;
};
enum passphrase_mode { PASS_SET, PASS_UNLOCK, PASS_RESET, PASS_OFFLINE };
struct open_passphrase {
	enum passphrase_mode mode;
	const char *org, *user; /* PASS_OFFLINE: whose records */
};
enum search_kind { SEARCH_QUICK, SEARCH_BASIC, SEARCH_SMART };
/* a search for the results screen to run (the registry, or the store offline) */
struct open_results {
	enum search_kind kind;
	const struct client *query;
	const char *rid;   /* a registry ID or card number to look up instead */
	const char *phone; /* Basic search: digits checked on each client */
	bool open_single;  /* an exact hit opens the client at once */
};

/* a few fields asked for, then submit(a, values, ctx) once the form has
 * closed (values[i] is field i's value); ctx belongs to the screen */
struct open_ask {
	const char *title;
	const char *intro; /* a sentence above the fields, may be NULL */
	const struct form_field_spec *specs;
	size_t n;
	const char *const *values; /* starting values (n of them, NULL entries allowed), may be NULL */
	void (*submit)(struct app *a, const char *const *values, void *ctx);
	void *ctx;
	void (*free_ctx)(void *ctx);
};
struct recall_criteria;
struct schoolrep;
struct summary;
/* a reminder/recall run */
struct open_recall {
	const struct recall_criteria *q;
	int lang; /* enum letters_lang */
};
/* a list's students */
struct open_school_list {
	const char *id;
};
/* students found by a search, to add (to list id, or to lists chosen) */
struct open_students {
	const char *family, *given, *dob; /* the search; dob ISO or "" */
	const char *list_id;              /* the list it was opened from, or NULL */
};
struct open_pick_lists {
	const cJSON *patient; /* a Patient (id, name, birthDate) to add */
	const char *mark;     /* the list to pre-mark, or NULL */
};
/* a compliance report to show: a kept one (fetch_id), or one to run now
 * for list run_id (grade, date YYYY-MM-DD) and keep */
struct open_school_report {
	const char *fetch_id;
	const char *run_id, *run_name, *grade, *date;
};
/** Run list id's compliance report: ask the grade and the date, then show it. */
void school_report_ask(struct app *a, const char *id, const char *name);
/** Find a student to add to lists (to list_id first, when given). */
void students_ask(struct app *a, const char *list_id);

/* dirty flags: what the next turn of the loop redraws */
#define DIRTY_STATUS 0x01u
#define DIRTY_BODY   0x02u
#define DIRTY_MSG    0x04u
#define DIRTY_BAR    0x08u
#define DIRTY_LAYOUT 0x10u /* windows must be made again (resize) */
#define DIRTY_CLEAR  0x20u /* repaint the whole terminal (redraw key) */
#define DIRTY_ALL    0x3fu
#define DIRTY_SCREEN (DIRTY_STATUS | DIRTY_BODY | DIRTY_MSG | DIRTY_BAR) /* all but layout and clear */

enum msg_kind { MSG_INFO, MSG_ERROR };

/* colour pairs / attributes by role */
enum tui_role {
	ROLE_NORMAL,
	ROLE_TITLE,
	ROLE_STATUS,
	ROLE_BAR,
	ROLE_KEY,
	ROLE_ERROR,
	ROLE_BANNER,
	ROLE_FIELD,
	ROLE_FOCUS,
	ROLE_DISABLED,
	ROLE_COUNT
};

#define APP_STACK_MAX 32

struct script;

/* The outbox as the status line and the banners show it, counted when it
 * changes (app_outbox_changed), never while drawing. */
struct outbox_counts {
	int waiting; /* pending or sending */
	int open;    /* not accepted, not discarded */
	int held;    /* rejected, conflict or held for a person */
};

struct app {
	struct config cfg;
	struct keymap_set *keys;
	char **notes; /* keys/config errors shown after the screen opens */
	size_t n_notes;
	char *login_notice; /* --login-notice text, or NULL */

	struct session *sess;          /* who is logged in, the token, the store, the registry */
	enum session_state seen_state; /* what the screens last followed */
	enum net_state seen_net;
	/* does the registry send its forecast with a client's search (vaxregd
	 * does)? 1 yes, -1 no, 0 not known yet. Where it may, a record's
	 * forecast is asked so, with no CapabilityStatement */
	int reg_forecast_search;
	/* the registry refused a batch Bundle of GETs: searches go alone */
	bool no_batch;

	struct screen stack[APP_STACK_MAX];
	int depth;
	unsigned dirty;
	char msg[512];
	enum msg_kind msg_kind;
	bool (*msg_true)(const struct app *a); /* the message goes when this says no */
	bool quit;
	int exit_status;

	/* terminal */
	SCREEN *term;
	FILE *term_out, *term_in;
	WINDOW *w_status, *w_banner, *w_body, *w_msg, *w_bar;
	int rows, cols;
	bool utf8, color, no_display;
	bool cur_show; /* a field has the cursor at (cur_y, cur_x) of the body */
	int cur_y, cur_x;

	/* input, idle lock */
	struct script *script;
	int64_t last_input_ms;
	int64_t idle_lock_ms; /* 0: never */

	/* a yes/no question on the message line, for the screen that asked */
	void (*confirm_yes)(struct app *a, struct screen *s);
	void *confirm_for; /* that screen's state */

	uint64_t bytes_base; /* the connection's bytes when this session began */
	struct outbox_counts counts;
	bool counts_stale;   /* recount at the next turn */
	int64_t counts_ms;   /* when last counted */
	struct codes *codes; /* the CDC tables, loaded on first use */
	bool codes_tried;
	struct county_list *counties; /* the counties of each state, loaded on first use */
	bool counties_tried;
	struct forecast_data *forecast; /* CDSi and school data, loaded on first use */

	struct app_sync *sync; /* the outbox sending itself (tui/app_sync.c) */
	unsigned seen_device;  /* session_device_seq() the screens last followed */
	struct app_lots *lots; /* the organization's lots on hand (tui/app_lots.c) */
	/* what the last visit recorded in this session chose: the next one
	 * starts from it (the same nurse, usually the same eligibility) */
	struct {
		char provider[VAX_NAME_LEN];
		char vfc[8];
		char funding[8];
	} last_visit;
};

/* tui/app.c */
/** Monotonic milliseconds. */
int64_t app_now_ms(void);
/** Open a screen on top with the opener's arg (struct open_* or NULL);
 * false if it would not open (it said why) or the stack is full. */
bool app_open(struct app *a, enum screen_id id, const void *arg);
/** Close the top screen (never the last one). */
void app_pop(struct app *a);
/** Close every screen and open this one. */
void app_reset_to(struct app *a, enum screen_id id);
/** The top screen's id, and the open screen itself. */
enum screen_id app_top(const struct app *a);
struct screen *app_top_screen(struct app *a);
/** The screen under s on the stack, or NULL. */
struct screen *app_below(struct app *a, const struct screen *s);
/** True while a lock screen (lock, expired, signing in) is on the stack. */
bool app_locked(const struct app *a);
const struct screen_ops *app_screen(enum screen_id id);
/** Show a one-line message (printf-style). */
void app_message(struct app *a, enum msg_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** The same, for a message that stops being true: it goes once still_true says no. */
void app_message_while(struct app *a, bool (*still_true)(const struct app *a), enum msg_kind kind,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void app_dirty(struct app *a, unsigned what);
/** Take note of a registry answer: reachability, an expired token. */
void app_note_result(struct app *a, const struct api_result *res);
/** Tell every open screen that something changed (EVENT_*). */
void app_notify(struct app *a, unsigned events);
/** The outbox changed: count it again and tell the screens. */
void app_outbox_changed(struct app *a);
/** An outbox entry this screen resolved: ok, or not with err from the store
 * (NULL: no store is open) said after `failed`; when ok, `done` is said,
 * the outbox counted again and the screen closed. Returns ok. */
bool app_outbox_resolved(struct app *a, bool ok, const struct vax_error *err, const char *failed,
                         const char *done);
/** The user's store when it is open, else NULL (screens say "not open"). */
struct cache_store *app_store(const struct app *a);
/** The registry connection, or NULL when none is configured. */
struct api_conn *app_conn(const struct app *a);
/** The CDC code tables (NULL if they cannot be read). */
const struct codes *app_codes(struct app *a);
/** The counties of each state (NULL if they cannot be read). */
struct county_list;
const struct county_list *app_counties(struct app *a);
/** Today on the workstation's calendar. */
vax_date app_today(void);
/** Who records, where, now (for a capture). */
void app_capture(const struct app *a, struct capture *cap);
/** May this user write clients and doses? If not, say why on the message line. */
bool app_may_write(struct app *a);
/** False for an action that writes clients or doses when the user's role
 * may not: the bar and the screens' key lines do not offer it. */
bool app_action_allowed(const struct app *a, enum action act);
/** Logged in with the store alone. */
bool app_offline(const struct app *a);
/** The registry cannot be reached now (or none is set up). */
bool app_unreachable(const struct app *a);
/** Logged in (online or offline). */
bool app_logged_in_any(const struct app *a);
/** The org and user shown in the status line ("-" if none). */
const char *app_org(const struct app *a);
const char *app_user(const struct app *a);
/** Log out, clear every trace of the session, go back to the login screen. */
void app_logout(struct app *a, const char *why);
/** Where to go after a successful online login or switch. */
void app_logged_in(struct app *a);
/** Logged in with the store alone: to the main menu. */
void app_logged_in_offline(struct app *a);
/** The registry's answer to fetching the confidentiality statement for a
 * login whose password it found right: show it (answered runs for the
 * screen below once it closes), or false with why in error. */
bool app_statement(struct app *a, const struct api_result *res,
                   void (*answered)(struct app *a, struct screen *below, bool agreed), char *error,
                   size_t len);
/** A session with its store open signed in to the registry again without
 * a password here: say so, and send what waits. */
void app_signed_in_again(struct app *a);
/** Offline session: sign in to the registry (the password over the current
 * screen), or probe now if it is not answering yet. */
void app_go_online(struct app *a);
/** The first key of an action on every screen ("F5"), or "" if unbound. */
void app_key_name(const struct app *a, enum action act, char *buf, size_t len);
/** Draw everything dirty and call doupdate() once. */
void app_render(struct app *a);
/** One turn of the loop without a key (the network, the session, the sync). */
void app_idle(struct app *a);
/** A key as the loop gives it to the top screen. */
void app_key(struct app *a, const struct key *k);
/** Run the loop until quit. */
int app_run(struct app *a);
/** Ask a yes/no question on the message line for screen s; yes(a, s) runs
 * on 'y' if s is still on top. */
void app_confirm(struct app *a, struct screen *s, const char *question,
                 void (*yes)(struct app *a, struct screen *s));
/** Close every screen (at exit). */
void app_close_all(struct app *a);

/* tui/app_sync.c: the outbox sends itself from the loop */
/** One step: start a pass when online with due entries, else advance it. */
void app_sync_tick(struct app *a);
/** The sync-now key: send now (or probe now when offline). */
void app_sync_now(struct app *a);
/** The outbox changed: count what is due at the next turn, not a second later. */
void app_sync_soon(struct app *a);
/** Cancel a pass (entries go back to PENDING); before the store locks. */
void app_sync_stop(struct app *a);
void app_sync_free(struct app *a);
/** "Sending 3 of 12", the last pass's result, or "". */
void app_sync_label(const struct app *a, char *buf, size_t len);

/* tui/app_lots.c: the organization's lots on hand (cache/lots.h), read from
 * the registry when online and kept for offline work */
struct cache_lots;
/** The lots as known now (the kept copy at first); never NULL. */
const struct cache_lots *app_lots(struct app *a);
/** Read them from the registry now (online; one read at a time); the
 * screens hear EVENT_LOTS when they are in. */
void app_lots_refresh(struct app *a);
/** The same, when the copy is older than a few minutes or was not read
 * since this login. */
void app_lots_refresh_if_old(struct app *a);
/** The lots have not been read since this login, or are older than a few
 * minutes, and a provider here may give a shot: a search may bring them
 * along (app_lots_path, app_lots_take). */
bool app_lots_due(struct app *a);
/** The path that reads the lots (malloc'd). */
char *app_lots_path(struct app *a);
/** Take a read of the lots (the answer to app_lots_path's GET). */
void app_lots_take(struct app *a, const struct api_result *res);
/** Doses of a visit were saved: count them off their lots here at once. */
void app_lots_used(struct app *a, const struct immunization *ims, size_t n);
/** "Lots as of 10:42" / "Lots kept here from 11/02/2026" / "" for a line. */
void app_lots_label(struct app *a, char *buf, size_t len);
/** Forget them (logout, another organization). */
void app_lots_free(struct app *a);

/* tui/record.c: one client's record as the screens show it, read from the
 * store and computed when it changes (opened, saved, sent), never while
 * drawing: the doses in vaccine groups, each with its registry state in
 * words and how the schedule counted it, and the forecast. */
struct record_row {
	int imm;                         /* index into record.imms */
	const char *group;               /* vaccine group ("Refusals", "Other") */
	char vaccine[64];                /* short description, else the CVX code */
	const char *state;               /* "Waiting to send", "Accepted", ... */
	char message[VAX_ERROR_MSG_LEN]; /* why it is not accepted, "" if nothing to say */
	char eval[24];                   /* "2 of 4", "NOT VALID", "" */
};
struct record {
	char want[VAX_ID_LEN];   /* what was asked for: registry id or row key */
	char key[CACHE_KEY_STR]; /* the client's row key; "" if not found */
	bool loaded;
	struct client cl;
	int64_t as_of; /* when the history was pulled; 0 unknown */
	bool stale;    /* older than a day, or never pulled */
	struct immunization *imms;
	int n_imms;
	struct record_row *rows;
	int n_rows;
	bool school; /* the Texas school check instead of ACIP */
	struct forecast_record fc;
	/* the registry's own forecast ($immds-forecast) for these doses, when it
	 * offers one; until it comes, or where it offers none, the one computed
	 * here (fc) is shown and fc_source says which */
	struct immds_answer reg;
	bool have_reg;
	bool reg_by_id;      /* reg names the doses by the registry's ids (its own doses) */
	bool unsent;         /* work of this client's waits in the outbox: the registry lacks it */
	char fc_source[160]; /* "from the registry", "computed here", ... */
	char note[VAX_ERROR_MSG_LEN + 64]; /* why it is not loaded */
};
/** (Re)read r->want from the store: the client, its doses, each dose's
 * outbox state; then the forecast (unless forecast is false). */
void record_load(struct app *a, struct record *r, bool forecast);
/** The registry says at login that it forecasts with the rules this
 * workstation has (cdsi_data_rules): its forecast would be the one computed
 * here. */
bool record_same_rules(struct app *a);
/** Is the registry's forecast to be asked for (registry_forecast, and
 * record_same_rules())? */
bool record_registry_forecast_wanted(struct app *a);
/** The forecast again (schedule changed). */
void record_forecast(struct app *a, struct record *r);
/** The registry's forecast for r's doses, asked for when the registry offers
 * $immds-forecast and can be reached (NULL otherwise: fc_source says why
 * the one computed here is shown). Send it; its answer goes to
 * record_registry_forecast_done(). */
struct api_req *record_registry_forecast_req(struct app *a, struct record *r);
/** Read the registry's answer (false: the one computed here stays, and
 * fc_source says why). */
bool record_registry_forecast_done(struct app *a, struct record *r, const struct api_result *res,
                                   bool searched, char **answer, bool *by_id);
/** A registry forecast taken before (*answer of _done, or the one that came
 * with the search that found the client: cache_pull_take_fresh, by_id), as
 * Parameters JSON; false if it does not read. */
bool record_registry_forecast_apply(struct app *a, struct record *r, const char *params, bool by_id);
/** What the registry's forecast of r is computed from (the client, its doses,
 * today): the same key, the same answer. */
uint64_t record_forecast_key(const struct record *r);
/** Does the registry's forecast for r come from a search by the client's id
 * (the registry includes it, and holds all of r): no CapabilityStatement
 * needed. */
bool record_registry_forecast_by_search(const struct app *a, const struct record *r);
void record_free(struct record *r);
/** An outbox state in words: "Waiting to send", "Accepted", ... */
const char *record_state_words(enum cache_state s);
/** The words for an outbox entry: "New dose", "Client change", ... */
const char *record_entry_what(const struct cache_entry *e);

/* tui/reports.c: what the report screens share (no curses in the requests
 * and the background documents; the ask screen is there too) */
/** Send method path with body (a JSON resource, may be NULL) to the
 * registry; cb gets the answer. NULL with err when there is no connection
 * or session. */
struct api_req *reports_send(struct app *a, const char *method, const char *path, const cJSON *body,
                             api_done_fn cb, void *arg, struct vax_error *err);
/** The JSON a registry answer carries, or NULL with err (the transport's
 * error, the registry's OperationOutcome in words, an unreadable body). */
cJSON *reports_answer(struct app *a, const struct api_result *res, struct vax_error *err);
/** Make a document away from the loop and print or save it (spec->data
 * is the task's from here on); what ("The record") names it in messages. */
bool reports_output(struct app *a, const struct task_spec *spec, const char *what);
/** Ask where a document goes (printer or file, paper) and send it there:
 * make, data and free_data as in struct task_spec; name is the file name
 * offered in print_dir; csv (may be NULL) also writes the list beside the
 * PDF when saving to a file; done (may be NULL) runs once the document is
 * printed or saved. */
void reports_ask_output(struct app *a, const char *what, const char *name, task_make_fn make, void *data,
                        void (*free_data)(void *data),
                        bool (*csv)(const char *path, void *data, struct vax_error *err),
                        void (*done)(struct app *a, void *data));
/** Record the notice date on each client (their Patient as the registry
 * sent it) through the outbox, a few per turn of the loop. */
void reports_record_notices(struct app *a, const struct recall_notice *nt, size_t n, vax_date date);
/** One turn: the documents being made and printed, the notice dates. */
void reports_idle(struct app *a);
/** Stop every document being made (exit, logout); their files go. */
void reports_stop(struct app *a);
/** utf8 cut or padded with spaces to exactly width columns (names with
 * accents and wide characters line up). Returns buf. */
char *reports_pad(char *buf, size_t len, const char *utf8, int width);
/** Draw a list from row y: lines[i], the selection marked, scrolled so sel
 * shows; *top is the first line shown (the screen's). Returns the next row. */
int reports_draw_list(struct app *a, WINDOW *w, int y, char *const *lines, int n, int sel, int *top,
                      int bottom);
/** A list screen's moves (list_move) and Esc (closes it): TUI_HANDLED,
 * or 0 for the screen's own actions. */
unsigned reports_list_keys(struct app *a, int *sel, int n, enum action act);
/** The title in bold on row 1, then error (wrapped, as an error) if any;
 * returns the next row. */
int reports_draw_head(struct app *a, WINDOW *w, const char *title, const char *error);
/** The session's organization code and name. */
const char *reports_org_name(const struct app *a);

/* tui/screen_recall.c, screen_schools.c, screen_summary.c: the menu's entries */
/** Reminder/recall: ask the criteria, then run. */
void recall_ask(struct app *a);
/** Provider summary: ask the period, then show it. */
void summary_ask(struct app *a);

/* tui/schools.c: school lists (FHIR Group) as the school screens handle them */
struct school_list {
	char id[VAX_ID_LEN];
	char version[72]; /* what a change builds on (If-Match) */
	char name[201];
	int members;  /* students on it (active members) */
	cJSON *group; /* the Group as read */
};
/** The Groups of a searchset; *out malloc'd. Returns how many. */
int schools_read_lists(const struct api_bundle *b, struct school_list **out);
/** One Group read; false if it is not one. */
bool schools_read_one(const cJSON *group, struct school_list *out);
void schools_free_lists(struct school_list *l, int n);
/** "Family, Given (MM/DD/YYYY)" of a Patient: a member's display. */
void schools_member_display(const cJSON *patient, char *buf, size_t len);
/** Put a student on the Group (false: there already) / take one off (false: not on it). */
bool schools_add_member(cJSON *group, const char *pid, const char *display);
bool schools_remove_member(cJSON *group, const char *pid);
/** PUT the list's Group with If-Match on its version. */
struct api_req *schools_put(struct app *a, const struct school_list *l, api_done_fn cb, void *arg,
                            struct vax_error *err);
/** School lists: the organization's lists. */
void schools_open(struct app *a);

/* tui/print_record.c */
/** Print key on a record: ask where the Official Immunization Record goes
 * (provisional, with the doses still waiting, when the registry cannot be
 * reached) and make it in the background. */
void print_record_ask(struct app *a, const struct record *r);

/* tui/term.c */
/** Open curses (on /dev/null when no_display); stderr goes to a temp file. */
bool term_open(struct app *a);
/** Clear the screen (no PHI left behind), end curses, print what was
 * written to stderr meanwhile. Safe to call twice. */
void term_close(void);
/** Attribute for a role (colour, or monochrome attributes). */
attr_t term_attr(const struct app *a, enum tui_role role);
/** Horizontal line character for the locale. */
const wchar_t *term_hline(const struct app *a);
/** Make the windows for the current size. */
void term_layout(struct app *a);

/* tui/input.c */
enum input_kind { INPUT_NONE, INPUT_KEY, INPUT_RESIZE, INPUT_EOF };
/** The one place that reads keys: waits up to wait_ms while pumping the
 * network, or takes the next step of the script. */
enum input_kind input_next(struct app *a, struct key *k, int wait_ms);
/** Open VAXDESK_SCRIPT; false with a message on stderr if unreadable. */
bool input_script_open(struct app *a, const char *path);
void input_script_close(struct app *a);
/** Write the screen as text, one line per row (trailing blanks cut). */
bool input_dump_screen(struct app *a, const char *path);

/* tui/draw.c */
/** Draw UTF-8 text at (y, x), cut to max columns; returns columns used. */
int draw_text(WINDOW *w, int y, int x, const char *utf8, int max);
/** Draw text cut after a whole word with an ellipsis when it is wider than
 * max columns; returns columns used. */
int draw_words(const struct app *a, WINDOW *w, int y, int x, const char *utf8, int max);
/** Copy into buf the first line of utf8 wrapped at width columns (whole
 * words); returns where the next line starts ("" at the end). */
const char *draw_line_of_words(const char *utf8, int width, char *buf, size_t len);
/** Draw wrapped text from row y; returns the next free row. */
int draw_wrapped(WINDOW *w, int y, int x, int width, const char *utf8);
/** Move a list selection *sel (0..n-1) for move-up/down/first/last, and
 * page-up/down by page rows when page > 0. Returns false, leaving *sel, for
 * any other action. Every list screen moves the same way through this. */
bool list_move(int *sel, int n, int page, enum action act);
/** A list shown in rows lines: *page becomes rows (at least 1) and *top
 * moves so that the selection sel is in sight. */
void list_view(int *top, int *page, int sel, int rows);
/** Columns a UTF-8 string takes. */
int draw_width(const char *utf8);
void draw_status(struct app *a);
void draw_banner(struct app *a);
void draw_message(struct app *a);
/** The function-key bar: Help, the screen's actions, Lock, Quit; whole
 * items by priority when they do not all fit, then a "F1 more" cue. */
void draw_bar(struct app *a);
/** An item of a line of keys for draw_fit(). */
struct fit_item {
	int width;  /* columns */
	int prio;   /* lower goes in first; the same: the earlier first */
	bool shown; /* set by draw_fit() */
};
/** Mark the items that fit in cols with gap columns between them: all if
 * they fit, else whole items by priority, keeping cue + gap columns free
 * for a cue after them. Returns true if any item was left out. */
bool draw_fit(struct fit_item *it, size_t n, int cols, int gap, int cue);
/** The cue for a line that left keys out: "F1 more" (the first help key
 * that works here), or "? more" with shortest. */
void draw_more_cue(const struct app *a, enum keymap_id id, unsigned flags, bool shortest, char *buf,
                   size_t len);
/** The shortest label of an action's keys on a screen ("a" rather than
 * "F3"), "" if it has none. */
void draw_short_key(const struct app *a, enum keymap_id id, unsigned flags, enum action act, char *buf,
                    size_t len);
/** A label for the keys of an action on the top screen: "F1/^G/?". */
void draw_keys_label(const struct app *a, enum keymap_id id, unsigned flags, enum action act, char *buf,
                     size_t len);

/* tui/form_view.c */
/** Draw a form from row y; required fields marked "*", messages beside
 * the field, passwords masked. Returns the next free row. Places the
 * cursor (for the final doupdate) on the focused field. */
int form_view_draw(struct app *a, WINDOW *w, int y, struct form *f, bool focus);
/** The same for fields from..to-1 only; legend: the "* required" line after. */
int form_view_draw_range(struct app *a, WINDOW *w, int y, struct form *f, bool focus, size_t from, size_t to,
                         bool legend);
/** Give every field a width that fits cols. */
void form_view_fit(struct form *f, int cols);
/** Open the pick list of f's focused field (picked, refuse: see struct
 * open_pick; may be NULL); false with a message if it has none. */
bool form_view_pick(struct app *a, struct form *f,
                    void (*picked)(struct app *a, struct screen *below, size_t field),
                    const char *(*refuse)(struct app *a, struct screen *below, size_t field, size_t k));
/** The focused field is a code field whose text matches several entries
 * and chooses none: Enter there lists them rather than submitting. */
bool form_view_ambiguous(const struct form *f);
/** Common handling of an action on a form screen; returns FORM_* flags. */
unsigned form_view_action(struct app *a, struct form *f, enum action act);
/** A typed character for the focused field. */
unsigned form_view_text(struct app *a, struct form *f, wchar_t wc);
/** The raw text of field i (passwords too) as UTF-8. */
void form_view_secret(const struct form *f, size_t i, char *buf, size_t len);
/** A field's value by id, "" if absent. */
void form_view_value(const struct form *f, const char *id, char *buf, size_t len);

/* tui/password_form.c: the new password typed twice under the registry's
 * rules, one implementation for Change Password and the reset form */
struct password_pair {
	struct form *const *form; /* the form holding both new-password fields */
	size_t first;             /* index of the first one */
};
extern const char *const password_rules_text;
/** form_validator: the registry's password rules. */
const char *password_rule_check(const char *value, const void *ctx, char *buf, size_t len);
/** form_validator: the same as the field ctx (a struct password_pair) names. */
const char *password_again_check(const char *value, const void *ctx, char *buf, size_t len);
/* clang-format off */
/** The pair's two field specs, "new" then "new2", for a screen's spec table
 * (at index pair.first); pair is the struct password_pair naming them (the
 * instance's own: the second field's check reads the first through it). */
#define PASSWORD_PAIR_SPECS(pair) \
	{ .id = "new", .label = "New password", .kind = FORM_PASSWORD, .flags = FORM_REQUIRED, \
	  .max_len = 64, .width = 20, .validate = password_rule_check }, \
	{ .id = "new2", .label = "New password again", .kind = FORM_PASSWORD, \
	  .flags = FORM_REQUIRED, .max_len = 64, .width = 20, .validate = password_again_check, \
	  .ctx = &(pair) }
/* clang-format on */
/** Copy the two new passwords typed; the caller cleanses both. */
void password_pair_read(const struct password_pair *pp, char *pw, char *pw2, size_t len);
/** Draw the rules (if rules), form f from row y and, below it, error unless "". */
void password_form_draw(struct app *a, WINDOW *w, int y, struct form *f, bool rules, const char *error);
/** A password form screen's actions: cancel closes it (after asking question
 * if something was typed), a submit calls send. Returns TUI_* flags. */
unsigned password_form_action(struct app *a, struct screen *s, struct form *f, enum action act,
                              const char *question, void (*send)(struct app *a, struct screen *s));
/** The registry answered a password request: the wait is over; false, with
 * its message in error, unless it agreed. */
bool password_form_answered(struct app *a, const struct api_result *res, char *error, size_t len);

#endif
