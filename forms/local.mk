# forms/: the pure field editor, form model and field checks. No curses, no I/O.
noinst_LIBRARIES += libvaxforms.a
libvaxforms_a_SOURCES = \
	forms/field_edit.c forms/field_edit.h \
	forms/validate.c forms/validate.h \
	forms/form.c forms/form.h
libvaxforms_a_SOURCES += forms/gs1.c forms/gs1.h
libvaxforms_a_CFLAGS = $(AM_CFLAGS)
VAXFORMS_LIBS = libvaxforms.a $(VAXKEYMAPS_LIBS)

tests_check_all_SOURCES += tests/forms/test_field_edit.c tests/forms/test_form.c
tests_check_all_LDADD += $(VAXFORMS_LIBS)
tests_check_all_SOURCES += tests/forms/test_gs1.c
