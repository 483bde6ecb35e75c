/* cache/cli.h - the store's command-line subcommands:
 *
 *   vaxdesk sync [--dry-run]     send the outbox now, to the end; the last line
 *                                counts what waits, as `vaxdesk outbox` does.
 *                                Exit 0 only when nothing waits; 3 entries
 *                                wait for a person (rejected, in conflict,
 *                                held for review; before 75); 75 entries wait
 *                                to be sent (offline, busy, retry later); 1
 *                                failed (the store, the login); 2 usage
 *   vaxdesk outbox [--json]      list outbox entries and their states
 *   vaxdesk prefetch ID...       load clients (registry ids) into the store
 *   vaxdesk prefetch --group ID  ... or every member of a school-list Group
 *   vaxdesk purge [--all]        drop cached clients past cache_retention_days
 *                                (--all: every cached client); unsent work stays
 *
 * --help prints the usage and exits 0 for every subcommand.
 * Options for all: --data-dir DIR (default $XDG_DATA_HOME/vaxdesk),
 * --config FILE, --registry URL, --ca-file FILE, --org CODE, --user NAME
 * (or VAXDESK_ORG / VAXDESK_USER), --password-fd N (read the password from
 * file descriptor N; otherwise it is asked on the terminal without echo).
 * Commands that need the registry log in online and fall back to the
 * offline login when it cannot be reached. Every command acts on the store
 * of the --org/--user given, and only on it: a colleague's unsent work on
 * the same workstation is neither listed nor sent under this login.
 */
#ifndef VAX_CACHE_CLI_H
#define VAX_CACHE_CLI_H

/** Run one subcommand; argv[0] is the subcommand name ("sync", ...).
 * Returns the process exit status. */
int cache_cli_main(int argc, char **argv);

#endif
