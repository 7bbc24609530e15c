/* Guide, "Create the failover cluster", step 7 ("make sure that all nodes
 * are up"), and "Check service status" (the actual status of the nodes):
 * every node of the scenario is a node of the cluster and Up, the cluster
 * has no node the scenario leaves out, and every node reports the same. */
#include "check.h"
#include "cluster.h"
#include "error.h"
#include "scenario.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NODES_QUERY "select Name,State from MSCluster_Node"

struct view {
	json_t *rows;  /* MSCluster_Node rows as this node reports them, or NULL */
	char *error;   /* why not */
};

static const char *state_name(long s)
{
	switch (s) {
	case 0: return "Up";
	case 1: return "Down";
	case 2: return "Paused";
	case 3: return "Joining";
	default: return "Unknown";
	}
}

static void ask(struct xpv_ctx *ctx, const struct xpv_node *node, void *arg)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	struct view *v = &((struct view *)arg)[node - sc->nodes];

	if (xpv_ctx_wql(&v->rows, ctx, node, "root/mscluster", NODES_QUERY) < 0) {
		v->rows = NULL;
		v->error = xpv_strdup(xpv_error_last());
	}
}

static json_t *row_of(const json_t *rows, const char *name)
{
	size_t i;
	json_t *row;

	json_array_foreach(rows, i, row)
		if (strcasecmp(xpv_prop(row, "Name"), name) == 0)
			return row;
	return NULL;
}

/* "A Up, B Down" for a view. */
static char *describe(const json_t *rows)
{
	char *s = xpv_strdup("");
	size_t i;
	json_t *row;

	json_array_foreach(rows, i, row) {
		char *next = xpv_asprintf("%s%s%s %s", s, i ? ", " : "", xpv_prop(row, "Name"),
					  state_name(xpv_prop_long(row, "State", -1)));

		free(s);
		s = next;
	}
	return s;
}

static void report(struct xpv_ctx *ctx, const char *target, enum xpv_verdict v, const char *expected,
		   const char *observed, const char *msg)
{
	struct xpv_outcome o = { .target = target, .verdict = v, .expected = expected, .observed = observed,
				 .message = msg };

	xpv_ctx_report(ctx, &o);
}

/* Every scenario node: a member, Up, as the reference view says. */
static void members(struct xpv_ctx *ctx, const struct xpv_node *ref, const json_t *rows)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	char *all = describe(rows);

	for (size_t i = 0; i < sc->n_nodes; i++) {
		const struct xpv_node *n = &sc->nodes[i];
		const json_t *row = row_of(rows, n->name);
		long state = row ? xpv_prop_long(row, "State", -1) : -1;
		char *obs, *msg;
		enum xpv_verdict v;

		if (row == NULL) {
			v = XPV_FAIL;
			obs = xpv_strdup("not a cluster node");
			msg = xpv_asprintf("%s is not a node of cluster %s (%s reports: %s): add it to the cluster, or take "
					   "it out of the scenario", n->name, sc->cluster.name, ref->name, all);
		} else if (state != 0) {
			v = XPV_FAIL;
			obs = xpv_asprintf("%s (State %ld)", state_name(state), state);
			msg = xpv_asprintf("the cluster reports %s %s (State %ld; seen from %s): it cannot take the role over",
					   n->name, state_name(state), state, ref->name);
		} else {
			v = XPV_PASS;
			obs = xpv_strdup("Up");
			msg = xpv_asprintf("%s is a node of cluster %s and Up (seen from %s)", n->name, sc->cluster.name,
					   ref->name);
		}
		report(ctx, n->name, v, "a node of the cluster, Up", obs, msg);
		free(obs);
		free(msg);
	}
	/* a node the scenario leaves out is a node nothing here checks */
	{
		size_t i;
		json_t *row;

		json_array_foreach(rows, i, row) {
			const char *name = xpv_prop(row, "Name");
			char *target, *msg;

			if (xpv_node_by_name(sc, name) != NULL)
				continue;
			target = xpv_asprintf("cluster node %s", name);
			msg = xpv_asprintf("%s is a node of cluster %s (%s) but not of the scenario: no check covers it; add "
					   "it to the scenario's nodes", name, sc->cluster.name,
					   state_name(xpv_prop_long(row, "State", -1)));
			report(ctx, target, XPV_FAIL, "every cluster node is in the scenario", "not in the scenario", msg);
			free(target);
			free(msg);
		}
	}
	free(all);
}

