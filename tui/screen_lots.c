#include "config.h"
#include "tui/tui.h"
const struct screen_ops screen_lots_ops = {.name = "lots", .title = "lots", .keymap = KEYMAP_CHECKLIST};
