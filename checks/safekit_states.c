/* XProtect Management Server Failover (SafeKit), "Check that the cluster is
 * green/green" (Eviden's Milestone procedure, step 16; MSF's status page):
 * the mirror module is PRIM on one node and SECOND on the other, each
 * node's view of the other agrees with that node's own state, failover is
 * on, and SafeKit's own services run on both nodes. States come from the
 * exit code of `safekit state -m AM -lq` and `safekit get -r state.remote`
 * (reference/safekit.md A.1). */
#include "check.h"
#include "cluster.h"
#include "error.h"
#include "safekit.h"
#include "scenario.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The pair as a whole: exactly one PRIM and one SECOND. */
static void pair_result(struct xpv_ctx *ctx, const struct xpv_safekit_pair *p)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	const char *a = sc->nodes[0].name, *b = sc->nodes[1].name;
	const char *sa = xpv_safekit_state_name(p->state[0]), *sb = xpv_safekit_state_name(p->state[1]);
	static const char *const exp = "one node PRIM, the other SECOND";
	char *obs = xpv_asprintf("%s %s, %s %s", a, sa, b, sb);

	if (p->state[0] < 0 || p->state[1] < 0) {
		xpv_ctx_report_owned(ctx, "pair", XPV_ERROR, exp, obs,
				     xpv_asprintf("the module state of %s is unknown: %s", p->state[0] < 0 ? a : b,
						  p->state[0] < 0 ? p->why[0] : p->why[1]));
	} else if ((p->state[0] == XPV_SK_PRIM && p->state[1] == XPV_SK_SECOND) ||
		   (p->state[0] == XPV_SK_SECOND && p->state[1] == XPV_SK_PRIM)) {
		xpv_ctx_report_owned(ctx, "pair", XPV_PASS, exp, obs,
				     xpv_asprintf("module %s is PRIM on %s and SECOND on %s", p->module,
						  p->state[0] == XPV_SK_PRIM ? a : b, p->state[0] == XPV_SK_PRIM ? b : a));
	} else if (p->state[0] == XPV_SK_PRIM && p->state[1] == XPV_SK_PRIM) {
		xpv_ctx_report_owned(ctx, "pair", XPV_FAIL, exp, obs,
				     xpv_asprintf("module %s is PRIM on both nodes: split brain, both run the services and the "
						  "data diverges", p->module));
	} else {
		xpv_ctx_report_owned(ctx, "pair", XPV_FAIL, exp, obs,
				     xpv_asprintf("module %s is %s on %s and %s on %s: the pair is not protected (a failover now "
						  "has no node to go to, or nothing to fail over)", p->module, sa, a, sb, b));
	}
}

/* Each node's view of the other agrees with that node's own state. */
static void remote_views(struct xpv_ctx *ctx, const struct xpv_safekit_pair *p)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	char *remote[2] = { NULL, NULL }, *why[2] = { NULL, NULL };

	for (size_t i = 0; i < 2; i++)
		if (p->state[i] >= 0)
			remote[i] = xpv_safekit_get(ctx, &sc->nodes[i], p->module, "state.remote", &why[i]);
	for (size_t i = 0; i < 2; i++) {
		size_t o = 1 - i;
		char *target = xpv_asprintf("%s/remote-view", sc->nodes[i].name);
		char *exp = xpv_asprintf("%s sees %s as %s", sc->nodes[i].name, sc->nodes[o].name,
					 p->state[o] >= 0 ? xpv_safekit_state_name(p->state[o]) : "it is");
		bool unknown_both = remote[0] && remote[1] && strcasecmp(remote[0], "UNKNOWN") == 0 &&
				    strcasecmp(remote[1], "UNKNOWN") == 0;

		if (remote[i] == NULL) {
			xpv_ctx_report_owned(ctx, target, XPV_ERROR, exp, xpv_strdup("no answer"),
					     xpv_strdup(why[i] ? why[i] : p->why[i]));
		} else if (unknown_both) {
			xpv_ctx_report_owned(ctx, target, XPV_FAIL, exp, xpv_asprintf("state.remote %s", remote[i]),
					     xpv_asprintf("both nodes see the other UNKNOWN: the nodes cannot talk (heartbeats and "
							  "replication are cut; SafeKit UG 7.14)"));
		} else if (p->state[o] < 0) {
			xpv_ctx_report_owned(ctx, target, XPV_ERROR, exp, xpv_asprintf("state.remote %s", remote[i]),
					     xpv_asprintf("%s sees %s as %s, whose own state is unknown: %s", sc->nodes[i].name,
							  sc->nodes[o].name, remote[i], p->why[o]));
		} else if (strcasecmp(remote[i], xpv_safekit_state_name(p->state[o])) == 0) {
			xpv_ctx_report_owned(ctx, target, XPV_PASS, exp, xpv_asprintf("state.remote %s", remote[i]),
					     xpv_asprintf("%s sees %s as %s, as %s says of itself", sc->nodes[i].name, sc->nodes[o].name,
							  remote[i], sc->nodes[o].name));
		} else {
			xpv_ctx_report_owned(ctx, target, XPV_FAIL, exp, xpv_asprintf("state.remote %s", remote[i]),
					     xpv_asprintf("%s sees %s as %s, but %s says it is %s: the nodes disagree", sc->nodes[i].name,
							  sc->nodes[o].name, remote[i], sc->nodes[o].name,
							  xpv_safekit_state_name(p->state[o])));
		}
		free(target);
		free(exp);
	}
	for (size_t i = 0; i < 2; i++) {
		free(remote[i]);
		free(why[i]);
	}
}

