/* Windows Server Failover Clustering: the role's group and resources in
 * root/MSCluster (wire-formats.md), a restart with `shutdown /r`, a move
 * with MSCluster_ResourceGroup.MoveToNewNode. */
#include "topology.h"

#include "cluster.h"
#include "error.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GROUP_URI "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/mscluster/MSCluster_ResourceGroup"

static const char *group_state_name(long s)
{
	switch (s) {
	case 0: return "Online";
	case 1: return "Offline";
	case 2: return "Failed";
	case 3: return "Partial Online";
	case 4: return "Pending";
	}
	return "Unknown";
}

static char *role(const struct xpv_scenario *sc)
{
	return xpv_asprintf("role %s", sc->cluster.role);
}

static void own_free(void *own)
{
	xpv_cluster_view_clear(own);
	free(own);
}

static int view(struct xpv_ha_view *v, struct xpv_ctx *ctx, const struct xpv_node *first, bool fresh)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	struct xpv_cluster_view *cv = xpv_calloc(1, sizeof(*cv));
	int rc = xpv_cluster_view_get(cv, ctx, first, fresh, false); /* one round trip */

	memset(v, 0, sizeof(*v));
	if (rc < 0) {
		free(cv);
		return rc;
	}
	v->own = cv;
	v->own_free = own_free;
	v->source = cv->source;
	v->exists = cv->group != NULL || json_array_size(cv->resources) > 0;
	if (!v->exists) {
		v->missing = xpv_asprintf("role %s is not a group of cluster %s (seen from %s)", sc->cluster.role,
					  sc->cluster.name, cv->source->name);
		return 0;
	}
	v->active_name = xpv_strdup(xpv_cluster_owner(cv));
	v->active = xpv_node_by_name(sc, v->active_name);
	if (cv->group != NULL) {
		v->online = xpv_prop_long(cv->group, "State", -1) == XPV_GROUP_ONLINE;
		v->state = xpv_strdup(group_state_name(xpv_prop_long(cv->group, "State", -1)));
	} else {
		/* from the resources alone: ready() asks the group itself */
		size_t i;
		json_t *r;

		v->online = true;
		json_array_foreach(cv->resources, i, r)
			v->online = v->online && xpv_prop_long(r, "State", -1) == XPV_RES_ONLINE;
		v->state = xpv_strdup(v->online ? "every resource Online" : "not every resource Online");
	}
	return 0;
}

static const char *service_state(const struct xpv_ha_view *v, const struct xpv_service *svc, bool *controlled,
				 bool *online)
{
	json_t *res = xpv_cluster_resource(v->own, svc->resource);
	long state = xpv_prop_long(res, "State", -1);

	*controlled = res != NULL;
	*online = state == XPV_RES_ONLINE;
	return res != NULL ? xpv_resource_state_name(state) : "no resource";
}

static int ready(struct xpv_ctx *ctx, const struct xpv_ha_view *v, char **why)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	struct xpv_cluster_view full;
	size_t i, up = 0;
	json_t *row;
	const char *owner;

	*why = NULL;
	/* a failover is decided on everything, as it is now: nodes, group, resources */
	if (xpv_cluster_view_get(&full, ctx, v->source, true, true) < 0) {
		*why = xpv_asprintf("cannot read the cluster: %s", xpv_error_last());
		return -1;
	}
	json_array_foreach(full.nodes, i, row) {
		if (xpv_prop_long(row, "State", -1) != XPV_NODE_UP) {
			*why = xpv_asprintf("node %s is not Up (State %s)", xpv_prop(row, "Name"), xpv_prop(row, "State"));
			goto out;
		}
		up++;
	}
	owner = xpv_cluster_owner(&full);
	if (full.group == NULL)
		*why = xpv_asprintf("role %s not found", sc->cluster.role);
	else if (xpv_prop_long(full.group, "State", -1) != XPV_GROUP_ONLINE)
		*why = xpv_asprintf("role %s is not Online (State %s)", sc->cluster.role, xpv_prop(full.group, "State"));
	else if (xpv_node_by_name(sc, owner) != v->active || v->active == NULL)
		*why = xpv_asprintf("the owner '%s' is not a node of this scenario", owner ? owner : "");
	else if (up < 2)
		*why = xpv_strdup("no other node is Up to take the role over");
out:
	xpv_cluster_view_clear(&full);
	return *why != NULL ? -1 : 0;
}

