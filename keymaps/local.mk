# keymaps/: actions, key names, keymaps and the *.keys parser. No curses.
# default.keys is compiled in: the rule below turns it into a C string
# (sed only, so a fresh Debian needs nothing beyond the build essentials).
noinst_LIBRARIES += libvaxkeymaps.a
libvaxkeymaps_a_SOURCES = \
	keymaps/utf8.c keymaps/utf8.h \
	keymaps/action.c keymaps/action.h \
	keymaps/key.c keymaps/key.h \
	keymaps/keymap.c keymaps/keymap.h
nodist_libvaxkeymaps_a_SOURCES = keymaps/default_keys.c
libvaxkeymaps_a_CFLAGS = $(AM_CFLAGS)
VAXKEYMAPS_LIBS = libvaxkeymaps.a $(VAXCORE_LIBS)

BUILT_SOURCES += keymaps/default_keys.c
CLEANFILES += keymaps/default_keys.c
nobase_dist_pkgdata_DATA += keymaps/default.keys keymaps/vi.keys

# Each line becomes one "...\n" literal; backslashes and quotes escaped.
keymaps/default_keys.c: keymaps/default.keys keymaps/local.mk
	$(AM_V_GEN)$(MKDIR_P) keymaps && { \
	  echo '/* Generated from keymaps/default.keys by keymaps/local.mk; do not edit. */'; \
	  echo '#include "keymaps/keymap.h"'; \
	  echo 'const char keymap_default_text[] ='; \
	  $(SED) -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/	"/' -e 's/$$/\\n"/' \
	    $(srcdir)/keymaps/default.keys; \
	  echo '	"";'; \
	  echo 'const size_t keymap_default_len = sizeof keymap_default_text - 1;'; \
	} > $@-t && mv $@-t $@

tests_check_all_SOURCES += tests/keymaps/test_keymap.c
tests_check_all_LDADD += $(VAXKEYMAPS_LIBS)
