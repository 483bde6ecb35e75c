# tests/lib/pg.sh - sourced by tests that need PostgreSQL: a throwaway
# cluster of Debian's PostgreSQL in a temporary directory, reached over a
# Unix socket there (no TCP port, nothing shared with the machine's own
# server), stopped and removed on exit.
#
#   . "$top_srcdir/tests/lib/pg.sh"
#   pg_start                  # or skip (77) with a line saying why
#   url=$(pg_newdb NAME)      # a fresh database: postgresql://...
#   pg_replica DELAY          # a streaming replica, replaying DELAY late
#   url=$(pg_replica_url NAME)  # database NAME on the replica
#   pg_stop                   # also on exit
#
# PostgreSQL refuses to run as root. As root (CI), the cluster runs as the
# unprivileged 'postgres' user that Debian's postgresql package creates,
# through runuser; its directory is that user's, the rest of the test's
# temporary directory stays root's. As anyone else it runs as that user.

PG_BINDIR=${PG_BINDIR:-}
if [ -z "$PG_BINDIR" ]; then
	for _d in /usr/lib/postgresql/*/bin; do
		[ -x "$_d/initdb" ] && PG_BINDIR=$_d
	done
fi
PG_DIR=
PG_URLBASE=

# pg_as CMD...: run a PostgreSQL program as the cluster's user
pg_as() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	if [ -z "$PG_BINDIR" ] || [ ! -x "$PG_BINDIR/initdb" ]; then
		echo "skip: PostgreSQL is not installed (no initdb under /usr/lib/postgresql; tools/setup installs it)"
		exit 77
	fi
	if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
		echo "skip: running as root and there is no 'postgres' user to run PostgreSQL as"
		exit 77
	fi
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vaxpg.XXXXXX")
	chmod 755 "$PG_DIR"
	mkdir "$PG_DIR/data" "$PG_DIR/run"
	[ "$(id -u)" = 0 ] && chown postgres "$PG_DIR/data" "$PG_DIR/run"
	pg_as "$PG_BINDIR/initdb" -D "$PG_DIR/data" -U vax -A trust -E UTF8 --locale=C --no-sync \
		>"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; echo "FAIL: initdb" >&2; exit 1; }
	# throwaway: no fsync; Unix socket in our directory only
	pg_as "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/run/server.log" -w -t 60 \
		-o "-c listen_addresses='' -k $PG_DIR/run -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
		start >/dev/null || { cat "$PG_DIR/run/server.log" >&2; echo "FAIL: pg_ctl start" >&2; exit 1; }
	PG_URLBASE="postgresql://vax@/%s?host=$PG_DIR/run"
	trap pg_exit EXIT
}

# pg_newdb NAME: an empty database; prints its URL
pg_newdb() {
	pg_as "$PG_BINDIR/createdb" -h "$PG_DIR/run" -U vax "$1" || { echo "FAIL: createdb $1" >&2; exit 1; }
	# shellcheck disable=SC2059
	printf "$PG_URLBASE\n" "$1"
}

# pg_replica DELAY: a streaming replica (hot standby) of the cluster, from
# pg_basebackup, in its own directory with its own socket, replaying the
# primary's log DELAY late ("0", "4s": PostgreSQL's recovery_min_apply_delay)
pg_replica() {
	mkdir "$PG_DIR/replica" "$PG_DIR/rrun"
	chmod 700 "$PG_DIR/replica"
	[ "$(id -u)" = 0 ] && chown postgres "$PG_DIR/replica" "$PG_DIR/rrun"
	pg_as "$PG_BINDIR/pg_basebackup" -h "$PG_DIR/run" -U vax -D "$PG_DIR/replica" -R -X stream -c fast \
		>"$PG_DIR/basebackup.log" 2>&1 || { cat "$PG_DIR/basebackup.log" >&2; echo "FAIL: pg_basebackup" >&2; exit 1; }
	pg_replica_start "$1"
}

pg_replica_start() {
	pg_as "$PG_BINDIR/pg_ctl" -D "$PG_DIR/replica" -l "$PG_DIR/rrun/server.log" -w -t 60 \
		-o "-c listen_addresses='' -k $PG_DIR/rrun -c fsync=off -c hot_standby=on -c recovery_min_apply_delay=$1 -c max_connections=200" \
		start >/dev/null || { cat "$PG_DIR/rrun/server.log" >&2; echo "FAIL: pg_ctl start (replica)" >&2; exit 1; }
}

# pg_replica_url NAME: the replica's URL of database NAME
pg_replica_url() {
	echo "postgresql://vax@/$1?host=$PG_DIR/rrun"
}

# pg_replica_stop: the replica dies (immediate shutdown)
pg_replica_stop() {
	pg_as "$PG_BINDIR/pg_ctl" -D "$PG_DIR/replica" -m immediate -w stop >/dev/null 2>&1 || :
}

# pg_replica_wait URL_PRIMARY URL_REPLICA: until the replica has replayed
# all the primary has written so far (at most 60 s)
pg_replica_wait() {
	_lsn=$(psql -X -q -A -t "$1" -c "SELECT pg_current_wal_insert_lsn()")
	_i=0
	while [ $_i -lt 600 ]; do
		[ "$(psql -X -q -A -t "$2" -c "SELECT pg_last_wal_replay_lsn() >= '$_lsn'")" = t ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "FAIL: the replica did not reach $_lsn in 60 s" >&2
	exit 1
}

pg_stop() {
	[ -n "$PG_DIR" ] || return 0
	[ -d "$PG_DIR/replica" ] && pg_replica_stop
	pg_as "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || :
	rm -rf "$PG_DIR"
	PG_DIR=
}

pg_exit() {
	_pg_st=$?
	pg_stop
	exit $_pg_st
}
