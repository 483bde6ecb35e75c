#include "config.h"
#include "tui/tui.h"
const struct screen_ops screen_lot_edit_ops = {.name = "lot_edit", .title = "lot_edit", .keymap = KEYMAP_CHECKLIST};
