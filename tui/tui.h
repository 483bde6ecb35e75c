/* tui/tui.h - vaxdesk's terminal frame: the application state, the screen
 * table and the helpers every screen uses.
 *
 * Design (DESIGN.md section 7):
 *   - Screens are ops structs, one per file (tui/screen_*.c), listed once in
 *     SCREEN_INFO below; the enum and the table come from that list.
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

#include "api/http.h"
#include "api/session.h"
#include "cache/store.h"
#include "forms/form.h"
#include "keymaps/keymap.h"
#include "sys/config.h"

struct app;

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
	_(LOCK,     lock)     /* idle lock: covers everything, asks the password */ \
	_(HELP,     help)     /* the keys of the screen below */ \
	_(CLIENT,   client)   /* one client's record: details, shots, forecast */ \
	_(CLIENT_EDIT, client_edit) /* Add / Edit Client: demographic tabs */ \
	_(SHOT,     shot)     /* Add New / Add Historical / refusal / edit of a dose */ \
	_(OUTBOX,   outbox)   /* what waits for the registry, and why */ \
	_(SEARCH,   search)   /* Find a client: Quick, Basic and Smart search */ \
	_(RESULTS,  results)  /* the clients a search found, paged */ \
	_(REVIEW_MATCH, review_match) /* held offline clients the registry may have */ \
	_(DISCARD,  discard)  /* why an outbox entry is dropped (a reason is required) */
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

struct screen_ops {
	const char *name;
	const char *title;
	enum keymap_id keymap;
	bool phi; /* shows PHI: hidden while locked */
	/** The screen became the top one (pushed or uncovered when fresh is false). */
	void (*enter)(struct app *a, bool fresh);
	/** Draw the body window (already erased). */
	void (*draw)(struct app *a, WINDOW *w);
	/** An action from the keymaps. */
	unsigned (*action)(struct app *a, enum action act);
	/** A typed character (only asked while a field has focus); NULL: it
	 * goes to the form's focused field (form_view_text). */
	unsigned (*text)(struct app *a, wchar_t wc);
	/** The form with the focus, or NULL. */
	struct form *(*form)(struct app *a);
	/** Actions this screen handles, ACTION_NONE-terminated (help, bar);
	 * the bar fills from the front, so the most used come first. */
	const enum action *actions;
	/** False: the bar leaves act out now (it does not apply in this mode,
	 * or the body shows its key already); help still lists it. NULL: the
	 * bar offers every action. */
	bool (*action_shown)(struct app *a, enum action act);
	/** Free the screen's state at exit (may be NULL). */
	void (*cleanup)(void);
};

#define SCREEN_DECL(id, name) extern const struct screen_ops screen_##name##_ops;
SCREEN_INFO(SCREEN_DECL)
#undef SCREEN_DECL

/* dirty flags: what the next turn of the loop redraws */
#define DIRTY_STATUS 0x01u
#define DIRTY_BODY   0x02u
#define DIRTY_MSG    0x04u
#define DIRTY_BAR    0x08u
#define DIRTY_LAYOUT 0x10u /* windows must be made again (resize) */
#define DIRTY_CLEAR  0x20u /* repaint the whole terminal (redraw key) */
#define DIRTY_ALL    0x3fu
#define DIRTY_SCREEN (DIRTY_STATUS | DIRTY_BODY | DIRTY_MSG | DIRTY_BAR) /* all but layout and clear */

enum net_state { NET_UNKNOWN, NET_NONE, NET_ONLINE, NET_OFFLINE, NET_MAINTENANCE };
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

#define APP_STACK_MAX 8

struct script;

struct app {
	struct config cfg;
	struct keymap_set *keys;
	char **notes; /* keys/config errors shown after the screen opens */
	size_t n_notes;
	char *login_notice; /* --login-notice text, or NULL */

	struct cache_store *store;               /* the local store; NULL if it cannot open */
	bool offline_session;                    /* logged in with the store alone */
	char session_org[64], session_user[128]; /* who is logged in (either way) */

	struct api_conn *conn; /* NULL: no registry configured */
	struct api_session *sess;
	enum net_state net;
	char net_detail[VAX_ERROR_MSG_LEN];
	struct api_req *probe;
	bool probe_busy;
	int probe_failures; /* in a row: the probe backs off */
	long retry_after_s; /* the registry's Retry-After, -1 if none */
	int64_t next_probe_ms;