static int move(struct xpv_ctx *ctx, const struct xpv_node *target, char **why, bool *refused)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	struct xpv_kv sel = { "Name", sc->cluster.role };
	char timeout[32];
	struct xpv_kv params[] = { { "NodeName", target->name }, { "TimeOut", timeout } };
	json_t *o = NULL;
	int rc;

	snprintf(timeout, sizeof(timeout), "%ld", (long)sc->failover.timeout_s);
	rc = xpv_ctx_invoke(&o, ctx, target, GROUP_URI, "MoveToNewNode", &sel, 1, params, 2);
	if (rc == XPV_EFAULT || (rc == 0 && xpv_prop_long(o, "ReturnValue", -1) != 0)) {
		/* the cluster said no: it cannot fail over there */
		*refused = true;
		*why = rc == 0 ? xpv_asprintf("MoveToNewNode returned %s", xpv_prop(o, "ReturnValue"))
			       : xpv_asprintf("the cluster refused to move role %s to %s: %s", sc->cluster.role,
					      target->name, xpv_error_last());
	} else if (rc < 0) {
		*why = xpv_asprintf("cannot move role %s: %s", sc->cluster.role, xpv_error_last());
	}
	json_decref(o);
	return *why != NULL ? -1 : 0;
}

static int trigger(struct xpv_ctx *ctx, enum xpv_failover_method method, const struct xpv_node *active,
		   const struct xpv_node *target, char **why, bool *refused)
{
	*why = NULL;
	*refused = false;
	return method == XPV_FAILOVER_MOVE_ROLE ? move(ctx, target, why, refused) : xpv_node_restart(ctx, active, why);
}

static int hand_back(struct xpv_ctx *ctx, const struct xpv_node *active, const struct xpv_node *home, char **why,
		     bool *refused)
{
	(void)active;
	*why = NULL;
	*refused = false;
	return move(ctx, home, why, refused);
}

static int look(struct xpv_ctx *ctx, const struct xpv_node *ask, const struct xpv_node **active, bool *online)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	char *quoted = xpv_wql_quote(sc->cluster.role);
	/* the role's group only: one round trip per look */
	char *query = xpv_asprintf("select Name,State,OwnerNode from MSCluster_ResourceGroup where Name = %s", quoted);
	json_t *rows = NULL;
	int rc = xpv_ctx_wql_fresh(&rows, ctx, ask, "root/mscluster", query);

	*active = NULL;
	*online = false;
	if (rc == 0 && json_array_size(rows) > 0) {
		const json_t *group = json_array_get(rows, 0);

		*active = xpv_node_by_name(sc, xpv_prop(group, "OwnerNode"));
		*online = xpv_prop_long(group, "State", -1) == XPV_GROUP_ONLINE;
	} else if (rc == 0) {
		rc = xpv_error_set(XPV_ECHECK, "%s does not know role %s", ask->name, sc->cluster.role);
	}
	json_decref(rows);
	free(query);
	free(quoted);
	return rc;
}

/* MSCluster_Node.State of `node` as `ask` reports it: 1 Up, 0 not. */
static int node_up(struct xpv_ctx *ctx, const struct xpv_node *ask, const struct xpv_node *node, char **state)
{
	char *quoted = xpv_wql_quote(node->name);
	char *query = xpv_asprintf("select Name,State from MSCluster_Node where Name = %s", quoted);
	json_t *rows = NULL;
	int rc = xpv_ctx_wql_fresh(&rows, ctx, ask, "root/mscluster", query);

	if (rc == 0) {
		long s = json_array_size(rows) > 0 ? xpv_prop_long(json_array_get(rows, 0), "State", -1) : -1;

		*state = xpv_asprintf("cluster state %ld", s);
		rc = s == XPV_NODE_UP;
	}
	json_decref(rows);
	free(query);
	free(quoted);
	return rc;
}

static int standing_by(struct xpv_ctx *ctx, const struct xpv_node *node, const struct xpv_node *prefer,
		       char **state)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	int rc = XPV_ECONNECT;

	*state = NULL;
	/* the cluster's word, not the node's own: another member first */
	if (prefer != NULL && prefer != node)
		rc = node_up(ctx, prefer, node, state);
	for (size_t k = 0; k < sc->n_nodes && rc < 0; k++)
		if (&sc->nodes[k] != node && &sc->nodes[k] != prefer)
			rc = node_up(ctx, &sc->nodes[k], node, state);
	return rc;
}

const struct xpv_topology xpv_topology_wsfc = {
	.name = "wsfc",
	.manager = "the cluster",
	.ready_words = "all nodes Up, role Online, another possible owner",
	.standby_words = "the cluster",
	.settle_verb = NULL,
	.role = role,
	.view = view,
	.service_state = service_state,
	.ready = ready,
	.trigger = trigger,
	.hand_back = hand_back,
	.look = look,
	.standing_by = standing_by,
	.keep_log = NULL,
	.rejoin = NULL,
};
