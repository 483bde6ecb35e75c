# registry/: vaxregd, the registry server.
sbin_PROGRAMS += vaxregd
vaxregd_SOURCES = registry/main.c
vaxregd_LDADD = $(VAXCORE_LIBS)