	enum screen_id stack[APP_STACK_MAX];
	int depth;
	unsigned dirty;
	char msg[512];
	enum msg_kind msg_kind;
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
	unsigned char lock_salt[16];
	unsigned char lock_hash[32];
	bool lock_armed;      /* a password hash is held */
	bool session_expired; /* the registry refused our token: the lock asks again */
	bool relogin_pending; /* the lock's new login is on its way */
	bool going_online;    /* offline session: the lock asks the password for an online login */

	/* the access flow, shared by the access screens */
	bool confid_accepted;
	bool confid_for_login;             /* the statement was asked for by a login */
	bool forced_password;              /* the registry wants a new password now */
	char challenge[256];               /* the challenge to show; "" if none */
	char reset_hint[256];              /* why the reset screen opened */
	char last_org[64], last_user[128]; /* for the reset form */
	void (*confirm_yes)(struct app *a);

	struct app_sync *sync; /* the outbox sending itself (tui/app_sync.c) */
};

/* tui/app.c */
/** Monotonic milliseconds. */
int64_t app_now_ms(void);
/** Put a screen on top. */
void app_push(struct app *a, enum screen_id id);
/** Drop the top screen (never the last one). */
void app_pop(struct app *a);
/** Replace the whole stack with one screen. */
void app_reset_to(struct app *a, enum screen_id id);
/** The top screen. */
enum screen_id app_top(const struct app *a);
/** True while the lock screen is anywhere on the stack (idle lock, expired
 * session, signing in): nothing is sent under it. */
