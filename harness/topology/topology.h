/* The high-availability system a scenario verifies, behind one small
 * table of operations, as curl's TLS backends are: the checks of the
 * guide's verification section ask "who is active", "what does the HA
 * manager say of each service", "fail over", "who is active now" and never
 * which system answers. One file per topology in this folder:
 *   wsfc.c     Windows Server Failover Clustering (root/MSCluster)
 *   safekit.c  XProtect Management Server Failover, a SafeKit mirror
 *              module (the `safekit` command's exit codes and resources)
 * Checks that only make sense for one system declare it
 * (xpv_check.topologies) and use that system's helpers directly. */
#ifndef XPV_TOPOLOGY_H
#define XPV_TOPOLOGY_H

#include "check.h"
#include "scenario.h"

#include <stdbool.h>

/* The HA manager's view, as one node told it. */
struct xpv_ha_view {
	const struct xpv_node *source; /* the node that answered */
	bool exists;                   /* the role (WSFC) or module (SafeKit) exists */
	char *missing;                 /* when !exists: what the manager said instead */
	const struct xpv_node *active; /* runs the services: WSFC's owner, SafeKit's PRIM or ALONE node */
	char *active_name;             /* the active node as the manager names it, NULL: none */
	bool online;                   /* the role is Online / the active node Ready */
	char *state;                   /* the role's state in the manager's words ("Online", "PRIM/SECOND") */
	void *own;                     /* the topology's own data */
	void (*own_free)(void *own);
};

struct xpv_topology {
	const char *name;    /* "wsfc", "safekit" */
	const char *manager; /* who decides, in messages: "the cluster", "SafeKit" */
	const char *ready_words;   /* what a failover needs first, in messages */
	const char *standby_words; /* what a node back after a failover rejoins, in messages */
	const char *settle_verb;   /* what a node back does before it stands by ("resynchronised"), or NULL */

	/* What the services belong to, in messages ("role ms-role",
	 * "module AM"); a new string. */
	char *(*role)(const struct xpv_scenario *sc);

	/* Reads the manager's view, asking the nodes in turn from `first`
	 * (NULL: the first) until one answers; `fresh` skips the run's cache.
	 * 0, or a negative xpv_err with the last error set when none answers. */
	int (*view)(struct xpv_ha_view *v, struct xpv_ctx *ctx, const struct xpv_node *first, bool fresh);

	/* The manager's own state of service `svc` on the active node, in its
	 * words ("Online", "PRIM"); *controlled false when the manager does
	 * not control the service at all (WSFC: no resource of the role);
	 * *online whether it says the service should run. */
	const char *(*service_state)(const struct xpv_ha_view *v, const struct xpv_service *svc, bool *controlled,
				     bool *online);

	/* Before a failover: whether the manager can fail over now (every
	 * node in, the role Online, another node ready to take over). 0, or
	 * -1 with *why set (a new string). */
	int (*ready)(struct xpv_ctx *ctx, const struct xpv_ha_view *v, char **why);

	/* Starts a failover away from `active` by `method` (the move goes to
	 * `target`). 0; -1 with *why set, and *refused when the manager said
	 * no (a fail, not an error). */
	int (*trigger)(struct xpv_ctx *ctx, enum xpv_failover_method method, const struct xpv_node *active,
		       const struct xpv_node *target, char **why, bool *refused);

	/* Hands the role back to `home` the graceful way (WSFC: a move;
	 * SafeKit: a swap), as trigger(). */
	int (*hand_back)(struct xpv_ctx *ctx, const struct xpv_node *active, const struct xpv_node *home, char **why,
			 bool *refused);

	/* One look during a failover, asking `ask` alone and fresh: the
	 * active node (NULL: none, or one outside the scenario) and whether it
	 * is online (WSFC: the group Online; SafeKit: `ask` itself is PRIM or
	 * ALONE and its health URL says Ready; a SECOND names the other node
	 * but cannot vouch for it). 0, or a negative xpv_err when `ask` did
	 * not answer. */
	int (*look)(struct xpv_ctx *ctx, const struct xpv_node *ask, const struct xpv_node **active, bool *online);

	/* Whether `node`, back after a failover, stands by again (WSFC: Up as
	 * the other nodes report it, `prefer` asked first; SafeKit: SECOND
	 * and up to date as it reports itself); *state says what it is (a new
	 * string, NULL when nobody said). 1 yes, 0 not yet, a negative xpv_err
	 * when nobody answered. */
	int (*standing_by)(struct xpv_ctx *ctx, const struct xpv_node *node, const struct xpv_node *prefer,
			   char **state);

	/* Keeps in the evidence what the manager itself logged on every node
	 * since `since_us` (realtime; SafeKit: its lines in the Application
	 * event log), in files named after `label` ("takeover", "failback");
	 * NULL when it logs nothing the harness reads. */
	void (*keep_log)(struct xpv_ctx *ctx, int64_t since_us, const char *label);

	/* Brings a node that the failover stopped (stop-primary) back into
	 * the pair or cluster; NULL when the method never stops one. */
	int (*rejoin)(struct xpv_ctx *ctx, const struct xpv_node *node, char **why);
};

extern const struct xpv_topology xpv_topology_wsfc;
extern const struct xpv_topology xpv_topology_safekit;

/* The scenario's topology. */
const struct xpv_topology *xpv_topology(const struct xpv_scenario *sc);

/* The name of topology `kind` ("wsfc", "safekit"). */
const char *xpv_topology_name(enum xpv_topology_kind kind);

/* Frees what view() filled; the view is then empty. */
void xpv_ha_view_clear(struct xpv_ha_view *v);

#endif