/* Every node that answers reports the same members in the same states. */
static void agreement(struct xpv_ctx *ctx, const struct view *views, size_t ref, const json_t *rows)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	char *silent = xpv_strdup(""), *differ = NULL, *all = describe(rows);
	size_t answered = 0;

	for (size_t i = 0; i < sc->n_nodes; i++) {
		const struct view *v = &views[i];

		if (v->rows == NULL) {
			/* a node the cluster does not list has no cluster to report */
			if (row_of(rows, sc->nodes[i].name) != NULL) {
				char *next = xpv_asprintf("%s%s%s (%s)", silent, silent[0] ? "; " : "", sc->nodes[i].name,
							  v->error);

				free(silent);
				silent = next;
			}
			continue;
		}
		answered++;
		if (differ == NULL) {
			char *mine = describe(v->rows);

			if (strcmp(mine, all) != 0)
				differ = xpv_asprintf("%s reports %s, but %s reports %s", sc->nodes[i].name, mine,
						      sc->nodes[ref].name, all);
			free(mine);
		}
	}
	if (differ != NULL) {
		char *msg = xpv_asprintf("the nodes do not agree on the cluster's members: %s", differ);

		report(ctx, "views", XPV_FAIL, "every node reports the same members and states", "views differ", msg);
		free(msg);
	} else if (silent[0] != '\0') {
		char *msg = xpv_asprintf("%zu node%s agree (%s); not asked: %s", answered, answered == 1 ? "" : "s", all,
					 silent);

		report(ctx, "views", XPV_ERROR, "every node reports the same members and states", "not all answered", msg);
		free(msg);
	} else {
		char *msg = answered == 1 ? xpv_asprintf("the one node that reports the cluster reports: %s", all)
					  : xpv_asprintf("all %zu nodes report the same: %s", answered, all);

		report(ctx, "views", XPV_PASS, "every node reports the same members and states", "the same", msg);
		free(msg);
	}
	free(differ);
	free(silent);
	free(all);
}

static int run(struct xpv_ctx *ctx)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	struct view *views = xpv_calloc(sc->n_nodes, sizeof(*views));
	size_t ref = sc->n_nodes;
	int rc = xpv_ctx_each_node(ctx, ask, views);

	for (size_t i = 0; rc == 0 && i < sc->n_nodes && ref == sc->n_nodes; i++)
		if (views[i].rows != NULL)
			ref = i;
	if (rc == 0 && ref == sc->n_nodes) {
		for (size_t i = 0; i < sc->n_nodes; i++) {
			char *msg = xpv_asprintf("no node reported the cluster's members; %s: %s", sc->nodes[i].name,
						 views[i].error);

			report(ctx, sc->nodes[i].name, XPV_ERROR, "a node of the cluster, Up", "no answer", msg);
			free(msg);
		}
	} else if (rc == 0) {
		members(ctx, &sc->nodes[ref], views[ref].rows);
		agreement(ctx, views, ref, views[ref].rows);
	}
	for (size_t i = 0; i < sc->n_nodes; i++) {
		json_decref(views[i].rows);
		free(views[i].error);
	}
	free(views);
	return rc;
}

const struct xpv_check xpv_check_cluster_nodes = {
	.id = "cluster-nodes",
	.title = "Every node is a cluster node and Up, and all report the same",
	.guide_section = "Create the failover cluster (step 7: make sure that all nodes are up); Check service status",
	.remediation = "In Failover Cluster Manager, open Nodes: every node of the management-server cluster must "
		       "be listed and Up. Start the Cluster service on a Down node (or resume a Paused one), add a "
		       "missing node with Add Node, and add a node the scenario leaves out to the scenario so every "
		       "check covers it. Nodes that disagree about the members point at a network partition: check "
		       "the cluster networks.",
	.topologies = XPV_TOPO_WSFC,
	.run = run,
};