/* Failover is on (usersetting.failover, `safekit failover on|off`). */
static void failover_setting(struct xpv_ctx *ctx, const struct xpv_safekit_pair *p)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	size_t i = p->state[0] >= 0 ? 0 : 1;
	char *why = NULL, *v = xpv_safekit_get(ctx, &sc->nodes[i], p->module, "usersetting.failover", &why);
	static const char *const exp = "usersetting.failover on";

	if (v == NULL)
		xpv_ctx_report_owned(ctx, "failover-setting", XPV_ERROR, exp, xpv_strdup("no answer"), why);
	else if (strcasecmp(v, "on") == 0)
		xpv_ctx_report_owned(ctx, "failover-setting", XPV_PASS, exp, xpv_asprintf("%s", v),
				     xpv_asprintf("automatic failover is on (as %s reports)", sc->nodes[i].name)), free(why);
	else
		xpv_ctx_report_owned(ctx, "failover-setting", XPV_FAIL, exp, xpv_asprintf("usersetting.failover %s", v),
				     xpv_asprintf("automatic failover is %s: the SECOND never takes over when the PRIM fails "
						  "(safekit failover on -m %s turns it back on)", v, p->module)), free(why);
	free(v);
}

/* safeadmin (mandatory) and safewebserver (console, distributed
 * commands) run on the node. */
static void own_services(struct xpv_ctx *ctx, const struct xpv_node *node, void *arg)
{
	static const char *const names[] = { "safeadmin", "safewebserver" };
	json_t *rows = NULL;
	int rc = xpv_ctx_wql(&rows, ctx, node, "root/cimv2",
			     "select Name,State,StartMode from Win32_Service where Name = 'safeadmin' or Name = 'safewebserver'");

	(void)arg;
	for (size_t k = 0; k < 2; k++) {
		char *target = xpv_asprintf("%s/%s", node->name, names[k]);
		const json_t *row = rc == 0 ? xpv_service_row(rows, names[k]) : NULL;

		if (rc < 0)
			xpv_ctx_report_owned(ctx, target, XPV_ERROR, "Running", xpv_strdup("no answer"),
					     xpv_asprintf("cannot read the services of %s: %s", node->name, xpv_error_last()));
		else if (row == NULL)
			xpv_ctx_report_owned(ctx, target, XPV_FAIL, "Running", xpv_strdup("not installed"),
					     xpv_asprintf("%s is not installed on %s: SafeKit is not installed there", names[k], node->name));
		else
			xpv_ctx_report_owned(ctx, target, strcmp(xpv_prop(row, "State"), "Running") == 0 ? XPV_PASS : XPV_FAIL, "Running",
					     xpv_strdup(xpv_prop(row, "State")),
					     xpv_asprintf("%s is %s on %s", names[k], xpv_prop(row, "State"), node->name));
		free(target);
	}
	json_decref(rows);
}

static int run(struct xpv_ctx *ctx)
{
	struct xpv_safekit_pair p;

	if (xpv_safekit_pair(&p, ctx) < 0)
		return XPV_ECHECK;
	pair_result(ctx, &p);
	remote_views(ctx, &p);
	failover_setting(ctx, &p);
	xpv_safekit_pair_clear(&p);
	return xpv_ctx_each_node(ctx, own_services, NULL);
}

const struct xpv_check xpv_check_safekit_states = {
	.id = "safekit-states",
	.title = "SafeKit: one node PRIM, the other SECOND, both agree, failover on",
	.guide_section = "Management Server Failover: check that the cluster is green/green",
	.remediation = "Open the SafeKit web console (https://NODE:9453) and bring the module to PRIM on one node and "
		       "SECOND on the other (safekit start -m AM on a stopped node). Both nodes PRIM, or each seeing the "
		       "other UNKNOWN, means the nodes cannot talk: check the network between them and the heartbeat "
		       "ports (UDP 8888), then restart the module on the node whose data is older. Turn automatic "
		       "failover back on with safekit failover on -m AM. Start safeadmin and safewebserver where they "
		       "are stopped.",
	.rerun_after_disruptive = true,
	.topologies = XPV_TOPO_SAFEKIT,
	.run = run,
};
