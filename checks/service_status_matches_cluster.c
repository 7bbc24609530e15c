/* Guide, "Verify that the failover cluster is working", Check service
 * status: for each role service, the state Failover Cluster Manager shows
 * matches the service on the owner node, which runs it; no other node runs
 * it. */
#include "check.h"
#include "cluster.h"
#include "error.h"
#include "scenario.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* `state` (the service's, NULL when unknown) and `cluster` (the
 * resource's, NULL on other nodes) go to the report's matrix. */
static void report(struct xpv_ctx *ctx, const char *node, const char *service, enum xpv_verdict v,
		   const char *expected, char *observed, char *message, const char *state, const char *cluster)
{
	char *target = xpv_asprintf("%s/%s", node, service);
	struct xpv_kv figs[2];
	size_t n = 0;
	struct xpv_outcome o = { .target = target, .verdict = v, .expected = expected, .observed = observed,
				 .message = message, .figures = figs };

	if (state != NULL)
		figs[n++] = (struct xpv_kv){ "service_state", (char *)state };
	if (cluster != NULL)
		figs[n++] = (struct xpv_kv){ "cluster_state", (char *)cluster };
	o.n_figures = n;
	xpv_ctx_report(ctx, &o);
	free(target);
	free(observed);
	free(message);
}

/* The owner: the cluster's view of each resource against the service. */
static void check_owner(struct xpv_ctx *ctx, const struct xpv_cluster_view *v, const struct xpv_node *owner)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	json_t *rows = NULL;
	int rc = xpv_node_services(&rows, ctx, owner, false);

	for (size_t i = 0; i < XPV_SERVICE_COUNT; i++) {
		const struct xpv_service *svc = &sc->services[i];
		json_t *res = xpv_cluster_resource(v, svc->resource);
		json_t *row = rc == 0 ? xpv_service_row(rows, svc->name) : NULL;
		const char *expected = "cluster Online, service Running on the owner";
		long state = xpv_prop_long(res, "State", -1);
		const char *cstate = xpv_resource_state_name(state);
		const char *sstate = row ? xpv_prop(row, "State") : "not installed";
		bool online = state == XPV_RES_ONLINE, running = strcmp(sstate, "Running") == 0;

		if (res == NULL && svc->optional) {
			report(ctx, owner->name, svc->name, XPV_SKIP, expected, xpv_strdup("no resource"),
			       xpv_asprintf("%s is not a resource of role %s (optional in this scenario)", svc->resource,
					    sc->cluster.role), NULL, NULL);
		} else if (res == NULL) {
			report(ctx, owner->name, svc->name, XPV_FAIL, expected, xpv_strdup("no resource"),
			       xpv_asprintf("%s is not a resource of role %s: the cluster does not control it",
					    svc->resource, sc->cluster.role), row ? sstate : NULL, "no resource");
		} else if (rc < 0) {
			report(ctx, owner->name, svc->name, XPV_ERROR, expected,
			       xpv_asprintf("cluster %s, service unknown", cstate),
			       xpv_asprintf("cannot read the services of the owner %s: %s", owner->name, xpv_error_last()),
			       NULL, cstate);
		} else {
			char *observed = xpv_asprintf("cluster %s, service %s on %s", cstate, sstate, owner->name);
			enum xpv_verdict verdict = online && running ? XPV_PASS : XPV_FAIL;
			char *msg;

			if (verdict == XPV_PASS)
				msg = xpv_asprintf("%s: the cluster shows Online and it runs on the owner %s", svc->name,
						   owner->name);
			else if (online != running)
				msg = xpv_asprintf("%s: the cluster shows %s, but the service is %s on the owner %s: "
						   "Failover Cluster Manager does not show the actual status",
						   svc->name, cstate, sstate, owner->name);
			else
				msg = xpv_asprintf("%s: the cluster shows %s and the service is %s on the owner %s: the "
						   "role does not run this service",
						   svc->name, cstate, sstate, owner->name);
			report(ctx, owner->name, svc->name, verdict, expected, observed, msg, sstate, cstate);
		}
	}
	json_decref(rows);
}

struct others {
	const struct xpv_node *owner;
};

/* The other nodes: none runs a role service. */
static void check_other(struct xpv_ctx *ctx, const struct xpv_node *node, void *arg)
{
	const struct others *a = arg;
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	json_t *rows = NULL;
	int rc;

	if (node == a->owner)
		return;
	rc = xpv_node_services(&rows, ctx, node, false);
	for (size_t i = 0; i < XPV_SERVICE_COUNT; i++) {
		const struct xpv_service *svc = &sc->services[i];
		json_t *row = rc == 0 ? xpv_service_row(rows, svc->name) : NULL;
		const char *st = row ? xpv_prop(row, "State") : "not installed";

		if (rc < 0)
			report(ctx, node->name, svc->name, XPV_ERROR, "not running (the owner is elsewhere)",
			       xpv_strdup("no answer"),
			       xpv_asprintf("cannot read the services of %s: %s", node->name, xpv_error_last()), NULL, NULL);
		else
			report(ctx, node->name, svc->name, strcmp(st, "Running") == 0 ? XPV_FAIL : XPV_PASS,
			       "not running (the owner is elsewhere)", xpv_asprintf("%s on %s", st, node->name),
			       strcmp(st, "Running") == 0
				       ? xpv_asprintf("%s runs on %s, which does not own role %s (owner %s)", svc->name,
						      node->name, sc->cluster.role, a->owner->name)
				       : xpv_asprintf("%s is %s on %s", svc->name, st, node->name),
			       st, NULL);
	}
	json_decref(rows);
}

static int run(struct xpv_ctx *ctx)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	struct xpv_cluster_view v;
	struct others a;
	const char *owner;

	if (xpv_cluster_view_get(&v, ctx, NULL, false) < 0)
		return XPV_ECHECK;
	if (v.group == NULL) {
		char *msg = xpv_asprintf("role %s is not a group of cluster %s (seen from %s)", sc->cluster.role,
					 sc->cluster.name, v.source->name);
		struct xpv_outcome o = { .target = sc->cluster.role, .verdict = XPV_FAIL,
					 .expected = "the role exists", .observed = "no such group", .message = msg };

		xpv_ctx_report(ctx, &o);
		free(msg);
		xpv_cluster_view_clear(&v);
		return 0;
	}
	owner = xpv_cluster_owner(&v);
	a.owner = xpv_node_by_name(sc, owner);
	if (a.owner == NULL) {
		xpv_error_set(XPV_ECHECK, "role %s is owned by '%s', which is not a node of this scenario",
			      sc->cluster.role, owner ? owner : "nobody");
		xpv_cluster_view_clear(&v);
		return XPV_ECHECK;
	}
	check_owner(ctx, &v, a.owner);
	xpv_ctx_each_node(ctx, check_other, &a);
	xpv_cluster_view_clear(&v);
	return 0;
}

const struct xpv_check xpv_check_service_status_matches_cluster = {
	.id = "service-status-matches-cluster",
	.title = "Cluster shows the real service status; only the owner runs the role",
	.guide_section = "Verify that the failover cluster is working: Check service status",
	.remediation = "Compare the role's resources in Failover Cluster Manager with Services on the owner node. "
		       "If they disagree, stop and start the role, then check again. Add every role service as a "
		       "Generic Service resource of the role, and make sure none runs on a node that does not own "
		       "the role (set its startup type to Manual and stop it there).",
	.run = run,
};
