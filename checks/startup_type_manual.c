/* Guide, "Verify that the failover cluster is working", Check the service
 * startup type: on every node the Management Server, Data Collector Server
 * and Log Server services start Manual, so only the cluster starts them. */
#include "check.h"
#include "cluster.h"
#include "error.h"
#include "scenario.h"
#include "topology.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static void one_node(struct xpv_ctx *ctx, const struct xpv_node *node, void *arg)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	json_t *rows = NULL;
	int rc = xpv_node_services(&rows, ctx, node, false);

	(void)arg;
	for (size_t i = 0; i < sc->n_services; i++) {
		const struct xpv_service *svc = &sc->services[i];
		char *target = xpv_asprintf("%s/%s", node->name, svc->name), *msg, *observed;
		struct xpv_outcome o = { .target = target, .expected = "StartMode Manual" };
		json_t *row = rc == 0 ? xpv_service_row(rows, svc->name) : NULL;

		if (rc < 0) {
			o.verdict = XPV_ERROR;
			observed = xpv_strdup("no answer");
			msg = xpv_asprintf("cannot read the services of %s: %s", node->name, xpv_error_last());
		} else if (row == NULL) {
			o.verdict = svc->optional ? XPV_SKIP : XPV_FAIL;
			observed = xpv_strdup("not installed");
			msg = xpv_asprintf("%s is not installed on %s%s", svc->name, node->name,
					   svc->optional ? " (optional in this scenario)" : "");
		} else {
			const char *mode = xpv_prop(row, "StartMode");

			o.verdict = strcmp(mode, "Manual") == 0 ? XPV_PASS : XPV_FAIL;
			observed = xpv_asprintf("StartMode %s", mode);
			msg = xpv_asprintf("%s on %s starts %s%s%s%s", svc->name, node->name, mode,
					   o.verdict == XPV_PASS ? "" : ": ", o.verdict == XPV_PASS ? "" : xpv_topology(sc)->manager,
					   o.verdict == XPV_PASS ? "" : " no longer controls it alone");
		}
		{
			/* for the report's node x service matrix */
			struct xpv_kv fig = { "start_mode", (char *)(row ? xpv_prop(row, "StartMode") : "not installed") };

			o.figures = &fig;
			o.n_figures = rc == 0;
			o.observed = observed;
			o.message = msg;
			xpv_ctx_report(ctx, &o);
		}
		free(target);
		free(observed);
		free(msg);
	}
	json_decref(rows);
}

static int run(struct xpv_ctx *ctx)
{
	return xpv_ctx_each_node(ctx, one_node, NULL);
}

const struct xpv_check xpv_check_startup_type_manual = {
	.id = "startup-type-manual",
	.title = "Role services start Manual on every node",
	.guide_section = "Verify that the failover cluster is working: Check the service startup type",
	.remediation = "On every node, open Services and set the startup type of the Management Server, Data "
		       "Collector Server and Log Server services to Manual, so that only the Failover Cluster "
		       "Manager starts and stops them. A service set to Automatic starts by itself whenever its node "
		       "boots, owner or not. With SafeKit (Management Server Failover) likewise on both nodes: "
		       "applying the module's configuration sets them Manual, and SafeKit alone starts them on the "
		       "PRIM node.",
	.run = run,
};
