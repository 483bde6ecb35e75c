#include "config.h"
#include "tui/tui.h"
const struct screen_ops screen_due_ops = {.name = "due", .title = "due", .keymap = KEYMAP_CHECKLIST};
