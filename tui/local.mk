# tui/: vaxdesk, the terminal client; the only folder that includes curses.
bin_PROGRAMS += vaxdesk
vaxdesk_SOURCES = tui/main.c
vaxdesk_CFLAGS = $(AM_CFLAGS) $(NCURSES_CFLAGS)
vaxdesk_LDADD = $(VAXCORE_LIBS) $(NCURSES_LIBS)
