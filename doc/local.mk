# doc/: manual pages and design notes.
dist_man_MANS += doc/vaxdesk.1 doc/vaxregd.8 doc/vaxdesk.keys.5 doc/vaxdesk.conf.5
EXTRA_DIST += doc/validation.md
EXTRA_DIST += doc/hl7.md
