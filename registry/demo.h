/* registry/demo.h - organizations and users for `vaxregd org add` /
 * `user add`, and the deterministic demo registry of `vaxregd init --demo`. */
#ifndef VAX_REGISTRY_DEMO_H
#define VAX_REGISTRY_DEMO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "registry/store.h"

/** Add or rename an organization (the org row and its Organization resource). */
bool demo_org_add(struct store *st, const char *code, const char *name, int64_t now, struct vax_error *err);

/** Add a user to an organization with a role. A new user needs a password
 * (checked against the password rules); for an existing user password may
 * be NULL and only the membership is added. */
bool demo_user_add(struct store *st, const char *org, const char *username, const char *role,
                   const char *email, const char *password, struct vax_error *err);

/** Load the demo registry (same data every time) and print its logins to out. */
bool demo_load(struct store *st, int64_t now, FILE *out, struct vax_error *err);

/** The same, with n_clients synthetic clients (bench uses 100,000). */
bool demo_load_n(struct store *st, int64_t now, int n_clients, int shots_per_client, FILE *out,
                 struct vax_error *err);

#endif
