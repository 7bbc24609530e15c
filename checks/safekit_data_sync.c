/* XProtect Management Server Failover (SafeKit): the SQL data replicated to
 * the SECOND node is up to date and replication is not degraded, and the
 * heartbeats are up (MSF's status page: sync status uptodate; SafeKit's
 * resources rfs.uptodate, rfs.degraded, heartbeat.default, UG 5.5-5.6,
 * 10.11.3). With an external SQL Server nothing is replicated: skipped. */
#include "check.h"
#include "error.h"
#include "safekit.h"
#include "scenario.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Resource `res` on `node` must be `want` ("up") or, when `negate`, not be
 * it. */
static void resource(struct xpv_ctx *ctx, const struct xpv_node *node, const char *module, const char *res,
		     const char *want, bool negate, const char *fail_text)
{
	char *why = NULL, *v = xpv_safekit_get(ctx, node, module, res, &why);
	char *target = xpv_asprintf("%s/%s", node->name, res);
	char *exp = xpv_asprintf("%s %s%s", res, negate ? "not " : "", want);

	if (v == NULL) {
		xpv_ctx_report_owned(ctx, target, XPV_ERROR, exp, xpv_strdup("no answer"), why);
	} else {
		bool ok = (strcasecmp(v, want) == 0) != negate;

		xpv_ctx_report_owned(ctx, target, ok ? XPV_PASS : XPV_FAIL, exp, xpv_asprintf("%s %s", res, v),
				     ok ? xpv_asprintf("%s is %s on %s", res, v, node->name)
					: xpv_asprintf("%s is %s on %s: %s", res, v, node->name, fail_text));
		free(why);
	}
	free(v);
	free(target);
	free(exp);
}

static int run(struct xpv_ctx *ctx)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	struct xpv_safekit_pair p;
	int second = -1;

	if (sc->safekit.external_sql) {
		struct xpv_outcome o = { .target = "replication", .verdict = XPV_SKIP, .expected = "replicated SQL data up to date",
					 .observed = "external SQL Server",
					 .message = "the deployment uses an external SQL Server (safekit.external_sql): SafeKit "
						    "replicates nothing, as Milestone documents; the SQL Server's own high "
						    "availability is outside this check" };

		xpv_ctx_report(ctx, &o);
		return 0;
	}
	if (xpv_safekit_pair(&p, ctx) < 0)
		return XPV_ECHECK;
	for (int i = 0; i < 2; i++)
		if (p.state[i] == XPV_SK_SECOND)
			second = i;
	if (second < 0) {
		char *msg = xpv_asprintf("no node is SECOND (%s %s, %s %s): the data is replicated nowhere",
					 sc->nodes[0].name, xpv_safekit_state_name(p.state[0]), sc->nodes[1].name,
					 xpv_safekit_state_name(p.state[1]));
		struct xpv_outcome o = { .target = "replication", .verdict = XPV_FAIL,
					 .expected = "a SECOND node with up-to-date data", .observed = "no SECOND",
					 .message = msg };

		xpv_ctx_report(ctx, &o);
		free(msg);
	} else {
		resource(ctx, &sc->nodes[second], p.module, "rfs.uptodate", "up", false,
			 "the SECOND's copy of the SQL data is not up to date; a failover now would lose data or wait");
	}
	for (int i = 0; i < 2; i++) {
		if (p.state[i] < 0) {
			char *target = xpv_asprintf("%s/rfs.degraded", sc->nodes[i].name);

			xpv_ctx_report_owned(ctx, target, XPV_ERROR, "rfs.degraded not up", xpv_strdup("no answer"), xpv_strdup(p.why[i]));
			free(target);
			continue;
		}
		resource(ctx, &sc->nodes[i], p.module, "rfs.degraded", "up", true,
			 "replication is degraded: the data is written on one node only");
		resource(ctx, &sc->nodes[i], p.module, "heartbeat.default", "up", false,
			 "the heartbeat to the other node is down: one more lost link and both nodes go PRIM");
	}
	xpv_safekit_pair_clear(&p);
	return 0;
}

const struct xpv_check xpv_check_safekit_data_sync = {
	.id = "safekit-data-sync",
	.title = "SafeKit: the SECOND's data is up to date, heartbeats up",
	.guide_section = "Management Server Failover: status explained (sync status uptodate)",
	.remediation = "In the SafeKit web console, wait for the SECOND node to finish its resynchronisation (SECOND "
		       "Ready, uptodate). If it does not finish, check the replication link (TCP 5600) and the disk "
		       "space of the replicated SQL Server directories, then restart the module on the SECOND node "
		       "(safekit stop -m AM, safekit start -m AM). A heartbeat down: check the network between the "
		       "nodes and UDP 8888.",
	.rerun_after_disruptive = true,
	.topologies = XPV_TOPO_SAFEKIT,
	.run = run,
};
