/* keymaps/action.c - tables expanded from ACTION_INFO; see action.h. */
#include "keymaps/action.h"

#include <string.h>

struct action_row {
	const char *name;
	const char *label;
	const char *help;
	enum action_group group;
};

static const struct action_row rows[] = {
#define ACTION_ROW(id, name, label, help, group) {name, label, help, ACTION_GROUP_##group},
    ACTION_INFO(ACTION_ROW)
#undef ACTION_ROW
};

static const char *const group_headings[] = {
#define ACTION_GROUP_HEADING(id, heading) heading,
    ACTION_GROUP_INFO(ACTION_GROUP_HEADING)
#undef ACTION_GROUP_HEADING
};

_Static_assert(sizeof rows / sizeof rows[0] == ACTION_COUNT, "one row per action");

bool action_valid(enum action a)
{
	return a >= ACTION_BASE && a < ACTION_END_;
}

enum action action_at(size_t i)
{
	return i < ACTION_COUNT ? (enum action)(ACTION_BASE + (int)i) : ACTION_NONE;
}

const char *action_name(enum action a)
{
	if (a == ACTION_NONE)
		return "none";
	return action_valid(a) ? rows[a - ACTION_BASE].name : NULL;
}

const char *action_label(enum action a)
{
	return action_valid(a) ? rows[a - ACTION_BASE].label : NULL;
}

const char *action_help(enum action a)
{
	return action_valid(a) ? rows[a - ACTION_BASE].help : NULL;
}

enum action_group action_group(enum action a)
{
	return action_valid(a) ? rows[a - ACTION_BASE].group : ACTION_GROUP_COUNT;
}

const char *action_group_heading(enum action_group g)
{
	return (unsigned)g < ACTION_GROUP_COUNT ? group_headings[g] : NULL;
}

bool action_from_name(const char *name, enum action *out)
{
	if (!strcmp(name, "none")) {
		*out = ACTION_NONE;
		return true;
	}
	/* ~60 names: a linear scan costs less than keeping a sorted copy right */
	for (size_t i = 0; i < ACTION_COUNT; i++) {
		if (!strcmp(rows[i].name, name)) {
			*out = action_at(i);
			return true;
		}
	}
	return false;
}
