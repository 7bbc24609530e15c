/* Guide, "Verify that the failover cluster is working", Check service
 * status: for each role service, the state Failover Cluster Manager shows
 * matches the service on the owner node, which runs it; no other node runs
 * it. With SafeKit (Eviden's procedure, step 16): the services run on the
 * PRIM (or ALONE) node and on no other. Through the topology. */
#include "check.h"
#include "cluster.h"
#include "error.h"
#include "scenario.h"
#include "topology.h"
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

/* The owner: the manager's view of each service against the service. */
static void check_owner(struct xpv_ctx *ctx, const struct xpv_ha_view *v, const struct xpv_node *owner)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	const struct xpv_topology *topo = xpv_topology(sc);
	bool wsfc = sc->topology == XPV_TOPOLOGY_WSFC;
	char *what = topo->role(sc);
	json_t *rows = NULL;
	int rc = xpv_node_services(&rows, ctx, owner, false);

	for (size_t i = 0; i < sc->n_services; i++) {
		const struct xpv_service *svc = &sc->services[i];
		bool controlled, online;
		const char *cstate = topo->service_state(v, svc, &controlled, &online);
		json_t *row = rc == 0 ? xpv_service_row(rows, svc->name) : NULL;
		const char *expected = wsfc ? "cluster Online, service Running on the owner"
					    : "service Running on the PRIM or ALONE node";
		const char *sstate = row ? xpv_prop(row, "State") : "not installed";
		bool running = strcmp(sstate, "Running") == 0;

		if (!controlled && svc->optional) {
			report(ctx, owner->name, svc->name, XPV_SKIP, expected, xpv_strdup("no resource"),
			       xpv_asprintf("%s is not a resource of %s (optional in this scenario)", svc->resource, what),
			       NULL, NULL);
		} else if (!controlled) {
			report(ctx, owner->name, svc->name, XPV_FAIL, expected, xpv_strdup("no resource"),
			       xpv_asprintf("%s is not a resource of %s: the cluster does not control it", svc->resource,
					    what), row ? sstate : NULL, "no resource");
		} else if (rc < 0) {
			report(ctx, owner->name, svc->name, XPV_ERROR, expected,
			       xpv_asprintf("%s %s, service unknown", wsfc ? "cluster" : "module", cstate),
			       xpv_asprintf("cannot read the services of the owner %s: %s", owner->name, xpv_error_last()),
			       NULL, cstate);
		} else if (row == NULL && svc->optional) {
			report(ctx, owner->name, svc->name, XPV_SKIP, expected, xpv_strdup("not installed"),
			       xpv_asprintf("%s is not installed on %s (optional in this scenario)", svc->name, owner->name),
			       NULL, cstate);
		} else {
			char *observed = xpv_asprintf("%s %s, service %s on %s", wsfc ? "cluster" : "module", cstate, sstate,
						      owner->name);
			enum xpv_verdict verdict = online && running ? XPV_PASS : XPV_FAIL;
			char *msg;

			if (verdict == XPV_PASS && wsfc)
				msg = xpv_asprintf("%s: the cluster shows Online and it runs on the owner %s", svc->name,
						   owner->name);
			else if (verdict == XPV_PASS)
				msg = xpv_asprintf("%s runs on %s, the %s node of %s", svc->name, owner->name, cstate, what);
			else if (!wsfc)
				msg = xpv_asprintf("%s is %s on %s, the %s node of %s: SafeKit's start_prim did not start it",
						   svc->name, sstate, owner->name, cstate, what);
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
	free(what);
	json_decref(rows);
}

struct others {
	const struct xpv_node *owner;
	char *what; /* "role ms-role", "module AM" */
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
	for (size_t i = 0; i < sc->n_services; i++) {
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
				       ? xpv_asprintf("%s runs on %s, which does not own %s (owner %s)", svc->name,
						      node->name, a->what, a->owner->name)
				       : xpv_asprintf("%s is %s on %s", svc->name, st, node->name),
			       st, NULL);
	}
	json_decref(rows);
}

static int run(struct xpv_ctx *ctx)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	const struct xpv_topology *topo = xpv_topology(sc);
	struct xpv_ha_view v;
	struct others a;

	if (topo->view(&v, ctx, NULL, false) < 0)
		return XPV_ECHECK;
	a.what = topo->role(sc);
	if (!v.exists) {
		struct xpv_outcome o = { .target = sc->cluster.role ? sc->cluster.role : "module", .verdict = XPV_FAIL,
					 .expected = "the role exists", .observed = "no such group", .message = v.missing };

		xpv_ctx_report(ctx, &o);
		goto out;
	}
	a.owner = v.active;
	if (a.owner == NULL) {
		xpv_error_set(XPV_ECHECK, "%s is owned by '%s', which is not a node of this scenario (%s: %s)", a.what,
			      v.active_name ? v.active_name : "nobody", topo->manager, v.state ? v.state : "");
		xpv_ha_view_clear(&v);
		free(a.what);
		return XPV_ECHECK;
	}
	check_owner(ctx, &v, a.owner);
	xpv_ctx_each_node(ctx, check_other, &a);
out:
	xpv_ha_view_clear(&v);
	free(a.what);
	return 0;
}

const struct xpv_check xpv_check_service_status_matches_cluster = {
	.id = "service-status-matches-cluster",
	.title = "Cluster shows the real service status; only the owner runs the role",
	.guide_section = "Verify that the failover cluster is working: Check service status",
	.remediation = "Compare the role's resources in Failover Cluster Manager with Services on the owner node. "
		       "If they disagree, stop and start the role, then check again. Add every role service as a "
		       "Generic Service resource of the role, and make sure none runs on a node that does not own "
		       "the role (set its startup type to Manual and stop it there). With SafeKit: the services run "
		       "on the PRIM node only; a service running on the SECOND node was started outside SafeKit "
		       "(set it to Manual and stop it there).",
	.run = run,
};
