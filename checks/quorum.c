/* Guide, "Network and host prerequisites": "As the failover cluster relies
 * on a quorum which generally requires more than half the nodes to be
 * running, consider configuring an odd number of nodes." With an even
 * number of nodes and no witness, losing half of them stops the cluster;
 * a witness that is not Online gives no vote. */
#include "check.h"
#include "cluster.h"
#include "error.h"
#include "scenario.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* Get-ClusterQuorum, flattened to JSON (PowerShell's own serialisation). */
static const char *const QUORUM_PS =
	"$q = Get-ClusterQuorum\n"
	"$r = $q.QuorumResource\n"
	"[pscustomobject]@{\n"
	"  QuorumType = [string]$q.QuorumType\n"
	"  Witness = if ($r) { [string]$r.Name } else { $null }\n"
	"  WitnessType = if ($r) { [string]$r.ResourceType.Name } else { $null }\n"
	"  WitnessState = if ($r) { [string]$r.State } else { $null }\n"
	"  Nodes = @(Get-ClusterNode).Count\n"
	"} | ConvertTo-Json -Compress\n";

static void report(struct xpv_ctx *ctx, enum xpv_verdict v, const char *observed, const char *msg)
{
	struct xpv_outcome o = { .target = "quorum", .verdict = v, .observed = observed, .message = msg,
				 .expected = "an odd number of nodes, or a witness that is Online" };

	xpv_ctx_report(ctx, &o);
}

static int run(struct xpv_ctx *ctx)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	char *why = NULL, *text = NULL, *obs, *msg;
	const char *from = NULL;
	json_error_t jerr;
	json_t *q;
	const char *type, *witness, *wtype, *wstate;
	long nodes;

	for (size_t i = 0; i < sc->n_nodes && text == NULL; i++) {
		free(why);
		text = xpv_node_powershell(ctx, &sc->nodes[i], QUORUM_PS, &why);
		from = sc->nodes[i].name;
	}
	if (text == NULL) {
		msg = xpv_asprintf("no node gave the cluster's quorum (Get-ClusterQuorum); the last: %s: %s", from, why);
		report(ctx, XPV_ERROR, "not read", msg);
		free(msg);
		free(why);
		return 0;
	}
	free(why);
	q = json_loads(text, 0, &jerr);
	type = json_string_value(json_object_get(q, "QuorumType"));
	witness = json_string_value(json_object_get(q, "Witness"));
	wtype = json_string_value(json_object_get(q, "WitnessType"));
	wstate = json_string_value(json_object_get(q, "WitnessState"));
	nodes = (long)json_integer_value(json_object_get(q, "Nodes"));
	if (q == NULL || type == NULL || nodes <= 0) {
		msg = xpv_asprintf("%s's answer to Get-ClusterQuorum is not what was asked for: %.200s", from, text);
		report(ctx, XPV_ERROR, "not read", msg);
		free(msg);
		goto out;
	}
	obs = witness ? xpv_asprintf("%s, %ld nodes, witness %s (%s) %s", type, nodes, witness, wtype ? wtype : "?",
				     wstate ? wstate : "?")
		      : xpv_asprintf("%s, %ld nodes, no witness", type, nodes);
	if (strcmp(type, "DiskOnly") == 0) {
		msg = xpv_asprintf("the quorum is disk only (%s): the disk is a single point of failure for the whole "
				   "cluster", obs);
		report(ctx, XPV_FAIL, obs, msg);
	} else if (witness != NULL && (wstate == NULL || strcmp(wstate, "Online") != 0)) {
		msg = xpv_asprintf("the witness %s is %s: it gives no vote, so %s", witness, wstate ? wstate : "in no state",
				   nodes % 2 == 0 ? "losing half of the nodes stops the cluster" : "the cluster has one failure "
											"less to spare");
		report(ctx, XPV_FAIL, obs, msg);
	} else if (witness == NULL && nodes % 2 == 0) {
		msg = xpv_asprintf("%ld nodes and no witness: losing half of them loses the quorum and stops the cluster; "
				   "the guide: consider an odd number of nodes (or add a witness)", nodes);
		report(ctx, XPV_FAIL, obs, msg);
	} else {
		msg = witness ? xpv_asprintf("%ld nodes and the witness %s (Online): %s", nodes, witness, type)
			      : xpv_asprintf("%ld nodes, an odd number: %s", nodes, type);
		report(ctx, XPV_PASS, obs, msg);
	}
	free(msg);
	free(obs);
out:
	json_decref(q);
	free(text);
	return 0;
}

const struct xpv_check xpv_check_quorum = {
	.id = "quorum",
	.title = "The quorum survives the loss of a node: an odd number of nodes, or a witness Online",
	.guide_section = "Network and host prerequisites (consider configuring an odd number of nodes)",
	.remediation = "In Failover Cluster Manager, More Actions > Configure Cluster Quorum Settings: with an even "
		       "number of nodes, add a file share, disk or cloud witness (or add a node); bring an offline "
		       "witness back online (check the share or disk it uses); do not use a disk-only quorum.",
	.topologies = XPV_TOPO_WSFC,
	.run = run,
};
