/* Guide, "Configure the Data Collector Server service to run in a cluster
 * environment": on every node the Data Collector Server's appsettings.json
 * has ClusterSettings.ClusterAddress equal to the cluster address and
 * ClusterSettings.ClusterApplicationId equal to the cluster's Id
 * ((Get-Cluster).Id). */
#include "check.h"
#include "cluster.h"
#include "error.h"
#include "scenario.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DCS_SETTINGS "C:\\Program Files\\Milestone\\XProtect Data Collector Server\\appsettings.json"

struct dcs {
	char *cluster_id;    /* (Get-Cluster).Id, or NULL */
	char *id_error;      /* why not */
};

/* The cluster's Id from the first node that gives it. */
static void cluster_id(struct xpv_ctx *ctx, struct dcs *d)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);

	for (size_t i = 0; i < sc->n_nodes && d->cluster_id == NULL; i++) {
		char *why, *out = xpv_node_powershell(ctx, &sc->nodes[i], "(Get-Cluster).Id", &why);

		if (out != NULL) {
			xpv_rtrim(out);
			if (out[0] != '\0') {
				d->cluster_id = out;
				break;
			}
			free(out);
			why = xpv_strdup("(Get-Cluster).Id printed nothing");
		}
		free(d->id_error);
		d->id_error = xpv_asprintf("%s: %s", sc->nodes[i].name, why);
		free(why);
	}
}

static void report(struct xpv_ctx *ctx, const struct xpv_node *node, enum xpv_verdict v, const char *observed,
		   const char *msg)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	char *exp = xpv_asprintf("ClusterSettings.ClusterAddress %s://%s, ClusterApplicationId the cluster's Id",
				 sc->cluster.scheme, sc->cluster.address_host);
	struct xpv_outcome o = { .target = node->name, .verdict = v, .expected = exp, .observed = observed, .message = msg };

	xpv_ctx_report(ctx, &o);
	free(exp);
}

static void one_node(struct xpv_ctx *ctx, const struct xpv_node *node, void *arg)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	const struct dcs *d = arg;
	char *why, *text = xpv_node_file(ctx, node, DCS_SETTINGS, &why);
	json_error_t jerr;
	json_t *doc = NULL, *cs;
	const char *addr, *id;
	char *scheme = NULL, *host = NULL, *problems = xpv_strdup(""), *obs;

	if (text == NULL) {
		char *msg = xpv_asprintf("cannot read %s on %s: %s", DCS_SETTINGS, node->name, why);

		report(ctx, node, XPV_ERROR, "not read", msg);
		free(msg);
		goto out;
	}
	doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		char *msg = xpv_asprintf("%s on %s is not valid JSON (line %d: %s): the Data Collector Server cannot "
					 "read it either", DCS_SETTINGS, node->name, jerr.line, jerr.text);

		report(ctx, node, XPV_FAIL, "not JSON", msg);
		free(msg);
		goto out;
	}
	cs = json_object_get(doc, "ClusterSettings");
	addr = json_string_value(json_object_get(cs, "ClusterAddress"));
	id = json_string_value(json_object_get(cs, "ClusterApplicationId"));
	if (addr == NULL || !xpv_url_split(addr, &scheme, &host)) {
		free(problems);
		problems = addr ? xpv_asprintf("ClusterAddress is '%s', not a URL", addr)
				: xpv_strdup("ClusterSettings.ClusterAddress is missing");
	} else if (strcasecmp(scheme, sc->cluster.scheme) != 0 || strcasecmp(host, sc->cluster.address_host) != 0) {
		free(problems);
		problems = xpv_asprintf("ClusterAddress is %s, not the cluster address %s://%s", addr, sc->cluster.scheme,
					sc->cluster.address_host);
	}
	if (d->cluster_id != NULL) {
		char *next = NULL;

		if (id == NULL)
			next = xpv_asprintf("%s%sClusterSettings.ClusterApplicationId is missing", problems,
					    problems[0] ? "; " : "");
		else if (strcasecmp(id, d->cluster_id) != 0)
			next = xpv_asprintf("%s%sClusterApplicationId is %s, not the cluster's Id %s", problems,
					    problems[0] ? "; " : "", id, d->cluster_id);
		if (next != NULL) {
			free(problems);
			problems = next;
		}
	}
	obs = xpv_asprintf("ClusterAddress %s, ClusterApplicationId %s", addr ? addr : "missing", id ? id : "missing");
	if (problems[0] != '\0') {
		char *msg = xpv_asprintf("%s on %s: %s", DCS_SETTINGS, node->name, problems);

		report(ctx, node, XPV_FAIL, obs, msg);
		free(msg);
	} else if (d->cluster_id == NULL) {
		char *msg = xpv_asprintf("ClusterAddress is the cluster address, but the cluster's Id could not be read "
					 "to compare ClusterApplicationId %s with: %s", id ? id : "(missing)", d->id_error);

		report(ctx, node, XPV_ERROR, obs, msg);
		free(msg);
	} else {
		char *msg = xpv_asprintf("the Data Collector Server on %s points at %s://%s and the cluster's Id %s",
					 node->name, sc->cluster.scheme, sc->cluster.address_host, d->cluster_id);

		report(ctx, node, XPV_PASS, obs, msg);
		free(msg);
	}
	free(obs);
out:
	json_decref(doc);
	free(scheme);
	free(host);
	free(problems);
	free(text);
	free(why);
}

static int run(struct xpv_ctx *ctx)
{
	struct dcs d = { 0 };
	int rc;

	cluster_id(ctx, &d);
	rc = xpv_ctx_each_node(ctx, one_node, &d);
	free(d.cluster_id);
	free(d.id_error);
	return rc;
}

const struct xpv_check xpv_check_dcs_cluster_settings = {
	.id = "dcs-cluster-settings",
	.title = "The Data Collector Server points at the cluster address and the cluster's Id on every node",
	.guide_section = "Configure the Data Collector Server service to run in a cluster environment",
	.remediation = "On every node, edit C:\\Program Files\\Milestone\\XProtect Data Collector "
		       "Server\\appsettings.json: under ClusterSettings set ClusterAddress to the cluster address "
		       "(the role's client access point, not the node's own name) and ClusterApplicationId to the "
		       "cluster's Id from PowerShell (Get-Cluster).Id, then restart the Data Collector Server "
		       "through Failover Cluster Manager.",
	.topologies = XPV_TOPO_WSFC,
	.run = run,
};
