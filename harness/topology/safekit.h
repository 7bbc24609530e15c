/* SafeKit's own helpers, for the topology and the SafeKit checks. */
#ifndef XPV_SAFEKIT_H
#define XPV_SAFEKIT_H

#include "check.h"
#include "scenario.h"

#include <stdbool.h>
#include <stddef.h>

/* `safekit state -m AM -lq` exit codes (UG 9.4). */
enum { XPV_SK_STOP = 0, XPV_SK_WAIT = 1, XPV_SK_ALONE = 2, XPV_SK_PRIM = 3, XPV_SK_SECOND = 4 };

/* "STOP", "WAIT", "ALONE", "PRIM", "SECOND"; "UNKNOWN" for anything else. */
const char *xpv_safekit_state_name(int state);

/* The mirror module's name: the scenario's safekit.module, or the one
 * module `safekit module list` names on `node`. NULL with *why set when
 * none or several. */
char *xpv_safekit_module(struct xpv_ctx *ctx, const struct xpv_node *node, char **why);

/* The module state of `node` (an XPV_SK_* value), or a negative xpv_err
 * with *why set. */
int xpv_safekit_state(struct xpv_ctx *ctx, const struct xpv_node *node, const char *module, char **why);

/* Resource `resource` of `module` on `node` (`safekit get`): its value
 * ("up", "down", "PRIM", ...), or NULL with *why set. */
char *xpv_safekit_get(struct xpv_ctx *ctx, const struct xpv_node *node, const char *module, const char *resource,
		      char **why);

/* The value in the output of `safekit get -r RES` (its last word; "" when
 * there is none). A new string. */
char *xpv_safekit_value(const char *text);

/* How many module names `safekit module list` printed in `text` (one a
 * line); *first is the first (new string) or NULL. */
size_t xpv_safekit_modules(const char *text, char **first);

/* The node names of `safekit cluster confinfo` (UG 9.2: a header line
 * "Node Signature Date Lock", then one node a line, its name first): up
 * to `max` in names[] (new strings); returns how many rows there were. */
size_t xpv_safekit_confinfo_nodes(const char *text, char **names, size_t max);

/* Whether `name` may be a module name passed to the safekit command:
 * 1 to 64 letters, digits, '_', '-' or '.', so that no character of it is
 * cmd.exe's to interpret. */
bool xpv_safekit_name_ok(const char *name);

/* GET /var/modules/MODULE/ready.txt on `node`'s web console (HTTPS or
 * HTTP as safekit.console says, safekit.console_port, the scenario's resolve, certificate not verified:
 * SafeKit's own CA, nothing secret sent): the HTTP status with *body (new
 * string, at most 4 KiB), or -1 with *err set. OK means PRIM or ALONE and
 * Ready (UG 13.6.3). */
long xpv_safekit_ready(const struct xpv_scenario *sc, const struct xpv_node *node, const char *module, char **body,
		       char **err);

/* Both nodes' module states. */
struct xpv_safekit_pair {
	char *module;
	int state[2];  /* XPV_SK_*, or a negative xpv_err */
	char *why[2];  /* why a state is missing */
};

/* Fills `p` (the module from the first node that names it). 0, or a
 * negative xpv_err when no node names the module. */
int xpv_safekit_pair(struct xpv_safekit_pair *p, struct xpv_ctx *ctx);
void xpv_safekit_pair_clear(struct xpv_safekit_pair *p);

#endif