bool app_locked(const struct app *a);
const struct screen_ops *app_screen(enum screen_id id);
/** Show a one-line message (printf-style). */
void app_message(struct app *a, enum msg_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void app_dirty(struct app *a, unsigned what);
/** Take note of a registry answer: online, offline, maintenance. */
void app_note_result(struct app *a, const struct api_result *res);
/** Logged in: remember a hash of the password for the idle lock. */
void app_arm_lock(struct app *a, const char *password);
/** Check a password against the lock hash. */
bool app_check_lock(const struct app *a, const char *password);
/** Logged in with the registry down: the local store opened with the
 * password. */
void app_logged_in_offline(struct app *a, const char *org, const char *user);
/** True if someone is logged in (online or offline). */
bool app_logged_in_any(const struct app *a);
/** The org and user shown in the status line ("-" if none). */
const char *app_org(const struct app *a);
const char *app_user(const struct app *a);
/** Log out and go back to the login screen. */
void app_logout(struct app *a, const char *why);
/** Where to go after a successful login or switch. */
void app_logged_in(struct app *a);
/** Start a health probe of the registry now. */
void app_probe(struct app *a);
/** Offline session: sign in to the registry (statement, then the password
 * over the current screen), or probe now if it is not answering yet. */
void app_go_online(struct app *a);
/** Outbox entries the registry has not accepted yet (0 if the store is locked). */
int app_outbox_waiting(const struct app *a);
/** The first key of an action on every screen ("F5"), or "" if unbound. */
void app_key_name(const struct app *a, enum action act, char *buf, size_t len);
/** Draw everything dirty and call doupdate() once. */
void app_render(struct app *a);
/** Run the loop until quit. */
int app_run(struct app *a);
/** Ask a yes/no question on the message line; yes runs on 'y'. */
void app_confirm(struct app *a, const char *question, void (*yes)(struct app *a));
/** Free every screen's state (at exit). */
void screens_free(void);

/* tui/app_sync.c: the outbox sends itself from the loop */
/** One step: start a pass when online with due entries, else advance it. */
void app_sync_tick(struct app *a);
/** The sync-now key: send now (or probe now when offline). */
void app_sync_now(struct app *a);
/** Cancel a pass (entries go back to PENDING); before the store locks. */
void app_sync_stop(struct app *a);
void app_sync_free(struct app *a);
/** "Sending 3 of 12", the last pass's result, or "". */
void app_sync_label(const struct app *a, char *buf, size_t len);

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
/** The screen whose keys the help screen lists. */
enum screen_id help_subject(const struct app *a);

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
/** Common handling of an action on a form screen; returns FORM_* flags. */
unsigned form_view_action(struct app *a, struct form *f, enum action act);
/** A typed character for the focused field. */
unsigned form_view_text(struct app *a, struct form *f, wchar_t wc);
/** The raw text of field i (passwords too) as UTF-8. */
void form_view_secret(const struct form *f, size_t i, char *buf, size_t len);
/** A field's value by id, "" if absent. */
void form_view_value(const struct form *f, const char *id, char *buf, size_t len);

/* tui/screen_login.c */
/** Send the login typed on the login screen (the statement is accepted). */
void screen_login_send(struct app *a);

/* tui/screen_password.c: the new password typed twice under the registry's
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
 * (at index pair.first); pair is the struct password_pair naming them. */
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
/** A password form screen's actions: cancel calls leave (after asking question
 * if something was typed), a submit calls send. Returns TUI_* flags. */
unsigned password_form_action(struct app *a, struct form *f, enum action act, const char *question,
                              void (*leave)(struct app *a), void (*send)(struct app *a));
/** The registry answered a password request: the wait is over; false, with
 * its message in error, unless it agreed. */
bool password_form_answered(struct app *a, const struct api_result *res, char *error, size_t len);

/* tui/screen_client.c: the client record */
struct client;
/** Open the client record for a registry id or a local uuid / row key:
 * the local store answers at once, the registry refreshes it when online. */
void screen_client_open(struct app *a, const char *registry_id_or_uuid);
/** Open the Add Client form, pre-filled from a search (prefill may be NULL). */
void screen_client_new(struct app *a, const struct client *prefill);
/** The client shown, or NULL; its row key in the store. */
const struct client *screen_client_current(void);
const char *screen_client_key(void);
/** Its doses as loaded (count; *out points into the screen's state). */
struct immunization;
int screen_client_doses(const struct immunization **out);
/** Read the client again from the store (after a save). */
void screen_client_reload(struct app *a);
/** True if the client's history is older than a day or never pulled. */
bool screen_client_stale(struct app *a);
/** Who records, where, now. */
void screen_client_capture(struct app *a, struct capture *cap);
/** The CDC code tables (loaded once; NULL if they cannot be read). */
struct codes;
const struct codes *screen_client_codes(void);
/** Today on the workstation's calendar. */
vax_date screen_client_today(void);
/** An outbox state in words: "Waiting to send", "Accepted", ... */
const char *screen_client_state_words(enum cache_state s);
/** Open the Edit Client tabs for the client shown. */
void screen_client_edit(struct app *a);

/* tui/screen_shot.c */
enum shot_mode { SHOT_ADMINISTERED, SHOT_HISTORICAL, SHOT_REFUSAL };
/** Open the shot form for the client shown. */
void screen_shot_open(struct app *a, enum shot_mode mode);
/** Ask why, then delete a dose (entered in error) through the outbox. */
void screen_shot_delete(struct app *a, const struct immunization *im);
/** Open a dose of the client shown for editing (its organization's only). */
void screen_shot_edit(struct app *a, const struct immunization *im);
/** Open a rejected outbox dose for editing; saving replaces the entry's
 * payload and puts it back in line. False (with a message) if it cannot. */
bool screen_shot_edit_outbox(struct app *a, const struct cache_entry *e);

/* tui/screen_discard.c */
/** Ask why, then discard an outbox entry (cache_outbox_discard). */
void screen_discard_open(struct app *a, const struct cache_entry *e, const char *client_name);

/* tui/screen_review_match.c */
/** Open the held-client review on the entry seq (0: the first). */
void screen_review_match_open(struct app *a, int64_t seq);

/* tui/screen_results.c: the searches and their results */
enum search_kind { SEARCH_QUICK, SEARCH_BASIC, SEARCH_SMART };
/** Run a search (the registry, or the local store when offline) and show
 * its results; rid: a registry ID to look up instead of the names;
 * phone: digits to check on each client (Basic search); open_single: an
 * exact hit opens the client at once. */
void search_run(struct app *a, enum search_kind kind, const struct client *query, const char *rid,
                const char *phone, bool open_single);

#endif
